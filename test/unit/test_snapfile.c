/*
 * test_snapfile.c -- the snapshot file (src/core/snapfile.c): a round trip
 * of sections with NULLs, empty sections and raw bigger than one LZ4 chunk;
 * every truncation and every single-bit flip refused; a foreign version
 * told apart from damage; hostile lengths behind a valid checksum refused
 * without large allocations; allocation failure at every request; and a
 * replay of the fuzz corpus (test/fuzz/corpus-snapshot).
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/snapfile.h"
#include "sim/core/limits.h"
#include "unit.h"

#define SNAP_CORPUS_DIR "../fuzz/corpus-snapshot"

/* A counting allocator that can fail at the nth request. */
typedef struct Counter
{
	long		live;
	long		requests;
	long		fail_at;		/* 0: never */
	size_t		largest;
} Counter;

static void *
c_alloc(size_t size, void *arg)
{
	Counter    *c = arg;

	c->requests++;
	if (c->fail_at && c->requests == c->fail_at)
		return NULL;
	if (size > c->largest)
		c->largest = size;
	c->live++;
	return malloc(size);
}

static void
c_release(void *p, void *arg)
{
	Counter    *c = arg;

	c->live--;
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

/* Append a field to raw at *len. */
static void
field(uint8_t *raw, size_t *len, const void *data, int32_t flen)
{
	put32(raw + *len, (uint32_t) flen);
	*len += 4;
	if (flen > 0)
	{
		memcpy(raw + *len, data, (size_t) flen);
		*len += (size_t) flen;
	}
}

static char *names_a[] = {"id", "name", "x"};
static char *types_a[] = {"int8", "text", "float8"};
static char *names_b[] = {"tick"};
static char *types_b[] = {"int8"};

/* A file of three sections: small rows with NULLs, an empty one, and one over a chunk. */
static void
build(SimSnapFile *f, SimSnapSection *s, SimSnapSequence *q, uint8_t **bufs)
{
	size_t		len = 0;
	uint64_t	i;
	TestRng		r;

	memset(f, 0, sizeof(*f));
	strcpy(f->sim_version, "0.2.0");
	f->tick = 1234;
	f->epoch = 9007199254740991LL;
	f->journal_hw = 77;
	f->change_hw = -1;
	for (i = 0; i < SIM_SNAP_HASH_LEN; i++)
		f->state_hash[i] = (uint8_t) (i * 7);
	strcpy(q[0].name, "sim.player_id_seq");
	q[0].last_value = 3;
	q[0].is_called = 1;
	f->nseq = 1;
	f->seq = q;

	bufs[0] = malloc(1000);
	for (i = 0; i < 10; i++)
	{
		uint8_t		id[8] = {0, 0, 0, 0, 0, 0, 0, (uint8_t) i};
		double		x = 0.1 * (double) i;

		field(bufs[0], &len, id, 8);
		if (i % 3 == 0)
			field(bufs[0], &len, NULL, -1);
		else
			field(bufs[0], &len, "ship", 4);
		field(bufs[0], &len, &x, 8);
	}
	memset(s, 0, 3 * sizeof(*s));
	strcpy(s[0].name, "ship");
	s[0].ncols = 3;
	s[0].colname = names_a;
	s[0].coltype = types_a;
	s[0].nrows = 10;
	s[0].raw_len = len;
	s[0].raw = bufs[0];

	strcpy(s[1].name, "empty");
	s[1].part = SIM_SNAP_PART_RECORDING;
	s[1].ncols = 1;
	s[1].colname = names_b;
	s[1].coltype = types_b;

	/* a chunk and a half of 8-byte fields of random bits (LZ4 gains nothing) */
	{
		uint64_t	n = (SIM_SNAP_CHUNK + SIM_SNAP_CHUNK / 2) / 12;

		bufs[1] = malloc(n * 12);
		len = 0;
		test_rng_seed(&r, 5);
		for (i = 0; i < n; i++)
		{
			uint64_t	v = test_rng_next(&r);

			field(bufs[1], &len, &v, 8);
		}
		strcpy(s[2].name, "big");
		s[2].ncols = 1;
		s[2].colname = names_b;
		s[2].coltype = types_b;
		s[2].nrows = n;
		s[2].raw_len = len;
		s[2].raw = bufs[1];
	}
	f->nsections = 3;
	f->sections = s;
}

static int
decode_status(const uint8_t *buf, size_t len, Counter *c)
{
	SimSnapMem	mem = {c_alloc, c_release, c};
	SimSnapFile d;
	char		err[300];
	int			st = SimSnapDecode(buf, len, &mem, &d, err, sizeof(err));

	if (st == SIM_SNAP_OK)
		SimSnapFree(&d, &mem);
	return st;
}

/* Re-seal a file whose bytes were changed: its crc recomputed. */
static void
reseal(uint8_t *buf, size_t len)
{
	put32(buf + len - 4, SimSnapCrc32c(buf, len - 4));
}

static void
test_round_trip(void)
{
	SimSnapFile f,
				d;
	SimSnapSection s[3];
	SimSnapSequence q[1];
	uint8_t    *bufs[2];
	uint8_t    *out;
	size_t		outlen;
	Counter		c = {0, 0, 0, 0};
	SimSnapMem	mem = {c_alloc, c_release, &c};
	char		err[300];
	int			st,
				i;

	build(&f, s, q, bufs);
	st = SimSnapEncode(&f, &mem, &out, &outlen);
	CHECK(st == SIM_SNAP_OK, "encode: %d", st);
	CHECK(c.live == 1, "encode leaves only its output (%ld live)", c.live);
	CHECK(memcmp(out, SIM_SNAP_MAGIC, SIM_SNAP_MAGIC_LEN) == 0, "magic first");
	st = SimSnapDecode(out, outlen, &mem, &d, err, sizeof(err));
	CHECK(st == SIM_SNAP_OK, "decode: %d %s", st, err);
	if (st == SIM_SNAP_OK)
	{
		CHECK(d.version == SIM_SNAP_VERSION, "version");
		CHECK(strcmp(d.sim_version, "0.2.0") == 0, "sim version");
		CHECK(d.tick == 1234 && d.epoch == 9007199254740991LL && d.journal_hw == 77 && d.change_hw == -1,
			  "header integers");
		CHECK(memcmp(d.state_hash, f.state_hash, SIM_SNAP_HASH_LEN) == 0, "state hash");
		CHECK(d.nseq == 1 && strcmp(d.seq[0].name, "sim.player_id_seq") == 0 && d.seq[0].last_value == 3 &&
			  d.seq[0].is_called == 1, "sequence");
		CHECK(d.nsections == 3, "sections: %u", d.nsections);
		for (i = 0; i < 3 && i < (int) d.nsections; i++)
		{
			uint32_t	k;
			int			cols_ok = 1;

			CHECK(strcmp(d.sections[i].name, s[i].name) == 0, "section %d name", i);
			CHECK(d.sections[i].part == s[i].part, "section %d part", i);
			CHECK(d.sections[i].nrows == s[i].nrows && d.sections[i].raw_len == s[i].raw_len,
				  "section %d sizes", i);
			CHECK(s[i].raw_len == 0 || memcmp(d.sections[i].raw, s[i].raw, s[i].raw_len) == 0,
				  "section %d bytes bit for bit", i);
			for (k = 0; k < d.sections[i].ncols; k++)
				cols_ok &= strcmp(d.sections[i].colname[k], s[i].colname[k]) == 0 &&
					strcmp(d.sections[i].coltype[k], s[i].coltype[k]) == 0;
			CHECK(cols_ok, "section %d columns", i);
		}
		CHECK(d.raw_bytes == s[0].raw_len + s[2].raw_len, "raw bytes");
		SimSnapFree(&d, &mem);
	}
	CHECK(c.live == 1, "decode frees all (%ld live)", c.live);

	c_release(out, &c);
	free(bufs[0]);
	free(bufs[1]);
}

/* Damage to a small file (the first two sections): every truncation, every bit flipped, failed allocations. */
static void
test_damage(void)
{
	SimSnapFile f;
	SimSnapSection s[3];
	SimSnapSequence q[1];
	uint8_t    *bufs[2];
	uint8_t    *out;
	size_t		outlen;
	Counter		c = {0, 0, 0, 0};
	SimSnapMem	mem = {c_alloc, c_release, &c};

	build(&f, s, q, bufs);
	f.nsections = 2;
	CHECK(SimSnapEncode(&f, &mem, &out, &outlen) == SIM_SNAP_OK, "encode small");
	CHECK(decode_status(out, outlen, &c) == SIM_SNAP_OK, "small file decodes");
	/* every truncation: corrupt, nothing left allocated */
	{
		size_t		n;
		int			bad = 0;

		for (n = 0; n < outlen; n++)
			if (decode_status(out, n, &c) != SIM_SNAP_CORRUPT)
				bad++;
		CHECK(bad == 0, "%d truncations not refused as corrupt", bad);
		CHECK(c.live == 1, "truncations leave nothing (%ld live)", c.live);
	}

	/* every single-bit flip (of the version bytes: foreign) */
	{
		size_t		at;
		int			b,
					bad = 0;

		for (at = 0; at < outlen; at++)
			for (b = 0; b < 8; b++)
			{
				int			want = (at >= 8 && at < 12) ? SIM_SNAP_FOREIGN : SIM_SNAP_CORRUPT;

				out[at] ^= (uint8_t) (1 << b);
				if (decode_status(out, outlen, &c) != want)
					bad++;
				out[at] ^= (uint8_t) (1 << b);
			}
		CHECK(bad == 0, "%d bit flips not refused", bad);
		CHECK(decode_status(out, outlen, &c) == SIM_SNAP_OK, "restored file decodes");
	}

	/* allocation failure at every request of a decode */
	{
		long		n,
					total;
		int			bad = 0;

		c.requests = 0;
		(void) decode_status(out, outlen, &c);
		total = c.requests;
		for (n = 1; n <= total; n++)
		{
			c.requests = 0;
			c.fail_at = n;
			if (decode_status(out, outlen, &c) != SIM_SNAP_ENOMEM)
				bad++;
		}
		c.fail_at = 0;
		CHECK(bad == 0, "%d failed allocations not reported", bad);
		CHECK(c.live == 1, "failed allocations leave nothing (%ld live)", c.live);
	}
	c_release(out, &c);
	free(bufs[0]);
	free(bufs[1]);
}

/* A file of one section whose bytes after the header are ours: hostile lengths, valid checksum. */
static void
test_hostile(void)
{
	SimSnapFile f;
	SimSnapSection s[3];
	SimSnapSequence q[1];
	uint8_t    *bufs[2];
	uint8_t    *out;
	size_t		outlen,
				at;
	Counter		c = {0, 0, 0, 0};
	SimSnapMem	mem = {c_alloc, c_release, &c};

	build(&f, s, q, bufs);
	f.nsections = 1;			/* the small section only */
	CHECK(SimSnapEncode(&f, &mem, &out, &outlen) == SIM_SNAP_OK, "encode small");
	/* the section's row count (after the column descriptions): locate it from the end */
	/* layout tail: nrows u64, raw_len u64, nchunks u32, chunk raw u32, comp u32, block, crc */
	{
		uint8_t    *copy = malloc(outlen);
		size_t		comp;
		size_t		tail;
		int			bad = 0;

		/* find the chunk header: comp length is the block's size */
		for (tail = outlen - 4 - 8; tail > 24; tail--)
		{
			comp = ((size_t) out[tail + 4] << 24) | ((size_t) out[tail + 5] << 16) |
				((size_t) out[tail + 6] << 8) | out[tail + 7];
			if (tail + 8 + comp == outlen - 4)
				break;
		}
		at = tail - 4 - 8 - 8;	/* nrows */
		CHECK(at > 24, "found the section's counts");

		/* nrows far beyond the bytes */
		memcpy(copy, out, outlen);
		put32(copy + at, 0x7FFFFFFF);
		reseal(copy, outlen);
		bad += decode_status(copy, outlen, &c) != SIM_SNAP_CORRUPT;
		/* raw_len huge */
		memcpy(copy, out, outlen);
		put32(copy + at + 8, 0x7FFFFFFF);
		reseal(copy, outlen);
		bad += decode_status(copy, outlen, &c) != SIM_SNAP_CORRUPT;
		/* nchunks huge */
		memcpy(copy, out, outlen);
		put32(copy + at + 16, 0xFFFFFFFF);
		reseal(copy, outlen);
		bad += decode_status(copy, outlen, &c) != SIM_SNAP_CORRUPT;
		/* the chunk's raw length one more than the section's */
		memcpy(copy, out, outlen);
		put32(copy + at + 20, (uint32_t) s[0].raw_len + 1);
		reseal(copy, outlen);
		bad += decode_status(copy, outlen, &c) != SIM_SNAP_CORRUPT;
		/* a field length past the section: the row walk refuses it */
		{
			SimSnapSection one = s[0];
			uint8_t    *raw = malloc(one.raw_len);
			uint8_t    *o2;
			size_t		l2;

			memcpy(raw, one.raw, one.raw_len);
			put32(raw, 0x7FFFFFF0);
			one.raw = raw;
			f.sections = &one;
			CHECK(SimSnapEncode(&f, &mem, &o2, &l2) == SIM_SNAP_OK, "encode a hostile row");
			bad += decode_status(o2, l2, &c) != SIM_SNAP_CORRUPT;
			/* one row fewer than recorded */
			one.raw = bufs[0];
			one.nrows = 11;
			c_release(o2, &c);
			CHECK(SimSnapEncode(&f, &mem, &o2, &l2) == SIM_SNAP_OK, "encode a short section");
			bad += decode_status(o2, l2, &c) != SIM_SNAP_CORRUPT;
			c_release(o2, &c);
			free(raw);
		}
		CHECK(bad == 0, "%d hostile lengths accepted", bad);
		CHECK(c.largest < 64 * 1024, "largest allocation for a small file: %zu", c.largest);
		/*
		 * A section that says it holds more than sim.limit('snapshot_mb')
		 * before compression, with bytes enough behind it for every length
		 * check (a 9 MB file claiming 2049 MB: an LZ4 bomb): refused as too
		 * large before anything of its size is allocated.
		 */
		{
			size_t		pad = (size_t) 9 << 20;
			size_t		biglen = at + 20 + pad + 4;
			uint8_t    *big = calloc(1, biglen);
			uint64_t	claim = ((uint64_t) SIM_LIMIT_SNAPSHOT_MB + 1) << 20;
			int			st;

			memcpy(big, out, at);
			put32(big + 16, (uint32_t) ((uint64_t) biglen >> 32));	/* the header's total length */
			put32(big + 20, (uint32_t) biglen);
			put32(big + at + 4, 12);	/* nrows */
			put32(big + at + 8, (uint32_t) (claim >> 32));
			put32(big + at + 12, (uint32_t) claim);
			put32(big + at + 16, (uint32_t) (claim / SIM_SNAP_CHUNK + 1));	/* nchunks */
			reseal(big, biglen);
			c.largest = 0;
			st = decode_status(big, biglen, &c);
			CHECK(st == SIM_SNAP_TOO_LARGE, "a file claiming %llu raw bytes: status %d",
				  (unsigned long long) claim, st);
			CHECK(c.largest < 64 * 1024, "largest allocation for a bomb: %zu", c.largest);
			free(big);
		}
		CHECK(c.live == 1, "hostile files leave nothing (%ld live)", c.live);
		free(copy);
	}
	c_release(out, &c);
	free(bufs[0]);
	free(bufs[1]);
}

/* Decode every file of the fuzz corpus: no crash, no leak. */
static void
test_snap_corpus(void)
{
	DIR		   *dir = opendir(SNAP_CORPUS_DIR);
	struct dirent *e;
	int			files = 0,
				valid = 0;
	Counter		c = {0, 0, 0, 0};

	CHECK(dir != NULL, "corpus directory %s exists", SNAP_CORPUS_DIR);
	if (dir == NULL)
		return;
	while ((e = readdir(dir)) != NULL)
	{
		char		path[1024];
		FILE	   *fp;
		uint8_t    *buf;
		long		n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", SNAP_CORPUS_DIR, e->d_name);
		fp = fopen(path, "rb");
		if (fp == NULL)
			continue;
		fseek(fp, 0, SEEK_END);
		n = ftell(fp);
		fseek(fp, 0, SEEK_SET);
		buf = malloc(n > 0 ? (size_t) n : 1);
		if (fread(buf, 1, (size_t) n, fp) == (size_t) n)
		{
			files++;
			valid += decode_status(buf, (size_t) n, &c) == SIM_SNAP_OK;
		}
		fclose(fp);
		free(buf);
	}
	closedir(dir);
	CHECK(files >= 5, "snapshot corpus has %d files", files);
	CHECK(valid > 0 && valid < files, "corpus has valid (%d) and invalid (%d) files", valid, files - valid);
	CHECK(c.live == 0, "corpus leaves nothing (%ld live)", c.live);
}

void
test_snapfile(void)
{
	test_round_trip();
	test_damage();
	test_hostile();
	test_snap_corpus();
}
