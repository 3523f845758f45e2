/*
 * journey.c -- planning journeys between two points: the route through the
 * jump gates and the flight-plan legs that fly it.
 *
 * A journey is a chain of rest-to-rest legs: one per sector crossed, joined
 * by jumps.  The route is the cheapest in ticks, found by A* over the gate
 * ends (src/core/route.c) with an admissible heuristic: the fewest jumps
 * left to the goal sector times the shortest jump.  Flights join only the
 * nodes of one sector, so building the graph costs its size (plus a sort of
 * the nodes by sector).  No leg may take more than SIM_MAX_LEG_TICKS and no
 * journey may end after SIM_MAX_TICK: longer plans fail as too long.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "sim/core/route.h"
#include "sim/navigation.h"

/* fraction of the hull's acceleration and top speed each mode uses */
static const double mode_accel[] = {0.25, 0.6, 1.0};
static const double mode_speed[] = {0.35, 0.7, 1.0};

/*
 * Ticks are stored as bigint and also handled as doubles: no journey may end
 * after 2^53, the last tick a double still counts exactly.
 */
#define SIM_MAX_TICK (INT64CONST(1) << 53)

/* The longest leg planned, in ticks (some 31,700 years). */
#define SIM_MAX_LEG_TICKS 1e12

/* The most nodes and edges a route graph may have (src/core/route.c's limits). */
#define SIM_MAX_ROUTE_SIZE ((size_t) PG_INT32_MAX - 1)

/* A gate end: node 2*i is gate i's end a, node 2*i+1 its end b. */
typedef struct GateEnd
{
	int32		gate_id;
	int32		sector_id;
	double		pos[3];
	int32		jump_ticks;
} GateEnd;

/* A node and its sector, the key the nodes are grouped by. */
typedef struct NodeKey
{
	int32		sector_id;
	int32		node;
} NodeKey;

/*
 * The route graph: the gate ends, then the start and the goal, as nodes;
 * jumps between the two ends of each gate and flights between any two nodes
 * of a sector as edges.  The nodes of dense sector s (sectors numbered in
 * ascending id order) are order[first[s]] .. order[first[s + 1] - 1], in
 * ascending node order.
 */
typedef struct RouteGraph
{
	GateEnd    *ends;			/* nnodes */
	int32		nnodes;
	int32		start;
	int32		goal;
	int32	   *order;			/* nnodes: nodes by (sector id, node) */
	int32	   *first;			/* nsectors + 1: offsets into order */
	int32	   *sector;			/* nnodes: each node's dense sector */
	int32		nsectors;
	SimRouteEdge *edges;		/* nedges */
	size_t		nedges;
} RouteGraph;

typedef struct HeurArg
{
	int32	   *hops;			/* fewest jumps from each node's sector to the goal sector */
	double		min_jump;
} HeurArg;

/* A lower bound on the ticks from node to the goal: its jumps left, each the shortest. */
static double
gate_heuristic(void *arg, int32_t node, int32_t goal)
{
	HeurArg    *h = (HeurArg *) arg;

	return h->hops[node] < 0 ? 0.0 : h->hops[node] * h->min_jump;
}

/* The allocator src/core/route.c uses: palloc, allowing huge edge lists. */
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

static const char *const too_long_hint =
"Choose a nearer destination, a faster mode or a faster ship class.";

/*
 * Rest-to-rest leg from a to b in mode: fills *leg, adds its fuel to *fuel
 * and returns its duration in whole ticks (possibly huge, infinite or NaN
 * for a crippled hull: see leg_ticks_ok).
 */
static double
plan_leg(const SimHull *hull, SimMode mode, const double a[3], const double b[3],
		 int64 start_tick, SimLeg *leg, double *fuel)
{
	double		vpk = SimLegPlan(leg, a, b, hull->max_accel * mode_accel[mode],
								 hull->max_speed * mode_speed[mode], (double) start_tick);

	*fuel += 2.0 * vpk * hull->fuel_per_dv;
	return ceil(SimLegDuration(leg));
}

/* Whether a leg of this many ticks may be flown. */
static inline bool
leg_ticks_ok(double ticks)
{
	return ticks >= 0.0 && ticks <= SIM_MAX_LEG_TICKS;
}

/* Whether hull can fly in mode at all; false with *err if not. */
static bool
check_hull(const SimHull *hull, SimMode mode, SimNavError *err)
{
	double		accel = hull->max_accel * mode_accel[mode];
	double		speed = hull->max_speed * mode_speed[mode];

	if (accel > 0.0 && isfinite(accel) && speed > 0.0 && isfinite(speed) &&
		hull->fuel_per_dv >= 0.0 && isfinite(hull->fuel_per_dv))
		return true;
	SimNavErrorSet(err, ERRCODE_INVALID_PARAMETER_VALUE,
			  pstrdup("the ship class cannot fly"),
			  psprintf("Its max_speed (%g km/s) and max_accel (%g km/s^2) must stay positive and finite "
					   "in every mode, and its fuel_per_dv (%g) finite and not negative.",
					   hull->max_speed, hull->max_accel, hull->fuel_per_dv),
			  pstrdup("Correct the ship class in sim.ship_class."));
	return false;
}

/* Advance *t by ticks; false with *err when that passes SIM_MAX_TICK. */
static bool
advance_tick(int64 *t, int64 ticks, SimNavError *err)
{
	if (ticks > SIM_MAX_TICK - *t)
	{
		SimNavErrorSet(err, ERRCODE_INVALID_PARAMETER_VALUE,
				  pstrdup("the journey would take too long"),
				  psprintf("It would arrive at tick %.0f; no tick may pass %lld.",
						   (double) *t + (double) ticks, (long long) SIM_MAX_TICK),
				  pstrdup(too_long_hint));
		return false;
	}
	*t += ticks;
	return true;
}

/*
 * Append the leg from a to b in sector_id to j, starting at tick *t, and
 * advance *t to its arrival; false with *err when it would take too long.
 */
static bool
add_leg(SimJourney *j, const SimHull *hull, SimMode mode, int32 sector_id,
		const double a[3], const double b[3], int64 *t, SimNavError *err)
{
	SimJourneyLeg *l = &j->legs[j->nlegs];
	double		ticks = plan_leg(hull, mode, a, b, *t, &l->leg, &j->fuel);

	if (!leg_ticks_ok(ticks))
	{
		SimNavErrorSet(err, ERRCODE_INVALID_PARAMETER_VALUE,
				  pstrdup("the journey would take too long"),
				  psprintf("Its leg in sector %d would take %g ticks; no leg may take more than %g.",
						   sector_id, ticks, SIM_MAX_LEG_TICKS),
				  pstrdup(too_long_hint));
		return false;
	}
	if (!advance_tick(t, (int64) ticks, err))
		return false;
	l->sector_id = sector_id;
	l->arrival_tick = *t;
	j->nlegs++;
	return true;
}

/* Fill *err: the route graph would have n nodes or edges (what), too many. */
static void
graph_limit_error(SimNavError *err, const char *what, uint64 n)
{
	SimNavErrorSet(err, ERRCODE_PROGRAM_LIMIT_EXCEEDED,
			  pstrdup("the jump-gate network is too large to route through"),
			  psprintf("The route graph would have %llu %s; at most %llu are supported.",
					   (unsigned long long) n, what,
					   (unsigned long long) SIM_MAX_ROUTE_SIZE),
			  NULL);
}

/*
 * Read the gate ends into g and add the start and goal nodes; false with
 * *err when there are too many.
 */
static bool
read_gate_ends(RouteGraph *g, int32 from_sector, const double from[3],
			   int32 to_sector, const double to[3], SimNavError *err)
{
	uint64		ngates;
	int32		n = 0;
	uint64		i;

	if (SPI_execute("SELECT id, sector_a, ST_X(pos_a), ST_Y(pos_a), ST_Z(pos_a), "
					"sector_b, ST_X(pos_b), ST_Y(pos_b), ST_Z(pos_b), jump_ticks "
					"FROM sim.jump_gate ORDER BY id", false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read jump gates");
	ngates = SPI_processed;
	if (ngates > (SIM_MAX_ROUTE_SIZE - 2) / 2)
	{
		graph_limit_error(err, "nodes", ngates * 2 + 2);
		return false;
	}

	g->ends = palloc_extended((size_t) (ngates * 2 + 2) * sizeof(GateEnd), MCXT_ALLOC_HUGE);
	for (i = 0; i < ngates; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;
		int			e;

		for (e = 0; e < 2; e++)
		{
			GateEnd    *ge = &g->ends[n++];

			ge->gate_id = DatumGetInt32(SPI_getbinval(tup, td, 1, &isnull));
			ge->sector_id = DatumGetInt32(SPI_getbinval(tup, td, 2 + 4 * e, &isnull));
			ge->pos[0] = DatumGetFloat8(SPI_getbinval(tup, td, 3 + 4 * e, &isnull));
			ge->pos[1] = DatumGetFloat8(SPI_getbinval(tup, td, 4 + 4 * e, &isnull));
			ge->pos[2] = DatumGetFloat8(SPI_getbinval(tup, td, 5 + 4 * e, &isnull));
			ge->jump_ticks = DatumGetInt32(SPI_getbinval(tup, td, 10, &isnull));
		}
	}
	SPI_freetuptable(SPI_tuptable);

	/* the start and goal are nodes too */
	g->start = n;
	g->ends[n].gate_id = 0;
	g->ends[n].sector_id = from_sector;
	memcpy(g->ends[n].pos, from, sizeof(double) * 3);
	g->ends[n].jump_ticks = 0;
	n++;
	g->goal = n;
	g->ends[n].gate_id = 0;
	g->ends[n].sector_id = to_sector;
	memcpy(g->ends[n].pos, to, sizeof(double) * 3);
	g->ends[n].jump_ticks = 0;
	n++;
	g->nnodes = n;
	return true;
}

/* qsort order of NodeKeys: by sector id, then by node. */
static int
node_key_cmp(const void *a, const void *b)
{
	const NodeKey *x = (const NodeKey *) a;
	const NodeKey *y = (const NodeKey *) b;

	if (x->sector_id != y->sector_id)
		return (x->sector_id < y->sector_id) ? -1 : 1;
	if (x->node != y->node)
		return (x->node < y->node) ? -1 : 1;
	return 0;
}

/* Group the nodes of g by sector: fills order, first, sector and nsectors. */
static void
group_by_sector(RouteGraph *g)
{
	NodeKey    *keys;
	int32		i;
	int32		s = -1;

	keys = palloc_extended((size_t) g->nnodes * sizeof(NodeKey), MCXT_ALLOC_HUGE);
	for (i = 0; i < g->nnodes; i++)
	{
		keys[i].sector_id = g->ends[i].sector_id;
		keys[i].node = i;
	}
	qsort(keys, g->nnodes, sizeof(NodeKey), node_key_cmp);

	g->order = palloc_extended((size_t) g->nnodes * sizeof(int32), MCXT_ALLOC_HUGE);
	g->sector = palloc_extended((size_t) g->nnodes * sizeof(int32), MCXT_ALLOC_HUGE);
	g->first = palloc_extended(((size_t) g->nnodes + 1) * sizeof(int32), MCXT_ALLOC_HUGE);
	for (i = 0; i < g->nnodes; i++)
	{
		if (i == 0 || keys[i].sector_id != keys[i - 1].sector_id)
			g->first[++s] = i;
		g->order[i] = keys[i].node;
		g->sector[keys[i].node] = s;
	}
	g->nsectors = s + 1;
	g->first[g->nsectors] = g->nnodes;
	pfree(keys);
}

/*
 * The edges of g, the jumps first (both ways through each gate, in gate
 * order), then the flights by source node and, for each, by target node.
 * No flight enters the start or leaves the goal.  A flight too long to fly
 * costs INFINITY, which the search never takes.  Sets min_jump to the
 * cheapest jump (0 without gates).  False with *err when there are too many
 * edges.
 */
static bool
build_edges(RouteGraph *g, const SimHull *hull, SimMode mode,
			double *min_jump, SimNavError *err)
{
	int32		start_sector = g->sector[g->start];
	size_t		nedges;
	size_t		n = 0;
	int32		i;
	SimLeg		scratch;
	double		nofuel = 0;

	nedges = (size_t) g->start;
	for (i = 0; i < g->nnodes; i++)
	{
		int32		s = g->sector[i];

		if (i == g->goal)
			continue;
		nedges += (size_t) (g->first[s + 1] - g->first[s]) - 1;
		if (s == start_sector && i != g->start)
			nedges--;
	}
	if (nedges > SIM_MAX_ROUTE_SIZE)
	{
		graph_limit_error(err, "edges", nedges);
		return false;
	}
	g->edges = palloc_extended((nedges > 0 ? nedges : 1) * sizeof(SimRouteEdge),
							   MCXT_ALLOC_HUGE);

	*min_jump = -1;
	for (i = 0; i + 1 < g->start; i += 2)
	{
		double		jump = (double) g->ends[i].jump_ticks;

		g->edges[n++] = (SimRouteEdge)
		{
			i, i + 1, -1, jump
		};
		g->edges[n++] = (SimRouteEdge)
		{
			i + 1, i, -1, jump
		};
		if (*min_jump < 0 || jump < *min_jump)
			*min_jump = jump;
	}
	if (*min_jump < 0)
		*min_jump = 0;

	for (i = 0; i < g->nnodes; i++)
	{
		int32		s = g->sector[i];
		int32		m;

		if (i == g->goal)
			continue;
		for (m = g->first[s]; m < g->first[s + 1]; m++)
		{
			int32		k = g->order[m];
			double		ticks;

			if (k == i || k == g->start)
				continue;
			ticks = plan_leg(hull, mode, g->ends[i].pos, g->ends[k].pos, 0,
							 &scratch, &nofuel);
			g->edges[n++] = (SimRouteEdge)
			{
				i, k, -1, leg_ticks_ok(ticks) ? ticks : INFINITY
			};
		}
		CHECK_FOR_INTERRUPTS();
	}
	Assert(n == nedges);
	g->nedges = n;
	return true;
}

/*
 * For each node, the fewest jumps from its sector to the goal's sector, or
 * -1 when no chain of gates links them: a breadth-first search over the
 * sectors from the goal's, each gate linking the sectors of its two ends.
 */
static int32 *
sector_hops(const RouteGraph *g)
{
	int32	   *dist = palloc_extended((size_t) g->nsectors * sizeof(int32), MCXT_ALLOC_HUGE);
	int32	   *queue = palloc_extended((size_t) g->nsectors * sizeof(int32), MCXT_ALLOC_HUGE);
	int32	   *hops = palloc_extended((size_t) g->nnodes * sizeof(int32), MCXT_ALLOC_HUGE);
	int32		head = 0;
	int32		tail = 0;
	int32		i;

	for (i = 0; i < g->nsectors; i++)
		dist[i] = -1;
	dist[g->sector[g->goal]] = 0;
	queue[tail++] = g->sector[g->goal];
	while (head < tail)
	{
		int32		s = queue[head++];
		int32		m;

		for (m = g->first[s]; m < g->first[s + 1]; m++)
		{
			int32		e = g->order[m];
			int32		far;

			if (e >= g->start)
				continue;		/* the start or the goal: not a gate end */
			far = g->sector[e ^ 1];
			if (dist[far] < 0)
			{
				dist[far] = dist[s] + 1;
				queue[tail++] = far;
			}
		}
	}
	for (i = 0; i < g->nnodes; i++)
		hops[i] = dist[g->sector[i]];
	pfree(queue);
	pfree(dist);
	return hops;
}

/* Free what g holds (any array may still be NULL). */
static void
free_graph(RouteGraph *g)
{
	if (g->edges)
		pfree(g->edges);
	if (g->first)
		pfree(g->first);
	if (g->sector)
		pfree(g->sector);
	if (g->order)
		pfree(g->order);
	if (g->ends)
		pfree(g->ends);
}

bool
SimPlanJourney(const SimHull *hull, SimMode mode,
			   int32 from_sector, const double from[3],
			   int32 to_sector, const double to[3],
			   int64 start_tick, SimJourney *j, SimNavError *err)
{
	RouteGraph	g;
	int32	   *path;
	double		cost;
	int			npath;
	HeurArg		harg;
	SimAllocator mem = {pg_alloc, pg_free};
	int64		t;
	const double *cur;
	bool		ok = true;
	int			i;

	memset(j, 0, sizeof(*j));
	j->start_tick = start_tick;
	if (start_tick < 0)
		elog(ERROR, "negative start tick %lld", (long long) start_tick);
	if (!check_hull(hull, mode, err))
		return false;

	if (from_sector == to_sector)
	{
		j->legs = palloc0(sizeof(SimJourneyLeg));
		t = start_tick;
		if (!add_leg(j, hull, mode, from_sector, from, to, &t, err))
			return false;
		j->arrival_tick = t;
		return true;
	}

	memset(&g, 0, sizeof(g));
	if (!read_gate_ends(&g, from_sector, from, to_sector, to, err))
	{
		free_graph(&g);
		return false;
	}
	group_by_sector(&g);
	if (!build_edges(&g, hull, mode, &harg.min_jump, err))
	{
		free_graph(&g);
		return false;
	}
	harg.hops = sector_hops(&g);

	path = palloc_extended((size_t) g.nnodes * sizeof(int32), MCXT_ALLOC_HUGE);
	npath = SimRouteFind(&mem, g.nnodes, g.edges, g.nedges, g.start, g.goal,
						 gate_heuristic, &harg, path, &cost);
	if (npath == -1 && harg.hops[g.start] < 0)
	{
		SimNavErrorSet(err, ERRCODE_INVALID_PARAMETER_VALUE,
				  psprintf("sector %d cannot be reached from sector %d", to_sector, from_sector),
				  pstrdup("No chain of jump gates links the two sectors."), NULL);
		ok = false;
	}
	else if (npath == -1)
	{
		/* gates link the sectors, so every route has a flight too long to fly */
		SimNavErrorSet(err, ERRCODE_INVALID_PARAMETER_VALUE,
				  pstrdup("the journey would take too long"),
				  psprintf("Every route from sector %d to sector %d has a leg of more than %g ticks.",
						   from_sector, to_sector, SIM_MAX_LEG_TICKS),
				  pstrdup(too_long_hint));
		ok = false;
	}
	else if (npath < 0)
		elog(ERROR, "could not search for a route from sector %d to sector %d",
			 from_sector, to_sector);

	/* turn the path into legs: a flight edge is a leg, a jump delays the next */
	if (ok)
	{
		j->legs = palloc0((npath + 1) * sizeof(SimJourneyLeg));
		t = start_tick;
		cur = from;
		for (i = 0; i < npath && ok; i++)
		{
			SimRouteEdge *e = &g.edges[path[i]];
			const GateEnd *a = &g.ends[e->from];
			const GateEnd *b = &g.ends[e->to];

			if (a->sector_id != b->sector_id)
			{
				/* a jump: the next leg starts at the far end after the jump */
				ok = advance_tick(&t, a->jump_ticks, err);
				cur = b->pos;
				j->legs[j->nlegs].gate_id = b->gate_id;
				continue;
			}
			ok = add_leg(j, hull, mode, a->sector_id, cur, b->pos, &t, err);
			cur = b->pos;
		}
		j->arrival_tick = t;
	}

	pfree(path);
	pfree(harg.hops);
	free_graph(&g);
	return ok;
}
