/*
 * rng.c -- counter-based random numbers keyed by (seed, stream, index).
 *
 * A draw hashes its three keys with SplitMix64's finaliser, one key per
 * round, each key first offset by a distinct odd constant:
 *
 *	h = fmix(index + G)
 *	h = fmix(h ^ (stream * M1 + G))
 *	h = fmix(h ^ (seed * M2 + G))
 *
 * fmix is a bijection of 64-bit words, so for a fixed (seed, stream) the
 * draws over index are a permutation of the 64-bit words (no repeats within
 * a stream), and a change of any key changes every output bit with
 * probability about one half.  There is no state: the same keys give the
 * same bits in any process and in any order of evaluation.
 */
#include "sim/core/rng.h"

#define SIM_RNG_GOLDEN	UINT64_C(0x9e3779b97f4a7c15)
#define SIM_RNG_M1		UINT64_C(0xd1b54a32d192ed03)
#define SIM_RNG_M2		UINT64_C(0xaef17502108ef2d9)

/* SplitMix64's finaliser: a bijective avalanche mix of 64 bits. */
static inline uint64_t
fmix(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* 64 well-mixed bits, a pure function of (seed, stream, index). */
uint64_t
SimRandBits(uint64_t seed, uint64_t stream, uint64_t index)
{
	uint64_t	h;

	h = fmix(index + SIM_RNG_GOLDEN);
	h = fmix(h ^ (stream * SIM_RNG_M1 + SIM_RNG_GOLDEN));
	h = fmix(h ^ (seed * SIM_RNG_M2 + SIM_RNG_GOLDEN));
	return h;
}

/* Uniform double in [0, 1): the top 53 bits of SimRandBits scaled by 2^-53. */
double
SimRandUnit(uint64_t seed, uint64_t stream, uint64_t index)
{
	return (double) (SimRandBits(seed, stream, index) >> 11) * 0x1.0p-53;
}
