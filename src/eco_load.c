/*
 * eco_load.c -- the economy's world kept between ticks, and what a tick
 * loads of the ships it wakes (include/sim/economy.h).
 *
 * The world (EcoWorld, include/sim/core/economy.h) lives in this backend's
 * memory from tick to tick in two parts, each reloaded only when it may be
 * out of date:
 *   static   the rules, goods, hulls, sectors, gates (and their graph),
 *            stations, behaviour trees, transitions, recipes and demands;
 *   dynamic  stock and targets, the units each station holds, wallets, and
 *            the bodies with deposits left.
 * A statement trigger on each source table (sim.economy_written(), installed
 * by sql/economy_stations.sql) marks a write: one by anyone but the tick
 * makes this backend's part stale at once and, when its transaction
 * commits, bumps that part's version in shared memory, so every backend
 * reloads before its next tick.  The tick changes the world in memory
 * first and writes the same changes back (eco_write.c); its own commit
 * bumps the versions too, and the ticking backend keeps its world when no
 * other commit bumped them in between.  An abort (of the transaction or of
 * a subtransaction) throws the world away: it may hold changes never
 * committed.  So does a transaction whose snapshot is older than the
 * versions it read (REPEATABLE READ and SERIALIZABLE), and whatever makes
 * the ticks reload the ships from the tables (sim.invalidate_cache(), a
 * restore): writes that fire no trigger (triggers disabled, a table
 * rewritten) are followed by sim.invalidate_cache().  A transaction that
 * wrote those tables cannot be prepared (0A000): COMMIT PREPARED could
 * happen in any backend, unseen by the callbacks that bump the versions.
 *
 * What every tick reads afresh (contracts, woken ships, books) is
 * src/eco_read.c's.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "catalog/namespace.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "sim/bounds.h"
#include "sim/economy.h"
#include "sim/leg_row.h"
#include "sim/sql.h"
#include "sim/world.h"

#define PART_STATIC 0
#define PART_DYNAMIC 1

static EcoWorld world;
static MemoryContext part_cxt[2];
static bool part_valid[2];
static uint64 part_version[2];	/* the shared version the part was loaded at */
static Oid	world_db = InvalidOid;
static uint64 ships_version;	/* the shared-memory world's invalidation count at the load */

/* this transaction: a write by others, a write by the tick, a tick that ran */
static bool others_wrote[2];
static bool tick_wrote[2];
static bool tick_ran;
static bool callbacks_registered;
static int	tick_firings;		/* sim.economy_written() firings while the tick writes */
static Oid	kept_rel[32];		/* the tables the world is made of (for pending triggers) */
static int	nkept_rel;

bool		EcoTickWriting = false;

/* ---------------------------------------------------------------- memory */

static void *
tick_alloc(size_t size)
{
	return palloc_extended(size, MCXT_ALLOC_HUGE);
}

static void
tick_free(void *p)
{
	pfree(p);
}

static const SimAllocator tick_mem = {tick_alloc, tick_free};

static void *
part_alloc(int part, Size size)
{
	return MemoryContextAllocExtended(part_cxt[part], Max(size, 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
}

static void *
keep_alloc(size_t size)
{
	return part_alloc(PART_DYNAMIC, size);
}

static void
keep_free(void *p)
{
	pfree(p);
}

static const SimAllocator keep_mem = {keep_alloc, keep_free};

static void *
keep_static_alloc(size_t size)
{
	return part_alloc(PART_STATIC, size);
}

/* for what the static part keeps: the gate graph, the behaviour trees */
static const SimAllocator keep_static_mem = {keep_static_alloc, keep_free};

static void
fail(const char *sqlstate, const char *message, const char *detail)
{
	ereport(ERROR,
			(errcode(MAKE_SQLSTATE(sqlstate[0], sqlstate[1], sqlstate[2], sqlstate[3], sqlstate[4])),
			 errmsg_internal("%s", message),
			 detail ? errdetail_internal("%s", detail) : 0));
}

/* ---------------------------------------------------------------- versions */

static void
forget(int part)
{
	part_valid[part] = false;
	if (part == PART_STATIC)
		part_valid[PART_DYNAMIC] = false;
}

static void
xact_callback(XactEvent event, void *arg)
{
	SimWorld   *w;
	int			p;

	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			w = SimWorldGet();
			for (p = 0; p < 2; p++)
			{
				uint64		before;

				if (!others_wrote[p] && !tick_wrote[p])
					continue;
				if (w == NULL)
				{
					forget(p);
					continue;
				}
				before = pg_atomic_fetch_add_u64(&w->hdr->economy_version[p], 1);
				/* the tick's world is what it committed, unless someone else committed meanwhile */
				if (part_valid[p] && !others_wrote[p] && before == part_version[p])
					part_version[p] = before + 1;
				else
					forget(p);
			}
			break;
		case XACT_EVENT_PRE_PREPARE:
			/*
			 * COMMIT PREPARED may run anywhere, and no callback would see
			 * it (a transaction that ticked is refused by shmem.c's)
			 */
			if (others_wrote[0] || others_wrote[1])
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot prepare a transaction that changed the economy's tables"),
						 errdetail("The ticks would not learn of the changes when the prepared transaction commits."),
						 errhint("Commit the change in an ordinary transaction.")));
			return;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			if (tick_ran || tick_wrote[0] || tick_wrote[1])
				forget(PART_STATIC);
			break;
		default:
			return;
	}
	others_wrote[0] = others_wrote[1] = false;
	tick_wrote[0] = tick_wrote[1] = false;
	tick_ran = false;
}

static void
subxact_callback(SubXactEvent event, SubTransactionId mySubid,
				 SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB && (tick_ran || tick_wrote[0] || tick_wrote[1]))
		forget(PART_STATIC);
}

static void
register_callbacks(void)
{
	if (callbacks_registered)
		return;
	RegisterXactCallback(xact_callback, NULL);
	RegisterSubXactCallback(subxact_callback, NULL);
	callbacks_registered = true;
}

PG_FUNCTION_INFO_V1(sim_economy_written);

/*
 * Statement trigger on the tables the economy's world is made of; its
 * argument names the part ('static' or 'dynamic').
 */
Datum
sim_economy_written(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	int			part;

	if (!CALLED_AS_TRIGGER(fcinfo) || td->tg_trigger->tgnargs != 1)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("sim.economy_written() must be a trigger with one argument")));
	part = strcmp(td->tg_trigger->tgargs[0], "static") == 0 ? PART_STATIC : PART_DYNAMIC;
	register_callbacks();
	if (EcoTickWriting)
	{
		/* EcoTickStatement checks that only the tick's own statement fired */
		tick_wrote[part] = true;
		tick_firings++;
	}
	else
	{
		others_wrote[part] = true;
		forget(part);
		/* no tick may start between this commit and the bump of the version */
		if (!SimInTick)
			SimTickGuard();
	}
	return PointerGetDatum(NULL);
}

/* ---------------------------------------------------------------- loading */

static SimStmt st_rules = {.sql = "SELECT spread, tax_rate, dock_ticks, undock_ticks, mine_cycle_ticks, "
	"npc_cooldown_ticks, contract_period_ticks, contract_ticks, coalesce(budget_period_ticks, 0), population_pay_ppm, "
	"coalesce(money_anchor, -1), anchor_pull_ppm, docking_fee, tow_fee, dock_stay_ticks, handling_rate, "
	"recipe_batches, mining_speed FROM sim.economy"};
static SimStmt st_goods = {.sql = "SELECT id, base_price, name = 'fuel' FROM sim.good ORDER BY id"};
static SimStmt st_classes = {.sql = "SELECT id, role, max_speed, max_accel, fuel_per_dv, cargo_capacity, "
	"fuel_capacity, mining_rate FROM sim.ship_class ORDER BY id"};
static SimStmt st_sectors = {.sql = "SELECT id, security FROM sim.sector ORDER BY id"};
static SimStmt st_gates = {.sql = "SELECT id, sector_a, sim.st_x(pos_a), sim.st_y(pos_a), sim.st_z(pos_a), "
	"sector_b, sim.st_x(pos_b), sim.st_y(pos_b), sim.st_z(pos_b), jump_ticks FROM sim.jump_gate ORDER BY id"};
static SimStmt st_stations = {.sql = "SELECT id, faction_id, sector_id, docking_slots, storage_capacity, "
	"sim.st_x(pos), sim.st_y(pos), sim.st_z(pos) FROM sim.station ORDER BY sector_id, id"};
static SimStmt st_transitions = {.sql = "SELECT from_state, to_state FROM sim.ship_transition"};
static SimStmt st_recipes = {.sql = "SELECT r.id, r.cycle_ticks, x.input, x.good_id, x.qty FROM sim.recipe r "
	"LEFT JOIN (SELECT recipe_id, true AS input, good_id, qty FROM sim.recipe_input "
	"           UNION ALL SELECT recipe_id, false, good_id, qty FROM sim.recipe_output) x ON x.recipe_id = r.id "
	"ORDER BY r.id, x.input DESC, x.good_id"};
static SimStmt st_station_recipes = {.sql = "SELECT station_id, recipe_id FROM sim.station_recipe ORDER BY station_id, recipe_id"};
static SimStmt st_demands = {.sql = "SELECT station_id, good_id, qty, cycle_ticks FROM sim.station_demand ORDER BY station_id, good_id"};
static SimStmt st_wanted = {.sql = "SELECT sr.station_id, ri.good_id FROM sim.station_recipe sr "
	"JOIN sim.recipe_input ri USING (recipe_id) UNION SELECT station_id, good_id FROM sim.station_demand"};

static SimStmt st_stock = {.sql = "SELECT station_id, good_id, qty, target FROM sim.station_stock"};
static SimStmt st_held = {.sql = "SELECT id, stock_held FROM sim.station"};
static SimStmt st_wallets = {.sql = "SELECT faction_id, credits FROM sim.wallet ORDER BY faction_id"};
static SimStmt st_deposits = {.sql = "SELECT b.id, b.sector_id, sim.st_x(b.pos), sim.st_y(b.pos), sim.st_z(b.pos), b.radius, "
	"d.good_id, d.richness, d.remaining FROM sim.deposit d JOIN sim.body b ON b.id = d.body_id "
	"WHERE d.remaining > 0 ORDER BY b.sector_id, b.id, d.good_id"};

EcoState
EcoStateByName(const char *s)
{
	int			i;

	for (i = 0; i < ECO_NSTATES; i++)
		if (s && strcmp(s, EcoStateNames[i]) == 0)
			return (EcoState) i;
	elog(ERROR, "unknown ship state \"%s\"", s ? s : "NULL");
	return ECO_IDLE;
}

static EcoRole
parse_role(const char *s)
{
	int			i;

	for (i = 0; i < ECO_NROLES; i++)
		if (s && strcmp(s, EcoRoleNames[i]) == 0)
			return (EcoRole) i;
	elog(ERROR, "unknown ship role \"%s\"", s ? s : "NULL");
	return ECO_ROLE_MINER;
}

EcoDest
EcoDestByName(const char *s)
{
	if (s == NULL)
		return ECO_DEST_NONE;
	if (strcmp(s, "station") == 0)
		return ECO_DEST_STATION;
	if (strcmp(s, "body") == 0)
		return ECO_DEST_BODY;
	return ECO_DEST_POINT;
}

static int
station_id_cmp(const void *a, const void *b)
{
	int32		x = world.stations[*(const int *) a].id;
	int32		y = world.stations[*(const int *) b].id;

	return (x > y) - (x < y);
}

static void
load_static(EcoWorld *s)
{
	uint64		i;
	SimGate    *gates;
	int			k;

	MemoryContextReset(part_cxt[PART_STATIC]);
	MemoryContextReset(part_cxt[PART_DYNAMIC]);
	part_valid[PART_DYNAMIC] = false;
	memset(s, 0, sizeof(*s));

	nkept_rel = 0;
	{
		static const char *const kept[] = {"economy", "good", "ship_class", "sector", "jump_gate", "station",
			"ship_transition", "bt_tree", "bt_node", "recipe", "recipe_input", "recipe_output",
		"station_recipe", "station_demand", "station_stock", "wallet", "body", "deposit"};
		Oid			ns = get_namespace_oid("sim", false);
		int			k;

		for (k = 0; k < (int) lengthof(kept); k++)
		{
			Oid			rel = get_relname_relid(kept[k], ns);

			if (OidIsValid(rel))
				kept_rel[nkept_rel++] = rel;
		}
	}

	SimStmtRun(&st_rules, NULL, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the universe has no economy rules"),
				 errhint("Insert the row of sim.economy (INSERT INTO sim.economy DEFAULT VALUES).")));
	s->spread = SimGetFloat8(0, 1, 0.0);
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);

		s->tax_ppm = SimRatePpm(DatumGetNumeric(d), "sim.economy.tax_rate");
	}
	s->dock_ticks = (int) SimGetInt64(0, 3, 1);
	s->undock_ticks = (int) SimGetInt64(0, 4, 1);
	s->mine_cycle_ticks = (int) SimGetInt64(0, 5, 1);
	s->cooldown_ticks = (int) SimGetInt64(0, 6, 1);
	s->contract_period_ticks = (int) SimGetInt64(0, 7, 0);
	s->contract_ticks = (int) SimGetInt64(0, 8, 0);
	s->budget_period_ticks = (int) SimGetInt64(0, 9, 0);
	s->pay_ppm = SimGetInt64(0, 10, 1000000);
	s->money_anchor = SimGetInt64(0, 11, -1);
	s->anchor_pull_ppm = SimGetInt64(0, 12, 0);
	s->docking_fee = SimGetInt64(0, 13, 0);
	s->tow_fee = SimGetInt64(0, 14, 0);
	s->dock_stay_ticks = (int) SimGetInt64(0, 15, 0);
	s->handling_rate = (int) SimGetInt64(0, 16, 1);
	s->recipe_batches = (int) SimGetInt64(0, 17, 1);
	s->mining_speed = SimGetFloat8(0, 18, 1.0);

	SimStmtRun(&st_goods, NULL, NULL, SPI_OK_SELECT);
	s->ngoods = (int) SPI_processed;
	s->good_id = part_alloc(PART_STATIC, s->ngoods * sizeof(int32));
	s->base_price = part_alloc(PART_STATIC, s->ngoods * sizeof(int64));
	s->fuel_good = -1;
	for (i = 0; i < SPI_processed; i++)
	{
		s->good_id[i] = (int32) SimGetInt64(i, 1, 0);
		s->base_price[i] = SimGetInt64(i, 2, 1);
		if (SimGetBool(i, 3))
			s->fuel_good = (int) i;
	}

	SimStmtRun(&st_classes, NULL, NULL, SPI_OK_SELECT);
	s->nclasses = (int) SPI_processed;
	s->classes = part_alloc(PART_STATIC, s->nclasses * sizeof(EcoClass));
	for (i = 0; i < SPI_processed; i++)
	{
		EcoClass   *c = &s->classes[i];

		c->id = (int32) SimGetInt64(i, 1, 0);
		c->role = parse_role(SimGetText(i, 2));
		c->hull.max_speed = SimGetFloat8(i, 3, 0.0);
		c->hull.max_accel = SimGetFloat8(i, 4, 0.0);
		c->hull.fuel_per_dv = SimGetFloat8(i, 5, 0.0);
		c->cargo_capacity = SimGetInt64(i, 6, 0);
		c->fuel_capacity = SimGetFloat8(i, 7, 0.0);
		c->mining_rate = SimGetFloat8(i, 8, 0.0);
	}

	SimStmtRun(&st_sectors, NULL, NULL, SPI_OK_SELECT);
	s->nsectors = (int) SPI_processed;
	s->sectors = part_alloc(PART_STATIC, s->nsectors * sizeof(EcoSector));
	for (i = 0; i < SPI_processed; i++)
	{
		s->sectors[i].id = (int32) SimGetInt64(i, 1, 0);
		s->sectors[i].security = SimGetFloat8(i, 2, 0.0);
	}

	SimStmtRun(&st_gates, NULL, NULL, SPI_OK_SELECT);
	s->ngates = (int) SPI_processed;
	s->gate_a = part_alloc(PART_STATIC, s->ngates * sizeof(int32));
	s->gate_b = part_alloc(PART_STATIC, s->ngates * sizeof(int32));
	gates = palloc0(Max(s->ngates, 1) * sizeof(SimGate));
	for (i = 0; i < SPI_processed; i++)
	{
		SimGate    *g = &gates[i];

		g->id = (int32) SimGetInt64(i, 1, 0);
		g->sector_a = (int32) SimGetInt64(i, 2, 0);
		g->pos_a[0] = SimGetFloat8(i, 3, 0.0);
		g->pos_a[1] = SimGetFloat8(i, 4, 0.0);
		g->pos_a[2] = SimGetFloat8(i, 5, 0.0);
		g->sector_b = (int32) SimGetInt64(i, 6, 0);
		g->pos_b[0] = SimGetFloat8(i, 7, 0.0);
		g->pos_b[1] = SimGetFloat8(i, 8, 0.0);
		g->pos_b[2] = SimGetFloat8(i, 9, 0.0);
		g->jump_ticks = (int32) SimGetInt64(i, 10, 0);
		s->gate_a[i] = EcoSectorIndex(s, g->sector_a);
		s->gate_b[i] = EcoSectorIndex(s, g->sector_b);
	}
	{
		s->gates = SimGateGraphBuild(&keep_static_mem, gates, s->ngates);
		if (s->gates == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("the jump-gate network is too large to route through")));
	}

	SimStmtRun(&st_stations, NULL, NULL, SPI_OK_SELECT);
	s->nstations = (int) SPI_processed;
	s->stations = part_alloc(PART_STATIC, s->nstations * sizeof(EcoStation));
	s->station_by_id = part_alloc(PART_STATIC, s->nstations * sizeof(int));
	for (i = 0; i < SPI_processed; i++)
	{
		EcoStation *st = &s->stations[i];
		EcoSector  *sec;

		st->id = (int32) SimGetInt64(i, 1, 0);
		st->faction = (int32) SimGetInt64(i, 2, 0);
		st->sector = EcoSectorIndex(s, (int32) SimGetInt64(i, 3, 0));
		st->slots = (int32) SimGetInt64(i, 4, 0);
		st->capacity = SimGetInt64(i, 5, 0);
		st->pos[0] = SimGetFloat8(i, 6, 0.0);
		st->pos[1] = SimGetFloat8(i, 7, 0.0);
		st->pos[2] = SimGetFloat8(i, 8, 0.0);
		st->docked = -1;
		s->station_by_id[i] = (int) i;
		sec = &s->sectors[st->sector];
		if (sec->nstations == 0)
			sec->first_station = (int) i;
		sec->nstations++;
	}
	qsort(s->station_by_id, s->nstations, sizeof(int), station_id_cmp);

	SimStmtRun(&st_transitions, NULL, NULL, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
		s->allowed[EcoStateByName(SimGetText(i, 1))][EcoStateByName(SimGetText(i, 2))] = true;

	EcoLoadTrees(s, &keep_static_mem);

	/* recipes: inputs, then outputs, each by good id */
	SimStmtRun(&st_recipes, NULL, NULL, SPI_OK_SELECT);
	s->recipes = part_alloc(PART_STATIC, SPI_processed * sizeof(EcoRecipe));
	s->items = part_alloc(PART_STATIC, SPI_processed * sizeof(EcoRecipeItem));
	s->nrecipes = 0;
	k = 0;
	for (i = 0; i < SPI_processed; i++)
	{
		int32		id = (int32) SimGetInt64(i, 1, 0);
		EcoRecipe  *r;
		bool		isnull;

		if (s->nrecipes == 0 || s->recipes[s->nrecipes - 1].id != id)
		{
			r = &s->recipes[s->nrecipes++];
			r->id = id;
			r->cycle_ticks = (int32) SimGetInt64(i, 2, 0);
			r->first_item = k;
		}
		r = &s->recipes[s->nrecipes - 1];
		(void) SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 4, &isnull);
		if (isnull)
			continue;			/* a recipe without inputs or outputs */
		s->items[k].good = EcoGood(s, (int32) SimGetInt64(i, 4, 0));
		s->items[k].qty = SimGetInt64(i, 5, 0);
		if (SimGetBool(i, 3))
			r->ninputs++;
		r->nitems++;
		k++;
	}

	SimStmtRun(&st_station_recipes, NULL, NULL, SPI_OK_SELECT);
	s->station_recipes = part_alloc(PART_STATIC, SPI_processed * sizeof(EcoStationRecipe));
	s->nstation_recipes = 0;
	for (i = 0; i < SPI_processed; i++)
	{
		int			st = EcoStationIndex(s, (int32) SimGetInt64(i, 1, 0));
		int32		rid = (int32) SimGetInt64(i, 2, 0);
		int			r;

		for (r = 0; r < s->nrecipes && s->recipes[r].id != rid; r++)
			;
		if (st < 0 || r == s->nrecipes)
			continue;
		s->station_recipes[s->nstation_recipes].station = st;
		s->station_recipes[s->nstation_recipes].recipe = r;
		s->nstation_recipes++;
	}

	SimStmtRun(&st_demands, NULL, NULL, SPI_OK_SELECT);
	s->demands = part_alloc(PART_STATIC, SPI_processed * sizeof(EcoDemand));
	s->ndemands = 0;
	for (i = 0; i < SPI_processed; i++)
	{
		EcoDemand  *d = &s->demands[s->ndemands];

		d->station = EcoStationIndex(s, (int32) SimGetInt64(i, 1, 0));
		d->good = EcoGood(s, (int32) SimGetInt64(i, 2, 0));
		d->qty = SimGetInt64(i, 3, 0);
		d->cycle_ticks = (int32) SimGetInt64(i, 4, 0);
		if (d->station >= 0 && d->good >= 0)
			s->ndemands++;
	}

	s->wanted = part_alloc(PART_STATIC, (Size) s->nstations * Max(s->ngoods, 1) * sizeof(bool));
	SimStmtRun(&st_wanted, NULL, NULL, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
	{
		int			st = EcoStationIndex(s, (int32) SimGetInt64(i, 1, 0));
		int			g = EcoGood(s, (int32) SimGetInt64(i, 2, 0));

		if (st >= 0 && g >= 0)
			s->wanted[st * s->ngoods + g] = true;
	}
}

static void
load_dynamic(EcoWorld *s)
{
	uint64		i;
	int			n = s->nstations * Max(s->ngoods, 1);

	MemoryContextReset(part_cxt[PART_DYNAMIC]);
	s->stock = part_alloc(PART_DYNAMIC, n * sizeof(int64));
	s->stock_base = part_alloc(PART_DYNAMIC, n * sizeof(int64));
	s->target = part_alloc(PART_DYNAMIC, n * sizeof(int64));
	s->stock_dirty = part_alloc(PART_DYNAMIC, n * sizeof(bool));
	for (i = 0; i < (uint64) n; i++)
	{
		s->stock[i] = -1;
		s->target[i] = 1;
	}
	SimStmtRun(&st_stock, NULL, NULL, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
	{
		int			st = EcoStationIndex(s, (int32) SimGetInt64(i, 1, 0));
		int			g = EcoGood(s, (int32) SimGetInt64(i, 2, 0));

		if (st < 0 || g < 0)
			continue;
		s->stock[st * s->ngoods + g] = SimGetInt64(i, 3, 0);
		s->stock_base[st * s->ngoods + g] = s->stock[st * s->ngoods + g];
		s->target[st * s->ngoods + g] = SimGetInt64(i, 4, 1);
	}
	SimStmtRun(&st_held, NULL, NULL, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
	{
		int			st = EcoStationIndex(s, (int32) SimGetInt64(i, 1, 0));

		if (st >= 0)
			s->stations[st].held = SimGetInt64(i, 2, 0);
	}

	SimStmtRun(&st_wallets, NULL, NULL, SPI_OK_SELECT);
	s->nfactions = (int) SPI_processed;
	s->faction_id = part_alloc(PART_DYNAMIC, s->nfactions * sizeof(int32));
	s->credits = part_alloc(PART_DYNAMIC, s->nfactions * sizeof(int64));
	s->credits_base = part_alloc(PART_DYNAMIC, s->nfactions * sizeof(int64));
	s->credits_dirty = part_alloc(PART_DYNAMIC, s->nfactions * sizeof(bool));
	for (i = 0; i < SPI_processed; i++)
	{
		s->faction_id[i] = (int32) SimGetInt64(i, 1, 0);
		s->credits[i] = SimGetInt64(i, 2, 0);
		s->credits_base[i] = s->credits[i];
	}

	SimStmtRun(&st_deposits, NULL, NULL, SPI_OK_SELECT);
	s->ndeposits = (int) SPI_processed;
	s->deposits = part_alloc(PART_DYNAMIC, s->ndeposits * sizeof(EcoDeposit));
	s->bodies = part_alloc(PART_DYNAMIC, s->ndeposits * sizeof(EcoBody));
	s->nbodies = 0;
	for (i = 0; i < (uint64) s->nsectors; i++)
		s->sectors[i].first_body = s->sectors[i].nbodies = 0;
	for (i = 0; i < SPI_processed; i++)
	{
		int32		body_id = (int32) SimGetInt64(i, 1, 0);
		EcoDeposit *d = &s->deposits[i];
		EcoBody    *b;

		if (s->nbodies == 0 || s->bodies[s->nbodies - 1].id != body_id)
		{
			EcoSector  *sec;

			b = &s->bodies[s->nbodies];
			b->id = body_id;
			b->sector = EcoSectorIndex(s, (int32) SimGetInt64(i, 2, 0));
			b->pos[0] = SimGetFloat8(i, 3, 0.0);
			b->pos[1] = SimGetFloat8(i, 4, 0.0);
			b->pos[2] = SimGetFloat8(i, 5, 0.0);
			b->radius = SimGetFloat8(i, 6, 0.0);
			b->first_deposit = (int) i;
			sec = &s->sectors[b->sector];
			if (sec->nbodies == 0)
				sec->first_body = s->nbodies;
			sec->nbodies++;
			s->nbodies++;
		}
		b = &s->bodies[s->nbodies - 1];
		b->ndeposits++;
		d->body_id = body_id;
		d->good = EcoGood(s, (int32) SimGetInt64(i, 7, 0));
		d->richness = SimGetFloat8(i, 8, 0.0);
		d->remaining = SimGetInt64(i, 9, 0);
		d->remaining_base = d->remaining;
	}
}

EcoWorld *
EcoWorldCurrent(int64 tick)
{
	SimWorld   *w = SimWorldRequire();
	uint64		v[2];
	int			p;

	register_callbacks();
	if (EcoTickWriting)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("a tick cannot run inside another tick"),
				 errdetail("A trigger or function called by the tick's writes started a tick or the stations' part.")));
	if (part_cxt[PART_STATIC] == NULL)
	{
		part_cxt[PART_STATIC] = AllocSetContextCreate(TopMemoryContext, "sim economy world",
													  ALLOCSET_DEFAULT_SIZES);
		part_cxt[PART_DYNAMIC] = AllocSetContextCreate(TopMemoryContext, "sim economy stock",
													   ALLOCSET_DEFAULT_SIZES);
	}
	/* whatever reloads the ships (sim.invalidate_cache(), a restore) reloads the economy too */
	if (world_db != MyDatabaseId || pg_atomic_read_u64(&w->hdr->version) != ships_version)
		forget(PART_STATIC);
	/* a statement of this transaction still running (sim.step in a DML's CTE) may have written them */
	for (p = 0; p < nkept_rel; p++)
		if (AfterTriggerPendingOnRel(kept_rel[p]))
		{
			forget(PART_STATIC);
			break;
		}
	for (p = 0; p < 2; p++)
	{
		v[p] = pg_atomic_read_u64(&w->hdr->economy_version[p]);
		if (v[p] != part_version[p])
			forget(p);
	}
	pg_read_barrier();
	tick_ran = true;
	if (!part_valid[PART_STATIC])
	{
		ships_version = pg_atomic_read_u64(&w->hdr->version);
		load_static(&world);
		part_version[PART_STATIC] = v[PART_STATIC];
		part_valid[PART_STATIC] = true;
		world_db = MyDatabaseId;
	}
	if (!part_valid[PART_DYNAMIC])
	{
		load_dynamic(&world);
		part_version[PART_DYNAMIC] = v[PART_DYNAMIC];
		part_valid[PART_DYNAMIC] = true;
	}
	/* a snapshot older than the versions read must not be kept */
	if (IsolationUsesXactSnapshot())
		others_wrote[PART_STATIC] = others_wrote[PART_DYNAMIC] = true;

	world.mem = &tick_mem;
	world.keep = &keep_mem;
	world.fail = fail;
	world.tick = tick;
	world.contracts = NULL;
	world.ncontracts = world.contracts_cap = 0;
	world.orders = NULL;
	world.trades = NULL;
	world.trades_cap = 0;
	world.ledger = NULL;
	world.ledger_cap = 0;
	world.deliveries = NULL;
	world.deliveries_cap = 0;
	EcoClearRecords(&world);
	return &world;
}

/*
 * The shared version of the static part into *version, for a cache of
 * something made only of its tables (the gate graph of src/journey.c);
 * false when nothing may be cached now: this transaction changed those
 * tables itself, or its snapshot may be older than the version.
 */
bool
EcoStaticVersion(uint64 *version)
{
	SimWorld   *w = SimWorldGet();

	register_callbacks();
	if (w == NULL || others_wrote[PART_STATIC] || IsolationUsesXactSnapshot())
		return false;
	*version = pg_atomic_read_u64(&w->hdr->economy_version[PART_STATIC]);
	pg_read_barrier();
	return true;
}

/*
 * Run one of the tick's writes; `own` is how many times its own statement
 * fires sim.economy_written() (a kept table's statement trigger: one per
 * event).  More means a trigger set off by the write changed a kept table
 * too: the world no longer matches the tables, and is read again.
 */
static void
check_firings(int before, int own)
{
	if (tick_firings - before != own)
	{
		others_wrote[PART_STATIC] = others_wrote[PART_DYNAMIC] = true;
		forget(PART_STATIC);
	}
}

void
EcoTickStatement(SimStmt *st, SimCol *cols, int ncols, int expect, int own)
{
	int			before = tick_firings;

	if (cols[0].n == 0)
		return;
	SimStmtRunCols(st, cols, ncols, expect);
	check_firings(before, own);
}

void
EcoTickRun(SimStmt *st, Datum *vals, int expect)
{
	int			before = tick_firings;

	SimStmtRun(st, vals, NULL, expect);
	check_firings(before, 0);
}

/* A deposit ran out: the next tick reloads the bodies with deposits left. */
void
EcoWorldDepositsChanged(void)
{
	part_valid[PART_DYNAMIC] = false;
}

