/*
 * snapfile.h -- the snapshot file: a universe's rows in one self-describing,
 * LZ4-compressed, checksummed byte string (src/core/snapfile.c; the layout
 * is documented in docs/lifecycle.md, "The file format").
 *
 * No PostgreSQL header: the glue (src/snapshot.c) turns rows into the
 * sections' raw bytes with each column type's send function and back with
 * the receive functions; this file only frames, compresses and checks.
 *
 * Contract for hostile input: SimSnapDecode reads only inside the buffer it
 * is given, checks the header and the checksum before it allocates
 * anything, allocates for a section's rows at most 255 times the bytes left
 * in the file plus 64 bytes per chunk (a chunk at most SIM_SNAP_CHUNK bytes),
 * for its descriptions at most 25 times the bytes left, and walks every row of
 * every section: each field's length fits in what is left.  It reports
 * the first problem found as SIM_SNAP_CORRUPT (damaged: magic, length,
 * checksum, LZ4, structure) or SIM_SNAP_FOREIGN (another format version),
 * with a message, and leaves nothing allocated behind.
 */
#ifndef SIM_CORE_SNAPFILE_H
#define SIM_CORE_SNAPFILE_H

#include <stddef.h>
#include <stdint.h>

#define SIM_SNAP_MAGIC "SIMSNAP\n"
#define SIM_SNAP_MAGIC_LEN 8
#define SIM_SNAP_VERSION 1
#define SIM_SNAP_HEADER_LEN 24		/* magic, version, flags, total length */
#define SIM_SNAP_TRAILER_LEN 4		/* crc32c */
#define SIM_SNAP_CHUNK (1u << 22)	/* at most this many raw bytes per LZ4 block */
#define SIM_SNAP_MAX_SECTIONS 1024
#define SIM_SNAP_MAX_COLUMNS 1600
#define SIM_SNAP_MAX_SEQUENCES 1024
#define SIM_SNAP_HASH_LEN 32

typedef enum SimSnapStatus
{
	SIM_SNAP_OK = 0,
	SIM_SNAP_CORRUPT = -1,		/* damaged or not a snapshot file */
	SIM_SNAP_FOREIGN = -2,		/* another format version */
	SIM_SNAP_ENOMEM = -3,		/* mem->alloc returned NULL */
	SIM_SNAP_TOO_LARGE = -4		/* sections larger than SIM_LIMIT_SNAPSHOT_MB */
} SimSnapStatus;

/* Memory callbacks, as SimDeltaMem: alloc may return NULL or throw. */
typedef struct SimSnapMem
{
	void	   *(*alloc) (size_t size, void *arg);
	void		(*release) (void *p, void *arg);
	void	   *arg;
} SimSnapMem;

/* An owned sequence's position (setval's arguments). */
typedef struct SimSnapSequence
{
	char		name[256];
	int64_t		last_value;
	uint8_t		is_called;
} SimSnapSequence;

/*
 * One section: a table's rows.  raw holds nrows rows; a row is its ncols
 * fields in order, a field a big-endian int32 length (-1: NULL) followed by
 * that many bytes of the column type's send format.
 */
typedef struct SimSnapSection
{
	char		name[256];
	uint8_t		part;			/* SIM_SNAP_PART_STATE or SIM_SNAP_PART_RECORDING */
	uint32_t	ncols;
	char	  **colname;		/* ncols names */
	char	  **coltype;		/* ncols type names */
	uint64_t	nrows;
	uint64_t	raw_len;
	uint8_t    *raw;
} SimSnapSection;

#define SIM_SNAP_PART_STATE 0
#define SIM_SNAP_PART_RECORDING 1

/* The whole file, decoded. */
typedef struct SimSnapFile
{
	uint32_t	version;
	char		sim_version[256];
	int64_t		tick;
	int64_t		epoch;
	int64_t		journal_hw;
	int64_t		change_hw;
	uint8_t		state_hash[SIM_SNAP_HASH_LEN];
	uint32_t	nseq;
	SimSnapSequence *seq;
	uint32_t	nsections;
	SimSnapSection *sections;
	uint64_t	raw_bytes;		/* sum of the sections' raw_len */
} SimSnapFile;

/*
 * Encode f (version ignored: SIM_SNAP_VERSION is written) into *out,
 * *outlen bytes from mem->alloc.  Returns SIM_SNAP_OK or SIM_SNAP_ENOMEM;
 * nothing is left allocated on error.  Names longer than 255 bytes are an
 * error (SIM_SNAP_CORRUPT): the glue never makes them.
 */
extern int	SimSnapEncode(const SimSnapFile *f, const SimSnapMem *mem,
						  uint8_t **out, size_t *outlen);

/*
 * Decode and check the len bytes at buf into *f (its arrays and raw bytes
 * from mem->alloc; release with SimSnapFree).  Returns SIM_SNAP_OK, or a
 * negative status with a message in err (errlen bytes, NUL-terminated) and
 * *f zeroed.
 */
extern int	SimSnapDecode(const uint8_t *buf, size_t len, const SimSnapMem *mem,
						  SimSnapFile *f, char *err, size_t errlen);

/* Release what SimSnapDecode allocated into f (f itself is the caller's). */
extern void SimSnapFree(SimSnapFile *f, const SimSnapMem *mem);

/* CRC-32C (Castagnoli) of len bytes, as the file's trailer holds it. */
extern uint32_t SimSnapCrc32c(const uint8_t *p, size_t len);

/*
 * Walk a section's raw rows: *pos starts at 0; each call gives the next
 * field (NULL data and length -1 for SQL NULL).  Only on raw already
 * checked by SimSnapDecode or made by the glue; returns 0 at the end.
 */
static inline int
SimSnapNextField(const uint8_t *raw, uint64_t raw_len, uint64_t *pos,
				 const uint8_t **data, int32_t *flen)
{
	uint32_t	l;

	if (*pos + 4 > raw_len)
		return 0;
	l = ((uint32_t) raw[*pos] << 24) | ((uint32_t) raw[*pos + 1] << 16) |
		((uint32_t) raw[*pos + 2] << 8) | (uint32_t) raw[*pos + 3];
	*pos += 4;
	*flen = (int32_t) l;
	if (*flen < 0)
	{
		*data = NULL;
		return 1;
	}
	*data = raw + *pos;
	*pos += l;
	return 1;
}

#endif							/* SIM_CORE_SNAPFILE_H */
