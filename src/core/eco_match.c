/*
 * eco_match.c -- order books matched at the end of a tick
 * (include/sim/core/economy.h).
 *
 * s->orders holds the open orders of every book (station, good) with both
 * sides open, by (station id, good id, id), each buy with the free room of
 * its ship's hold if the ship is docked at the station (else 0).  A buy
 * fills only into that room: what earlier books delivered to the ship is
 * gone from it, and a ship's buys in one book share what is left, the
 * earlier ones first.  Each book is matched by SimMarketMatch (price-time
 * priority); a fill pays the seller (less tax), refunds the buyer's escrow
 * above the fill price, and delivers the units into the buyer's hold
 * (s->deliveries).  A filled buy returns what its escrow still holds.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/core/economy.h"
#include "sim/core/market.h"
#include "sim/core/money.h"

/* The order of the book o[from, to) (ascending id) with this id. */
static EcoOrder *
order_by_id(EcoOrder *o, int from, int to, int64_t id)
{
	int			lo = from,
				hi = to - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (o[mid].id == id)
			return &o[mid];
		if (o[mid].id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/* Ships with buy orders and the room left in their holds, by ship id. */
typedef struct Room
{
	int64_t		ship;
	int64_t		left;			/* room not yet filled by earlier books */
	int64_t		reserved;		/* caps of its buys in the book being matched */
} Room;

static int
room_cmp(const void *a, const void *b)
{
	int64_t		x = ((const Room *) a)->ship;
	int64_t		y = ((const Room *) b)->ship;

	return (x > y) - (x < y);
}

static Room *
room_of(Room *rooms, int nrooms, int64_t ship)
{
	Room		key = {ship, 0, 0};

	return bsearch(&key, rooms, nrooms, sizeof(Room), room_cmp);
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
match_book(EcoWorld *s, int start, int end, Room *rooms, int nrooms)
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
		if (o[i].buy)
			room_of(rooms, nrooms, o[i].ship)->reserved = 0;
	}

	/*
	 * Buys are in id order here: a ship's earlier buys in this book take its
	 * room first, and what earlier books delivered is gone from it.  A ship
	 * not docked at the station has no room here (o->room is 0).
	 */
	for (f = 0; f < nb; f++)
	{
		EcoOrder   *b = order_by_id(o, start, end, buys[f].id);
		Room	   *r = room_of(rooms, nrooms, b->ship);
		int64_t		room = b->room > 0 ? r->left - r->reserved : 0;

		if (room < 0)
			room = 0;
		buys[f].cap = buys[f].qty < room ? buys[f].qty : room;
		r->reserved += buys[f].cap;
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
		room_of(rooms, nrooms, b->ship)->left -= fills[f].qty;
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
	Room	   *rooms;
	int			nrooms = 0;
	int			start = 0;
	int			i;

	if (s->norders == 0)
		return;
	/* each buying ship's room, as its hold was written (o->room where it is docked) */
	rooms = s->mem->alloc(s->norders * sizeof(Room));
	for (i = 0; i < s->norders; i++)
		if (s->orders[i].buy)
		{
			rooms[nrooms].ship = s->orders[i].ship;
			rooms[nrooms].left = s->orders[i].room;
			rooms[nrooms].reserved = 0;
			nrooms++;
		}
	qsort(rooms, nrooms, sizeof(Room), room_cmp);
	for (i = 0; i + 1 < nrooms;)
	{
		/* one entry per ship, with the room of the station it is docked at */
		if (rooms[i].ship == rooms[i + 1].ship)
		{
			if (rooms[i + 1].left > rooms[i].left)
				rooms[i].left = rooms[i + 1].left;
			memmove(&rooms[i + 1], &rooms[i + 2], (nrooms - i - 2) * sizeof(Room));
			nrooms--;
		}
		else
			i++;
	}
	while (start < s->norders)
	{
		int			end = start;

		while (end < s->norders && s->orders[end].station == s->orders[start].station &&
			   s->orders[end].good == s->orders[start].good)
			end++;
		match_book(s, start, end, rooms, nrooms);
		start = end;
	}
	s->mem->free(rooms);
}
