/*
 * notify.c -- the tick's notifications: sim_tick, and sim_sector_<id> for
 * each sector the tick touched, each carrying the universe's epoch; and
 * the sim_tick notification of a replaced universe (sim.notify_epoch:
 * rollback, import), which has a tick's shape plus "reload": true
 * (payloads in docs/clients.md).
 *
 * A tick counts its changes and builds its payloads while it runs
 * (SimNotifyTick), but queues them with Async_Notify only in the
 * transaction's pre-commit callback, the last moment PostgreSQL still takes
 * notifications (CommitTransaction runs the XACT_EVENT_PRE_COMMIT callbacks,
 * then PreCommit_Notify, then writes the commit record and flushes the
 * transaction's WAL, then signals the listeners).  So the "at" of every
 * sim_tick payload is the time the transaction began to commit, read after
 * everything the tick and its caller did before the commit: a listener's
 * receipt time minus "at" is the commit (with synchronous_commit, the WAL
 * flush) and the notification's trip, nothing else.  sim.step(n) sends
 * its n ticks' notifications in tick order, all with the one commit time.
 *
 * State: a backend-local list of the ticks whose notifications wait for
 * the commit, in TopTransactionContext, each tagged with the transaction
 * nesting level that made it.  A subtransaction that aborts drops the ticks
 * it made (the ticks' rows are gone with it); one that commits hands them
 * to its parent; the transaction's end, however it ends, empties the list.
 * A prepared transaction cannot have ticked (shmem.c refuses to prepare
 * one), so preparing sends nothing.  sim.notify_epoch's notification joins
 * the same list, so it is sent at the same moment and in order with the
 * ticks of its transaction.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "sim/notify.h"

PG_FUNCTION_INFO_V1(sim_notify_epoch);

/* Payloads stay under this many bytes (NOTIFY takes fewer than 8000). */
#define SIM_NOTIFY_MAX 7900

/* One tick's notifications, waiting for the commit. */
typedef struct PendingTick
{
	int			nest;			/* transaction nesting level that made it */
	char	   *head;			/* sim_tick payload before "at" */
	char	   *body;			/* sim_tick payload after "at", up to the sectors */
	char	   *sectors;		/* the touched sectors' ids, "1, 3" */
	char	   *notes;			/* per-sector channel and payload pairs, NUL-separated */
	int			notes_len;
} PendingTick;

static List *pending = NIL;
static bool callbacks_registered = false;
static SPIPlanPtr counts_plan = NULL;
static SPIPlanPtr epoch_plan = NULL;

/* The universe's epoch, which every payload carries. */
#define EPOCH_SQL "SELECT w.epoch FROM sim.world w"

/*
 * The tick's changes by sector and kind; rows sorted by sector, then kind
 * names in jsonb's key order (shorter first, then bytewise), so the C code
 * below writes each object's keys in the order jsonb output would.
 */
#define COUNTS_SQL \
	"SELECT c.sector_id, k.name, count(*)::bigint " \
	"  FROM sim.change c JOIN sim.change_kind k ON k.kind = c.kind " \
	" WHERE c.tick = $1 " \
	" GROUP BY c.sector_id, k.name " \
	" ORDER BY c.sector_id, octet_length(k.name), k.name COLLATE \"C\""

/* jsonb's order of object keys: shorter first, then bytewise. */
static int
key_cmp(const char *a, const char *b)
{
	size_t		la = strlen(a);
	size_t		lb = strlen(b);

	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

/* Kinds and their counts over all sectors, kept in key order. */
typedef struct KindTotals
{
	int			n;
	int			cap;
	char	  **names;
	int64	   *counts;
} KindTotals;

static void
totals_add(KindTotals *t, const char *name, int64 count)
{
	int			i;

	for (i = 0; i < t->n; i++)
	{
		int			c = key_cmp(name, t->names[i]);

		if (c == 0)
		{
			t->counts[i] += count;
			return;
		}
		if (c < 0)
			break;
	}
	if (t->n == t->cap)
	{
		t->cap = t->cap == 0 ? 8 : t->cap * 2;
		t->names = t->names ? repalloc(t->names, t->cap * sizeof(char *)) : palloc(t->cap * sizeof(char *));
		t->counts = t->counts ? repalloc(t->counts, t->cap * sizeof(int64)) : palloc(t->cap * sizeof(int64));
	}
	memmove(&t->names[i + 1], &t->names[i], (t->n - i) * sizeof(char *));
	memmove(&t->counts[i + 1], &t->counts[i], (t->n - i) * sizeof(int64));
	t->names[i] = pstrdup(name);
	t->counts[i] = count;
	t->n++;
}

/* Append "key": count to a JSON object being written in *buf. */
static void
append_count(StringInfo buf, bool first, const char *name, int64 count)
{
	if (!first)
		appendStringInfoString(buf, ", ");
	escape_json(buf, name);
	appendStringInfo(buf, ": " INT64_FORMAT, count);
}

/* Send every pending tick's notifications, stamped with the time now. */
static void
send_pending(void)
{
	const char *at = timestamptz_to_str(GetCurrentTimestamp());
	StringInfoData payload;
	ListCell   *lc;

	initStringInfo(&payload);
	foreach(lc, pending)
	{
		PendingTick *t = (PendingTick *) lfirst(lc);
		char	   *p;

		resetStringInfo(&payload);
		appendStringInfo(&payload, "%s, \"at\": \"%s\"%s", t->head, at, t->body);
		if (payload.len + strlen(t->sectors) + 32 < SIM_NOTIFY_MAX)
			appendStringInfo(&payload, ", \"sectors\": [%s]}", t->sectors);
		else
			appendStringInfoString(&payload, ", \"sectors_truncated\": true}");
		Async_Notify("sim_tick", payload.data);

		for (p = t->notes; p < t->notes + t->notes_len;)
		{
			char	   *channel = p;
			char	   *body = channel + strlen(channel) + 1;

			Async_Notify(channel, body);
			p = body + strlen(body) + 1;
		}
	}
	pending = NIL;
}

/* Send the pending ticks' notifications at pre-commit; forget them at the end. */
static void
notify_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
			if (pending != NIL)
				send_pending();
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			pending = NIL;		/* its memory goes with TopTransactionContext */
			break;
		default:
			break;
	}
}

/* Drop the ticks of an aborted subtransaction; pass a committed one's up. */
static void
notify_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						SubTransactionId parentSubid, void *arg)
{
	int			level = GetCurrentTransactionNestLevel();
	ListCell   *lc;

	if (pending == NIL)
		return;
	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		foreach(lc, pending)
		{
			if (((PendingTick *) lfirst(lc))->nest >= level)
				pending = foreach_delete_current(pending, lc);
		}
	}
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		foreach(lc, pending)
		{
			PendingTick *t = (PendingTick *) lfirst(lc);

			if (t->nest >= level)
				t->nest = level - 1;
		}
	}
}

/* Register the transaction callbacks that send or drop the pending list. */
static void
register_callbacks(void)
{
	if (!callbacks_registered)
	{
		RegisterXactCallback(notify_xact_callback, NULL);
		RegisterSubXactCallback(notify_subxact_callback, NULL);
		callbacks_registered = true;
	}
}

/* The universe's epoch (SPI connected); 0 when there is no universe. */
static int64
read_epoch(void)
{
	bool		isnull;

	if (epoch_plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(EPOCH_SQL, 0, NULL);

		if (p == NULL || SPI_keepplan(p) != 0)
			elog(ERROR, "could not prepare the read of the epoch");
		epoch_plan = p;
	}
	if (SPI_execute_plan(epoch_plan, NULL, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the epoch");
	if (SPI_processed == 0)
		return 0;
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/* Queue one sim_tick payload (head, body, sectors) and its sector notes. */
static void
queue_pending(const char *head, const char *body, const char *sectors,
			  const char *notes, int notes_len)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(TopTransactionContext);
	PendingTick *t = palloc(sizeof(PendingTick));

	t->nest = GetCurrentTransactionNestLevel();
	t->head = pstrdup(head);
	t->body = pstrdup(body);
	t->sectors = pstrdup(sectors);
	t->notes = palloc(notes_len + 1);
	memcpy(t->notes, notes, notes_len + 1);
	t->notes_len = notes_len;
	pending = lappend(pending, t);
	MemoryContextSwitchTo(oldcxt);
}

/* Count the tick's changes and queue its notifications for the commit (notify.h). */
void
SimNotifyTick(const SimTickReport *report)
{
	Oid			types[1] = {INT8OID};
	Datum		vals[1];
	StringInfoData body;
	StringInfoData totals;
	StringInfoData sectors;
	StringInfoData one;
	StringInfoData notes;
	KindTotals	kinds = {0, 0, NULL, NULL};
	int64		total = 0;
	int			nsectors = 0;
	uint64		i;
	int64		epoch;

	register_callbacks();
	epoch = read_epoch();
	if (counts_plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(COUNTS_SQL, 1, types);

		if (p == NULL || SPI_keepplan(p) != 0)
			elog(ERROR, "could not prepare the count of the tick's changes");
		counts_plan = p;
	}
	vals[0] = Int64GetDatum(report->tick);
	if (SPI_execute_plan(counts_plan, vals, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not count the tick's changes");

	initStringInfo(&sectors);
	initStringInfo(&one);
	initStringInfo(&notes);
	for (i = 0; i < SPI_processed;)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int32		sector = DatumGetInt32(SPI_getbinval(row, desc, 1, &isnull));
		bool		first = true;

		/* this sector's rows: one per kind, in key order */
		resetStringInfo(&one);
		appendStringInfoChar(&one, '{');
		for (; i < SPI_processed; i++)
		{
			char	   *name;
			int64		count;

			row = SPI_tuptable->vals[i];
			if (DatumGetInt32(SPI_getbinval(row, desc, 1, &isnull)) != sector)
				break;
			name = TextDatumGetCString(SPI_getbinval(row, desc, 2, &isnull));
			count = DatumGetInt64(SPI_getbinval(row, desc, 3, &isnull));
			append_count(&one, first, name, count);
			first = false;
			totals_add(&kinds, name, count);
			total += count;
		}
		appendStringInfoChar(&one, '}');
		if (sector == 0)		/* changes of no sector (wallets) */
			continue;
		appendStringInfo(&sectors, "%s%d", nsectors > 0 ? ", " : "", sector);
		nsectors++;
		appendStringInfo(&notes, "sim_sector_%d", sector);
		appendStringInfoChar(&notes, '\0');
		appendStringInfo(&notes, "{\"tick\": " INT64_FORMAT ", \"epoch\": " INT64_FORMAT
						 ", \"sector\": %d, \"changes\": %s}",
						 report->tick, epoch, sector, one.data);
		appendStringInfoChar(&notes, '\0');
	}

	initStringInfo(&totals);
	appendStringInfoChar(&totals, '{');
	for (i = 0; i < (uint64) kinds.n; i++)
		append_count(&totals, i == 0, kinds.names[i], kinds.counts[i]);
	appendStringInfoChar(&totals, '}');

	initStringInfo(&body);
	appendStringInfo(&body,
					 ", \"ships_in_flight\": %u, \"arrivals\": %d, \"commands\": %d, \"rejected\": %d, "
					 "\"ms\": %.3f, \"changes\": %s, \"changes_total\": " INT64_FORMAT ", \"sectors_touched\": %d",
					 report->ships_in_flight, report->arrivals, report->commands, report->rejected,
					 report->ms, totals.data, total, nsectors);

	queue_pending(psprintf("{\"tick\": " INT64_FORMAT ", \"epoch\": " INT64_FORMAT, report->tick, epoch),
				  body.data, sectors.data, notes.data, notes.len);
}

/*
 * SQL: sim.notify_epoch() -- queue, for the caller's commit, the sim_tick
 * notification of a replaced universe: the shape of a tick's payload at
 * the current tick and epoch, with nothing counted, and "reload": true.
 * No sector notification goes with it.  Without a universe it does nothing.
 */
Datum
sim_notify_epoch(PG_FUNCTION_ARGS)
{
	bool		isnull;
	int64		tick;
	int64		epoch;
	int64		flying;

	register_callbacks();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "could not connect to SPI");
	if (SPI_execute("SELECT w.tick, w.epoch, (SELECT count(*) FROM sim.ship s WHERE s.state = 'flying') "
					"  FROM sim.world w", false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the world");
	if (SPI_processed > 0)
	{
		HeapTuple	row = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;

		tick = DatumGetInt64(SPI_getbinval(row, desc, 1, &isnull));
		epoch = DatumGetInt64(SPI_getbinval(row, desc, 2, &isnull));
		flying = DatumGetInt64(SPI_getbinval(row, desc, 3, &isnull));
		queue_pending(psprintf("{\"tick\": " INT64_FORMAT ", \"epoch\": " INT64_FORMAT, tick, epoch),
					  psprintf(", \"ships_in_flight\": " INT64_FORMAT ", \"arrivals\": 0, \"commands\": 0, "
							   "\"rejected\": 0, \"ms\": 0.000, \"changes\": {}, \"changes_total\": 0, "
							   "\"sectors_touched\": 0, \"reload\": true", flying),
					  "", "", 0);
	}
	SPI_finish();
	PG_RETURN_VOID();
}
