/*
 * gen_corpus.c -- writes the seed corpus of the delta fuzzer: small valid
 * version 2 deltas of both modes (empty, the documented example, special
 * doubles, extreme keys and epochs, deleted records, full records, ship
 * feeds), the example and a ship feed as version 1 deltas (no epoch), and
 * a few invalid ones (truncated, bad magic, version, flags, sizes, a
 * damaged LZ4 block, trailing bytes).  With --hex it instead prints the documented
 * examples as hex.  The corpus is committed; rerun with `make corpus`
 * only when the format changes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/delta.h"

/* The documented example's epoch (docs/delta-format.md). */
#define EXAMPLE_EPOCH INT64_C(1234567890123)

static const char *outdir;
static int	nfiles;

/* malloc for the codec. */
static void *
g_alloc(size_t size, void *arg)
{
	(void) arg;
	return malloc(size);
}

/* free for the codec. */
static void
g_release(void *p, void *arg)
{
	(void) arg;
	free(p);
}

static const SimDeltaMem mem = {g_alloc, g_release, NULL};

/* xorshift64*, for reproducible feeds. */
static uint64_t
next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(0x2545f4914f6cdd1d);
}

/* A double with the given bits. */
static double
of_bits(uint64_t b)
{
	double		v;

	memcpy(&v, &b, sizeof(v));
	return v;
}

/* Write len bytes to outdir/name. */
static void
put_file(const char *name, const uint8_t *buf, size_t len)
{
	char		path[1024];
	FILE	   *fp;

	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	fp = fopen(path, "wb");
	if (!fp || fwrite(buf, 1, len, fp) != len || fclose(fp) != 0)
	{
		perror(path);
		exit(1);
	}
	nfiles++;
}

/* Encode (exit on error); the caller frees *buf. */
static size_t
encode(const SimDeltaRecord *recs, uint32_t n, const double *vals,
	   uint32_t nvals, int64_t from, int64_t to, int64_t epoch, int compress,
	   uint8_t **buf)
{
	size_t		len;
	int			err = SimDeltaEncode(recs, n, vals, nvals, from, to, epoch,
									 compress != 0, &mem, buf, &len, NULL);

	if (err != 0)
	{
		fprintf(stderr, "gen_corpus: %s\n", SimDeltaErrorString(err));
		exit(1);
	}
	return len;
}

/*
 * Make a version 2 delta of len bytes a version 1 delta, in place: the
 * same bytes without the epoch (offsets 40..47).  Returns the new length.
 */
static size_t
to_v1(uint8_t *buf, size_t len)
{
	buf[4] = 1;
	memmove(buf + SIM_DELTA_HEADER_SIZE_V1, buf + SIM_DELTA_HEADER_SIZE, len - SIM_DELTA_HEADER_SIZE);
	return len - (SIM_DELTA_HEADER_SIZE - SIM_DELTA_HEADER_SIZE_V1);
}

/*
 * Encode in both modes, writing name.raw and name.lz4; as version 1
 * deltas when v1.
 */
static void
put_both_v(const char *name, const SimDeltaRecord *recs, uint32_t n,
		   const double *vals, uint32_t nvals, int64_t from, int64_t to,
		   int64_t epoch, int v1)
{
	int			mode;

	for (mode = 0; mode < 2; mode++)
	{
		char		fname[256];
		uint8_t    *buf;
		size_t		len = encode(recs, n, vals, nvals, from, to, epoch, mode, &buf);

		if (v1)
			len = to_v1(buf, len);
		snprintf(fname, sizeof(fname), "%s.%s", name, mode ? "lz4" : "raw");
		put_file(fname, buf, len);
		free(buf);
	}
}

/* Encode in both modes as version 2 deltas of epoch. */
static void
put_both(const char *name, const SimDeltaRecord *recs, uint32_t n,
		 const double *vals, uint32_t nvals, int64_t from, int64_t to,
		 int64_t epoch)
{
	put_both_v(name, recs, n, vals, nvals, from, to, epoch, 0);
}

/* The documented example: four records of ticks 101..102. */
static uint32_t
example(SimDeltaRecord *recs, double *vals)
{
	static const double v[] = {3.0, 40.5, 3.0, 0.0, 4.0, 40.25};

	memset(recs, 0, 4 * sizeof(*recs));
	recs[0] = (SimDeltaRecord) {101, 1000, 1, 0, 7, 1, 0, 2, 0, 0};
	recs[1] = (SimDeltaRecord) {101, 1001, 2, 0, 7, 1, 0, 2, 2, 2};
	recs[2] = (SimDeltaRecord) {102, 1002, 70, 5, 7, 3, 1, 0, 0, 4};
	recs[3] = (SimDeltaRecord) {102, 1003, 3, 0, 8, 1, 0, 2, 0, 4};
	memcpy(vals, v, sizeof(v));
	return 4;
}

/* n ships of 17 fields in feed order, mostly repeating, some moving. */
static void
ships(SimDeltaRecord *recs, double *vals, uint32_t n, uint64_t *s)
{
	uint32_t	i;

	for (i = 0; i < n; i++)
	{
		SimDeltaRecord *r = &recs[i];
		double	   *v = &vals[i * 17];
		int			j;

		memset(r, 0, sizeof(*r));
		r->tick = 501 + (int64_t) (i / 10);
		r->seq = 90000 + i;
		r->id = 10000 + 3 * i;
		r->sector = 1 + (int32_t) (i / 8);
		r->kind = 1;
		r->nvals = 17;
		r->first = i * 17;
		v[0] = (double) r->id;
		v[1] = (double) (1 + i % 4);
		v[2] = 2.0;
		v[3] = next(s) % 5 == 0 ? 3.0 : 1.0;
		v[4] = (double) r->sector;
		v[5] = 500.0;
		v[6] = 100.0;
		v[7] = (double) (10 * (next(s) % 3));
		v[8] = 0.0;
		v[9] = -0.0;
		for (j = 10; j < 14; j++)
			v[j] = (double) (int64_t) (next(s) % 200000) / 7.0 - 10000.0;
		v[14] = 1000.0;
		v[15] = 1000.0 - (double) (next(s) % 50) * 0.5;
		v[16] = 1.0;
		if (next(s) % 4 == 0)
			r->nulls = UINT64_C(1) << 7;
	}
}

/* Print len bytes as hex, 16 a line. */
static void
print_hex(const char *title, const uint8_t *buf, size_t len)
{
	size_t		i;

	printf("%s (%zu bytes):\n", title, len);
	for (i = 0; i < len; i++)
		printf("%02x%s", buf[i], (i % 16 == 15 || i + 1 == len) ? "\n" : " ");
}

/* Write the corpus, or print the examples with --hex. */
int
main(int argc, char **argv)
{
	SimDeltaRecord recs[64];
	double		vals[64 * 64];
	uint8_t    *buf;
	uint8_t		bad[4096];
	size_t		len;
	uint64_t	s = 20260101;
	uint32_t	n;
	uint32_t	i;

	if (argc == 2 && strcmp(argv[1], "--hex") == 0)
	{
		n = example(recs, vals);
		len = encode(recs, n, vals, 6, 100, 102, EXAMPLE_EPOCH, 0, &buf);
		print_hex("example, uncompressed", buf, len);
		free(buf);
		ships(recs, vals, 40, &s);
		len = encode(recs, 40, vals, 40 * 17, 500, 510, EXAMPLE_EPOCH, 1, &buf);
		print_hex("40 ships, compressed", buf, len);
		free(buf);
		return 0;
	}
	if (argc != 2)
	{
		fprintf(stderr, "usage: gen_corpus DIR | --hex\n");
		return 2;
	}
	outdir = argv[1];

	/* valid */
	put_both("empty", NULL, 0, NULL, 0, 0, 0, 1);
	n = example(recs, vals);
	put_both("example", recs, n, vals, 6, 100, 102, EXAMPLE_EPOCH);
	put_both_v("v1-example", recs, n, vals, 6, 100, 102, 0, 1);

	memset(recs, 0, sizeof(recs));
	{
		static const uint64_t special[] = {
			0, UINT64_C(0x8000000000000000), UINT64_C(0x7ff0000000000000),
			UINT64_C(0xfff0000000000000), UINT64_C(0x7ff8000000000000),
			UINT64_C(0x7ff4dead0000beef), UINT64_C(0xffffffffffffffff), 1,
			UINT64_C(0x800fffffffffffff), UINT64_C(0x7fefffffffffffff),
			UINT64_C(0x4340000000000000), UINT64_C(0xc340000000000000),
			UINT64_C(0x4340000000000001), UINT64_C(0x433fffffffffffff),
			UINT64_C(0x3fe0000000000000), UINT64_C(0x43e0000000000000),
		};

		for (i = 0; i < 16; i++)
			vals[i] = of_bits(special[i]);
		recs[0] = (SimDeltaRecord) {1, -5, INT64_MIN, INT32_MIN, INT32_MAX, 9, 0, 16, 0, 0};
		recs[1] = (SimDeltaRecord) {1, INT64_MAX, INT64_MAX, INT32_MAX, INT32_MIN, 9, 0, 16, 0x00ff, 0};
		recs[2] = (SimDeltaRecord) {2, INT64_MIN, -1, -1, 0, 9, 0, 16, 0, 0};
		put_both("special", recs, 3, vals, 16, 0, 2, INT64_MAX);
		recs[0].tick = recs[1].tick = recs[2].tick = INT64_MAX;
		put_both("extreme-ticks", recs, 3, vals, 16, INT64_MIN, INT64_MAX, INT64_MIN);
	}

	memset(recs, 0, sizeof(recs));
	for (i = 0; i < 8; i++)
	{
		recs[i].tick = 11 + i / 3;
		recs[i].seq = 100 + i;
		recs[i].id = (int64_t) (i * 7 % 5);
		recs[i].kind = (uint8_t) (1 + i % 3 * 127);
		recs[i].deleted = 1;
	}
	put_both("deleted", recs, 8, NULL, 0, 10, 20, -1);

	memset(recs, 0, sizeof(recs));
	for (i = 0; i < 64; i++)
		vals[i] = (double) i * 0.25;
	recs[0] = (SimDeltaRecord) {5, 0, 1, 0, 0, 255, 0, 64, UINT64_C(0x8000000000000001), 0};
	recs[1] = (SimDeltaRecord) {5, 1, 2, 0, 0, 255, 0, 64, 0, 0};
	put_both("full", recs, 2, vals, 64, 4, 5, INT64_C(9007199254740991));

	for (n = 3; n <= 40; n += 37)
	{
		char		name[32];

		ships(recs, vals, n, &s);
		snprintf(name, sizeof(name), "ships-%u", n);
		put_both(name, recs, n, vals, n * 17, 500, 510, INT64_C(9007199254740993));
		snprintf(name, sizeof(name), "v1-ships-%u", n);
		put_both_v(name, recs, n, vals, n * 17, 500, 510, 0, 1);
	}

	/* random small feeds */
	for (n = 0; n < 3; n++)
	{
		char		name[32];
		uint32_t	k = 1 + (uint32_t) (next(&s) % 20);
		uint32_t	used = 0;

		memset(recs, 0, sizeof(recs));
		for (i = 0; i < 64 * 8; i++)
			vals[i] = next(&s) % 2 ? of_bits(next(&s)) : (double) (int64_t) (next(&s) % 100);
		for (i = 0; i < k; i++)
		{
			recs[i].tick = 1 + (int64_t) (next(&s) % 9);
			recs[i].seq = (int64_t) next(&s);
			recs[i].id = (int64_t) (next(&s) % 1000) - 500;
			recs[i].sub = (int32_t) (next(&s) % 4);
			recs[i].sector = (int32_t) (next(&s) % 3);
			recs[i].kind = (uint8_t) (1 + next(&s) % 4);
			recs[i].nvals = (uint8_t) (next(&s) % 9);
			recs[i].nulls = next(&s) & next(&s);
			recs[i].first = used;
			used += recs[i].nvals;
		}
		snprintf(name, sizeof(name), "random-%u", n);
		put_both(name, recs, k, vals, used, 0, 9, (int64_t) (next(&s) >> 11));
	}

	/* invalid */
	n = example(recs, vals);
	len = encode(recs, n, vals, 6, 100, 102, EXAMPLE_EPOCH, 0, &buf);
	memcpy(bad, buf, len);
	free(buf);
	put_file("bad-truncated", bad, len - 3);
	put_file("bad-header-only", bad, SIM_DELTA_HEADER_SIZE);
	put_file("bad-header-v1-length", bad, SIM_DELTA_HEADER_SIZE_V1 + 4);
	bad[len] = 0;
	put_file("bad-trailing", bad, len + 1);
	bad[0] = 'X';
	put_file("bad-magic", bad, len);
	bad[0] = 'S';
	bad[4] = 3;
	put_file("bad-version", bad, len);
	bad[4] = 1;
	put_file("bad-version-1-of-2", bad, len);	/* a version 2 body read as 1 */
	bad[4] = 2;
	bad[80] = 0;				/* the first kind byte */
	put_file("bad-kind", bad, len);

	ships(recs, vals, 40, &s);
	len = encode(recs, 40, vals, 40 * 17, 500, 510, EXAMPLE_EPOCH, 1, &buf);
	memcpy(bad, buf, len);
	free(buf);
	bad[len / 2] ^= 0x5a;
	put_file("bad-lz4", bad, len);
	bad[len / 2] ^= 0x5a;
	bad[32] = 0xff;
	bad[33] = 0xff;
	bad[34] = 0xff;
	bad[35] = 0x70;				/* raw length about 1.9 GB */
	put_file("bad-huge", bad, len);

	printf("gen_corpus: %d files in %s\n", nfiles, outdir);
	return 0;
}
