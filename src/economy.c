/*
 * economy.c -- the economy's part of a tick: the order of its steps.
 *
 * Runs inside the tick (tick.c), which holds the tick's row lock and the
 * cluster-wide tick lock exclusively: no session changes ships, cargo,
 * stock, wallets, orders or contracts meanwhile (economic commands take the
 * tick lock in share mode, see SimTickGuard).  Each step is one of:
 *   load   the kept world and what the tick wakes (eco_load.c)
 *   decide the pure economy (src/core: stations, wake, NPC pilots, matching)
 *   write  the changes, one statement per table (eco_write.c)
 * and the tick flows one way: load, decide, write ships, load the books
 * (which need the holds as written), match, write accounts.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "portability/instr_time.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "sim/economy.h"
#include "sim/guard.h"
#include "sim/sql.h"
#include "sim/tick.h"

/* Bring the shared-memory world in line with the rows just written. */
static void
sync_world(SimWorld *w, EcoShip *sh)
{
	EcoRow	   *r = &sh->rows[sh->nrows - 1];

	if (sh->store_journey)
	{
		SimWorldSetLeg(w, sh->slot, &sh->journey.legs[0].leg, sh->journey.legs[0].arrival_tick);
		return;
	}
	if (r->state == ECO_FLYING)
		SimWorldSetLeg(w, sh->slot, &r->leg, r->arrival);
	else
	{
		SimWorldSetLeg(w, sh->slot, &r->leg, SIM_NO_ARRIVAL);
		if (r->wake >= 0)
			SimWorldSetWake(w, sh->slot, r->wake);
	}
}

static SimStmt st_aggregated = {.sql = "SELECT trades_aggregated, population_pay_ppm FROM sim.economy"};

/* the credit sinks and population pay of ticks [$1, $2), and the money supply now */
static SimStmt st_budget = {.sql = "SELECT "
	"(SELECT coalesce(sum(amount), 0)::bigint FROM sim.ledger "
	"  WHERE tick >= $1 AND tick < $2 AND good_id IS NULL AND flow = 'sink'), "
	"(SELECT coalesce(sum(amount), 0)::bigint FROM sim.ledger WHERE tick >= $1 AND tick < $2 AND reason = 'population'), "
	"((SELECT coalesce(sum(credits), 0) FROM sim.wallet) "
	" + (SELECT coalesce(sum(escrow), 0) FROM sim.market_order WHERE status = 'open') "
	" + (SELECT coalesce(sum(escrow), 0) FROM sim.contract WHERE status IN ('open', 'accepted')))::bigint",
.nargs = 2, .types = {INT8OID, INT8OID}, .custom_plan = true};
static SimStmt st_pay = {.sql = "UPDATE sim.economy SET population_pay_ppm = $1", .nargs = 1, .types = {INT8OID}};

/*
 * The monetary rule (EcoPopulationRate), at the start of every budget
 * period (none when budget_period_ticks is NULL): the population's pay rate from the period before.  The wallets
 * read are as the last tick left them: this tick has changed none yet.
 */
static void
run_budget(EcoWorld *s)
{
	Datum		args[2];
	int64		next;

	if (s->budget_period_ticks <= 0 || s->tick < s->budget_period_ticks || s->tick % s->budget_period_ticks != 0)
		return;
	args[0] = Int64GetDatum(s->tick - (int64) SIM_BUDGET_WINDOW * s->budget_period_ticks);
	args[1] = Int64GetDatum(s->tick);
	SimStmtRun(&st_budget, args, NULL, SPI_OK_SELECT);
	next = EcoPopulationRate(s->pay_ppm, SimGetInt64(0, 2, 0), SimGetInt64(0, 1, 0), SimGetInt64(0, 3, 0),
							 s->money_anchor, s->anchor_pull_ppm);
	if (next != s->pay_ppm)
	{
		args[0] = Int64GetDatum(next);
		EcoTickRun(&st_pay, args, SPI_OK_UPDATE);
		s->pay_ppm = next;
	}
}

/* the trades after $1 (the last aggregated), planned for the value each time */
static SimStmt st_prices = {.sql = "WITH t AS (SELECT t.* FROM sim.trade t WHERE t.id > $1 AND t.kind <> 'contract'), "
	"h AS (INSERT INTO sim.price_history AS ph (station_id, good_id, period_start, open, high, low, close, volume, trades) "
	"  SELECT t.station_id, t.good_id, t.tick - t.tick % e.price_period_ticks, "
	"         (array_agg(t.price ORDER BY t.id))[1], max(t.price), min(t.price), "
	"         (array_agg(t.price ORDER BY t.id DESC))[1], sum(t.qty)::bigint, count(*)::integer "
	"    FROM t, sim.economy e "
	"   GROUP BY t.station_id, t.good_id, t.tick - t.tick % e.price_period_ticks ORDER BY 1, 2, 3 "
	"  ON CONFLICT ON CONSTRAINT price_history_pkey DO UPDATE "
	"     SET high = greatest(ph.high, excluded.high), low = least(ph.low, excluded.low), "
	"         close = excluded.close, volume = ph.volume + excluded.volume, trades = ph.trades + excluded.trades) "
	"UPDATE sim.economy x SET trades_aggregated = m.last FROM (SELECT max(t.id) AS last FROM sim.trade t "
	"  WHERE t.id > $1) m WHERE m.last IS NOT NULL", .nargs = 1, .types = {INT8OID}, .custom_plan = true};

/*
 * The stations' part: the monetary rule, production, consumption,
 * contracts expired and offered (numbered at once, so that pilots may take them this tick), and
 * the price history of the trades recorded since the last tick.
 */
static void
run_stations(EcoWorld *s)
{
	bool		have = false;
	Datum		last = 0;

	SimStmtRun(&st_aggregated, NULL, NULL, SPI_OK_SELECT);
	if (SPI_processed == 1)
	{
		have = true;
		last = Int64GetDatum(SimGetInt64(0, 1, 0));
		s->pay_ppm = SimGetInt64(0, 2, 1000000);	/* another backend's tick may have changed it */
	}
	run_budget(s);
	EcoRunStations(s);
	EcoLoadContracts(s);
	EcoExpireContracts(s);
	if (EcoOfferContracts(s) > 0)
		EcoNumberContracts(s);
	if (have)
		EcoTickRun(&st_prices, &last, SPI_OK_UPDATE);
}

/* The steps, the tick's own writes marked as such by the caller. */
static void
economy_steps(EcoWorld *s, SimWorld *w, const uint32 *due, int ndue, int *arrivals)
{
	EcoShip    *ships = NULL;
	int			nships = 0;
	int			k;
	instr_time	t0,
				t1,
				t2,
				t3,
				t4;

	INSTR_TIME_SET_CURRENT(t0);
	run_stations(s);
	INSTR_TIME_SET_CURRENT(t1);
	if (ndue > 0)
		ships = EcoLoadShips(s, w, due, ndue, &nships);
	EcoCountDocked(s, ships, nships);
	for (k = 0; k < nships; k++)
		EcoWake(s, &ships[k], arrivals);
	INSTR_TIME_SET_CURRENT(t2);

	EcoWriteShips(s, ships, nships);
	EcoWriteLegs(ships, nships);
	EcoWriteHolds(s, ships, nships);
	INSTR_TIME_SET_CURRENT(t3);

	/* orders match against the holds as now written */
	EcoLoadOrders(s);
	EcoMatchOrders(s);
	EcoWriteAccounts(s);
	for (k = 0; k < nships; k++)
		sync_world(w, &ships[k]);
	INSTR_TIME_SET_CURRENT(t4);
	elog(DEBUG1, "economy tick " INT64_FORMAT ": %d ships; stations %.2f load+decide %.2f ships %.2f accounts %.2f ms",
		 s->tick, nships,
		 INSTR_TIME_GET_MILLISEC(t1) - INSTR_TIME_GET_MILLISEC(t0),
		 INSTR_TIME_GET_MILLISEC(t2) - INSTR_TIME_GET_MILLISEC(t1),
		 INSTR_TIME_GET_MILLISEC(t3) - INSTR_TIME_GET_MILLISEC(t2),
		 INSTR_TIME_GET_MILLISEC(t4) - INSTR_TIME_GET_MILLISEC(t3));
}

/*
 * Run fn with the tick's writes marked as its own and JIT off: the tick's
 * statements are small, and compiling one costs more than running it (the
 * setting is the caller's again afterwards).
 */
static void
as_tick(void (*fn) (void *), void *arg)
{
	int			nest = NewGUCNestLevel();

	(void) set_config_option("jit", "off", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	EcoTickWriting = true;
	PG_TRY();
	{
		fn(arg);
	}
	PG_FINALLY();
	{
		EcoTickWriting = false;
	}
	PG_END_TRY();
	AtEOXact_GUC(true, nest);
}

typedef struct StepArgs
{
	EcoWorld   *s;
	SimWorld   *w;
	const uint32 *due;
	int			ndue;
	int		   *arrivals;
} StepArgs;

static void
steps(void *arg)
{
	StepArgs   *a = (StepArgs *) arg;

	economy_steps(a->s, a->w, a->due, a->ndue, a->arrivals);
}

void
SimEconomyTick(SimWorld *w, int64 tick, const uint32 *due, int ndue, int *arrivals)
{
	StepArgs	a = {EcoWorldCurrent(tick), w, due, ndue, arrivals};

	as_tick(steps, &a);
}

static void
stations_alone(void *arg)
{
	EcoWorld   *s = (EcoWorld *) arg;

	run_stations(s);
	EcoWriteAccounts(s);
}

PG_FUNCTION_INFO_V1(sim_economy_stations);

/* SQL (sim.run_stations, checked there): the stations' part of tick `tick` alone. */
Datum
sim_economy_stations(PG_FUNCTION_ARGS)
{
	int64		tick = PG_GETARG_INT64(0);
	EcoWorld   *s;

	/* as a tick does: it writes stock and wallets from the kept world */
	(void) SimTickLockAcquire();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "could not connect to SPI");
	s = EcoWorldCurrent(tick);
	as_tick(stations_alone, s);
	SPI_finish();
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(sim_tick_writing_ships);

/* SQL: true while the tick writes ship rows whose transitions it records itself. */
Datum
sim_tick_writing_ships(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(EcoWritingShips);
}
