/*
 * random.c -- SQL access to the deterministic generator of src/core/rng.c.
 *
 * The universe generator draws every random number through these functions,
 * so its output depends on its arguments alone.
 */
#include "postgres.h"

#include "fmgr.h"

#include "sim/core/rng.h"

PG_FUNCTION_INFO_V1(sim_rand_unit);
PG_FUNCTION_INFO_V1(sim_rand_int);

/* Uniform double in [0, 1) for (seed, stream, key). */
Datum
sim_rand_unit(PG_FUNCTION_ARGS)
{
	uint64		seed = (uint64) PG_GETARG_INT64(0);
	uint64		stream = (uint64) PG_GETARG_INT64(1);
	uint64		key = (uint64) PG_GETARG_INT64(2);

	PG_RETURN_FLOAT8(SimRandUnit(seed, stream, key));
}

/* Uniform integer in [lo, hi] for (seed, stream, key); lo <= hi required. */
Datum
sim_rand_int(PG_FUNCTION_ARGS)
{
	uint64		seed = (uint64) PG_GETARG_INT64(0);
	uint64		stream = (uint64) PG_GETARG_INT64(1);
	uint64		key = (uint64) PG_GETARG_INT64(2);
	int32		lo = PG_GETARG_INT32(3);
	int32		hi = PG_GETARG_INT32(4);
	uint64		span;

	if (lo > hi)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lower bound %d is greater than upper bound %d", lo, hi)));
	span = (uint64) ((int64) hi - (int64) lo) + 1;
	PG_RETURN_INT32((int32) ((int64) lo +
							 (int64) (SimRandBits(seed, stream, key) % span)));
}
