/*
 * delta_decode.c -- the binary delta codec's decoder (the format and the
 * encoder: delta.c, delta.h, docs/delta-format.md).  It checks the header
 * against the input length and max_raw before allocating anything (both
 * versions: 1 has no epoch, 2 a 48-byte header ending with it), then
 * decompresses the body, checks the stream directory and the kind and
 * flags streams, and only then allocates the output; every stream must be
 * consumed exactly.
 */
#include "sim/core/delta.h"

#include <lz4.h>
#include <string.h>

#include "sim/core/delta_wire.h"

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
	uint8_t		version;
	size_t		size;			/* the header's bytes: 40 or 48 */
	int64_t		epoch;			/* 0 in version 1 */
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
	if (len < SIM_DELTA_HEADER_SIZE_V1)
		return SIM_DELTA_ETRUNCATED;
	if (buf[4] != 1 && buf[4] != 2)
		return SIM_DELTA_EVERSION;
	h->version = buf[4];
	h->size = h->version == 1 ? SIM_DELTA_HEADER_SIZE_V1 : SIM_DELTA_HEADER_SIZE;
	if (len < h->size)
		return SIM_DELTA_ETRUNCATED;
	if ((buf[5] & ~SIM_DELTA_FLAG_LZ4) != 0 || buf[6] != 0 || buf[7] != 0)
		return SIM_DELTA_EFLAGS;
	h->flags = buf[5];
	h->from_tick = (int64_t) get_u64(buf + 8);
	h->to_tick = (int64_t) get_u64(buf + 16);
	h->nrecs = get_u32(buf + 24);
	h->nvals = get_u32(buf + 28);
	h->raw_len = get_u32(buf + 32);
	h->packed_len = get_u32(buf + 36);
	h->epoch = h->version == 1 ? 0 : (int64_t) get_u64(buf + 40);
	if (h->from_tick > h->to_tick)
		return SIM_DELTA_ETICKRANGE;
	if (h->raw_len > SIM_DELTA_MAX_BODY || h->packed_len > SIM_DELTA_MAX_BODY ||
		h->raw_len > max_raw)
		return SIM_DELTA_ETOOLARGE;
	if (len - h->size < h->packed_len)
		return SIM_DELTA_ETRUNCATED;
	if (len - h->size > h->packed_len)
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

	body = buf + h.size;
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
		out->version = h.version;
		out->epoch = h.epoch;
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
		info->raw_bytes = h.size + (size_t) h.raw_len;
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
