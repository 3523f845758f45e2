/*
 * npc.c -- NPC pilots: the conditions and actions of behaviour trees.
 *
 * A woken NPC ship runs the tree of its role (sim.bt_tree, sim.bt_node) once.
 * Conditions read the ship and the tick's economy snapshot; actions change
 * them (trades, flights, mining, waiting).  Personality weighs the choices:
 * greed scales profit against distance, fear raises the fuel margin and
 * drives pilots out of low-security sectors, loyalty favours stations of
 * the ship's own faction.  Everything is deterministic: candidates are
 * scanned in a fixed order and ties go to the lower id.
 */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "sim/core/economy.h"
#include "sim/core/market.h"
#include "sim/core/money.h"
#include "sim/core/rng.h"

#define Max(a, b) ((a) > (b) ? (a) : (b))
#define Min(a, b) ((a) < (b) ? (a) : (b))

typedef enum Leaf
{
	L_IS_DOCKED,
	L_IS_IDLE,
	L_IS_ORBITING,
	L_CARGO_ABOVE,
	L_CARGO_EMPTY,
	L_FUEL_BELOW,
	L_HAS_CONTRACT,
	L_AT_DEPOSIT,
	L_RISKY_SECTOR,
	L_REFUEL,
	L_SELL_CARGO,
	L_DELIVER_CONTRACT,
	L_ACCEPT_CONTRACT,
	L_BUY_FOR_TRADE,
	L_UNDOCK,
	L_MINE,
	L_GOTO_BUYER,
	L_GOTO_CONTRACT,
	L_GOTO_DEPOSIT,
	L_GOTO_STATION,
	L_GOTO_SAFE_SECTOR,
	L_BUY_FOR_CONTRACT,
	L_PASS,
	L_WAIT,
	L_NLEAVES
} Leaf;

#define FIRST_ACTION L_REFUEL

const char *const EcoLeafNames[] = {
	"is_docked", "is_idle", "is_orbiting", "cargo_above", "cargo_empty", "fuel_below",
	"has_contract", "at_deposit", "risky_sector",
	"refuel", "sell_cargo", "deliver_contract", "accept_contract", "buy_for_trade", "undock",
	"mine", "goto_buyer", "goto_contract", "goto_deposit", "goto_station", "goto_safe_sector",
	"buy_for_contract", "pass", "wait", NULL
};

int
EcoLeafCode(const char *name, bool *is_action)
{
	int			i;

	for (i = 0; name && EcoLeafNames[i]; i++)
		if (strcmp(name, EcoLeafNames[i]) == 0)
		{
			*is_action = (i >= FIRST_ACTION);
			return i;
		}
	return -1;
}

typedef struct Ctx
{
	EcoWorld *s;
	EcoShip    *sh;
} Ctx;

static EcoRow *
cur(EcoShip *sh)
{
	return &sh->rows[sh->nrows - 1];
}

static EcoClass *
cls(Ctx *c)
{
	return &c->s->classes[c->sh->cls];
}

static int64_t
hold_room(Ctx *c)
{
	return Max(cls(c)->cargo_capacity - c->sh->cargo_total, 0);
}

static int
sector_of(Ctx *c)
{
	return EcoSectorIndex(c->s, cur(c->sh)->sector_id);
}

static int
docked_station(Ctx *c)
{
	EcoRow	   *r = cur(c->sh);

	if (r->state != ECO_DOCKED)
		return -1;
	return EcoStationIndex(c->s, r->docked_at);
}

static int64_t *
stock(EcoWorld *s, int st, int g)
{
	return &s->stock[st * s->ngoods + g];
}


static int64_t
wallet(EcoWorld *s, int32_t faction)
{
	int			f = EcoFaction(s, faction);

	return f < 0 ? 0 : s->credits[f];
}

static void
cargo_add(EcoShip *sh, int g, int64_t qty)
{
	sh->cargo[g] += qty;
	sh->cargo_total += qty;
	sh->cargo_dirty = true;
}

static double
dist(const double a[3], const double b[3])
{
	double		dx = a[0] - b[0],
				dy = a[1] - b[1],
				dz = a[2] - b[2];

	return sqrt(dx * dx + dy * dy + dz * dz);
}

/*
 * The ship buys qty of good g from station st at the ask (the caller has
 * checked stock, room and credits); kind is the trade's: market or refuel.
 */
static void
market_buy(Ctx *c, int st, int g, int64_t qty, int64_t ask, const char *kind)
{
	EcoWorld *s = c->s;
	EcoStation *station = &s->stations[st];
	int64_t		value = qty * ask;
	int64_t		tax = SimLevy(value, s->tax_ppm);
	EcoTrade	t;

	EcoStockAdd(s, st, g, -qty);
	EcoCredit(s, c->sh->faction, -(value + tax));
	EcoCredit(s, station->faction, value);
	EcoRecordLedger(s, false, "tax", -1, tax, station->id, c->sh->id, c->sh->faction);
	memset(&t, 0, sizeof(t));
	t.station = st;
	t.good = g;
	t.qty = qty;
	t.price = ask;
	t.buyer_faction = c->sh->faction;
	t.seller_faction = station->faction;
	t.buyer_ship = c->sh->id;
	t.kind = kind;
	t.tax = tax;
	EcoRecordTrade(s, &t);
}

/*
 * The quote for a lot: it trades at the price of the stock it leaves behind
 * (the marginal unit), so a lot never trades better than unit by unit and
 * buying a lot and selling it back always loses the spread.
 */
static void
lot_quote(EcoWorld *s, int st, int g, int64_t stock_after, int64_t *bid, int64_t *ask)
{
	SimMarketQuote(s->base_price[g], Max(stock_after, 0), s->target[st * s->ngoods + g], s->spread, bid, ask);
}

/* The ask for buying qty, reducing qty until the faction can pay it. */
static int64_t
buy_lot(Ctx *c, int st, int g, int64_t qty, int64_t *ask_out)
{
	EcoWorld *s = c->s;
	int64_t		credits = wallet(s, c->sh->faction);
	int			i;

	for (i = 0; i < 16 && qty > 0; i++)
	{
		int64_t		bid,
					ask,
					afford;

		lot_quote(s, st, g, *stock(s, st, g) - qty, &bid, &ask);
		afford = SimAffordable(credits, ask, s->tax_ppm, qty);
		*ask_out = ask;
		if (afford >= qty)
			return qty;
		qty = afford;
	}
	return 0;
}

/* Most units of good g the ship can buy at station st (stock, hold, credits). */
static int64_t
affordable(Ctx *c, int st, int g, int64_t ask, int64_t room)
{
	EcoWorld *s = c->s;
	int64_t		have = *stock(s, st, g);
	int64_t		credits = wallet(s, c->sh->faction);
	int64_t		qty;

	if (have <= 0 || room <= 0)
		return 0;
	qty = Min(have, room);
	return SimAffordable(credits, ask, s->tax_ppm, qty);
}

/* ---------------------------------------------------------------- flights */

/* Fly within the sector (or, with to_sector, beyond it) to pos. */
static bool
fly_to_mode(Ctx *c, int32_t to_sector, const double pos[3], EcoDest kind, int64_t dest_id, bool hurry)
{
	EcoWorld *s = c->s;
	EcoShip    *sh = c->sh;
	EcoRow	   *r = cur(sh);
	SimJourney	j;
	SimJourneyError err;
	SimMode		modes[3] = {SIM_MODE_BURN, SIM_MODE_CRUISE, SIM_MODE_DRIFT};
	int			m;

	if (r->state != ECO_IDLE && r->state != ECO_ORBITING)
		return false;
	if (dist(sh->pos, pos) < 1.0 && to_sector == r->sector_id)
		return false;			/* already there */
	for (m = hurry ? 0 : 1; m < 3; m++)
	{
		if (!SimJourneyPlan(s->mem, s->gates, &cls(c)->hull, modes[m], r->sector_id, sh->pos, to_sector, pos,
							s->tick, &j, &err))
			return false;
		if (j.fuel <= r->fuel)
			break;
	}
	if (m == 3)
		return false;
	j.dest_kind = kind == ECO_DEST_STATION ? "station" : (kind == ECO_DEST_BODY ? "body" : "point");
	j.dest_id = dest_id;
	if (j.nlegs > 1 || to_sector != r->sector_id)
	{
		/* a journey through gates is stored whole after this tick's rows */
		sh->store_journey = true;
		sh->journey = j;
		EcoMutate(sh)->wake = -1;
		return true;
	}
	r = EcoTransit(s, sh, ECO_FLYING);
	r->leg = j.legs[0].leg;
	r->arrival = j.arrival_tick;
	r->dest_kind = kind;
	r->dest_id = dest_id;
	r->fuel -= j.fuel;
	r->wake = -1;
	r->docked_at = 0;
	r->body_id = 0;
	r->leg_seq = 0;
	return true;
}

static bool
fly_to(Ctx *c, int32_t to_sector, const double pos[3], EcoDest kind, int64_t dest_id)
{
	return fly_to_mode(c, to_sector, pos, kind, dest_id, false);
}

static bool
fly_to_station(Ctx *c, int st)
{
	EcoStation *station = &c->s->stations[st];

	return fly_to(c, c->s->sectors[station->sector].id, station->pos, ECO_DEST_STATION, station->id);
}

/* Contracts have deadlines: burn if the fuel allows. */
static bool
hurry_to_station(Ctx *c, int st)
{
	EcoStation *station = &c->s->stations[st];

	return fly_to_mode(c, c->s->sectors[station->sector].id, station->pos, ECO_DEST_STATION, station->id, true);
}

/* Loyalty: a bonus for stations of the ship's own faction. */
static double
loyalty_factor(Ctx *c, int st)
{
	return c->s->stations[st].faction == c->sh->faction ? 1.0 + 0.25 * c->sh->loyalty : 1.0;
}

/* Greed trades distance for profit: the greedier, the farther for the same gain. */
static double
score(Ctx *c, double profit, double km)
{
	return profit * (0.5 + c->sh->greed) - km * 0.001 * (1.5 - c->sh->greed);
}

/* What the hold fetches at station st (at its bid, within its room and funds). */
static double
hold_value_at(Ctx *c, int st)
{
	EcoWorld *s = c->s;
	int64_t		room = s->stations[st].capacity - s->stations[st].held;
	int64_t		funds = wallet(s, s->stations[st].faction);
	double		value = 0;
	int			g;

	for (g = 0; g < s->ngoods; g++)
	{
		int64_t		bid,
					ask,
					qty;

		if (c->sh->cargo[g] <= 0 || *stock(s, st, g) < 0)
			continue;
		qty = Min(c->sh->cargo[g], room);
		if (qty <= 0)
			continue;
		lot_quote(s, st, g, *stock(s, st, g) + qty, &bid, &ask);
		qty = Min(qty, funds / Max(bid, 1));
		if (qty <= 0)
			continue;
		value += (double) qty * bid;
		room -= qty;
		funds -= qty * bid;
	}
	return value;
}

/* ---------------------------------------------------------------- actions */

static bool
act_refuel(Ctx *c)
{
	EcoWorld *s = c->s;
	int			st = docked_station(c);
	EcoRow	   *r;
	int64_t		bid,
				ask,
				units;

	if (st < 0 || s->fuel_good < 0 || *stock(s, st, s->fuel_good) < 0)
		return false;
	r = cur(c->sh);
	EcoQuote(s, st, s->fuel_good, &bid, &ask);
	units = (int64_t) floor(cls(c)->fuel_capacity - r->fuel);
	units = Min(units, affordable(c, st, s->fuel_good, ask, units));
	units = buy_lot(c, st, s->fuel_good, units, &ask);
	if (units <= 0)
		return false;
	market_buy(c, st, s->fuel_good, units, ask, "refuel");
	EcoRecordLedger(s, false, "refuel", s->fuel_good, units, s->stations[st].id, c->sh->id, c->sh->faction);
	EcoMutate(c->sh)->fuel += (double) units;
	return true;
}

static bool
act_sell_cargo(Ctx *c)
{
	EcoWorld *s = c->s;
	int			st = docked_station(c);
	bool		sold = false;
	int			g;

	if (st < 0)
		return false;
	for (g = 0; g < s->ngoods; g++)
	{
		EcoStation *station = &s->stations[st];
		int64_t		bid,
					ask,
					qty,
					value,
					tax;
		EcoTrade	t;

		if (c->sh->cargo[g] <= 0 || *stock(s, st, g) < 0)
			continue;
		qty = Min(c->sh->cargo[g], station->capacity - station->held);
		if (qty <= 0)
			continue;
		lot_quote(s, st, g, *stock(s, st, g) + qty, &bid, &ask);
		qty = Min(qty, wallet(s, station->faction) / Max(bid, 1));
		if (qty <= 0)
			continue;
		value = qty * bid;
		tax = SimLevy(value, s->tax_ppm);
		cargo_add(c->sh, g, -qty);
		EcoStockAdd(s, st, g, qty);
		EcoCredit(s, station->faction, -value);
		EcoCredit(s, c->sh->faction, value - tax);
		EcoRecordLedger(s, false, "tax", -1, tax, station->id, c->sh->id, c->sh->faction);
		memset(&t, 0, sizeof(t));
		t.station = st;
		t.good = g;
		t.qty = qty;
		t.price = bid;
		t.buyer_faction = station->faction;
		t.seller_faction = c->sh->faction;
		t.seller_ship = c->sh->id;
		t.kind = "market";
		t.tax = tax;
		EcoRecordTrade(s, &t);
		sold = true;
	}
	return sold;
}

static EcoContract *
my_contract(Ctx *c)
{
	int			i;

	for (i = 0; i < c->s->ncontracts; i++)
	{
		EcoContract *ct = &c->s->contracts[i];

		if (ct->accepted && !ct->closed && !ct->expired && ct->ship_id == c->sh->id)
			return ct;
	}
	return NULL;
}

static bool
act_deliver_contract(Ctx *c)
{
	EcoWorld *s = c->s;
	EcoContract *ct = my_contract(c);
	int			st = docked_station(c);
	EcoTrade	t;

	if (ct == NULL || st < 0 || ct->station != st || ct->good < 0 ||
		c->sh->cargo[ct->good] < ct->qty ||
		s->stations[st].capacity - s->stations[st].held < ct->qty)
		return false;
	cargo_add(c->sh, ct->good, -ct->qty);
	EcoStockAdd(s, st, ct->good, ct->qty);
	EcoCredit(s, ct->contractor, ct->reward);
	ct->closed = true;
	ct->dirty = true;
	memset(&t, 0, sizeof(t));
	t.station = st;
	t.good = ct->good;
	t.qty = ct->qty;
	t.price = Max(ct->reward / ct->qty, 1);
	t.buyer_faction = ct->issuer;
	t.seller_faction = ct->contractor;
	t.seller_ship = c->sh->id;
	t.kind = "contract";
	EcoRecordTrade(s, &t);
	return true;
}

/* The cheapest station of sector sec selling good g with at least min units; -1 if none. */
static int
cheapest_seller(EcoWorld *s, int sec, int g, int64_t min, int except, int64_t *ask_out)
{
	int			best = -1;
	int64_t		best_ask = 0;
	int			i;

	for (i = 0; i < s->sectors[sec].nstations; i++)
	{
		int			st = s->sectors[sec].first_station + i;
		int64_t		bid,
					ask;

		if (st == except || *stock(s, st, g) < Max(min, 1))
			continue;
		EcoQuote(s, st, g, &bid, &ask);
		if (best < 0 || ask < best_ask)
		{
			best = st;
			best_ask = ask;
		}
	}
	*ask_out = best_ask;
	return best;
}

static bool
act_accept_contract(Ctx *c)
{
	EcoWorld *s = c->s;
	int			st = docked_station(c);
	int			sec = sector_of(c);
	EcoContract *best = NULL;
	double		best_profit = 0;
	int64_t		room = hold_room(c);
	int			i;

	if (st < 0 || sec < 0 || my_contract(c) != NULL)
		return false;
	for (i = 0; i < s->ncontracts; i++)
	{
		EcoContract *ct = &s->contracts[i];
		double		profit;

		if (ct->accepted || ct->expired || ct->station < 0 || ct->good < 0 ||
			s->stations[ct->station].sector != sec || ct->qty > room ||
			ct->deadline < s->tick + 600)
			continue;
		if (ct->transport)
		{
			if (ct->source != st || *stock(s, st, ct->good) < ct->qty)
				continue;
			profit = (double) ct->reward;
		}
		else
		{
			int64_t		ask;

			if (cheapest_seller(s, sec, ct->good, ct->qty, ct->station, &ask) < 0)
				continue;
			if (SimAffordable(wallet(s, c->sh->faction), ask, s->tax_ppm, ct->qty) < ct->qty)
				continue;
			profit = (double) ct->reward - (double) (ask * ct->qty + SimLevy(ask * ct->qty, s->tax_ppm));
		}
		/* nearer deliveries first: a contract has a deadline */
		profit = profit * (0.5 + c->sh->greed) /
			(1.0 + dist(c->sh->pos, s->stations[ct->station].pos) / 50000.0);
		if (profit > best_profit)
		{
			best = ct;
			best_profit = profit;
		}
	}
	if (best == NULL)
		return false;
	best->accepted = true;
	best->dirty = true;
	best->contractor = c->sh->faction;
	best->ship_id = c->sh->id;
	if (best->transport)
	{
		EcoStockAdd(s, st, best->good, -best->qty);
		cargo_add(c->sh, best->good, best->qty);
	}
	return true;
}

static bool
act_buy_for_contract(Ctx *c)
{
	EcoWorld *s = c->s;
	EcoContract *ct = my_contract(c);
	int			st = docked_station(c);
	int64_t		need,
				bid,
				ask,
				qty;

	if (ct == NULL || ct->transport || st < 0 || st == ct->station || ct->good < 0 ||
		*stock(s, st, ct->good) <= 0)
		return false;
	need = ct->qty - c->sh->cargo[ct->good];
	if (need <= 0)
		return false;
	EcoQuote(s, st, ct->good, &bid, &ask);
	qty = affordable(c, st, ct->good, ask, Min(need, hold_room(c)));
	qty = buy_lot(c, st, ct->good, qty, &ask);
	if (qty <= 0)
		return false;
	market_buy(c, st, ct->good, qty, ask, "market");
	cargo_add(c->sh, ct->good, qty);
	return true;
}

/*
 * Credits left after buying qty at ask and selling them at bid, both taxed
 * by the rule the trades will be charged by.
 */
static int64_t
lot_profit(EcoWorld *s, int64_t qty, int64_t bid, int64_t ask)
{
	int64_t		sale = qty * bid,
				cost = qty * ask;

	return (sale - SimLevy(sale, s->tax_ppm)) - (cost + SimLevy(cost, s->tax_ppm));
}

static bool
act_buy_for_trade(Ctx *c)
{
	EcoWorld *s = c->s;
	int			st = docked_station(c);
	int			sec = sector_of(c);
	int64_t		room = hold_room(c);
	double		best_score = 0;
	int			best_good = -1;
	int64_t		best_qty = 0,
				best_ask = 0;
	int			g,
				i;

	if (st < 0 || sec < 0 || room <= 0)
		return false;
	for (g = 0; g < s->ngoods; g++)
	{
		int64_t		bid,
					ask;

		if (*stock(s, st, g) <= 0)
			continue;
		EcoQuote(s, st, g, &bid, &ask);
		for (i = 0; i < s->sectors[sec].nstations; i++)
		{
			int			to = s->sectors[sec].first_station + i;
			int64_t		to_bid,
						to_ask,
						qty;
			int64_t		profit = 0;
			double		sc;
			int64_t		lot_ask = ask;
			int			tries;

			if (to == st || *stock(s, to, g) < 0)
				continue;

			EcoQuote(s, to, g, &to_bid, &to_ask);
			/* at today's quotes, a full hold */
			if (lot_profit(s, room, to_bid, ask) <= 0)
				continue;
			qty = affordable(c, st, g, ask, room);
			qty = Min(qty, s->stations[to].capacity - s->stations[to].held);
			qty = Min(qty, wallet(s, s->stations[to].faction) / Max(to_bid, 1));
			/* priced as lots at both ends, a smaller lot may still pay */
			for (tries = 0; tries < 8 && qty > 0; tries++)
			{
				int64_t		b2,
							a2;

				qty = buy_lot(c, st, g, qty, &lot_ask);
				lot_quote(s, to, g, *stock(s, to, g) + qty, &b2, &a2);
				profit = lot_profit(s, qty, b2, lot_ask);
				if (profit > 0)
					break;
				qty /= 2;
			}
			if (qty <= 0 || profit <= 0)
				continue;
			sc = score(c, (double) profit * loyalty_factor(c, to), dist(s->stations[st].pos, s->stations[to].pos));
			if (sc > best_score)
			{
				best_score = sc;
				best_good = g;
				best_qty = qty;
				best_ask = lot_ask;
			}
		}
	}
	if (best_good < 0)
		return false;
	market_buy(c, st, best_good, best_qty, best_ask, "market");
	cargo_add(c->sh, best_good, best_qty);
	return true;
}

static bool
act_undock(Ctx *c)
{
	int			st = docked_station(c);
	EcoRow	   *r;

	if (st < 0)
		return false;
	if (c->s->stations[st].docked < 0)
		EcoFail(c->s, "XX000", "the ships docked at station %d were not counted", c->s->stations[st].id);
	c->s->stations[st].docked--;
	r = EcoTransit(c->s, c->sh, ECO_UNDOCKING);
	r->wake = c->s->tick + c->s->undock_ticks;
	return true;
}

static EcoBody *
orbited_body(Ctx *c)
{
	EcoRow	   *r = cur(c->sh);
	int			b;

	if (r->state != ECO_ORBITING && r->state != ECO_MINING)
		return NULL;
	b = EcoBodyIndex(c->s, r->body_id);
	return b < 0 ? NULL : &c->s->bodies[b];
}

static bool
deposit_left(EcoWorld *s, EcoBody *b)
{
	int			i;

	for (i = 0; i < b->ndeposits; i++)
		if (s->deposits[b->first_deposit + i].remaining > 0)
			return true;
	return false;
}

static bool
act_mine(Ctx *c)
{
	EcoBody    *b = orbited_body(c);
	EcoRow	   *r;

	if (b == NULL || !deposit_left(c->s, b) || hold_room(c) <= 0 || cls(c)->mining_rate <= 0)
		return false;
	r = EcoTransit(c->s, c->sh, ECO_MINING);
	r->wake = c->s->tick + c->s->mine_cycle_ticks;
	return true;
}

static bool
act_goto_buyer(Ctx *c)
{
	EcoWorld *s = c->s;
	int			sec = sector_of(c);
	int			best = -1;
	double		best_score = 0;
	int			i;

	if (sec < 0 || c->sh->cargo_total == 0)
		return false;
	for (i = 0; i < s->sectors[sec].nstations; i++)
	{
		int			st = s->sectors[sec].first_station + i;
		double		value = hold_value_at(c, st);
		double		sc;

		if (value <= 0)
			continue;
		sc = score(c, value * loyalty_factor(c, st), dist(c->sh->pos, s->stations[st].pos));
		if (best < 0 || sc > best_score)
		{
			best = st;
			best_score = sc;
		}
	}
	return best >= 0 && fly_to_station(c, best);
}

static bool
act_goto_contract(Ctx *c)
{
	EcoWorld *s = c->s;
	EcoContract *ct = my_contract(c);
	int			sec = sector_of(c);
	int64_t		ask;
	int			st;

	if (ct == NULL || ct->station < 0 || ct->good < 0 || sec < 0)
		return false;
	if (ct->transport || c->sh->cargo[ct->good] >= ct->qty)
		return hurry_to_station(c, ct->station);
	st = cheapest_seller(s, sec, ct->good, ct->qty - c->sh->cargo[ct->good], ct->station, &ask);
	return st >= 0 && hurry_to_station(c, st);
}

static bool
act_goto_deposit(Ctx *c)
{
	EcoWorld *s = c->s;
	int			sec = sector_of(c);
	EcoBody    *here = orbited_body(c);
	int			best = -1;
	double		best_score = 0;
	int			i,
				k;

	if (sec < 0 || hold_room(c) * 10 < cls(c)->cargo_capacity || cls(c)->mining_rate <= 0)
		return false;
	for (i = 0; i < s->sectors[sec].nbodies; i++)
	{
		int			b = s->sectors[sec].first_body + i;
		EcoBody    *body = &s->bodies[b];
		double		value = 0;
		double		sc;

		if (body == here)
			continue;
		for (k = 0; k < body->ndeposits; k++)
		{
			EcoDeposit *d = &s->deposits[body->first_deposit + k];

			if (d->remaining > 0 && d->good >= 0)
				value += d->richness * s->base_price[d->good];
		}
		if (value <= 0)
			continue;
		sc = score(c, value * 100.0, dist(c->sh->pos, body->pos));
		if (best < 0 || sc > best_score)
		{
			best = b;
			best_score = sc;
		}
	}
	if (best < 0)
		return false;
	{
		EcoBody    *body = &s->bodies[best];
		double		to[3];

		SimBodyApproach(c->sh->pos, body->pos, body->radius, to);
		return fly_to(c, s->sectors[body->sector].id, to, ECO_DEST_BODY, body->id);
	}
}

/* A station of the sector other than the one the ship is at; loyal pilots prefer their own. */
static bool
act_goto_station(Ctx *c)
{
	EcoWorld *s = c->s;
	int			sec = sector_of(c);
	int			n,
				pick,
				i;
	bool		own_only;

	if (sec < 0 || (n = s->sectors[sec].nstations) == 0)
		return false;
	own_only = SimRandUnit((uint64_t) c->sh->id, 7001, (uint64_t) s->tick) < c->sh->loyalty;
	pick = (int) (SimRandBits((uint64_t) c->sh->id, 7002, (uint64_t) s->tick) % (uint64_t) n);
	for (i = 0; i < 2 * n; i++)
	{
		int			st = s->sectors[sec].first_station + (pick + i) % n;

		if (i < n && own_only && s->stations[st].faction != c->sh->faction)
			continue;
		if (dist(c->sh->pos, s->stations[st].pos) < 100.0)
			continue;
		return fly_to_station(c, st);
	}
	return false;
}

static bool
act_goto_safe_sector(Ctx *c)
{
	EcoWorld *s = c->s;
	int			sec = sector_of(c);
	int			best = -1;
	int			i;

	if (sec < 0)
		return false;
	for (i = 0; i < s->ngates; i++)
	{
		int			other = s->gate_a[i] == sec ? s->gate_b[i] : (s->gate_b[i] == sec ? s->gate_a[i] : -1);

		if (other < 0 || s->sectors[other].nstations == 0)
			continue;
		if (s->sectors[other].security > s->sectors[sec].security &&
			(best < 0 || s->sectors[other].security > s->sectors[best].security))
			best = other;
	}
	if (best < 0)
		return false;
	/* the safe sector's first station, or the ship's faction's if loyal */
	{
		int			st = s->sectors[best].first_station;

		for (i = 0; i < s->sectors[best].nstations; i++)
			if (s->stations[s->sectors[best].first_station + i].faction == c->sh->faction &&
				c->sh->loyalty > 0.5)
			{
				st = s->sectors[best].first_station + i;
				break;
			}
		return fly_to_station(c, st);
	}
}

/* ---------------------------------------------------------------- hooks */

static int
condition(void *arg, int32_t code, double param)
{
	Ctx		   *c = (Ctx *) arg;
	EcoRow	   *r = cur(c->sh);
	int			sec;

	switch ((Leaf) code)
	{
		case L_IS_DOCKED:
			return r->state == ECO_DOCKED;
		case L_IS_IDLE:
			return r->state == ECO_IDLE;
		case L_IS_ORBITING:
			return r->state == ECO_ORBITING;
		case L_CARGO_ABOVE:
			return cls(c)->cargo_capacity > 0 &&
				(double) c->sh->cargo_total > param * (double) cls(c)->cargo_capacity;
		case L_CARGO_EMPTY:
			return c->sh->cargo_total == 0;
		case L_FUEL_BELOW:
			return r->fuel < param * (0.5 + c->sh->fear) * cls(c)->fuel_capacity;
		case L_HAS_CONTRACT:
			return my_contract(c) != NULL;
		case L_AT_DEPOSIT:
			{
				EcoBody    *b = orbited_body(c);

				return b != NULL && deposit_left(c->s, b);
			}
		case L_RISKY_SECTOR:
			sec = sector_of(c);
			return sec >= 0 && r->state != ECO_DOCKED &&
				c->s->sectors[sec].security < 0.5 * c->sh->fear * param;
		default:
			EcoFail(c->s, "XX000", "unknown behaviour tree condition %d", code);
	}
	return 0;
}

static int
action(void *arg, int32_t code, double param)
{
	Ctx		   *c = (Ctx *) arg;
	bool		ok;

	switch ((Leaf) code)
	{
		case L_REFUEL:
			ok = act_refuel(c);
			break;
		case L_SELL_CARGO:
			ok = act_sell_cargo(c);
			break;
		case L_DELIVER_CONTRACT:
			ok = act_deliver_contract(c);
			break;
		case L_ACCEPT_CONTRACT:
			ok = act_accept_contract(c);
			break;
		case L_BUY_FOR_TRADE:
			ok = act_buy_for_trade(c);
			break;
		case L_BUY_FOR_CONTRACT:
			ok = act_buy_for_contract(c);
			break;
		case L_UNDOCK:
			ok = act_undock(c);
			break;
		case L_MINE:
			ok = act_mine(c);
			break;
		case L_GOTO_BUYER:
			ok = act_goto_buyer(c);
			break;
		case L_GOTO_CONTRACT:
			ok = act_goto_contract(c);
			break;
		case L_GOTO_DEPOSIT:
			ok = act_goto_deposit(c);
			break;
		case L_GOTO_STATION:
			ok = act_goto_station(c);
			break;
		case L_GOTO_SAFE_SECTOR:
			ok = act_goto_safe_sector(c);
			break;
		case L_PASS:
			ok = true;
			break;
		case L_WAIT:
			EcoMutate(c->sh)->wake = c->s->tick + (param >= 1 ? (int64_t) param : c->s->cooldown_ticks);
			ok = true;
			break;
		default:
			EcoFail(c->s, "XX000", "unknown behaviour tree action %d", code);
			ok = false;
	}
	return ok ? SIM_BT_SUCCESS : SIM_BT_FAILURE;
}

void
EcoDecide(EcoWorld *s, EcoShip *sh)
{
	SimBtHooks	hooks = {condition, action};
	Ctx			c = {s, sh};
	SimBtTree  *tree = s->trees[s->classes[sh->cls].role];
	EcoRow	   *r;

	if (tree != NULL)
		(void) SimBtRun(tree, &hooks, &c, NULL);

	/* a pilot at rest always wakes again */
	r = cur(sh);
	if (r->state != ECO_FLYING && !sh->store_journey && (r->wake < 0 || r->wake <= s->tick))
		EcoMutate(sh)->wake = s->tick + s->cooldown_ticks;
}
