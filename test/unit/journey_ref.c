/*
 * journey_ref.c -- the former journey planner (src/journey.c before the
 * planner moved into src/core/journey.c), with malloc for palloc and the
 * gates passed in for the SPI read: a reference that the new planner must
 * match bit for bit, and the peer of bench/journey.c.
 */
#include "journey_ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct GateEnd
{
	int32_t		gate_id;
	int32_t		sector_id;
	double		pos[3];
	int32_t		jump_ticks;
} GateEnd;

typedef struct NodeKey
{
	int32_t		sector_id;
	int32_t		node;
} NodeKey;

typedef struct RouteGraph
{
	GateEnd    *ends;
	int32_t		nnodes;
	int32_t		start;
	int32_t		goal;
	int32_t    *order;
	int32_t    *first;
	int32_t    *sector;
	int32_t		nsectors;
	SimRouteEdge *edges;
	size_t		nedges;
} RouteGraph;

typedef struct HeurArg
{
	int32_t    *hops;
	double		min_jump;
} HeurArg;

static void *
ref_alloc(size_t size)
{
	return malloc(size);
}

static void
ref_free(void *p)
{
	free(p);
}

static double
gate_heuristic(void *arg, int32_t node, int32_t goal)
{
	HeurArg    *h = (HeurArg *) arg;

	return h->hops[node] < 0 ? 0.0 : h->hops[node] * h->min_jump;
}

static double
plan_leg(const SimHull *hull, SimMode mode, const double a[3], const double b[3],
		 int64_t start_tick, SimLeg *leg, double *fuel)
{
	double		vpk = SimLegPlan(leg, a, b, hull->max_accel * SimModeAccel[mode],
								 hull->max_speed * SimModeSpeed[mode], (double) start_tick);

	*fuel += 2.0 * vpk * hull->fuel_per_dv;
	return ceil(SimLegDuration(leg));
}

static bool
leg_ticks_ok(double ticks)
{
	return ticks >= 0.0 && ticks <= SIM_JOURNEY_MAX_LEG_TICKS;
}

static bool
advance_tick(int64_t *t, int64_t ticks)
{
	if (ticks > SIM_JOURNEY_MAX_TICK - *t)
		return false;
	*t += ticks;
	return true;
}

static bool
add_leg(SimJourney *j, const SimHull *hull, SimMode mode, int32_t sector_id,
		const double a[3], const double b[3], int64_t *t)
{
	SimJourneyLeg *l = &j->legs[j->nlegs];
	double		ticks = plan_leg(hull, mode, a, b, *t, &l->leg, &j->fuel);

	if (!leg_ticks_ok(ticks) || !advance_tick(t, (int64_t) ticks))
		return false;
	l->sector_id = sector_id;
	l->arrival_tick = *t;
	j->nlegs++;
	return true;
}

static int
node_key_cmp(const void *a, const void *b)
{
	const NodeKey *x = a;
	const NodeKey *y = b;

	if (x->sector_id != y->sector_id)
		return (x->sector_id < y->sector_id) ? -1 : 1;
	if (x->node != y->node)
		return (x->node < y->node) ? -1 : 1;
	return 0;
}

bool
ref_journey_plan(const SimGate *gates, int32_t ngates, const SimHull *hull,
				 SimMode mode, int32_t from_sector, const double from[3],
				 int32_t to_sector, const double to[3], int64_t start_tick,
				 SimJourney *j, bool *unreachable)
{
	SimAllocator mem = {ref_alloc, ref_free};
	RouteGraph	gr;
	RouteGraph *g = &gr;
	NodeKey    *keys;
	HeurArg		harg;
	int32_t    *dist,
			   *queue,
			   *path;
	int32_t		i,
				n = 0,
				s = -1,
				head = 0,
				tail = 0,
				start_sector;
	size_t		ne = 0;
	double		cost;
	int			npath;
	int64_t		t = start_tick;
	const double *cur = from;
	bool		ok = true;
	SimLeg		scratch;
	double		nofuel = 0;

	memset(j, 0, sizeof(*j));
	j->start_tick = start_tick;
	*unreachable = false;
	if (from_sector == to_sector)
	{
		j->legs = calloc(1, sizeof(SimJourneyLeg));
		if (!add_leg(j, hull, mode, from_sector, from, to, &t))
			return false;
		j->arrival_tick = t;
		return true;
	}

	/* the nodes: gate ends, start, goal */
	memset(g, 0, sizeof(*g));
	g->ends = malloc(((size_t) ngates * 2 + 2) * sizeof(GateEnd));
	for (i = 0; i < ngates; i++)
	{
		int			e;

		for (e = 0; e < 2; e++)
		{
			GateEnd    *ge = &g->ends[n++];

			ge->gate_id = gates[i].id;
			ge->sector_id = e ? gates[i].sector_b : gates[i].sector_a;
			memcpy(ge->pos, e ? gates[i].pos_b : gates[i].pos_a, sizeof(ge->pos));
			ge->jump_ticks = gates[i].jump_ticks;
		}
	}
	g->start = n;
	g->ends[n] = (GateEnd) {0, from_sector, {from[0], from[1], from[2]}, 0};
	n++;
	g->goal = n;
	g->ends[n] = (GateEnd) {0, to_sector, {to[0], to[1], to[2]}, 0};
	n++;
	g->nnodes = n;

	/* grouped by sector */
	keys = malloc((size_t) n * sizeof(NodeKey));
	for (i = 0; i < n; i++)
		keys[i] = (NodeKey) {g->ends[i].sector_id, i};
	qsort(keys, n, sizeof(NodeKey), node_key_cmp);
	g->order = malloc((size_t) n * sizeof(int32_t));
	g->sector = malloc((size_t) n * sizeof(int32_t));
	g->first = malloc(((size_t) n + 1) * sizeof(int32_t));
	for (i = 0; i < n; i++)
	{
		if (i == 0 || keys[i].sector_id != keys[i - 1].sector_id)
			g->first[++s] = i;
		g->order[i] = keys[i].node;
		g->sector[keys[i].node] = s;
	}
	g->nsectors = s + 1;
	g->first[g->nsectors] = n;
	free(keys);

	/* the edges: jumps, then flights by source and target */
	start_sector = g->sector[g->start];
	g->nedges = (size_t) g->start;
	for (i = 0; i < n; i++)
	{
		if (i == g->goal)
			continue;
		g->nedges += (size_t) (g->first[g->sector[i] + 1] - g->first[g->sector[i]]) - 1;
		if (g->sector[i] == start_sector && i != g->start)
			g->nedges--;
	}
	g->edges = malloc((g->nedges > 0 ? g->nedges : 1) * sizeof(SimRouteEdge));
	harg.min_jump = -1;
	for (i = 0; i + 1 < g->start; i += 2)
	{
		double		jump = (double) g->ends[i].jump_ticks;

		g->edges[ne++] = (SimRouteEdge) {i, i + 1, -1, jump};
		g->edges[ne++] = (SimRouteEdge) {i + 1, i, -1, jump};
		if (harg.min_jump < 0 || jump < harg.min_jump)
			harg.min_jump = jump;
	}
	if (harg.min_jump < 0)
		harg.min_jump = 0;
	for (i = 0; i < n; i++)
	{
		int32_t		m;

		if (i == g->goal)
			continue;
		for (m = g->first[g->sector[i]]; m < g->first[g->sector[i] + 1]; m++)
		{
			int32_t		k = g->order[m];
			double		ticks;

			if (k == i || k == g->start)
				continue;
			ticks = plan_leg(hull, mode, g->ends[i].pos, g->ends[k].pos, 0, &scratch, &nofuel);
			g->edges[ne++] = (SimRouteEdge) {i, k, -1, leg_ticks_ok(ticks) ? ticks : INFINITY};
		}
	}

	/* hops to the goal's sector */
	dist = malloc((size_t) g->nsectors * sizeof(int32_t));
	queue = malloc((size_t) g->nsectors * sizeof(int32_t));
	harg.hops = malloc((size_t) n * sizeof(int32_t));
	for (i = 0; i < g->nsectors; i++)
		dist[i] = -1;
	dist[g->sector[g->goal]] = 0;
	queue[tail++] = g->sector[g->goal];
	while (head < tail)
	{
		int32_t		q = queue[head++];
		int32_t		m;

		for (m = g->first[q]; m < g->first[q + 1]; m++)
		{
			int32_t		e = g->order[m];

			if (e >= g->start)
				continue;
			if (dist[g->sector[e ^ 1]] < 0)
			{
				dist[g->sector[e ^ 1]] = dist[q] + 1;
				queue[tail++] = g->sector[e ^ 1];
			}
		}
	}
	for (i = 0; i < n; i++)
		harg.hops[i] = dist[g->sector[i]];
	free(queue);
	free(dist);

	path = malloc((size_t) n * sizeof(int32_t));
	npath = SimRouteFind(&mem, n, g->edges, g->nedges, g->start, g->goal,
						 gate_heuristic, &harg, path, &cost);
	if (npath < 0)
	{
		*unreachable = harg.hops[g->start] < 0;
		ok = false;
	}
	else
	{
		j->legs = calloc((size_t) npath + 1, sizeof(SimJourneyLeg));
		for (i = 0; i < npath && ok; i++)
		{
			SimRouteEdge *e = &g->edges[path[i]];
			const GateEnd *a = &g->ends[e->from];
			const GateEnd *b = &g->ends[e->to];

			if (a->sector_id != b->sector_id)
			{
				ok = advance_tick(&t, a->jump_ticks);
				cur = b->pos;
				j->legs[j->nlegs].gate_id = b->gate_id;
				continue;
			}
			ok = add_leg(j, hull, mode, a->sector_id, cur, b->pos, &t);
			cur = b->pos;
		}
		j->arrival_tick = t;
	}
	free(path);
	free(harg.hops);
	free(g->edges);
	free(g->first);
	free(g->sector);
	free(g->order);
	free(g->ends);
	return ok;
}
