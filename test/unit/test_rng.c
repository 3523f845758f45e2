/*
 * test_rng.c -- unit tests of the counter-based random numbers:
 * determinism, independence of the keys, range and rough uniformity.
 */
#include "unit.h"

#include <math.h>

#include "sim/core/rng.h"

/* Same keys, same bits; any key changed, different bits. */
static void
test_rng_determinism(void)
{
	uint64_t	i;
	int			same = 1,
				differ = 1;

	for (i = 0; i < 10000; i++)
	{
		uint64_t	b = SimRandBits(42, 7, i);

		if (b != SimRandBits(42, 7, i))
			same = 0;
		if (b == SimRandBits(43, 7, i) || b == SimRandBits(42, 8, i) ||
			b == SimRandBits(42, 7, i + 1) || b == SimRandBits(7, 42, i))
			differ = 0;
	}
	CHECK(same, "same keys give the same bits");
	CHECK(differ, "a changed key changes the bits");
	CHECK(SimRandBits(0, 0, 0) != 0 && SimRandBits(0, 0, 0) != SimRandBits(0, 0, 1),
		  "all-zero keys are mixed too");
	CHECK(SimRandUnit(1, 2, 3) == (double) (SimRandBits(1, 2, 3) >> 11) * 0x1.0p-53,
		  "SimRandUnit is the top 53 bits scaled");
}

/* Units lie in [0, 1) and fill 64 bins evenly; every bit is fair. */
static void
test_rng_uniformity(void)
{
	enum
	{
		NBINS = 64,
		NDRAWS = 200000
	};
	int			bins[NBINS] = {0};
	int			ones[64] = {0};
	double		chi2 = 0.0,
				expect = (double) NDRAWS / NBINS,
				sum = 0.0;
	int			in_range = 1,
				fair = 1,
				b;
	uint64_t	i;
	double		flips = 0.0;

	for (i = 0; i < NDRAWS; i++)
	{
		double		u = SimRandUnit(12345, 3, i);
		uint64_t	bits = SimRandBits(12345, 4, i);

		if (!(u >= 0.0 && u < 1.0))
			in_range = 0;
		bins[(int) (u * NBINS)]++;
		sum += u;
		for (b = 0; b < 64; b++)
			ones[b] += (int) ((bits >> b) & 1);
	}
	for (b = 0; b < NBINS; b++)
		chi2 += (bins[b] - expect) * (bins[b] - expect) / expect;
	for (b = 0; b < 64; b++)
		if (fabs((double) ones[b] / NDRAWS - 0.5) > 0.01)
			fair = 0;
	CHECK(in_range, "units lie in [0, 1)");
	/* 63 degrees of freedom: the 99.99th percentile is about 115 */
	CHECK(chi2 < 115.0, "bins are even: chi-square %.1f", chi2);
	CHECK(fabs(sum / NDRAWS - 0.5) < 0.005, "mean %.4f near 0.5", sum / NDRAWS);
	CHECK(fair, "every bit is set half the time");

	/* avalanche: one flipped index bit flips about half the output bits */
	for (i = 0; i < 4096; i++)
		flips += __builtin_popcountll(SimRandBits(9, 9, i) ^
									  SimRandBits(9, 9, i ^ (UINT64_C(1) << (i % 64))));
	CHECK(fabs(flips / 4096 - 32.0) < 1.0, "avalanche: %.2f bits flip", flips / 4096);

	/* neighbouring streams are not correlated */
	{
		double		sxy = 0.0;

		for (i = 0; i < 100000; i++)
			sxy += (SimRandUnit(5, 100, i) - 0.5) * (SimRandUnit(5, 101, i) - 0.5);
		CHECK(fabs(sxy / 100000) < 0.003, "streams 100 and 101 uncorrelated: %.5f",
			  sxy / 100000);
	}
}

/* Runs the rng suite. */
void
test_rng(void)
{
	test_rng_determinism();
	test_rng_uniformity();
}
