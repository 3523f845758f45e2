/*
 * npc_trade.c -- NPC pilots at the market: refuelling, selling the hold,
 * buying for a trade or a contract, taking and delivering contracts.  The
 * quote of a lot is the price of the stock it leaves behind; choices weigh
 * profit against distance by the pilot's personality (src/core/npc.c).
 */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "sim/core/economy.h"
#include "sim/core/market.h"
#include "sim/core/money.h"

#include "sim/core/npc.h"

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

/* What the hold fetches at station st (at its bid, within its room and funds). */
double
npc_hold_value_at(Ctx *c, int st)
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

bool
npc_act_refuel(Ctx *c)
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

bool
npc_act_sell_cargo(Ctx *c)
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

EcoContract *
npc_my_contract(Ctx *c)
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

bool
npc_act_deliver_contract(Ctx *c)
{
	EcoWorld *s = c->s;
	EcoContract *ct = npc_my_contract(c);
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
int
npc_cheapest_seller(EcoWorld *s, int sec, int g, int64_t min, int except, int64_t *ask_out)
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

bool
npc_act_accept_contract(Ctx *c)
{
	EcoWorld *s = c->s;
	int			st = docked_station(c);
	int			sec = sector_of(c);
	EcoContract *best = NULL;
	double		best_profit = 0;
	int64_t		room = hold_room(c);
	int			i;

	if (st < 0 || sec < 0 || npc_my_contract(c) != NULL)
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

			if (npc_cheapest_seller(s, sec, ct->good, ct->qty, ct->station, &ask) < 0)
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

bool
npc_act_buy_for_contract(Ctx *c)
{
	EcoWorld *s = c->s;
	EcoContract *ct = npc_my_contract(c);
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

bool
npc_act_buy_for_trade(Ctx *c)
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
			sc = npc_score(c, (double) profit * npc_loyalty_factor(c, to), dist(s->stations[st].pos, s->stations[to].pos));
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
