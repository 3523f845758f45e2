/*
 * fuzz_snapshot.c -- libFuzzer harness of the snapshot file's decoder
 * (and, through round trips, its encoder): src/core/snapfile.c.
 *
 * Each input is decoded by a malloc-based allocator that aborts on any
 * request over 263 times the input's length plus 64 KiB (the decoder's
 * bound: 255 times a chunk's compressed length plus 64 bytes per chunk,
 * chunks of at least 8 bytes) and on any allocation left behind.  An input
 * that decodes is re-encoded and decoded again; any difference in the
 * header, the columns or the raw rows aborts.
 *
 * The checksum would stop nearly every mutation at the door, so each input
 * of at least a header's length is also decoded resealed: magic, version,
 * flags 0, its own length and its crc32c patched in.
 *
 * Build and run with `make -C test/fuzz run-snapshot`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/snapfile.h"

typedef struct FuzzMem
{
	size_t		bound;
	long		live;
} FuzzMem;

static void *
fz_alloc(size_t size, void *arg)
{
	FuzzMem    *m = arg;
	void	   *p;

	if (size == 0 || size > m->bound)
	{
		fprintf(stderr, "fuzz_snapshot: request of %zu bytes (bound %zu)\n", size, m->bound);
		abort();
	}
	p = malloc(size);
	if (p)
		m->live++;
	return p;
}

static void
fz_release(void *p, void *arg)
{
	FuzzMem    *m = arg;

	m->live--;
	free(p);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t) (v >> 24);
	p[1] = (uint8_t) (v >> 16);
	p[2] = (uint8_t) (v >> 8);
	p[3] = (uint8_t) v;
}

/* Decode; if it decodes, re-encode and compare. */
static void
check(const uint8_t *data, size_t size)
{
	FuzzMem		fm = {263 * size + 65536, 0};
	SimSnapMem	mem = {fz_alloc, fz_release, &fm};
	SimSnapFile f,
				g;
	char		err[300];
	uint8_t    *out;
	size_t		outlen;
	uint32_t	i,
				c;

	if (SimSnapDecode(data, size, &mem, &f, err, sizeof(err)) != SIM_SNAP_OK)
	{
		if (fm.live != 0)
			abort();
		return;
	}
	fm.bound = (size_t) 1 << 40;	/* the encoder's output may exceed the input */
	if (SimSnapEncode(&f, &mem, &out, &outlen) != SIM_SNAP_OK)
		abort();
	if (SimSnapDecode(out, outlen, &mem, &g, err, sizeof(err)) != SIM_SNAP_OK)
		abort();
	if (g.tick != f.tick || g.epoch != f.epoch || g.journal_hw != f.journal_hw || g.change_hw != f.change_hw ||
		memcmp(g.state_hash, f.state_hash, SIM_SNAP_HASH_LEN) != 0 || strcmp(g.sim_version, f.sim_version) != 0 ||
		g.nseq != f.nseq || g.nsections != f.nsections)
		abort();
	for (i = 0; i < f.nseq; i++)
		if (strcmp(g.seq[i].name, f.seq[i].name) != 0 || g.seq[i].last_value != f.seq[i].last_value ||
			g.seq[i].is_called != f.seq[i].is_called)
			abort();
	for (i = 0; i < f.nsections; i++)
	{
		SimSnapSection *a = &f.sections[i],
				   *b = &g.sections[i];

		if (strcmp(a->name, b->name) != 0 || a->part != b->part || a->ncols != b->ncols ||
			a->nrows != b->nrows || a->raw_len != b->raw_len ||
			(a->raw_len > 0 && memcmp(a->raw, b->raw, a->raw_len) != 0))
			abort();
		for (c = 0; c < a->ncols; c++)
			if (strcmp(a->colname[c], b->colname[c]) != 0 || strcmp(a->coltype[c], b->coltype[c]) != 0)
				abort();
	}
	SimSnapFree(&g, &mem);
	SimSnapFree(&f, &mem);
	fz_release(out, &fm);
	if (fm.live != 0)
		abort();
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check(data, size);
	if (size >= SIM_SNAP_HEADER_LEN + SIM_SNAP_TRAILER_LEN)
	{
		uint8_t    *copy = malloc(size);

		memcpy(copy, data, size);
		memcpy(copy, SIM_SNAP_MAGIC, SIM_SNAP_MAGIC_LEN);
		put32(copy + 8, SIM_SNAP_VERSION);
		put32(copy + 12, 0);
		put32(copy + 16, (uint32_t) ((uint64_t) size >> 32));
		put32(copy + 20, (uint32_t) size);
		put32(copy + size - 4, SimSnapCrc32c(copy, size - 4));
		check(copy, size);
		free(copy);
	}
	return 0;
}
