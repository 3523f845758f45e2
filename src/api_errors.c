/*
 * api_errors.c -- sim.error_codes(): sim's own SQLSTATEs, read from the
 * registry in include/sim/core/errcodes.h, so that SQL (the view
 * sim.error_code) and C share one list.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/tuplestore.h"

#include "sim/errcodes.h"

PG_FUNCTION_INFO_V1(sim_error_codes);

typedef struct ErrCode
{
	char		sqlstate[6];
	const char *name;
	const char *meaning;
} ErrCode;

#define SIM_ERRCODE_ROW(c1, c2, c3, c4, c5, name, meaning) \
	{{c1, c2, c3, c4, c5, '\0'}, #name, meaning},

static const ErrCode codes[] = {
	SIM_ERRCODES(SIM_ERRCODE_ROW)
};

/* sim.error_codes() -> (sqlstate, name, meaning), one row per code */
Datum
sim_error_codes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < (int) lengthof(codes); i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = CStringGetTextDatum(codes[i].sqlstate);
		values[1] = CStringGetTextDatum(asc_tolower(codes[i].name, strlen(codes[i].name)));
		values[2] = CStringGetTextDatum(codes[i].meaning);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
