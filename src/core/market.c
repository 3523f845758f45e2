/*
 * market.c -- the station price curve and price-time order matching; see
 * market.h for the formula and the rules.
 *
 * Matching sorts each side with an in-place heapsort (no allocation; the
 * comparison is a total order on the order's fields, so the sorted sides,
 * and hence the fills, do not depend on the input order) and then walks
 * both sides once with two cursors.
 *
 * Why nbuys + nsells fills always suffice: a fill trades the least of the
 * four amounts (buy qty, buy cap, sell qty, sell cap), so afterwards at
 * least one of its two orders has qty or cap 0, and such an order never
 * fills again.  Each fill thus uses up at least one order for good, and
 * there are only nbuys + nsells orders.  (The last fill, if it uses up the
 * last order, uses up both of its own, so in fact nbuys + nsells - 1
 * suffice when both sides are non-empty.)
 */
#include "sim/core/market.h"

#include <math.h>

/* 2^63 as a double: the first value past INT64_MAX. */
#define TWO_POW_63 9223372036854775808.0

/* The largest double below 1. */
#define BELOW_ONE 0x1.fffffffffffffp-1

/* x as int64, clamped to [lo, hi]; NaN gives lo. */
static int64_t
clamp_to_int64(double x, int64_t lo, int64_t hi)
{
	int64_t		v;

	if (!(x >= (double) lo))
		return lo;
	if (x >= TWO_POW_63)
		return hi;
	v = (int64_t) x;
	if (v < lo)
		return lo;
	if (v > hi)
		return hi;
	return v;
}

/* Bid and ask for stock against target; see market.h. */
void
SimMarketQuote(int64_t base, int64_t stock, int64_t target, double spread,
			   int64_t *bid, int64_t *ask)
{
	double		b;
	double		r;
	double		mid;
	int64_t		bi;
	int64_t		ai;

	if (base < 1)
		base = 1;
	if (stock < 0)
		stock = 0;
	if (target < 1)
		target = 1;
	if (!(spread >= 0.0))
		spread = 0.0;			/* negative or NaN */
	if (spread >= 1.0)
		spread = BELOW_ONE;

	b = (double) base;
	r = (double) stock / (double) target;
	mid = b * exp2(2.0 * (1.0 - r));
	if (!(mid >= b / 4.0))
		mid = b / 4.0;
	if (mid > b * 4.0)
		mid = b * 4.0;

	bi = clamp_to_int64(floor(mid * (1.0 - spread / 2.0)), 1, INT64_MAX - 1);
	ai = clamp_to_int64(ceil(mid * (1.0 + spread / 2.0)), 1, INT64_MAX);
	if (ai < bi + 1)
		ai = bi + 1;
	*bid = bi;
	*ask = ai;
}

/*
 * Whether a comes before b on its side: by price (descending for buys,
 * ascending for sells), then id, qty and cap ascending.
 */
static int
order_before(const SimOrder *a, const SimOrder *b, int buy)
{
	if (a->price != b->price)
		return buy ? a->price > b->price : a->price < b->price;
	if (a->id != b->id)
		return a->id < b->id;
	if (a->qty != b->qty)
		return a->qty < b->qty;
	return a->cap < b->cap;
}

/* Restore the heap (latest order on top) below i in o[0..n-1]. */
static void
order_sift(SimOrder *o, int i, int n, int buy)
{
	for (;;)
	{
		int			l = 2 * i + 1;
		int			m = i;
		SimOrder	t;

		if (l < n && order_before(&o[m], &o[l], buy))
			m = l;
		if (l + 1 < n && order_before(&o[m], &o[l + 1], buy))
			m = l + 1;
		if (m == i)
			return;
		t = o[i];
		o[i] = o[m];
		o[m] = t;
		i = m;
	}
}

/* Sort one side into priority order, in place. */
static void
order_sort(SimOrder *o, int n, int buy)
{
	int			i;

	for (i = n / 2 - 1; i >= 0; i--)
		order_sift(o, i, n, buy);
	for (i = n - 1; i > 0; i--)
	{
		SimOrder	t = o[0];

		o[0] = o[i];
		o[i] = t;
		order_sift(o, 0, i, buy);
	}
}

/* Whether an order can still fill this round. */
static inline int
can_fill(const SimOrder *o)
{
	return o->qty > 0 && o->cap > 0;
}

/* Match one book; the number of fills, or -1 past max_fills. */
int
SimMarketMatch(SimOrder *buys, int nbuys, SimOrder *sells, int nsells,
			   SimFill *fills, int max_fills)
{
	int			nfills = 0;
	int			i = 0;
	int			j = 0;

	if (nbuys < 0)
		nbuys = 0;
	if (nsells < 0)
		nsells = 0;
	order_sort(buys, nbuys, 1);
	order_sort(sells, nsells, 0);

	for (;;)
	{
		SimOrder   *b;
		SimOrder   *s;
		int64_t		q;

		while (i < nbuys && !can_fill(&buys[i]))
			i++;
		while (j < nsells && !can_fill(&sells[j]))
			j++;
		if (i == nbuys || j == nsells)
			break;
		b = &buys[i];
		s = &sells[j];
		if (b->price < s->price)
			break;
		if (nfills >= max_fills)
			return -1;

		q = b->qty;
		if (b->cap < q)
			q = b->cap;
		if (s->qty < q)
			q = s->qty;
		if (s->cap < q)
			q = s->cap;

		fills[nfills].buy_id = b->id;
		fills[nfills].sell_id = s->id;
		fills[nfills].qty = q;
		fills[nfills].price = b->id < s->id ? b->price : s->price;
		nfills++;

		b->qty -= q;
		b->cap -= q;
		s->qty -= q;
		s->cap -= q;
	}
	return nfills;
}
