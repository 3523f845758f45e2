/*
 * money.h -- the one rule for money taken off a trade (no Postgres inside).
 *
 * Money is whole credits (int64).  A rate -- the tax on trades, the fee on
 * limit orders -- is a whole number of millionths ("ppm"), 0 <= ppm <
 * 1,000,000; sim.economy's rates are numeric, checked to be exactly that.
 * The levy on a value v >= 0 at rate ppm is
 *
 *     levy(v, ppm) = ceil(v * ppm / 1,000,000)
 *
 * in exact integer arithmetic (no floating point, no overflow for any v
 * that fits in int64).  So 100 credits at 7 % pay 7, 101 credits pay 8, and
 * a levy never exceeds its value.  The tick (C) and the SQL commands (via
 * sim.levy) call the same function.
 */
#ifndef SIM_CORE_MONEY_H
#define SIM_CORE_MONEY_H

#include <stdbool.h>
#include <stdint.h>

#define SIM_RATE_SCALE INT64_C(1000000)

/* Whether ppm is a rate: 0 <= ppm < SIM_RATE_SCALE. */
extern bool SimRateValid(int64_t ppm);

/*
 * ceil(value * ppm / SIM_RATE_SCALE); value >= 0 and SimRateValid(ppm), or
 * -1 when they are not.  The result is in [0, value].
 */
extern int64_t SimLevy(int64_t value, int64_t ppm);

/*
 * The most units, at most max_qty, that a buyer with credits can pay for
 * at unit price price plus the levy at ppm on their whole value:
 * the largest q with q * price + SimLevy(q * price, ppm) <= credits.  0 when
 * none (or any argument is out of range: credits < 0, price < 1, a bad ppm).
 */
extern int64_t SimAffordable(int64_t credits, int64_t price, int64_t ppm, int64_t max_qty);

#endif							/* SIM_CORE_MONEY_H */
