/*
 * delta_wire.h -- what the delta codec's encoder (src/core/delta.c) and
 * decoder (src/core/delta_decode.c) share: the streams, the record flags
 * and value classes, varints, zigzag and the byte order of the header
 * (docs/delta-format.md).  Private to them; no Postgres inside.
 */
#ifndef SIM_CORE_DELTA_WIRE_H
#define SIM_CORE_DELTA_WIRE_H

#include <string.h>

#include "sim/core/delta.h"

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
static inline void
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
static inline size_t
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
static inline int
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
static inline bool
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
static inline void
put_u32(uint8_t *p, uint32_t v)
{
	int			i;

	for (i = 0; i < 4; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

/* Store v little-endian at p[0..7]. */
static inline void
put_u64(uint8_t *p, uint64_t v)
{
	int			i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

/* The little-endian uint32 at p. */
static inline uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t) p[0] | (uint32_t) p[1] << 8 |
		(uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

/* The little-endian uint64 at p. */
static inline uint64_t
get_u64(const uint8_t *p)
{
	return (uint64_t) get_u32(p) | (uint64_t) get_u32(p + 4) << 32;
}

/* An allocation through mem; never asks for 0 bytes. */
static inline void *
mem_alloc(const SimDeltaMem *mem, size_t size)
{
	return mem->alloc(size > 0 ? size : 1, mem->arg);
}

/* Release p (NULL is fine). */
static inline void
mem_release(const SimDeltaMem *mem, void *p)
{
	if (p)
		mem->release(p, mem->arg);
}

/*
 * Offsets of each kind's prediction slots: kind k owns slots
 * off[k] .. off[k] + maxnv[k] - 1.  Returns the slot count.
 */
static inline size_t
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

#endif							/* SIM_CORE_DELTA_WIRE_H */
