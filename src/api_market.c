/*
 * api_market.c -- SQL-callable market functions.
 *
 * sim.market_quote exposes the price curve of src/core/market.c, and
 * sim.levy the tax and fee rule of src/core/money.c, so that SQL (the
 * sim.market view, the economic commands) and the tick price goods and
 * charge taxes with the very same code.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"

#include "sim/bounds.h"
#include "sim/core/market.h"
#include "sim/core/money.h"
#include "sim/economy.h"

PG_FUNCTION_INFO_V1(sim_market_quote);
PG_FUNCTION_INFO_V1(sim_levy);

/* sim.market_quote(base, stock, target, spread) -> (bid, ask) */
Datum
sim_market_quote(PG_FUNCTION_ARGS)
{
	int64		base = PG_GETARG_INT64(0);
	int64		stock = PG_GETARG_INT64(1);
	int64		target = PG_GETARG_INT64(2);
	double		spread = PG_GETARG_FLOAT8(3);
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	int64		bid,
				ask;

	if (base <= 0 || target <= 0 || stock < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("base_price and target must be positive and stock not negative"),
				 errdetail("Got base_price " INT64_FORMAT ", stock " INT64_FORMAT ", target " INT64_FORMAT ".",
						   base, stock, target)));
	if (!(spread >= 0.0 && spread < 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("spread must be in [0, 1), not %g", spread)));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "sim.market_quote must return a record");
	tupdesc = BlessTupleDesc(tupdesc);
	SimMarketQuote(base, stock, target, spread, &bid, &ask);
	values[0] = Int64GetDatum(bid);
	values[1] = Int64GetDatum(ask);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * A rate as whole millionths (see money.h): rate * 10^6 must be a whole
 * number in [0, 10^6).  what names the rate in the error.
 */
int64
SimRatePpm(Numeric rate, const char *what)
{
	bool		bad = numeric_is_nan(rate) || numeric_is_inf(rate);
	int32		ppm = -1;

	if (!bad)
	{
		Numeric		scaled = numeric_mul_opt_error(rate, int64_to_numeric(SIM_RATE_SCALE), NULL);
		Datum		whole = DirectFunctionCall2(numeric_trunc, NumericGetDatum(scaled), Int32GetDatum(0));

		if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(scaled), whole)) != 0)
			bad = true;
		else
			ppm = numeric_int4_opt_error(scaled, &bad);
	}
	if (bad || !SimRateValid(ppm))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be in [0, 1) in steps of 0.000001, not %s", what,
						SimEcho(DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(rate))))),
				 errdetail("Taxes and fees are whole credits computed from whole millionths of a rate.")));
	return ppm;
}

/* sim.levy(value, rate) -> ceil(value * rate) in whole credits (money.h) */
Datum
sim_levy(PG_FUNCTION_ARGS)
{
	int64		value = PG_GETARG_INT64(0);
	int64		ppm = SimRatePpm(PG_GETARG_NUMERIC(1), "rate");

	if (value < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value must not be negative, not " INT64_FORMAT, value)));
	PG_RETURN_INT64(SimLevy(value, ppm));
}
