/*
 * eco_match.c -- order books matched at the end of a tick
 * (include/sim/core/economy.h).
 *
 * s->orders holds the open orders of every book (station, good) with both
 * sides open, by (station id, good id, id), each buy with the free room of
 * its ship's hold if the ship is docked at the station (else 0).  A buy
 * fills only into that room, and a ship's buys in one book share it, the
 * earlier ones first.  Each book is matched by SimMarketMatch (price-time
 * priority); a fill pays the seller (less tax), refunds the buyer's escrow
 * above the fill price, and delivers the units into the buyer's hold
 * (s->deliveries).  A filled buy returns what its escrow still holds.
 */
#include <string.h>

#include "sim/core/economy.h"
#include "sim/core/market.h"
#include "sim/core/money.h"

static EcoOrder *
order_by_id(EcoOrder *o, int from, int to, int64_t id)
{
	int			i;

	for (i = from; i < to; i++)
		if (o[i].id == id)
			return &o[i];
	return NULL;
}

static void
deliver(EcoWorld *s, int64_t ship, int good, int64_t qty)
{
	if (s->ndeliveries == s->deliveries_cap)
	{
		int			cap = s->deliveries_cap > 0 ? s->deliveries_cap * 2 : 64;
		EcoDelivery *d = s->mem->alloc(cap * sizeof(EcoDelivery));

		if (s->ndeliveries > 0)
			memcpy(d, s->deliveries, s->ndeliveries * sizeof(EcoDelivery));
		if (s->deliveries)
			s->mem->free(s->deliveries);
		s->deliveries = d;
		s->deliveries_cap = cap;
	}
	s->deliveries[s->ndeliveries].ship = ship;
	s->deliveries[s->ndeliveries].good = good;
	s->deliveries[s->ndeliveries].qty = qty;
	s->ndeliveries++;
}

static void
match_book(EcoWorld *s, int start, int end)
{
	EcoOrder   *o = s->orders;
	int			n = end - start;
	SimOrder   *buys = s->mem->alloc(n * sizeof(SimOrder));
	SimOrder   *sells = s->mem->alloc(n * sizeof(SimOrder));
	SimFill    *fills = s->mem->alloc((n + 1) * sizeof(SimFill));
	int			nb = 0,
				ns = 0,
				nf,
				i,
				f;

	for (i = start; i < end; i++)
	{
		SimOrder   *x = o[i].buy ? &buys[nb++] : &sells[ns++];

		x->id = o[i].id;
		x->price = o[i].price;
		x->qty = o[i].qty;
		x->cap = o[i].qty;
	}
	/* buys are in id order here: a ship's earlier buys take its room first */
	for (f = 0; f < nb; f++)
	{
		EcoOrder   *b = order_by_id(o, start, end, buys[f].id);
		int64_t		reserved = 0;
		int64_t		room;
		int			e;

		for (e = 0; e < f; e++)
			if (order_by_id(o, start, end, buys[e].id)->ship == b->ship)
				reserved += buys[e].cap;
		room = b->room - reserved;
		if (room < 0)
			room = 0;
		buys[f].cap = buys[f].qty < room ? buys[f].qty : room;
	}
	nf = SimMarketMatch(buys, nb, sells, ns, fills, n + 1);
	if (nf < 0)
		EcoFail(s, "XX000", "order matching overflowed");
	for (f = 0; f < nf; f++)
	{
		EcoOrder   *b = order_by_id(o, start, end, fills[f].buy_id);
		EcoOrder   *x = order_by_id(o, start, end, fills[f].sell_id);
		int64_t		value = fills[f].qty * fills[f].price;
		int64_t		tax = SimLevy(value, s->tax_ppm);
		EcoTrade	t;

		/* the buyer paid limit * qty into escrow: the difference comes back */
		b->escrow -= b->price * fills[f].qty;
		b->qty -= fills[f].qty;
		x->qty -= fills[f].qty;
		b->dirty = x->dirty = true;
		EcoCredit(s, b->faction, (b->price - fills[f].price) * fills[f].qty);
		EcoCredit(s, x->faction, value - tax);
		EcoRecordLedger(s, false, "tax", -1, tax, s->stations[o[start].station].id, x->ship, x->faction);
		deliver(s, b->ship, o[start].good, fills[f].qty);
		memset(&t, 0, sizeof(t));
		t.station = o[start].station;
		t.good = o[start].good;
		t.qty = fills[f].qty;
		t.price = fills[f].price;
		t.buyer_faction = b->faction;
		t.seller_faction = x->faction;
		t.buyer_ship = b->ship;
		t.seller_ship = x->ship;
		t.kind = "order";
		t.tax = tax;
		t.buy_order = b->id;
		t.sell_order = x->id;
		EcoRecordTrade(s, &t);
	}
	for (i = start; i < end; i++)
		if (o[i].qty == 0 && o[i].buy && o[i].escrow > 0)
		{
			/* a filled buy order returns what its escrow still holds */
			EcoCredit(s, o[i].faction, o[i].escrow);
			o[i].escrow = 0;
			o[i].dirty = true;
		}
	s->mem->free(buys);
	s->mem->free(sells);
	s->mem->free(fills);
}

void
EcoMatchOrders(EcoWorld *s)
{
	int			start = 0;

	while (start < s->norders)
	{
		int			end = start;

		while (end < s->norders && s->orders[end].station == s->orders[start].station &&
			   s->orders[end].good == s->orders[start].good)
			end++;
		match_book(s, start, end);
		start = end;
	}
}
