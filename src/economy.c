/*
 * economy.c -- the economy's part of a tick: stations, woken ships, NPC
 * decisions, order matching, and writing it all back.
 *
 * Runs inside the tick (tick.c), which holds the tick's row lock and the
 * cluster-wide tick lock exclusively: no session changes ships, cargo,
 * stock, wallets, orders or contracts meanwhile (economic commands take the
 * tick lock in share mode, see SimTickGuard).  The snapshot below is local
 * memory of the tick's memory context, rebuilt every tick from the tables.
 *
 * A ship may change state several times in one tick (undocking -> idle ->
 * flying); each version of its row is written in its own pass, so that the
 * state machine's trigger sees, checks and records every transition.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "portability/instr_time.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "sim/bounds.h"
#include "sim/core/market.h"
#include "sim/core/money.h"
#include "sim/economy.h"
#include "sim/errcodes.h"
#include "sim/leg_row.h"
#include "sim/sim.h"
#include "sim/tick.h"

#define ECO_NAME_(tag, name) name,
const char *const EcoStateNames[ECO_NSTATES] = {SIM_SHIP_STATES(ECO_NAME_)};
const char *const EcoRoleNames[ECO_NROLES] = {SIM_NPC_ROLES(ECO_NAME_)};

static const char *const dest_names[] = {NULL, "station", "body", "point"};

/* ---------------------------------------------------------------- SPI helpers */

static int64
col_int64(int row, int col, int64 if_null)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);

	if (isnull)
		return if_null;
	switch (SPI_gettypeid(SPI_tuptable->tupdesc, col))
	{
		case INT4OID:
			return DatumGetInt32(d);
		case INT2OID:
			return DatumGetInt16(d);
		default:
			return DatumGetInt64(d);
	}
}

static double
col_float8(int row, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);

	return isnull ? 0.0 : DatumGetFloat8(d);
}

static char *
col_text(int row, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

static void
run_select(const char *sql, int nargs, Oid *types, Datum *vals)
{
	if (SPI_execute_with_args(sql, nargs, types, vals, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not run: %s", sql);
}

/* A growing column of values for one array parameter. */
typedef struct Col
{
	Oid			type;
	int			n;
	int			cap;
	Datum	   *d;
	bool	   *nulls;
} Col;

static void
col_init(Col *c, Oid type)
{
	c->type = type;
	c->n = 0;
	c->cap = 64;
	c->d = palloc(c->cap * sizeof(Datum));
	c->nulls = palloc(c->cap * sizeof(bool));
}

static void
col_push(Col *c, Datum d, bool isnull)
{
	if (c->n == c->cap)
	{
		c->cap *= 2;
		c->d = repalloc(c->d, c->cap * sizeof(Datum));
		c->nulls = repalloc(c->nulls, c->cap * sizeof(bool));
	}
	c->d[c->n] = d;
	c->nulls[c->n] = isnull;
	c->n++;
}

static void
push_i64(Col *c, int64 v, bool isnull)
{
	col_push(c, Int64GetDatum(v), isnull);
}

static void
push_i32(Col *c, int32 v, bool isnull)
{
	col_push(c, Int32GetDatum(v), isnull);
}

static void
push_f8(Col *c, double v)
{
	col_push(c, Float8GetDatum(v), false);
}

static void
push_text(Col *c, const char *v)
{
	col_push(c, v ? CStringGetTextDatum(v) : (Datum) 0, v == NULL);
}

static Datum
col_array(Col *c)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			dims[1] = {c->n};
	int			lbs[1] = {1};

	get_typlenbyvalalign(c->type, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_md_array(c->d, c->nulls, 1, dims, lbs, c->type,
											  typlen, typbyval, typalign));
}

static Oid
array_type_of(Oid elem)
{
	return get_array_type(elem);
}

/* Run sql with the columns as array parameters $1..$n. */
static void
run_with_cols(const char *sql, Col *cols, int ncols, int expect)
{
	Oid			types[32];
	Datum		vals[32];
	int			i;
	int			rc;

	if (ncols > 32)
		elog(ERROR, "too many columns for one statement: %d", ncols);
	if (cols[0].n == 0)
		return;
	for (i = 0; i < ncols; i++)
	{
		types[i] = array_type_of(cols[i].type);
		vals[i] = col_array(&cols[i]);
	}
	rc = SPI_execute_with_args(sql, ncols, types, vals, NULL, false, 0);
	if (rc != expect)
		elog(ERROR, "could not run: %s (%s)", sql, SPI_result_code_string(rc));
}

/* ---------------------------------------------------------------- lookups */

int
EcoGood(EcoSnapshot *s, int32 good_id)
{
	int			i;

	for (i = 0; i < s->ngoods; i++)
		if (s->good_id[i] == good_id)
			return i;
	return -1;
}

int
EcoStationIndex(EcoSnapshot *s, int32 station_id)
{
	int			i;

	for (i = 0; i < s->nstations; i++)
		if (s->stations[i].id == station_id)
			return i;
	return -1;
}

int
EcoFaction(EcoSnapshot *s, int32 faction_id)
{
	int			lo = 0,
				hi = s->nfactions - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (s->faction_id[mid] == faction_id)
			return mid;
		if (s->faction_id[mid] < faction_id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

int
EcoBodyIndex(EcoSnapshot *s, int32 body_id)
{
	int			i;

	for (i = 0; i < s->nbodies; i++)
		if (s->bodies[i].id == body_id)
			return i;
	return -1;
}

void
EcoQuote(EcoSnapshot *s, int st, int g, int64 *bid, int64 *ask)
{
	SimMarketQuote(s->base_price[g], s->stock[st * s->ngoods + g], s->target[st * s->ngoods + g],
				   s->spread, bid, ask);
}

void
EcoRecordTrade(EcoSnapshot *s, const EcoTrade *t)
{
	if (s->ntrades == s->trades_cap)
	{
		s->trades_cap *= 2;
		s->trades = repalloc(s->trades, s->trades_cap * sizeof(EcoTrade));
	}
	s->trades[s->ntrades++] = *t;
}

void
EcoRecordLedger(EcoSnapshot *s, bool faucet, const char *reason, int good,
				int64 amount, int32 station_id, int64 ship_id, int32 faction_id)
{
	EcoLedger  *l;

	if (amount <= 0)
		return;
	if (s->nledger == s->ledger_cap)
	{
		s->ledger_cap *= 2;
		s->ledger = repalloc(s->ledger, s->ledger_cap * sizeof(EcoLedger));
	}
	l = &s->ledger[s->nledger++];
	l->faucet = faucet;
	l->reason = reason;
	l->good = good;
	l->amount = amount;
	l->station_id = station_id;
	l->ship_id = ship_id;
	l->faction_id = faction_id;
}

/* Ships docked at station index st, counted from the table the first time. */
int
EcoDockedCount(EcoSnapshot *s, int st)
{
	EcoStation *station = &s->stations[st];

	if (station->docked < 0)
	{
		Oid			types[1] = {INT4OID};
		Datum		vals[1] = {Int32GetDatum(station->id)};

		run_select("SELECT count(*) FROM sim.ship WHERE docked_at = $1 AND state = 'docked'",
				   1, types, vals);
		station->docked = (int32) col_int64(0, 1, 0);
	}
	return station->docked;
}

/* The ship's row as this tick leaves it, to change without a transition. */
EcoRow *
EcoMutate(EcoShip *sh)
{
	if (sh->nrows == 1)
	{
		sh->rows[1] = sh->rows[0];
		sh->nrows = 2;
	}
	return &sh->rows[sh->nrows - 1];
}

/* A new version of the ship's row in state `to`, to fill in. */
EcoRow *
EcoTransit(EcoSnapshot *s, EcoShip *sh, EcoState to)
{
	EcoRow	   *cur = &sh->rows[sh->nrows - 1];

	if (!s->allowed[cur->state][to])
		ereport(ERROR,
				(errcode(ERRCODE_SIM_INVALID_TRANSITION),
				 errmsg("ship " INT64_FORMAT " cannot go from %s to %s", sh->id,
						EcoStateNames[cur->state], EcoStateNames[to]),
				 errdetail("sim.ship_transition lists the state changes a ship may make.")));

	/* a version that made no transition yet takes this one */
	if (sh->nrows >= 2 && cur->state == sh->rows[sh->nrows - 2].state)
	{
		cur->state = to;
		return cur;
	}
	if (sh->nrows == ECO_MAX_ROWS)
		elog(ERROR, "ship " INT64_FORMAT " changed state more than %d times in a tick",
			 sh->id, ECO_MAX_ROWS - 1);
	sh->rows[sh->nrows] = *cur;
	sh->rows[sh->nrows].state = to;
	return &sh->rows[sh->nrows++];
}

/* ---------------------------------------------------------------- loading */

static EcoState
parse_state(const char *s)
{
	int			i;

	for (i = 0; i < ECO_NSTATES; i++)
		if (strcmp(s, EcoStateNames[i]) == 0)
			return (EcoState) i;
	elog(ERROR, "unknown ship state \"%s\"", s);
	return ECO_IDLE;
}

static EcoRole
parse_role(const char *s)
{
	int			i;

	for (i = 0; i < ECO_NROLES; i++)
		if (strcmp(s, EcoRoleNames[i]) == 0)
			return (EcoRole) i;
	elog(ERROR, "unknown ship role \"%s\"", s);
	return ECO_ROLE_MINER;
}

static EcoDest
parse_dest(const char *s)
{
	if (s == NULL)
		return ECO_DEST_NONE;
	if (strcmp(s, "station") == 0)
		return ECO_DEST_STATION;
	if (strcmp(s, "body") == 0)
		return ECO_DEST_BODY;
	return ECO_DEST_POINT;
}

int
EcoSectorIndex(EcoSnapshot *s, int32 id)
{
	int			lo = 0,
				hi = s->nsectors - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (s->sectors[mid].id == id)
			return mid;
		if (s->sectors[mid].id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

static void *
tree_alloc(size_t size)
{
	return palloc(size);
}

static void
tree_free(void *p)
{
	pfree(p);
}

static const SimAllocator tree_mem = {tree_alloc, tree_free};

static void
load_trees(EcoSnapshot *s)
{
	int			r;

	for (r = 0; r < ECO_NROLES; r++)
	{
		Oid			types[1] = {TEXTOID};
		Datum		vals[1] = {CStringGetTextDatum(EcoRoleNames[r])};
		SimBtRow   *rows;
		uint64		i;
		char		errbuf[256];
		bool		bad = false;

		s->trees[r] = NULL;
		run_select("SELECT n.node_id, coalesce(n.parent_id, 0), n.seq, n.kind, n.leaf, n.param "
				   "FROM sim.bt_node n JOIN sim.bt_tree t ON t.id = n.tree_id "
				   "WHERE t.role = $1 ORDER BY n.node_id", 1, types, vals);
		if (SPI_processed == 0)
			continue;
		rows = palloc0(SPI_processed * sizeof(SimBtRow));
		for (i = 0; i < SPI_processed; i++)
		{
			char	   *kind = col_text(i, 4);
			char	   *leaf = col_text(i, 5);
			bool		is_action = false;

			rows[i].node_id = (int32) col_int64(i, 1, 0);
			rows[i].parent_id = (int32) col_int64(i, 2, 0);
			rows[i].seq = (int32) col_int64(i, 3, 0);
			rows[i].param = col_float8(i, 6);
			if (strcmp(kind, "sequence") == 0)
				rows[i].kind = SIM_BT_SEQUENCE;
			else if (strcmp(kind, "selector") == 0)
				rows[i].kind = SIM_BT_SELECTOR;
			else if (strcmp(kind, "inverter") == 0)
				rows[i].kind = SIM_BT_INVERTER;
			else
			{
				rows[i].code = EcoLeafCode(leaf, &is_action);
				rows[i].kind = strcmp(kind, "action") == 0 ? SIM_BT_ACTION : SIM_BT_CONDITION;
				if (rows[i].code < 0 || is_action != (rows[i].kind == SIM_BT_ACTION))
				{
					ereport(WARNING,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("behaviour tree of role \"%s\" uses unknown %s \"%s\"",
									EcoRoleNames[r], SimEcho(kind), SimEcho(leaf)),
							 errdetail("NPC ships of that role wait until the tree is fixed.")));
					bad = true;
					break;
				}
			}
		}
		if (!bad && SimBtBuild(rows, (int) SPI_processed, &tree_mem, &s->trees[r], errbuf, sizeof(errbuf)) != 0)
		{
			ereport(WARNING,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("behaviour tree of role \"%s\" is invalid: %s", EcoRoleNames[r], errbuf),
					 errdetail("NPC ships of that role wait until the tree is fixed.")));
			s->trees[r] = NULL;
		}
	}
}

static void
load_snapshot(EcoSnapshot *s, int64 tick)
{
	uint64		i;
	int			n;

	memset(s, 0, sizeof(*s));
	s->tick = tick;
	s->trades_cap = 64;
	s->trades = palloc(s->trades_cap * sizeof(EcoTrade));
	s->ledger_cap = 64;
	s->ledger = palloc(s->ledger_cap * sizeof(EcoLedger));

	run_select("SELECT spread, tax_rate, dock_ticks, undock_ticks, mine_cycle_ticks, npc_cooldown_ticks "
			   "FROM sim.economy", 0, NULL, NULL);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the universe has no economy rules"),
				 errhint("Insert the row of sim.economy (INSERT INTO sim.economy DEFAULT VALUES).")));
	s->spread = col_float8(0, 1);
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);

		s->tax_ppm = SimRatePpm(DatumGetNumeric(d), "sim.economy.tax_rate");
	}
	s->dock_ticks = (int) col_int64(0, 3, 1);
	s->undock_ticks = (int) col_int64(0, 4, 1);
	s->mine_cycle_ticks = (int) col_int64(0, 5, 1);
	s->cooldown_ticks = (int) col_int64(0, 6, 1);

	run_select("SELECT id, base_price, name = 'fuel' FROM sim.good ORDER BY id", 0, NULL, NULL);
	s->ngoods = (int) SPI_processed;
	s->good_id = palloc(Max(s->ngoods, 1) * sizeof(int32));
	s->base_price = palloc(Max(s->ngoods, 1) * sizeof(int64));
	s->fuel_good = -1;
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;

		s->good_id[i] = (int32) col_int64(i, 1, 0);
		s->base_price[i] = col_int64(i, 2, 1);
		if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3, &isnull)))
			s->fuel_good = (int) i;
	}

	run_select("SELECT id, role, max_speed, max_accel, fuel_per_dv, cargo_capacity, fuel_capacity, "
			   "mining_rate FROM sim.ship_class ORDER BY id", 0, NULL, NULL);
	s->nclasses = (int) SPI_processed;
	s->classes = palloc0(Max(s->nclasses, 1) * sizeof(EcoClass));
	for (i = 0; i < SPI_processed; i++)
	{
		EcoClass   *c = &s->classes[i];

		c->id = (int32) col_int64(i, 1, 0);
		c->role = parse_role(col_text(i, 2));
		c->hull.max_speed = col_float8(i, 3);
		c->hull.max_accel = col_float8(i, 4);
		c->hull.fuel_per_dv = col_float8(i, 5);
		c->cargo_capacity = col_int64(i, 6, 0);
		c->fuel_capacity = col_float8(i, 7);
		c->mining_rate = col_float8(i, 8);
	}

	run_select("SELECT id, security FROM sim.sector ORDER BY id", 0, NULL, NULL);
	s->nsectors = (int) SPI_processed;
	s->sectors = palloc0(Max(s->nsectors, 1) * sizeof(EcoSector));
	for (i = 0; i < SPI_processed; i++)
	{
		s->sectors[i].id = (int32) col_int64(i, 1, 0);
		s->sectors[i].security = col_float8(i, 2);
	}

	run_select("SELECT sector_a, sector_b FROM sim.jump_gate ORDER BY id", 0, NULL, NULL);
	s->ngates = (int) SPI_processed;
	s->gate_a = palloc(Max(s->ngates, 1) * sizeof(int32));
	s->gate_b = palloc(Max(s->ngates, 1) * sizeof(int32));
	for (i = 0; i < SPI_processed; i++)
	{
		s->gate_a[i] = EcoSectorIndex(s, (int32) col_int64(i, 1, 0));
		s->gate_b[i] = EcoSectorIndex(s, (int32) col_int64(i, 2, 0));
	}

	run_select("SELECT st.id, st.faction_id, st.sector_id, st.docking_slots, st.storage_capacity, "
			   "ST_X(st.pos), ST_Y(st.pos), ST_Z(st.pos), "
			   "st.stock_held "
			   "FROM sim.station st ORDER BY st.sector_id, st.id", 0, NULL, NULL);
	s->nstations = (int) SPI_processed;
	s->stations = palloc0(Max(s->nstations, 1) * sizeof(EcoStation));
	for (i = 0; i < SPI_processed; i++)
	{
		EcoStation *st = &s->stations[i];
		EcoSector  *sec;

		st->id = (int32) col_int64(i, 1, 0);
		st->faction = (int32) col_int64(i, 2, 0);
		st->sector = EcoSectorIndex(s, (int32) col_int64(i, 3, 0));
		st->slots = (int32) col_int64(i, 4, 0);
		st->capacity = col_int64(i, 5, 0);
		st->pos[0] = col_float8(i, 6);
		st->pos[1] = col_float8(i, 7);
		st->pos[2] = col_float8(i, 8);
		st->held = col_int64(i, 9, 0);
		st->docked = -1;
		sec = &s->sectors[st->sector];
		if (sec->nstations == 0)
			sec->first_station = (int) i;
		sec->nstations++;
	}

	n = s->nstations * Max(s->ngoods, 1);
	s->stock = palloc(n * sizeof(int64));
	s->target = palloc(n * sizeof(int64));
	s->stock_dirty = palloc0(n * sizeof(bool));
	for (i = 0; i < (uint64) n; i++)
	{
		s->stock[i] = -1;
		s->target[i] = 1;
	}
	run_select("SELECT station_id, good_id, qty, target FROM sim.station_stock", 0, NULL, NULL);
	for (i = 0; i < SPI_processed; i++)
	{
		int			st = EcoStationIndex(s, (int32) col_int64(i, 1, 0));
		int			g = EcoGood(s, (int32) col_int64(i, 2, 0));

		if (st < 0 || g < 0)
			continue;
		s->stock[st * s->ngoods + g] = col_int64(i, 3, 0);
		s->target[st * s->ngoods + g] = col_int64(i, 4, 1);
	}

	run_select("SELECT faction_id, credits FROM sim.wallet ORDER BY faction_id", 0, NULL, NULL);
	s->nfactions = (int) SPI_processed;
	s->faction_id = palloc(Max(s->nfactions, 1) * sizeof(int32));
	s->credits = palloc(Max(s->nfactions, 1) * sizeof(int64));
	s->credits_dirty = palloc0(Max(s->nfactions, 1) * sizeof(bool));
	for (i = 0; i < SPI_processed; i++)
	{
		s->faction_id[i] = (int32) col_int64(i, 1, 0);
		s->credits[i] = col_int64(i, 2, 0);
	}

	run_select("SELECT b.id, b.sector_id, ST_X(b.pos), ST_Y(b.pos), ST_Z(b.pos), b.radius, "
			   "d.good_id, d.richness, d.remaining "
			   "FROM sim.deposit d JOIN sim.body b ON b.id = d.body_id "
			   "WHERE d.remaining > 0 ORDER BY b.sector_id, b.id, d.good_id", 0, NULL, NULL);
	s->ndeposits = (int) SPI_processed;
	s->deposits = palloc0(Max(s->ndeposits, 1) * sizeof(EcoDeposit));
	s->bodies = palloc0(Max(s->ndeposits, 1) * sizeof(EcoBody));
	s->nbodies = 0;
	for (i = 0; i < SPI_processed; i++)
	{
		int32		body_id = (int32) col_int64(i, 1, 0);
		EcoDeposit *d = &s->deposits[i];
		EcoBody    *b;

		if (s->nbodies == 0 || s->bodies[s->nbodies - 1].id != body_id)
		{
			EcoSector  *sec;

			b = &s->bodies[s->nbodies];
			b->id = body_id;
			b->sector = EcoSectorIndex(s, (int32) col_int64(i, 2, 0));
			b->pos[0] = col_float8(i, 3);
			b->pos[1] = col_float8(i, 4);
			b->pos[2] = col_float8(i, 5);
			b->radius = col_float8(i, 6);
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
		d->good = EcoGood(s, (int32) col_int64(i, 7, 0));
		d->richness = col_float8(i, 8);
		d->remaining = col_int64(i, 9, 0);
	}

	run_select("SELECT id, kind = 'transport', issuer_faction, station_id, source_station_id, good_id, "
			   "qty, reward, deadline_tick, status = 'accepted', coalesce(contractor_faction, 0), "
			   "coalesce(ship_id, 0) FROM sim.contract WHERE status IN ('open', 'accepted') "
			   "AND deadline_tick >= $1 ORDER BY id", 1,
			   (Oid[]) {INT8OID}, (Datum[]) {Int64GetDatum(tick)});
	s->ncontracts = (int) SPI_processed;
	s->contracts = palloc0(Max(s->ncontracts, 1) * sizeof(EcoContract));
	for (i = 0; i < SPI_processed; i++)
	{
		EcoContract *c = &s->contracts[i];
		bool		isnull;

		c->id = col_int64(i, 1, 0);
		c->transport = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));
		c->issuer = (int32) col_int64(i, 3, 0);
		c->station = EcoStationIndex(s, (int32) col_int64(i, 4, 0));
		c->source = c->transport ? EcoStationIndex(s, (int32) col_int64(i, 5, 0)) : -1;
		c->good = EcoGood(s, (int32) col_int64(i, 6, 0));
		c->qty = col_int64(i, 7, 0);
		c->reward = col_int64(i, 8, 0);
		c->deadline = col_int64(i, 9, 0);
		c->accepted = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 10, &isnull));
		c->contractor = (int32) col_int64(i, 11, 0);
		c->ship_id = col_int64(i, 12, 0);
	}

	run_select("SELECT from_state, to_state FROM sim.ship_transition", 0, NULL, NULL);
	for (i = 0; i < SPI_processed; i++)
		s->allowed[parse_state(col_text(i, 1))][parse_state(col_text(i, 2))] = true;

	load_trees(s);
}

/* Load the woken ships (ascending id) and their cargo. */
static EcoShip *
load_ships(EcoSnapshot *s, SimWorld *w, const uint32 *due, int ndue, int *nships)
{
	Col			ids;
	Oid			types[1];
	Datum		vals[1];
	EcoShip    *ships;
	uint64		i;
	int			k;

	col_init(&ids, INT8OID);
	for (k = 0; k < ndue; k++)
		push_i64(&ids, w->id[due[k]], false);
	types[0] = INT8ARRAYOID;
	vals[0] = col_array(&ids);
	/* the leg's columns come last, from column 19 on */
	run_select(psprintf("SELECT s.id, s.faction_id, s.class_id, s.sector_id, s.state, coalesce(s.docked_at, 0), "
						"coalesce(s.body_id, 0), coalesce(s.wake_tick, -1), s.fuel, "
						"coalesce(s.arrival_tick, -1), s.dest_kind, coalesce(s.dest_id, 0), s.leg_seq, "
						"EXISTS (SELECT 1 FROM sim.flight_leg f WHERE f.ship_id = s.id AND f.seq = s.leg_seq + 1), "
						"p.ship_id IS NOT NULL, coalesce(p.greed, 0), coalesce(p.fear, 0), coalesce(p.loyalty, 0), "
						"%s FROM sim.ship s LEFT JOIN sim.npc_personality p ON p.ship_id = s.id "
						"WHERE s.id = ANY($1) ORDER BY s.id", SimLegSql("s.{c}", 0)),
			   1, types, vals);
	*nships = (int) SPI_processed;
	ships = palloc0(Max(*nships, 1) * sizeof(EcoShip));
	for (i = 0; i < SPI_processed; i++)
	{
		EcoShip    *sh = &ships[i];
		EcoRow	   *r = &sh->rows[0];
		int32		class_id;
		int32		slot;
		bool		isnull;
		int			c;

		sh->id = col_int64(i, 1, 0);
		slot = SimWorldSlot(w, sh->id);
		if (slot < 0)
			elog(ERROR, "ship " INT64_FORMAT " is missing from the shared-memory world", sh->id);
		sh->slot = (uint32) slot;
		sh->faction = (int32) col_int64(i, 2, 0);
		class_id = (int32) col_int64(i, 3, 0);
		sh->cls = 0;
		for (c = 0; c < s->nclasses; c++)
			if (s->classes[c].id == class_id)
				sh->cls = c;
		r->sector_id = (int32) col_int64(i, 4, 0);
		r->state = parse_state(col_text(i, 5));
		r->docked_at = (int32) col_int64(i, 6, 0);
		r->body_id = (int32) col_int64(i, 7, 0);
		r->wake = col_int64(i, 8, -1);
		r->fuel = col_float8(i, 9);
		r->arrival = col_int64(i, 10, -1);
		r->dest_kind = parse_dest(col_text(i, 11));
		r->dest_id = col_int64(i, 12, 0);
		r->leg_seq = (int32) col_int64(i, 13, 0);
		sh->next_leg = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 14, &isnull));
		sh->npc = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 15, &isnull));
		sh->greed = col_float8(i, 16);
		sh->fear = col_float8(i, 17);
		sh->loyalty = col_float8(i, 18);
		SimLegFromTuple(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 19, &r->leg);
		sh->nrows = 1;
		sh->cargo = palloc0(Max(s->ngoods, 1) * sizeof(int64));
		sh->pos[0] = r->leg.ox;
		sh->pos[1] = r->leg.oy;
		sh->pos[2] = r->leg.oz;
	}

	run_select("SELECT ship_id, good_id, qty FROM sim.ship_cargo WHERE ship_id = ANY($1) ORDER BY ship_id",
			   1, types, vals);
	k = 0;
	for (i = 0; i < SPI_processed; i++)
	{
		int64		ship = col_int64(i, 1, 0);
		int			g = EcoGood(s, (int32) col_int64(i, 2, 0));

		while (k < *nships && ships[k].id < ship)
			k++;
		if (k < *nships && ships[k].id == ship && g >= 0)
		{
			ships[k].cargo[g] = col_int64(i, 3, 0);
			ships[k].cargo_total += ships[k].cargo[g];
		}
	}
	return ships;
}

/* ---------------------------------------------------------------- waking */

/* Bring the ship to rest where it is, with no plan. */
static void
rest_at(EcoRow *r, const double pos[3], int64 tick)
{
	memset(&r->leg, 0, sizeof(r->leg));
	r->leg.ox = pos[0];
	r->leg.oy = pos[1];
	r->leg.oz = pos[2];
	r->leg.start_tick = (double) tick;
	r->arrival = -1;
	r->dest_kind = ECO_DEST_NONE;
	r->dest_id = 0;
	r->leg_seq = 0;
}

/* A flying ship reached the end of its last leg. */
static void
arrive_final(EcoSnapshot *s, SimWorld *w, EcoShip *sh)
{
	EcoRow		cur = sh->rows[sh->nrows - 1];
	double		vel[3];
	EcoRow	   *r;

	SimLegEval(&cur.leg, (double) s->tick, sh->pos, vel);
	if (cur.dest_kind == ECO_DEST_STATION && EcoStationIndex(s, (int32) cur.dest_id) >= 0)
	{
		r = EcoTransit(s, sh, ECO_DOCKING);
		rest_at(r, sh->pos, s->tick);
		r->docked_at = (int32) cur.dest_id;
		r->wake = s->tick + s->dock_ticks;
	}
	else if (cur.dest_kind == ECO_DEST_BODY)
	{
		r = EcoTransit(s, sh, ECO_ORBITING);
		rest_at(r, sh->pos, s->tick);
		r->body_id = (int32) cur.dest_id;
		r->wake = s->tick;
	}
	else
	{
		r = EcoTransit(s, sh, ECO_IDLE);
		rest_at(r, sh->pos, s->tick);
		r->wake = s->tick;
	}
}

/* One mining cycle: the hold fills from the deposits of the orbited body. */
static bool
mine_cycle(EcoSnapshot *s, EcoShip *sh)
{
	EcoRow	   *r = &sh->rows[sh->nrows - 1];
	EcoClass   *c = &s->classes[sh->cls];
	int			b = EcoBodyIndex(s, r->body_id);
	int			i;
	bool		more = false;

	if (b < 0)
		return false;
	for (i = 0; i < s->bodies[b].ndeposits; i++)
	{
		EcoDeposit *d = &s->deposits[s->bodies[b].first_deposit + i];
		int64		room = c->cargo_capacity - sh->cargo_total;
		int64		amount = (int64) floor(c->mining_rate * d->richness * s->mine_cycle_ticks);

		if (d->good < 0 || d->remaining <= 0 || room <= 0)
			continue;
		amount = Max(amount, 1);
		amount = Min(amount, room);
		amount = Min(amount, d->remaining);
		d->remaining -= amount;
		d->dirty = true;
		sh->cargo[d->good] += amount;
		sh->cargo_total += amount;
		sh->cargo_dirty = true;
		EcoRecordLedger(s, true, "mining", d->good, amount, 0, sh->id, sh->faction);
		if (d->remaining > 0)
			more = true;
	}
	return more && sh->cargo_total < c->cargo_capacity;
}

/* What a woken ship does: its state's next step, then (NPC) a decision. */
static void
wake_ship(EcoSnapshot *s, SimWorld *w, EcoShip *sh, int *arrivals)
{
	EcoRow	   *r = &sh->rows[0];
	bool		decide = false;

	switch (r->state)
	{
		case ECO_FLYING:
			(*arrivals)++;
			arrive_final(s, w, sh);
			decide = sh->rows[sh->nrows - 1].state != ECO_DOCKING;
			break;
		case ECO_DOCKING:
			{
				int			st = EcoStationIndex(s, r->docked_at);

				if (st >= 0 && EcoDockedCount(s, st) < s->stations[st].slots)
				{
					EcoRow	   *n = EcoTransit(s, sh, ECO_DOCKED);

					n->wake = -1;
					s->stations[st].docked++;
					decide = true;
				}
				else
					EcoMutate(sh)->wake = s->tick + 1;	/* queued for a slot */
				break;
			}
		case ECO_UNDOCKING:
			{
				EcoRow	   *n = EcoTransit(s, sh, ECO_IDLE);

				n->docked_at = 0;
				n->wake = -1;
				decide = true;
				break;
			}
		case ECO_MINING:
			if (mine_cycle(s, sh))
				EcoMutate(sh)->wake = s->tick + s->mine_cycle_ticks;
			else
			{
				EcoTransit(s, sh, ECO_ORBITING)->wake = -1;
				decide = true;
			}
			break;
		default:
			EcoMutate(sh)->wake = -1;
			decide = true;
			break;
	}

	if (decide && sh->npc)
		EcoDecide(s, sh);
	else if (decide)
	{
		EcoRow	   *n = &sh->rows[sh->nrows - 1];

		if (n->state != ECO_FLYING && n->wake == s->tick)
			n->wake = -1;
	}
}

/* ---------------------------------------------------------------- orders */

/* Match every book with open orders on both sides (price-time priority). */
static void
match_orders(EcoSnapshot *s)
{
	uint64		i,
				n;
	SPITupleTable *tt;
	Col			o_id,
				o_qty,
				o_escrow,
				o_status;
	int64	   *ids;
	int32	   *station,
			   *good,
			   *faction;
	int64	   *ship,
			   *price,
			   *qty,
			   *escrow;
	bool	   *buy;
	uint64		start;

	run_select("SELECT o.id, o.station_id, o.good_id, o.side = 'buy', o.faction_id, o.ship_id, o.price, "
			   "o.qty_open, o.escrow FROM sim.market_order o "
			   "WHERE o.status = 'open' AND EXISTS (SELECT 1 FROM sim.market_order x "
			   "  WHERE x.status = 'open' AND x.station_id = o.station_id AND x.good_id = o.good_id "
			   "  AND x.side <> o.side) ORDER BY o.station_id, o.good_id, o.id", 0, NULL, NULL);
	n = SPI_processed;
	if (n == 0)
		return;
	tt = SPI_tuptable;
	ids = palloc(n * sizeof(int64));
	station = palloc(n * sizeof(int32));
	good = palloc(n * sizeof(int32));
	faction = palloc(n * sizeof(int32));
	ship = palloc(n * sizeof(int64));
	price = palloc(n * sizeof(int64));
	qty = palloc(n * sizeof(int64));
	escrow = palloc(n * sizeof(int64));
	buy = palloc(n * sizeof(bool));
	for (i = 0; i < n; i++)
	{
		bool		isnull;

		SPI_tuptable = tt;
		ids[i] = col_int64(i, 1, 0);
		station[i] = (int32) col_int64(i, 2, 0);
		good[i] = (int32) col_int64(i, 3, 0);
		buy[i] = DatumGetBool(SPI_getbinval(tt->vals[i], tt->tupdesc, 4, &isnull));
		faction[i] = (int32) col_int64(i, 5, 0);
		ship[i] = col_int64(i, 6, 0);
		price[i] = col_int64(i, 7, 0);
		qty[i] = col_int64(i, 8, 0);
		escrow[i] = col_int64(i, 9, 0);
	}

	col_init(&o_id, INT8OID);
	col_init(&o_qty, INT8OID);
	col_init(&o_escrow, INT8OID);
	col_init(&o_status, TEXTOID);

	for (start = 0; start < n;)
	{
		uint64		end = start;
		int			nb = 0,
					ns = 0,
					nf,
					f;
		SimOrder   *buys,
				   *sells;
		SimFill    *fills;
		int			st = EcoStationIndex(s, station[start]);
		int			g = EcoGood(s, good[start]);

		while (end < n && station[end] == station[start] && good[end] == good[start])
			end++;
		buys = palloc((end - start) * sizeof(SimOrder));
		sells = palloc((end - start) * sizeof(SimOrder));
		for (i = start; i < end; i++)
		{
			SimOrder   *o = buy[i] ? &buys[nb++] : &sells[ns++];

			o->id = ids[i];
			o->price = price[i];
			o->qty = qty[i];
			o->cap = qty[i];
		}
		/*
		 * A buy fills only into its ship's hold, docked at the station; a
		 * ship's orders share its free room, the earlier ones first.
		 */
		for (f = 0; f < nb; f++)
		{
			int			e;
			int64		reserved = 0;

			Oid			types[2] = {INT8OID, INT4OID};
			Datum		vals[2];
			uint64		row = start;

			while (ids[row] != buys[f].id)
				row++;
			vals[0] = Int64GetDatum(ship[row]);
			vals[1] = Int32GetDatum(station[row]);
			run_select("SELECT c.cargo_capacity - s.cargo_held FROM sim.ship s "
					   "JOIN sim.ship_class c ON c.id = s.class_id "
					   "WHERE s.id = $1 AND s.state = 'docked' AND s.docked_at = $2", 2, types, vals);
			for (e = 0; e < f; e++)
			{
				uint64		other = start;

				while (ids[other] != buys[e].id)
					other++;
				if (ship[other] == ship[row])
					reserved += buys[e].cap;
			}
			buys[f].cap = SPI_processed > 0
				? Min(buys[f].qty, Max(col_int64(0, 1, 0) - reserved, 0)) : 0;
		}
		fills = palloc((nb + ns + 1) * sizeof(SimFill));
		nf = SimMarketMatch(buys, nb, sells, ns, fills, nb + ns + 1);
		if (nf < 0)
			elog(ERROR, "order matching overflowed");
		for (f = 0; f < nf; f++)
		{
			uint64		bi = start,
						si = start;
			EcoTrade	t;
			int64		value = fills[f].qty * fills[f].price;
			int64		tax = SimLevy(value, s->tax_ppm);
			int			bf,
						sf;
			Oid			types[3] = {INT8OID, INT4OID, INT8OID};
			Datum		vals[3];

			while (ids[bi] != fills[f].buy_id)
				bi++;
			while (ids[si] != fills[f].sell_id)
				si++;
			/* the buyer paid limit * qty into escrow: the difference comes back */
			escrow[bi] -= price[bi] * fills[f].qty;
			qty[bi] -= fills[f].qty;
			qty[si] -= fills[f].qty;
			bf = EcoFaction(s, faction[bi]);
			sf = EcoFaction(s, faction[si]);
			if (bf < 0 || sf < 0)
				elog(ERROR, "order of a faction without a wallet");
			s->credits[bf] += (price[bi] - fills[f].price) * fills[f].qty;
			s->credits_dirty[bf] = true;
			s->credits[sf] += value - tax;
			s->credits_dirty[sf] = true;
			EcoRecordLedger(s, false, "tax", -1, tax, station[start], ship[si], faction[si]);
			/* the goods go into the buyer's hold */
			vals[0] = Int64GetDatum(ship[bi]);
			vals[1] = Int32GetDatum(good[start]);
			vals[2] = Int64GetDatum(fills[f].qty);
			if (SPI_execute_with_args("INSERT INTO sim.ship_cargo (ship_id, good_id, qty) VALUES ($1, $2, $3) "
									  "ON CONFLICT (ship_id, good_id) DO UPDATE SET qty = sim.ship_cargo.qty + $3",
									  3, types, vals, NULL, false, 0) != SPI_OK_INSERT)
				elog(ERROR, "could not deliver matched goods");
			memset(&t, 0, sizeof(t));
			t.station = st;
			t.good = g;
			t.qty = fills[f].qty;
			t.price = fills[f].price;
			t.buyer_faction = faction[bi];
			t.seller_faction = faction[si];
			t.buyer_ship = ship[bi];
			t.seller_ship = ship[si];
			t.kind = "order";
			t.tax = tax;
			t.buy_order = ids[bi];
			t.sell_order = ids[si];
			EcoRecordTrade(s, &t);
		}
		for (i = start; i < end; i++)
		{
			push_i64(&o_id, ids[i], false);
			push_i64(&o_qty, qty[i], false);
			if (qty[i] == 0 && buy[i] && escrow[i] > 0)
			{
				/* a filled buy order returns what its escrow still holds */
				int			bf = EcoFaction(s, faction[i]);

				s->credits[bf] += escrow[i];
				s->credits_dirty[bf] = true;
				escrow[i] = 0;
			}
			push_i64(&o_escrow, escrow[i], false);
			push_text(&o_status, qty[i] == 0 ? "filled" : "open");
		}
		start = end;
	}
	{
		Col			cols[4] = {o_id, o_qty, o_escrow, o_status};

		run_with_cols("UPDATE sim.market_order o SET qty_open = u.qty, escrow = u.escrow, status = u.status, "
					  "closed_tick = CASE WHEN u.status = 'open' THEN NULL ELSE sim.current_tick() END "
					  "FROM unnest($1, $2, $3, $4) AS u(id, qty, escrow, status) "
					  "WHERE o.id = u.id AND (o.qty_open <> u.qty OR o.status <> u.status)",
					  cols, 4, SPI_OK_UPDATE);
	}
}

/* ---------------------------------------------------------------- writing */

bool		EcoWritingShips = false;

/* The columns of a ship's row write_ship_rows sets before the leg's. */
#define SHIP_COLS 11

/*
 * Write each changed ship's final row in one statement, and one sim.ship_event
 * row per transition it made on the way (each checked by EcoTransit against
 * sim.ship_transition, the table the trigger checks other writes against).
 */
static void
write_ship_rows(EcoShip *ships, int nships)
{
	Col			c[SHIP_COLS + SIM_LEG_NFIELDS];
	Col			e[6];
	Datum		leg[SIM_LEG_NFIELDS];
	int			j,
				k,
				i;

	col_init(&c[0], INT8OID);
	col_init(&c[1], TEXTOID);
	col_init(&c[2], INT4OID);
	col_init(&c[3], INT4OID);
	col_init(&c[4], INT8OID);
	col_init(&c[5], FLOAT8OID);
	col_init(&c[6], INT8OID);
	col_init(&c[7], TEXTOID);
	col_init(&c[8], INT8OID);
	col_init(&c[9], INT4OID);
	col_init(&c[10], INT4OID);
	for (j = 0; j < SIM_LEG_NFIELDS; j++)
		col_init(&c[SHIP_COLS + j], SimLegTypes[j]);
	col_init(&e[0], INT8OID);
	col_init(&e[1], TEXTOID);
	col_init(&e[2], TEXTOID);
	col_init(&e[3], INT4OID);
	col_init(&e[4], INT4OID);
	for (k = 0; k < nships; k++)
	{
		EcoShip    *sh = &ships[k];
		EcoRow	   *r;

		if (sh->nrows <= 1)
			continue;
		r = &sh->rows[sh->nrows - 1];
		push_i64(&c[0], sh->id, false);
		push_text(&c[1], EcoStateNames[r->state]);
		push_i32(&c[2], r->docked_at, r->docked_at == 0);
		push_i32(&c[3], r->body_id, r->body_id == 0);
		push_i64(&c[4], r->wake, r->wake < 0);
		push_f8(&c[5], r->fuel);
		push_i64(&c[6], r->arrival, r->arrival < 0);
		push_text(&c[7], dest_names[r->dest_kind]);
		push_i64(&c[8], r->dest_id, r->dest_kind == ECO_DEST_NONE || r->dest_kind == ECO_DEST_POINT);
		push_i32(&c[9], r->leg_seq, false);
		push_i32(&c[10], r->sector_id, false);
		SimLegToParams(&r->leg, NULL, leg);
		for (j = 0; j < SIM_LEG_NFIELDS; j++)
			col_push(&c[SHIP_COLS + j], leg[j], false);
		for (i = 1; i < sh->nrows; i++)
		{
			EcoRow	   *a = &sh->rows[i - 1];
			EcoRow	   *b = &sh->rows[i];
			int32		station = b->docked_at ? b->docked_at : a->docked_at;
			int32		body = b->body_id ? b->body_id : a->body_id;

			if (a->state == b->state)
				continue;
			push_i64(&e[0], sh->id, false);
			push_text(&e[1], EcoStateNames[a->state]);
			push_text(&e[2], EcoStateNames[b->state]);
			push_i32(&e[3], station, station == 0);
			push_i32(&e[4], body, body == 0);
		}
	}
	EcoWritingShips = true;
	PG_TRY();
	{
		run_with_cols(psprintf("UPDATE sim.ship s SET state = u.state, docked_at = u.docked_at, "
							   "body_id = u.body_id, wake_tick = u.wake, fuel = u.fuel, "
							   "arrival_tick = u.arrival, dest_kind = u.dest_kind, dest_id = u.dest_id, "
							   "leg_seq = u.seq, sector_id = u.sector, %s "
							   "FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, %s) "
							   "AS u(id, state, docked_at, body_id, wake, fuel, arrival, dest_kind, dest_id, "
							   "seq, sector, %s) WHERE s.id = u.id",
							   SimLegSql("{c} = u.{c}", 0), SimLegSql("${n}", SHIP_COLS + 1),
							   SimLegSql("{c}", 0)),
					  c, SHIP_COLS + SIM_LEG_NFIELDS, SPI_OK_UPDATE);
	}
	PG_FINALLY();
	{
		EcoWritingShips = false;
	}
	PG_END_TRY();
	run_with_cols("INSERT INTO sim.ship_event (tick, ship_id, from_state, to_state, station_id, body_id) "
				  "SELECT sim.current_tick(), * FROM unnest($1, $2, $3, $4, $5)", e, 5, SPI_OK_INSERT);
}

static void
write_holds(EcoSnapshot *s, EcoShip *ships, int nships)
{
	Col			c[4];
	int			k,
				g;

	/* holds: rewrite the cargo of every ship whose hold changed */
	col_init(&c[0], INT8OID);
	col_init(&c[1], INT8OID);
	col_init(&c[2], INT4OID);
	col_init(&c[3], INT8OID);
	for (k = 0; k < nships; k++)
	{
		if (!ships[k].cargo_dirty)
			continue;
		push_i64(&c[0], ships[k].id, false);
		for (g = 0; g < s->ngoods; g++)
			if (ships[k].cargo[g] > 0)
			{
				push_i64(&c[1], ships[k].id, false);
				push_i32(&c[2], s->good_id[g], false);
				push_i64(&c[3], ships[k].cargo[g], false);
			}
	}
	run_with_cols("DELETE FROM sim.ship_cargo WHERE ship_id = ANY($1)", &c[0], 1, SPI_OK_DELETE);
	run_with_cols("INSERT INTO sim.ship_cargo (ship_id, good_id, qty) SELECT * FROM unnest($1, $2, $3)",
				  &c[1], 3, SPI_OK_INSERT);
}

/* Write stock, wallets, deposits, contracts, trades and ledger; then start afresh. */
static void
write_accounts(EcoSnapshot *s)
{
	Col			c[13];
	int			i;

	/* station stock */
	col_init(&c[0], INT4OID);
	col_init(&c[1], INT4OID);
	col_init(&c[2], INT8OID);
	for (i = 0; i < s->nstations * s->ngoods; i++)
		if (s->stock_dirty[i])
		{
			push_i32(&c[0], s->stations[i / s->ngoods].id, false);
			push_i32(&c[1], s->good_id[i % s->ngoods], false);
			push_i64(&c[2], s->stock[i], false);
		}
	run_with_cols("UPDATE sim.station_stock k SET qty = u.qty FROM unnest($1, $2, $3) AS u(st, g, qty) "
				  "WHERE k.station_id = u.st AND k.good_id = u.g", c, 3, SPI_OK_UPDATE);

	/* wallets */
	col_init(&c[0], INT4OID);
	col_init(&c[1], INT8OID);
	for (i = 0; i < s->nfactions; i++)
		if (s->credits_dirty[i])
		{
			push_i32(&c[0], s->faction_id[i], false);
			push_i64(&c[1], s->credits[i], false);
		}
	run_with_cols("UPDATE sim.wallet w SET credits = u.credits FROM unnest($1, $2) AS u(f, credits) "
				  "WHERE w.faction_id = u.f", c, 2, SPI_OK_UPDATE);

	/* deposits */
	col_init(&c[0], INT4OID);
	col_init(&c[1], INT4OID);
	col_init(&c[2], INT8OID);
	for (i = 0; i < s->ndeposits; i++)
		if (s->deposits[i].dirty)
		{
			push_i32(&c[0], s->deposits[i].body_id, false);
			push_i32(&c[1], s->good_id[s->deposits[i].good], false);
			push_i64(&c[2], s->deposits[i].remaining, false);
		}
	run_with_cols("UPDATE sim.deposit d SET remaining = u.r FROM unnest($1, $2, $3) AS u(b, g, r) "
				  "WHERE d.body_id = u.b AND d.good_id = u.g", c, 3, SPI_OK_UPDATE);

	/* contracts taken or fulfilled */
	col_init(&c[0], INT8OID);
	col_init(&c[1], TEXTOID);
	col_init(&c[2], INT4OID);
	col_init(&c[3], INT8OID);
	for (i = 0; i < s->ncontracts; i++)
	{
		EcoContract *ct = &s->contracts[i];

		if (!ct->dirty)
			continue;
		push_i64(&c[0], ct->id, false);
		push_text(&c[1], ct->closed ? "fulfilled" : (ct->accepted ? "accepted" : "open"));
		push_i32(&c[2], ct->contractor, ct->contractor == 0);
		push_i64(&c[3], ct->ship_id, ct->ship_id == 0);
	}
	run_with_cols("UPDATE sim.contract c SET status = u.status, contractor_faction = u.f, ship_id = u.ship, "
				  "accepted_tick = CASE WHEN c.status = 'open' THEN sim.current_tick() ELSE c.accepted_tick END, "
				  "escrow = CASE WHEN u.status = 'fulfilled' THEN 0 ELSE c.escrow END, "
				  "closed_tick = CASE WHEN u.status = 'fulfilled' THEN sim.current_tick() END "
				  "FROM unnest($1, $2, $3, $4) AS u(id, status, f, ship) WHERE c.id = u.id",
				  c, 4, SPI_OK_UPDATE);

	/* trades */
	for (i = 0; i < 12; i++)
		col_init(&c[i], (i == 0 || i == 1 || i == 4 || i == 5) ? INT4OID : (i == 8 ? TEXTOID : INT8OID));
	for (i = 0; i < s->ntrades; i++)
	{
		EcoTrade   *t = &s->trades[i];

		push_i32(&c[0], s->stations[t->station].id, false);
		push_i32(&c[1], s->good_id[t->good], false);
		push_i64(&c[2], t->qty, false);
		push_i64(&c[3], t->price, false);
		push_i32(&c[4], t->buyer_faction, false);
		push_i32(&c[5], t->seller_faction, false);
		push_i64(&c[6], t->buyer_ship, t->buyer_ship == 0);
		push_i64(&c[7], t->seller_ship, t->seller_ship == 0);
		push_text(&c[8], t->kind);
		push_i64(&c[9], t->buy_order, t->buy_order == 0);
		push_i64(&c[10], t->sell_order, t->sell_order == 0);
		push_i64(&c[11], t->tax, false);
	}
	run_with_cols("INSERT INTO sim.trade (tick, station_id, good_id, qty, price, buyer_faction, seller_faction, "
				  "buyer_ship, seller_ship, kind, buy_order, sell_order, tax) "
				  "SELECT sim.current_tick(), * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
				  c, 12, SPI_OK_INSERT);

	/* ledger */
	col_init(&c[0], TEXTOID);
	col_init(&c[1], TEXTOID);
	col_init(&c[2], INT4OID);
	col_init(&c[3], INT8OID);
	col_init(&c[4], INT4OID);
	col_init(&c[5], INT8OID);
	col_init(&c[6], INT4OID);
	for (i = 0; i < s->nledger; i++)
	{
		EcoLedger  *l = &s->ledger[i];

		push_text(&c[0], l->faucet ? "faucet" : "sink");
		push_text(&c[1], l->reason);
		push_i32(&c[2], l->good >= 0 ? s->good_id[l->good] : 0, l->good < 0);
		push_i64(&c[3], l->amount, false);
		push_i32(&c[4], l->station_id, l->station_id == 0);
		push_i64(&c[5], l->ship_id, l->ship_id == 0);
		push_i32(&c[6], l->faction_id, l->faction_id == 0);
	}
	run_with_cols("INSERT INTO sim.ledger (tick, flow, reason, good_id, amount, station_id, ship_id, faction_id) "
				  "SELECT sim.current_tick(), * FROM unnest($1, $2, $3, $4, $5, $6, $7)",
				  c, 7, SPI_OK_INSERT);

	memset(s->stock_dirty, 0, s->nstations * Max(s->ngoods, 1) * sizeof(bool));
	memset(s->credits_dirty, 0, Max(s->nfactions, 1) * sizeof(bool));
	for (i = 0; i < s->ndeposits; i++)
		s->deposits[i].dirty = false;
	for (i = 0; i < s->ncontracts; i++)
		s->contracts[i].dirty = false;
	s->ntrades = 0;
	s->nledger = 0;
}

/* Bring the shared-memory world in line with the rows just written. */
static void
sync_world(SimWorld *w, EcoShip *ships, int nships)
{
	int			k;

	for (k = 0; k < nships; k++)
	{
		EcoShip    *sh = &ships[k];
		EcoRow	   *r = &sh->rows[sh->nrows - 1];

		if (sh->store_journey)
		{
			SimWorldSetLeg(w, sh->slot, &sh->journey.legs[0].leg, sh->journey.legs[0].arrival_tick);
			continue;
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
}

void
SimEconomyTick(SimWorld *w, int64 tick, const uint32 *due, int ndue, int *arrivals)
{
	EcoSnapshot snap;
	EcoShip    *ships = NULL;
	int			nships = 0;
	int			k;
	Oid			types[1] = {INT8OID};
	Datum		vals[1] = {Int64GetDatum(tick)};

	instr_time	t0, t1, t2, t3, t4, t5, t6;

	INSTR_TIME_SET_CURRENT(t0);
	/* stations produce and consume, contracts expire or appear */
	if (SPI_execute_with_args("SELECT sim.run_stations($1)", 1, types, vals, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not run the stations");
	INSTR_TIME_SET_CURRENT(t1);

	load_snapshot(&snap, tick);
	INSTR_TIME_SET_CURRENT(t2);
	if (ndue > 0)
		ships = load_ships(&snap, w, due, ndue, &nships);
	INSTR_TIME_SET_CURRENT(t3);

	for (k = 0; k < nships; k++)
	{
		EcoShip    *sh = &ships[k];

		/* a journey's next leg starts where this one ended */
		if (sh->rows[0].state == ECO_FLYING && sh->next_leg)
		{
			SimArriveNextLeg(w, sh->slot, tick);
			(*arrivals)++;
			sh->nrows = 0;		/* nothing more to write */
			continue;
		}
		wake_ship(&snap, w, sh, arrivals);
	}

	INSTR_TIME_SET_CURRENT(t4);
	write_ship_rows(ships, nships);
	INSTR_TIME_SET_CURRENT(t5);
	write_holds(&snap, ships, nships);
	write_accounts(&snap);
	/* orders match against the holds and wallets as now written */
	match_orders(&snap);
	write_accounts(&snap);
	for (k = 0; k < nships; k++)
		if (ships[k].store_journey)
			SimJourneyStore(ships[k].id, &ships[k].journey);
	for (k = 0; k < nships; k++)
		if (ships[k].nrows > 0)
			sync_world(w, &ships[k], 1);
	INSTR_TIME_SET_CURRENT(t6);
	elog(DEBUG1, "economy tick " INT64_FORMAT ": %d ships; stations %.2f snapshot %.2f ships %.2f decide %.2f rows %.2f rest %.2f ms",
		 tick, nships,
		 INSTR_TIME_GET_MILLISEC(t1) - INSTR_TIME_GET_MILLISEC(t0),
		 INSTR_TIME_GET_MILLISEC(t2) - INSTR_TIME_GET_MILLISEC(t1),
		 INSTR_TIME_GET_MILLISEC(t3) - INSTR_TIME_GET_MILLISEC(t2),
		 INSTR_TIME_GET_MILLISEC(t4) - INSTR_TIME_GET_MILLISEC(t3),
		 INSTR_TIME_GET_MILLISEC(t5) - INSTR_TIME_GET_MILLISEC(t4),
		 INSTR_TIME_GET_MILLISEC(t6) - INSTR_TIME_GET_MILLISEC(t5));
}

PG_FUNCTION_INFO_V1(sim_tick_writing_ships);

/* SQL: true while the tick writes ship rows whose transitions it records itself. */
Datum
sim_tick_writing_ships(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(EcoWritingShips);
}
