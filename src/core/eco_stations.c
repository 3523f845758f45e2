/*
 * eco_stations.c -- the stations' part of a tick (include/sim/core/economy.h):
 *   1. production: each recipe due at a station (tick + station id is a
 *      multiple of its cycle) runs as many batches as its inputs in stock,
 *      the station's room for the net gain of units and its outputs'
 *      targets allow (no output above twice its target), at most
 *      recipe_batches, when its outputs have a market there;
 *   2. consumption: each population demand due consumes what it can and
 *      pays pay_ppm millionths of the station's bid (at the stock before)
 *      for it -- pay_ppm is set by the monetary rule (EcoPopulationRate);
 *   3. contracts past their deadline expire, the escrow back to the issuer;
 *   4. every contract period, a station short of a good it needs (stock
 *      below half the target, an input of its recipes or in its demand)
 *      offers a procurement contract for its scarcest such good, if it has
 *      none open for it and its faction can fund the reward: what it lacks
 *      up to half the target, at most 2000 units (a hauler's load) and what
 *      its storage holds, for 1.3 times the base price, rounded up.
 * Stations, recipes, demands and goods are visited in id order.
 */
#include <string.h>

#include "sim/core/economy.h"
#include "sim/core/market.h"

#ifndef Max
#define Max(a, b) ((a) > (b) ? (a) : (b))
#define Min(a, b) ((a) < (b) ? (a) : (b))
#endif

static int64_t
stock_of(const EcoWorld *s, int st, int g)
{
	return s->stock[st * s->ngoods + g];
}

static bool
due(int64_t tick, int32_t station_id, int32_t cycle)
{
	return cycle > 0 && (tick + station_id) % cycle == 0;
}

static void
produce(EcoWorld *s, int st, const EcoRecipe *r)
{
	EcoStation *station = &s->stations[st];
	int64_t		net = 0;
	int64_t		n = s->recipe_batches;
	int			i;

	for (i = 0; i < r->nitems; i++)
	{
		const EcoRecipeItem *it = &s->items[r->first_item + i];
		int64_t		have = stock_of(s, st, it->good);

		if (i < r->ninputs)
		{
			if (have < 0)
				return;			/* no market for an input */
			n = Min(n, have / it->qty);
			net -= it->qty;
		}
		else
		{
			int64_t		t = s->target[st * s->ngoods + it->good];

			if (have < 0)
				return;			/* no market for an output */
			n = Min(n, have >= 2 * t ? 0 : (2 * t - have + it->qty - 1) / it->qty);
			net += it->qty;
		}
	}
	if (net > 0)
		n = Min(n, (station->capacity - station->held) / net);
	if (n <= 0)
		return;
	for (i = 0; i < r->nitems; i++)
	{
		const EcoRecipeItem *it = &s->items[r->first_item + i];

		EcoStockAdd(s, st, it->good, i < r->ninputs ? -it->qty * n : it->qty * n);
		EcoRecordLedger(s, i >= r->ninputs, i < r->ninputs ? "recipe_input" : "production",
						it->good, it->qty * n, station->id, 0, station->faction);
	}
}

static void
consume(EcoWorld *s, const EcoDemand *d)
{
	EcoStation *station = &s->stations[d->station];
	int64_t		have = stock_of(s, d->station, d->good);
	int64_t		consumed,
				bid,
				ask,
				paid;

	if (have < 0)
		return;
	consumed = d->qty < have ? d->qty : have;
	if (consumed <= 0)
		return;
	EcoQuote(s, d->station, d->good, &bid, &ask);
	EcoStockAdd(s, d->station, d->good, -consumed);
	EcoRecordLedger(s, false, "consumption", d->good, consumed, station->id, 0, station->faction);
	paid = EcoPopulationPays(consumed, bid, s->pay_ppm);
	if (paid > 0)
	{
		EcoRecordLedger(s, true, "population", -1, paid, station->id, 0, station->faction);
		EcoCredit(s, station->faction, paid);
	}
}

int64_t
EcoPopulationPays(int64_t qty, int64_t bid, int64_t ppm)
{
	return (int64_t) ((__int128) qty * bid * ppm / 1000000);
}

int64_t
EcoPopulationRate(int64_t ppm, int64_t paid, int64_t sinks, int64_t money,
				  int64_t anchor, int64_t pull_ppm)
{
	__int128	want = sinks;
	__int128	next;

	if (anchor >= 0)
		want += ((__int128) anchor - money) * pull_ppm / 1000000;
	if (want < 0)
		want = 0;
	if (paid <= 0)
		next = (__int128) ppm * 11 / 10;
	else
		next = (__int128) ppm * (9 * (__int128) paid + want) / (10 * (__int128) paid);
	next = Max(next, (__int128) ppm * 9 / 10);
	next = Min(next, (__int128) ppm * 11 / 10);
	next = Max(next, SIM_PAY_PPM_MIN);
	next = Min(next, 1000000);
	return (int64_t) next;
}

void
EcoRunStations(EcoWorld *s)
{
	int			i;

	for (i = 0; i < s->nstation_recipes; i++)
	{
		const EcoStationRecipe *sr = &s->station_recipes[i];
		const EcoRecipe *r = &s->recipes[sr->recipe];

		if (due(s->tick, s->stations[sr->station].id, r->cycle_ticks))
			produce(s, sr->station, r);
	}
	for (i = 0; i < s->ndemands; i++)
	{
		const EcoDemand *d = &s->demands[i];

		if (due(s->tick, s->stations[d->station].id, d->cycle_ticks))
			consume(s, d);
	}
}

void
EcoExpireContracts(EcoWorld *s)
{
	int			i;

	for (i = 0; i < s->ncontracts; i++)
	{
		EcoContract *c = &s->contracts[i];

		if (c->expired || c->deadline >= s->tick)
			continue;
		c->expired = true;
		c->dirty = true;
		EcoCredit(s, c->issuer, c->reward);
	}
}

/* Whether station st has an open or accepted contract for good g. */
static bool
has_contract(const EcoWorld *s, int st, int g)
{
	int			i;

	for (i = 0; i < s->ncontracts; i++)
	{
		const EcoContract *c = &s->contracts[i];

		if (c->station == st && c->good == g && !c->expired && !c->closed)
			return true;
	}
	return false;
}

/* qa/ta < qb/tb, exactly (targets are positive) */
static bool
scarcer(int64_t qa, int64_t ta, int64_t qb, int64_t tb)
{
	return (__int128) qa * tb < (__int128) qb * ta;
}

static void
add_contract(EcoWorld *s, const EcoContract *c)
{
	if (s->ncontracts == s->contracts_cap)
	{
		int			cap = s->contracts_cap > 0 ? s->contracts_cap * 2 : 64;
		EcoContract *bigger = s->mem->alloc(cap * sizeof(EcoContract));

		if (s->ncontracts > 0)
			memcpy(bigger, s->contracts, s->ncontracts * sizeof(EcoContract));
		if (s->contracts)
			s->mem->free(s->contracts);
		s->contracts = bigger;
		s->contracts_cap = cap;
	}
	s->contracts[s->ncontracts++] = *c;
}

int
EcoOfferContracts(EcoWorld *s)
{
	int			offered = 0;
	int			k;

	if (s->contract_period_ticks <= 0 || s->tick % s->contract_period_ticks != 0)
		return 0;
	for (k = 0; k < s->nstations; k++)
	{
		int			st = s->station_by_id[k];
		EcoStation *station = &s->stations[st];
		int			best = -1;
		int			g;
		int64_t		qty,
					reward;
		int			f;
		EcoContract c;

		for (g = 0; g < s->ngoods; g++)
		{
			int64_t		q = stock_of(s, st, g);
			int64_t		t = s->target[st * s->ngoods + g];

			if (q < 0 || q * 2 >= t || !s->wanted[st * s->ngoods + g] || has_contract(s, st, g))
				continue;
			if (best < 0 || scarcer(q, t, stock_of(s, st, best), s->target[st * s->ngoods + best]))
				best = g;		/* goods in id order: ties keep the lower id */
		}
		if (best < 0)
			continue;
		qty = s->target[st * s->ngoods + best] / 2 - stock_of(s, st, best);
		if (qty > 2000)
			qty = 2000;
		if (qty > station->capacity - station->held)
			qty = station->capacity - station->held;
		if (qty <= 0)
			continue;
		reward = (qty * s->base_price[best] * 13 + 9) / 10;
		f = EcoFaction(s, station->faction);
		if (f < 0 || s->credits[f] < reward)
			continue;
		s->credits[f] -= reward;
		s->credits_dirty[f] = true;
		memset(&c, 0, sizeof(c));
		c.id = 0;				/* numbered by the glue */
		c.transport = false;
		c.issuer = station->faction;
		c.station = st;
		c.source = -1;
		c.good = best;
		c.qty = qty;
		c.reward = reward;
		c.deadline = s->tick + s->contract_ticks;
		c.created = true;
		add_contract(s, &c);
		offered++;
	}
	return offered;
}
