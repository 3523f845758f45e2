/*
 * eco_write.c -- a tick's economic changes written back, one set-based
 * statement per table, each prepared once per backend (include/sim/economy.h).
 *
 * Ship rows: each changed ship's final row in one UPDATE (a journey
 * through gates flying its first leg, a started next leg in place of the
 * last), and one sim.ship_event row per transition it made on the way
 * (each checked against sim.ship_transition, the table the trigger checks
 * other writes against).  Flight legs: those started and those replaced
 * deleted, the later legs of new journeys inserted.  Holds: the woken ships' cargo rewritten, and the
 * units order matching delivered added.  Accounts: stock, wallets,
 * deposits, contracts, trades, ledger and orders.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"

#include "sim/economy.h"
#include "sim/leg_row.h"
#include "sim/sql.h"

bool		EcoWritingShips = false;

/* The columns of a ship's row written before the leg's. */
#define SHIP_COLS 11

static SimStmt st_ship_rows;
static SimStmt st_events = {.sql = "INSERT INTO sim.ship_event (tick, ship_id, from_state, to_state, station_id, body_id) "
	"SELECT $6[1], s, f, t, st, b FROM unnest($1, $2, $3, $4, $5) AS u(s, f, t, st, b)", .nargs = 6};

/* The row a journey through gates leaves: flying its first leg, the fuel of all paid. */
static void
journey_row(EcoWorld *s, EcoShip *sh, EcoRow *r)
{
	const SimJourney *j = &sh->journey;

	if (!s->allowed[r->state][ECO_FLYING])
	{
		char		msg[160];

		snprintf(msg, sizeof(msg), "ship " INT64_FORMAT " cannot go from %s to %s", sh->id,
				 EcoStateNames[r->state], EcoStateNames[ECO_FLYING]);
		s->fail("SM009", msg, "sim.ship_transition lists the state changes a ship may make.");
	}
	r->state = ECO_FLYING;
	r->docked_at = 0;
	r->body_id = 0;
	r->wake = -1;
	r->arrival = j->legs[0].arrival_tick;
	r->dest_kind = strcmp(j->dest_kind, "station") == 0 ? ECO_DEST_STATION
		: strcmp(j->dest_kind, "body") == 0 ? ECO_DEST_BODY : ECO_DEST_POINT;
	r->dest_id = r->dest_kind == ECO_DEST_POINT ? 0 : j->dest_id;
	r->fuel = r->fuel - j->fuel;
	r->leg_seq = 0;
	r->leg = j->legs[0].leg;
}

static void
push_event(SimCol *e, int64 ship, const EcoRow *a, const EcoRow *b)
{
	int32		station = b->docked_at ? b->docked_at : a->docked_at;
	int32		body = b->body_id ? b->body_id : a->body_id;

	SimColI64(&e[0], ship, false);
	SimColText(&e[1], EcoStateNames[a->state]);
	SimColText(&e[2], EcoStateNames[b->state]);
	SimColI32(&e[3], station, station == 0);
	SimColI32(&e[4], body, body == 0);
}

void
EcoWriteShips(EcoWorld *s, EcoShip *ships, int nships)
{
	SimCol		c[SHIP_COLS + SIM_LEG_NFIELDS];
	SimCol		e[6];
	Datum		leg[SIM_LEG_NFIELDS];
	int			j,
				k,
				i;

	if (st_ship_rows.sql == NULL)
	{
		SimStmtText(&st_ship_rows,
					psprintf("UPDATE sim.ship s SET state = u.state, docked_at = u.docked_at, "
							 "body_id = u.body_id, wake_tick = u.wake, fuel = u.fuel, "
							 "arrival_tick = u.arrival, dest_kind = u.dest_kind, dest_id = u.dest_id, "
							 "leg_seq = u.seq, sector_id = u.sector, %s "
							 "FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, %s) "
							 "AS u(id, state, docked_at, body_id, wake, fuel, arrival, dest_kind, dest_id, "
							 "seq, sector, %s) WHERE s.id = u.id",
							 SimLegSql("{c} = u.{c}", 0), SimLegSql("${n}", SHIP_COLS + 1),
							 SimLegSql("{c}", 0)));
		st_ship_rows.nargs = SHIP_COLS + SIM_LEG_NFIELDS;
	}
	SimColInit(&c[0], INT8OID);
	SimColInit(&c[1], TEXTOID);
	SimColInit(&c[2], INT4OID);
	SimColInit(&c[3], INT4OID);
	SimColInit(&c[4], INT8OID);
	SimColInit(&c[5], FLOAT8OID);
	SimColInit(&c[6], INT8OID);
	SimColInit(&c[7], TEXTOID);
	SimColInit(&c[8], INT8OID);
	SimColInit(&c[9], INT4OID);
	SimColInit(&c[10], INT4OID);
	for (j = 0; j < SIM_LEG_NFIELDS; j++)
		SimColInit(&c[SHIP_COLS + j], SimLegTypes[j]);
	SimColInit(&e[0], INT8OID);
	SimColInit(&e[1], TEXTOID);
	SimColInit(&e[2], TEXTOID);
	SimColInit(&e[3], INT4OID);
	SimColInit(&e[4], INT4OID);
	SimColInit(&e[5], INT8OID);
	SimColI64(&e[5], s->tick, false);
	for (k = 0; k < nships; k++)
	{
		EcoShip    *sh = &ships[k];
		EcoRow		r;

		if (sh->nrows <= 1 && !sh->store_journey)
			continue;
		r = sh->rows[sh->nrows - 1];
		if (sh->store_journey)
			journey_row(s, sh, &r);
		SimColI64(&c[0], sh->id, false);
		SimColText(&c[1], EcoStateNames[r.state]);
		SimColI32(&c[2], r.docked_at, r.docked_at == 0);
		SimColI32(&c[3], r.body_id, r.body_id == 0);
		SimColI64(&c[4], r.wake, r.wake < 0);
		SimColF8(&c[5], r.fuel);
		SimColI64(&c[6], r.arrival, r.arrival < 0);
		SimColText(&c[7], EcoDestNames[r.dest_kind]);
		SimColI64(&c[8], r.dest_id, r.dest_kind == ECO_DEST_NONE || r.dest_kind == ECO_DEST_POINT);
		SimColI32(&c[9], r.leg_seq, false);
		SimColI32(&c[10], r.sector_id, false);
		SimLegToParams(&r.leg, NULL, leg);
		for (j = 0; j < SIM_LEG_NFIELDS; j++)
			SimColPush(&c[SHIP_COLS + j], leg[j], false);
		for (i = 1; i < sh->nrows; i++)
			if (sh->rows[i - 1].state != sh->rows[i].state)
				push_event(e, sh->id, &sh->rows[i - 1], &sh->rows[i]);
	}
	/* the take-offs of journeys through gates come after the tick's other transitions */
	for (k = 0; k < nships; k++)
	{
		EcoShip    *sh = &ships[k];
		EcoRow		r;

		if (!sh->store_journey)
			continue;
		r = sh->rows[sh->nrows - 1];
		journey_row(s, sh, &r);
		push_event(e, sh->id, &sh->rows[sh->nrows - 1], &r);
	}
	EcoWritingShips = true;
	PG_TRY();
	{
		EcoTickStatement(&st_ship_rows, c, SHIP_COLS + SIM_LEG_NFIELDS, SPI_OK_UPDATE, 0);
	}
	PG_FINALLY();
	{
		EcoWritingShips = false;
	}
	PG_END_TRY();
	if (e[0].n > 0)
		EcoTickStatement(&st_events, e, 6, SPI_OK_INSERT, 0);
}

/* flight_leg: the legs started this tick and the journeys replaced, then the journeys' later legs */
static SimStmt st_legs_delete = {.sql = "DELETE FROM sim.flight_leg f USING unnest($1, $2) AS u(s, q) "
	"WHERE f.ship_id = u.s AND (u.q IS NULL OR f.seq = u.q)", .nargs = 2};
static SimStmt st_legs_insert;

void
EcoWriteLegs(EcoShip *ships, int nships)
{
	SimCol		d[2];
	SimCol		l[5 + SIM_LEG_NFIELDS];
	Datum		leg[SIM_LEG_NFIELDS];
	int			k,
				i,
				f;

	if (st_legs_insert.sql == NULL)
	{
		SimStmtText(&st_legs_insert,
					psprintf("INSERT INTO sim.flight_leg (ship_id, arrival_tick, seq, sector_id, gate_id, %s) "
							 "SELECT * FROM unnest($1, $2, $3, $4, $5, %s)",
							 SimLegSql("{c}", 0), SimLegSql("${n}", 6)));
		st_legs_insert.nargs = 5 + SIM_LEG_NFIELDS;
	}
	SimColInit(&d[0], INT8OID);
	SimColInit(&d[1], INT4OID);
	SimColInit(&l[0], INT8OID);
	SimColInit(&l[1], INT8OID);
	SimColInit(&l[2], INT4OID);
	SimColInit(&l[3], INT4OID);
	SimColInit(&l[4], INT4OID);
	for (f = 0; f < SIM_LEG_NFIELDS; f++)
		SimColInit(&l[5 + f], SimLegTypes[f]);
	for (k = 0; k < nships; k++)
	{
		EcoShip    *sh = &ships[k];
		const SimJourney *j = &sh->journey;

		if (sh->next_leg && sh->rows[0].state == ECO_FLYING)
		{
			SimColI64(&d[0], sh->id, false);
			SimColI32(&d[1], sh->next.leg_seq, false);
		}
		if (!sh->store_journey)
			continue;
		SimColI64(&d[0], sh->id, false);
		SimColI32(&d[1], 0, true);
		for (i = 1; i < j->nlegs; i++)
		{
			const SimJourneyLeg *jl = &j->legs[i];

			SimColI64(&l[0], sh->id, false);
			SimColI64(&l[1], jl->arrival_tick, false);
			SimColI32(&l[2], i, false);
			SimColI32(&l[3], jl->sector_id, false);
			SimColI32(&l[4], jl->gate_id, jl->gate_id == 0);
			SimLegToParams(&jl->leg, NULL, leg);
			for (f = 0; f < SIM_LEG_NFIELDS; f++)
				SimColPush(&l[5 + f], leg[f], false);
		}
	}
	EcoTickStatement(&st_legs_delete, d, 2, SPI_OK_DELETE, 0);
	EcoTickStatement(&st_legs_insert, l, 5 + SIM_LEG_NFIELDS, SPI_OK_INSERT, 0);
}

static SimStmt st_holds_del = {.sql = "DELETE FROM sim.ship_cargo WHERE ship_id = ANY($1)", .nargs = 1};
static SimStmt st_holds_ins = {.sql = "INSERT INTO sim.ship_cargo (ship_id, good_id, qty) SELECT * FROM unnest($1, $2, $3)", .nargs = 3};

void
EcoWriteHolds(EcoWorld *s, EcoShip *ships, int nships)
{
	SimCol		c[4];
	int			k,
				g;

	SimColInit(&c[0], INT8OID);
	SimColInit(&c[1], INT8OID);
	SimColInit(&c[2], INT4OID);
	SimColInit(&c[3], INT8OID);
	for (k = 0; k < nships; k++)
	{
		if (!ships[k].cargo_dirty)
			continue;
		SimColI64(&c[0], ships[k].id, false);
		for (g = 0; g < s->ngoods; g++)
			if (ships[k].cargo[g] > 0)
			{
				SimColI64(&c[1], ships[k].id, false);
				SimColI32(&c[2], s->good_id[g], false);
				SimColI64(&c[3], ships[k].cargo[g], false);
			}
	}
	EcoTickStatement(&st_holds_del, &c[0], 1, SPI_OK_DELETE, 0);
	EcoTickStatement(&st_holds_ins, &c[1], 3, SPI_OK_INSERT, 0);
}

static SimStmt st_contracts_new = {.sql = "INSERT INTO sim.contract (kind, issuer_faction, station_id, source_station_id, "
	"good_id, qty, reward, escrow, created_tick, deadline_tick) "
	"SELECT 'procurement', f, st, NULL, g, q, r, r, $6[1], d FROM unnest($1, $2, $3, $4, $5, $7) "
	"WITH ORDINALITY AS u(f, st, g, q, r, d, n) ORDER BY n RETURNING id, station_id", .nargs = 7};

void
EcoNumberContracts(EcoWorld *s)
{
	SimCol		c[7];
	uint64		i;
	int			k;

	SimColInit(&c[0], INT4OID);
	SimColInit(&c[1], INT4OID);
	SimColInit(&c[2], INT4OID);
	SimColInit(&c[3], INT8OID);
	SimColInit(&c[4], INT8OID);
	SimColInit(&c[5], INT8OID);
	SimColInit(&c[6], INT8OID);
	SimColI64(&c[5], s->tick, false);
	for (k = 0; k < s->ncontracts; k++)
	{
		EcoContract *ct = &s->contracts[k];

		if (!ct->created || ct->id != 0)
			continue;
		SimColI32(&c[0], ct->issuer, false);
		SimColI32(&c[1], s->stations[ct->station].id, false);
		SimColI32(&c[2], s->good_id[ct->good], false);
		SimColI64(&c[3], ct->qty, false);
		SimColI64(&c[4], ct->reward, false);
		SimColI64(&c[6], ct->deadline, false);
	}
	if (c[0].n == 0)
		return;
	EcoTickStatement(&st_contracts_new, c, 7, SPI_OK_INSERT_RETURNING, 0);
	for (i = 0; i < SPI_processed; i++)
	{
		int			st = EcoStationIndex(s, (int32) SimGetInt64(i, 2, 0));

		for (k = 0; k < s->ncontracts; k++)
			if (s->contracts[k].created && s->contracts[k].id == 0 && s->contracts[k].station == st)
			{
				s->contracts[k].id = SimGetInt64(i, 1, 0);
				break;
			}
	}
}

/*
 * Stock, wallets and deposits are written as the tick's change to them, not
 * as its result: a change another statement made meanwhile (a user's
 * trigger set off by the tick's writes) adds up instead of being lost, and
 * marks the kept world stale (EcoTickStatement).
 */
static SimStmt st_stock = {.sql = "UPDATE sim.station_stock k SET qty = k.qty + u.d FROM unnest($1, $2, $3) AS u(st, g, d) "
	"WHERE k.station_id = u.st AND k.good_id = u.g", .nargs = 3};
static SimStmt st_wallets = {.sql = "WITH u AS (SELECT * FROM unnest($1, $2) AS u(f, d)), "
	"w AS (UPDATE sim.wallet w SET credits = w.credits + u.d FROM u WHERE w.faction_id = u.f RETURNING w.faction_id) "
	"INSERT INTO sim.wallet (faction_id, credits) SELECT u.f, u.d FROM u WHERE u.f NOT IN (SELECT faction_id FROM w)",
.nargs = 2};
static SimStmt st_deposits = {.sql = "UPDATE sim.deposit d SET remaining = d.remaining + u.d FROM unnest($1, $2, $3) AS u(b, g, d) "
	"WHERE d.body_id = u.b AND d.good_id = u.g", .nargs = 3};
static SimStmt st_contracts = {.sql = "UPDATE sim.contract c SET status = u.status, contractor_faction = u.f, ship_id = u.ship, "
	"accepted_tick = CASE WHEN c.status = 'open' AND u.status <> 'expired' THEN $5[1] ELSE c.accepted_tick END, "
	"escrow = CASE WHEN u.status IN ('fulfilled', 'expired') THEN 0 ELSE c.escrow END, "
	"closed_tick = CASE WHEN u.status IN ('fulfilled', 'expired') THEN $5[1] END "
	"FROM unnest($1, $2, $3, $4) AS u(id, status, f, ship) WHERE c.id = u.id", .nargs = 5};
static SimStmt st_trades = {.sql = "INSERT INTO sim.trade (tick, station_id, good_id, qty, price, buyer_faction, seller_faction, "
	"buyer_ship, seller_ship, kind, buy_order, sell_order, tax) "
	"SELECT $13[1], * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)", .nargs = 13};
static SimStmt st_ledger = {.sql = "INSERT INTO sim.ledger (tick, flow, reason, good_id, amount, station_id, ship_id, faction_id, sector_id, body_id) "
	"SELECT $10[1], * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9)", .nargs = 10};
static SimStmt st_orders = {.sql = "UPDATE sim.market_order o SET qty_open = u.qty, escrow = u.escrow, status = u.status, "
	"closed_tick = CASE WHEN u.status = 'open' THEN NULL ELSE $5[1] END "
	"FROM unnest($1, $2, $3, $4) AS u(id, qty, escrow, status) "
	"WHERE o.id = u.id AND (o.qty_open <> u.qty OR o.status <> u.status)", .nargs = 5};
static SimStmt st_deliveries = {.sql = "INSERT INTO sim.ship_cargo AS c (ship_id, good_id, qty) "
	"SELECT s, g, sum(q)::bigint FROM unnest($1, $2, $3) AS u(s, g, q) GROUP BY s, g ORDER BY s, g "
	"ON CONFLICT (ship_id, good_id) DO UPDATE SET qty = c.qty + excluded.qty", .nargs = 3};

void
EcoWriteAccounts(EcoWorld *s)
{
	SimCol		c[13];
	int			i;

	/* station stock */
	SimColInit(&c[0], INT4OID);
	SimColInit(&c[1], INT4OID);
	SimColInit(&c[2], INT8OID);
	for (i = 0; i < s->nstations * s->ngoods; i++)
		if (s->stock_dirty[i] && s->stock[i] != s->stock_base[i])
		{
			SimColI32(&c[0], s->stations[i / s->ngoods].id, false);
			SimColI32(&c[1], s->good_id[i % s->ngoods], false);
			SimColI64(&c[2], s->stock[i] - s->stock_base[i], false);
			s->stock_base[i] = s->stock[i];
		}
	EcoTickStatement(&st_stock, c, 3, SPI_OK_UPDATE, 1);

	/* wallets (a wallet the tick opened is inserted) */
	SimColInit(&c[0], INT4OID);
	SimColInit(&c[1], INT8OID);
	for (i = 0; i < s->nfactions; i++)
		if (s->credits_dirty[i])
		{
			SimColI32(&c[0], s->faction_id[i], false);
			SimColI64(&c[1], s->credits[i] - s->credits_base[i], false);
			s->credits_base[i] = s->credits[i];
		}
	EcoTickStatement(&st_wallets, c, 2, SPI_OK_INSERT, 2);

	/* deposits */
	SimColInit(&c[0], INT4OID);
	SimColInit(&c[1], INT4OID);
	SimColInit(&c[2], INT8OID);
	for (i = 0; i < s->ndeposits; i++)
		if (s->deposits[i].dirty)
		{
			SimColI32(&c[0], s->deposits[i].body_id, false);
			SimColI32(&c[1], s->good_id[s->deposits[i].good], false);
			SimColI64(&c[2], s->deposits[i].remaining - s->deposits[i].remaining_base, false);
			s->deposits[i].remaining_base = s->deposits[i].remaining;
			if (s->deposits[i].remaining <= 0)
				EcoWorldDepositsChanged();
		}
	EcoTickStatement(&st_deposits, c, 3, SPI_OK_UPDATE, 1);

	/* contracts taken, fulfilled or expired */
	SimColInit(&c[0], INT8OID);
	SimColInit(&c[1], TEXTOID);
	SimColInit(&c[2], INT4OID);
	SimColInit(&c[3], INT8OID);
	SimColInit(&c[4], INT8OID);
	SimColI64(&c[4], s->tick, false);
	for (i = 0; i < s->ncontracts; i++)
	{
		EcoContract *ct = &s->contracts[i];

		if (!ct->dirty)
			continue;
		SimColI64(&c[0], ct->id, false);
		SimColText(&c[1], ct->expired ? "expired" : ct->closed ? "fulfilled" : (ct->accepted ? "accepted" : "open"));
		SimColI32(&c[2], ct->contractor, ct->contractor == 0);
		SimColI64(&c[3], ct->ship_id, ct->ship_id == 0);
	}
	EcoTickStatement(&st_contracts, c, 5, SPI_OK_UPDATE, 0);

	/* trades */
	for (i = 0; i < 13; i++)
		SimColInit(&c[i], (i == 0 || i == 1 || i == 4 || i == 5) ? INT4OID : (i == 8 ? TEXTOID : INT8OID));
	SimColI64(&c[12], s->tick, false);
	for (i = 0; i < s->ntrades; i++)
	{
		EcoTrade   *t = &s->trades[i];

		SimColI32(&c[0], s->stations[t->station].id, false);
		SimColI32(&c[1], s->good_id[t->good], false);
		SimColI64(&c[2], t->qty, false);
		SimColI64(&c[3], t->price, false);
		SimColI32(&c[4], t->buyer_faction, false);
		SimColI32(&c[5], t->seller_faction, false);
		SimColI64(&c[6], t->buyer_ship, t->buyer_ship == 0);
		SimColI64(&c[7], t->seller_ship, t->seller_ship == 0);
		SimColText(&c[8], t->kind);
		SimColI64(&c[9], t->buy_order, t->buy_order == 0);
		SimColI64(&c[10], t->sell_order, t->sell_order == 0);
		SimColI64(&c[11], t->tax, false);
	}
	EcoTickStatement(&st_trades, c, 13, SPI_OK_INSERT, 0);

	/* ledger */
	SimColInit(&c[0], TEXTOID);
	SimColInit(&c[1], TEXTOID);
	SimColInit(&c[2], INT4OID);
	SimColInit(&c[3], INT8OID);
	SimColInit(&c[4], INT4OID);
	SimColInit(&c[5], INT8OID);
	SimColInit(&c[6], INT4OID);
	SimColInit(&c[7], INT4OID);
	SimColInit(&c[8], INT4OID);
	SimColInit(&c[9], INT8OID);
	SimColI64(&c[9], s->tick, false);
	for (i = 0; i < s->nledger; i++)
	{
		EcoLedger  *l = &s->ledger[i];

		SimColText(&c[0], l->faucet ? "faucet" : "sink");
		SimColText(&c[1], l->reason);
		SimColI32(&c[2], l->good >= 0 ? s->good_id[l->good] : 0, l->good < 0);
		SimColI64(&c[3], l->amount, false);
		SimColI32(&c[4], l->station_id, l->station_id == 0);
		SimColI64(&c[5], l->ship_id, l->ship_id == 0);
		SimColI32(&c[6], l->faction_id, l->faction_id == 0);
		SimColI32(&c[7], l->sector_id, l->sector_id == 0);
		SimColI32(&c[8], l->body_id, l->body_id == 0);
	}
	EcoTickStatement(&st_ledger, c, 10, SPI_OK_INSERT, 0);

	/* orders matched */
	SimColInit(&c[0], INT8OID);
	SimColInit(&c[1], INT8OID);
	SimColInit(&c[2], INT8OID);
	SimColInit(&c[3], TEXTOID);
	SimColInit(&c[4], INT8OID);
	SimColI64(&c[4], s->tick, false);
	for (i = 0; i < s->norders; i++)
	{
		EcoOrder   *o = &s->orders[i];

		if (!o->dirty)
			continue;
		SimColI64(&c[0], o->id, false);
		SimColI64(&c[1], o->qty, false);
		SimColI64(&c[2], o->escrow, false);
		SimColText(&c[3], o->qty == 0 ? "filled" : "open");
	}
	EcoTickStatement(&st_orders, c, 5, SPI_OK_UPDATE, 0);

	/* units matched into buyers' holds */
	SimColInit(&c[0], INT8OID);
	SimColInit(&c[1], INT4OID);
	SimColInit(&c[2], INT8OID);
	for (i = 0; i < s->ndeliveries; i++)
	{
		SimColI64(&c[0], s->deliveries[i].ship, false);
		SimColI32(&c[1], s->good_id[s->deliveries[i].good], false);
		SimColI64(&c[2], s->deliveries[i].qty, false);
	}
	EcoTickStatement(&st_deliveries, c, 3, SPI_OK_INSERT, 0);
}
