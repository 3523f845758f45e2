/*
 * api_market.c -- SQL-callable market functions.
 *
 * sim.market_quote exposes the price curve of src/core/market.c, so that
 * SQL (the sim.market view, the economic commands) and the tick price goods
 * with the very same code.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"

#include "sim/core/market.h"

PG_FUNCTION_INFO_V1(sim_market_quote);

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
