/*
 * flight.c -- flight plans as the tick carries them out: next legs started
 * and planned journeys stored, a few set-based statements per tick
 * (include/sim/flight.h).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"

#include "sim/flight.h"
#include "sim/leg_row.h"
#include "sim/sql.h"

static SimStmt st_next_select;
static SimStmt st_next_update = {.nargs = 2, .types = {INT8ARRAYOID, INT4ARRAYOID}};
static SimStmt st_next_delete = {.sql = "DELETE FROM sim.flight_leg f USING unnest($1, $2) AS u(s, q) "
	"WHERE f.ship_id = u.s AND f.seq = u.q", .nargs = 2, .types = {INT8ARRAYOID, INT4ARRAYOID}};

void
SimArriveNextLegs(SimWorld *w, const uint32 *slots, int n, int64 tick)
{
	SimCol		ids;
	SimCol		seqs;
	Datum		vals[2];
	uint64		i;
	int			k;

	if (n == 0)
		return;
	if (st_next_select.sql == NULL)
	{
		SimStmtText(&st_next_select,
					psprintf("SELECT f.ship_id, f.seq, f.arrival_tick, %s "
							 "FROM sim.flight_leg f JOIN sim.ship s ON s.id = f.ship_id "
							 "WHERE f.ship_id = ANY($1) AND f.seq = s.leg_seq + 1 ORDER BY f.ship_id",
							 SimLegSql("f.{c}", 0)));
		st_next_select.nargs = 1;
		st_next_select.types[0] = INT8ARRAYOID;
		SimStmtText(&st_next_update,
					psprintf("UPDATE sim.ship s SET sector_id = f.sector_id, %s, "
							 "arrival_tick = f.arrival_tick, leg_seq = f.seq "
							 "FROM unnest($1, $2) AS u(s, q) JOIN sim.flight_leg f ON f.ship_id = u.s AND f.seq = u.q "
							 "WHERE s.id = u.s",
							 SimLegSql("{c} = f.{c}", 0)));
	}
	SimColInit(&ids, INT8OID);
	for (k = 0; k < n; k++)
		SimColI64(&ids, w->id[slots[k]], false);
	vals[0] = SimColArray(&ids);
	SimStmtRun(&st_next_select, vals, NULL, SPI_OK_SELECT);
	if (SPI_processed != (uint64) n)
		elog(ERROR, "%d ships ended a leg but %d have a next flight leg", n, (int) SPI_processed);
	SimColInit(&ids, INT8OID);
	SimColInit(&seqs, INT4OID);
	for (i = 0; i < SPI_processed; i++)
	{
		int64		ship = SimGetInt64(i, 1, 0);
		int32		slot = SimWorldSlot(w, ship);
		SimLeg		leg;

		SimLegFromTuple(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 4, &leg);
		if (slot < 0)
			elog(ERROR, "ship " INT64_FORMAT " is missing from the shared-memory world", ship);
		SimWorldSetLeg(w, (uint32) slot, &leg, SimGetInt64(i, 3, 0));
		SimColI64(&ids, ship, false);
		SimColI32(&seqs, (int32) SimGetInt64(i, 2, 0), false);
	}
	vals[0] = SimColArray(&ids);
	vals[1] = SimColArray(&seqs);
	SimStmtRun(&st_next_update, vals, NULL, SPI_OK_UPDATE);
	SimStmtRun(&st_next_delete, vals, NULL, SPI_OK_DELETE);
}

/* The columns of the ship's row set before the first leg's. */
#define STORE_COLS 5

static SimStmt st_store_delete = {.sql = "DELETE FROM sim.flight_leg WHERE ship_id = ANY($1)", .nargs = 1};
static SimStmt st_store_ship;
static SimStmt st_store_legs;

void
SimStoreJourneys(const int64 *ship_ids, SimJourney *const *journeys, int n)
{
	SimCol		s[STORE_COLS + SIM_LEG_NFIELDS];
	SimCol		l[5 + SIM_LEG_NFIELDS];
	Datum		leg[SIM_LEG_NFIELDS];
	int			k,
				i,
				f;

	if (n == 0)
		return;
	if (st_store_ship.sql == NULL)
	{
		SimStmtText(&st_store_ship,
					psprintf("UPDATE sim.ship s SET state = 'flying', docked_at = NULL, body_id = NULL, "
							 "wake_tick = NULL, arrival_tick = u.arrival, dest_kind = u.dest_kind, "
							 "dest_id = u.dest_id, fuel = s.fuel - u.fuel, leg_seq = 0, %s "
							 "FROM unnest($1, $2, $3, $4, $5, %s) AS u(id, arrival, dest_kind, dest_id, fuel, %s) "
							 "WHERE s.id = u.id",
							 SimLegSql("{c} = u.{c}", 0), SimLegSql("${n}", STORE_COLS + 1), SimLegSql("{c}", 0)));
		st_store_ship.nargs = STORE_COLS + SIM_LEG_NFIELDS;
		SimStmtText(&st_store_legs,
					psprintf("INSERT INTO sim.flight_leg (ship_id, arrival_tick, seq, sector_id, gate_id, %s) "
							 "SELECT * FROM unnest($1, $2, $3, $4, $5, %s)",
							 SimLegSql("{c}", 0), SimLegSql("${n}", 6)));
		st_store_legs.nargs = 5 + SIM_LEG_NFIELDS;
	}
	SimColInit(&s[0], INT8OID);
	SimColInit(&s[1], INT8OID);
	SimColInit(&s[2], TEXTOID);
	SimColInit(&s[3], INT8OID);
	SimColInit(&s[4], FLOAT8OID);
	SimColInit(&l[0], INT8OID);
	SimColInit(&l[1], INT8OID);
	SimColInit(&l[2], INT4OID);
	SimColInit(&l[3], INT4OID);
	SimColInit(&l[4], INT4OID);
	for (f = 0; f < SIM_LEG_NFIELDS; f++)
	{
		SimColInit(&s[STORE_COLS + f], SimLegTypes[f]);
		SimColInit(&l[5 + f], SimLegTypes[f]);
	}
	for (k = 0; k < n; k++)
	{
		const SimJourney *j = journeys[k];

		SimColI64(&s[0], ship_ids[k], false);
		SimColI64(&s[1], j->legs[0].arrival_tick, false);
		SimColText(&s[2], j->dest_kind);
		SimColI64(&s[3], j->dest_id, strcmp(j->dest_kind, "point") == 0);
		SimColF8(&s[4], j->fuel);
		SimLegToParams(&j->legs[0].leg, NULL, leg);
		for (f = 0; f < SIM_LEG_NFIELDS; f++)
			SimColPush(&s[STORE_COLS + f], leg[f], false);
		for (i = 1; i < j->nlegs; i++)
		{
			const SimJourneyLeg *jl = &j->legs[i];

			SimColI64(&l[0], ship_ids[k], false);
			SimColI64(&l[1], jl->arrival_tick, false);
			SimColI32(&l[2], i, false);
			SimColI32(&l[3], jl->sector_id, false);
			SimColI32(&l[4], jl->gate_id, jl->gate_id == 0);
			SimLegToParams(&jl->leg, NULL, leg);
			for (f = 0; f < SIM_LEG_NFIELDS; f++)
				SimColPush(&l[5 + f], leg[f], false);
		}
	}
	SimStmtRunCols(&st_store_delete, s, 1, SPI_OK_DELETE);
	SimStmtRunCols(&st_store_ship, s, STORE_COLS + SIM_LEG_NFIELDS, SPI_OK_UPDATE);
	SimStmtRunCols(&st_store_legs, l, 5 + SIM_LEG_NFIELDS, SPI_OK_INSERT);
}
