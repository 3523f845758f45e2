/*
 * worker.c -- the ticker: a background worker that runs one tick per
 * sim.tick_interval_ms on sim.database.
 *
 * Schedule: tick slots are due at t0 + k * interval, where t0 is when the
 * ticker started (or was last resumed, re-enabled or given a new interval).
 * Overrun policy: when a tick ends after the next slot was due, the next
 * tick runs at once, and any slot that passed entirely while it ran is
 * skipped (counted in sim.status.ticks_skipped).  The ticker therefore
 * never drifts and never runs a burst of catch-up ticks; its lag behind the
 * schedule stays under one interval.  A slot whose tick is held by another
 * session (sim.step in an open transaction) is skipped the same way.
 *
 * Failures: a tick that raises an error is rolled back, logged and recorded
 * in sim.status; the ticker then waits interval * 2^failures (at most 30 s)
 * before trying again.  The server is not affected.
 *
 * Shared state: the worker publishes its pid and latch in the world header
 * under hdr->lock, so sim.resume() can wake it.
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "sim/sim.h"
#include "sim/tick.h"
#include "sim/world.h"

PGDLLEXPORT void SimWorkerMain(Datum arg);

#define SIM_MAX_BACKOFF_MS 30000

/* Register the ticker when a database is configured. */
void
SimWorkerInit(void)
{
	BackgroundWorker bgw;

	if (sim_database == NULL || sim_database[0] == '\0')
		return;
	memset(&bgw, 0, sizeof(bgw));
	bgw.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	bgw.bgw_start_time = BgWorkerStart_RecoveryFinished;
	bgw.bgw_restart_time = 5;
	snprintf(bgw.bgw_library_name, BGW_MAXLEN, "sim");
	snprintf(bgw.bgw_function_name, BGW_MAXLEN, "SimWorkerMain");
	snprintf(bgw.bgw_name, BGW_MAXLEN, "sim ticker for database %s", sim_database);
	snprintf(bgw.bgw_type, BGW_MAXLEN, "sim ticker");
	RegisterBackgroundWorker(&bgw);
}

static void
worker_detach(int code, Datum arg)
{
	SimWorld   *w = SimWorldGet();

	if (w == NULL)
		return;
	LWLockAcquire(w->hdr->lock, LW_EXCLUSIVE);
	if (w->hdr->worker_pid == MyProcPid)
	{
		w->hdr->worker_pid = 0;
		w->hdr->worker_latch = NULL;
	}
	LWLockRelease(w->hdr->lock);
}

/*
 * Pin this transaction's search_path to pg_catalog, sim, pg_temp, whatever
 * the database's or role's settings say: the ticker runs as a superuser and
 * must not resolve names through a schema anyone else may write to (sim
 * reaches PostGIS through its sim.st_* wrappers, sql/finish.sql).  Returns
 * false when sim is not installed here.
 */
static bool
pin_search_path(void)
{
	if (SPI_execute("SELECT FROM pg_catalog.pg_extension s WHERE s.extname OPERATOR(pg_catalog.=) 'sim'",
					false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not look up the extension sim");
	if (SPI_processed == 0)
		return false;
	(void) set_config_option("search_path", "pg_catalog, sim, pg_temp",
							 PGC_SUSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0, false);
	return true;
}

/* Run one tick in its own transaction; errors are caught and recorded. */
static SimTickOutcome
tick_transaction(MemoryContext tickcxt, bool *failed)
{
	volatile SimTickOutcome outcome = SIM_TICK_NO_UNIVERSE;
	volatile bool ok = true;
	int64		tick = 0;

	*failed = false;
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PG_TRY();
	{
		SPI_connect();
		PushActiveSnapshot(GetTransactionSnapshot());
		pgstat_report_activity(STATE_RUNNING, "sim tick");
		if (pin_search_path())
			outcome = SimTickRun(true, 1, &tick);
		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(tickcxt);
		edata = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		ereport(LOG,
				(errmsg("sim ticker: tick failed: %s", edata->message),
				 edata->detail ? errdetail_internal("%s", edata->detail) : 0));
		SimWorldRecordError(edata->message);
		ok = false;
	}
	PG_END_TRY();
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
	*failed = !ok;
	return outcome;
}

/* Wait on the latch until due (or a wake-up); returns at once if due has passed. */
static void
wait_until(TimestampTz due)
{
	long		ms = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), due);

	if (ms <= 0)
		return;
	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					 ms, PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
}

void
SimWorkerMain(Datum arg)
{
	SimWorld   *w;
	MemoryContext tickcxt;
	TimestampTz t0;
	int64		k = 0;
	int			interval = sim_tick_interval_ms;
	int			failures = 0;
	TimestampTz retry_at = 0;
	bool		running = false;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(sim_database, NULL, 0);

	w = SimWorldRequire();
	LWLockAcquire(w->hdr->lock, LW_EXCLUSIVE);
	w->hdr->worker_pid = MyProcPid;
	w->hdr->worker_latch = MyLatch;
	LWLockRelease(w->hdr->lock);
	on_shmem_exit(worker_detach, 0);

	tickcxt = AllocSetContextCreate(TopMemoryContext, "sim ticker", ALLOCSET_DEFAULT_SIZES);
	t0 = GetCurrentTimestamp();

	for (;;)
	{
		TimestampTz due;
		TimestampTz now;
		TimestampTz started;
		SimTickOutcome outcome;
		bool		failed;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			if (interval != sim_tick_interval_ms)
				running = false;
		}
		if (!sim_enabled)
		{
			running = false;
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 1000L, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			continue;
		}
		if (!running)
		{
			/* start a new schedule: the first tick is due one interval from now */
			interval = sim_tick_interval_ms;
			t0 = GetCurrentTimestamp();
			k = 0;
			running = true;
		}

		due = t0 + (k + 1) * (int64) interval * 1000;
		if (failures > 0)
			due = Max(due, retry_at);
		if (GetCurrentTimestamp() < due)
		{
			wait_until(due);
			continue;			/* re-check signals, settings and the clock */
		}

		MemoryContextReset(tickcxt);
		started = GetCurrentTimestamp();
		outcome = tick_transaction(tickcxt, &failed);
		now = GetCurrentTimestamp();
		failures = failed ? failures + 1 : 0;
		if (failed)
			retry_at = now + Min((int64) interval << Min(failures, 20), SIM_MAX_BACKOFF_MS) * 1000;

		if (!failed && (outcome == SIM_TICK_PAUSED || outcome == SIM_TICK_NO_UNIVERSE))
		{
			/* nothing to tick: look again in a second, and restart the schedule then */
			running = false;
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 Min(interval, 1000), PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			continue;
		}

		/*
		 * The slot just served is k+1.  If the next one is already due, it
		 * runs at once; slots whose whole interval passed meanwhile are
		 * skipped.
		 */
		{
			int64		slot_now = (now - t0) / ((int64) interval * 1000);
			int64		skipped = Max(slot_now - (k + 2), 0);
			double		lag = (double) (started - due) / 1000.0;

			k = Max(k + 1, slot_now - 1);
			if (outcome == SIM_TICK_BUSY)
				skipped++;
			LWLockAcquire(w->hdr->lock, LW_EXCLUSIVE);
			w->hdr->ticks_skipped += skipped;
			w->hdr->lag_ms = lag;
			LWLockRelease(w->hdr->lock);
		}
	}
}
