/*
 * money.c -- the levy (tax, order fee) on a value, in exact integer
 * arithmetic, and what a buyer can afford with it.  See money.h.
 */
#include "sim/core/money.h"

bool
SimRateValid(int64_t ppm)
{
	return ppm >= 0 && ppm < SIM_RATE_SCALE;
}

/*
 * Split value = q * SCALE + r: q * ppm <= value cannot overflow, and
 * r * ppm < SCALE^2 = 10^12 fits easily, so the sum is exact.
 */
int64_t
SimLevy(int64_t value, int64_t ppm)
{
	int64_t		q,
				r;

	if (value < 0 || !SimRateValid(ppm))
		return -1;
	q = value / SIM_RATE_SCALE;
	r = value % SIM_RATE_SCALE;
	return q * ppm + (r * ppm + SIM_RATE_SCALE - 1) / SIM_RATE_SCALE;
}

/* Whether q units at price, plus the levy, cost at most credits. */
static bool
can_pay(int64_t q, int64_t price, int64_t ppm, int64_t credits)
{
	int64_t		value;

	if (q > INT64_MAX / price)
		return false;
	value = q * price;
	/* value + levy <= credits, written so that it cannot overflow */
	return value <= credits && SimLevy(value, ppm) <= credits - value;
}

/*
 * Cost is nondecreasing in q, so the answer is found by bisection over
 * [0, upper], upper = credits / price (no more than that can be paid even
 * without the levy).
 */
int64_t
SimAffordable(int64_t credits, int64_t price, int64_t ppm, int64_t max_qty)
{
	int64_t		lo = 0,
				hi;

	if (credits <= 0 || price < 1 || max_qty <= 0 || !SimRateValid(ppm))
		return 0;
	hi = credits / price;
	if (hi > max_qty)
		hi = max_qty;
	/* invariant: can_pay(lo); every q > hi cannot be paid (or is too many) */
	while (lo < hi)
	{
		int64_t		mid = lo + (hi - lo - 1) / 2 + 1;	/* lo < mid <= hi */

		if (can_pay(mid, price, ppm, credits))
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}
