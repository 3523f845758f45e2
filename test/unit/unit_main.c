/*
 * unit_main.c -- runs the unit tests of src/core and reports the count of
 * passed and failed checks; exits nonzero when any check failed.
 */
#include "unit.h"

/* Suites not yet listed in unit.h. */

int			unit_passed = 0;
int			unit_failed = 0;

/* Seed a test generator; any seed gives a usable (nonzero) state. */
void
test_rng_seed(TestRng *r, uint64_t seed)
{
	r->s = seed * UINT64_C(0x9e3779b97f4a7c15) + UINT64_C(0x2545f4914f6cdd1d);
	if (r->s == 0)
		r->s = 1;
}

/* Next 64 bits of a test generator. */
uint64_t
test_rng_next(TestRng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * UINT64_C(0x2545f4914f6cdd1d);
}

/* Uniform double in [0, 1). */
double
test_rng_unit(TestRng *r)
{
	return (double) (test_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform double in [lo, hi). */
double
test_rng_range(TestRng *r, double lo, double hi)
{
	return lo + (hi - lo) * test_rng_unit(r);
}

/* Run every suite; exit status 1 when any check failed. */
int
main(void)
{
	test_kinematics();
	test_grid();
	test_rng();
	test_route();
	test_eventq();
	test_btree();
	test_market();
	test_delta();
	test_money();
	test_journey();
	test_economy();
	test_frustum();
	test_snapfile();
	printf("%d passed, %d failed\n", unit_passed, unit_failed);
	return unit_failed > 0 ? 1 : 0;
}
