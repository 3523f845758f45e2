/*
 * snapshot.c -- snapshots and export: the registered tables
 * (sim.snapshot_section) into the snapshot file (sim/core/snapfile.h), the
 * registry's helpers, and the lifecycle's fault points; the SQL functions
 * around it are in sql/lifecycle.sql, the user's view in docs/lifecycle.md.
 *
 * Capture (sim.snapshot_capture): take the tick lock exclusively as a tick
 * does (guard.c's policy: no tick and no command is then in flight), read
 * the high-water marks and the owned sequences, take the latest MVCC
 * snapshot, and release the lock at once; then read every state section
 * through that snapshot with a cursor, encoding each column with its
 * type's send function.  The ticker waits only for the lock and those few
 * reads (logged at DEBUG1), never for the copy.
 *
 * Restore: snapshot_restore.c, under sim.snapshot_hold_ticks (the tick
 * lock and the state sequences' locks, never waiting for a sequence while
 * holding the tick lock).  Info (sim.snapshot_info): a whole file
 * checked, and its header.
 *
 * Export (sim.snapshot_export): the stored file's state sections and the
 * recording sections read from the live tables, re-encoded as one file.
 *
 * No shared state of its own: the tick lock is guard.c's, the world cache
 * shmem.c's (invalidated at commit by the caller).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"

#include "sim/core/snapfile.h"
#include "sim/errcodes.h"
#include "sim/guard.h"
#include "sim/snapshot.h"
#include "sim/world.h"

PG_FUNCTION_INFO_V1(sim_snapshot_capture);
PG_FUNCTION_INFO_V1(sim_snapshot_info);
PG_FUNCTION_INFO_V1(sim_snapshot_export);
PG_FUNCTION_INFO_V1(sim_snapshot_hold_ticks);
PG_FUNCTION_INFO_V1(sim_lifecycle_fault);

char	   *sim_lifecycle_fault_point = NULL;

#define BATCH_ROWS 10000		/* rows per cursor fetch */

void
SimSnapshotInit(void)
{
	DefineCustomStringVariable("sim.lifecycle_fault",
							   "Test hook: the lifecycle fault point at which to wait until killed.",
							   "A point such as snapshot:stored or rollback:tables (docs/lifecycle.md); "
							   "error:<point> raises an error there instead. Empty: none.",
							   &sim_lifecycle_fault_point, "", PGC_SUSET, 0, NULL, NULL, NULL);
}

void
SimLifecycleFault(const char *point)
{
	const char *f = sim_lifecycle_fault_point;

	if (f == NULL || f[0] == '\0')
		return;
	if (strncmp(f, "error:", 6) == 0 && strcmp(f + 6, point) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OPERATOR_INTERVENTION),
				 errmsg("sim lifecycle fault point \"%s\" raised an error", point),
				 errdetail("sim.lifecycle_fault is set to \"%s\" (a test hook).", f)));
	if (strcmp(f, point) != 0)
		return;
	ereport(LOG, (errmsg("sim lifecycle fault point %s reached", point)));
	for (;;)
	{
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 100L,
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

/* SQL: sim.lifecycle_fault(point) -- SimLifecycleFault. */
Datum
sim_lifecycle_fault(PG_FUNCTION_ARGS)
{
	SimLifecycleFault(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	PG_RETURN_VOID();
}

/* ---------------------------------------------------------------- memory */

static void *
mem_alloc(size_t size, void *arg)
{
	return MemoryContextAllocHuge(CurrentMemoryContext, size);
}

static void
mem_release(void *p, void *arg)
{
	pfree(p);
}

static const SimSnapMem snap_mem = {mem_alloc, mem_release, NULL};

/* ---------------------------------------------------------------- the tick lock */

/*
 * Take the tick lock exclusively, as a tick does, owned by the
 * transaction's resource owner (so that release_ticks can find it).
 */
static void
hold_ticks(void)
{
	ResourceOwner save = CurrentResourceOwner;

	if (SimWorldGet() == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("sim is not loaded through shared_preload_libraries"),
				 errhint("Add sim to shared_preload_libraries and restart the server.")));
	CurrentResourceOwner = CurTransactionResourceOwner;
	PG_TRY();
	{
		(void) SimTickLockAcquire();
	}
	PG_FINALLY();
	{
		CurrentResourceOwner = save;
	}
	PG_END_TRY();
}

/* Give back one hold of hold_ticks (the lock stays if held before). */
static void
release_ticks(void)
{
	ResourceOwner save = CurrentResourceOwner;
	LOCKTAG		tag;

	SimTickLockTag(tag);
	CurrentResourceOwner = CurTransactionResourceOwner;
	(void) LockRelease(&tag, ExclusiveLock, false);
	CurrentResourceOwner = save;
}

/*
 * The sequences the state sections' tables own (those a restore sets), in
 * the caller's memory context.
 */
static Oid *
state_sequences(int *n)
{
	MemoryContext outer = CurrentMemoryContext;
	Oid		   *seqs;
	uint64		i;
	int			rc;

	SPI_connect();
	rc = SPI_execute("SELECT DISTINCT d.objid FROM pg_catalog.pg_depend d "
					 "JOIN sim.snapshot_section x ON x.target = d.refobjid AND x.part = 'state' "
					 "JOIN pg_catalog.pg_class c ON c.oid = d.objid AND c.relkind = 'S' "
					 "WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype IN ('a', 'i') "
					 "ORDER BY 1", true, 0);
	SimSnapshotSpiCheck(rc, SPI_OK_SELECT, "listing the state sequences");
	seqs = MemoryContextAlloc(outer, sizeof(Oid) * (SPI_processed + 1));
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;

		seqs[i] = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
	}
	*n = (int) SPI_processed;
	SPI_finish();
	return seqs;
}

/*
 * SQL: sim.snapshot_hold_ticks() -- the tick lock, exclusively, and SHARE
 * ROW EXCLUSIVE on every state sequence (what a restore's ResetSequence
 * needs, as ALTER SEQUENCE does), all until the transaction ends.  Nothing stronger than ROW
 * EXCLUSIVE is waited for while the tick lock is held: a session that holds
 * a sequence's lock (it drew a value) may be waiting for the tick lock, so
 * when a sequence's lock is not free at once, everything is given back,
 * that lock is waited for without the tick lock, and the whole is tried
 * again.
 */
Datum
sim_snapshot_hold_ticks(PG_FUNCTION_ARGS)
{
	int			n,
				i,
				got;
	Oid		   *seqs = state_sequences(&n);
	ResourceOwner save = CurrentResourceOwner;

	for (;;)
	{
		Oid			busy = InvalidOid;

		hold_ticks();
		CurrentResourceOwner = CurTransactionResourceOwner;
		for (got = 0; got < n; got++)
			if (!ConditionalLockRelationOid(seqs[got], ShareRowExclusiveLock))
			{
				busy = seqs[got];
				break;
			}
		if (!OidIsValid(busy))
		{
			CurrentResourceOwner = save;
			break;
		}
		for (i = 0; i < got; i++)
			UnlockRelationOid(seqs[i], ShareRowExclusiveLock);
		CurrentResourceOwner = save;
		release_ticks();
		ereport(DEBUG1, (errmsg("snapshot restore waits for sequence %s without the tick lock",
								SimSnapshotRelName(busy))));
		CurrentResourceOwner = CurTransactionResourceOwner;
		LockRelationOid(busy, ShareRowExclusiveLock);
		UnlockRelationOid(busy, ShareRowExclusiveLock);
		CurrentResourceOwner = save;
	}
	PG_RETURN_VOID();
}

/* ---------------------------------------------------------------- the registry */


void
SimSnapshotSpiCheck(int rc, int want, const char *what)
{
	if (rc != want)
		elog(ERROR, "%s failed: %s", what, SPI_result_code_string(rc));
}

/* The columns of relid that hold data (not dropped, not generated), in order. */
void
SimSnapshotLoadColumns(SimSnapshotSection *s, Oid relid)
{
	Datum		arg = ObjectIdGetDatum(relid);
	Oid			argtype = OIDOID;
	uint64		i;
	int			rc;

	rc = SPI_execute_with_args("SELECT a.attname::text, a.atttypid, a.atttypmod, t.typname::text, a.attnum "
							   "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
							   "WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' "
							   "ORDER BY a.attnum",
							   1, &argtype, &arg, NULL, true, 0);
	SimSnapshotSpiCheck(rc, SPI_OK_SELECT, "reading a table's columns");
	s->ncols = (int) SPI_processed;
	s->colname = palloc(sizeof(char *) * (s->ncols + 1));
	s->coltype = palloc(sizeof(Oid) * (s->ncols + 1));
	s->coltypmod = palloc(sizeof(int32) * (s->ncols + 1));
	s->typname = palloc(sizeof(char *) * (s->ncols + 1));
	s->attnum = palloc(sizeof(AttrNumber) * (s->ncols + 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;

		s->colname[i] = SPI_getvalue(tup, td, 1);
		s->coltype[i] = DatumGetObjectId(SPI_getbinval(tup, td, 2, &isnull));
		s->coltypmod[i] = DatumGetInt32(SPI_getbinval(tup, td, 3, &isnull));
		s->typname[i] = SPI_getvalue(tup, td, 4);
		s->attnum[i] = DatumGetInt16(SPI_getbinval(tup, td, 5, &isnull));
	}
}

/* The registered sections of part ("state" or "recording"), in order. */
SimSnapshotSection *
SimSnapshotLoadRegistry(const char *part, int *n)
{
	Datum		arg = CStringGetTextDatum(part);
	Oid			argtype = TEXTOID;
	SimSnapshotSection    *out;
	uint64		i;
	int			rc;

	rc = SPI_execute_with_args("SELECT s.name, s.source::oid, s.target::oid, s.filter "
							   "FROM sim.snapshot_section s WHERE s.part = $1 ORDER BY s.ord",
							   1, &argtype, &arg, NULL, true, 0);
	SimSnapshotSpiCheck(rc, SPI_OK_SELECT, "reading sim.snapshot_section");
	*n = (int) SPI_processed;
	out = palloc0(sizeof(SimSnapshotSection) * (*n + 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;

		strlcpy(out[i].name, SPI_getvalue(tup, td, 1), NAMEDATALEN);
		out[i].part = strcmp(part, "state") == 0 ? SIM_SNAP_PART_STATE : SIM_SNAP_PART_RECORDING;
		out[i].source = DatumGetObjectId(SPI_getbinval(tup, td, 2, &isnull));
		out[i].target = DatumGetObjectId(SPI_getbinval(tup, td, 3, &isnull));
		out[i].filter = SPI_getvalue(tup, td, 4);
	}
	return out;
}

char *
SimSnapshotRelName(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid));
}

/* ---------------------------------------------------------------- capture */

static inline void
put_be32(StringInfo buf, uint32 v)
{
	char		b[4] = {(char) (v >> 24), (char) (v >> 16), (char) (v >> 8), (char) v};

	appendBinaryStringInfo(buf, b, 4);
}

/*
 * Read s's source (through the active snapshot) with params into sec: the
 * rows' fields in each column type's send format.
 */
static void
capture_section(SimSnapshotSection *s, Datum *params, SimSnapSection *sec)
{
	StringInfoData query;
	StringInfoData raw;
	Oid			argtypes[3] = {INT8OID, INT8OID, INT8OID};
	FmgrInfo   *send;
	SPIPlanPtr	plan;
	Portal		portal;
	int			c;
	uint64		nrows = 0;

	SimSnapshotLoadColumns(s, s->source);
	initStringInfo(&query);
	appendStringInfoString(&query, "SELECT ");
	for (c = 0; c < s->ncols; c++)
		appendStringInfo(&query, "%s%s", c ? ", " : "", quote_identifier(s->colname[c]));
	appendStringInfo(&query, " FROM %s", SimSnapshotRelName(s->source));
	if (s->filter)
		appendStringInfo(&query, " WHERE %s", s->filter);

	send = palloc(sizeof(FmgrInfo) * s->ncols);
	for (c = 0; c < s->ncols; c++)
	{
		Oid			fn;
		bool		isvarlena;

		getTypeBinaryOutputInfo(s->coltype[c], &fn, &isvarlena);
		fmgr_info(fn, &send[c]);
	}
	plan = SPI_prepare(query.data, 3, argtypes);
	if (plan == NULL)
		elog(ERROR, "preparing the capture of section %s failed: %s", s->name,
			 SPI_result_code_string(SPI_result));
	portal = SPI_cursor_open(NULL, plan, params, NULL, true);
	initStringInfo(&raw);
	for (;;)
	{
		uint64		i;

		SPI_cursor_fetch(portal, true, BATCH_ROWS);
		if (SPI_processed == 0)
			break;
		for (i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];

			for (c = 0; c < s->ncols; c++)
			{
				bool		isnull;
				Datum		v = SPI_getbinval(tup, SPI_tuptable->tupdesc, c + 1, &isnull);

				if (isnull)
					put_be32(&raw, 0xFFFFFFFFu);
				else
				{
					bytea	   *b = SendFunctionCall(&send[c], v);

					put_be32(&raw, (uint32) VARSIZE(b) - VARHDRSZ);
					appendBinaryStringInfo(&raw, VARDATA(b), VARSIZE(b) - VARHDRSZ);
					pfree(b);
				}
			}
		}
		nrows += SPI_processed;
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	SPI_freeplan(plan);

	memset(sec, 0, sizeof(*sec));
	strlcpy(sec->name, s->name, sizeof(sec->name));
	sec->part = (uint8) s->part;
	sec->ncols = (uint32) s->ncols;
	sec->colname = s->colname;
	sec->coltype = s->typname;
	sec->nrows = nrows;
	sec->raw_len = raw.len;
	sec->raw = (uint8 *) raw.data;
}

/* The owned sequences of the state targets, as schema.name, and their positions. */
static SimSnapSequence *
capture_sequences(uint32 *n)
{
	SimSnapSequence *out;
	char	  **names;
	uint64		i;
	int			rc;

	rc = SPI_execute("SELECT DISTINCT pg_catalog.format('%I.%I', n.nspname, q.relname) "
					 "FROM pg_catalog.pg_depend d "
					 "JOIN pg_catalog.pg_class q ON q.oid = d.objid AND q.relkind = 'S' "
					 "JOIN pg_catalog.pg_namespace n ON n.oid = q.relnamespace "
					 "JOIN sim.snapshot_section x ON x.target = d.refobjid AND x.part = 'state' "
					 "WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
					 "AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass "
					 "AND d.deptype IN ('a', 'i') ORDER BY 1", true, 0);
	SimSnapshotSpiCheck(rc, SPI_OK_SELECT, "listing the owned sequences");
	*n = (uint32) SPI_processed;
	out = palloc0(sizeof(SimSnapSequence) * (*n + 1));
	names = palloc(sizeof(char *) * (*n + 1));
	for (i = 0; i < SPI_processed; i++)
		names[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
	for (i = 0; i < *n; i++)
	{
		char	   *q = psprintf("SELECT last_value, is_called FROM %s", names[i]);
		bool		isnull;

		rc = SPI_execute(q, true, 0);
		SimSnapshotSpiCheck(rc, SPI_OK_SELECT, "reading a sequence");
		strlcpy(out[i].name, names[i], sizeof(out[i].name));
		out[i].last_value = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		out[i].is_called = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull)) ? 1 : 0;
	}
	return out;
}

static bytea *
encode_file(SimSnapFile *f)
{
	uint8	   *out;
	size_t		len;
	bytea	   *b;

	if (SimSnapEncode(f, &snap_mem, &out, &len) != SIM_SNAP_OK)
		elog(ERROR, "encoding the snapshot file failed");
	if (len + VARHDRSZ > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the snapshot file would be %zu bytes, more than a bytea holds", len)));
	b = palloc(len + VARHDRSZ);
	SET_VARSIZE(b, len + VARHDRSZ);
	memcpy(VARDATA(b), out, len);
	pfree(out);
	return b;
}

/*
 * SQL: sim.snapshot_capture(OUT tick, OUT epoch, OUT state_hash,
 * OUT journal_hw, OUT change_hw, OUT raw_bytes, OUT data) -- the state
 * sections at one consistent point (see the file's opening comment).
 */
Datum
sim_snapshot_capture(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	SimSnapFile f;
	Snapshot	snap;
	SimSnapshotSection    *secs;
	int			nsecs,
				i;
	Datum		params[3];
	Datum		values[7];
	bool		nulls[7] = {false};
	bool		isnull;
	int			rc;
	bytea	   *data;
	MemoryContext callcxt = CurrentMemoryContext;
	TimestampTz held_at;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "sim.snapshot_capture must return a record");
	memset(&f, 0, sizeof(f));
	SPI_connect();

	/* the capture point: no tick, no command in flight */
	hold_ticks();
	held_at = GetCurrentTimestamp();
	rc = SPI_execute("SELECT w.tick, w.epoch, w.state_hash, sim.journal_hw(), "
					 "(SELECT CASE WHEN s.is_called THEN s.last_value ELSE s.last_value - 1 END FROM sim.change_seq s), "
					 "pg_catalog.current_setting('server_version') "
					 "FROM sim.world w", true, 0);
	SimSnapshotSpiCheck(rc, SPI_OK_SELECT, "reading sim.world");
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("there is no universe to snapshot"),
				 errhint("Generate one with sim.generate_universe or import one with sim.import_snapshot.")));
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bytea	   *h;

		f.tick = DatumGetInt64(SPI_getbinval(tup, td, 1, &isnull));
		f.epoch = DatumGetInt64(SPI_getbinval(tup, td, 2, &isnull));
		h = DatumGetByteaPP(SPI_getbinval(tup, td, 3, &isnull));
		if (VARSIZE_ANY_EXHDR(h) == SIM_SNAP_HASH_LEN)
			memcpy(f.state_hash, VARDATA_ANY(h), SIM_SNAP_HASH_LEN);
		f.journal_hw = DatumGetInt64(SPI_getbinval(tup, td, 4, &isnull));
		f.change_hw = DatumGetInt64(SPI_getbinval(tup, td, 5, &isnull));
	}
	secs = SimSnapshotLoadRegistry("state", &nsecs);
	f.seq = capture_sequences(&f.nseq);
	snap = RegisterSnapshot(GetLatestSnapshot());
	release_ticks();
	ereport(DEBUG1,
			(errmsg("sim snapshot held the tick lock for %.3f ms",
					(double) (GetCurrentTimestamp() - held_at) / 1000.0)));

	/* the copy, through that snapshot, with ticks running */
	rc = SPI_execute("SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname = 'sim'", true, 1);
	SimSnapshotSpiCheck(rc, SPI_OK_SELECT, "reading the extension's version");
	strlcpy(f.sim_version, SPI_processed == 1 ? SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1) : "unknown",
			sizeof(f.sim_version));
	params[0] = Int64GetDatum(f.tick);
	params[1] = Int64GetDatum(f.journal_hw);
	params[2] = Int64GetDatum(f.change_hw);
	f.nsections = (uint32) nsecs;
	f.sections = palloc0(sizeof(SimSnapSection) * (nsecs + 1));
	PushActiveSnapshot(snap);
	for (i = 0; i < nsecs; i++)
	{
		capture_section(&secs[i], params, &f.sections[i]);
		f.raw_bytes += f.sections[i].raw_len;
	}
	PopActiveSnapshot();
	UnregisterSnapshot(snap);

	{
		MemoryContext old = MemoryContextSwitchTo(callcxt);

		data = encode_file(&f);
		values[2] = PointerGetDatum(cstring_to_text_with_len((const char *) f.state_hash, SIM_SNAP_HASH_LEN));
		MemoryContextSwitchTo(old);
	}
	values[0] = Int64GetDatum(f.tick);
	values[1] = Int64GetDatum(f.epoch);
	values[3] = Int64GetDatum(f.journal_hw);
	values[4] = Int64GetDatum(f.change_hw);
	values[5] = Int64GetDatum((int64) f.raw_bytes);
	values[6] = PointerGetDatum(data);
	SPI_finish();
	SimLifecycleFault("snapshot:captured");
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* ---------------------------------------------------------------- decode and check */

void
SimSnapshotDecode(bytea *data, SimSnapFile *f)
{
	char		err[300];
	int			st;

	st = SimSnapDecode((const uint8 *) VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data), &snap_mem, f,
					   err, sizeof(err));
	if (st == SIM_SNAP_FOREIGN)
		ereport(ERROR,
				(errcode(ERRCODE_SIM_FOREIGN_SNAPSHOT),
				 errmsg("the snapshot file has another format version"),
				 errdetail("This database reads format version %d; %s.", SIM_SNAP_VERSION, err),
				 errhint("Export it again from a database whose sim reads and writes this version.")));
	if (st == SIM_SNAP_ENOMEM)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory decoding a snapshot file")));
	if (st == SIM_SNAP_TOO_LARGE)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the snapshot file is too large"),
				 errdetail("%s; the limit is sim.limit('snapshot_mb').", err),
				 errhint("Nothing was changed.")));
	if (st != SIM_SNAP_OK)
		ereport(ERROR,
				(errcode(ERRCODE_SIM_CORRUPT_SNAPSHOT),
				 errmsg("the snapshot file is damaged"),
				 errdetail("%s.", err),
				 errhint("Export it again; nothing was changed.")));
}

/*
 * SQL: sim.snapshot_info(data bytea, OUT tick, OUT epoch, OUT state_hash,
 * OUT journal_hw, OUT change_hw, OUT sim_version, OUT raw_bytes) -- a
 * whole file checked (SM017, SM016 for another format) and its header.
 */
Datum
sim_snapshot_info(PG_FUNCTION_ARGS)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	TupleDesc	tupdesc;
	SimSnapFile f;
	Datum		values[7];
	bool		nulls[7] = {false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "sim.snapshot_info must return a record");
	SimSnapshotDecode(data, &f);
	values[0] = Int64GetDatum(f.tick);
	values[1] = Int64GetDatum(f.epoch);
	values[2] = PointerGetDatum(cstring_to_text_with_len((const char *) f.state_hash, SIM_SNAP_HASH_LEN));
	values[3] = Int64GetDatum(f.journal_hw);
	values[4] = Int64GetDatum(f.change_hw);
	values[5] = CStringGetTextDatum(f.sim_version);
	values[6] = Int64GetDatum((int64) f.raw_bytes);
	SimSnapFree(&f, &snap_mem);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * SQL: sim.snapshot_export(data bytea) -- the stored file's state sections
 * and the recording sections read now from the live tables (with the
 * file's tick and high-water marks as $1..$3), as one file.
 */
Datum
sim_snapshot_export(PG_FUNCTION_ARGS)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	SimSnapFile f;
	SimSnapSection *all;
	SimSnapshotSection    *secs;
	int			nsecs,
				i;
	Datum		params[3];
	bytea	   *out;
	MemoryContext callcxt = CurrentMemoryContext;
	uint32		nstate = 0,
				j;

	SimSnapshotDecode(data, &f);
	SPI_connect();
	secs = SimSnapshotLoadRegistry("recording", &nsecs);
	all = palloc0(sizeof(SimSnapSection) * (f.nsections + nsecs + 1));
	for (j = 0; j < f.nsections; j++)
		if (f.sections[j].part == SIM_SNAP_PART_STATE)
			all[nstate++] = f.sections[j];
	params[0] = Int64GetDatum(f.tick);
	params[1] = Int64GetDatum(f.journal_hw);
	params[2] = Int64GetDatum(f.change_hw);
	PushActiveSnapshot(GetTransactionSnapshot());
	for (i = 0; i < nsecs; i++)
		capture_section(&secs[i], params, &all[nstate + i]);
	PopActiveSnapshot();
	f.sections = all;
	f.nsections = nstate + (uint32) nsecs;
	{
		MemoryContext old = MemoryContextSwitchTo(callcxt);

		out = encode_file(&f);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	PG_RETURN_BYTEA_P(out);
}
