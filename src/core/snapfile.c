/*
 * snapfile.c -- the snapshot file's encoder and its bounds-checked decoder
 * (the contract: sim/core/snapfile.h; the layout: docs/lifecycle.md).
 *
 * Layout, every integer big-endian:
 *   header   magic "SIMSNAP\n" (8), format version u32, flags u32 (0),
 *            total length of the file u64
 *   meta     str sim_version, i64 tick, epoch, journal_hw, change_hw,
 *            state hash (32 bytes)
 *   seqs     u32 n, then n times: str name, i64 last_value, u8 is_called
 *   sections u32 n, then n times: str name, u8 part, u32 ncols,
 *            ncols times (str column name, str type name), u64 nrows,
 *            u64 raw_len, u32 nchunks, nchunks times (u32 raw length,
 *            u32 compressed length, the LZ4 block)
 *   trailer  crc32c of every byte before it, u32
 * A str is a u8 length (1..255) and that many bytes, none of them NUL.
 */
#include "sim/core/snapfile.h"
#include "sim/core/limits.h"

#include <lz4.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- crc32c */

static uint32_t crc_table[256];
static int	crc_ready = 0;

uint32_t
SimSnapCrc32c(const uint8_t *p, size_t len)
{
	uint32_t	c = 0xFFFFFFFFu;
	size_t		i;

	if (!crc_ready)
	{
		uint32_t	n;

		for (n = 0; n < 256; n++)
		{
			uint32_t	v = n;
			int			k;

			for (k = 0; k < 8; k++)
				v = (v & 1) ? (v >> 1) ^ 0x82F63B78u : v >> 1;
			crc_table[n] = v;
		}
		crc_ready = 1;
	}
	for (i = 0; i < len; i++)
		c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}

/* ---------------------------------------------------------------- encoder */

typedef struct WBuf
{
	uint8_t    *p;
	size_t		len;
	size_t		cap;
	const SimSnapMem *mem;
	int			failed;
} WBuf;

static int
wreserve(WBuf *w, size_t more)
{
	uint8_t    *np;
	size_t		ncap;

	if (w->failed)
		return 0;
	if (w->len + more <= w->cap)
		return 1;
	ncap = w->cap ? w->cap : 4096;
	while (ncap < w->len + more)
		ncap *= 2;
	np = w->mem->alloc(ncap, w->mem->arg);
	if (np == NULL)
	{
		w->failed = 1;
		return 0;
	}
	if (w->len)
		memcpy(np, w->p, w->len);
	if (w->p)
		w->mem->release(w->p, w->mem->arg);
	w->p = np;
	w->cap = ncap;
	return 1;
}

static void
wbytes(WBuf *w, const void *b, size_t n)
{
	if (n == 0 || !wreserve(w, n))
		return;
	memcpy(w->p + w->len, b, n);
	w->len += n;
}

static void
wu8(WBuf *w, uint8_t v)
{
	wbytes(w, &v, 1);
}

static void
wu32(WBuf *w, uint32_t v)
{
	uint8_t		b[4] = {(uint8_t) (v >> 24), (uint8_t) (v >> 16), (uint8_t) (v >> 8), (uint8_t) v};

	wbytes(w, b, 4);
}

static void
wu64(WBuf *w, uint64_t v)
{
	wu32(w, (uint32_t) (v >> 32));
	wu32(w, (uint32_t) v);
}

static int
wstr(WBuf *w, const char *s)
{
	size_t		n = strlen(s);

	if (n == 0 || n > 255)
		return 0;
	wu8(w, (uint8_t) n);
	wbytes(w, s, n);
	return 1;
}

static void
put_u64_at(uint8_t *p, uint64_t v)
{
	int			i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t) (v >> (56 - 8 * i));
}

int
SimSnapEncode(const SimSnapFile *f, const SimSnapMem *mem, uint8_t **out, size_t *outlen)
{
	WBuf		w = {NULL, 0, 0, mem, 0};
	uint32_t	i,
				c;
	int			ok = 1;

	*out = NULL;
	*outlen = 0;
	wbytes(&w, SIM_SNAP_MAGIC, SIM_SNAP_MAGIC_LEN);
	wu32(&w, SIM_SNAP_VERSION);
	wu32(&w, 0);
	wu64(&w, 0);				/* the total length, filled in below */
	ok &= wstr(&w, f->sim_version);
	wu64(&w, (uint64_t) f->tick);
	wu64(&w, (uint64_t) f->epoch);
	wu64(&w, (uint64_t) f->journal_hw);
	wu64(&w, (uint64_t) f->change_hw);
	wbytes(&w, f->state_hash, SIM_SNAP_HASH_LEN);
	wu32(&w, f->nseq);
	for (i = 0; i < f->nseq; i++)
	{
		ok &= wstr(&w, f->seq[i].name);
		wu64(&w, (uint64_t) f->seq[i].last_value);
		wu8(&w, f->seq[i].is_called ? 1 : 0);
	}
	wu32(&w, f->nsections);
	for (i = 0; i < f->nsections && ok && !w.failed; i++)
	{
		const SimSnapSection *s = &f->sections[i];
		uint64_t	off;
		uint32_t	nchunks = (uint32_t) ((s->raw_len + SIM_SNAP_CHUNK - 1) / SIM_SNAP_CHUNK);

		ok &= wstr(&w, s->name);
		wu8(&w, s->part);
		wu32(&w, s->ncols);
		for (c = 0; c < s->ncols; c++)
		{
			ok &= wstr(&w, s->colname[c]);
			ok &= wstr(&w, s->coltype[c]);
		}
		wu64(&w, s->nrows);
		wu64(&w, s->raw_len);
		wu32(&w, nchunks);
		for (off = 0; off < s->raw_len && ok && !w.failed; off += SIM_SNAP_CHUNK)
		{
			int			n = (int) (s->raw_len - off < SIM_SNAP_CHUNK ? s->raw_len - off : SIM_SNAP_CHUNK);
			int			bound = LZ4_compressBound(n);
			int			clen;
			size_t		at;

			wu32(&w, (uint32_t) n);
			wu32(&w, 0);		/* the compressed length, filled in below */
			at = w.len;
			if (!wreserve(&w, (size_t) bound))
				break;
			clen = LZ4_compress_default((const char *) s->raw + off, (char *) w.p + at, n, bound);
			if (clen <= 0)
			{
				ok = 0;
				break;
			}
			w.p[at - 4] = (uint8_t) (clen >> 24);
			w.p[at - 3] = (uint8_t) (clen >> 16);
			w.p[at - 2] = (uint8_t) (clen >> 8);
			w.p[at - 1] = (uint8_t) clen;
			w.len = at + (size_t) clen;
		}
	}
	if (!wreserve(&w, SIM_SNAP_TRAILER_LEN) || !ok)
	{
		if (w.p)
			mem->release(w.p, mem->arg);
		return w.failed ? SIM_SNAP_ENOMEM : SIM_SNAP_CORRUPT;
	}
	put_u64_at(w.p + 16, (uint64_t) (w.len + SIM_SNAP_TRAILER_LEN));
	wu32(&w, SimSnapCrc32c(w.p, w.len));
	*out = w.p;
	*outlen = w.len;
	return SIM_SNAP_OK;
}

/* ---------------------------------------------------------------- decoder */

typedef struct RBuf
{
	const uint8_t *p;
	size_t		len;
	size_t		pos;
	int			bad;
	const char *what;			/* the first structural problem */
} RBuf;

static int
rneed(RBuf *r, size_t n, const char *what)
{
	if (r->bad)
		return 0;
	if (n > r->len - r->pos)
	{
		r->bad = 1;
		r->what = what;
		return 0;
	}
	return 1;
}

static uint8_t
ru8(RBuf *r, const char *what)
{
	if (!rneed(r, 1, what))
		return 0;
	return r->p[r->pos++];
}

static uint32_t
ru32(RBuf *r, const char *what)
{
	uint32_t	v;

	if (!rneed(r, 4, what))
		return 0;
	v = ((uint32_t) r->p[r->pos] << 24) | ((uint32_t) r->p[r->pos + 1] << 16) |
		((uint32_t) r->p[r->pos + 2] << 8) | (uint32_t) r->p[r->pos + 3];
	r->pos += 4;
	return v;
}

static uint64_t
ru64(RBuf *r, const char *what)
{
	uint64_t	hi = ru32(r, what);

	return (hi << 32) | ru32(r, what);
}

/* A str into dst (256 bytes): 1..255 bytes, none NUL. */
static void
rstr(RBuf *r, char *dst, const char *what)
{
	uint8_t		n = ru8(r, what);

	dst[0] = '\0';
	if (r->bad)
		return;
	if (n == 0 || !rneed(r, n, what) || memchr(r->p + r->pos, 0, n) != NULL)
	{
		r->bad = 1;
		r->what = what;
		return;
	}
	memcpy(dst, r->p + r->pos, n);
	dst[n] = '\0';
	r->pos += n;
}

static void
fail(char *err, size_t errlen, const char *msg)
{
	if (errlen > 0)
	{
		strncpy(err, msg, errlen - 1);
		err[errlen - 1] = '\0';
	}
}

void
SimSnapFree(SimSnapFile *f, const SimSnapMem *mem)
{
	uint32_t	i,
				c;

	if (f->sections)
	{
		for (i = 0; i < f->nsections; i++)
		{
			SimSnapSection *s = &f->sections[i];

			if (s->colname)
			{
				for (c = 0; c < s->ncols; c++)
					if (s->colname[c])
						mem->release(s->colname[c], mem->arg);
				mem->release(s->colname, mem->arg);
			}
			if (s->coltype)
			{
				for (c = 0; c < s->ncols; c++)
					if (s->coltype[c])
						mem->release(s->coltype[c], mem->arg);
				mem->release(s->coltype, mem->arg);
			}
			if (s->raw)
				mem->release(s->raw, mem->arg);
		}
		mem->release(f->sections, mem->arg);
	}
	if (f->seq)
		mem->release(f->seq, mem->arg);
	memset(f, 0, sizeof(*f));
}

static char *
dupstr(const char *s, const SimSnapMem *mem)
{
	size_t		n = strlen(s) + 1;
	char	   *d = mem->alloc(n, mem->arg);

	if (d)
		memcpy(d, s, n);
	return d;
}

/* Check that raw holds exactly nrows rows of ncols fields each. */
static int
rows_fit(const uint8_t *raw, uint64_t raw_len, uint64_t nrows, uint32_t ncols)
{
	uint64_t	pos = 0;
	uint64_t	row;
	uint32_t	c;

	for (row = 0; row < nrows; row++)
		for (c = 0; c < ncols; c++)
		{
			uint32_t	l;

			if (raw_len - pos < 4)
				return 0;
			l = ((uint32_t) raw[pos] << 24) | ((uint32_t) raw[pos + 1] << 16) |
				((uint32_t) raw[pos + 2] << 8) | (uint32_t) raw[pos + 3];
			pos += 4;
			if (l == 0xFFFFFFFFu)
				continue;
			if (l > 0x7FFFFFFFu || l > raw_len - pos)
				return 0;
			pos += l;
		}
	return pos == raw_len;
}

int
SimSnapDecode(const uint8_t *buf, size_t len, const SimSnapMem *mem,
			  SimSnapFile *f, char *err, size_t errlen)
{
	RBuf		r = {buf, 0, 0, 0, NULL};
	uint64_t	total;
	uint32_t	crc,
				i,
				c;
	int			status = SIM_SNAP_CORRUPT;
	char		name[256];

	memset(f, 0, sizeof(*f));
	if (len < SIM_SNAP_HEADER_LEN + SIM_SNAP_TRAILER_LEN)
	{
		fail(err, errlen, "the file is shorter than a snapshot's header");
		return SIM_SNAP_CORRUPT;
	}
	if (memcmp(buf, SIM_SNAP_MAGIC, SIM_SNAP_MAGIC_LEN) != 0)
	{
		fail(err, errlen, "the file does not start with a snapshot's magic bytes");
		return SIM_SNAP_CORRUPT;
	}
	r.len = len;
	r.pos = SIM_SNAP_MAGIC_LEN;
	f->version = ru32(&r, "");
	if (f->version != SIM_SNAP_VERSION)
	{
		fail(err, errlen, "the file has another snapshot format version");
		return SIM_SNAP_FOREIGN;
	}
	if (ru32(&r, "") != 0)
	{
		fail(err, errlen, "the file's flags are not zero");
		return SIM_SNAP_CORRUPT;
	}
	total = ru64(&r, "");
	if (total != (uint64_t) len)
	{
		fail(err, errlen, "the file's length is not the length its header records (truncated or extended)");
		return SIM_SNAP_CORRUPT;
	}
	crc = ((uint32_t) buf[len - 4] << 24) | ((uint32_t) buf[len - 3] << 16) |
		((uint32_t) buf[len - 2] << 8) | (uint32_t) buf[len - 1];
	if (crc != SimSnapCrc32c(buf, len - SIM_SNAP_TRAILER_LEN))
	{
		fail(err, errlen, "the file's checksum does not match its contents");
		return SIM_SNAP_CORRUPT;
	}
	r.len = len - SIM_SNAP_TRAILER_LEN;

	rstr(&r, f->sim_version, "the sim version");
	f->tick = (int64_t) ru64(&r, "the tick");
	f->epoch = (int64_t) ru64(&r, "the epoch");
	f->journal_hw = (int64_t) ru64(&r, "the journal high-water mark");
	f->change_hw = (int64_t) ru64(&r, "the change high-water mark");
	if (rneed(&r, SIM_SNAP_HASH_LEN, "the state hash"))
	{
		memcpy(f->state_hash, buf + r.pos, SIM_SNAP_HASH_LEN);
		r.pos += SIM_SNAP_HASH_LEN;
	}
	f->nseq = ru32(&r, "the sequence count");
	/* a sequence takes at least 11 bytes: no allocation beyond what the input can fill */
	if (!r.bad && (f->nseq > SIM_SNAP_MAX_SEQUENCES || (size_t) f->nseq * 11 > r.len - r.pos))
	{
		r.bad = 1;
		r.what = "the sequence count";
	}
	if (!r.bad && f->nseq > 0)
	{
		f->seq = mem->alloc(sizeof(SimSnapSequence) * f->nseq, mem->arg);
		if (f->seq == NULL)
			goto nomem;
		memset(f->seq, 0, sizeof(SimSnapSequence) * f->nseq);
	}
	for (i = 0; i < f->nseq && !r.bad; i++)
	{
		rstr(&r, f->seq[i].name, "a sequence name");
		f->seq[i].last_value = (int64_t) ru64(&r, "a sequence value");
		f->seq[i].is_called = ru8(&r, "a sequence flag");
		if (!r.bad && f->seq[i].is_called > 1)
		{
			r.bad = 1;
			r.what = "a sequence flag";
		}
	}
	f->nsections = r.bad ? 0 : ru32(&r, "the section count");
	/* a section takes at least 31 bytes */
	if (!r.bad && (f->nsections > SIM_SNAP_MAX_SECTIONS || (size_t) f->nsections * 31 > r.len - r.pos))
	{
		r.bad = 1;
		r.what = "the section count";
	}
	if (!r.bad && f->nsections > 0)
	{
		f->sections = mem->alloc(sizeof(SimSnapSection) * f->nsections, mem->arg);
		if (f->sections == NULL)
			goto nomem;
		memset(f->sections, 0, sizeof(SimSnapSection) * f->nsections);
	}
	for (i = 0; i < f->nsections && !r.bad; i++)
	{
		SimSnapSection *s = &f->sections[i];
		uint32_t	nchunks;
		uint64_t	filled = 0;

		rstr(&r, s->name, "a section name");
		s->part = ru8(&r, "a section part");
		if (!r.bad && s->part > SIM_SNAP_PART_RECORDING)
		{
			r.bad = 1;
			r.what = "a section part";
		}
		s->ncols = r.bad ? 0 : ru32(&r, "a column count");
		/* a column takes at least 4 bytes */
		if (!r.bad && (s->ncols == 0 || s->ncols > SIM_SNAP_MAX_COLUMNS || (size_t) s->ncols * 4 > r.len - r.pos))
		{
			r.bad = 1;
			r.what = "a column count";
		}
		if (r.bad)
		{
			s->ncols = 0;
			break;
		}
		s->colname = mem->alloc(sizeof(char *) * s->ncols, mem->arg);
		if (s->colname == NULL)
			goto nomem;
		memset(s->colname, 0, sizeof(char *) * s->ncols);
		s->coltype = mem->alloc(sizeof(char *) * s->ncols, mem->arg);
		if (s->coltype == NULL)
			goto nomem;
		memset(s->coltype, 0, sizeof(char *) * s->ncols);
		for (c = 0; c < s->ncols && !r.bad; c++)
		{
			rstr(&r, name, "a column name");
			if (r.bad || (s->colname[c] = dupstr(name, mem)) == NULL)
				break;
			rstr(&r, name, "a column type");
			if (r.bad || (s->coltype[c] = dupstr(name, mem)) == NULL)
				break;
		}
		if (r.bad)
			break;
		if (c < s->ncols)
			goto nomem;
		s->nrows = ru64(&r, "a row count");
		s->raw_len = ru64(&r, "a section length");
		nchunks = ru32(&r, "a chunk count");
		if (r.bad)
			break;
		if (s->raw_len > (uint64_t) nchunks * SIM_SNAP_CHUNK ||
			(uint64_t) nchunks * 8 > r.len - r.pos ||
			s->raw_len > (uint64_t) (r.len - r.pos) * 255 + (uint64_t) nchunks * 64 ||
			s->raw_len / 4 / s->ncols < s->nrows)
		{
			r.bad = 1;
			r.what = "a section's lengths";
			break;
		}
		/* the sections together, checked before any of them is allocated */
		if (s->raw_len > ((uint64_t) SIM_LIMIT_SNAPSHOT_MB << 20) - f->raw_bytes)
		{
			char		msg[256];

			snprintf(msg, sizeof(msg),
					 "its sections hold more than %d MB before compression (section %u alone %llu bytes)",
					 (int) SIM_LIMIT_SNAPSHOT_MB, i + 1, (unsigned long long) s->raw_len);
			fail(err, errlen, msg);
			status = SIM_SNAP_TOO_LARGE;
			goto out;
		}
		if (s->raw_len > 0)
		{
			s->raw = mem->alloc((size_t) s->raw_len, mem->arg);
			if (s->raw == NULL)
				goto nomem;
		}
		for (c = 0; c < nchunks && !r.bad; c++)
		{
			uint32_t	rl = ru32(&r, "a chunk header");
			uint32_t	cl = ru32(&r, "a chunk header");

			if (r.bad)
				break;
			if (rl == 0 || rl > SIM_SNAP_CHUNK || rl > s->raw_len - filled ||
				cl == 0 || cl > (uint32_t) LZ4_compressBound((int) rl) ||
				(uint64_t) rl > (uint64_t) cl * 255 + 64 || !rneed(&r, cl, "a chunk"))
			{
				r.bad = 1;
				r.what = "a chunk's lengths";
				break;
			}
			if (LZ4_decompress_safe((const char *) buf + r.pos, (char *) s->raw + filled,
									(int) cl, (int) rl) != (int) rl)
			{
				r.bad = 1;
				r.what = "an LZ4 block (it does not decompress to its recorded length)";
				break;
			}
			r.pos += cl;
			filled += rl;
		}
		if (r.bad)
			break;
		if (filled != s->raw_len)
		{
			r.bad = 1;
			r.what = "a section's chunks (they do not add up to its length)";
			break;
		}
		if (!rows_fit(s->raw, s->raw_len, s->nrows, s->ncols))
		{
			r.bad = 1;
			r.what = "a section's rows (their fields do not fill its length exactly)";
			break;
		}
		f->raw_bytes += s->raw_len;
	}
	if (!r.bad && r.pos != r.len)
	{
		r.bad = 1;
		r.what = "the end of the file (bytes follow the last section)";
	}
	if (r.bad)
	{
		char		msg[256];

		snprintf(msg, sizeof(msg), "the file's structure is damaged at %s", r.what);
		fail(err, errlen, msg);
		status = SIM_SNAP_CORRUPT;
		goto out;
	}
	return SIM_SNAP_OK;

nomem:
	fail(err, errlen, "out of memory");
	status = SIM_SNAP_ENOMEM;
out:
	SimSnapFree(f, mem);
	return status;
}
