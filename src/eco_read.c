/*
 * eco_read.c -- what the economy reads afresh (include/sim/economy.h): the
 * behaviour trees compiled for the kept world, and every tick, one
 * statement each, the open and accepted contracts, the woken ships with
 * their cargo (and the next leg of those on a journey), the ships docked at
 * the stations those ships are docked or docking at, and the open orders of
 * books with both sides open.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"

#include "sim/bounds.h"
#include "sim/economy.h"
#include "sim/leg_row.h"
#include "sim/sql.h"
#include "sim/world.h"

static SimStmt st_trees = {.sql = "SELECT t.role, n.node_id, coalesce(n.parent_id, 0), n.seq, n.kind, n.leaf, n.param "
	"FROM sim.bt_node n JOIN sim.bt_tree t ON t.id = n.tree_id ORDER BY t.role, n.node_id"};

/* Compile the trees of st_trees' rows [from, to) for role r; a bad tree leaves the role without one. */
static void
build_tree(EcoWorld *s, const SimAllocator *mem, int r, uint64 from, uint64 to)
{
	SimBtRow   *rows = palloc0((to - from) * sizeof(SimBtRow));
	uint64		i;
	char		errbuf[256];

	for (i = from; i < to; i++)
	{
		SimBtRow   *row = &rows[i - from];
		char	   *kind = SimGetText(i, 5);
		char	   *leaf = SimGetText(i, 6);
		bool		is_action = false;

		row->node_id = (int32) SimGetInt64(i, 2, 0);
		row->parent_id = (int32) SimGetInt64(i, 3, 0);
		row->seq = (int32) SimGetInt64(i, 4, 0);
		row->param = SimGetFloat8(i, 7, 0.0);
		if (strcmp(kind, "sequence") == 0)
			row->kind = SIM_BT_SEQUENCE;
		else if (strcmp(kind, "selector") == 0)
			row->kind = SIM_BT_SELECTOR;
		else if (strcmp(kind, "inverter") == 0)
			row->kind = SIM_BT_INVERTER;
		else
		{
			row->code = EcoLeafCode(leaf, &is_action);
			row->kind = strcmp(kind, "action") == 0 ? SIM_BT_ACTION : SIM_BT_CONDITION;
			if (row->code < 0 || is_action != (row->kind == SIM_BT_ACTION))
			{
				ereport(WARNING,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("behaviour tree of role \"%s\" uses unknown %s \"%s\"",
								EcoRoleNames[r], SimEcho(kind), SimEcho(leaf)),
						 errdetail("NPC ships of that role wait until the tree is fixed.")));
				return;
			}
		}
	}
	if (SimBtBuild(rows, (int) (to - from), mem, &s->trees[r], errbuf, sizeof(errbuf)) != 0)
	{
		ereport(WARNING,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("behaviour tree of role \"%s\" is invalid: %s", EcoRoleNames[r], errbuf),
				 errdetail("NPC ships of that role wait until the tree is fixed.")));
		s->trees[r] = NULL;
	}
}

void
EcoLoadTrees(EcoWorld *s, const SimAllocator *mem)
{
	uint64		start = 0;
	int			r;

	for (r = 0; r < ECO_NROLES; r++)
		s->trees[r] = NULL;
	SimStmtRun(&st_trees, NULL, NULL, SPI_OK_SELECT);
	while (start < SPI_processed)
	{
		char	   *role = SimGetText(start, 1);
		uint64		end = start + 1;
		int			k;

		while (end < SPI_processed && strcmp(SimGetText(end, 1), role) == 0)
			end++;
		for (k = 0; k < ECO_NROLES; k++)
			if (strcmp(role, EcoRoleNames[k]) == 0)
				build_tree(s, mem, k, start, end);
		start = end;
	}
}


static SimStmt st_contracts = {.sql = "SELECT id, kind = 'transport', issuer_faction, station_id, source_station_id, good_id, "
	"qty, reward, deadline_tick, status = 'accepted', coalesce(contractor_faction, 0), coalesce(ship_id, 0) "
	"FROM sim.contract WHERE status IN ('open', 'accepted') ORDER BY id"};

void
EcoLoadContracts(EcoWorld *s)
{
	uint64		i;

	SimStmtRun(&st_contracts, NULL, NULL, SPI_OK_SELECT);
	s->ncontracts = (int) SPI_processed;
	s->contracts_cap = Max(s->ncontracts, 1);
	s->contracts = palloc0(s->contracts_cap * sizeof(EcoContract));
	for (i = 0; i < SPI_processed; i++)
	{
		EcoContract *c = &s->contracts[i];

		c->id = SimGetInt64(i, 1, 0);
		c->transport = SimGetBool(i, 2);
		c->issuer = (int32) SimGetInt64(i, 3, 0);
		c->station = EcoStationIndex(s, (int32) SimGetInt64(i, 4, 0));
		c->source = c->transport ? EcoStationIndex(s, (int32) SimGetInt64(i, 5, 0)) : -1;
		c->good = EcoGood(s, (int32) SimGetInt64(i, 6, 0));
		c->qty = SimGetInt64(i, 7, 0);
		c->reward = SimGetInt64(i, 8, 0);
		c->deadline = SimGetInt64(i, 9, 0);
		c->accepted = SimGetBool(i, 10);
		c->contractor = (int32) SimGetInt64(i, 11, 0);
		c->ship_id = SimGetInt64(i, 12, 0);
	}
}

static SimStmt st_ships;
static SimStmt st_cargo = {.sql = "SELECT ship_id, good_id, qty FROM sim.ship_cargo WHERE ship_id = ANY($1) ORDER BY ship_id", .nargs = 1, .types = {INT8ARRAYOID}};

EcoShip *
EcoLoadShips(EcoWorld *s, SimWorld *w, const uint32 *due, int ndue, int *nships)
{
	SimCol		ids;
	Datum		vals[1];
	EcoShip    *ships;
	uint64		i;
	int			k;

	if (st_ships.sql == NULL)
	{
		/*
		 * the leg's columns from column 19 on, then the next leg's: its
		 * seq, arrival, sector and columns
		 */
		SimStmtText(&st_ships, psprintf("SELECT s.id, s.faction_id, s.class_id, s.sector_id, s.state, coalesce(s.docked_at, 0), "
										"coalesce(s.body_id, 0), coalesce(s.wake_tick, -1), s.fuel, "
										"coalesce(s.arrival_tick, -1), s.dest_kind, coalesce(s.dest_id, 0), s.leg_seq, "
										"f.seq IS NOT NULL, "
										"p.ship_id IS NOT NULL, coalesce(p.greed, 0), coalesce(p.fear, 0), coalesce(p.loyalty, 0), "
										"%s, f.seq, f.arrival_tick, f.sector_id, %s "
										"FROM sim.ship s LEFT JOIN sim.npc_personality p ON p.ship_id = s.id "
										"LEFT JOIN sim.flight_leg f ON f.ship_id = s.id AND f.seq = s.leg_seq + 1 "
										"WHERE s.id = ANY($1) ORDER BY s.id", SimLegSql("s.{c}", 0), SimLegSql("f.{c}", 0)));
		st_ships.nargs = 1;
		st_ships.types[0] = INT8ARRAYOID;
	}
	SimColInit(&ids, INT8OID);
	for (k = 0; k < ndue; k++)
		SimColI64(&ids, w->id[due[k]], false);
	vals[0] = SimColArray(&ids);
	SimStmtRun(&st_ships, vals, NULL, SPI_OK_SELECT);
	*nships = (int) SPI_processed;
	ships = palloc_extended(Max(*nships, 1) * sizeof(EcoShip), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	for (i = 0; i < SPI_processed; i++)
	{
		EcoShip    *sh = &ships[i];
		EcoRow	   *r = &sh->rows[0];
		int32		class_id;
		int32		slot;
		int			c;

		sh->id = SimGetInt64(i, 1, 0);
		slot = SimWorldSlot(w, sh->id);
		if (slot < 0)
			elog(ERROR, "ship " INT64_FORMAT " is missing from the shared-memory world", sh->id);
		sh->slot = (uint32) slot;
		sh->faction = (int32) SimGetInt64(i, 2, 0);
		class_id = (int32) SimGetInt64(i, 3, 0);
		sh->cls = 0;
		for (c = 0; c < s->nclasses; c++)
			if (s->classes[c].id == class_id)
				sh->cls = c;
		r->sector_id = (int32) SimGetInt64(i, 4, 0);
		r->state = EcoStateByName(SimGetText(i, 5));
		r->docked_at = (int32) SimGetInt64(i, 6, 0);
		r->body_id = (int32) SimGetInt64(i, 7, 0);
		r->wake = SimGetInt64(i, 8, -1);
		r->fuel = SimGetFloat8(i, 9, 0.0);
		r->arrival = SimGetInt64(i, 10, -1);
		r->dest_kind = EcoDestByName(SimGetText(i, 11));
		r->dest_id = SimGetInt64(i, 12, 0);
		r->leg_seq = (int32) SimGetInt64(i, 13, 0);
		sh->next_leg = SimGetBool(i, 14);
		sh->npc = SimGetBool(i, 15);
		sh->greed = SimGetFloat8(i, 16, 0.0);
		sh->fear = SimGetFloat8(i, 17, 0.0);
		sh->loyalty = SimGetFloat8(i, 18, 0.0);
		SimLegFromTuple(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 19, &r->leg);
		if (sh->next_leg)
		{
			int			f = 19 + SIM_LEG_NFIELDS;

			sh->next.leg_seq = (int32) SimGetInt64(i, f, 0);
			sh->next.arrival = SimGetInt64(i, f + 1, -1);
			sh->next.sector_id = (int32) SimGetInt64(i, f + 2, 0);
			SimLegFromTuple(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, f + 3, &sh->next.leg);
		}
		sh->nrows = 1;
		sh->cargo = palloc0(Max(s->ngoods, 1) * sizeof(int64));
		sh->pos[0] = r->leg.ox;
		sh->pos[1] = r->leg.oy;
		sh->pos[2] = r->leg.oz;
	}

	SimStmtRun(&st_cargo, vals, NULL, SPI_OK_SELECT);
	k = 0;
	for (i = 0; i < SPI_processed; i++)
	{
		int64		ship = SimGetInt64(i, 1, 0);
		int			g = EcoGood(s, (int32) SimGetInt64(i, 2, 0));

		while (k < *nships && ships[k].id < ship)
			k++;
		if (k < *nships && ships[k].id == ship && g >= 0)
		{
			ships[k].cargo[g] = SimGetInt64(i, 3, 0);
			ships[k].cargo_total += ships[k].cargo[g];
		}
	}
	return ships;
}

static SimStmt st_docked = {.sql = "SELECT docked_at, count(*) FROM sim.ship WHERE docked_at = ANY($1) AND state = 'docked' "
	"GROUP BY docked_at", .nargs = 1, .types = {INT4ARRAYOID}};

void
EcoCountDocked(EcoWorld *s, EcoShip *ships, int nships)
{
	SimCol		ids;
	Datum		vals[1];
	bool	   *asked = palloc0(Max(s->nstations, 1) * sizeof(bool));
	uint64		i;
	int			k;

	SimColInit(&ids, INT4OID);
	for (k = 0; k < nships; k++)
	{
		EcoRow	   *r = &ships[k].rows[0];
		int			st;

		if (r->state != ECO_DOCKED && r->state != ECO_DOCKING)
			continue;
		st = EcoStationIndex(s, r->docked_at);
		if (st < 0 || asked[st])
			continue;
		asked[st] = true;
		s->stations[st].docked = 0;
		SimColI32(&ids, r->docked_at, false);
	}
	if (ids.n == 0)
		return;
	vals[0] = SimColArray(&ids);
	SimStmtRun(&st_docked, vals, NULL, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
	{
		int			st = EcoStationIndex(s, (int32) SimGetInt64(i, 1, 0));

		if (st >= 0)
			s->stations[st].docked = (int32) SimGetInt64(i, 2, 0);
	}
}

static SimStmt st_orders = {.sql = "SELECT o.id, o.station_id, o.good_id, o.side = 'buy', o.faction_id, o.ship_id, o.price, "
	"o.qty_open, o.escrow, "
	"CASE WHEN o.side = 'buy' THEN (SELECT c.cargo_capacity - s.cargo_held FROM sim.ship s "
	"  JOIN sim.ship_class c ON c.id = s.class_id "
	"  WHERE s.id = o.ship_id AND s.state = 'docked' AND s.docked_at = o.station_id) END "
	"FROM sim.market_order o "
	"WHERE o.status = 'open' AND EXISTS (SELECT 1 FROM sim.market_order x "
	"  WHERE x.status = 'open' AND x.station_id = o.station_id AND x.good_id = o.good_id "
	"  AND x.side <> o.side) ORDER BY o.station_id, o.good_id, o.id"};

void
EcoLoadOrders(EcoWorld *s)
{
	uint64		i;

	SimStmtRun(&st_orders, NULL, NULL, SPI_OK_SELECT);
	s->norders = (int) SPI_processed;
	s->orders = palloc0(Max(s->norders, 1) * sizeof(EcoOrder));
	for (i = 0; i < SPI_processed; i++)
	{
		EcoOrder   *o = &s->orders[i];

		o->id = SimGetInt64(i, 1, 0);
		o->station = EcoStationIndex(s, (int32) SimGetInt64(i, 2, 0));
		o->good = EcoGood(s, (int32) SimGetInt64(i, 3, 0));
		o->buy = SimGetBool(i, 4);
		o->faction = (int32) SimGetInt64(i, 5, 0);
		o->ship = SimGetInt64(i, 6, 0);
		o->price = SimGetInt64(i, 7, 0);
		o->qty = SimGetInt64(i, 8, 0);
		o->escrow = SimGetInt64(i, 9, 0);
		o->room = SimGetInt64(i, 10, 0);
		if (o->station < 0 || o->good < 0)
			elog(ERROR, "order " INT64_FORMAT " names an unknown station or good", o->id);
	}
}
