/*
 * navigation.c -- ships' journeys: parsing commands, checking the ship and
 * its destination, and storing the planned legs (journey.c plans them).
 *
 * Validation and planning read the tables only; the same code runs when
 * sim.navigate() checks a command and when the tick applies it, so both
 * agree.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "sim/bounds.h"
#include "sim/leg_row.h"
#include "sim/navigation.h"

void
SimNavErrorSet(SimNavError *err, int code, char *message, char *detail, char *hint)
{
	err->sqlerrcode = code;
	err->message = message;
	err->detail = detail;
	err->hint = hint;
}

void
SimNavRaise(const SimNavError *err)
{
	ereport(ERROR,
			(errcode(err->sqlerrcode),
			 errmsg_internal("%s", err->message),
			 err->detail ? errdetail_internal("%s", err->detail) : 0,
			 err->hint ? errhint("%s", err->hint) : 0));
	pg_unreachable();
}

bool
SimParseMode(const char *s, SimMode *mode, SimNavError *err)
{
	if (strcmp(s, "drift") == 0)
		*mode = SIM_MODE_DRIFT;
	else if (strcmp(s, "cruise") == 0)
		*mode = SIM_MODE_CRUISE;
	else if (strcmp(s, "burn") == 0)
		*mode = SIM_MODE_BURN;
	else
	{
		SimNavErrorSet(err, ERRCODE_INVALID_PARAMETER_VALUE,
				  psprintf("unknown flight mode \"%s\"", SimEcho(s)), NULL,
				  pstrdup(SIM_MODE_HINT));
		return false;
	}
	return true;
}

bool
SimParseDestination(const char *s, SimDestination *dest, SimNavError *err)
{
	char	   *end;

	memset(dest, 0, sizeof(*dest));
	if (strncmp(s, "station:", 8) == 0 || strncmp(s, "body:", 5) == 0)
	{
		const char *num = strchr(s, ':') + 1;

		dest->kind = (s[0] == 's') ? "station" : "body";
		errno = 0;
		dest->id = strtoll(num, &end, 10);
		if (errno == 0 && end != num && *end == '\0')
			return true;
	}
	else if (strncmp(s, "point:", 6) == 0)
	{
		const char *p = s + 6;
		int			i;

		dest->kind = "point";
		for (i = 0; i < 3; i++)
		{
			errno = 0;
			dest->point[i] = strtod(p, &end);
			if (errno != 0 || end == p || !isfinite(dest->point[i]))
				break;
			p = end;
			if (i < 2)
			{
				if (*p != ',')
					break;
				p++;
			}
		}
		if (i == 3 && *p == '\0')
			return true;
	}
	SimNavErrorSet(err, ERRCODE_INVALID_TEXT_REPRESENTATION,
			  psprintf("invalid destination \"%s\"", SimEcho(s)), NULL,
			  pstrdup(SIM_DESTINATION_HINT));
	return false;
}

/* Sector containing point p, or -1. */
static int32
sector_of_point(const double p[3])
{
	Oid			types[3] = {FLOAT8OID, FLOAT8OID, FLOAT8OID};
	Datum		vals[3] = {Float8GetDatum(p[0]), Float8GetDatum(p[1]), Float8GetDatum(p[2])};
	bool		isnull;

	if (SPI_execute_with_args("SELECT id FROM sim.sector "
							  "WHERE abs($1 - ST_X(center)) <= half_size "
							  "AND abs($2 - ST_Y(center)) <= half_size "
							  "AND abs($3 - ST_Z(center)) <= half_size ORDER BY id LIMIT 1",
							  3, types, vals, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not look up sector");
	if (SPI_processed == 0)
		return -1;
	return DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

int32
SimCommandingFaction(void)
{
	bool		isnull;
	Datum		d;

	if (SPI_execute("SELECT sim.commanding_faction()", false, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not identify the caller");
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? SIM_ANY_FACTION : DatumGetInt32(d);
}

typedef struct ShipRow
{
	int32		faction_id;
	int32		sector_id;
	char		state[16];
	int64		arrival_tick;
	double		fuel;
	double		pos[3];
	SimHull		hull;
} ShipRow;

/* Read the ship and check that a caller commanding faction may command it. */
static bool
read_ship(int64 ship_id, int32 faction, ShipRow *s, SimNavError *err)
{
	Oid			types[1] = {INT8OID};
	Datum		vals[1] = {Int64GetDatum(ship_id)};
	HeapTuple	tup;
	TupleDesc	td;
	bool		isnull;
	Datum		d;

	if (SPI_execute_with_args("SELECT s.faction_id, s.sector_id, s.state, s.arrival_tick, s.fuel, "
							  "s.x, s.y, s.z, c.max_speed, c.max_accel, c.fuel_per_dv "
							  "FROM sim.ship s JOIN sim.ship_class c ON c.id = s.class_id "
							  "WHERE s.id = $1",
							  1, types, vals, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read ship");
	/* a player learns nothing of ships that are not its own (sim.raise_not_yours) */
	if (faction != SIM_ANY_FACTION &&
		(SPI_processed == 0 ||
		 DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)) != faction))
	{
		SimNavErrorSet(err, ERRCODE_INSUFFICIENT_PRIVILEGE,
					   psprintf("ship %lld is not one of yours", (long long) ship_id), NULL,
					   pstrdup("api.my_ships lists yours."));
		return false;
	}
	if (SPI_processed == 0)
	{
		SimNavErrorSet(err, ERRCODE_UNDEFINED_OBJECT,
				  psprintf("ship %lld does not exist", (long long) ship_id), NULL, NULL);
		return false;
	}
	tup = SPI_tuptable->vals[0];
	td = SPI_tuptable->tupdesc;
	s->faction_id = DatumGetInt32(SPI_getbinval(tup, td, 1, &isnull));
	s->sector_id = DatumGetInt32(SPI_getbinval(tup, td, 2, &isnull));
	strlcpy(s->state, TextDatumGetCString(SPI_getbinval(tup, td, 3, &isnull)), sizeof(s->state));
	d = SPI_getbinval(tup, td, 4, &isnull);
	s->arrival_tick = isnull ? -1 : DatumGetInt64(d);
	s->fuel = DatumGetFloat8(SPI_getbinval(tup, td, 5, &isnull));
	s->pos[0] = DatumGetFloat8(SPI_getbinval(tup, td, 6, &isnull));
	s->pos[1] = DatumGetFloat8(SPI_getbinval(tup, td, 7, &isnull));
	s->pos[2] = DatumGetFloat8(SPI_getbinval(tup, td, 8, &isnull));
	s->hull.max_speed = DatumGetFloat8(SPI_getbinval(tup, td, 9, &isnull));
	s->hull.max_accel = DatumGetFloat8(SPI_getbinval(tup, td, 10, &isnull));
	s->hull.fuel_per_dv = DatumGetFloat8(SPI_getbinval(tup, td, 11, &isnull));

	return true;
}

/* Resolve dest into a point and sector; body destinations stop short of the surface. */
static bool
resolve_destination(const SimDestination *dest, const double from[3],
					double to[3], int32 *sector, SimNavError *err)
{
	Oid			types[1] = {INT8OID};
	Datum		vals[1] = {Int64GetDatum(dest->id)};
	bool		isnull;
	HeapTuple	tup;
	TupleDesc	td;

	if (strcmp(dest->kind, "point") == 0)
	{
		memcpy(to, dest->point, sizeof(double) * 3);
		*sector = sector_of_point(to);
		if (*sector < 0)
		{
			SimNavErrorSet(err, ERRCODE_INVALID_PARAMETER_VALUE,
					  psprintf("point (%g, %g, %g) lies outside every sector", to[0], to[1], to[2]),
					  pstrdup("Ships fly only inside sectors; see sim.sector for their cubes."), NULL);
			return false;
		}
		return true;
	}
	if (SPI_execute_with_args(strcmp(dest->kind, "station") == 0
							  ? "SELECT sector_id, ST_X(pos), ST_Y(pos), ST_Z(pos), 0.0::float8 FROM sim.station WHERE id = $1"
							  : "SELECT sector_id, ST_X(pos), ST_Y(pos), ST_Z(pos), radius FROM sim.body WHERE id = $1",
							  1, types, vals, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read destination");
	if (SPI_processed == 0)
	{
		SimNavErrorSet(err, ERRCODE_INVALID_PARAMETER_VALUE,
				  psprintf("destination %s %lld does not exist", dest->kind, (long long) dest->id),
				  NULL, NULL);
		return false;
	}
	tup = SPI_tuptable->vals[0];
	td = SPI_tuptable->tupdesc;
	*sector = DatumGetInt32(SPI_getbinval(tup, td, 1, &isnull));
	to[0] = DatumGetFloat8(SPI_getbinval(tup, td, 2, &isnull));
	to[1] = DatumGetFloat8(SPI_getbinval(tup, td, 3, &isnull));
	to[2] = DatumGetFloat8(SPI_getbinval(tup, td, 4, &isnull));
	if (strcmp(dest->kind, "body") == 0)
	{
		double		center[3] = {to[0], to[1], to[2]};

		SimBodyApproach(from, center, DatumGetFloat8(SPI_getbinval(tup, td, 5, &isnull)), to);
	}
	return true;
}

bool
SimPlanShipJourney(int64 ship_id, const SimDestination *dest, SimMode mode,
				   int32 faction, int64 start_tick, SimJourney *j,
				   SimNavError *err)
{
	ShipRow		s;
	double		to[3];
	int32		to_sector;

	if (!read_ship(ship_id, faction, &s, err))
		return false;
	if (strcmp(s.state, "docked") == 0)
	{
		SimNavErrorSet(err, ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
				  psprintf("ship %lld is docked", (long long) ship_id), NULL,
				  psprintf("Undock it first: undock(%lld).", (long long) ship_id));
		return false;
	}
	if (strcmp(s.state, "idle") != 0 && strcmp(s.state, "orbiting") != 0 && strcmp(s.state, "flying") != 0)
	{
		SimNavErrorSet(err, ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
				  psprintf("ship %lld is %s", (long long) ship_id, s.state),
				  NULL,
				  pstrdup("A ship navigates from rest in space: idle or orbiting a body."));
		return false;
	}
	if (strcmp(s.state, "flying") == 0)
	{
		SimNavErrorSet(err, ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
				  psprintf("ship %lld is in flight", (long long) ship_id),
				  psprintf("It arrives at tick %lld.", (long long) s.arrival_tick),
				  pstrdup("Give the new destination once it has arrived."));
		return false;
	}
	if (!resolve_destination(dest, s.pos, to, &to_sector, err))
		return false;
	if (!SimPlanJourney(&s.hull, mode, s.sector_id, s.pos, to_sector, to, start_tick, j, err))
		return false;
	j->dest_kind = dest->kind;
	j->dest_id = dest->id;
	if (j->fuel > s.fuel)
	{
		SimNavErrorSet(err, ERRCODE_SIM_INSUFFICIENT_FUEL,
				  psprintf("ship %lld has %.1f fuel, the journey needs %.1f",
						   (long long) ship_id, s.fuel, j->fuel),
				  NULL,
				  pstrdup("Choose a slower mode (drift uses least fuel), a nearer destination, or refuel."));
		return false;
	}
	return true;
}

bool
SimCheckUndock(int64 ship_id, int32 faction, SimNavError *err)
{
	ShipRow		s;

	if (!read_ship(ship_id, faction, &s, err))
		return false;
	if (strcmp(s.state, "docked") != 0)
	{
		SimNavErrorSet(err, ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
				  psprintf("ship %lld is not docked", (long long) ship_id), NULL, NULL);
		return false;
	}
	return true;
}

/*
 * The parameters every leg is written with: $1 the ship, $2 the arrival
 * tick, $3 ... $5 as the statement needs, then the leg's columns from $6.
 */
#define LEG_ARG0 5

static void
leg_args(int64 ship_id, const SimJourneyLeg *l, Oid *types, Datum *vals)
{
	types[0] = INT8OID;
	vals[0] = Int64GetDatum(ship_id);
	types[1] = INT8OID;
	vals[1] = Int64GetDatum(l->arrival_tick);
	SimLegToParams(&l->leg, types + LEG_ARG0, vals + LEG_ARG0);
}

void
SimJourneyStore(int64 ship_id, const SimJourney *j)
{
	Oid			types[LEG_ARG0 + SIM_LEG_NFIELDS];
	Datum		vals[LEG_ARG0 + SIM_LEG_NFIELDS];
	char		nulls[LEG_ARG0 + SIM_LEG_NFIELDS];
	static const char *store_ship = NULL;	/* made once per backend */
	static const char *store_leg = NULL;
	int			i;

	if (store_ship == NULL)
	{
		store_ship = MemoryContextStrdup(TopMemoryContext,
										 psprintf("UPDATE sim.ship SET state = 'flying', docked_at = NULL, "
												  "body_id = NULL, wake_tick = NULL, arrival_tick = $2, "
												  "dest_kind = $3, dest_id = $4, fuel = fuel - $5, leg_seq = 0, "
												  "%s WHERE id = $1",
												  SimLegSql("{c} = ${n}", LEG_ARG0 + 1)));
		store_leg = MemoryContextStrdup(TopMemoryContext,
										psprintf("INSERT INTO sim.flight_leg (ship_id, arrival_tick, seq, "
												 "sector_id, gate_id, %s) VALUES ($1, $2, $3, $4, $5, %s)",
												 SimLegSql("{c}", 0), SimLegSql("${n}", LEG_ARG0 + 1)));
	}

	/* the first leg goes into the ship's row, with the destination and the fuel paid */
	memset(nulls, ' ', sizeof(nulls));
	leg_args(ship_id, &j->legs[0], types, vals);
	types[2] = TEXTOID;
	vals[2] = CStringGetTextDatum(j->dest_kind);
	types[3] = INT8OID;
	vals[3] = Int64GetDatum(j->dest_id);
	if (strcmp(j->dest_kind, "point") == 0)
		nulls[3] = 'n';
	types[4] = FLOAT8OID;
	vals[4] = Float8GetDatum(j->fuel);
	if (SPI_execute_with_args("DELETE FROM sim.flight_leg WHERE ship_id = $1",
							  1, types, vals, NULL, false, 0) != SPI_OK_DELETE ||
		SPI_execute_with_args(store_ship, LEG_ARG0 + SIM_LEG_NFIELDS, types, vals, nulls, false, 0)
		!= SPI_OK_UPDATE)
		elog(ERROR, "could not store flight plan");

	/* later legs wait in sim.flight_leg */
	for (i = 1; i < j->nlegs; i++)
	{
		const SimJourneyLeg *l = &j->legs[i];

		memset(nulls, ' ', sizeof(nulls));
		leg_args(ship_id, l, types, vals);
		types[2] = INT4OID;
		vals[2] = Int32GetDatum(i);
		types[3] = INT4OID;
		vals[3] = Int32GetDatum(l->sector_id);
		types[4] = INT4OID;
		vals[4] = Int32GetDatum(l->gate_id);
		if (l->gate_id == 0)
			nulls[4] = 'n';
		if (SPI_execute_with_args(store_leg, LEG_ARG0 + SIM_LEG_NFIELDS, types, vals, nulls, false, 0)
			!= SPI_OK_INSERT)
			elog(ERROR, "could not store flight leg");
	}
}
