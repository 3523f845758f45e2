/*
 * changes.c -- the tick a change is recorded under, and the generator's mute.
 *
 * The change record (sql/deltas.sql) labels each change with a tick.  Inside
 * a tick that is the tick being run.  Outside one it is the next tick; the
 * writer first takes the tick guard (SimTickGuard: the cluster's tick lock in
 * share mode until its transaction ends), so that tick cannot commit before
 * the writer does, and reads the universe's tick with the latest snapshot,
 * so a transaction that began before the last tick still labels its changes
 * after it.  Together these make "every change up to the last committed
 * tick" complete the moment a reader sees that tick.
 *
 * State: one backend-local flag (the generator's mute), reset when the
 * transaction ends.
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "storage/proc.h"
#include "utils/snapmgr.h"

#include "sim/sim.h"
#include "sim/world.h"

PG_FUNCTION_INFO_V1(sim_change_tick);
PG_FUNCTION_INFO_V1(sim_mute_changes);
PG_FUNCTION_INFO_V1(sim_change_horizon);

static bool changes_muted = false;
static SPIPlanPtr tick_plan = NULL;
static SPIPlanPtr horizon_plan = NULL;

/* sim_change_tick's answer in transaction cached_lxid, after tick cached_after_tick (-1: NULL) */
static LocalTransactionId cached_lxid = InvalidLocalTransactionId;
static int64 cached_after_tick = -1;
static int64 cached_tick = -1;

static void
changes_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
		changes_muted = false;
}

/* Hook transaction ends (any backend that loads sim). */
void
SimChangesInit(void)
{
	RegisterXactCallback(changes_xact_callback, NULL);
}

/*
 * The bigint the one-row query returns, read with the latest snapshot (not
 * the transaction's): false when it returns no row.  *plan caches the
 * query's plan for the session (the triggers call this for every statement).
 */
static bool
latest_int64(const char *query, SPIPlanPtr *plan, int64 *value)
{
	bool		isnull;
	bool		found;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "could not connect to SPI");
	if (*plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(query, 0, NULL);

		if (p == NULL || SPI_keepplan(p) != 0)
			elog(ERROR, "could not prepare \"%s\"", query);
		*plan = p;
	}
	if (SPI_execute_snapshot(*plan, NULL, NULL, GetLatestSnapshot(), InvalidSnapshot,
							 true, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not run \"%s\"", query);
	found = SPI_processed > 0;
	if (found)
		*value = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	return found;
}

/* SQL: sim.change_tick() -- see the file comment; NULL when not recorded. */
Datum
sim_change_tick(PG_FUNCTION_ARGS)
{
	int64		tick;

	if (SimInTick && SimCurrentTick >= 0)
		PG_RETURN_INT64(SimCurrentTick);
	if (changes_muted)
		PG_RETURN_NULL();

	SimTickGuard();

	/*
	 * With the guard held no tick commits until this transaction ends: the
	 * answer stands for the rest of it, unless this backend ticks itself
	 * (sim.step), which moves SimCurrentTick.
	 */
	if (cached_lxid == MyProc->lxid && cached_after_tick == SimCurrentTick)
	{
		if (cached_tick < 0)
			PG_RETURN_NULL();
		PG_RETURN_INT64(cached_tick);
	}
	/* no universe, or a restored one whose record the next tick starts */
	if (!latest_int64("SELECT w.tick FROM sim.world w, sim.change_log l", &tick_plan, &tick))
		tick = -2;
	cached_lxid = MyProc->lxid;
	cached_after_tick = SimCurrentTick;
	cached_tick = tick + 1;
	if (cached_tick < 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64(cached_tick);
}

/*
 * SQL: sim.change_horizon() -- the record's horizon as last committed, even
 * in a transaction whose snapshot is older: a reader that holds the record
 * (so no partition can go) and then checks this one knows every partition
 * after it is there.  NULL before the first universe.
 */
Datum
sim_change_horizon(PG_FUNCTION_ARGS)
{
	int64		horizon;

	if (!latest_int64("SELECT horizon FROM sim.change_log", &horizon_plan, &horizon))
		PG_RETURN_NULL();
	PG_RETURN_INT64(horizon);
}

/* SQL: sim.mute_changes(muted) -- record nothing outside ticks while muted, at most until this transaction ends. */
Datum
sim_mute_changes(PG_FUNCTION_ARGS)
{
	changes_muted = PG_GETARG_BOOL(0);
	/* the generator and a reset mute the record while they remake the universe */
	cached_lxid = InvalidLocalTransactionId;
	PG_RETURN_VOID();
}
