/*
 * delta.c -- the binary delta codec; see delta.h and docs/delta-format.md.
 *
 * A delta is a 40-byte header and a body.  The body is ten columnar
 * streams (tick, seq, id, sub, sector, kind, flags, value class, integer
 * values, XOR bytes) after a directory of their lengths, because a column
 * of similar numbers compresses far better than rows do.  Integer columns
 * hold zigzag LEB128 varints of the difference from the previous record's
 * value (modulo 2^64 or 2^32, so no difference overflows); ids differ from
 * the previous id of the same kind.  Each value is predicted by the last
 * non-NULL value of the same (kind, field index) and stored as a class
 * byte plus, for integers, a varint difference or, for other doubles, the
 * nonzero bytes of the XOR with the prediction.
 *
 * The encoder runs the same stream writer twice: once counting bytes, once
 * writing into a body of exactly that size.  The decoder checks the header
 * against the input length and max_raw before allocating anything, then
 * decompresses the body, checks the stream directory and the kind and
 * flags streams, and only then allocates the output; every stream must be
 * consumed exactly.
 */
#include "sim/core/delta.h"

#include <lz4.h>
#include <string.h>

#define NSTREAMS		10
#define ST_TICK			0
#define ST_SEQ			1
#define ST_ID			2
#define ST_SUB			3
#define ST_SECTOR		4
#define ST_KIND			5
#define ST_FLAGS		6
#define ST_CLASS		7
#define ST_INT			8
#define ST_XOR			9

#define FLAG_DELETED	0x80	/* flags byte: bit 7 deleted, bits 0-6 nvals */
#define FLAG_NVALS		0x7f

#define CLASS_NULL		0
#define CLASS_SAME		1
#define CLASS_INT		2
#define CLASS_XOR		3		/* 3 + 8 * lead + trail, lead + trail <= 7 */
#define CLASS_XOR_LAST	(CLASS_XOR + 8 * 7 + 7)

/* Bytes of body each record needs at least: 5 varints, kind, flags. */
#define REC_MIN_BYTES	SIM_DELTA_REC_MIN_BYTES

#define INT_LIMIT		9007199254740992.0	/* 2^53 */
#define MINUS_ZERO		UINT64_C(0x8000000000000000)

/* The decoder's bound on requests (8 * body length) needs this. */
_Static_assert(sizeof(SimDeltaRecord) <= 8 * REC_MIN_BYTES,
			   "SimDeltaRecord too large for the allocation bound");

/* A stream being written; while p is NULL it only counts. */
typedef struct WStream
{
	uint8_t    *p;
	size_t		len;
} WStream;

/* A stream being read. */
typedef struct RStream
{
	const uint8_t *p;
	size_t		len;
	size_t		pos;
} RStream;

/* Append one byte. */
static inline void
w_byte(WStream *s, uint8_t b)
{
	if (s->p)
		s->p[s->len] = b;
	s->len++;
}

/* Append v as an unsigned LEB128 varint (1..10 bytes). */
static void
w_varint(WStream *s, uint64_t v)
{
	while (v >= 0x80)
	{
		w_byte(s, (uint8_t) (v | 0x80));
		v >>= 7;
	}
	w_byte(s, (uint8_t) v);
}

/* Bytes of v as an unsigned LEB128 varint. */
static size_t
varint_len(uint64_t v)
{
	size_t		n = 1;

	while (v >= 0x80)
	{
		v >>= 7;
		n++;
	}
	return n;
}

/* Read one byte; 0, or -1 at the end of the stream. */
static inline int
r_byte(RStream *s, uint8_t *b)
{
	if (s->pos >= s->len)
		return -1;
	*b = s->p[s->pos++];
	return 0;
}

/*
 * Read an unsigned LEB128 varint of at most 10 bytes whose value fits in
 * 64 bits; 0, or -1 when it runs past the stream or overflows.
 */
static int
r_varint(RStream *s, uint64_t *v)
{
	uint64_t	r = 0;
	int			shift;

	for (shift = 0; shift < 70; shift += 7)
	{
		uint8_t		b;

		if (s->pos >= s->len)
			return -1;
		b = s->p[s->pos++];
		if (shift == 63 && b > 1)
			return -1;
		r |= (uint64_t) (b & 0x7f) << shift;
		if (b < 0x80)
		{
			*v = r;
			return 0;
		}
	}
	return -1;
}

/* Zigzag of a 64-bit two's-complement difference. */
static inline uint64_t
zz64(uint64_t d)
{
	return (d << 1) ^ (0 - (d >> 63));
}

/* Inverse of zz64. */
static inline uint64_t
unzz64(uint64_t z)
{
	return (z >> 1) ^ (0 - (z & 1));
}

/* Zigzag of a 32-bit two's-complement difference. */
static inline uint32_t
zz32(uint32_t d)
{
	return (d << 1) ^ (0 - (d >> 31));
}

/* Inverse of zz32. */
static inline uint32_t
unzz32(uint32_t z)
{
	return (z >> 1) ^ (0 - (z & 1));
}

/* The bits of a double. */
static inline uint64_t
dbits(double v)
{
	uint64_t	b;

	memcpy(&b, &v, sizeof(b));
	return b;
}

/* The double of some bits. */
static inline double
bitsd(uint64_t b)
{
	double		v;

	memcpy(&v, &b, sizeof(v));
	return v;
}

/*
 * Whether bits are an integer-valued double: finite, |v| <= 2^53, no
 * fraction, not -0.0.  If so, *i is the integer.
 */
static bool
int_valued(uint64_t bits, int64_t *i)
{
	double		v = bitsd(bits);

	if (!(v >= -INT_LIMIT && v <= INT_LIMIT) || bits == MINUS_ZERO)
		return false;
	if ((double) (int64_t) v != v)
		return false;
	*i = (int64_t) v;
	return true;
}

/* Store v little-endian at p[0..3]. */
static void
put_u32(uint8_t *p, uint32_t v)
{
	int			i;

	for (i = 0; i < 4; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

/* Store v little-endian at p[0..7]. */
static void
put_u64(uint8_t *p, uint64_t v)
{
	int			i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

/* The little-endian uint32 at p. */
static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t) p[0] | (uint32_t) p[1] << 8 |
		(uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

/* The little-endian uint64 at p. */
static uint64_t
get_u64(const uint8_t *p)
{
	return (uint64_t) get_u32(p) | (uint64_t) get_u32(p + 4) << 32;
}

/* An allocation through mem; never asks for 0 bytes. */
static void *
mem_alloc(const SimDeltaMem *mem, size_t size)
{
	return mem->alloc(size > 0 ? size : 1, mem->arg);
}

/* Release p (NULL is fine). */
static void
mem_release(const SimDeltaMem *mem, void *p)
{
	if (p)
		mem->release(p, mem->arg);
}

/*
 * Offsets of each kind's prediction slots: kind k owns slots
 * off[k] .. off[k] + maxnv[k] - 1.  Returns the slot count.
 */
static size_t
slot_offsets(const uint8_t *maxnv, uint32_t *off)
{
	size_t		n = 0;
	int			k;

	for (k = 0; k < 256; k++)
	{
		off[k] = (uint32_t) n;
		n += maxnv[k];
	}
	return n;
}

/*
 * Write the streams of n checked records into st[] (or count them, when
 * the st[].p are NULL).  slots holds nslots predictions, reset here.
 */
static void
encode_streams(const SimDeltaRecord *recs, uint32_t n, const double *vals,
			   int64_t from_tick, const uint32_t *off,
			   uint64_t *slots, size_t nslots, WStream *st)
{
	uint64_t	prev_id[256];
	uint64_t	prev_tick = (uint64_t) from_tick;
	uint64_t	prev_seq = 0;
	uint32_t	prev_sub = 0;
	uint32_t	prev_sector = 0;
	uint32_t	r;

	memset(prev_id, 0, sizeof(prev_id));
	if (nslots > 0)
		memset(slots, 0, nslots * sizeof(uint64_t));

	for (r = 0; r < n; r++)
	{
		const SimDeltaRecord *rec = &recs[r];
		uint64_t	u;
		uint32_t	i;

		u = (uint64_t) rec->tick;
		w_varint(&st[ST_TICK], zz64(u - prev_tick));
		prev_tick = u;
		u = (uint64_t) rec->seq;
		w_varint(&st[ST_SEQ], zz64(u - prev_seq));
		prev_seq = u;
		u = (uint64_t) rec->id;
		w_varint(&st[ST_ID], zz64(u - prev_id[rec->kind]));
		prev_id[rec->kind] = u;
		w_varint(&st[ST_SUB], zz32((uint32_t) rec->sub - prev_sub));
		prev_sub = (uint32_t) rec->sub;
		w_varint(&st[ST_SECTOR], zz32((uint32_t) rec->sector - prev_sector));
		prev_sector = (uint32_t) rec->sector;
		w_byte(&st[ST_KIND], rec->kind);
		w_byte(&st[ST_FLAGS],
			   (uint8_t) (rec->nvals | (rec->deleted ? FLAG_DELETED : 0)));

		for (i = 0; i < rec->nvals; i++)
		{
			uint64_t   *slot = &slots[off[rec->kind] + i];
			uint64_t	bits;
			int64_t		v;
			int64_t		base;
			uint64_t	x;
			int			lead;
			int			trail;
			int			b;

			if (rec->nulls & (UINT64_C(1) << i))
			{
				w_byte(&st[ST_CLASS], CLASS_NULL);
				continue;
			}
			bits = dbits(vals[rec->first + i]);
			if (bits == *slot)
			{
				w_byte(&st[ST_CLASS], CLASS_SAME);
				continue;
			}
			if (int_valued(bits, &v))
			{
				if (!int_valued(*slot, &base))
					base = 0;
				w_byte(&st[ST_CLASS], CLASS_INT);
				w_varint(&st[ST_INT], zz64((uint64_t) v - (uint64_t) base));
				*slot = bits;
				continue;
			}
			x = bits ^ *slot;	/* nonzero: bits != *slot */
			for (lead = 0; (x >> (56 - 8 * lead)) == 0; lead++)
				;
			for (trail = 0; ((x >> (8 * trail)) & 0xff) == 0; trail++)
				;
			w_byte(&st[ST_CLASS], (uint8_t) (CLASS_XOR + 8 * lead + trail));
			for (b = trail; b < 8 - lead; b++)
				w_byte(&st[ST_XOR], (uint8_t) (x >> (8 * b)));
			*slot = bits;
		}
	}
}

/* Encode records into a delta; see delta.h. */
int
SimDeltaEncode(const SimDeltaRecord *recs, uint32_t nrecs,
			   const double *vals, uint32_t nvals_total,
			   int64_t from_tick, int64_t to_tick, bool compress,
			   const SimDeltaMem *mem,
			   uint8_t **out, size_t *outlen, SimDeltaInfo *info)
{
	uint8_t		maxnv[256];
	uint32_t	off[256];
	WStream		st[NSTREAMS];
	uint64_t   *slots = NULL;
	size_t		nslots;
	uint64_t	nvals = 0;
	uint64_t	raw_len;
	uint8_t    *res;
	uint8_t    *body;
	uint8_t    *p;
	size_t		packed_len;
	size_t		cap;
	uint8_t		flags = 0;
	uint32_t	r;
	int			i;

	if (out)
		*out = NULL;
	if (outlen)
		*outlen = 0;
	if (!out || !outlen || !mem || !mem->alloc || !mem->release ||
		(nrecs > 0 && !recs) || (nvals_total > 0 && !vals))
		return SIM_DELTA_EARG;
	if (from_tick > to_tick)
		return SIM_DELTA_ETICKRANGE;

	memset(maxnv, 0, sizeof(maxnv));
	for (r = 0; r < nrecs; r++)
	{
		const SimDeltaRecord *rec = &recs[r];

		if (rec->tick <= from_tick || rec->tick > to_tick)
			return SIM_DELTA_ERECRANGE;
		if (rec->kind == 0 || rec->deleted > 1)
			return SIM_DELTA_EBADRECORD;
		if (rec->nvals > SIM_DELTA_MAX_VALS)
			return SIM_DELTA_ETOOMANYVALS;
		if (rec->deleted && rec->nvals > 0)
			return SIM_DELTA_EBADRECORD;
		if ((uint64_t) rec->first + rec->nvals > nvals_total)
			return SIM_DELTA_EVALRANGE;
		if (rec->nvals > maxnv[rec->kind])
			maxnv[rec->kind] = rec->nvals;
		nvals += rec->nvals;
	}
	if (nvals > UINT32_MAX)
		return SIM_DELTA_ETOOLARGE;

	nslots = slot_offsets(maxnv, off);
	if (nslots > 0)
	{
		slots = mem_alloc(mem, nslots * sizeof(uint64_t));
		if (!slots)
			return SIM_DELTA_ENOMEM;
	}

	/* pass 1: stream lengths */
	memset(st, 0, sizeof(st));
	encode_streams(recs, nrecs, vals, from_tick, off, slots, nslots, st);
	raw_len = 0;
	for (i = 0; i < NSTREAMS; i++)
		raw_len += varint_len(st[i].len) + st[i].len;
	if (raw_len > SIM_DELTA_MAX_BODY)
	{
		mem_release(mem, slots);
		return SIM_DELTA_ETOOLARGE;
	}

	cap = compress ? (size_t) LZ4_compressBound((int) raw_len) : raw_len;
	res = mem_alloc(mem, SIM_DELTA_HEADER_SIZE + cap);
	if (!res)
	{
		mem_release(mem, slots);
		return SIM_DELTA_ENOMEM;
	}
	body = res + SIM_DELTA_HEADER_SIZE;
	if (compress)
	{
		body = mem_alloc(mem, raw_len);
		if (!body)
		{
			mem_release(mem, res);
			mem_release(mem, slots);
			return SIM_DELTA_ENOMEM;
		}
	}

	/* pass 2: the directory, then the streams */
	p = body;
	for (i = 0; i < NSTREAMS; i++)
	{
		WStream		d = {p, 0};

		w_varint(&d, st[i].len);
		p += d.len;
	}
	for (i = 0; i < NSTREAMS; i++)
	{
		size_t		len = st[i].len;

		st[i].p = p;
		st[i].len = 0;
		p += len;
	}
	encode_streams(recs, nrecs, vals, from_tick, off, slots, nslots, st);
	mem_release(mem, slots);

	packed_len = raw_len;
	if (compress)
	{
		int			c = 0;

		if (raw_len > 0)
			c = LZ4_compress_default((const char *) body,
									 (char *) res + SIM_DELTA_HEADER_SIZE,
									 (int) raw_len, (int) cap);
		if (c > 0 && (size_t) c < raw_len)
		{
			packed_len = (size_t) c;
			flags |= SIM_DELTA_FLAG_LZ4;
		}
		else
			memcpy(res + SIM_DELTA_HEADER_SIZE, body, raw_len);
		mem_release(mem, body);
	}

	memcpy(res, SIM_DELTA_MAGIC, 4);
	res[4] = SIM_DELTA_VERSION;
	res[5] = flags;
	res[6] = 0;
	res[7] = 0;
	put_u64(res + 8, (uint64_t) from_tick);
	put_u64(res + 16, (uint64_t) to_tick);
	put_u32(res + 24, nrecs);
	put_u32(res + 28, (uint32_t) nvals);
	put_u32(res + 32, (uint32_t) raw_len);
	put_u32(res + 36, (uint32_t) packed_len);

	*out = res;
	*outlen = SIM_DELTA_HEADER_SIZE + packed_len;
	if (info)
	{
		info->raw_bytes = SIM_DELTA_HEADER_SIZE + raw_len;
		info->packed_bytes = *outlen;
		info->records = nrecs;
	}
	return SIM_DELTA_OK;
}

/*
 * Decode the records, whose kind and flags bytes are already checked, from
 * the streams into d (its recs and vals allocated, as are the nslots
 * slots); every stream must be used up.  Returns 0 or an error.
 */
static int
decode_streams(RStream *st, int64_t from_tick, int64_t to_tick,
			   const uint32_t *off, uint64_t *slots, size_t nslots,
			   SimDelta *d)
{
	uint64_t	prev_id[256];
	uint64_t	prev_tick = (uint64_t) from_tick;
	uint64_t	prev_seq = 0;
	uint32_t	prev_sub = 0;
	uint32_t	prev_sector = 0;
	uint32_t	first = 0;
	uint32_t	r;
	int			i;

	memset(prev_id, 0, sizeof(prev_id));
	if (nslots > 0)
		memset(slots, 0, nslots * sizeof(uint64_t));

	for (r = 0; r < d->nrecs; r++)
	{
		SimDeltaRecord *rec = &d->recs[r];
		uint64_t	u;
		uint8_t		kind = st[ST_KIND].p[r];	/* checked before */
		uint8_t		fl = st[ST_FLAGS].p[r];
		uint32_t	j;

		memset(rec, 0, sizeof(*rec));
		rec->kind = kind;
		rec->deleted = (fl & FLAG_DELETED) ? 1 : 0;
		rec->nvals = fl & FLAG_NVALS;
		rec->first = first;

		if (r_varint(&st[ST_TICK], &u) < 0)
			return SIM_DELTA_ECORRUPT;
		prev_tick += unzz64(u);
		rec->tick = (int64_t) prev_tick;
		if (rec->tick <= from_tick || rec->tick > to_tick)
			return SIM_DELTA_ERECRANGE;
		if (r_varint(&st[ST_SEQ], &u) < 0)
			return SIM_DELTA_ECORRUPT;
		prev_seq += unzz64(u);
		rec->seq = (int64_t) prev_seq;
		if (r_varint(&st[ST_ID], &u) < 0)
			return SIM_DELTA_ECORRUPT;
		prev_id[kind] += unzz64(u);
		rec->id = (int64_t) prev_id[kind];
		if (r_varint(&st[ST_SUB], &u) < 0 || u > UINT32_MAX)
			return SIM_DELTA_ECORRUPT;
		prev_sub += unzz32((uint32_t) u);
		rec->sub = (int32_t) prev_sub;
		if (r_varint(&st[ST_SECTOR], &u) < 0 || u > UINT32_MAX)
			return SIM_DELTA_ECORRUPT;
		prev_sector += unzz32((uint32_t) u);
		rec->sector = (int32_t) prev_sector;

		for (j = 0; j < rec->nvals; j++)
		{
			uint64_t   *slot = &slots[off[kind] + j];
			double	   *v = &d->vals[first + j];
			uint8_t		c;

			if (r_byte(&st[ST_CLASS], &c) < 0)
				return SIM_DELTA_ECORRUPT;
			if (c == CLASS_NULL)
			{
				rec->nulls |= UINT64_C(1) << j;
				*v = 0.0;
			}
			else if (c == CLASS_SAME)
				*v = bitsd(*slot);
			else if (c == CLASS_INT)
			{
				int64_t		base;
				int64_t		x;

				if (r_varint(&st[ST_INT], &u) < 0)
					return SIM_DELTA_ECORRUPT;
				if (!int_valued(*slot, &base))
					base = 0;
				if (__builtin_add_overflow(base, (int64_t) unzz64(u), &x) ||
					x < -(INT64_C(1) << 53) || x > (INT64_C(1) << 53))
					return SIM_DELTA_ECORRUPT;
				*v = (double) x;
				*slot = dbits(*v);
			}
			else if (c <= CLASS_XOR_LAST)
			{
				int			lead = (c - CLASS_XOR) >> 3;
				int			trail = (c - CLASS_XOR) & 7;
				uint64_t	x = 0;
				int			b;

				if (lead + trail > 7)
					return SIM_DELTA_ECORRUPT;
				for (b = trail; b < 8 - lead; b++)
				{
					uint8_t		byte;

					if (r_byte(&st[ST_XOR], &byte) < 0)
						return SIM_DELTA_ECORRUPT;
					x |= (uint64_t) byte << (8 * b);
				}
				*slot ^= x;
				*v = bitsd(*slot);
			}
			else
				return SIM_DELTA_ECORRUPT;
		}
		first += rec->nvals;
	}

	st[ST_KIND].pos = st[ST_FLAGS].pos = d->nrecs;
	for (i = 0; i < NSTREAMS; i++)
		if (st[i].pos != st[i].len)
			return SIM_DELTA_ETRAILING;
	return SIM_DELTA_OK;
}

/* A delta's header fields. */
typedef struct Header
{
	uint8_t		flags;
	int64_t		from_tick;
	int64_t		to_tick;
	uint32_t	nrecs;
	uint32_t	nvals;
	uint32_t	raw_len;
	uint32_t	packed_len;
} Header;

/*
 * Read and check the header of len bytes against len and max_raw; after
 * it, no request can exceed 8 * raw_len <= 8 * min(max_raw, 255 * len).
 */
static int
read_header(const uint8_t *buf, size_t len, size_t max_raw, Header *h)
{
	if (len >= 4 && memcmp(buf, SIM_DELTA_MAGIC, 4) != 0)
		return SIM_DELTA_EMAGIC;
	if (len < SIM_DELTA_HEADER_SIZE)
		return SIM_DELTA_ETRUNCATED;
	if (buf[4] != SIM_DELTA_VERSION)
		return SIM_DELTA_EVERSION;
	if ((buf[5] & ~SIM_DELTA_FLAG_LZ4) != 0 || buf[6] != 0 || buf[7] != 0)
		return SIM_DELTA_EFLAGS;
	h->flags = buf[5];
	h->from_tick = (int64_t) get_u64(buf + 8);
	h->to_tick = (int64_t) get_u64(buf + 16);
	h->nrecs = get_u32(buf + 24);
	h->nvals = get_u32(buf + 28);
	h->raw_len = get_u32(buf + 32);
	h->packed_len = get_u32(buf + 36);
	if (h->from_tick > h->to_tick)
		return SIM_DELTA_ETICKRANGE;
	if (h->raw_len > SIM_DELTA_MAX_BODY || h->packed_len > SIM_DELTA_MAX_BODY ||
		h->raw_len > max_raw)
		return SIM_DELTA_ETOOLARGE;
	if (len - SIM_DELTA_HEADER_SIZE < h->packed_len)
		return SIM_DELTA_ETRUNCATED;
	if (len - SIM_DELTA_HEADER_SIZE > h->packed_len)
		return SIM_DELTA_ETRAILING;
	if (h->flags & SIM_DELTA_FLAG_LZ4)
	{
		/* an LZ4 block expands at most 255 times */
		if (h->packed_len == 0 || h->raw_len > (uint64_t) h->packed_len * 255)
			return SIM_DELTA_ECORRUPT;
	}
	else if (h->packed_len != h->raw_len)
		return SIM_DELTA_ECORRUPT;
	if ((uint64_t) h->nrecs * REC_MIN_BYTES + h->nvals + NSTREAMS > h->raw_len ||
		h->nvals > (uint64_t) h->nrecs * SIM_DELTA_MAX_VALS)
		return SIM_DELTA_ECORRUPT;
	return SIM_DELTA_OK;
}

/*
 * Split the body into its streams: ten lengths, then exactly that many
 * bytes; the kind, flags and class streams must have their fixed sizes.
 */
static int
read_directory(const uint8_t *body, const Header *h, RStream *st)
{
	RStream		dir = {body, h->raw_len, 0};
	uint64_t	sum = 0;
	int			i;

	for (i = 0; i < NSTREAMS; i++)
	{
		uint64_t	l;

		if (r_varint(&dir, &l) < 0 || l > h->raw_len)
			return SIM_DELTA_ECORRUPT;
		st[i].len = (size_t) l;
		sum += l;
	}
	if (sum > dir.len - dir.pos)
		return SIM_DELTA_ECORRUPT;
	if (sum < dir.len - dir.pos)
		return SIM_DELTA_ETRAILING;
	for (i = 0; i < NSTREAMS; i++)
	{
		st[i].p = body + dir.pos;
		st[i].pos = 0;
		dir.pos += st[i].len;
	}
	if (st[ST_KIND].len != h->nrecs || st[ST_FLAGS].len != h->nrecs ||
		st[ST_CLASS].len != h->nvals)
		return SIM_DELTA_ECORRUPT;
	return SIM_DELTA_OK;
}

/*
 * Check each record's kind and flags byte and that their values add up to
 * the header's count; sets each kind's largest value count in maxnv.
 */
static int
check_records(const RStream *st, const Header *h, uint8_t *maxnv)
{
	uint64_t	total = 0;
	uint32_t	r;

	memset(maxnv, 0, 256);
	for (r = 0; r < h->nrecs; r++)
	{
		uint8_t		kind = st[ST_KIND].p[r];
		uint8_t		fl = st[ST_FLAGS].p[r];
		uint8_t		nv = fl & FLAG_NVALS;

		if (kind == 0 || ((fl & FLAG_DELETED) && nv > 0))
			return SIM_DELTA_EBADRECORD;
		if (nv > SIM_DELTA_MAX_VALS)
			return SIM_DELTA_ETOOMANYVALS;
		if (nv > maxnv[kind])
			maxnv[kind] = nv;
		total += nv;
	}
	return total == h->nvals ? SIM_DELTA_OK : SIM_DELTA_ECORRUPT;
}

/* Decode a delta, hostile input included; see delta.h. */
int
SimDeltaDecode(const uint8_t *buf, size_t len, size_t max_raw,
			   const SimDeltaMem *mem, SimDelta *out, SimDeltaInfo *info)
{
	Header		h;
	const uint8_t *body;
	uint8_t    *raw = NULL;
	uint64_t   *slots = NULL;
	uint8_t		maxnv[256];
	uint32_t	off[256];
	RStream		st[NSTREAMS];
	size_t		nslots = 0;
	int			err;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!out || !mem || !mem->alloc || !mem->release || (!buf && len > 0))
		return SIM_DELTA_EARG;
	err = read_header(buf, len, max_raw, &h);
	if (err != SIM_DELTA_OK)
		return err;

	body = buf + SIM_DELTA_HEADER_SIZE;
	if (h.flags & SIM_DELTA_FLAG_LZ4)
	{
		raw = mem_alloc(mem, h.raw_len);
		if (!raw)
			return SIM_DELTA_ENOMEM;

		/*
		 * liblz4 does not reject a match offset of 0 (invalid LZ4); 1.9.4
		 * writes zeros for it, and zeroing the buffer first makes sure no
		 * version can copy stale memory into the decoded delta.
		 */
		memset(raw, 0, h.raw_len);
		if (LZ4_decompress_safe((const char *) body, (char *) raw,
								(int) h.packed_len, (int) h.raw_len) != (int) h.raw_len)
			err = SIM_DELTA_ECORRUPT;
		body = raw;
	}
	if (err == SIM_DELTA_OK)
		err = read_directory(body, &h, st);
	if (err == SIM_DELTA_OK)
		err = check_records(st, &h, maxnv);

	/* the output: every request at most 8 * raw_len bytes */
	if (err == SIM_DELTA_OK)
	{
		out->from_tick = h.from_tick;
		out->to_tick = h.to_tick;
		out->nrecs = h.nrecs;
		out->nvals = h.nvals;
		nslots = slot_offsets(maxnv, off);
		if (h.nrecs > 0 &&
			!(out->recs = mem_alloc(mem, (size_t) h.nrecs * sizeof(SimDeltaRecord))))
			err = SIM_DELTA_ENOMEM;
		else if (h.nvals > 0 &&
				 !(out->vals = mem_alloc(mem, (size_t) h.nvals * sizeof(double))))
			err = SIM_DELTA_ENOMEM;
		else if (nslots > 0 &&
				 !(slots = mem_alloc(mem, nslots * sizeof(uint64_t))))
			err = SIM_DELTA_ENOMEM;
	}
	if (err == SIM_DELTA_OK)
		err = decode_streams(st, h.from_tick, h.to_tick, off, slots, nslots, out);

	mem_release(mem, slots);
	mem_release(mem, raw);
	if (err != SIM_DELTA_OK)
	{
		SimDeltaFree(mem, out);
		return err;
	}
	if (info)
	{
		info->raw_bytes = SIM_DELTA_HEADER_SIZE + (size_t) h.raw_len;
		info->packed_bytes = len;
		info->records = h.nrecs;
	}
	return SIM_DELTA_OK;
}

/* Release a decoded delta's arrays. */
void
SimDeltaFree(const SimDeltaMem *mem, SimDelta *d)
{
	if (!d)
		return;
	if (mem)
	{
		mem_release(mem, d->recs);
		mem_release(mem, d->vals);
	}
	memset(d, 0, sizeof(*d));
}

/* The message of a return code. */
const char *
SimDeltaErrorString(int err)
{
	static const char *const msg[] = {
		"no error",
		"delta is truncated",
		"delta has a bad magic number",
		"delta format version is not supported",
		"delta has unknown flags",
		"delta is corrupt",
		"delta is too large",
		"delta tick range is invalid",
		"delta record tick is outside the tick range",
		"delta record is invalid",
		"delta record has too many values",
		"delta record values are outside the value array",
		"delta has trailing bytes",
		"out of memory",
		"invalid argument",
	};

	if (err > 0 || err < -(int) (sizeof(msg) / sizeof(msg[0]) - 1))
		return "unknown delta error";
	return msg[-err];
}
