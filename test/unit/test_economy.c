/*
 * test_economy.c -- unit tests of the economy's decisions in src/core
 * (include/sim/core/economy.h) on worlds built by hand: order matching
 * against a naive reference on random books (fills, orders, wallets,
 * deliveries, tax ledger, conservation, hold room, escrow returned);
 * stations' production, consumption, contract expiry and offers with
 * exact numbers; a woken
 * ship's next step (arrival, docking, undocking, mining, a refused
 * transition); NPC pilots running behaviour trees built from rows.
 * Memory comes from a tracking malloc allocator freed after each world;
 * EcoWorld.fail records the SQLSTATE and jumps back to the test.
 */
#include "unit.h"

#include <math.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/economy.h"
#include "sim/core/market.h"

/* ---------------------------------------------------------------- memory */

/* Every block is linked after a header, so a world's memory can be freed at once. */
typedef struct Block
{
	struct Block *prev,
			   *next;
	size_t		size;
	size_t		pad;
} Block;

static Block arena = {&arena, &arena, 0, 0};

static void *
arena_alloc(size_t size)
{
	Block	   *b = malloc(sizeof(Block) + (size > 0 ? size : 1));

	if (b == NULL)
	{
		printf("out of memory\n");
		exit(2);
	}
	b->size = size;
	b->next = &arena;
	b->prev = arena.prev;
	arena.prev->next = b;
	arena.prev = b;
	return b + 1;
}

static void
arena_free(void *p)
{
	Block	   *b;

	if (p == NULL)
		return;
	b = (Block *) p - 1;
	b->prev->next = b->next;
	b->next->prev = b->prev;
	free(b);
}

/* Free every block still allocated. */
static void
arena_reset(void)
{
	while (arena.next != &arena)
		arena_free(arena.next + 1);
}

static const SimAllocator test_mem = {arena_alloc, arena_free};

static void *
zalloc(size_t size)
{
	void	   *p = arena_alloc(size);

	memset(p, 0, size > 0 ? size : 1);
	return p;
}

/* ---------------------------------------------------------------- failures */

static jmp_buf fail_jump;
static char fail_state[6];
static char fail_message[512];

static void
record_fail(const char *sqlstate, const char *message, const char *detail)
{
	(void) detail;
	snprintf(fail_state, sizeof(fail_state), "%s", sqlstate);
	snprintf(fail_message, sizeof(fail_message), "%s", message);
	longjmp(fail_jump, 1);
}

/* Run stmt; evaluates to the SQLSTATE it failed with, or "" when it returned. */
#define RUN_CATCH(stmt) \
	(fail_state[0] = '\0', \
	 (setjmp(fail_jump) == 0 ? ((stmt), (void) 0) : (void) 0), \
	 (const char *) fail_state)

/* ---------------------------------------------------------------- worlds */

/*
 * A world of ngoods goods (ids 1..ngoods), nstations stations (no market
 * anywhere until stock is set), one sector (id 1), no factions, no ships'
 * classes, the transitions of sim.ship_transition allowed.
 */
static EcoWorld *
world_new(int ngoods, int nstations, int64_t tick)
{
	EcoWorld   *s = zalloc(sizeof(EcoWorld));
	int			i;
	static const EcoState pairs[][2] = {
		{ECO_DOCKED, ECO_UNDOCKING}, {ECO_UNDOCKING, ECO_IDLE}, {ECO_IDLE, ECO_FLYING},
		{ECO_ORBITING, ECO_FLYING}, {ECO_FLYING, ECO_IDLE}, {ECO_FLYING, ECO_DOCKING},
		{ECO_FLYING, ECO_ORBITING}, {ECO_IDLE, ECO_DOCKING}, {ECO_DOCKING, ECO_DOCKED},
		{ECO_IDLE, ECO_ORBITING}, {ECO_ORBITING, ECO_MINING}, {ECO_MINING, ECO_ORBITING},
		{ECO_ORBITING, ECO_IDLE}};

	s->mem = &test_mem;
	s->keep = &test_mem;
	s->fail = record_fail;
	s->tick = tick;
	s->spread = 0.1;
	s->tax_ppm = 50000;
	s->dock_ticks = 3;
	s->undock_ticks = 2;
	s->mine_cycle_ticks = 5;
	s->cooldown_ticks = 7;
	s->contract_period_ticks = 10;
	s->contract_ticks = 100;
	/* the balance's knobs at their neutral values; the tests of each set them */
	s->pay_ppm = 1000000;
	s->budget_period_ticks = 100;
	s->money_anchor = -1;
	s->recipe_batches = 1;
	s->handling_rate = 1000000;
	s->mining_speed = 1.0;

	s->ngoods = ngoods;
	s->good_id = zalloc(ngoods * sizeof(int32_t));
	s->base_price = zalloc(ngoods * sizeof(int64_t));
	for (i = 0; i < ngoods; i++)
	{
		s->good_id[i] = i + 1;
		s->base_price[i] = 10 * (i + 1);
	}
	s->fuel_good = -1;

	s->nsectors = 1;
	s->sectors = zalloc(sizeof(EcoSector));
	s->sectors[0].id = 1;
	s->sectors[0].security = 1.0;
	s->sectors[0].nstations = nstations;

	s->nstations = nstations;
	s->stations = zalloc(nstations * sizeof(EcoStation));
	s->station_by_id = zalloc(nstations * sizeof(int));
	s->stock = zalloc((size_t) nstations * ngoods * sizeof(int64_t));
	s->target = zalloc((size_t) nstations * ngoods * sizeof(int64_t));
	s->stock_dirty = zalloc((size_t) nstations * ngoods * sizeof(bool));
	s->wanted = zalloc((size_t) nstations * ngoods * sizeof(bool));
	for (i = 0; i < nstations; i++)
	{
		s->stations[i].id = 10 * (i + 1);
		s->stations[i].faction = 1;
		s->stations[i].slots = 4;
		s->stations[i].capacity = 100000;
		s->station_by_id[i] = i;
	}
	for (i = 0; i < nstations * ngoods; i++)
	{
		s->stock[i] = -1;
		s->target[i] = 100;
	}
	s->faction_id = zalloc(sizeof(int32_t));
	s->credits = zalloc(sizeof(int64_t));
	s->credits_dirty = zalloc(sizeof(bool));

	for (i = 0; i < (int) (sizeof(pairs) / sizeof(pairs[0])); i++)
		s->allowed[pairs[i][0]][pairs[i][1]] = true;
	return s;
}

/* Set station st's stock of good g (and add it to the units it holds). */
static void
set_stock(EcoWorld *s, int st, int g, int64_t qty, int64_t target)
{
	int64_t		old = s->stock[st * s->ngoods + g];

	s->stations[st].held += qty - (old > 0 ? old : 0);
	s->stock[st * s->ngoods + g] = qty;
	s->target[st * s->ngoods + g] = target;
}

static int64_t
stock_at(const EcoWorld *s, int st, int g)
{
	return s->stock[st * s->ngoods + g];
}

/* Credits of faction, or -1 when it has no wallet. */
static int64_t
credits_of(const EcoWorld *s, int32_t faction)
{
	int			f = EcoFaction(s, faction);

	return f < 0 ? -1 : s->credits[f];
}

/* Whether ledger row i is exactly this. */
static bool
ledger_is(const EcoWorld *s, int i, bool faucet, const char *reason, int good,
		  int64_t amount, int32_t station_id, int64_t ship_id, int32_t faction_id)
{
	const EcoLedger *l;

	if (i >= s->nledger)
	{
		printf("  ledger row %d missing (%d rows)\n", i, s->nledger);
		return false;
	}
	l = &s->ledger[i];
	if (l->faucet == faucet && strcmp(l->reason, reason) == 0 && l->good == good &&
		l->amount == amount && l->station_id == station_id && l->ship_id == ship_id &&
		l->faction_id == faction_id)
		return true;
	printf("  ledger row %d: %s %s good %d amount %lld station %d ship %lld faction %d;"
		   " want %s %s good %d amount %lld station %d ship %lld faction %d\n", i,
		   l->faucet ? "faucet" : "sink", l->reason, l->good, (long long) l->amount,
		   l->station_id, (long long) l->ship_id, l->faction_id,
		   faucet ? "faucet" : "sink", reason, good, (long long) amount, station_id,
		   (long long) ship_id, faction_id);
	return false;
}

/* ---------------------------------------------------------------- 1. matching */

/* ceil(v * ppm / 10^6), the levy, computed here independently. */
static int64_t
ref_levy(int64_t v, int64_t ppm)
{
	__int128	p = (__int128) v * ppm;

	return (int64_t) ((p + 999999) / 1000000);
}

#define REF_FACTIONS 5

/* Fills and room-capped buys seen over all random trials (the test must exercise both). */
static long match_fills_seen,
			match_capped_seen;			/* faction ids 1..4 */

typedef struct RefOrder
{
	EcoOrder	o;
	int64_t		cap;
} RefOrder;

typedef struct RefResult
{
	EcoTrade   *trades;
	int			ntrades;
	EcoLedger  *ledger;
	int			nledger;
	EcoDelivery *deliveries;
	int			ndeliveries;
	int64_t		credits[REF_FACTIONS];
	bool		open[REF_FACTIONS];
} RefResult;

/*
 * The rule of eco_match.c and market.h, done the obvious way: per book,
 * buys share their ship's room in id order; then repeatedly the best buy
 * (price desc, id asc) with qty and cap left against the best sell (price
 * asc, id asc) with qty left, while the buy's price reaches the sell's, at
 * the earlier order's price; afterwards filled buys return their escrow.
 */
static void
ref_match(const EcoWorld *s, RefOrder *o, int n, RefResult *r)
{
	int			start = 0;

	while (start < n)
	{
		int			end = start,
					i,
					j;

		while (end < n && o[end].o.station == o[start].o.station && o[end].o.good == o[start].o.good)
			end++;
		for (i = start; i < end; i++)
		{
			int64_t		used = 0;

			o[i].cap = o[i].o.qty;
			if (!o[i].o.buy)
				continue;
			for (j = start; j < i; j++)
				if (o[j].o.buy && o[j].o.ship == o[i].o.ship)
					used += o[j].cap;
			o[i].cap = o[i].o.qty < o[i].o.room - used ? o[i].o.qty : o[i].o.room - used;
			if (o[i].cap < 0)
				o[i].cap = 0;
		}
		for (;;)
		{
			RefOrder   *b = NULL,
					   *x = NULL;
			int64_t		q,
						price,
						value,
						tax;
			EcoTrade   *t;

			for (i = start; i < end; i++)
			{
				RefOrder   *c = &o[i];

				if (c->o.qty <= 0 || c->cap <= 0)
					continue;
				if (c->o.buy && (b == NULL || c->o.price > b->o.price ||
								 (c->o.price == b->o.price && c->o.id < b->o.id)))
					b = c;
				if (!c->o.buy && (x == NULL || c->o.price < x->o.price ||
								  (c->o.price == x->o.price && c->o.id < x->o.id)))
					x = c;
			}
			if (b == NULL || x == NULL || b->o.price < x->o.price)
				break;
			q = b->o.qty;
			if (b->cap < q)
				q = b->cap;
			if (x->o.qty < q)
				q = x->o.qty;
			price = b->o.id < x->o.id ? b->o.price : x->o.price;
			value = q * price;
			tax = ref_levy(value, s->tax_ppm);
			b->o.qty -= q;
			b->cap -= q;
			x->o.qty -= q;
			x->cap -= q;
			b->o.escrow -= b->o.price * q;
			r->credits[b->o.faction] += (b->o.price - price) * q;
			r->credits[x->o.faction] += value - tax;
			r->open[b->o.faction] = r->open[x->o.faction] = true;
			if (tax > 0)
			{
				EcoLedger  *l = &r->ledger[r->nledger++];

				l->faucet = false;
				l->reason = "tax";
				l->good = -1;
				l->amount = tax;
				l->station_id = s->stations[b->o.station].id;
				l->ship_id = x->o.ship;
				l->faction_id = x->o.faction;
			}
			r->deliveries[r->ndeliveries].ship = b->o.ship;
			r->deliveries[r->ndeliveries].good = b->o.good;
			r->deliveries[r->ndeliveries++].qty = q;
			t = &r->trades[r->ntrades++];
			memset(t, 0, sizeof(*t));
			t->station = b->o.station;
			t->good = b->o.good;
			t->qty = q;
			t->price = price;
			t->buyer_faction = b->o.faction;
			t->seller_faction = x->o.faction;
			t->buyer_ship = b->o.ship;
			t->seller_ship = x->o.ship;
			t->kind = "order";
			t->tax = tax;
			t->buy_order = b->o.id;
			t->sell_order = x->o.id;
		}
		for (i = start; i < end; i++)
			if (o[i].o.buy && o[i].o.qty == 0 && o[i].o.escrow > 0)
			{
				r->credits[o[i].o.faction] += o[i].o.escrow;
				o[i].o.escrow = 0;
			}
		start = end;
	}
}

static int
order_cmp(const void *a, const void *b)
{
	const EcoOrder *x = a,
			   *y = b;

	if (x->station != y->station)
		return x->station - y->station;
	if (x->good != y->good)
		return x->good - y->good;
	return x->id < y->id ? -1 : (x->id > y->id);
}

static bool
trade_eq(const EcoTrade *a, const EcoTrade *b)
{
	return a->station == b->station && a->good == b->good && a->qty == b->qty &&
		a->price == b->price && a->buyer_faction == b->buyer_faction &&
		a->seller_faction == b->seller_faction && a->buyer_ship == b->buyer_ship &&
		a->seller_ship == b->seller_ship && strcmp(a->kind, b->kind) == 0 &&
		a->tax == b->tax && a->buy_order == b->buy_order && a->sell_order == b->sell_order;
}

static bool
ledger_eq(const EcoLedger *a, const EcoLedger *b)
{
	return a->faucet == b->faucet && strcmp(a->reason, b->reason) == 0 && a->good == b->good &&
		a->amount == b->amount && a->station_id == b->station_id && a->ship_id == b->ship_id &&
		a->faction_id == b->faction_id;
}

/* One random world of books; returns whether everything agreed. */
static bool
match_trial(TestRng *rng, int trial)
{
	int			nst = 1 + (int) (test_rng_next(rng) % 3);
	int			ng = 1 + (int) (test_rng_next(rng) % 3);
	EcoWorld   *s = world_new(ng, nst, 100);
	int			cap = nst * ng * 12;
	EcoOrder   *orders = zalloc(cap * sizeof(EcoOrder));
	RefOrder   *ref = zalloc(cap * sizeof(RefOrder));
	RefResult	r;
	int			n = 0,
				st,
				g,
				i,
				f;
	int64_t		next_id = 1;
	int64_t		before = 0,
				after = 0,
				sells_before = 0,
				sells_after = 0,
				delivered = 0,
				buys_before = 0,
				buys_after = 0;
	bool		ok = true;

	memset(&r, 0, sizeof(r));
	s->tax_ppm = (int64_t) (test_rng_next(rng) % 4) * 37000 + (int64_t) (test_rng_next(rng) % 1000);
	/* some factions start with wallets, the others are opened by their first trade */
	for (f = 1; f < REF_FACTIONS; f++)
		if (test_rng_next(rng) % 4 != 0)
		{
			int64_t		c = (int64_t) (test_rng_next(rng) % 10000);

			EcoCredit(s, f, c);
			r.credits[f] = c;
			r.open[f] = true;
			before += c;
		}
	for (st = 0; st < nst; st++)
		for (g = 0; g < ng; g++)
		{
			int			book = st * ng + g;
			int			norders = (int) (test_rng_next(rng) % 13);
			int64_t		room[3];

			/* a book's buyers are its own: ships 100*book + 1..3, each with one room */
			for (i = 0; i < 3; i++)
				room[i] = test_rng_next(rng) % 5 == 0 ? 0 : (int64_t) (test_rng_next(rng) % 40);
			for (i = 0; i < norders && n < cap; i++)
			{
				EcoOrder   *o = &orders[n++];
				int			k = (int) (test_rng_next(rng) % 3);

				next_id += 1 + (int64_t) (test_rng_next(rng) % 3);
				o->id = next_id;
				o->station = st;
				o->good = g;
				o->buy = test_rng_next(rng) % 2 == 0;
				o->faction = 1 + (int32_t) (test_rng_next(rng) % (REF_FACTIONS - 1));
				o->ship = 100 * book + 1 + k;
				o->price = 1 + (int64_t) (test_rng_next(rng) % 20);
				o->qty = 1 + (int64_t) (test_rng_next(rng) % 15);
				o->escrow = o->buy ? o->price * o->qty : 0;
				/* now and then an escrow above price * qty: a filled buy returns the rest */
				if (o->buy && test_rng_next(rng) % 4 == 0)
					o->escrow += 1 + (int64_t) (test_rng_next(rng) % 5);
				o->room = o->buy ? room[k] : 0;
			}
		}
	/* ids are time: shuffle them across books, then sort as the glue loads them */
	for (i = n - 1; i > 0; i--)
	{
		int			j = (int) (test_rng_next(rng) % (uint64_t) (i + 1));
		int64_t		t = orders[i].id;

		orders[i].id = orders[j].id;
		orders[j].id = t;
	}
	qsort(orders, n, sizeof(EcoOrder), order_cmp);
	for (i = 0; i < n; i++)
	{
		ref[i].o = orders[i];
		before += orders[i].escrow;
		if (orders[i].buy)
			buys_before += orders[i].qty;
		else
			sells_before += orders[i].qty;
	}
	s->orders = orders;
	s->norders = n;
	r.trades = zalloc((n + 1) * sizeof(EcoTrade));
	r.ledger = zalloc((n + 1) * sizeof(EcoLedger));
	r.deliveries = zalloc((n + 1) * sizeof(EcoDelivery));

	if (strcmp(RUN_CATCH(EcoMatchOrders(s)), "") != 0)
	{
		CHECK(false, "trial %d: matching failed with %s: %s", trial, fail_state, fail_message);
		arena_reset();
		return false;
	}
	ref_match(s, ref, n, &r);
	match_fills_seen += r.ntrades;
	for (i = 0; i < n; i++)
		if (ref[i].o.buy && ref[i].o.qty > 0 && ref[i].cap == 0 && ref[i].o.room > 0)
			match_capped_seen++;

	/* fills, in order */
	ok &= s->ntrades == r.ntrades;
	for (i = 0; ok && i < r.ntrades; i++)
		ok &= trade_eq(&s->trades[i], &r.trades[i]);
	CHECK(ok, "trial %d: %d trades, reference %d (or one differs)", trial, s->ntrades, r.ntrades);
	/* orders as left */
	for (i = 0; ok && i < n; i++)
		ok &= s->orders[i].id == ref[i].o.id && s->orders[i].qty == ref[i].o.qty &&
			s->orders[i].escrow == ref[i].o.escrow;
	CHECK(ok, "trial %d: an order's qty or escrow differs from the reference", trial);
	/* wallets */
	for (f = 1; ok && f < REF_FACTIONS; f++)
		ok &= credits_of(s, f) == (r.open[f] ? r.credits[f] : -1);
	CHECK(ok, "trial %d: a wallet differs from the reference", trial);
	/* deliveries and the tax ledger */
	ok &= s->ndeliveries == r.ndeliveries && s->nledger == r.nledger;
	for (i = 0; ok && i < r.ndeliveries; i++)
		ok &= s->deliveries[i].ship == r.deliveries[i].ship &&
			s->deliveries[i].good == r.deliveries[i].good &&
			s->deliveries[i].qty == r.deliveries[i].qty;
	for (i = 0; ok && i < r.nledger; i++)
		ok &= ledger_eq(&s->ledger[i], &r.ledger[i]);
	CHECK(ok, "trial %d: deliveries or ledger differ from the reference", trial);

	/* invariants, whatever the reference says */
	for (f = 0; f < s->nfactions; f++)
		after += s->credits[f];
	for (i = 0; i < s->nledger; i++)
		after += s->ledger[i].amount;
	for (i = 0; i < n; i++)
	{
		after += s->orders[i].escrow;
		if (s->orders[i].buy)
			buys_after += s->orders[i].qty;
		else
			sells_after += s->orders[i].qty;
		ok &= s->orders[i].qty >= 0 && s->orders[i].escrow >= 0;
	}
	for (i = 0; i < s->ndeliveries; i++)
		delivered += s->deliveries[i].qty;
	CHECK(before == after, "trial %d: credits + escrow + tax %lld before, %lld after", trial,
		  (long long) before, (long long) after);
	CHECK(sells_before - sells_after == delivered && buys_before - buys_after == delivered,
		  "trial %d: units not conserved: sold %lld, bought %lld, delivered %lld", trial,
		  (long long) (sells_before - sells_after), (long long) (buys_before - buys_after),
		  (long long) delivered);
	for (i = 0; i < s->ntrades; i++)
	{
		const EcoTrade *t = &s->trades[i];
		int64_t		room = -1,
					got = 0;
		int			k;

		for (k = 0; k < n; k++)
			if (orders[k].buy && orders[k].ship == t->buyer_ship && orders[k].station == t->station)
				room = orders[k].room;
		for (k = 0; k < s->ndeliveries; k++)
			if (s->deliveries[k].ship == t->buyer_ship)
				got += s->deliveries[k].qty;
		ok &= got <= room;
	}
	CHECK(ok, "trial %d: a buyer received more than its hold's room (or a negative order)", trial);
	arena_reset();
	return ok && before == after;
}

static void
test_match_random(void)
{
	TestRng		rng;
	int			trial,
				bad = 0;

	test_rng_seed(&rng, 20261206);
	for (trial = 0; trial < 4000 && bad < 5; trial++)
		if (!match_trial(&rng, trial))
			bad++;
	CHECK(bad == 0, "random books: %d trials disagreed", bad);
	CHECK(match_fills_seen > 10000 && match_capped_seen > 1000,
		  "random books exercise the matcher: %ld fills, %ld buys stopped by their room",
		  match_fills_seen, match_capped_seen);
}

/* A hand-made book: the numbers a reader can follow. */
static void
test_match_fixed(void)
{
	EcoWorld   *s = world_new(1, 1, 100);
	EcoOrder	o[4];

	memset(o, 0, sizeof(o));
	s->tax_ppm = 100000;		/* 10 % */
	EcoCredit(s, 1, 0);
	EcoCredit(s, 2, 0);
	/* resting sell 5 @ 8 (id 1); buys 4 @ 10 (id 2) and 6 @ 9 (id 3) of ship 7 with room 7 */
	o[0] = (EcoOrder) {.id = 1, .buy = false, .faction = 2, .ship = 9, .price = 8, .qty = 5};
	o[1] = (EcoOrder) {.id = 2, .buy = true, .faction = 1, .ship = 7, .price = 10, .qty = 4, .escrow = 40, .room = 7};
	o[2] = (EcoOrder) {.id = 3, .buy = true, .faction = 1, .ship = 7, .price = 9, .qty = 6, .escrow = 54, .room = 7};
	o[3] = (EcoOrder) {.id = 4, .buy = false, .faction = 2, .ship = 9, .price = 9, .qty = 10};
	s->orders = o;
	s->norders = 4;
	CHECK(strcmp(RUN_CATCH(EcoMatchOrders(s)), "") == 0, "fixed book: failed with %s", fail_state);
	/* 4 @ 8 (buy 2 against sell 1, the sell's price), 1 @ 8 (buy 3, room 3 left), 2 @ 9 */
	CHECK(s->ntrades == 3, "fixed book: %d trades, want 3", s->ntrades);
	if (s->ntrades == 3)
	{
		CHECK(s->trades[0].buy_order == 2 && s->trades[0].sell_order == 1 && s->trades[0].qty == 4 &&
			  s->trades[0].price == 8 && s->trades[0].tax == 4, "fixed book: first trade");
		CHECK(s->trades[1].buy_order == 3 && s->trades[1].sell_order == 1 && s->trades[1].qty == 1 &&
			  s->trades[1].price == 8 && s->trades[1].tax == 1, "fixed book: second trade");
		CHECK(s->trades[2].buy_order == 3 && s->trades[2].sell_order == 4 && s->trades[2].qty == 2 &&
			  s->trades[2].price == 9 && s->trades[2].tax == 2, "fixed book: third trade at the buy's price");
	}
	CHECK(o[1].qty == 0 && o[1].escrow == 0 && o[2].qty == 3 && o[2].escrow == 27 &&
		  o[0].qty == 0 && o[3].qty == 8, "fixed book: orders left");
	/* buyer: 4*(10-8) refund + 1*(9-8) refund + 0 = 9; seller: 32-4 + 8-1 + 18-2 = 51 */
	CHECK(credits_of(s, 1) == 9 && credits_of(s, 2) == 51, "fixed book: wallets %lld and %lld, want 9 and 51",
		  (long long) credits_of(s, 1), (long long) credits_of(s, 2));
	CHECK(s->ndeliveries == 3 && s->deliveries[0].qty + s->deliveries[1].qty + s->deliveries[2].qty == 7,
		  "fixed book: 7 units delivered to ship 7's room of 7");
	arena_reset();
}

/*
 * A ship's hold is one room, whatever good it is for: buys of one ship in
 * two books of its station together fill at most its free room (the tick
 * writes the deliveries, and sim.ship's hold check refuses a hold over
 * capacity).
 */
static void
test_match_room_across_books(void)
{
	EcoWorld   *s = world_new(2, 1, 100);
	EcoOrder	o[4];
	int64_t		got = 0;
	int			i;

	memset(o, 0, sizeof(o));
	EcoCredit(s, 1, 0);
	EcoCredit(s, 2, 0);
	o[0] = (EcoOrder) {.id = 1, .good = 0, .buy = true, .faction = 1, .ship = 7, .price = 10, .qty = 8, .escrow = 80, .room = 10};
	o[1] = (EcoOrder) {.id = 2, .good = 0, .buy = false, .faction = 2, .ship = 9, .price = 5, .qty = 20};
	o[2] = (EcoOrder) {.id = 3, .good = 1, .buy = true, .faction = 1, .ship = 7, .price = 10, .qty = 8, .escrow = 80, .room = 10};
	o[3] = (EcoOrder) {.id = 4, .good = 1, .buy = false, .faction = 2, .ship = 9, .price = 5, .qty = 20};
	s->orders = o;
	s->norders = 4;
	CHECK(strcmp(RUN_CATCH(EcoMatchOrders(s)), "") == 0, "room across books: failed with %s", fail_state);
	for (i = 0; i < s->ndeliveries; i++)
		if (s->deliveries[i].ship == 7)
			got += s->deliveries[i].qty;
	CHECK(got <= 10, "room across books: ship 7 with room 10 received %lld units (buys of 8 in two goods)",
		  (long long) got);
	arena_reset();
}

/* ---------------------------------------------------------------- 2. stations */

/* Station id 7 (faction 1) with goods 1..3; recipes are added by the tests. */
static EcoWorld *
station_world(int64_t tick)
{
	EcoWorld   *s = world_new(3, 1, tick);

	s->stations[0].id = 7;
	s->stations[0].capacity = 1000;
	s->base_price[0] = 100;
	s->base_price[1] = 50;
	s->base_price[2] = 10;
	EcoCredit(s, 1, 1000);
	return s;
}

/* One recipe (id 1) at station 0: input (g_in, q_in) -> output (g_out, q_out). */
static void
add_recipe(EcoWorld *s, int cycle, int g_in, int64_t q_in, int g_out, int64_t q_out)
{
	s->nrecipes = 1;
	s->recipes = zalloc(sizeof(EcoRecipe));
	s->recipes[0] = (EcoRecipe) {.id = 1, .cycle_ticks = cycle, .first_item = 0, .nitems = 2, .ninputs = 1};
	s->items = zalloc(2 * sizeof(EcoRecipeItem));
	s->items[0] = (EcoRecipeItem) {g_in, q_in};
	s->items[1] = (EcoRecipeItem) {g_out, q_out};
	s->nstation_recipes = 1;
	s->station_recipes = zalloc(sizeof(EcoStationRecipe));
	s->station_recipes[0] = (EcoStationRecipe) {0, 0};
}

static void
test_station_production(void)
{
	EcoWorld   *s;
	int64_t		t;

	/* due: (tick 3 + id 7) % 5 == 0; 10 of good 1 make 4 of good 2 */
	s = station_world(3);
	set_stock(s, 0, 0, 50, 100);
	set_stock(s, 0, 1, 20, 40);
	add_recipe(s, 5, 0, 10, 1, 4);
	CHECK(strcmp(RUN_CATCH(EcoRunStations(s)), "") == 0, "production: failed with %s", fail_state);
	CHECK(stock_at(s, 0, 0) == 40 && stock_at(s, 0, 1) == 24 && s->stations[0].held == 64,
		  "production: stock %lld / %lld held %lld, want 40 / 24 held 64",
		  (long long) stock_at(s, 0, 0), (long long) stock_at(s, 0, 1), (long long) s->stations[0].held);
	CHECK(s->stock_dirty[0] && s->stock_dirty[1] && !s->stock_dirty[2], "production: dirty marks");
	CHECK(s->nledger == 2, "production: %d ledger rows, want 2", s->nledger);
	CHECK(ledger_is(s, 0, false, "recipe_input", 0, 10, 7, 0, 1), "production: input row first");
	CHECK(ledger_is(s, 1, true, "production", 1, 4, 7, 0, 1), "production: output row second");
	arena_reset();

	/* not due at ticks 4 .. 7 */
	for (t = 4; t < 8; t++)
	{
		s = station_world(t);
		set_stock(s, 0, 0, 50, 100);
		set_stock(s, 0, 1, 20, 40);
		add_recipe(s, 5, 0, 10, 1, 4);
		EcoRunStations(s);
		CHECK(stock_at(s, 0, 0) == 50 && stock_at(s, 0, 1) == 20 && s->nledger == 0,
			  "production: not due at tick %lld", (long long) t);
		arena_reset();
	}

	/* due again at tick 8 */
	s = station_world(8);
	set_stock(s, 0, 0, 50, 100);
	set_stock(s, 0, 1, 20, 40);
	add_recipe(s, 5, 0, 10, 1, 4);
	EcoRunStations(s);
	CHECK(stock_at(s, 0, 0) == 40 && stock_at(s, 0, 1) == 24, "production: due at tick 8");
	arena_reset();

	/* inputs short: 9 of 10 */
	s = station_world(3);
	set_stock(s, 0, 0, 9, 100);
	set_stock(s, 0, 1, 20, 40);
	add_recipe(s, 5, 0, 10, 1, 4);
	EcoRunStations(s);
	CHECK(stock_at(s, 0, 0) == 9 && stock_at(s, 0, 1) == 20 && s->nledger == 0,
		  "production: inputs short");
	arena_reset();

	/* input without a market counts as none */
	s = station_world(3);
	set_stock(s, 0, 1, 20, 40);
	add_recipe(s, 5, 0, 10, 1, 4);
	EcoRunStations(s);
	CHECK(stock_at(s, 0, 0) == -1 && stock_at(s, 0, 1) == 20 && s->nledger == 0,
		  "production: input without a market");
	arena_reset();

	/* an output without a market (good 3) */
	s = station_world(3);
	set_stock(s, 0, 0, 50, 100);
	add_recipe(s, 5, 0, 10, 2, 4);
	EcoRunStations(s);
	CHECK(stock_at(s, 0, 0) == 50 && stock_at(s, 0, 2) == -1 && s->nledger == 0,
		  "production: output without a market");
	arena_reset();

	/* storage: 1 of good 2 makes 5 of good 1, a net gain of 4 units */
	s = station_world(3);
	set_stock(s, 0, 0, 0, 100);
	set_stock(s, 0, 1, 20, 40);
	s->stations[0].capacity = 23;	/* room 3 */
	add_recipe(s, 5, 1, 1, 0, 5);
	EcoRunStations(s);
	CHECK(stock_at(s, 0, 0) == 0 && stock_at(s, 0, 1) == 20 && s->nledger == 0,
		  "production: storage full (room 3 for a gain of 4)");
	arena_reset();
	s = station_world(3);
	set_stock(s, 0, 0, 0, 100);
	set_stock(s, 0, 1, 20, 40);
	s->stations[0].capacity = 24;	/* room 4 */
	add_recipe(s, 5, 1, 1, 0, 5);
	EcoRunStations(s);
	CHECK(stock_at(s, 0, 0) == 5 && stock_at(s, 0, 1) == 19 && s->stations[0].held == 24,
		  "production: room 4 for a gain of 4 is enough");
	arena_reset();
}

static void
add_demand(EcoWorld *s, int g, int64_t qty, int cycle)
{
	s->ndemands = 1;
	s->demands = zalloc(sizeof(EcoDemand));
	s->demands[0] = (EcoDemand) {.station = 0, .good = g, .qty = qty, .cycle_ticks = cycle};
}

static void
test_station_consumption(void)
{
	EcoWorld   *s;
	int64_t		bid,
				ask;

	/* due at odd ticks ((tick + 7) % 2); 6 units of good 2 at the bid for 20 of 40 */
	s = station_world(3);
	set_stock(s, 0, 1, 20, 40);
	add_demand(s, 1, 6, 2);
	SimMarketQuote(50, 20, 40, s->spread, &bid, &ask);
	EcoRunStations(s);
	CHECK(stock_at(s, 0, 1) == 14 && s->stations[0].held == 14, "consumption: stock 20 - 6");
	CHECK(credits_of(s, 1) == 1000 + 6 * bid, "consumption: wallet %lld, want %lld",
		  (long long) credits_of(s, 1), (long long) (1000 + 6 * bid));
	CHECK(s->nledger == 2 && ledger_is(s, 0, false, "consumption", 1, 6, 7, 0, 1) &&
		  ledger_is(s, 1, true, "population", -1, 6 * bid, 7, 0, 1), "consumption: ledger rows");
	arena_reset();

	/* not due at an even tick */
	s = station_world(4);
	set_stock(s, 0, 1, 20, 40);
	add_demand(s, 1, 6, 2);
	EcoRunStations(s);
	CHECK(stock_at(s, 0, 1) == 20 && credits_of(s, 1) == 1000 && s->nledger == 0,
		  "consumption: not due");
	arena_reset();

	/* less in stock than wanted: what there is, at the bid for the stock before */
	s = station_world(3);
	set_stock(s, 0, 1, 4, 40);
	add_demand(s, 1, 6, 2);
	SimMarketQuote(50, 4, 40, s->spread, &bid, &ask);
	EcoRunStations(s);
	CHECK(stock_at(s, 0, 1) == 0 && credits_of(s, 1) == 1000 + 4 * bid &&
		  ledger_is(s, 0, false, "consumption", 1, 4, 7, 0, 1) &&
		  ledger_is(s, 1, true, "population", -1, 4 * bid, 7, 0, 1), "consumption: 4 of 6");
	arena_reset();

	/* nothing in stock, or no market: nothing happens */
	s = station_world(3);
	set_stock(s, 0, 1, 0, 40);
	add_demand(s, 1, 6, 2);
	EcoRunStations(s);
	CHECK(s->nledger == 0 && credits_of(s, 1) == 1000, "consumption: empty stock");
	arena_reset();
	s = station_world(3);
	add_demand(s, 1, 6, 2);
	EcoRunStations(s);
	CHECK(s->nledger == 0 && stock_at(s, 0, 1) == -1, "consumption: no market");
	arena_reset();

	/* production first, then consumption at the stock production left */
	s = station_world(3);
	set_stock(s, 0, 0, 50, 100);
	set_stock(s, 0, 1, 20, 40);
	add_recipe(s, 5, 0, 10, 1, 4);
	add_demand(s, 1, 6, 2);
	SimMarketQuote(50, 24, 40, s->spread, &bid, &ask);
	EcoRunStations(s);
	CHECK(stock_at(s, 0, 1) == 18 && credits_of(s, 1) == 1000 + 6 * bid && s->nledger == 4 &&
		  ledger_is(s, 2, false, "consumption", 1, 6, 7, 0, 1) &&
		  ledger_is(s, 3, true, "population", -1, 6 * bid, 7, 0, 1),
		  "consumption after production: bid at 24 units");
	arena_reset();
}

static void
test_station_batches(void)
{
	EcoWorld   *s;

	/* as many batches as the inputs allow: 55 of good 1 make 5 batches of 10 -> 4 */
	s = station_world(3);
	s->recipe_batches = 40;
	set_stock(s, 0, 0, 55, 100);
	set_stock(s, 0, 1, 20, 400);
	add_recipe(s, 5, 0, 10, 1, 4);
	EcoRunStations(s);
	CHECK(stock_at(s, 0, 0) == 5 && stock_at(s, 0, 1) == 40 && s->nledger == 2 &&
		  ledger_is(s, 0, false, "recipe_input", 0, 50, 7, 0, 1) &&
		  ledger_is(s, 1, true, "production", 1, 20, 7, 0, 1),
		  "batches: 5 batches, stock %lld / %lld", (long long) stock_at(s, 0, 0), (long long) stock_at(s, 0, 1));
	arena_reset();

	/* at most recipe_batches */
	s = station_world(3);
	s->recipe_batches = 2;
	set_stock(s, 0, 0, 55, 100);
	set_stock(s, 0, 1, 20, 400);
	add_recipe(s, 5, 0, 10, 1, 4);
	EcoRunStations(s);
	CHECK(stock_at(s, 0, 0) == 35 && stock_at(s, 0, 1) == 28, "batches: capped at recipe_batches");
	arena_reset();

	/* no output above twice its target: 20 of target 13 leaves room for 6, two batches of 4 */
	s = station_world(3);
	s->recipe_batches = 40;
	set_stock(s, 0, 0, 55, 100);
	set_stock(s, 0, 1, 20, 13);
	add_recipe(s, 5, 0, 10, 1, 4);
	EcoRunStations(s);
	CHECK(stock_at(s, 0, 0) == 35 && stock_at(s, 0, 1) == 28, "batches: output target caps them (%lld)",
		  (long long) stock_at(s, 0, 1));
	arena_reset();

	/* an output at twice its target: none */
	s = station_world(3);
	s->recipe_batches = 40;
	set_stock(s, 0, 0, 55, 100);
	set_stock(s, 0, 1, 26, 13);
	add_recipe(s, 5, 0, 10, 1, 4);
	EcoRunStations(s);
	CHECK(stock_at(s, 0, 0) == 55 && s->nledger == 0, "batches: output at twice its target");
	arena_reset();

	/* the storage room for the net gain caps them: 1 -> 5 gains 4, room 9: 2 batches */
	s = station_world(3);
	s->recipe_batches = 40;
	set_stock(s, 0, 0, 0, 100);
	set_stock(s, 0, 1, 20, 40);
	s->stations[0].capacity = 29;
	add_recipe(s, 5, 1, 1, 0, 5);
	EcoRunStations(s);
	CHECK(stock_at(s, 0, 0) == 10 && stock_at(s, 0, 1) == 18 && s->stations[0].held == 28,
		  "batches: room for two gains of 4");
	arena_reset();
}

static void
test_population_pay(void)
{
	EcoWorld   *s;
	int64_t		bid,
				ask;

	/* a quarter of the bid, rounded down */
	s = station_world(3);
	s->pay_ppm = 250000;
	set_stock(s, 0, 1, 20, 40);
	add_demand(s, 1, 6, 2);
	SimMarketQuote(50, 20, 40, s->spread, &bid, &ask);
	EcoRunStations(s);
	CHECK(stock_at(s, 0, 1) == 14 && credits_of(s, 1) == 1000 + 6 * bid / 4 &&
		  ledger_is(s, 1, true, "population", -1, 6 * bid / 4, 7, 0, 1),
		  "population pay: 6 units at a quarter of bid %lld paid %lld", (long long) bid,
		  (long long) (credits_of(s, 1) - 1000));
	arena_reset();

	CHECK(EcoPopulationPays(3, 7, 500000) == 10, "population pay: floor(3 * 7 / 2) = 10");
	CHECK(EcoPopulationPays(1, 1, 999999) == 0, "population pay: less than a credit is nothing");
	CHECK(EcoPopulationPays(1000000, 1000000000, 1000000) == 1000000000000000LL,
		  "population pay: no overflow at large values");

	/* consumption still happens when the pay rounds to nothing, with no faucet row */
	s = station_world(3);
	s->pay_ppm = 1000;
	set_stock(s, 0, 1, 20, 40);
	add_demand(s, 1, 1, 2);
	EcoRunStations(s);
	CHECK(stock_at(s, 0, 1) == 19 && credits_of(s, 1) == 1000 && s->nledger == 1 &&
		  ledger_is(s, 0, false, "consumption", 1, 1, 7, 0, 1), "population pay: nothing paid, one row");
	arena_reset();
}

static void
test_monetary_rule(void)
{
	/* paid what the sinks took: unchanged */
	CHECK(EcoPopulationRate(500000, 1000, 1000, 0, -1, 0) == 500000, "rule: in balance, unchanged");
	/* paid twice the sinks: a tenth of the way down, 500000 * (9 * 2000 + 1000) / 20000 */
	CHECK(EcoPopulationRate(500000, 2000, 1000, 0, -1, 0) == 475000, "rule: paid too much, %lld",
		  (long long) EcoPopulationRate(500000, 2000, 1000, 0, -1, 0));
	/* paid a tenth of the sinks: up, by 10% at most */
	CHECK(EcoPopulationRate(500000, 100, 1000, 0, -1, 0) == 550000, "rule: paid too little, +10%%");
	/* nothing paid: up 10% */
	CHECK(EcoPopulationRate(500000, 0, 1000, 0, -1, 0) == 550000, "rule: nothing paid, +10%%");
	/* no sinks: down 10% */
	CHECK(EcoPopulationRate(500000, 1000, 0, 0, -1, 0) == 450000, "rule: no sinks, -10%%");
	/* the anchor: 10% of a gap of 10000 below it adds 1000 to the sinks */
	CHECK(EcoPopulationRate(500000, 2000, 1000, 90000, 100000, 100000) == 500000,
		  "rule: money below its anchor asks for more");
	CHECK(EcoPopulationRate(500000, 1000, 2000, 110000, 100000, 100000) == 500000,
		  "rule: money above its anchor asks for less");
	/* bounds */
	CHECK(EcoPopulationRate(1000000, 0, 1000, 0, -1, 0) == 1000000, "rule: at most the whole bid");
	CHECK(EcoPopulationRate(SIM_PAY_PPM_MIN, 1000, 0, 0, -1, 0) == SIM_PAY_PPM_MIN, "rule: at least the floor");
	CHECK(EcoPopulationRate(500000, 1, INT64_MAX / 4, 0, -1, 0) == 550000, "rule: no overflow");
}

static void
test_contract_expiry(void)
{
	EcoWorld   *s = station_world(10);
	EcoContract *c = zalloc(3 * sizeof(EcoContract));

	EcoCredit(s, 2, 0);
	c[0] = (EcoContract) {.id = 1, .issuer = 2, .station = 0, .source = -1, .good = 0, .qty = 5, .reward = 300, .deadline = 9};
	c[1] = (EcoContract) {.id = 2, .issuer = 2, .station = 0, .source = -1, .good = 1, .qty = 5, .reward = 70, .deadline = 10};
	c[2] = (EcoContract) {.id = 3, .issuer = 2, .station = 0, .source = -1, .good = 2, .qty = 5, .reward = 900, .deadline = 2,
	.expired = true};
	s->contracts = c;
	s->ncontracts = 3;
	s->contracts_cap = 3;
	EcoExpireContracts(s);
	CHECK(c[0].expired && c[0].dirty, "expiry: past its deadline");
	CHECK(!c[1].expired && !c[1].dirty, "expiry: deadline == tick is still open");
	CHECK(!c[2].dirty, "expiry: an expired contract is left alone");
	CHECK(credits_of(s, 2) == 300, "expiry: issuer refunded %lld, want 300", (long long) credits_of(s, 2));
	arena_reset();
}

/*
 * Two stations: index 0 is id 7 (faction 1, sector 1), index 1 is id 5
 * (faction 2, sector 2), so id order differs from index order.
 */
static EcoWorld *
offer_world(int64_t tick)
{
	EcoWorld   *s = world_new(3, 2, tick);

	s->nsectors = 2;
	s->sectors = zalloc(2 * sizeof(EcoSector));
	s->sectors[0] = (EcoSector) {.id = 1, .security = 1, .first_station = 0, .nstations = 1};
	s->sectors[1] = (EcoSector) {.id = 2, .security = 1, .first_station = 1, .nstations = 1};
	s->stations[0] = (EcoStation) {.id = 7, .faction = 1, .sector = 0, .slots = 4, .capacity = 100000};
	s->stations[1] = (EcoStation) {.id = 5, .faction = 2, .sector = 1, .slots = 4, .capacity = 1500};
	s->station_by_id[0] = 1;
	s->station_by_id[1] = 0;
	s->base_price[0] = 100;
	s->base_price[1] = 50;
	s->base_price[2] = 11;
	/* station 7: goods 1 and 2 at a tenth of their targets (a tie), good 3 not wanted */
	set_stock(s, 0, 0, 10, 100);
	set_stock(s, 0, 1, 5, 50);
	set_stock(s, 0, 2, 0, 1000);
	s->wanted[0] = s->wanted[1] = true;
	/* station 5: good 1 at half its target, no market for good 2, good 3 empty; room 1500 */
	s->stations[1].capacity = 1550;
	set_stock(s, 1, 0, 50, 100);
	set_stock(s, 1, 2, 0, 10000);
	s->wanted[3] = s->wanted[4] = s->wanted[5] = true;
	EcoCredit(s, 1, 10000);
	EcoCredit(s, 2, 21450);
	return s;
}

static void
test_contract_offers(void)
{
	EcoWorld   *s;
	int			n;

	s = offer_world(20);
	n = EcoOfferContracts(s);
	CHECK(n == 2 && s->ncontracts == 2, "offers: %d offered, want 2", n);
	if (s->ncontracts == 2)
	{
		EcoContract *a = &s->contracts[0],
				   *b = &s->contracts[1];

		/* station 5 first (id order): good 3, min(5000, 2000, 1500) units, ceil(1500*11*1.3) */
		CHECK(a->station == 1 && a->good == 2 && a->qty == 1500 && a->reward == 21450 &&
			  a->issuer == 2 && a->source == -1 && !a->transport && a->created &&
			  a->deadline == 120 && a->id == 0,
			  "offers: station 5's contract: good %d qty %lld reward %lld", a->good,
			  (long long) a->qty, (long long) a->reward);
		/* station 7: a tie of 10/100 and 5/50 goes to good 1; 50 - 10 units, ceil(40*100*1.3) */
		CHECK(b->station == 0 && b->good == 0 && b->qty == 40 && b->reward == 5200 &&
			  b->issuer == 1 && b->deadline == 120,
			  "offers: station 7's contract: good %d qty %lld reward %lld", b->good,
			  (long long) b->qty, (long long) b->reward);
	}
	CHECK(credits_of(s, 1) == 10000 - 5200, "offers: faction 1 paid the reward");
	arena_reset();

	/* a faction that cannot fund the reward offers nothing */
	s = offer_world(20);
	s->credits[EcoFaction(s, 2)] = 21449;
	n = EcoOfferContracts(s);
	CHECK(n == 1 && s->contracts[0].station == 0 && credits_of(s, 2) == 21449,
		  "offers: skipped when the faction has 21449 of 21450");
	arena_reset();

	/* what it lacks up to half the target: 7 units of base 11: 77 * 1.3 = 100.1 -> 101 */
	s = offer_world(20);
	s->stations[1].capacity = 100000;
	set_stock(s, 1, 2, 4993, 10000);
	n = EcoOfferContracts(s);
	CHECK(n == 2 && s->contracts[0].qty == 7 && s->contracts[0].reward == 101,
		  "offers: 5000 - 4993 units and the reward rounded up (%lld, %lld)",
		  (long long) s->contracts[0].qty, (long long) s->contracts[0].reward);
	arena_reset();

	/* at most 2000 units (a hauler's load) */
	s = offer_world(20);
	s->stations[1].capacity = 100000;
	s->credits[EcoFaction(s, 2)] = 100000;
	n = EcoOfferContracts(s);
	CHECK(n == 2 && s->contracts[0].qty == 2000 && s->contracts[0].reward == 28600,
		  "offers: at most 2000 units (%lld, %lld)", (long long) s->contracts[0].qty,
		  (long long) s->contracts[0].reward);
	arena_reset();

	/* not every tick: only when tick % period == 0 */
	s = offer_world(21);
	CHECK(EcoOfferContracts(s) == 0 && s->ncontracts == 0, "offers: not at tick 21 (period 10)");
	arena_reset();

	/* an open contract for the scarcest good: the next scarcest; station 5 has one for good 3 */
	s = offer_world(30);
	s->contracts = zalloc(2 * sizeof(EcoContract));
	s->contracts_cap = 2;
	s->ncontracts = 2;
	s->contracts[0] = (EcoContract) {.id = 1, .issuer = 1, .station = 0, .source = -1, .good = 0, .qty = 1, .reward = 1, .deadline = 99};
	s->contracts[1] = (EcoContract) {.id = 2, .issuer = 2, .station = 1, .source = -1, .good = 2, .qty = 1, .reward = 1, .deadline = 99,
	.accepted = true};
	n = EcoOfferContracts(s);
	CHECK(n == 1 && s->ncontracts == 3 && s->contracts[2].station == 0 && s->contracts[2].good == 1 &&
		  s->contracts[2].qty == 20 && s->contracts[2].reward == 1300 && s->contracts[2].deadline == 130,
		  "offers: good 2 (20 units, 1300) when good 1 has an open contract");
	arena_reset();

	/* an expired contract does not block a new one */
	s = offer_world(30);
	s->contracts = zalloc(sizeof(EcoContract));
	s->contracts_cap = 1;
	s->ncontracts = 1;
	s->contracts[0] = (EcoContract) {.id = 1, .issuer = 1, .station = 0, .source = -1, .good = 0, .qty = 1, .reward = 1, .deadline = 9,
	.expired = true};
	n = EcoOfferContracts(s);
	CHECK(n == 2 && s->contracts[2].station == 0 && s->contracts[2].good == 0,
		  "offers: an expired contract for good 1 does not count");
	arena_reset();

	/* at half the target or above, or not wanted: nothing */
	s = offer_world(20);
	set_stock(s, 0, 0, 50, 100);
	set_stock(s, 0, 1, 25, 50);
	set_stock(s, 1, 2, 5000, 10000);
	n = EcoOfferContracts(s);
	CHECK(n == 0, "offers: none at half the target (%d offered)", n);
	arena_reset();
}

/* ---------------------------------------------------------------- 3. waking */

/*
 * Station id 7 at (1000, 0, 0) with 2 slots; body id 3 at (5000, 0, 0) with
 * deposits of goods 1, 2, 3; one hull (cargo 100, rate 2).
 */
static EcoWorld *
wake_world(int64_t tick)
{
	EcoWorld   *s = world_new(3, 1, tick);

	s->stations[0].id = 7;
	s->stations[0].slots = 2;
	s->stations[0].docked = 1;
	s->stations[0].pos[0] = 1000;
	s->nclasses = 1;
	s->classes = zalloc(sizeof(EcoClass));
	s->classes[0] = (EcoClass) {.id = 1, .role = ECO_ROLE_MINER, .hull = {50, 0.05, 0.01},
	.cargo_capacity = 100, .fuel_capacity = 100, .mining_rate = 2.0};
	s->nbodies = 1;
	s->bodies = zalloc(sizeof(EcoBody));
	s->bodies[0] = (EcoBody) {.id = 3, .sector = 0, .pos = {5000, 0, 0}, .radius = 100,
	.first_deposit = 0, .ndeposits = 3};
	s->sectors[0].nbodies = 1;
	s->ndeposits = 3;
	s->deposits = zalloc(3 * sizeof(EcoDeposit));
	/* floor(2 * 1.5 * 5) = 15; floor(2 * 0.01 * 5) = 0 -> 1; 10 but only 3 left */
	s->deposits[0] = (EcoDeposit) {.body_id = 3, .good = 0, .richness = 1.5, .remaining = 1000};
	s->deposits[1] = (EcoDeposit) {.body_id = 3, .good = 1, .richness = 0.01, .remaining = 1000};
	s->deposits[2] = (EcoDeposit) {.body_id = 3, .good = 2, .richness = 1.0, .remaining = 3};
	EcoCredit(s, 1, 0);
	return s;
}

/* A non-NPC ship (id 42, faction 1) in state st at rest at pos. */
static EcoShip *
ship_new(EcoWorld *s, EcoState st, double x, double y, double z)
{
	EcoShip    *sh = zalloc(sizeof(EcoShip));
	EcoRow	   *r = &sh->rows[0];

	sh->id = 42;
	sh->faction = 1;
	sh->cls = 0;
	sh->cargo = zalloc(s->ngoods * sizeof(int64_t));
	sh->nrows = 1;
	r->state = st;
	r->sector_id = 1;
	r->wake = s->tick;
	r->fuel = 100;
	r->arrival = -1;
	r->leg.ox = x;
	r->leg.oy = y;
	r->leg.oz = z;
	r->leg.start_tick = 0;
	sh->pos[0] = x;
	sh->pos[1] = y;
	sh->pos[2] = z;
	return sh;
}

static void
test_wake_arrivals(void)
{
	EcoWorld   *s;
	EcoShip    *sh;
	int			arrivals = 0;
	EcoRow	   *r;

	/* at a station: docking, woken after dock_ticks */
	s = wake_world(50);
	sh = ship_new(s, ECO_FLYING, 990, 0, 0);
	sh->rows[0].dest_kind = ECO_DEST_STATION;
	sh->rows[0].dest_id = 7;
	sh->rows[0].arrival = 50;
	CHECK(strcmp(RUN_CATCH(EcoWake(s, sh, &arrivals)), "") == 0, "arrive: failed with %s", fail_state);
	r = &sh->rows[sh->nrows - 1];
	CHECK(arrivals == 1 && sh->nrows == 2 && r->state == ECO_DOCKING && r->docked_at == 7 &&
		  r->wake == 53 && r->arrival == -1 && r->dest_kind == ECO_DEST_NONE &&
		  r->leg.ox == 990 && r->leg.accel == 0 && r->leg.start_tick == 50,
		  "arrive at a station: state %s docked_at %d wake %lld", EcoStateNames[r->state],
		  r->docked_at, (long long) r->wake);
	CHECK(s->stations[0].docked == 1, "arrive at a station: a docking ship takes no slot yet");
	arena_reset();

	/* at a body: orbiting */
	s = wake_world(50);
	sh = ship_new(s, ECO_FLYING, 4850, 0, 0);
	sh->rows[0].dest_kind = ECO_DEST_BODY;
	sh->rows[0].dest_id = 3;
	arrivals = 0;
	EcoWake(s, sh, &arrivals);
	r = &sh->rows[sh->nrows - 1];
	CHECK(arrivals == 1 && sh->nrows == 2 && r->state == ECO_ORBITING && r->body_id == 3 &&
		  r->wake == -1 && r->dest_kind == ECO_DEST_NONE,
		  "arrive at a body: state %s body %d wake %lld", EcoStateNames[r->state], r->body_id,
		  (long long) r->wake);
	arena_reset();

	/* at a point: idle; a station that does not exist counts as a point */
	s = wake_world(50);
	sh = ship_new(s, ECO_FLYING, 1, 2, 3);
	sh->rows[0].dest_kind = ECO_DEST_STATION;
	sh->rows[0].dest_id = 99;
	arrivals = 0;
	EcoWake(s, sh, &arrivals);
	r = &sh->rows[sh->nrows - 1];
	CHECK(arrivals == 1 && sh->nrows == 2 && r->state == ECO_IDLE && r->wake == -1 &&
		  r->docked_at == 0 && r->leg.oy == 2,
		  "arrive at a point: state %s wake %lld", EcoStateNames[r->state], (long long) r->wake);
	arena_reset();
}

static void
test_wake_docking(void)
{
	EcoWorld   *s;
	EcoShip    *sh;
	int			arrivals = 0;
	EcoRow	   *r;

	/* a free slot (1 of 2 taken): docked */
	s = wake_world(60);
	sh = ship_new(s, ECO_DOCKING, 1000, 0, 0);
	sh->rows[0].docked_at = 7;
	EcoWake(s, sh, &arrivals);
	r = &sh->rows[sh->nrows - 1];
	CHECK(sh->nrows == 2 && r->state == ECO_DOCKED && r->wake == -1 && s->stations[0].docked == 2 &&
		  arrivals == 0, "docking with a free slot: state %s docked %d", EcoStateNames[r->state],
		  s->stations[0].docked);
	arena_reset();

	/* all slots taken: waits a tick, still docking */
	s = wake_world(60);
	s->stations[0].docked = 2;
	sh = ship_new(s, ECO_DOCKING, 1000, 0, 0);
	sh->rows[0].docked_at = 7;
	EcoWake(s, sh, &arrivals);
	r = &sh->rows[sh->nrows - 1];
	CHECK(sh->nrows == 2 && r->state == ECO_DOCKING && r->wake == 61 && s->stations[0].docked == 2,
		  "docking without a slot: state %s wake %lld", EcoStateNames[r->state], (long long) r->wake);
	arena_reset();

	/* the glue did not count the station's ships: an internal error */
	s = wake_world(60);
	s->stations[0].docked = -1;
	sh = ship_new(s, ECO_DOCKING, 1000, 0, 0);
	sh->rows[0].docked_at = 7;
	CHECK(strcmp(RUN_CATCH(EcoWake(s, sh, &arrivals)), "XX000") == 0,
		  "docking at an uncounted station fails with XX000, got '%s'", fail_state);
	arena_reset();

	/* undocking ends idle */
	s = wake_world(60);
	sh = ship_new(s, ECO_UNDOCKING, 1000, 0, 0);
	sh->rows[0].docked_at = 7;
	EcoWake(s, sh, &arrivals);
	r = &sh->rows[sh->nrows - 1];
	CHECK(sh->nrows == 2 && r->state == ECO_IDLE && r->docked_at == 0 && r->wake == -1,
		  "undocking ends idle: state %s docked_at %d", EcoStateNames[r->state], r->docked_at);
	arena_reset();
}

static void
test_wake_mining(void)
{
	EcoWorld   *s;
	EcoShip    *sh;
	int			arrivals = 0;
	EcoRow	   *r;

	s = wake_world(70);
	sh = ship_new(s, ECO_MINING, 4850, 0, 0);
	sh->rows[0].body_id = 3;
	EcoWake(s, sh, &arrivals);
	r = &sh->rows[sh->nrows - 1];
	CHECK(sh->cargo[0] == 15 && sh->cargo[1] == 1 && sh->cargo[2] == 3 && sh->cargo_total == 19 &&
		  sh->cargo_dirty, "mining: cargo %lld %lld %lld, want 15 1 3", (long long) sh->cargo[0],
		  (long long) sh->cargo[1], (long long) sh->cargo[2]);
	CHECK(s->deposits[0].remaining == 985 && s->deposits[1].remaining == 999 &&
		  s->deposits[2].remaining == 0 && s->deposits[0].dirty && s->deposits[2].dirty,
		  "mining: deposits left");
	CHECK(s->nledger == 3 && ledger_is(s, 0, true, "mining", 0, 15, 0, 42, 1) &&
		  ledger_is(s, 1, true, "mining", 1, 1, 0, 42, 1) &&
		  ledger_is(s, 2, true, "mining", 2, 3, 0, 42, 1), "mining: ledger rows");
	CHECK(sh->nrows == 2 && r->state == ECO_MINING && r->wake == 75,
		  "mining: goes on, woken after a cycle (state %s wake %lld)", EcoStateNames[r->state],
		  (long long) r->wake);
	arena_reset();

	/* the hold's room caps a cycle; a full hold ends mining in orbit */
	s = wake_world(70);
	sh = ship_new(s, ECO_MINING, 4850, 0, 0);
	sh->rows[0].body_id = 3;
	sh->cargo[1] = 90;
	sh->cargo_total = 90;
	EcoWake(s, sh, &arrivals);
	r = &sh->rows[sh->nrows - 1];
	CHECK(sh->cargo[0] == 10 && sh->cargo[1] == 90 && sh->cargo[2] == 0 && sh->cargo_total == 100 &&
		  s->nledger == 1 && ledger_is(s, 0, true, "mining", 0, 10, 0, 42, 1),
		  "mining: room 10 takes 10 of the first deposit only");
	CHECK(sh->nrows == 2 && r->state == ECO_ORBITING && r->wake == -1 && r->body_id == 3,
		  "mining: a full hold ends in orbit (state %s)", EcoStateNames[r->state]);
	arena_reset();

	/* exhausted deposits end mining too */
	s = wake_world(70);
	s->deposits[0].remaining = 0;
	s->deposits[1].remaining = 0;
	sh = ship_new(s, ECO_MINING, 4850, 0, 0);
	sh->rows[0].body_id = 3;
	EcoWake(s, sh, &arrivals);
	r = &sh->rows[sh->nrows - 1];
	CHECK(sh->cargo_total == 3 && r->state == ECO_ORBITING && s->deposits[2].remaining == 0,
		  "mining: the last 3 units, then orbiting");
	arena_reset();
}

static void
test_wake_docking_fee(void)
{
	EcoWorld   *s;
	EcoShip    *sh;
	int			arrivals = 0;
	EcoRow	   *r;

	/* an NPC docks: pays the fee, stays for its hold (handling 10 a tick) */
	s = wake_world(60);
	s->docking_fee = 100;
	s->handling_rate = 10;
	EcoCredit(s, 1, 1000);
	sh = ship_new(s, ECO_DOCKING, 1000, 0, 0);
	sh->npc = true;
	sh->rows[0].docked_at = 7;
	sh->cargo[0] = 55;
	sh->cargo_total = 55;
	EcoWake(s, sh, &arrivals);
	r = &sh->rows[sh->nrows - 1];
	CHECK(r->state == ECO_DOCKED && r->wake == 60 + 5 && credits_of(s, 1) == 900 && s->nledger == 1 &&
		  ledger_is(s, 0, false, "docking_fee", -1, 100, 7, 42, 1),
		  "docking fee: state %s wake %lld credits %lld", EcoStateNames[r->state], (long long) r->wake,
		  (long long) credits_of(s, 1));
	CHECK(s->ledger[0].sector_id == s->sectors[0].id, "docking fee: in the station's sector");
	arena_reset();

	/* a poor faction pays what it has */
	s = wake_world(60);
	s->docking_fee = 100;
	EcoCredit(s, 1, 30);
	sh = ship_new(s, ECO_DOCKING, 1000, 0, 0);
	sh->rows[0].docked_at = 7;
	EcoWake(s, sh, &arrivals);
	CHECK(credits_of(s, 1) == 0 && s->nledger == 1 && ledger_is(s, 0, false, "docking_fee", -1, 30, 7, 42, 1),
		  "docking fee: as far as the wallet goes");
	arena_reset();

	/* the stay is dock_stay_ticks, give or take half */
	{
		int64_t		lo = INT64_MAX,
					hi = 0;
		int64_t		t;

		for (t = 100; t < 400; t++)
		{
			s = wake_world(t);
			s->dock_stay_ticks = 40;
			sh = ship_new(s, ECO_DOCKING, 1000, 0, 0);
			sh->npc = true;
			sh->rows[0].docked_at = 7;
			EcoWake(s, sh, &arrivals);
			r = &sh->rows[sh->nrows - 1];
			lo = r->wake - t < lo ? r->wake - t : lo;
			hi = r->wake - t > hi ? r->wake - t : hi;
			arena_reset();
		}
		CHECK(lo >= 20 && hi <= 59 && hi - lo >= 30, "dock stay: between %lld and %lld ticks, want 20..59",
			  (long long) lo, (long long) hi);
	}
}

static void
test_wake_mining_place(void)
{
	EcoWorld   *s = wake_world(70);
	EcoShip    *sh = ship_new(s, ECO_MINING, 4850, 0, 0);
	int			arrivals = 0;

	/* mining_speed scales the yield: floor(2 * 0.5 * 1.5 * 5) = 7; rows carry the body and its sector */
	s->mining_speed = 0.5;
	s->sectors[0].id = 5;
	sh->rows[0].body_id = 3;
	EcoWake(s, sh, &arrivals);
	CHECK(sh->cargo[0] == 7 && s->nledger == 3 && s->ledger[0].body_id == 3 && s->ledger[0].sector_id == 5 &&
		  s->ledger[0].station_id == 0, "mining: speed and place (cargo %lld)", (long long) sh->cargo[0]);
	arena_reset();
}

static void
test_wake_invalid(void)
{
	EcoWorld   *s = wake_world(50);
	EcoShip    *sh = ship_new(s, ECO_FLYING, 990, 0, 0);
	int			arrivals = 0;

	s->allowed[ECO_FLYING][ECO_DOCKING] = false;
	sh->rows[0].dest_kind = ECO_DEST_STATION;
	sh->rows[0].dest_id = 7;
	CHECK(strcmp(RUN_CATCH(EcoWake(s, sh, &arrivals)), "SM009") == 0,
		  "a transition not allowed fails with SM009, got '%s'", fail_state);
	CHECK(strstr(fail_message, "ship 42") != NULL && strstr(fail_message, "flying") != NULL &&
		  strstr(fail_message, "docking") != NULL, "SM009's message names the ship and states: %s",
		  fail_message);
	arena_reset();

	s = wake_world(50);
	sh = ship_new(s, ECO_UNDOCKING, 990, 0, 0);
	s->allowed[ECO_UNDOCKING][ECO_IDLE] = false;
	CHECK(strcmp(RUN_CATCH(EcoWake(s, sh, &arrivals)), "SM009") == 0,
		  "undocking to idle not allowed: SM009, got '%s'", fail_state);
	arena_reset();
}

/* ---------------------------------------------------------------- 4. NPC pilots */

typedef struct TreeRow
{
	int32_t		node,
				parent,
				seq;
	SimBtKind	kind;
	const char *leaf;
	double		param;
} TreeRow;

/* The first rows of every default tree but the patrol's: an optional refuel. */
static const TreeRow refuel_rows[] = {
	{1, 0, 0, SIM_BT_SEQUENCE, NULL, 0},
	{2, 1, 1, SIM_BT_SELECTOR, NULL, 0},
	{3, 2, 1, SIM_BT_SEQUENCE, NULL, 0},
	{4, 3, 1, SIM_BT_CONDITION, "is_docked", 0},
	{5, 3, 2, SIM_BT_CONDITION, "fuel_below", 0.5},
	{6, 3, 3, SIM_BT_ACTION, "refuel", 0},
	{7, 2, 2, SIM_BT_ACTION, "pass", 0},
	{8, 1, 2, SIM_BT_SELECTOR, NULL, 0},
};

/* The default miner's rows after the refuel (sim.install_default_trees). */
static const TreeRow miner_rows[] = {
	{9, 8, 1, SIM_BT_SEQUENCE, NULL, 0},
	{10, 9, 1, SIM_BT_CONDITION, "is_docked", 0},
	{11, 9, 2, SIM_BT_INVERTER, NULL, 0},
	{12, 11, 1, SIM_BT_CONDITION, "cargo_empty", 0},
	{13, 9, 3, SIM_BT_ACTION, "sell_cargo", 0},
	{14, 9, 4, SIM_BT_ACTION, "undock", 0},
	{15, 8, 2, SIM_BT_SEQUENCE, NULL, 0},
	{16, 15, 1, SIM_BT_CONDITION, "is_docked", 0},
	{17, 15, 2, SIM_BT_ACTION, "undock", 0},
	{18, 8, 3, SIM_BT_SEQUENCE, NULL, 0},
	{19, 18, 1, SIM_BT_CONDITION, "cargo_above", 0.9},
	{20, 18, 2, SIM_BT_ACTION, "goto_buyer", 0},
	{21, 8, 4, SIM_BT_SEQUENCE, NULL, 0},
	{22, 21, 1, SIM_BT_CONDITION, "is_orbiting", 0},
	{23, 21, 2, SIM_BT_CONDITION, "at_deposit", 0},
	{24, 21, 3, SIM_BT_ACTION, "mine", 0},
	{25, 8, 5, SIM_BT_SEQUENCE, NULL, 0},
	{26, 25, 1, SIM_BT_INVERTER, NULL, 0},
	{27, 26, 1, SIM_BT_CONDITION, "cargo_empty", 0},
	{28, 25, 2, SIM_BT_ACTION, "goto_buyer", 0},
	{29, 8, 6, SIM_BT_ACTION, "goto_deposit", 0},
	{30, 8, 7, SIM_BT_ACTION, "wait", 0},
};

/* Compile the refuel rows and then rows into the tree of role. */
static void
build_tree(EcoWorld *s, EcoRole role, const TreeRow *rows, int n)
{
	int			nref = (int) (sizeof(refuel_rows) / sizeof(refuel_rows[0]));
	SimBtRow   *all = zalloc((nref + n) * sizeof(SimBtRow));
	char		err[200];
	int			i;

	for (i = 0; i < nref + n; i++)
	{
		const TreeRow *t = i < nref ? &refuel_rows[i] : &rows[i - nref];
		bool		is_action = false;

		all[i].node_id = t->node;
		all[i].parent_id = t->parent;
		all[i].seq = t->seq;
		all[i].kind = t->kind;
		all[i].code = t->leaf ? EcoLeafCode(t->leaf, &is_action) : 0;
		all[i].param = t->param;
		if (t->leaf && (all[i].code < 0 || is_action != (t->kind == SIM_BT_ACTION)))
			CHECK(false, "leaf %s is not a known %s", t->leaf, t->kind == SIM_BT_ACTION ? "action" : "condition");
	}
	err[0] = '\0';
	CHECK(SimBtBuild(all, nref + n, &test_mem, &s->trees[role], err, sizeof(err)) == 0,
		  "tree rows compile: %s", err);
}

/*
 * A world for pilots: station 7 (faction 1, 2 slots, 1 docked) at the
 * origin of sector 1 selling goods 1..3 (good 3 is fuel), a body with one
 * deposit far off; a miner hull; the default miner tree.
 */
static EcoWorld *
npc_world(int64_t tick)
{
	EcoWorld   *s = wake_world(tick);

	s->stations[0].pos[0] = 0;
	s->stations[0].faction = 1;
	s->stations[0].capacity = 10000;
	s->base_price[0] = 100;
	s->base_price[1] = 50;
	s->base_price[2] = 10;
	s->fuel_good = 2;
	set_stock(s, 0, 0, 100, 100);
	set_stock(s, 0, 1, 20, 40);
	set_stock(s, 0, 2, 500, 400);
	s->bodies[0].pos[0] = 20000;
	s->bodies[0].ndeposits = 1;
	s->ndeposits = 1;
	s->credits[EcoFaction(s, 1)] = 1000000;
	EcoCredit(s, 2, 5000);
	build_tree(s, ECO_ROLE_MINER, miner_rows, (int) (sizeof(miner_rows) / sizeof(miner_rows[0])));
	return s;
}

static EcoShip *
pilot_new(EcoWorld *s, EcoState st)
{
	EcoShip    *sh = ship_new(s, st, 0, 0, 0);

	sh->npc = true;
	sh->faction = 2;
	if (st == ECO_DOCKED)
		sh->rows[0].docked_at = 7;
	return sh;
}

static void
test_npc_sell(void)
{
	EcoWorld   *s = npc_world(80);
	EcoShip    *sh = pilot_new(s, ECO_DOCKED);
	int64_t		bid,
				ask,
				value,
				tax;
	EcoRow	   *r;

	sh->cargo[1] = 10;
	sh->cargo_total = 10;
	/* the lot of 10 trades at the bid for the stock it leaves: 30 of 40 */
	SimMarketQuote(50, 30, 40, s->spread, &bid, &ask);
	value = 10 * bid;
	tax = (value * s->tax_ppm + 999999) / 1000000;
	CHECK(strcmp(RUN_CATCH(EcoDecide(s, sh)), "") == 0, "sell: failed with %s %s", fail_state, fail_message);
	CHECK(s->ntrades == 1, "sell: %d trades, want 1", s->ntrades);
	if (s->ntrades == 1)
	{
		EcoTrade   *t = &s->trades[0];

		CHECK(strcmp(t->kind, "market") == 0 && t->station == 0 && t->good == 1 && t->qty == 10 &&
			  t->price == bid && t->tax == tax && t->buyer_faction == 1 && t->seller_faction == 2 &&
			  t->seller_ship == 42 && t->buyer_ship == 0 && t->buy_order == 0,
			  "sell: trade %s %lld @ %lld tax %lld, want market 10 @ %lld tax %lld", t->kind,
			  (long long) t->qty, (long long) t->price, (long long) t->tax, (long long) bid,
			  (long long) tax);
	}
	CHECK(s->nledger == 1 && ledger_is(s, 0, false, "tax", -1, tax, 7, 42, 2), "sell: the tax row");
	CHECK(sh->cargo[1] == 0 && sh->cargo_total == 0 && sh->cargo_dirty && stock_at(s, 0, 1) == 30,
		  "sell: cargo into the station's stock");
	CHECK(credits_of(s, 1) == 1000000 - value && credits_of(s, 2) == 5000 + value - tax,
		  "sell: wallets %lld / %lld", (long long) credits_of(s, 1), (long long) credits_of(s, 2));
	/* then the tree undocks: a slot freed, woken when undocking ends */
	r = &sh->rows[sh->nrows - 1];
	CHECK(sh->nrows == 2 && r->state == ECO_UNDOCKING && r->wake == 82 && s->stations[0].docked == 0,
		  "sell: then undocking (state %s wake %lld docked %d)", EcoStateNames[r->state],
		  (long long) r->wake, s->stations[0].docked);
	arena_reset();
}

static void
test_npc_refuel(void)
{
	EcoWorld   *s = npc_world(80);
	EcoShip    *sh = pilot_new(s, ECO_DOCKED);
	int64_t		bid,
				ask,
				value,
				tax;
	EcoRow	   *r;

	sh->rows[0].fuel = 10.5;	/* below 0.5 * (0.5 + fear 0) * 100 */
	/* floor(100 - 10.5) = 89 units, priced at the ask for the 411 left */
	SimMarketQuote(10, 411, 400, s->spread, &bid, &ask);
	value = 89 * ask;
	tax = (value * s->tax_ppm + 999999) / 1000000;
	CHECK(strcmp(RUN_CATCH(EcoDecide(s, sh)), "") == 0, "refuel: failed with %s %s", fail_state, fail_message);
	CHECK(s->ntrades == 1, "refuel: %d trades, want 1", s->ntrades);
	if (s->ntrades == 1)
	{
		EcoTrade   *t = &s->trades[0];

		CHECK(strcmp(t->kind, "refuel") == 0 && t->good == 2 && t->qty == 89 && t->price == ask &&
			  t->tax == tax && t->buyer_ship == 42 && t->buyer_faction == 2 && t->seller_faction == 1 &&
			  t->seller_ship == 0,
			  "refuel: trade %s %lld @ %lld, want refuel 89 @ %lld", t->kind, (long long) t->qty,
			  (long long) t->price, (long long) ask);
	}
	CHECK(s->nledger == 2 && ledger_is(s, 0, false, "tax", -1, tax, 7, 42, 2) &&
		  ledger_is(s, 1, false, "refuel", 2, 89, 7, 42, 2), "refuel: tax, then refuel rows");
	CHECK(stock_at(s, 0, 2) == 411 && sh->cargo_total == 0 && !sh->cargo_dirty,
		  "refuel: fuel from the stock, not into the hold");
	CHECK(credits_of(s, 2) == 5000 - value - tax && credits_of(s, 1) == 1000000 + value,
		  "refuel: wallets %lld / %lld", (long long) credits_of(s, 2), (long long) credits_of(s, 1));
	r = &sh->rows[sh->nrows - 1];
	CHECK(sh->nrows == 2 && r->fuel == 99.5 && r->state == ECO_UNDOCKING,
		  "refuel: tank 99.5 then undocking (fuel %g, state %s)", r->fuel, EcoStateNames[r->state]);
	arena_reset();

	/* a full tank: no refuel, the tree goes on */
	s = npc_world(80);
	sh = pilot_new(s, ECO_DOCKED);
	EcoDecide(s, sh);
	CHECK(s->ntrades == 0 && s->nledger == 0 && sh->rows[sh->nrows - 1].state == ECO_UNDOCKING,
		  "no refuel with a full tank");
	arena_reset();
}

static void
test_npc_goto_deposit(void)
{
	EcoWorld   *s = npc_world(80);
	EcoShip    *sh = pilot_new(s, ECO_IDLE);
	SimJourney	j;
	SimJourneyError err;
	double		to[3];
	EcoRow	   *r;

	SimBodyApproach(sh->pos, s->bodies[0].pos, s->bodies[0].radius, to);
	CHECK(SimJourneyPlan(&test_mem, NULL, &s->classes[0].hull, SIM_MODE_CRUISE, 1, sh->pos, 1, to, 80,
						 &j, &err), "the planner plans the trip: %s", err.message);
	CHECK(j.nlegs == 1 && j.fuel < 100, "a one-leg trip within the tank");
	CHECK(strcmp(RUN_CATCH(EcoDecide(s, sh)), "") == 0, "goto deposit: failed with %s %s", fail_state,
		  fail_message);
	r = &sh->rows[sh->nrows - 1];
	CHECK(sh->nrows == 2 && r->state == ECO_FLYING && r->dest_kind == ECO_DEST_BODY && r->dest_id == 3 &&
		  r->wake == -1 && r->arrival == j.arrival_tick && r->leg_seq == 0 && !sh->store_journey,
		  "goto deposit: state %s dest %d/%lld arrival %lld (want %lld)", EcoStateNames[r->state],
		  r->dest_kind, (long long) r->dest_id, (long long) r->arrival, (long long) j.arrival_tick);
	CHECK(memcmp(&r->leg, &j.legs[0].leg, sizeof(SimLeg)) == 0, "goto deposit: the planned leg");
	CHECK(r->fuel == 100 - j.fuel, "goto deposit: fuel %g, want %g", r->fuel, 100 - j.fuel);
	CHECK(s->ntrades == 0 && s->nledger == 0, "goto deposit: no trade");
	arena_reset();

	/* the same miner with nothing left to mine waits (the last leaf: cooldown) */
	s = npc_world(80);
	s->deposits[0].remaining = 0;
	sh = pilot_new(s, ECO_IDLE);
	EcoDecide(s, sh);
	r = &sh->rows[sh->nrows - 1];
	CHECK(sh->nrows == 2 && r->state == ECO_IDLE && r->wake == 87,
		  "no deposit left: waits cooldown_ticks (wake %lld, want 87)", (long long) r->wake);
	arena_reset();

	/* orbiting a body with ore left: mining */
	s = npc_world(80);
	sh = pilot_new(s, ECO_ORBITING);
	sh->rows[0].body_id = 3;
	EcoDecide(s, sh);
	r = &sh->rows[sh->nrows - 1];
	CHECK(sh->nrows == 2 && r->state == ECO_MINING && r->wake == 85,
		  "orbiting at a deposit: mining until tick 85 (state %s wake %lld)", EcoStateNames[r->state],
		  (long long) r->wake);
	arena_reset();
}

static void
test_npc_rescue(void)
{
	EcoWorld   *s;
	EcoShip    *sh;
	EcoRow	   *r;
	int			arrivals = 0;

	/* no fuel, far from the station: towed there, the tank untouched, the fee paid */
	s = npc_world(80);
	s->classes[0].role = ECO_ROLE_PATROL;	/* no tree: the rescue alone */
	s->tow_fee = 2000;
	sh = pilot_new(s, ECO_IDLE);
	sh->rows[0].fuel = 0;
	sh->pos[0] = sh->rows[0].leg.ox = 100000;
	CHECK(strcmp(RUN_CATCH(EcoWake(s, sh, &arrivals)), "") == 0, "tow: failed with %s", fail_state);
	r = &sh->rows[sh->nrows - 1];
	CHECK(r->state == ECO_FLYING && r->dest_kind == ECO_DEST_STATION && r->dest_id == 7 && r->fuel == 0 &&
		  r->arrival > 80 && credits_of(s, 2) == 3000 && s->nledger == 1 &&
		  ledger_is(s, 0, false, "towing", -1, 2000, 7, 42, 2),
		  "tow: state %s fuel %g credits %lld", EcoStateNames[r->state], r->fuel, (long long) credits_of(s, 2));
	arena_reset();

	/* below the reserve but able to: flies to the station itself, burning fuel */
	s = npc_world(80);
	s->classes[0].role = ECO_ROLE_PATROL;
	sh = pilot_new(s, ECO_IDLE);
	sh->rows[0].fuel = 20;
	sh->pos[0] = sh->rows[0].leg.ox = 100000;
	EcoWake(s, sh, &arrivals);
	r = &sh->rows[sh->nrows - 1];
	CHECK(r->state == ECO_FLYING && r->dest_id == 7 && r->fuel < 20 && s->nledger == 0,
		  "reserve: flies to refuel (state %s fuel %g)", EcoStateNames[r->state], r->fuel);
	arena_reset();

	/* below the reserve alongside the station: docks */
	s = npc_world(80);
	s->classes[0].role = ECO_ROLE_PATROL;
	sh = pilot_new(s, ECO_IDLE);
	sh->rows[0].fuel = 0;
	sh->pos[0] = sh->rows[0].leg.ox = 50;
	EcoWake(s, sh, &arrivals);
	r = &sh->rows[sh->nrows - 1];
	CHECK(r->state == ECO_DOCKING && r->docked_at == 7 && r->wake == 83, "reserve: alongside, docks");
	arena_reset();

	/* the drift fuel: 2 * fuel_per_dv * min(0.35 vmax, sqrt(0.25 accel km)) */
	{
		SimHull		h = {50, 0.05, 0.01};

		CHECK(fabs(EcoDriftFuel(&h, 100000) - 2 * 0.01 * 17.5) < 1e-12 &&
			  fabs(EcoDriftFuel(&h, 1000) - 2 * 0.01 * sqrt(0.0125 * 1000)) < 1e-12,
			  "drift fuel: %g and %g", EcoDriftFuel(&h, 100000), EcoDriftFuel(&h, 1000));
	}
}

static void
test_npc_no_tree(void)
{
	EcoWorld   *s = npc_world(80);
	EcoShip    *sh = pilot_new(s, ECO_IDLE);
	int			arrivals = 0;
	EcoRow	   *r;

	s->classes[0].role = ECO_ROLE_PATROL;	/* no tree */
	CHECK(strcmp(RUN_CATCH(EcoWake(s, sh, &arrivals)), "") == 0, "no tree: failed with %s", fail_state);
	r = &sh->rows[sh->nrows - 1];
	CHECK(sh->nrows == 2 && r->state == ECO_IDLE && r->wake == 87 && s->ntrades == 0 && s->nledger == 0,
		  "no tree: waits until tick + cooldown (wake %lld)", (long long) r->wake);
	arena_reset();
}

void
test_economy(void)
{
	test_match_fixed();
	test_match_random();
	test_match_room_across_books();
	test_station_production();
	test_station_consumption();
	test_station_batches();
	test_population_pay();
	test_monetary_rule();
	test_contract_expiry();
	test_contract_offers();
	test_wake_arrivals();
	test_wake_docking();
	test_wake_mining();
	test_wake_docking_fee();
	test_wake_mining_place();
	test_wake_invalid();
	test_npc_sell();
	test_npc_refuel();
	test_npc_goto_deposit();
	test_npc_no_tree();
	test_npc_rescue();
}
