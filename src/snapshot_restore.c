/*
 * snapshot_restore.c -- a snapshot file's sections back into their tables:
 * sim.snapshot_restore, under sim.rollback, sim.import_snapshot and
 * sim.load_recording (sql/lifecycle.sql; the capture is in snapshot.c).
 *
 * Everything is checked before anything changes: the file (SimSnapshotDecode),
 * its sections against the registry and the targets' columns (names and type
 * names, SM016), its sequences against those the state targets own, and for
 * imports every value, read once in a subtransaction (SM017).  Then, with
 * session_replication_role set to replica for the call (the triggers that
 * record changes, keep tallies or check foreign keys fire only on origin:
 * the restored rows are the state; the ALWAYS and REPLICA triggers -- cache
 * invalidation, economy versions, history cover -- still fire), it empties
 * the targets (DELETE, or DELETE ... WHERE filter: no lock above ROW
 * EXCLUSIVE, see empty_targets) and inserts each section's rows in batches of
 * BATCH_ROWS, one INSERT ... SELECT (r).c, ... FROM unnest(array of the
 * target's row type) r per batch, every value read by the receive function
 * of this database's column type, and sets the sequences (check_sequences).
 * The caller holds the tick lock until its transaction ends.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "commands/sequence.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/typcache.h"

#include "sim/core/snapfile.h"
#include "sim/errcodes.h"
#include "sim/snapshot.h"

PG_FUNCTION_INFO_V1(sim_snapshot_restore);

#define BATCH_ROWS 10000

static void
foreign_layout(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_SIM_FOREIGN_SNAPSHOT),
			 errmsg("the snapshot file's tables do not match this database's"),
			 errdetail("%s", detail),
			 errhint("Import it into a database with the same sim version; nothing was changed.")));
}

/*
 * Pair each registered section of part with the file's (by name) and check
 * the columns against its target's; returns the file section per registered
 * section.
 */
static SimSnapSection **
match_sections(SimSnapFile *f, SimSnapshotSection *secs, int nsecs, int part)
{
	SimSnapSection **m = palloc0(sizeof(SimSnapSection *) * (nsecs + 1));
	uint32		j;
	int			i,
				c;

	for (j = 0; j < f->nsections; j++)
	{
		SimSnapSection *fs = &f->sections[j];
		bool		found = false;

		if (fs->part != part)
			continue;
		for (i = 0; i < nsecs; i++)
			if (strcmp(secs[i].name, fs->name) == 0)
			{
				if (m[i] != NULL)
					foreign_layout(psprintf("The file has section \"%s\" twice.", fs->name));
				m[i] = fs;
				found = true;
			}
		if (!found)
			foreign_layout(psprintf("The file has section \"%s\", which this database does not register.", fs->name));
	}
	for (i = 0; i < nsecs; i++)
	{
		SimSnapshotSection    *s = &secs[i];

		if (m[i] == NULL)
			foreign_layout(psprintf("The file has no section \"%s\".", s->name));
		SimSnapshotLoadColumns(s, s->target);
		if ((uint32) s->ncols != m[i]->ncols)
			foreign_layout(psprintf("Section \"%s\" has %u columns in the file and %d in %s.",
									s->name, m[i]->ncols, s->ncols, SimSnapshotRelName(s->target)));
		for (c = 0; c < s->ncols; c++)
			if (strcmp(s->colname[c], m[i]->colname[c]) != 0 || strcmp(s->typname[c], m[i]->coltype[c]) != 0)
				foreign_layout(psprintf("Column %d of section \"%s\" is %s %s in the file and %s %s in %s.",
										c + 1, s->name, m[i]->colname[c], m[i]->coltype[c],
										s->colname[c], s->typname[c], SimSnapshotRelName(s->target)));
	}
	return m;
}

/*
 * Check that each of the file's sequences is one of the state targets' own;
 * with apply, set each to the file's value, transactionally: ResetSequence
 * (what ALTER SEQUENCE ... RESTART and TRUNCATE ... RESTART IDENTITY do)
 * gives the sequence a new relfilenode in this transaction -- a plain
 * setval writes the sequence in place, and a crash before commit would
 * leave it moved back -- and the setval that follows writes the file's
 * last_value and is_called into that new relfilenode.  Its lock is SHARE
 * ROW EXCLUSIVE, as ALTER SEQUENCE's; under rollback it is already held
 * (sim.snapshot_hold_ticks), so nothing is waited for here.
 */
static void
check_sequences(SimSnapFile *f, bool apply)
{
	Oid			argtypes[3] = {TEXTOID, INT8OID, BOOLOID};
	uint32		i;

	for (i = 0; i < f->nseq; i++)
	{
		Datum		args[3];
		int			rc;

		args[0] = CStringGetTextDatum(f->seq[i].name);
		args[1] = Int64GetDatum(f->seq[i].last_value);
		args[2] = BoolGetDatum(f->seq[i].is_called != 0);
		if (apply)
		{
			Oid			seq = InvalidOid;
			bool		isnull = true;

			rc = SPI_execute_with_args("SELECT pg_catalog.to_regclass($1)::pg_catalog.oid", 1, argtypes, args,
									   NULL, true, 1);
			SimSnapshotSpiCheck(rc, SPI_OK_SELECT, "finding a sequence");
			if (SPI_processed == 1)
				seq = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
			if (isnull || !OidIsValid(seq))
				elog(ERROR, "sequence \"%s\" disappeared during a restore", f->seq[i].name);
			LockRelationOid(seq, ShareRowExclusiveLock);
			ResetSequence(seq);
		}
		rc = SPI_execute_with_args(apply
								   ? "SELECT pg_catalog.setval(pg_catalog.to_regclass($1), $2, $3)"
								   : "SELECT 1 FROM pg_catalog.pg_depend d "
								   "JOIN sim.snapshot_section x ON x.target = d.refobjid AND x.part = 'state' "
								   "WHERE d.objid = pg_catalog.to_regclass($1) AND d.deptype IN ('a', 'i') "
								   "AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
								   "AND $2 IS NOT NULL AND $3 IS NOT NULL",
								   3, argtypes, args, NULL, !apply, 1);
		SimSnapshotSpiCheck(rc, SPI_OK_SELECT, "checking a sequence");
		if (SPI_processed != 1)
			foreign_layout(psprintf("The file sets sequence \"%s\", which no registered table of this database owns.",
									f->seq[i].name));
	}
}

/* ---------------------------------------------------------------- restore */

typedef struct Receiver
{
	FmgrInfo	fn;
	Oid			ioparam;
	int32		typmod;
	Oid			typid;
} Receiver;

static Receiver *
receivers(SimSnapshotSection *s)
{
	Receiver   *r = palloc(sizeof(Receiver) * s->ncols);
	int			c;

	for (c = 0; c < s->ncols; c++)
	{
		Oid			fn;

		getTypeBinaryInputInfo(s->coltype[c], &fn, &r[c].ioparam);
		fmgr_info(fn, &r[c].fn);
		r[c].typmod = s->coltypmod[c];
		r[c].typid = s->coltype[c];
	}
	return r;
}

/* One field through its column's receive function; all its bytes must be used. */
static Datum
receive_field(Receiver *r, StringInfo buf, const uint8 *data, int32 len, bool *isnull)
{
	Datum		d;

	if (len < 0)
	{
		*isnull = true;
		return ReceiveFunctionCall(&r->fn, NULL, r->ioparam, r->typmod);
	}
	*isnull = false;
	resetStringInfo(buf);
	appendBinaryStringInfo(buf, (const char *) data, len);
	d = ReceiveFunctionCall(&r->fn, buf, r->ioparam, r->typmod);
	if (buf->cursor != buf->len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("a value of type %s is longer than its type reads", format_type_be(r->typid))));
	return d;
}

/*
 * Read every value of the matched sections through the receive functions,
 * in a subtransaction: any failure is SM017, and nothing has changed.
 */
static void
check_values(SimSnapshotSection *secs, SimSnapSection **m, int nsecs)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	MemoryContext scratch = AllocSetContextCreate(CurrentMemoryContext, "snapshot check",
												  ALLOCSET_DEFAULT_SIZES);
	volatile int at = 0;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(scratch);
	PG_TRY();
	{
		StringInfoData buf;
		int			i;

		initStringInfo(&buf);
		for (i = 0; i < nsecs; i++)
		{
			Receiver   *r = receivers(&secs[i]);
			uint64		pos = 0;
			const uint8 *data;
			int32		len;
			int			c = 0;

			at = i;
			while (SimSnapNextField(m[i]->raw, m[i]->raw_len, &pos, &data, &len))
			{
				bool		isnull;

				(void) receive_field(&r[c], &buf, data, len, &isnull);
				c = (c + 1) % secs[i].ncols;
			}
			MemoryContextReset(scratch);
			initStringInfo(&buf);
		}
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED || edata->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN)
			ReThrowError(edata);
		ereport(ERROR,
				(errcode(ERRCODE_SIM_CORRUPT_SNAPSHOT),
				 errmsg("the snapshot file is damaged"),
				 errdetail("A value of section \"%s\" does not read as its column's type: %s.",
						   secs[at].name, edata->message),
				 errhint("Export it again; nothing was changed.")));
	}
	PG_END_TRY();
	MemoryContextDelete(scratch);
}

/*
 * Insert the file section's rows into s's target, BATCH_ROWS at a time: one
 * array of the target's row type per batch (so array columns need nothing
 * special), expanded by INSERT ... SELECT (r).c, ... FROM unnest($1) r.
 */
static void
insert_rows(SimSnapshotSection *s, SimSnapSection *fs)
{
	Receiver   *r = receivers(s);
	Oid			reltype = get_rel_type_id(s->target);
	Oid			argtype = get_array_type(reltype);
	TupleDesc	td = lookup_rowtype_tupdesc_copy(reltype, -1);
	Datum	   *rows = palloc(sizeof(Datum) * BATCH_ROWS);
	Datum	   *values = palloc0(sizeof(Datum) * td->natts);
	bool	   *nulls = palloc(sizeof(bool) * td->natts);
	MemoryContext batch = AllocSetContextCreate(CurrentMemoryContext, "snapshot restore batch",
												ALLOCSET_DEFAULT_SIZES);
	StringInfoData q;
	StringInfoData buf;
	SPIPlanPtr	plan;
	uint64		pos = 0,
				row;
	int			c;

	if (fs->nrows == 0)
		return;
	if (!OidIsValid(argtype))
		elog(ERROR, "table %s has no array type", SimSnapshotRelName(s->target));
	initStringInfo(&q);
	appendStringInfo(&q, "INSERT INTO %s (", SimSnapshotRelName(s->target));
	for (c = 0; c < s->ncols; c++)
		appendStringInfo(&q, "%s%s", c ? ", " : "", quote_identifier(s->colname[c]));
	appendStringInfoString(&q, ") OVERRIDING SYSTEM VALUE SELECT ");
	for (c = 0; c < s->ncols; c++)
		appendStringInfo(&q, "%s(r).%s", c ? ", " : "", quote_identifier(s->colname[c]));
	appendStringInfoString(&q, " FROM pg_catalog.unnest($1) r");
	plan = SPI_prepare(q.data, 1, &argtype);
	if (plan == NULL)
		elog(ERROR, "preparing the restore of section %s failed: %s", s->name,
			 SPI_result_code_string(SPI_result));
	initStringInfo(&buf);

	for (row = 0; row < fs->nrows;)
	{
		MemoryContext old = MemoryContextSwitchTo(batch);
		int			n = 0;
		int			rc;
		int			dims[1];
		int			lbs[1] = {1};
		Datum		arg;

		for (; row < fs->nrows && n < BATCH_ROWS; row++, n++)
		{
			memset(nulls, true, sizeof(bool) * td->natts);
			for (c = 0; c < s->ncols; c++)
			{
				const uint8 *data;
				int32		len;
				int			a = s->attnum[c] - 1;

				if (!SimSnapNextField(fs->raw, fs->raw_len, &pos, &data, &len))
					elog(ERROR, "snapshot section %s ends early", s->name);
				values[a] = receive_field(&r[c], &buf, data, len, &nulls[a]);
			}
			rows[n] = heap_copy_tuple_as_datum(heap_form_tuple(td, values, nulls), td);
		}
		dims[0] = n;
		arg = PointerGetDatum(construct_md_array(rows, NULL, 1, dims, lbs, reltype, -1, false, TYPALIGN_DOUBLE));
		MemoryContextSwitchTo(old);
		rc = SPI_execute_plan(plan, &arg, NULL, false, 0);
		SimSnapshotSpiCheck(rc, SPI_OK_INSERT, "restoring a section");
		MemoryContextReset(batch);
	}
	SPI_freeplan(plan);
	MemoryContextDelete(batch);
}

/*
 * Empty the targets of the matched sections: DELETE, never TRUNCATE, so
 * that only ROW EXCLUSIVE locks are taken while the caller holds the tick
 * guard (docs/lifecycle.md, "Locks"); with foreign keys unchecked
 * (replica), the order does not matter.  A filtered section loses only the
 * rows its filter names, with the file's tick and high-water marks.
 */
static void
empty_targets(SimSnapshotSection *secs, int nsecs, SimSnapFile *f)
{
	Oid			argtypes[3] = {INT8OID, INT8OID, INT8OID};
	Datum		params[3];
	int			i,
				rc;

	params[0] = Int64GetDatum(f->tick);
	params[1] = Int64GetDatum(f->journal_hw);
	params[2] = Int64GetDatum(f->change_hw);
	for (i = 0; i < nsecs; i++)
	{
		char	   *q;

		if (secs[i].filter == NULL)
			q = psprintf("DELETE FROM %s", SimSnapshotRelName(secs[i].target));
		else
			q = psprintf("DELETE FROM %s WHERE %s", SimSnapshotRelName(secs[i].target), secs[i].filter);
		rc = SPI_execute_with_args(q, 3, argtypes, params, NULL, false, 0);
		SimSnapshotSpiCheck(rc, SPI_OK_DELETE, "emptying a section's table");
	}
}

typedef struct RestoreCtx
{
	const char *section;
} RestoreCtx;

static void
restore_context(void *arg)
{
	RestoreCtx *ctx = arg;

	if (ctx->section)
		errcontext("restoring snapshot section \"%s\"", ctx->section);
}

/*
 * SQL: sim.snapshot_restore(data bytea, part text, check_values boolean,
 * apply boolean) -- replace the rows of part's targets by the file's (see
 * the opening comment).  Everything is checked before anything changes;
 * with check_values every value is read once first (imports); without
 * apply nothing changes.
 */
Datum
sim_snapshot_restore(PG_FUNCTION_ARGS)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	char	   *part = text_to_cstring(PG_GETARG_TEXT_PP(1));
	bool		values_first = PG_GETARG_BOOL(2);
	bool		apply = PG_GETARG_BOOL(3);
	int			partno;
	SimSnapFile f;
	SimSnapshotSection    *secs;
	SimSnapSection **m;
	int			nsecs,
				i,
				nest;
	RestoreCtx	ctx = {NULL};
	ErrorContextCallback cb;

	if (strcmp(part, "state") == 0)
		partno = SIM_SNAP_PART_STATE;
	else if (strcmp(part, "recording") == 0)
		partno = SIM_SNAP_PART_RECORDING;
	else
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("part must be state or recording, not \"%s\"", part)));
	SimSnapshotDecode(data, &f);
	SPI_connect();
	secs = SimSnapshotLoadRegistry(part, &nsecs);
	m = match_sections(&f, secs, nsecs, partno);
	if (partno == SIM_SNAP_PART_STATE)
		check_sequences(&f, false);
	if (values_first)
		check_values(secs, m, nsecs);
	if (!apply)
	{
		SPI_finish();
		PG_RETURN_VOID();
	}

	/* from here on the tables change */
	nest = NewGUCNestLevel();
	(void) set_config_option("session_replication_role", "replica", PGC_SUSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	cb.callback = restore_context;
	cb.arg = &ctx;
	cb.previous = error_context_stack;
	error_context_stack = &cb;
	empty_targets(secs, nsecs, &f);
	for (i = 0; i < nsecs; i++)
	{
		ctx.section = secs[i].name;
		insert_rows(&secs[i], m[i]);
	}
	ctx.section = NULL;
	error_context_stack = cb.previous;
	AtEOXact_GUC(true, nest);
	if (partno == SIM_SNAP_PART_STATE)
		check_sequences(&f, true);
	SPI_finish();
	PG_RETURN_VOID();
}
