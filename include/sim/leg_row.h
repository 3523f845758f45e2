/*
 * leg_row.h -- a flight-plan leg as columns of a row (src/leg_row.c).
 *
 * The one mapping between SimLeg and the columns x ... leg_start_tick of
 * sim.ship and sim.flight_leg (and the arguments of sim.leg_state), made
 * from SIM_LEG_FIELDS (include/sim/core/kinematics.h).  Every statement that
 * reads or writes a leg takes its column list, values and parameters from
 * here: no caller numbers leg columns or lists their names by hand.
 */
#ifndef SIM_LEG_ROW_H
#define SIM_LEG_ROW_H

#include "postgres.h"

#include "access/htup.h"
#include "access/tupdesc.h"
#include "fmgr.h"

#include "sim/core/kinematics.h"

/* The column of each field, and its SQL type, in SIM_LEG_FIELDS order. */
extern const char *const SimLegColumnNames[SIM_LEG_NFIELDS];
extern const Oid SimLegTypes[SIM_LEG_NFIELDS];

/*
 * The leg's columns as SQL text: tmpl once per field, joined by ", ", with
 * {c} replaced by the column's name and {n} by its number, first + i.
 * SimLegSql("s.{c}", 0) is "s.x, s.y, ...", SimLegSql("{c} = ${n}", 2) is
 * "x = $2, y = $3, ...".  Palloc'd in the current memory context.
 */
extern char *SimLegSql(const char *tmpl, int first);

/* Read a leg from the SIM_LEG_NFIELDS columns of tup from column first (1-based). */
extern void SimLegFromTuple(HeapTuple tup, TupleDesc td, int first, SimLeg *leg);

/* The leg as SIM_LEG_NFIELDS values; their types into types when not NULL. */
extern void SimLegToParams(const SimLeg *leg, Oid *types, Datum *vals);

/* Read a leg from the arguments first ... of a SQL-callable function (0-based). */
extern void SimLegFromArgs(FunctionCallInfo fcinfo, int first, SimLeg *leg);

#endif							/* SIM_LEG_ROW_H */
