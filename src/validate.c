/*
 * validate.c -- SQL helpers used by the schema's CHECK constraints.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"

#include "sim/bounds.h"

PG_FUNCTION_INFO_V1(sim_finite);

/*
 * sim.finite(float8[]): true when no element is NaN or infinite (NULLs are
 * ignored); 54000 for more than SIM_LIMIT_VALUES elements.
 */
Datum
sim_finite(PG_FUNCTION_ARGS)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;

	SimRequireArrayLimit((AnyArrayType *) a, "v", "values");
	deconstruct_array(a, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, &n);
	for (i = 0; i < n; i++)
		if (!nulls[i] && !isfinite(DatumGetFloat8(elems[i])))
			PG_RETURN_BOOL(false);
	PG_RETURN_BOOL(true);
}
