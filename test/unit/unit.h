/*
 * unit.h -- the unit-test runner's checks and the test suites it runs.
 *
 * CHECK counts a passed or failed check and prints one line per failure;
 * main() in unit_main.c runs every suite and prints "N passed, M failed".
 */
#ifndef SIM_TEST_UNIT_H
#define SIM_TEST_UNIT_H

#include <stdint.h>
#include <stdio.h>

extern int	unit_passed;
extern int	unit_failed;

#define CHECK(cond, ...) \
	do { \
		if (cond) \
			unit_passed++; \
		else \
		{ \
			unit_failed++; \
			printf("FAIL %s:%d: ", __FILE__, __LINE__); \
			printf(__VA_ARGS__); \
			printf("\n"); \
		} \
	} while (0)

/* A small deterministic generator for test data (xorshift64*). */
typedef struct TestRng
{
	uint64_t	s;
} TestRng;

extern void test_rng_seed(TestRng *r, uint64_t seed);
extern uint64_t test_rng_next(TestRng *r);
extern double test_rng_unit(TestRng *r);
extern double test_rng_range(TestRng *r, double lo, double hi);

/* The suites. */
extern void test_kinematics(void);
extern void test_grid(void);
extern void test_rng(void);
extern void test_route(void);
extern void test_btree(void);
extern void test_market(void);
extern void test_eventq(void);
extern void test_delta(void);
extern void test_money(void);
extern void test_journey(void);
extern void test_economy(void);
extern void test_frustum(void);
extern void test_snapfile(void);

#endif							/* SIM_TEST_UNIT_H */
