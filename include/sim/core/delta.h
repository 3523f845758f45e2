/*
 * delta.h -- the binary delta codec: a tick range's change records to a
 * compact, optionally LZ4-compressed byte string and back (no Postgres
 * inside).  The byte format is specified in docs/delta-format.md.
 *
 * A delta holds a change feed of one universe epoch: records, each one
 * change of one entity at one tick in (from_tick, to_tick], each with up
 * to SIM_DELTA_MAX_VALS double values (any of which may be NULL).  The
 * encoder writes version 2, whose header carries the epoch; the decoder
 * also reads version 1 (no epoch: it decodes as 0).  Values round-trip bit for bit
 * (-0.0, NaN payloads, infinities, subnormals); a NULL value decodes as
 * +0.0 with its bit set in the record's null mask.
 *
 * The decoder takes hostile input: it checks every read, checks the
 * header against the input length and max_raw before allocating anything,
 * and never asks mem->alloc for more than 8 * min(max_raw, 255 * len)
 * bytes in one request (see SimDeltaDecode).
 */
#ifndef SIM_CORE_DELTA_H
#define SIM_CORE_DELTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_DELTA_MAGIC			"SIMD"
#define SIM_DELTA_VERSION		2	/* written; 1 and 2 are read */
#define SIM_DELTA_FLAG_LZ4		0x01	/* body is one LZ4 block */
#define SIM_DELTA_HEADER_SIZE	48	/* version 2: version 1's and the epoch */
#define SIM_DELTA_HEADER_SIZE_V1 40
#define SIM_DELTA_MAX_VALS		64	/* values per record */
#define SIM_DELTA_REC_MIN_BYTES	7	/* body bytes a record takes at least
									 * (kind, flags, five varints) */
#define SIM_DELTA_MAX_BODY		0x7E000000	/* body bytes (LZ4's input limit,
											 * under 2^31) */

/* Return codes: 0 is success, every error is negative. */
typedef enum SimDeltaError
{
	SIM_DELTA_OK = 0,
	SIM_DELTA_ETRUNCATED = -1,	/* input shorter than its header says */
	SIM_DELTA_EMAGIC = -2,		/* does not start with "SIMD" */
	SIM_DELTA_EVERSION = -3,	/* format version other than 1 or 2 */
	SIM_DELTA_EFLAGS = -4,		/* unknown flag or nonzero reserved bits */
	SIM_DELTA_ECORRUPT = -5,	/* LZ4 block or a stream is malformed */
	SIM_DELTA_ETOOLARGE = -6,	/* body over max_raw or SIM_DELTA_MAX_BODY */
	SIM_DELTA_ETICKRANGE = -7,	/* from_tick > to_tick */
	SIM_DELTA_ERECRANGE = -8,	/* a record's tick outside (from, to] */
	SIM_DELTA_EBADRECORD = -9,	/* kind 0, deleted not 0/1, deleted with
								 * values */
	SIM_DELTA_ETOOMANYVALS = -10,	/* a record with nvals > 64 */
	SIM_DELTA_EVALRANGE = -11,	/* a record's values outside the value array
								 * (encoder) */
	SIM_DELTA_ETRAILING = -12,	/* bytes after the body or after a stream */
	SIM_DELTA_ENOMEM = -13,		/* mem->alloc returned NULL */
	SIM_DELTA_EARG = -14		/* NULL pointer where one is required */
} SimDeltaError;

/* One change of one entity at one tick. */
typedef struct SimDeltaRecord
{
	int64_t		tick;			/* from_tick < tick <= to_tick */
	int64_t		seq;			/* the feed's sequence number (any int64) */
	int64_t		id;				/* entity id */
	int32_t		sub;			/* secondary key (a good id), 0 if none */
	int32_t		sector;			/* sector id */
	uint8_t		kind;			/* 1..255: ship, cargo, stock, order, ... */
	uint8_t		deleted;		/* 1: the entity was deleted; nvals is 0 */
	uint8_t		nvals;			/* values of this record, <= 64 */
	uint64_t	nulls;			/* bit i set: value i is NULL (its double is
								 * ignored, decoded as 0); the encoder
								 * ignores bits >= nvals */
	uint32_t	first;			/* index of its first value in the value
								 * array */
} SimDeltaRecord;

/*
 * Memory callbacks.  alloc may return NULL (the call then fails with
 * SIM_DELTA_ENOMEM after releasing what it took) or may not return at all
 * (palloc throwing); the codec keeps no state that needs cleanup beyond
 * its own allocations.  alloc is never called with size 0.
 */
typedef struct SimDeltaMem
{
	void	   *(*alloc) (size_t size, void *arg);
	void		(*release) (void *p, void *arg);
	void	   *arg;
} SimDeltaMem;

/* Sizes of one delta. */
typedef struct SimDeltaInfo
{
	size_t		raw_bytes;		/* header + body before LZ4 */
	size_t		packed_bytes;	/* header + body as stored: the delta's
								 * length */
	uint32_t	records;
} SimDeltaInfo;

/* A decoded delta; recs and vals come from mem->alloc (NULL when empty). */
typedef struct SimDelta
{
	uint8_t		version;		/* 1 or 2 */
	int64_t		epoch;			/* the universe's epoch; 0 in version 1 */
	int64_t		from_tick;
	int64_t		to_tick;
	SimDeltaRecord *recs;		/* in stored order; first is the running sum
								 * of nvals; nulls has no bit >= nvals */
	uint32_t	nrecs;
	double	   *vals;
	uint32_t	nvals;
} SimDelta;

/*
 * Encode nrecs records (their values are vals[first .. first + nvals - 1],
 * nvals_total doubles in all) of the range (from_tick, to_tick] of the
 * universe epoch epoch, as a version 2 delta.  Records
 * in feed order (tick non-decreasing, seq increasing, ids of a kind
 * ascending) encode smallest, but any order round-trips.  When compress is
 * true the body is LZ4-compressed if that makes it smaller.
 *
 * On success returns 0, sets *out to *outlen bytes from mem->alloc (the
 * allocation may be larger; the caller releases it) and fills *info (which
 * may be NULL).  On error returns a negative SIM_DELTA_E* code, *out is
 * NULL, and nothing allocated is left behind.  Checks every record:
 * tick in range, kind != 0, deleted 0 or 1, nvals <= 64, deleted records
 * without values, values inside vals.
 */
extern int	SimDeltaEncode(const SimDeltaRecord *recs, uint32_t nrecs,
						   const double *vals, uint32_t nvals_total,
						   int64_t from_tick, int64_t to_tick, int64_t epoch,
						   bool compress, const SimDeltaMem *mem,
						   uint8_t **out, size_t *outlen, SimDeltaInfo *info);

/*
 * Decode len bytes of buf into *out, refusing a body (before LZ4) of more
 * than max_raw bytes.  On success returns 0; out->recs and out->vals come
 * from mem->alloc (release them with SimDeltaFree).  On error returns a
 * negative SIM_DELTA_E* code, *out is zeroed, and nothing allocated is
 * left behind.  info may be NULL.
 *
 * Memory: at most four requests, each at most 8 * min(max_raw, 255 * len)
 * bytes (the body, the records, the values, a prediction table), made only
 * after the header has been checked against len and max_raw.
 */
extern int	SimDeltaDecode(const uint8_t *buf, size_t len, size_t max_raw,
						   const SimDeltaMem *mem, SimDelta *out,
						   SimDeltaInfo *info);

/* Release what a successful SimDeltaDecode put in *d, and zero it. */
extern void SimDeltaFree(const SimDeltaMem *mem, SimDelta *d);

/* A lowercase message for a return code ("delta is truncated"). */
extern const char *SimDeltaErrorString(int err);

#endif							/* SIM_CORE_DELTA_H */
