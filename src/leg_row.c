/*
 * leg_row.c -- a flight-plan leg as columns of a row: SimLeg <-> the leg
 * columns of sim.ship and sim.flight_leg, made from SIM_LEG_FIELDS.
 *
 * SimLeg holds every field as a double; a column of SQL type int8 (the
 * start tick) is converted on the way in and out.  Stateless.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"

#include "sim/leg_row.h"

/* Per SQL type of a field: its OID, its Datum -> double and double -> Datum. */
#define LEG_OID_float8 FLOAT8OID
#define LEG_OID_int8 INT8OID
#define LEG_GET_float8(d) DatumGetFloat8(d)
#define LEG_GET_int8(d) ((double) DatumGetInt64(d))
#define LEG_PUT_float8(v) Float8GetDatum(v)
#define LEG_PUT_int8(v) Int64GetDatum((int64) (v))

#define LEG_NAME_(member, column, type) #column,
#define LEG_TYPE_(member, column, type) LEG_OID_##type,

const char *const SimLegColumnNames[SIM_LEG_NFIELDS] = {SIM_LEG_FIELDS(LEG_NAME_)};
const Oid	SimLegTypes[SIM_LEG_NFIELDS] = {SIM_LEG_FIELDS(LEG_TYPE_)};

char *
SimLegSql(const char *tmpl, int first)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < SIM_LEG_NFIELDS; i++)
	{
		const char *p;

		if (i > 0)
			appendStringInfoString(&buf, ", ");
		for (p = tmpl; *p; p++)
		{
			if (strncmp(p, "{c}", 3) == 0)
			{
				appendStringInfoString(&buf, SimLegColumnNames[i]);
				p += 2;
			}
			else if (strncmp(p, "{n}", 3) == 0)
			{
				appendStringInfo(&buf, "%d", first + i);
				p += 2;
			}
			else
				appendStringInfoChar(&buf, *p);
		}
	}
	return buf.data;
}

void
SimLegFromTuple(HeapTuple tup, TupleDesc td, int first, SimLeg *leg)
{
	Datum		d;
	bool		isnull;

	if (first < 1 || first - 1 + SIM_LEG_NFIELDS > td->natts)
		elog(ERROR, "a row of %d columns has no leg from column %d", td->natts, first);
#define LEG_READ_(member, column, type) \
	if (TupleDescAttr(td, first - 1 + SIM_LEG_##member)->atttypid != LEG_OID_##type) \
		elog(ERROR, "column %d is not the leg's %s", first + SIM_LEG_##member, #column); \
	d = heap_getattr(tup, first + SIM_LEG_##member, td, &isnull); \
	if (isnull) \
		elog(ERROR, "the leg's %s is null", #column); \
	leg->member = LEG_GET_##type(d);
	SIM_LEG_FIELDS(LEG_READ_)
#undef LEG_READ_
}

void
SimLegToParams(const SimLeg *leg, Oid *types, Datum *vals)
{
#define LEG_WRITE_(member, column, type) \
	vals[SIM_LEG_##member] = LEG_PUT_##type(leg->member); \
	if (types) \
		types[SIM_LEG_##member] = LEG_OID_##type;
	SIM_LEG_FIELDS(LEG_WRITE_)
#undef LEG_WRITE_
}

void
SimLegFromArgs(FunctionCallInfo fcinfo, int first, SimLeg *leg)
{
#define LEG_ARG_(member, column, type) \
	leg->member = LEG_GET_##type(PG_GETARG_DATUM(first + SIM_LEG_##member));
	SIM_LEG_FIELDS(LEG_ARG_)
#undef LEG_ARG_
}
