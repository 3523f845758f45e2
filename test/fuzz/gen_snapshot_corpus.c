/*
 * gen_snapshot_corpus.c -- writes the seed corpus of fuzz_snapshot into the
 * directory named by its argument: small valid snapshot files (one section,
 * several, NULLs, an empty section, a recording section, sequences) and
 * damaged ones (truncated, a flipped bit, another version).  A file
 * exported from a tiny universe (export-tiny) sits beside them, committed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/snapfile.h"

static void *
g_alloc(size_t size, void *arg)
{
	return malloc(size);
}

static void
g_release(void *p, void *arg)
{
	free(p);
}

static const SimSnapMem mem = {g_alloc, g_release, NULL};

static void
write_file(const char *dir, const char *name, const uint8_t *buf, size_t len)
{
	char		path[1024];
	FILE	   *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	if (fp == NULL || fwrite(buf, 1, len, fp) != len)
	{
		perror(path);
		exit(1);
	}
	fclose(fp);
}

static size_t
field(uint8_t *raw, size_t len, const void *data, int flen)
{
	raw[len] = (uint8_t) ((uint32_t) flen >> 24);
	raw[len + 1] = (uint8_t) ((uint32_t) flen >> 16);
	raw[len + 2] = (uint8_t) ((uint32_t) flen >> 8);
	raw[len + 3] = (uint8_t) flen;
	len += 4;
	if (flen > 0)
	{
		memcpy(raw + len, data, (size_t) flen);
		len += (size_t) flen;
	}
	return len;
}

int
main(int argc, char **argv)
{
	static char *n3[] = {"id", "name", "pos"};
	static char *t3[] = {"int8", "text", "float8"};
	static char *n1[] = {"tick"};
	static char *t1[] = {"int8"};
	uint8_t		raw[4096];
	uint8_t		raw2[256];
	size_t		len = 0,
				len2 = 0;
	SimSnapFile f;
	SimSnapSection s[3];
	SimSnapSequence q[2];
	uint8_t    *out;
	size_t		outlen;
	int			i;

	if (argc != 2)
	{
		fprintf(stderr, "usage: gen_snapshot_corpus DIR\n");
		return 2;
	}
	for (i = 0; i < 20; i++)
	{
		unsigned char id[8] = {0, 0, 0, 0, 0, 0, 0, (unsigned char) i};
		double		x = i * 1.5;

		len = field(raw, len, id, 8);
		len = i % 4 == 0 ? field(raw, len, NULL, -1) : field(raw, len, "hauler", 6);
		len = field(raw, len, &x, 8);
	}
	for (i = 0; i < 5; i++)
	{
		unsigned char t[8] = {0, 0, 0, 0, 0, 0, 1, (unsigned char) i};

		len2 = field(raw2, len2, t, 8);
	}
	memset(&f, 0, sizeof(f));
	memset(s, 0, sizeof(s));
	memset(q, 0, sizeof(q));
	strcpy(f.sim_version, "0.2.0");
	f.tick = 256;
	f.epoch = 123456789;
	f.journal_hw = 4;
	f.change_hw = 900;
	for (i = 0; i < SIM_SNAP_HASH_LEN; i++)
		f.state_hash[i] = (uint8_t) (255 - i);
	strcpy(s[0].name, "ship");
	s[0].ncols = 3;
	s[0].colname = n3;
	s[0].coltype = t3;
	s[0].nrows = 20;
	s[0].raw_len = len;
	s[0].raw = raw;
	strcpy(s[1].name, "empty");
	s[1].ncols = 1;
	s[1].colname = n1;
	s[1].coltype = t1;
	strcpy(s[2].name, "replay_tick");
	s[2].part = SIM_SNAP_PART_RECORDING;
	s[2].ncols = 1;
	s[2].colname = n1;
	s[2].coltype = t1;
	s[2].nrows = 5;
	s[2].raw_len = len2;
	s[2].raw = raw2;
	strcpy(q[0].name, "sim.player_id_seq");
	q[0].last_value = 2;
	q[0].is_called = 1;
	strcpy(q[1].name, "sim.trade_id_seq");
	q[1].last_value = 1;

	/* no sections */
	if (SimSnapEncode(&f, &mem, &out, &outlen) != SIM_SNAP_OK)
		return 1;
	write_file(argv[1], "valid-empty", out, outlen);
	free(out);
	/* one section */
	f.nsections = 1;
	f.sections = s;
	if (SimSnapEncode(&f, &mem, &out, &outlen) != SIM_SNAP_OK)
		return 1;
	write_file(argv[1], "valid-one", out, outlen);
	free(out);
	/* three sections and two sequences */
	f.nsections = 3;
	f.nseq = 2;
	f.seq = q;
	if (SimSnapEncode(&f, &mem, &out, &outlen) != SIM_SNAP_OK)
		return 1;
	write_file(argv[1], "valid-three", out, outlen);
	/* damaged variants of it */
	write_file(argv[1], "truncated", out, outlen - 7);
	out[outlen / 2] ^= 0x10;
	write_file(argv[1], "bit-flipped", out, outlen);
	out[outlen / 2] ^= 0x10;
	out[11] = 2;
	write_file(argv[1], "version-2", out, outlen);
	write_file(argv[1], "header-only", out, SIM_SNAP_HEADER_LEN);
	free(out);
	return 0;
}
