/*
 * api_ships.c -- SQL commands for ships: sim.navigate, sim.undock, and the
 * route planner sim.route.  Commands are checked now, queued in
 * sim.command and journalled in sim.journal (sql/replay.sql); the next tick
 * applies them (checking again).  The fixed
 * statements here are prepared once per backend (prepared()).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "sim/bounds.h"
#include "sim/navigation.h"
#include "sim/sim.h"

PG_FUNCTION_INFO_V1(sim_navigate);
PG_FUNCTION_INFO_V1(sim_undock);
PG_FUNCTION_INFO_V1(sim_route_xyz);

/*
 * The plan of a fixed statement, prepared on first use in this backend and
 * kept in *slot (the plan cache revalidates it when the tables change).
 */
static SPIPlanPtr
prepared(SPIPlanPtr *slot, const char *sql, int nargs, Oid *types)
{
	if (*slot == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(sql, nargs, types);

		if (plan == NULL)
			elog(ERROR, "could not prepare \"%s\": %s", sql, SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "could not keep the plan of \"%s\"", sql);
		*slot = plan;
	}
	return *slot;
}

/* Current tick; ERROR when there is no universe. */
static int64
current_tick(void)
{
	static SPIPlanPtr plan = NULL;
	bool		isnull;

	if (SPI_execute_plan(prepared(&plan, "SELECT tick FROM sim.world", 0, NULL), NULL, NULL, false, 1)
		!= SPI_OK_SELECT)
		elog(ERROR, "could not read sim.world");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("there is no universe"),
				 errhint("Create one with sim.generate_universe().")));
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/* ERROR when the ship already has a command waiting for the next tick. */
static void
check_no_pending(int64 ship)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[1] = {INT8OID};
	Datum		vals[1] = {Int64GetDatum(ship)};
	bool		isnull;

	if (SPI_execute_plan(prepared(&plan, "SELECT id FROM sim.command WHERE ship_id = $1 AND status = 'pending' "
								  "ORDER BY id LIMIT 1", 1, types),
						 vals, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read commands");
	if (SPI_processed > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("ship %lld already has a pending command", (long long) ship),
				 errdetail("Command %lld waits for the next tick.",
						   (long long) DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
																   SPI_tuptable->tupdesc, 1, &isnull))),
				 errhint("Wait for the next tick, then issue the new command.")));
}

/*
 * Queue a command: the INSERT ... RETURNING id that plan runs, which inserts
 * nothing when the ship has a pending command (sim.command_queued).  A command
 * another session queued for the ship since check_no_pending looked wins:
 * under READ COMMITTED this reports it like check_no_pending; under
 * REPEATABLE READ and SERIALIZABLE the INSERT itself fails with 40001.
 */
static int64
queue_command(int64 ship, SPIPlanPtr plan, Datum *vals, const char *nulls)
{
	bool		isnull;

	if (SPI_execute_plan(plan, vals, nulls, false, 1) != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "could not queue command");
	if (SPI_processed == 0)
	{
		check_no_pending(ship);
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("ship %lld already has a pending command", (long long) ship),
				 errhint("Wait for the next tick, then issue the new command.")));
	}
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * Record a command that succeeded in sim.journal (sql/replay.sql): the
 * journal line of sim.navigate and sim.undock, with the ship and, for a
 * flight, the destination and mode as the caller gave them.
 */
static void
journal(SPIPlanPtr *slot, const char *sql, int nargs, int64 ship, const char *dest, const char *mode)
{
	Oid			types[3] = {INT8OID, TEXTOID, TEXTOID};
	Datum		vals[3];

	vals[0] = Int64GetDatum(ship);
	if (nargs > 1)
	{
		vals[1] = CStringGetTextDatum(dest);
		vals[2] = CStringGetTextDatum(mode);
	}
	if (SPI_execute_plan(prepared(slot, sql, nargs, types), vals, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not journal a command");
}

static void
require_arg(FunctionCallInfo fcinfo, int n, const char *name)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
}

/*
 * sim.navigate(ship, destination, mode): check and queue a flight.  Returns
 * the command id and the plan as it will be if the next tick applies it.
 */
Datum
sim_navigate(PG_FUNCTION_ARGS)
{
	static SPIPlanPtr queue_navigate = NULL;
	static SPIPlanPtr journal_navigate = NULL;
	int64		ship;
	char	   *dest_text;
	char	   *mode_text;
	SimDestination dest;
	SimMode		mode;
	SimNavError err;
	SimJourney	j;
	int64		tick;
	TupleDesc	tupdesc;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};
	Oid			types[8] = {INT8OID, TEXTOID, INT8OID, FLOAT8OID, FLOAT8OID, FLOAT8OID, TEXTOID, INT8OID};
	Datum		vals[8];
	char		vnulls[8] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
	int64		command_id;

	require_arg(fcinfo, 0, "ship");
	require_arg(fcinfo, 1, "destination");
	require_arg(fcinfo, 2, "mode");
	ship = PG_GETARG_INT64(0);
	dest_text = SimWordArg(fcinfo, 1, "destination", SIM_DESTINATION_HINT);
	mode_text = SimWordArg(fcinfo, 2, "mode", SIM_MODE_HINT);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	if (!SimParseMode(mode_text, &mode, &err) || !SimParseDestination(dest_text, &dest, &err))
		SimNavRaise(&err);

	SPI_connect();
	tick = current_tick();
	if (!SimPlanShipJourney(ship, &dest, mode, SimCommandingFaction(), tick + 1, &j, &err))
		SimNavRaise(&err);
	check_no_pending(ship);

	vals[0] = Int64GetDatum(ship);
	vals[1] = CStringGetTextDatum(dest.kind);
	vals[2] = Int64GetDatum(dest.id);
	vals[3] = Float8GetDatum(dest.point[0]);
	vals[4] = Float8GetDatum(dest.point[1]);
	vals[5] = Float8GetDatum(dest.point[2]);
	vals[6] = CStringGetTextDatum(mode_text);
	vals[7] = Int64GetDatum(tick);
	if (strcmp(dest.kind, "point") == 0)
		vnulls[2] = 'n';
	else
		vnulls[3] = vnulls[4] = vnulls[5] = 'n';
	command_id = queue_command(ship,
							   prepared(&queue_navigate,
										"INSERT INTO sim.command (ship_id, kind, dest_kind, dest_id, dest_x, dest_y, "
										"dest_z, mode, issued_tick) VALUES ($1, 'navigate', $2, $3, $4, $5, $6, $7, $8) "
										"RETURNING id",
										8, types),
							   vals, vnulls);
	journal(&journal_navigate, "SELECT sim.journal_write('navigate', jsonb_build_object('ship', $1::bigint, "
			"'destination', $2::text, 'mode', $3::text))",
			3, ship, dest_text, mode_text);
	SPI_finish();

	values[0] = Int64GetDatum(command_id);
	values[1] = Int64GetDatum(j.start_tick);
	values[2] = Int64GetDatum(j.arrival_tick);
	values[3] = Float8GetDatum(j.fuel);
	values[4] = Int32GetDatum(j.nlegs);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* sim.undock(ship): check and queue undocking; returns the command id. */
Datum
sim_undock(PG_FUNCTION_ARGS)
{
	static SPIPlanPtr queue_undock = NULL;
	static SPIPlanPtr journal_undock = NULL;
	int64		ship;
	SimNavError err;
	Oid			types[2] = {INT8OID, INT8OID};
	Datum		vals[2];
	int64		command_id;

	require_arg(fcinfo, 0, "ship");
	ship = PG_GETARG_INT64(0);
	SPI_connect();
	vals[1] = Int64GetDatum(current_tick());
	if (!SimCheckUndock(ship, SimCommandingFaction(), &err))
		SimNavRaise(&err);
	check_no_pending(ship);
	vals[0] = Int64GetDatum(ship);
	command_id = queue_command(ship,
							   prepared(&queue_undock,
										"INSERT INTO sim.command (ship_id, kind, issued_tick) VALUES ($1, 'undock', $2) "
										"RETURNING id",
										2, types),
							   vals, NULL);
	journal(&journal_undock, "SELECT sim.journal_write('undock', jsonb_build_object('ship', $1::bigint))",
			1, ship, NULL, NULL);
	SPI_finish();
	PG_RETURN_INT64(command_id);
}

/* Centre of a sector; ERROR if it does not exist. */
static void
sector_center(int32 sector, double c[3])
{
	Oid			types[1] = {INT4OID};
	Datum		vals[1] = {Int32GetDatum(sector)};
	bool		isnull;
	int			i;

	if (SPI_execute_with_args("SELECT ST_X(center), ST_Y(center), ST_Z(center) FROM sim.sector WHERE id = $1",
							  1, types, vals, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read sector");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("sector %d does not exist", sector)));
	for (i = 0; i < 3; i++)
		c[i] = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1, &isnull));
}

/*
 * sim.route_xyz(from_sector, to_sector, mode, ship_class): the journey
 * between two sector centres for a hull, one row per leg.
 */
Datum
sim_route_xyz(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int32		from_sector;
	int32		to_sector;
	SimMode		mode;
	SimNavError err;
	SimHull		hull;
	double		a[3];
	double		b[3];
	SimJourney	j;
	int			i;
	bool		isnull;
	MemoryContext oldcxt;
	MemoryContext spicxt;

	require_arg(fcinfo, 0, "from_sector");
	require_arg(fcinfo, 1, "to_sector");
	require_arg(fcinfo, 2, "mode");
	from_sector = PG_GETARG_INT32(0);
	to_sector = PG_GETARG_INT32(1);
	if (!SimParseMode(SimWordArg(fcinfo, 2, "mode", SIM_MODE_HINT), &mode, &err))
		SimNavRaise(&err);

	InitMaterializedSRF(fcinfo, 0);
	oldcxt = CurrentMemoryContext;
	SPI_connect();
	spicxt = CurrentMemoryContext;
	{
		Oid			types[1] = {INT4OID};
		Datum		vals[1] = {Int32GetDatum(PG_ARGISNULL(3) ? 0 : PG_GETARG_INT32(3))};
		char		nulls[1] = {PG_ARGISNULL(3) ? 'n' : ' '};

		if (SPI_execute_with_args("SELECT max_speed, max_accel, fuel_per_dv FROM sim.ship_class "
								  "WHERE id = coalesce($1, (SELECT min(id) FROM sim.ship_class))",
								  1, types, vals, nulls, false, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not read ship class");
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("ship class %s does not exist",
							PG_ARGISNULL(3) ? "(any)" : psprintf("%d", PG_GETARG_INT32(3)))));
		hull.max_speed = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		hull.max_accel = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
		hull.fuel_per_dv = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
	}
	sector_center(from_sector, a);
	sector_center(to_sector, b);
	if (!SimPlanJourney(&hull, mode, from_sector, a, to_sector, b, 0, &j, &err))
		SimNavRaise(&err);

	MemoryContextSwitchTo(oldcxt);
	for (i = 0; i < j.nlegs; i++)
	{
		SimJourneyLeg *l = &j.legs[i];
		Datum		values[12];
		bool		nulls[12];
		double		end[3];
		double		vel[3];
		SimLeg		one = l->leg;
		double		fuel;

		memset(nulls, false, sizeof(nulls));
		SimLegEval(&one, (double) l->arrival_tick, end, vel);
		fuel = 2.0 * one.accel * one.t_burn * hull.fuel_per_dv;
		values[0] = Int32GetDatum(i + 1);
		values[1] = Int32GetDatum(l->sector_id);
		values[2] = Int32GetDatum(l->gate_id);
		nulls[2] = (l->gate_id == 0);
		values[3] = Float8GetDatum(one.ox);
		values[4] = Float8GetDatum(one.oy);
		values[5] = Float8GetDatum(one.oz);
		values[6] = Float8GetDatum(end[0]);
		values[7] = Float8GetDatum(end[1]);
		values[8] = Float8GetDatum(end[2]);
		values[9] = Float8GetDatum((double) l->arrival_tick - one.start_tick);
		values[10] = Float8GetDatum(fuel);
		values[11] = Float8GetDatum((double) l->arrival_tick);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextSwitchTo(spicxt);
	SPI_finish();
	return (Datum) 0;
}
