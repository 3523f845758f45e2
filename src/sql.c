/*
 * sql.c -- SPI helpers: column getters, array parameter columns and
 * statements prepared once per backend (include/sim/sql.h).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "sim/sql.h"

static Datum
get_datum(uint64 row, int col, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, isnull);
}

int64
SimGetInt64(uint64 row, int col, int64 if_null)
{
	bool		isnull;
	Datum		d = get_datum(row, col, &isnull);

	if (isnull)
		return if_null;
	switch (SPI_gettypeid(SPI_tuptable->tupdesc, col))
	{
		case INT4OID:
			return DatumGetInt32(d);
		case INT2OID:
			return DatumGetInt16(d);
		default:
			return DatumGetInt64(d);
	}
}

double
SimGetFloat8(uint64 row, int col, double if_null)
{
	bool		isnull;
	Datum		d = get_datum(row, col, &isnull);

	return isnull ? if_null : DatumGetFloat8(d);
}

bool
SimGetBool(uint64 row, int col)
{
	bool		isnull;
	Datum		d = get_datum(row, col, &isnull);

	return !isnull && DatumGetBool(d);
}

char *
SimGetText(uint64 row, int col)
{
	bool		isnull;
	Datum		d = get_datum(row, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

void
SimColInit(SimCol *c, Oid type)
{
	c->type = type;
	c->n = 0;
	c->cap = 64;
	c->d = palloc(c->cap * sizeof(Datum));
	c->nulls = palloc(c->cap * sizeof(bool));
}

void
SimColPush(SimCol *c, Datum d, bool isnull)
{
	if (c->n == c->cap)
	{
		c->cap *= 2;
		c->d = repalloc_huge(c->d, c->cap * sizeof(Datum));
		c->nulls = repalloc_huge(c->nulls, c->cap * sizeof(bool));
	}
	c->d[c->n] = d;
	c->nulls[c->n] = isnull;
	c->n++;
}

void
SimColI64(SimCol *c, int64 v, bool isnull)
{
	SimColPush(c, Int64GetDatum(v), isnull);
}

void
SimColI32(SimCol *c, int32 v, bool isnull)
{
	SimColPush(c, Int32GetDatum(v), isnull);
}

void
SimColF8(SimCol *c, double v)
{
	SimColPush(c, Float8GetDatum(v), false);
}

void
SimColText(SimCol *c, const char *v)
{
	SimColPush(c, v ? CStringGetTextDatum(v) : (Datum) 0, v == NULL);
}

Datum
SimColArray(SimCol *c)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			dims[1] = {c->n};
	int			lbs[1] = {1};

	get_typlenbyvalalign(c->type, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_md_array(c->d, c->nulls, 1, dims, lbs, c->type,
											  typlen, typbyval, typalign));
}

void
SimStmtText(SimStmt *st, const char *sql)
{
	if (st->sql == NULL)
		st->sql = MemoryContextStrdup(TopMemoryContext, sql);
}

static void
prepare(SimStmt *st)
{
	SPIPlanPtr	plan;

	if (st->plan != NULL)
		return;
	if (st->sql == NULL)
		elog(ERROR, "statement without text");
	plan = SPI_prepare_cursor(st->sql, st->nargs, st->types,
							  st->custom_plan ? CURSOR_OPT_CUSTOM_PLAN : 0);
	if (plan == NULL)
		elog(ERROR, "could not prepare: %s (%s)", st->sql, SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "could not keep the plan of: %s", st->sql);
	st->plan = plan;
}

void
SimStmtRun(SimStmt *st, Datum *vals, const char *nulls, int expect)
{
	int			rc;

	prepare(st);
	rc = SPI_execute_plan(st->plan, vals, nulls, false, 0);
	if (rc != expect)
		elog(ERROR, "could not run: %s (%s)", st->sql, SPI_result_code_string(rc));
}

void
SimStmtRunCols(SimStmt *st, SimCol *cols, int ncols, int expect)
{
	Datum		vals[SIM_STMT_MAX_ARGS];
	int			i;

	if (ncols > SIM_STMT_MAX_ARGS || ncols != st->nargs)
		elog(ERROR, "statement takes %d columns, not %d", st->nargs, ncols);
	if (cols[0].n == 0)
		return;
	/* the statement is prepared with the arrays' types */
	if (st->plan == NULL)
		for (i = 0; i < ncols; i++)
			st->types[i] = get_array_type(cols[i].type);
	for (i = 0; i < ncols; i++)
		vals[i] = SimColArray(&cols[i]);
	SimStmtRun(st, vals, NULL, expect);
}
