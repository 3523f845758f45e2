/*
 * tick.c -- one tick of the universe, inside the caller's transaction.
 *
 * The ticker worker and sim.step() both run SimTickRun(); it must be called
 * with SPI connected and a snapshot active.  sim.step(n) runs its n ticks
 * under one lock and writes the counter once, so long steps stay linear.  The row lock on sim.world that
 * it takes first serialises ticks and guards the shared-memory world (see
 * shmem.c).  Steps, in order:
 *   1. lock sim.world and the tick lock (waiting for commands a bounded
 *      time, guard.c), advance the tick counter; keep the change record's
 *      partitions, and the history's (sim.maintain_history: roll up the
 *      period that ended with the last tick, while the tables still hold its
 *      end, create partitions ahead, drop what is past the retention);
 *   2. apply the commands committed since the last tick, in id order;
 *   3. wake the ships whose arrival is due (event queue): next leg or stop;
 *   4. evaluate every ship's position (SIMD kernel);
 *   5. build the spatial grid into the unpublished buffer;
 *   6. hash the tick's change record, chained from the previous tick's
 *      hash (sql/state_hash.sql), record the tick, trim history, NOTIFY
 *      sim_tick; the chain's head is written to sim.world with the counter.
 * The grid is published when the transaction commits; an abort makes the
 * next tick reload the world from the tables.
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "storage/pmsignal.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "sim/economy.h"
#include "sim/leg_row.h"
#include "sim/navigation.h"
#include "sim/notify.h"
#include "sim/sim.h"
#include "sim/sql.h"
#include "sim/tick.h"
#include "sim/world.h"

int64		SimCurrentTick = -1;

PG_FUNCTION_INFO_V1(sim_current_tick);

/* Ticks stay below 2^53 so that they are exact as doubles in the kernels. */
#define SIM_MAX_TICK (INT64CONST(1) << 53)

typedef struct TickCounts
{
	int			commands;
	int			rejected;
	int			arrivals;
} TickCounts;

/* Step 1: the history's rollups, partitions and retention (sql/history.sql). */
static SimStmt st_history = {.sql = "SELECT sim.maintain_history($1)", .nargs = 1, .types = {INT8OID}};

/* Step 6: the tick's state hash, chained from the previous tick's. */
static SimStmt st_hash = {.sql = "SELECT sim.tick_hash($1, $2)", .nargs = 2, .types = {INT8OID, BYTEAOID}};

/* Mark the tick's commands applied, or rejected with their reasons (NULL: applied), at once. */
static SimStmt st_finish = {.sql = "UPDATE sim.command c SET status = CASE WHEN u.err IS NULL THEN 'applied' "
	"ELSE 'rejected' END, applied_tick = $3[1], error = u.err FROM unnest($1, $2) AS u(id, err) WHERE c.id = u.id",
.nargs = 3};

/* Put a ship's current leg (from its row) into its slot. */
static void
sync_slot(SimWorld *w, int64 ship_id, const SimLeg *leg, int64 arrival)
{
	int32		slot = SimWorldSlot(w, ship_id);

	if (slot < 0)
		elog(ERROR, "ship " INT64_FORMAT " is missing from the shared-memory world", ship_id);
	SimWorldSetLeg(w, (uint32) slot, leg, arrival);
}

/*
 * Whether an error raised while applying a command is the command's own,
 * so the command is rejected, or a passing condition of the server (a
 * cancel or shutdown, a serialization failure or deadlock, a lock not
 * available, out of memory or disk, an I/O error), so the tick fails and
 * the command stays pending for the next tick.  A rejection is recorded for
 * good, so it must follow from the tables alone, or replaying the same
 * commands would not give the same world; an error that would repeat every
 * time (a constraint, a recursion too deep, an internal error reached by
 * odd data) rejects the command, so it cannot hold the universe up.
 */
static bool
command_error(int sqlerrcode)
{
	switch (sqlerrcode)
	{
		case ERRCODE_LOCK_NOT_AVAILABLE:	/* 55P03: lock_timeout, NOWAIT */
		case ERRCODE_OBJECT_IN_USE: /* 55006 */
			return false;
	}
	switch (ERRCODE_TO_CATEGORY(sqlerrcode))
	{
		case ERRCODE_TRANSACTION_ROLLBACK:	/* 40: serialization, deadlock */
		case ERRCODE_INSUFFICIENT_RESOURCES:	/* 53: out of memory, disk full */
		case ERRCODE_OPERATOR_INTERVENTION: /* 57: cancel, shutdown */
		case ERRCODE_SYSTEM_ERROR:	/* 58: I/O */
			return false;
		default:
			return true;
	}
}

/*
 * Apply one command in an internal subtransaction: a command that cannot be
 * flown is rejected with its reason, and one that raises an error of its own
 * (a constraint, a bad plan; see command_error) is rejected with the error's
 * message instead of failing the whole tick; a passing condition of the
 * server fails the tick.
 * Returns NULL when applied, else the reason.  The shared world is updated
 * only once the subtransaction has committed.
 */
static const char *
apply_command(SimWorld *w, int64 tick, int64 ship, const char *kind,
			  const SimDestination *dest, const char *mode_text, int32 faction)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	const char *volatile reason = NULL;
	volatile bool flying = false;
	volatile int64 wake = -1;
	SimJourney	j;

	memset(&j, 0, sizeof(j));
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		SimNavError err;
		SimMode		mode;

		if (strcmp(kind, "navigate") == 0)
		{
			if (!SimParseMode(mode_text, &mode, &err) ||
				!SimPlanShipJourney(ship, dest, mode, faction, tick, &j, &err))
				reason = err.message;
			else
			{
				SimJourneyStore(ship, &j);
				flying = true;
			}
		}
		else if (strcmp(kind, "dock") == 0 || strcmp(kind, "mine") == 0)
		{
			Oid			types[5] = {TEXTOID, INT8OID, INT8OID, INT4OID, INT8OID};
			Datum		vals[5];
			char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
			bool		isnull;

			vals[0] = CStringGetTextDatum(kind);
			vals[1] = Int64GetDatum(ship);
			vals[2] = Int64GetDatum(dest->id);
			if (dest->kind == NULL)
				nulls[2] = 'n';
			vals[3] = Int32GetDatum(faction);
			if (faction == SIM_ANY_FACTION)
				nulls[3] = 'n';
			vals[4] = Int64GetDatum(tick);
			if (SPI_execute_with_args("SELECT sim.apply_state_command($1, $2, $3, $4, $5)",
									  5, types, vals, nulls, false, 0) != SPI_OK_SELECT)
				elog(ERROR, "could not apply a state command");
			wake = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		}
		else if (!SimCheckUndock(ship, faction, &err))
			reason = err.message;
		else
		{
			Oid			types[1] = {INT8OID};
			Datum		vals[1] = {Int64GetDatum(ship)};
			bool		isnull;

			if (SPI_execute_with_args("UPDATE sim.ship SET state = 'undocking', "
									  "wake_tick = sim.current_tick() + (SELECT undock_ticks FROM sim.economy) "
									  "WHERE id = $1 RETURNING wake_tick",
									  1, types, vals, NULL, false, 0) != SPI_OK_UPDATE_RETURNING ||
				SPI_processed != 1)
				elog(ERROR, "could not undock ship");
			wake = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
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
		if (!command_error(edata->sqlerrcode))
			ReThrowError(edata);
		reason = edata->message;
		flying = false;
		wake = -1;
	}
	PG_END_TRY();

	if (flying)
		sync_slot(w, ship, &j.legs[0].leg, j.legs[0].arrival_tick);
	else if (wake >= 0 && SimWorldSlot(w, ship) >= 0)
		SimWorldSetWake(w, (uint32) SimWorldSlot(w, ship), wake);
	return reason;
}

static SimStmt st_commands = {.sql = "SELECT c.id, c.ship_id, c.kind, c.dest_kind, c.dest_id, c.dest_x, c.dest_y, "
	"c.dest_z, c.mode, (CASE WHEN c.player_id IS NULL THEN -1 ELSE p.faction_id END)::bigint "
	"FROM sim.command c LEFT JOIN sim.player p ON p.id = c.player_id "
	"WHERE c.status = 'pending' ORDER BY c.id"};

/*
 * Step 2: apply pending commands, in id order, each in its own
 * subtransaction (one command's error rejects it alone); their statuses
 * are written at once.
 */
static void
apply_commands(SimWorld *w, int64 tick, TickCounts *counts)
{
	SPITupleTable *cmds;
	uint64		ncmds;
	uint64		i;
	SimCol		done[3];

	SimStmtRun(&st_commands, NULL, NULL, SPI_OK_SELECT);
	cmds = SPI_tuptable;
	ncmds = SPI_processed;
	SimColInit(&done[0], INT8OID);
	SimColInit(&done[1], TEXTOID);
	SimColInit(&done[2], INT8OID);
	SimColI64(&done[2], tick, false);
	for (i = 0; i < ncmds; i++)
	{
		int64		id;
		int64		ship;
		char	   *kind;
		int32		faction;
		char	   *mode;
		SimDestination dest;
		const char *reason;

		SPI_tuptable = cmds;
		id = SimGetInt64(i, 1, 0);
		ship = SimGetInt64(i, 2, 0);
		kind = SimGetText(i, 3);
		faction = (int32) SimGetInt64(i, 10, -1);
		mode = SimGetText(i, 9);
		memset(&dest, 0, sizeof(dest));
		dest.kind = SimGetText(i, 4);
		dest.id = SimGetInt64(i, 5, 0);
		dest.point[0] = SimGetFloat8(i, 6, 0.0);
		dest.point[1] = SimGetFloat8(i, 7, 0.0);
		dest.point[2] = SimGetFloat8(i, 8, 0.0);

		reason = apply_command(w, tick, ship, kind, &dest, mode, faction);
		SimColI64(&done[0], id, false);
		SimColText(&done[1], reason);
		counts->commands++;
		if (reason)
			counts->rejected++;
	}
	SimStmtRunCols(&st_finish, done, 3, SPI_OK_UPDATE);
}

/* Ships on a leg at tick (moving or not yet arrived). */
static uint32
flying_count(SimWorld *w, int64 tick)
{
	uint32		n = 0;
	uint32		i;

	for (i = 0; i < w->hdr->nships; i++)
		if (w->legs.accel[i] > 0 && w->arrival[i] != SIM_NO_ARRIVAL)
			n++;
	return n;
}

/*
 * Steps 2-6 of one tick; the caller holds the tick and advances sim.world.
 * waited_ms is how long it waited for commands to take the tick lock.
 * prev is the previous tick's state hash; returns this tick's, allocated in
 * the current (SPI) memory context.
 */
static bytea *
tick_once(SimWorld *w, int64 tick, bool from_worker, double waited_ms, bytea *prev)
{
	SimShared  *h = w->hdr;
	instr_time	start;
	instr_time	elapsed;
	TickCounts	counts = {0, 0, 0};
	uint32		slot;
	int64		due;
	SimStateColumns out;
	int			buffer;
	uint32		nbuckets;
	double		ms;
	uint32		in_flight;
	uint32	   *due_slots;
	int			ndue;
	SimTickReport report;
	Oid			types[8] = {INT8OID, FLOAT8OID, INT4OID, INT4OID, INT4OID, TEXTOID, FLOAT8OID, BYTEAOID};
	Datum		vals[8];
	Datum		hvals[2];
	bool		isnull;
	bytea	   *hash;

	INSTR_TIME_SET_CURRENT(start);
	SimCurrentTick = tick;

	/* the change record's partitions for this tick and the next */
	vals[0] = Int64GetDatum(tick);
	if (SPI_execute_with_args("SELECT sim.maintain_changes($1)", 1, types, vals, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not maintain the change record");
	SimStmtRun(&st_history, vals, NULL, SPI_OK_SELECT);

	/* 2. commands */
	apply_commands(w, tick, &counts);

	/* 3. wake the ships whose event is due; stations, NPCs and markets */
	ndue = 0;
	due_slots = palloc(Max(w->queue->count, 1) * sizeof(uint32));
	while (SimEventQPopDue(w->queue, tick, &slot, &due))
	{
		w->arrival[slot] = SIM_NO_ARRIVAL;
		due_slots[ndue++] = slot;
	}
	SimEconomyTick(w, tick, due_slots, ndue, &counts.arrivals);
	in_flight = flying_count(w, tick);

	/* 4. kinematics */
	out.px = w->px;
	out.py = w->py;
	out.pz = w->pz;
	out.vx = out.vy = out.vz = NULL;
	h->kernel = SimKernelChosen();
	SimKinematicsEvalVariant(h->kernel, &w->legs, h->nships, (double) tick, &out);

	/* 5. spatial index, into the buffer readers are not using */
	buffer = 1 - (int) pg_atomic_read_u32(&h->published);
	pg_atomic_fetch_add_u64(&h->grid_seq[buffer], 1);
	pg_write_barrier();
	/*
	 * About one bucket per ship, so the build's cost follows the ships, not
	 * the capacity.  The layout stays the one made for h->nbuckets, so a
	 * reader still inside this buffer from an older tick never indexes out
	 * of it (its seqlock then makes it retry).
	 */
	nbuckets = 1024;
	while (nbuckets < h->nships && nbuckets < h->nbuckets)
		nbuckets <<= 1;
	w->grid[buffer]->nbuckets = nbuckets;
	SimGridBuild(w->grid[buffer], w->px, w->py, w->pz, w->id, h->nships, w->scratch);
	h->grid_tick[buffer] = tick;
	h->grid_db[buffer] = MyDatabaseId;
	pg_write_barrier();
	pg_atomic_fetch_add_u64(&h->grid_seq[buffer], 1);
	SimWorldTickDone(w, buffer);

	/* 6. the state hash (every change of this tick is written by now), and record */
	hvals[0] = Int64GetDatum(tick);
	hvals[1] = PointerGetDatum(prev);
	SimStmtRun(&st_hash, hvals, NULL, SPI_OK_SELECT);
	if (SPI_processed != 1)
		elog(ERROR, "could not hash tick " INT64_FORMAT, tick);
	hash = DatumGetByteaPCopy(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (isnull)
		elog(ERROR, "could not hash tick " INT64_FORMAT, tick);
	INSTR_TIME_SET_CURRENT(elapsed);
	INSTR_TIME_SUBTRACT(elapsed, start);
	ms = INSTR_TIME_GET_MILLISEC(elapsed);
	vals[0] = Int64GetDatum(tick);
	vals[1] = Float8GetDatum(ms);
	vals[2] = Int32GetDatum((int32) in_flight);
	vals[3] = Int32GetDatum(counts.arrivals);
	vals[4] = Int32GetDatum(counts.commands);
	vals[5] = CStringGetTextDatum(from_worker ? "worker" : "step");
	vals[6] = Float8GetDatum(waited_ms);
	vals[7] = PointerGetDatum(hash);
	if (SPI_execute_with_args("INSERT INTO sim.tick_log (tick, finished_at, duration_ms, ships_in_flight, "
							  "arrivals, commands, source, waited_ms, state_hash) "
							  "VALUES ($1, clock_timestamp(), $2, $3, $4, $5, $6, $7, $8)",
							  8, types, vals, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not record tick");

	report.tick = tick;
	report.ships_in_flight = in_flight;
	report.arrivals = counts.arrivals;
	report.commands = counts.commands;
	report.rejected = counts.rejected;
	report.ms = ms;
	SimNotifyTick(&report);
	return hash;
}

SimTickOutcome
SimTickRun(bool from_worker, int ticks, int64 *tick_out)
{
	SimWorld   *w = SimWorldRequire();
	int64		tick;
	bool		isnull;
	int			i;
	Oid			types[3] = {INT8OID, INT8OID, BYTEAOID};
	Datum		vals[3];
	double		waited_ms;
	bytea	   *hash;
	bytea	   *next;
	MemoryContext outer = CurrentMemoryContext;
	MemoryContext oldcxt;

	/* 1. take the tick: this row lock serialises every tick */
	if (SPI_execute(from_worker
					? "SELECT tick, paused, state_hash FROM sim.world FOR UPDATE SKIP LOCKED"
					: "SELECT tick, paused, state_hash FROM sim.world FOR UPDATE",
					false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not lock sim.world");
	/* a rollback that committed while this waited replaced the row: take the new one */
	if (SPI_processed == 0 && !from_worker &&
		SPI_execute("SELECT tick, paused, state_hash FROM sim.world FOR UPDATE", false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not lock sim.world");
	if (SPI_processed == 0)
	{
		if (!from_worker)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("there is no universe to tick"),
					 errhint("Create one with sim.generate_universe().")));
		if (SPI_execute("SELECT 1 FROM sim.world", false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read sim.world");
		return SPI_processed == 0 ? SIM_TICK_NO_UNIVERSE : SIM_TICK_BUSY;
	}
	tick = SimGetInt64(0, 1, 0);
	if (from_worker && DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull)))
		return SIM_TICK_PAUSED;
	hash = DatumGetByteaPCopy(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));

	/*
	 * The shared world is one per cluster: one tick at a time in any
	 * database.  Sessions changing ships or the economy hold this lock in
	 * share mode until they commit; the tick waits for them (and new ones
	 * queue behind it), so a steady stream of commands cannot starve ticks,
	 * and ends the transactions of those that are not operators' when they
	 * make it wait too long (guard.c).
	 */
	waited_ms = SimTickLockAcquire();

	SimWorldTickBegin();
	SimWorldAwaitPublish(w);
	SimVocabCheck();			/* once per backend: the tables match this library */
	SimWorldEnsureLoaded(w);

	if (tick > SIM_MAX_TICK - ticks)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("the tick counter would pass 2^53"),
				 errdetail("The universe is at tick " INT64_FORMAT "; ticks must stay exact as doubles.", tick)));

	for (i = 0; i < ticks; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!PostmasterIsAlive())
			ereport(FATAL,
					(errcode(ERRCODE_ADMIN_SHUTDOWN),
					 errmsg("terminating sim.step because the postmaster died")));
		/* each tick's SPI results and scratch are freed when it ends */
		SPI_connect();
		next = tick_once(w, ++tick, from_worker, i == 0 ? waited_ms : 0.0, hash);
		oldcxt = MemoryContextSwitchTo(outer);
		next = DatumGetByteaPCopy(PointerGetDatum(next));
		MemoryContextSwitchTo(oldcxt);
		SPI_finish();
		pfree(hash);
		hash = next;
	}

	/* the counter and the history's retention, once for all these ticks */
	vals[0] = Int64GetDatum(tick);
	vals[1] = Int64GetDatum(tick - sim_tick_history);
	vals[2] = PointerGetDatum(hash);
	if (SPI_execute_with_args("UPDATE sim.world SET tick = $1, state_hash = $3", 3, types, vals, NULL, false, 0) != SPI_OK_UPDATE ||
		SPI_execute_with_args("DELETE FROM sim.tick_log WHERE tick <= $2", 2, types, vals, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "could not record tick");

	SimWorldTickEnd();
	*tick_out = tick;
	return SIM_TICK_DONE;
}

/* SQL: sim.current_tick() -- the tick being run here, else the universe's. */
Datum
sim_current_tick(PG_FUNCTION_ARGS)
{
	bool		isnull;
	int64		tick;

	if (SimInTick && SimCurrentTick >= 0)
		PG_RETURN_INT64(SimCurrentTick);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "could not connect to SPI");
	if (SPI_execute("SELECT tick FROM sim.world", true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read sim.world");
	if (SPI_processed == 0)
	{
		SPI_finish();
		PG_RETURN_INT64(0);
	}
	tick = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	PG_RETURN_INT64(tick);
}
