/*
 * test_market.c -- unit tests of the price curve (fixed points, clamps,
 * spread, bounds, monotonicity, a long-double reference) and of order
 * matching (priority rules, trade price, partial fills, caps, limits,
 * conservation, input-order independence, and random books against a
 * naive matcher).
 */
#include "unit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/market.h"

/* Whether SimMarketQuote gives exactly want_bid and want_ask. */
static int
quote_is(int64_t base, int64_t stock, int64_t target, double spread,
		 int64_t want_bid, int64_t want_ask)
{
	int64_t		bid = -7;
	int64_t		ask = -7;

	SimMarketQuote(base, stock, target, spread, &bid, &ask);
	if (bid == want_bid && ask == want_ask)
		return 1;
	printf("  quote(%lld, %lld, %lld, %g) = %lld / %lld, want %lld / %lld\n",
		   (long long) base, (long long) stock, (long long) target, spread,
		   (long long) bid, (long long) ask,
		   (long long) want_bid, (long long) want_ask);
	return 0;
}

/* The curve at known points. */
static void
test_quote_points(void)
{
	CHECK(quote_is(100, 0, 50, 0.0, 400, 401), "empty station: mid 4B, ask bid + 1");
	CHECK(quote_is(100, 50, 50, 0.0, 100, 101), "at target: mid B");
	CHECK(quote_is(100, 50, 50, 0.25, 87, 113), "at target, spread 1/4: floor/ceil");
	CHECK(quote_is(100, 25, 50, 0.0, 200, 201), "half target: mid 2B");
	CHECK(quote_is(100, 100, 50, 0.0, 25, 26), "twice target: mid B/4");
	CHECK(quote_is(100, 100, 50, 0.25, 21, 29), "twice target, spread 1/4");
	CHECK(quote_is(100, 500, 50, 0.0, 25, 26), "ten times target clamps to B/4");
	CHECK(quote_is(100, INT64_MAX, 1, 0.5, 18, 32), "huge stock clamps to B/4");
	CHECK(quote_is(100, 0, 1, 0.5, 300, 500), "empty, spread 1/2");
	CHECK(quote_is(1, 0, 1, 0.5, 3, 5), "base 1, empty");
	CHECK(quote_is(3, 2, 1, 0.0, 1, 2), "mid 0.75: bid at least 1, ask above bid");
	CHECK(quote_is(1, 1000, 1, 0.9, 1, 2), "base 1 glutted: bid 1, ask 2");
	CHECK(quote_is(1000, 1500, 1000, 0.0, 500, 501), "r 1.5: mid B/2");
	CHECK(quote_is(INT64_MAX, 0, 1, 0.5, INT64_MAX - 1, INT64_MAX),
		  "huge base: prices clamp to int64");
	CHECK(quote_is(INT64_MAX, INT64_MAX, 1, 0.0, INT64_MAX / 4 + 1, INT64_MAX / 4 + 2),
		  "huge base glutted: B/4 in double");

	/* out-of-range inputs clamp into range */
	CHECK(quote_is(100, -5, 0, NAN, 400, 401), "negative stock, zero target, NaN spread");
	CHECK(quote_is(0, 0, 1, -0.5, 4, 5), "base 0 counts as 1, negative spread as 0");
	CHECK(quote_is(-9, 1, 1, 0.0, 1, 2), "negative base counts as 1");
	CHECK(quote_is(100, 7, 7, 1.5, 50, 150), "spread past 1 counts as just below 1");
	CHECK(quote_is(100, 7, 7, INFINITY, 50, 150), "infinite spread too");
}

/* A long-double rendering of the formula, with pow instead of exp2. */
static void
quote_ref(int64_t base, int64_t stock, int64_t target, double spread,
		  long double *bid, long double *ask)
{
	long double b = (long double) base;
	long double r = (long double) stock / (long double) target;
	long double mid = b * powl(4.0L, 1.0L - r);

	if (mid < b / 4)
		mid = b / 4;
	if (mid > b * 4)
		mid = b * 4;
	*bid = floorl(mid * (1.0L - (long double) spread / 2));
	*ask = ceill(mid * (1.0L + (long double) spread / 2));
	if (*bid < 1)
		*bid = 1;
	if (*ask < *bid + 1)
		*ask = *bid + 1;
}

/* Bounds, monotonicity in stock, and agreement with quote_ref. */
static void
test_quote_properties(void)
{
	static const int64_t bases[] = {1, 2, 7, 100, 12345, 1000000007, INT64_C(1) << 50};
	static const int64_t targets[] = {1, 3, 100, 997};
	static const double spreads[] = {0.0, 0.01, 0.05, 0.3, 0.99};
	int			bad_bounds = 0;
	int			not_monotone = 0;
	int			far_from_ref = 0;
	int			nquotes = 0;
	int			bi;
	int			ti;
	int			si;
	TestRng		rng;
	int			i;

	for (bi = 0; bi < (int) (sizeof(bases) / sizeof(bases[0])); bi++)
		for (ti = 0; ti < (int) (sizeof(targets) / sizeof(targets[0])); ti++)
			for (si = 0; si < (int) (sizeof(spreads) / sizeof(spreads[0])); si++)
			{
				int64_t		last_bid = INT64_MAX;
				int64_t		last_ask = INT64_MAX;
				int64_t		s;

				for (s = 0; s <= 4 * targets[ti] + 3; s++)
				{
					int64_t		bid;
					int64_t		ask;

					SimMarketQuote(bases[bi], s, targets[ti], spreads[si], &bid, &ask);
					nquotes++;
					if (bid < 1 || ask <= bid)
						bad_bounds++;
					if (bid > last_bid || ask > last_ask)
						not_monotone++;
					last_bid = bid;
					last_ask = ask;
				}
			}

	/* random inputs, and random increasing stock pairs */
	test_rng_seed(&rng, 31337);
	for (i = 0; i < 200000; i++)
	{
		int64_t		base = 1 + (int64_t) (test_rng_next(&rng) % 1000000);
		int64_t		target = 1 + (int64_t) (test_rng_next(&rng) % 100000);
		int64_t		s1 = (int64_t) (test_rng_next(&rng) % (uint64_t) (5 * target));
		int64_t		s2 = s1 + (int64_t) (test_rng_next(&rng) % 3);
		double		p = test_rng_unit(&rng) * 0.5;
		int64_t		b1;
		int64_t		a1;
		int64_t		b2;
		int64_t		a2;
		long double rb;
		long double ra;

		SimMarketQuote(base, s1, target, p, &b1, &a1);
		SimMarketQuote(base, s2, target, p, &b2, &a2);
		quote_ref(base, s1, target, p, &rb, &ra);
		nquotes += 2;
		if (b1 < 1 || a1 <= b1 || b2 < 1 || a2 <= b2)
			bad_bounds++;
		if (b2 > b1 || a2 > a1)
			not_monotone++;
		if (fabsl((long double) b1 - rb) > 1 || fabsl((long double) a1 - ra) > 1)
			far_from_ref++;
	}
	CHECK(bad_bounds == 0, "%d of %d quotes break bid >= 1, ask > bid", bad_bounds, nquotes);
	CHECK(not_monotone == 0, "%d quotes rise with more stock", not_monotone);
	CHECK(far_from_ref == 0, "%d quotes differ from the long-double formula by more than 1",
		  far_from_ref);
}

/* An order. */
static SimOrder
ord(int64_t id, int64_t price, int64_t qty, int64_t cap)
{
	SimOrder	o;

	o.id = id;
	o.price = price;
	o.qty = qty;
	o.cap = cap;
	return o;
}

/* Whether fill f is (buy, sell, qty, price). */
static int
fill_is(const SimFill *f, int64_t buy, int64_t sell, int64_t qty, int64_t price)
{
	if (f->buy_id == buy && f->sell_id == sell && f->qty == qty && f->price == price)
		return 1;
	printf("  fill %lld/%lld %lld @ %lld, want %lld/%lld %lld @ %lld\n",
		   (long long) f->buy_id, (long long) f->sell_id, (long long) f->qty,
		   (long long) f->price, (long long) buy, (long long) sell,
		   (long long) qty, (long long) price);
	return 0;
}

/* The matching rules on small books. */
static void
test_match_rules(void)
{
	SimOrder	b[4];
	SimOrder	s[4];
	SimFill		f[8];
	int			n;

	/* empty sides */
	b[0] = ord(1, 100, 5, 5);
	s[0] = ord(2, 90, 5, 5);
	CHECK(SimMarketMatch(b, 0, s, 1, f, 8) == 0 && s[0].qty == 5, "no buys: no fills");
	CHECK(SimMarketMatch(b, 1, s, 0, f, 8) == 0 && b[0].qty == 5, "no sells: no fills");
	CHECK(SimMarketMatch(NULL, 0, NULL, 0, NULL, 0) == 0, "empty book");
	CHECK(SimMarketMatch(b, -1, s, 1, f, 8) == 0, "negative count is empty");

	/* no cross */
	b[0] = ord(1, 99, 5, 5);
	s[0] = ord(2, 100, 5, 5);
	n = SimMarketMatch(b, 1, s, 1, f, 8);
	CHECK(n == 0 && b[0].qty == 5 && s[0].qty == 5 && b[0].cap == 5,
		  "bid below ask: nothing trades (%d fills)", n);

	/* equal prices cross */
	b[0] = ord(1, 100, 5, 5);
	s[0] = ord(2, 100, 3, 3);
	n = SimMarketMatch(b, 1, s, 1, f, 8);
	CHECK(n == 1 && fill_is(&f[0], 1, 2, 3, 100) && b[0].qty == 2 && b[0].cap == 2 &&
		  s[0].qty == 0 && s[0].cap == 0,
		  "bid equal to ask trades; qty and cap decremented");

	/* trade at the resting (earlier) order's price */
	b[0] = ord(2, 100, 5, 5);
	s[0] = ord(1, 90, 5, 5);
	n = SimMarketMatch(b, 1, s, 1, f, 8);
	CHECK(n == 1 && fill_is(&f[0], 2, 1, 5, 90), "resting sell: trade at the ask");
	b[0] = ord(1, 100, 5, 5);
	s[0] = ord(2, 90, 5, 5);
	n = SimMarketMatch(b, 1, s, 1, f, 8);
	CHECK(n == 1 && fill_is(&f[0], 1, 2, 5, 100), "resting buy: trade at the bid");
	b[0] = ord(3, 100, 5, 5);
	s[0] = ord(3, 90, 5, 5);
	n = SimMarketMatch(b, 1, s, 1, f, 8);
	CHECK(n == 1 && fill_is(&f[0], 3, 3, 5, 90), "equal ids: the sell's price");

	/* price priority among buys */
	b[0] = ord(1, 100, 1, 1);
	b[1] = ord(2, 105, 1, 1);
	b[2] = ord(3, 102, 1, 1);
	s[0] = ord(10, 100, 2, 2);
	n = SimMarketMatch(b, 3, s, 1, f, 8);
	CHECK(n == 2 && fill_is(&f[0], 2, 10, 1, 105) && fill_is(&f[1], 3, 10, 1, 102),
		  "highest bids fill first (%d fills)", n);
	CHECK(b[0].id == 2 && b[1].id == 3 && b[2].id == 1 && b[2].qty == 1,
		  "buys left sorted by price descending; the lowest still open");

	/* price priority among sells */
	b[0] = ord(10, 110, 2, 2);
	s[0] = ord(1, 104, 1, 1);
	s[1] = ord(2, 101, 1, 1);
	s[2] = ord(3, 109, 1, 1);
	n = SimMarketMatch(b, 1, s, 3, f, 8);
	CHECK(n == 2 && fill_is(&f[0], 10, 2, 1, 101) && fill_is(&f[1], 10, 1, 1, 104),
		  "lowest asks fill first (%d fills)", n);
	CHECK(s[0].id == 2 && s[1].id == 1 && s[2].id == 3 && s[2].qty == 1,
		  "sells left sorted by price ascending");

	/* time priority at equal price */
	b[0] = ord(5, 100, 10, 10);
	b[1] = ord(3, 100, 10, 10);
	b[2] = ord(4, 100, 10, 10);
	s[0] = ord(9, 100, 15, 15);
	n = SimMarketMatch(b, 3, s, 1, f, 8);
	CHECK(n == 2 && fill_is(&f[0], 3, 9, 10, 100) && fill_is(&f[1], 4, 9, 5, 100),
		  "earlier buys first at equal price (%d fills)", n);
	CHECK(b[0].id == 3 && b[0].qty == 0 && b[1].id == 4 && b[1].qty == 5 &&
		  b[2].id == 5 && b[2].qty == 10, "remaining quantities by id");
	s[0] = ord(8, 100, 4, 4);
	s[1] = ord(2, 100, 4, 4);
	b[0] = ord(9, 100, 6, 6);
	n = SimMarketMatch(b, 1, s, 2, f, 8);
	CHECK(n == 2 && fill_is(&f[0], 9, 2, 4, 100) && fill_is(&f[1], 9, 8, 2, 100),
		  "earlier sells first at equal price (%d fills)", n);

	/* partial fills walk the book, each at the resting price */
	b[0] = ord(10, 100, 10, 10);
	s[0] = ord(3, 97, 5, 5);
	s[1] = ord(1, 95, 3, 3);
	s[2] = ord(2, 96, 4, 4);
	s[3] = ord(4, 101, 9, 9);
	n = SimMarketMatch(b, 1, s, 4, f, 8);
	CHECK(n == 3 && fill_is(&f[0], 10, 1, 3, 95) && fill_is(&f[1], 10, 2, 4, 96) &&
		  fill_is(&f[2], 10, 3, 3, 97),
		  "a buy sweeps the asks up to its price (%d fills)", n);
	CHECK(b[0].qty == 0 && s[2].id == 3 && s[2].qty == 2 && s[2].cap == 2 &&
		  s[3].qty == 9, "remainders: buy filled, ask 97 keeps 2, ask 101 untouched");

	/* a buyer's cap: fills up to the cap, then lower bids get their turn */
	b[0] = ord(1, 110, 10, 4);
	b[1] = ord(2, 105, 10, 10);
	s[0] = ord(3, 100, 10, 10);
	n = SimMarketMatch(b, 2, s, 1, f, 8);
	CHECK(n == 2 && fill_is(&f[0], 1, 3, 4, 110) && fill_is(&f[1], 2, 3, 6, 105),
		  "cap limits a buy; the next bid fills the rest (%d fills)", n);
	CHECK(b[0].qty == 6 && b[0].cap == 0 && b[1].qty == 4 && b[1].cap == 4,
		  "the capped buy stays open with cap 0");

	/* a buy with cap 0 is skipped entirely */
	b[0] = ord(1, 110, 10, 0);
	b[1] = ord(2, 100, 3, 3);
	s[0] = ord(3, 100, 10, 10);
	n = SimMarketMatch(b, 2, s, 1, f, 8);
	CHECK(n == 1 && fill_is(&f[0], 2, 3, 3, 100) && b[0].qty == 10,
		  "a buy with no hold room does not trade (%d fills)", n);

	/* a sell's cap is honoured too */
	b[0] = ord(1, 100, 10, 10);
	s[0] = ord(2, 90, 8, 2);
	s[1] = ord(3, 95, 8, 8);
	n = SimMarketMatch(b, 1, s, 2, f, 8);
	CHECK(n == 2 && fill_is(&f[0], 1, 2, 2, 100) && fill_is(&f[1], 1, 3, 8, 100) &&
		  s[0].qty == 6 && s[0].cap == 0,
		  "sell cap limits its fill (%d fills)", n);

	/* orders with no quantity are skipped */
	b[0] = ord(1, 120, 0, 5);
	b[1] = ord(2, 100, 2, 5);
	s[0] = ord(3, 90, 0, 0);
	s[1] = ord(4, 95, 5, 5);
	n = SimMarketMatch(b, 2, s, 2, f, 8);
	CHECK(n == 1 && fill_is(&f[0], 2, 4, 2, 100), "zero-qty orders never trade (%d)", n);

	/* matching stops at the first best pair that does not cross */
	b[0] = ord(1, 100, 5, 5);
	b[1] = ord(2, 99, 5, 5);
	s[0] = ord(3, 100, 2, 2);
	s[1] = ord(4, 101, 5, 5);
	n = SimMarketMatch(b, 2, s, 2, f, 8);
	CHECK(n == 1 && fill_is(&f[0], 1, 3, 2, 100) && b[0].qty == 3 && b[1].qty == 5 &&
		  s[1].qty == 5, "matching stops once the spread opens (%d fills)", n);

	/* max_fills */
	b[0] = ord(10, 100, 3, 3);
	s[0] = ord(1, 95, 1, 1);
	s[1] = ord(2, 96, 1, 1);
	s[2] = ord(3, 97, 1, 1);
	n = SimMarketMatch(b, 1, s, 3, f, 2);
	CHECK(n == -1, "three fills do not fit in two (got %d)", n);
	b[0] = ord(10, 100, 3, 3);
	s[0] = ord(1, 95, 1, 1);
	s[1] = ord(2, 96, 1, 1);
	s[2] = ord(3, 97, 1, 1);
	n = SimMarketMatch(b, 1, s, 3, f, 3);
	CHECK(n == 3, "three fills fit in three (got %d)", n);
	b[0] = ord(10, 100, 3, 3);
	s[0] = ord(1, 101, 1, 1);
	CHECK(SimMarketMatch(b, 1, s, 1, f, 0) == 0, "no fills needed fits in 0");
	s[0] = ord(1, 99, 1, 1);
	CHECK(SimMarketMatch(b, 1, s, 1, NULL, 0) == -1 && b[0].qty == 3,
		  "a needed fill with max_fills 0 fails before trading");
}

/* Naive matcher on an unsorted book: scans for the best each step. */
static int
naive_match(SimOrder *b, int nb, SimOrder *s, int ns, SimFill *f)
{
	int			n = 0;

	for (;;)
	{
		int			bi = -1;
		int			si = -1;
		int			i;
		int64_t		q;

		for (i = 0; i < nb; i++)
			if (b[i].qty > 0 && b[i].cap > 0 &&
				(bi < 0 || b[i].price > b[bi].price ||
				 (b[i].price == b[bi].price && b[i].id < b[bi].id)))
				bi = i;
		for (i = 0; i < ns; i++)
			if (s[i].qty > 0 && s[i].cap > 0 &&
				(si < 0 || s[i].price < s[si].price ||
				 (s[i].price == s[si].price && s[i].id < s[si].id)))
				si = i;
		if (bi < 0 || si < 0 || b[bi].price < s[si].price)
			return n;
		q = b[bi].qty;
		if (b[bi].cap < q)
			q = b[bi].cap;
		if (s[si].qty < q)
			q = s[si].qty;
		if (s[si].cap < q)
			q = s[si].cap;
		f[n].buy_id = b[bi].id;
		f[n].sell_id = s[si].id;
		f[n].qty = q;
		f[n].price = b[bi].id < s[si].id ? b[bi].price : s[si].price;
		n++;
		b[bi].qty -= q;
		b[bi].cap -= q;
		s[si].qty -= q;
		s[si].cap -= q;
	}
}

/* Whether every order of want (by id) has the same qty and cap in got. */
static int
same_remainders(const SimOrder *want, const SimOrder *got, int n)
{
	int			i;
	int			j;

	for (i = 0; i < n; i++)
	{
		for (j = 0; j < n; j++)
			if (got[j].id == want[i].id)
				break;
		if (j == n || got[j].qty != want[i].qty || got[j].cap != want[i].cap ||
			got[j].price != want[i].price)
			return 0;
	}
	return 1;
}

/* Shuffle n orders in place. */
static void
shuffle_orders(TestRng *rng, SimOrder *o, int n)
{
	int			i;

	for (i = n - 1; i > 0; i--)
	{
		int			j = (int) (test_rng_next(rng) % (uint64_t) (i + 1));
		SimOrder	t = o[i];

		o[i] = o[j];
		o[j] = t;
	}
}

#define MAXSIDE 24

/* Random books against naive_match, conservation, order independence. */
static void
test_match_random(void)
{
	TestRng		rng;
	int			book;
	int			differs = 0;
	int			not_conserved = 0;
	int			bad_price = 0;
	int			too_many = 0;
	int			unsorted = 0;
	int			order_dep = 0;
	int			overflowed = 0;
	int			negative = 0;
	int			total_fills = 0;

	test_rng_seed(&rng, 9001);
	for (book = 0; book < 5000; book++)
	{
		SimOrder	b[MAXSIDE];
		SimOrder	s[MAXSIDE];
		SimOrder	rb[MAXSIDE];
		SimOrder	rs[MAXSIDE];
		SimOrder	b0[MAXSIDE];
		SimOrder	s0[MAXSIDE];
		SimFill		f[2 * MAXSIDE];
		SimFill		rf[2 * MAXSIDE];
		SimFill		f2[2 * MAXSIDE];
		int64_t		ids[2 * MAXSIDE];
		int64_t		bq0 = 0;
		int64_t		sq0 = 0;
		int64_t		bq1 = 0;
		int64_t		sq1 = 0;
		int64_t		fq = 0;
		int			nb = (int) (test_rng_next(&rng) % (MAXSIDE + 1));
		int			ns = (int) (test_rng_next(&rng) % (MAXSIDE + 1));
		int			width = 1 + (int) (test_rng_next(&rng) % 20);
		int			i;
		int			n;
		int			rn;

		/* distinct ids, shuffled between the sides */
		for (i = 0; i < nb + ns; i++)
			ids[i] = 1000 + i * 7;
		for (i = nb + ns - 1; i > 0; i--)
		{
			int			j = (int) (test_rng_next(&rng) % (uint64_t) (i + 1));
			int64_t		t = ids[i];

			ids[i] = ids[j];
			ids[j] = t;
		}
		for (i = 0; i < nb; i++)
		{
			int64_t		qty = (int64_t) (test_rng_next(&rng) % 20);
			int64_t		cap = (int64_t) (test_rng_next(&rng) % 30);

			b[i] = ord(ids[i], 100 + (int64_t) (test_rng_next(&rng) % (uint64_t) width) - width / 2,
					   qty, cap);
			bq0 += qty;
		}
		for (i = 0; i < ns; i++)
		{
			int64_t		qty = (int64_t) (test_rng_next(&rng) % 20);
			int64_t		cap = test_rng_next(&rng) % 4 == 0 ?
				(int64_t) (test_rng_next(&rng) % 20) : qty;

			s[i] = ord(ids[nb + i], 100 + (int64_t) (test_rng_next(&rng) % (uint64_t) width) - width / 2,
					   qty, cap);
			sq0 += qty;
		}
		memcpy(rb, b, sizeof(b));
		memcpy(rs, s, sizeof(s));
		memcpy(b0, b, sizeof(b));
		memcpy(s0, s, sizeof(s));

		n = SimMarketMatch(b, nb, s, ns, f, nb + ns);
		rn = naive_match(rb, nb, rs, ns, rf);
		if (n < 0)
		{
			overflowed++;
			continue;
		}
		total_fills += n;
		if (n != rn || memcmp(f, rf, sizeof(SimFill) * (size_t) n) != 0 ||
			!same_remainders(rb, b, nb) || !same_remainders(rs, s, ns))
			differs++;
		if (nb > 0 && ns > 0 && n > nb + ns - 1)
			too_many++;

		for (i = 0; i < nb; i++)
			bq1 += b[i].qty;
		for (i = 0; i < ns; i++)
			sq1 += s[i].qty;
		for (i = 0; i < n; i++)
		{
			int			j;
			int64_t		bp = -1;
			int64_t		sp = -1;

			fq += f[i].qty;
			for (j = 0; j < nb; j++)
				if (b0[j].id == f[i].buy_id)
					bp = b0[j].price;
			for (j = 0; j < ns; j++)
				if (s0[j].id == f[i].sell_id)
					sp = s0[j].price;
			if (f[i].qty <= 0 || f[i].price < sp || f[i].price > bp ||
				(f[i].price != bp && f[i].price != sp))
				bad_price++;
		}
		if (bq0 - bq1 != fq || sq0 - sq1 != fq)
			not_conserved++;
		for (i = 0; i < nb; i++)
			negative += b[i].qty < 0 || b[i].cap < 0;
		for (i = 0; i < ns; i++)
			negative += s[i].qty < 0 || s[i].cap < 0;
		for (i = 1; i < nb; i++)
			if (b[i - 1].price < b[i].price ||
				(b[i - 1].price == b[i].price && b[i - 1].id > b[i].id))
				unsorted++;
		for (i = 1; i < ns; i++)
			if (s[i - 1].price > s[i].price ||
				(s[i - 1].price == s[i].price && s[i - 1].id > s[i].id))
				unsorted++;

		/* the same book in another order trades the same */
		memcpy(b, b0, sizeof(b));
		memcpy(s, s0, sizeof(s));
		shuffle_orders(&rng, b, nb);
		shuffle_orders(&rng, s, ns);
		if (SimMarketMatch(b, nb, s, ns, f2, nb + ns) != n ||
			memcmp(f, f2, sizeof(SimFill) * (size_t) n) != 0)
			order_dep++;
	}
	CHECK(overflowed == 0, "%d books needed more than nbuys + nsells fills", overflowed);
	CHECK(differs == 0, "%d of 5000 books differ from the naive matcher", differs);
	CHECK(total_fills > 10000, "random books trade (%d fills)", total_fills);
	CHECK(too_many == 0, "%d books used more than nbuys + nsells - 1 fills", too_many);
	CHECK(not_conserved == 0, "%d books do not conserve quantity", not_conserved);
	CHECK(negative == 0, "%d orders left with negative qty or cap", negative);
	CHECK(bad_price == 0, "%d fills outside [ask, bid] or at neither price", bad_price);
	CHECK(unsorted == 0, "%d order pairs left out of priority order", unsorted);
	CHECK(order_dep == 0, "%d books trade differently in another input order", order_dep);
}

/* unit.h does not list this suite yet; unit_main.c declares it too. */

/* Every market test. */
void
test_market(void)
{
	test_quote_points();
	test_quote_properties();
	test_match_rules();
	test_match_random();
}
