/*
 * journey.c -- the glue of journey planning: the gate network read from
 * sim.jump_gate, and SimPlanJourney, which plans with src/core/journey.c
 * and returns its failures with their SQLSTATEs.
 *
 * The gates are read in one place (load_gates) into one graph kept in its
 * own memory context (gates_cxt, a child of TopMemoryContext), from call to
 * call while the gates are unchanged: the graph is made of sim.jump_gate
 * alone, a table of the economy's static part, whose version
 * (EcoStaticVersion, src/eco_load.c) every committed write bumps.  A
 * transaction that changed the gates itself, or whose snapshot may be older
 * than that version, reads them anew.  The graph a call returns stays valid
 * until the next call.
 */
#include "postgres.h"

#include "executor/spi.h"
#include "utils/memutils.h"

#include "miscadmin.h"

#include "sim/economy.h"
#include "sim/navigation.h"

/* The allocator src/core uses here: palloc, allowing huge arrays. */
static void *
pg_alloc(size_t size)
{
	return palloc_extended(size, MCXT_ALLOC_HUGE);
}

static void
pg_free(void *ptr)
{
	pfree(ptr);
}

static const SimAllocator pg_mem = {pg_alloc, pg_free};

static MemoryContext gates_cxt = NULL;	/* holds gates_graph */
static SimGateGraph *gates_graph = NULL;
static bool gates_kept = false;	/* gates_graph may serve later calls at gates_version */
static uint64 gates_version = 0;
static Oid	gates_db = InvalidOid;

/* Read sim.jump_gate, in ascending id, into *ngates gates palloc'd in the current context. */
static SimGate *
load_gates(int32 *ngates)
{
	SimGate    *gates;
	uint64		i;

	if (SPI_execute("SELECT id, sector_a, ST_X(pos_a), ST_Y(pos_a), ST_Z(pos_a), "
					"sector_b, ST_X(pos_b), ST_Y(pos_b), ST_Z(pos_b), jump_ticks "
					"FROM sim.jump_gate ORDER BY id", false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read jump gates");
	if (SPI_processed > (uint64) PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the jump-gate network is too large to route through"),
				 errdetail("It has %llu gates; at most %d are supported.",
						   (unsigned long long) SPI_processed, PG_INT32_MAX)));
	*ngates = (int32) SPI_processed;
	gates = palloc_extended((size_t) Max(*ngates, 1) * sizeof(SimGate), MCXT_ALLOC_HUGE);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		SimGate    *g = &gates[i];
		bool		isnull;

		g->id = DatumGetInt32(SPI_getbinval(tup, td, 1, &isnull));
		g->sector_a = DatumGetInt32(SPI_getbinval(tup, td, 2, &isnull));
		g->pos_a[0] = DatumGetFloat8(SPI_getbinval(tup, td, 3, &isnull));
		g->pos_a[1] = DatumGetFloat8(SPI_getbinval(tup, td, 4, &isnull));
		g->pos_a[2] = DatumGetFloat8(SPI_getbinval(tup, td, 5, &isnull));
		g->sector_b = DatumGetInt32(SPI_getbinval(tup, td, 6, &isnull));
		g->pos_b[0] = DatumGetFloat8(SPI_getbinval(tup, td, 7, &isnull));
		g->pos_b[1] = DatumGetFloat8(SPI_getbinval(tup, td, 8, &isnull));
		g->pos_b[2] = DatumGetFloat8(SPI_getbinval(tup, td, 9, &isnull));
		g->jump_ticks = DatumGetInt32(SPI_getbinval(tup, td, 10, &isnull));
	}
	SPI_freetuptable(SPI_tuptable);
	return gates;
}

/* The graph of the gates as this snapshot sees them; valid until the next call. */
const SimGateGraph *
SimGatesCurrent(void)
{
	SimGate    *gates;
	int32		ngates;
	MemoryContext old;

	uint64		version = 0;
	bool		keep = EcoStaticVersion(&version);

	if (gates_graph != NULL && keep && gates_kept && gates_version == version &&
		gates_db == MyDatabaseId)
		return gates_graph;
	if (gates_cxt == NULL)
		gates_cxt = AllocSetContextCreate(TopMemoryContext, "sim gate graph",
										  ALLOCSET_SMALL_SIZES);
	gates_graph = NULL;
	MemoryContextReset(gates_cxt);
	gates_kept = keep;
	gates_version = version;
	gates_db = MyDatabaseId;

	gates = load_gates(&ngates);
	old = MemoryContextSwitchTo(gates_cxt);
	gates_graph = SimGateGraphBuild(&pg_mem, gates, ngates);
	MemoryContextSwitchTo(old);
	pfree(gates);
	if (gates_graph == NULL)
		elog(ERROR, "could not build the jump-gate graph");
	return gates_graph;
}

/* Turn a core failure into *err with its SQLSTATE (empty sentences: none). */
static void
nav_error(const SimJourneyError *e, SimNavError *err)
{
	int			code;

	switch (e->fail)
	{
		case SIM_JOURNEY_HULL:
		case SIM_JOURNEY_UNREACHABLE:
		case SIM_JOURNEY_TOO_LONG:
			code = ERRCODE_INVALID_PARAMETER_VALUE;
			break;
		case SIM_JOURNEY_TOO_LARGE:
			code = ERRCODE_PROGRAM_LIMIT_EXCEEDED;
			break;
		default:
			elog(ERROR, "could not plan a journey: %s", e->message);
	}
	SimNavErrorSet(err, code, pstrdup(e->message),
				   e->detail[0] ? pstrdup(e->detail) : NULL,
				   e->hint[0] ? pstrdup(e->hint) : NULL);
}

/* Plan through the current gates; false with *err (its SQLSTATE set) when impossible. */
bool
SimPlanJourney(const SimHull *hull, SimMode mode,
			   int32 from_sector, const double from[3],
			   int32 to_sector, const double to[3],
			   int64 start_tick, SimJourney *j, SimNavError *err)
{
	SimJourneyError e;

	/* within one sector no gate is needed, nor read */
	if (SimJourneyPlan(&pg_mem, from_sector == to_sector ? NULL : SimGatesCurrent(),
					   hull, mode, from_sector, from, to_sector, to, start_tick, j, &e))
		return true;
	nav_error(&e, err);
	return false;
}
