/*
 * fuzz_delta.c -- libFuzzer harness of the delta decoder (and, through
 * round trips, the encoder).
 *
 * Each input is decoded with max_raw 1 MiB by a malloc-based allocator
 * that aborts on any request over the decoder's documented bound,
 * 8 * min(max_raw, 255 * len).  An input that decodes is re-encoded in
 * both modes and decoded again; any difference in records or value bits
 * aborts, and so does any allocation left behind.
 *
 * So that mutations of a body are not all stopped by the header's length
 * fields, each input of at least a header's length is also decoded as a
 * stored delta whose header is patched to fit: magic, the current version
 * (2, its epoch left as the input has it), no flags, and raw and packed
 * lengths equal to the bytes after the header.  A version 1 input that
 * decodes is re-encoded as version 2 with epoch 0 and must give the same
 * records.
 *
 * Build and run with `make -C test/fuzz run`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/delta.h"

#define MAX_RAW (1024 * 1024)

/* Allocator state: the bound on one request, and the live count. */
typedef struct FuzzMem
{
	size_t		bound;
	long		live;
} FuzzMem;

/* malloc, aborting on a request over the bound. */
static void *
fz_alloc(size_t size, void *arg)
{
	FuzzMem    *m = arg;
	void	   *p;

	if (size == 0 || size > m->bound)
	{
		fprintf(stderr, "fuzz_delta: request of %zu bytes (bound %zu)\n",
				size, m->bound);
		abort();
	}
	p = malloc(size);
	if (p)
		m->live++;
	return p;
}

/* free, counted. */
static void
fz_release(void *p, void *arg)
{
	FuzzMem    *m = arg;

	m->live--;
	free(p);
}

/* Abort with a message. */
static void
fail(const char *what)
{
	fprintf(stderr, "fuzz_delta: %s\n", what);
	abort();
}

/* Whether two decoded deltas are identical, value bits included. */
static int
same_delta(const SimDelta *a, const SimDelta *b)
{
	uint32_t	i;

	if (a->epoch != b->epoch || a->from_tick != b->from_tick || a->to_tick != b->to_tick ||
		a->nrecs != b->nrecs || a->nvals != b->nvals)
		return 0;
	for (i = 0; i < a->nrecs; i++)
	{
		const SimDeltaRecord *x = &a->recs[i];
		const SimDeltaRecord *y = &b->recs[i];

		if (x->tick != y->tick || x->seq != y->seq || x->id != y->id ||
			x->sub != y->sub || x->sector != y->sector || x->kind != y->kind ||
			x->deleted != y->deleted || x->nvals != y->nvals ||
			x->nulls != y->nulls || x->first != y->first)
			return 0;
	}
	return a->nvals == 0 ||
		memcmp(a->vals, b->vals, (size_t) a->nvals * sizeof(double)) == 0;
}

/* Check invariants the decoder promises about a decoded delta. */
static void
check_decoded(const SimDelta *d)
{
	uint32_t	sum = 0;
	uint32_t	i;

	for (i = 0; i < d->nrecs; i++)
	{
		const SimDeltaRecord *r = &d->recs[i];

		if (r->tick <= d->from_tick || r->tick > d->to_tick)
			fail("decoded tick out of range");
		if (r->kind == 0 || r->deleted > 1 || r->nvals > SIM_DELTA_MAX_VALS ||
			(r->deleted && r->nvals > 0))
			fail("decoded record invalid");
		if (r->first != sum)
			fail("decoded first is not the running sum");
		if (r->nvals < 64 && (r->nulls >> r->nvals) != 0)
			fail("decoded nulls has bits at or above nvals");
		sum += r->nvals;
	}
	if (sum != d->nvals)
		fail("decoded value count");
}

/* Decode an input, and if it decodes, round-trip it in both modes. */
static void
check_one(const uint8_t *data, size_t size)
{
	FuzzMem		m = {0, 0};
	SimDeltaMem mem = {fz_alloc, fz_release, &m};
	SimDelta	d;
	SimDeltaInfo info;
	size_t		raw = 255 * size < MAX_RAW ? 255 * size : MAX_RAW;
	int			mode;

	m.bound = 8 * raw;
	if (SimDeltaDecode(data, size, MAX_RAW, &mem, &d, &info) != 0)
	{
		if (m.live != 0)
			fail("failed decode left memory behind");
		return;
	}
	if (info.packed_bytes != size || info.records != d.nrecs)
		fail("decode info");
	check_decoded(&d);

	/* re-encoding may legitimately take more: bound it by the output */
	m.bound = 64 * ((size_t) d.nrecs * sizeof(SimDeltaRecord) +
					(size_t) d.nvals * sizeof(double)) + MAX_RAW;
	for (mode = 0; mode < 2; mode++)
	{
		uint8_t    *buf;
		size_t		len;
		SimDelta	d2;
		int			err;

		err = SimDeltaEncode(d.recs, d.nrecs, d.vals, d.nvals, d.from_tick,
							 d.to_tick, d.epoch, mode == 1, &mem, &buf, &len, &info);
		if (err != 0)
			fail(SimDeltaErrorString(err));
		if (info.packed_bytes != len || (mode == 0 && info.raw_bytes != len))
			fail("encode info");
		err = SimDeltaDecode(buf, len, SIZE_MAX, &mem, &d2, NULL);
		if (err != 0)
			fail(SimDeltaErrorString(err));
		if (!same_delta(&d, &d2))
			fail("round trip differs");
		SimDeltaFree(&mem, &d2);
		fz_release(buf, &m);
	}
	SimDeltaFree(&mem, &d);
	if (m.live != 0)
		fail("memory left behind");
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One input: as it is, and patched into a stored delta of its length. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t    *copy;
	uint32_t	body;
	int			i;

	check_one(data, size);
	if (size < SIM_DELTA_HEADER_SIZE)
		return 0;
	copy = malloc(size);
	memcpy(copy, data, size);
	memcpy(copy, SIM_DELTA_MAGIC, 4);
	copy[4] = SIM_DELTA_VERSION;
	copy[5] = copy[6] = copy[7] = 0;
	body = (uint32_t) (size - SIM_DELTA_HEADER_SIZE);
	for (i = 0; i < 4; i++)
		copy[32 + i] = copy[36 + i] = (uint8_t) (body >> (8 * i));
	if (memcmp(copy, data, size) != 0)
		check_one(copy, size);
	free(copy);
	return 0;
}
