/*
 * api_control.c -- SQL functions that drive and watch the ticker:
 * sim.step, sim.wake_ticker, sim.ticker_state.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "sim/core/kinematics.h"
#include "sim/core/limits.h"
#include "sim/guard.h"
#include "sim/sim.h"
#include "sim/tick.h"
#include "sim/world.h"

PG_FUNCTION_INFO_V1(sim_step);
PG_FUNCTION_INFO_V1(sim_wake_ticker);
PG_FUNCTION_INFO_V1(sim_ticker_state);

/* sim.step(n): run n ticks in the caller's transaction; returns the new tick. */
Datum
sim_step(PG_FUNCTION_ARGS)
{
	int32		n;
	int64		tick = 0;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("n must not be null")));
	n = PG_GETARG_INT32(0);

	if (n < 1 || n > SIM_LIMIT_STEP_TICKS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sim.step needs between 1 and %d ticks, not %d", SIM_LIMIT_STEP_TICKS, n),
				 errhint("Run more ticks in several calls.")));
	(void) SimWorldRequire();
	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("sim.step must run at READ COMMITTED isolation"),
				 errdetail("A tick reads the latest committed commands and world state.")));

	SPI_connect();
	(void) SimTickRun(false, n, &tick);
	SPI_finish();
	PG_RETURN_INT64(tick);
}

/* sim.wake_ticker(): make the ticker re-read its state now. */
Datum
sim_wake_ticker(PG_FUNCTION_ARGS)
{
	SimWorld   *w = SimWorldGet();

	if (w != NULL)
	{
		LWLockAcquire(w->hdr->lock, LW_SHARED);
		if (w->hdr->worker_latch != NULL)
			SetLatch(w->hdr->worker_latch);
		LWLockRelease(w->hdr->lock);
	}
	PG_RETURN_VOID();
}

/*
 * sim.ticker_state(): the shared-memory side of sim.status, the last wait of
 * a tick for commands included (NULLs when not preloaded).
 */
Datum
sim_ticker_state(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[16];
	bool		nulls[16];
	SimWorld   *w = SimWorldGet();
	SimGuardWait wait;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	memset(nulls, true, sizeof(nulls));
	values[8] = CStringGetTextDatum(SimKernelName(w ? w->hdr->kernel : SimKernelChosen()));
	nulls[8] = false;
	if (w != NULL)
	{
		SimShared  *h = w->hdr;

		LWLockAcquire(h->lock, LW_SHARED);
		values[0] = BoolGetDatum(h->loaded);
		nulls[0] = false;
		if (h->worker_pid != 0)
		{
			values[1] = Int32GetDatum(h->worker_pid);
			nulls[1] = false;
		}
		values[2] = Int64GetDatum(h->grid_tick[pg_atomic_read_u32(&h->published)]);
		nulls[2] = false;
		values[3] = Int64GetDatum(h->nships);
		nulls[3] = false;
		values[4] = Float8GetDatum(h->lag_ms);
		nulls[4] = false;
		values[5] = Int64GetDatum(h->ticks_skipped);
		nulls[5] = false;
		if (h->last_error[0] != '\0')
		{
			values[6] = CStringGetTextDatum(h->last_error);
			values[7] = TimestampTzGetDatum(h->last_error_at);
			nulls[6] = nulls[7] = false;
		}
		LWLockRelease(h->lock);
	}
	if (SimGuardLastWait(&wait))
	{
		values[9] = Int64GetDatum(wait.waits);
		values[14] = Int64GetDatum(wait.ended);
		values[15] = BoolGetDatum(wait.held_off);
		nulls[9] = nulls[14] = nulls[15] = false;
		if (wait.action != SIM_GUARD_NONE)
		{
			values[10] = TimestampTzGetDatum(wait.at);
			values[11] = Float8GetDatum(wait.ms);
			values[13] = CStringGetTextDatum(SimGuardActionName(wait.action));
			nulls[10] = nulls[11] = nulls[13] = false;
			if (wait.pid != 0)
			{
				values[12] = Int32GetDatum(wait.pid);
				nulls[12] = false;
			}
		}
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
