/*
 * delta.c -- the binary delta codec's encoder (its decoder is
 * delta_decode.c); see delta.h and docs/delta-format.md.
 *
 * A delta is a 48-byte header (version 2: the universe epoch at its end;
 * version 1, which the decoder still reads, had 40 bytes and no epoch) and
 * a body.  The body is ten columnar streams (tick, seq, id, sub, sector,
 * kind, flags, value class, integer values, XOR bytes) after a directory of
 * their lengths, because a column of similar numbers compresses far better
 * than rows do.  Integer columns
 * hold zigzag LEB128 varints of the difference from the previous record's
 * value (modulo 2^64 or 2^32, so no difference overflows); ids differ from
 * the previous id of the same kind.  Each value is predicted by the last
 * non-NULL value of the same (kind, field index) and stored as a class
 * byte plus, for integers, a varint difference or, for other doubles, the
 * nonzero bytes of the XOR with the prediction.
 *
 * The encoder runs the same stream writer twice: once counting bytes, once
 * writing into a body of exactly that size.
 */
#include "sim/core/delta.h"

#include <lz4.h>
#include <string.h>

#include "sim/core/delta_wire.h"

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
			   int64_t from_tick, int64_t to_tick, int64_t epoch, bool compress,
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
	put_u64(res + 40, (uint64_t) epoch);

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
