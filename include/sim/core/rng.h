/*
 * rng.h -- deterministic counter-based random numbers (no Postgres inside).
 *
 * Every draw is a pure function of (seed, stream, index): no hidden state,
 * so the same universe seed gives the same numbers in any process, in any
 * order of evaluation.  The mixer is SplitMix64's finaliser.
 */
#ifndef SIM_CORE_RNG_H
#define SIM_CORE_RNG_H

#include <stdint.h>

/* 64 well-mixed bits for (seed, stream, index). */
extern uint64_t SimRandBits(uint64_t seed, uint64_t stream, uint64_t index);

/* Uniform double in [0, 1) with 53 random bits. */
extern double SimRandUnit(uint64_t seed, uint64_t stream, uint64_t index);

#endif							/* SIM_CORE_RNG_H */
