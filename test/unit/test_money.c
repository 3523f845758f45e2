/*
 * test_money.c -- unit tests of the levy rule (fixed points, the 7 percent case
 * that double arithmetic gets wrong, a 128-bit reference over every value
 * up to 10^6 and over random values up to INT64_MAX, bounds, bad input)
 * and of SimAffordable against a linear search.
 */
#include "unit.h"

#include "sim/core/money.h"

/* ceil(value * ppm / 10^6) in 128-bit integers: the reference. */
static int64_t
levy_ref(int64_t value, int64_t ppm)
{
	unsigned __int128 p = (unsigned __int128) value * (unsigned __int128) ppm;

	return (int64_t) ((p + 999999) / 1000000);
}

static void
test_levy_points(void)
{
	CHECK(SimLevy(100, 70000) == 7, "100 credits at 7 percent: 7 (double arithmetic gives 8)");
	CHECK(SimLevy(101, 70000) == 8, "101 credits at 7 percent: 7.07 rounds up to 8");
	CHECK(SimLevy(0, 70000) == 0, "nothing pays nothing");
	CHECK(SimLevy(1, 1) == 1, "the least rate on one credit rounds up to one");
	CHECK(SimLevy(1000000, 0) == 0, "a zero rate pays nothing");
	CHECK(SimLevy(INT64_MAX, 999999) == levy_ref(INT64_MAX, 999999),
		  "the largest value at the largest rate does not overflow");
	CHECK(SimLevy(INT64_MAX, 999999) <= INT64_MAX, "and stays within the value");
	CHECK(SimLevy(-1, 20000) == -1, "a negative value is refused");
	CHECK(SimLevy(100, -1) == -1, "a negative rate is refused");
	CHECK(SimLevy(100, 1000000) == -1, "a rate of 100 percent is refused");
	CHECK(SimRateValid(0) && SimRateValid(999999) && !SimRateValid(1000000) && !SimRateValid(-5),
		  "valid rates are [0, 10^6)");
}

/* Every value 1..10^6 at the rates of the example and a few more. */
static void
test_levy_exhaustive(void)
{
	static const int64_t rates[] = {70000, 35000, 20000, 10000, 1, 999999, 123457};
	int			i;

	for (i = 0; i < (int) (sizeof(rates) / sizeof(rates[0])); i++)
	{
		int64_t		v,
					bad = 0,
					prev = 0;
		int			monotone = 1;

		for (v = 1; v <= 1000000; v++)
		{
			int64_t		l = SimLevy(v, rates[i]);

			if (l != levy_ref(v, rates[i]) || l > v)
				bad++;
			if (l < prev)
				monotone = 0;
			prev = l;
		}
		CHECK(bad == 0, "levy equals the 128-bit reference on 1..10^6");
		CHECK(monotone, "levy never falls as the value grows");
	}
}

/* Random values over the whole int64 range and random rates. */
static void
test_levy_random(void)
{
	TestRng		r;
	int			i,
				bad = 0;

	test_rng_seed(&r, 7);
	for (i = 0; i < 1000000; i++)
	{
		int64_t		v = (int64_t) (test_rng_next(&r) >> (1 + test_rng_next(&r) % 63));
		int64_t		ppm = (int64_t) (test_rng_next(&r) % 1000000);
		int64_t		l = SimLevy(v, ppm);

		if (l != levy_ref(v, ppm) || l < 0 || l > v)
			bad++;
	}
	CHECK(bad == 0, "levy equals the reference on random values and rates");
}

/* The largest affordable quantity, by linear search from 0. */
static int64_t
affordable_ref(int64_t credits, int64_t price, int64_t ppm, int64_t max_qty)
{
	int64_t		q = 0;

	while (q < max_qty && (q + 1) * price + levy_ref((q + 1) * price, ppm) <= credits)
		q++;
	return q;
}

static void
test_affordable(void)
{
	TestRng		r;
	int			i,
				bad = 0;

	CHECK(SimAffordable(107, 100, 70000, 10) == 1, "107 credits buy one unit of 100 at 7 percent");
	CHECK(SimAffordable(106, 100, 70000, 10) == 0, "106 do not");
	CHECK(SimAffordable(214, 100, 70000, 10) == 2, "214 buy two");
	CHECK(SimAffordable(10000, 100, 70000, 3) == 3, "max_qty bounds the answer");
	CHECK(SimAffordable(0, 100, 0, 10) == 0 && SimAffordable(-5, 100, 0, 10) == 0, "no credits, no units");
	CHECK(SimAffordable(100, 0, 0, 10) == 0, "a price below 1 is refused");
	CHECK(SimAffordable(100, 1, 1000000, 10) == 0, "a bad rate is refused");
	{
		int64_t		q = SimAffordable(INT64_MAX, 1, 999999, INT64_MAX);

		CHECK(q > 0 && q + levy_ref(q, 999999) >= q && (unsigned __int128) q + levy_ref(q, 999999) <= INT64_MAX &&
			  (unsigned __int128) (q + 1) + levy_ref(q + 1, 999999) > INT64_MAX,
			  "huge inputs: the largest affordable quantity, without overflow");
	}
	test_rng_seed(&r, 11);
	for (i = 0; i < 20000; i++)
	{
		int64_t		credits = (int64_t) (test_rng_next(&r) % 200000);
		int64_t		price = 1 + (int64_t) (test_rng_next(&r) % 500);
		int64_t		ppm = (int64_t) (test_rng_next(&r) % 1000000);
		int64_t		max_qty = (int64_t) (test_rng_next(&r) % 3000);

		if (SimAffordable(credits, price, ppm, max_qty) != affordable_ref(credits, price, ppm, max_qty))
			bad++;
	}
	CHECK(bad == 0, "SimAffordable equals a linear search on random inputs");
}

void
test_money(void)
{
	test_levy_points();
	test_levy_exhaustive();
	test_levy_random();
	test_affordable();
}
