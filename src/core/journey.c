/*
 * journey.c -- planning journeys between two points: the route through the
 * jump gates and the flight-plan legs that fly it (no Postgres inside).
 *
 * A journey is a chain of rest-to-rest legs: one per sector crossed, joined
 * by jumps.  The route is the cheapest in ticks, found by A* over the route
 * graph: the gate ends (node 2*i and 2*i+1 for gate i), then the start and
 * the goal, as nodes; a jump between the two ends of each gate and a flight
 * between any two nodes of a sector as edges (no flight enters the start or
 * leaves the goal).  The heuristic, admissible, is the fewest jumps left to
 * the goal's sector times the shortest jump.
 *
 * What depends only on the gates is built once (SimGateGraphBuild): the ends
 * grouped by sector and the fewest jumps between sectors.  A plan computes
 * the flights out of a node only when the search expands it, and searches
 * exactly as src/core/route.c does over the same graph with its edges
 * listed jumps first (in gate order), then flights by source node and then
 * target node: an open-list key (f, node, g), a node's cost and predecessor
 * changed only on a strictly cheaper path.  So the route, the legs and the
 * fuel are those of the former planner that built the whole graph per plan,
 * bit for bit.
 *
 * No leg may take more than SIM_JOURNEY_MAX_LEG_TICKS and no journey may end
 * after SIM_JOURNEY_MAX_TICK: longer plans fail as too long (a flight too
 * long to fly is an edge the search never takes).
 */
#include "sim/core/journey.h"
#include "sim/core/openlist.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const double SimModeAccel[3] = {0.25, 0.6, 1.0};
const double SimModeSpeed[3] = {0.35, 0.7, 1.0};

static const char *const too_long_hint =
"Choose a nearer destination, a faster mode or a faster ship class.";

/* Write a double as PostgreSQL's printf does: NaN, Infinity and -Infinity spelled out. */
static void
format_double(char *buf, size_t size, const char *fmt, double v)
{
	if (isnan(v))
		snprintf(buf, size, "NaN");
	else if (isinf(v))
		snprintf(buf, size, v > 0 ? "Infinity" : "-Infinity");
	else
		snprintf(buf, size, fmt, v);
}

/* Fill *err with kind and the three sentences (NULL: none). */
static bool
fail(SimJourneyError *err, SimJourneyFail kind, const char *message,
	 const char *detail, const char *hint)
{
	err->fail = kind;
	snprintf(err->message, sizeof(err->message), "%s", message);
	snprintf(err->detail, sizeof(err->detail), "%s", detail ? detail : "");
	snprintf(err->hint, sizeof(err->hint), "%s", hint ? hint : "");
	return false;
}

/*
 * Rest-to-rest leg from a to b in mode: fills *leg, adds its fuel to *fuel
 * and returns its duration in whole ticks (possibly huge, infinite or NaN
 * for a crippled hull: see leg_ticks_ok).
 */
static double
plan_leg(const SimHull *hull, SimMode mode, const double a[3], const double b[3],
		 int64_t start_tick, SimLeg *leg, double *fuel)
{
	double		vpk = SimLegPlan(leg, a, b, hull->max_accel * SimModeAccel[mode],
								 hull->max_speed * SimModeSpeed[mode], (double) start_tick);

	*fuel += 2.0 * vpk * hull->fuel_per_dv;
	return ceil(SimLegDuration(leg));
}

/* Whether a leg of this many ticks may be flown. */
static inline bool
leg_ticks_ok(double ticks)
{
	return ticks >= 0.0 && ticks <= SIM_JOURNEY_MAX_LEG_TICKS;
}

/* The cost of the flight from a to b as a route edge: its ticks, or INFINITY. */
static double
flight_cost(const SimHull *hull, SimMode mode, const double a[3], const double b[3])
{
	SimLeg		scratch;
	double		nofuel = 0;
	double		ticks = plan_leg(hull, mode, a, b, 0, &scratch, &nofuel);

	return leg_ticks_ok(ticks) ? ticks : INFINITY;
}

/* Whether hull can fly in mode at all; false with *err if not. */
static bool
check_hull(const SimHull *hull, SimMode mode, SimJourneyError *err)
{
	double		accel = hull->max_accel * SimModeAccel[mode];
	double		speed = hull->max_speed * SimModeSpeed[mode];
	char		s[32],
				a[32],
				f[32],
				detail[320];

	if (accel > 0.0 && isfinite(accel) && speed > 0.0 && isfinite(speed) &&
		hull->fuel_per_dv >= 0.0 && isfinite(hull->fuel_per_dv))
		return true;
	format_double(s, sizeof(s), "%g", hull->max_speed);
	format_double(a, sizeof(a), "%g", hull->max_accel);
	format_double(f, sizeof(f), "%g", hull->fuel_per_dv);
	snprintf(detail, sizeof(detail),
			 "Its max_speed (%s km/s) and max_accel (%s km/s^2) must stay positive and finite "
			 "in every mode, and its fuel_per_dv (%s) finite and not negative.", s, a, f);
	return fail(err, SIM_JOURNEY_HULL, "the ship class cannot fly", detail,
				"Correct the ship class in sim.ship_class.");
}

/* Advance *t by ticks; false with *err when that passes SIM_JOURNEY_MAX_TICK. */
static bool
advance_tick(int64_t *t, int64_t ticks, SimJourneyError *err)
{
	char		when[64],
				detail[320];

	if (ticks > SIM_JOURNEY_MAX_TICK - *t)
	{
		format_double(when, sizeof(when), "%.0f", (double) *t + (double) ticks);
		snprintf(detail, sizeof(detail), "It would arrive at tick %s; no tick may pass %lld.",
				 when, (long long) SIM_JOURNEY_MAX_TICK);
		return fail(err, SIM_JOURNEY_TOO_LONG, "the journey would take too long", detail,
					too_long_hint);
	}
	*t += ticks;
	return true;
}

/*
 * Append the leg from a to b in sector_id to j, starting at tick *t, and
 * advance *t to its arrival; false with *err when it would take too long.
 */
static bool
add_leg(SimJourney *j, const SimHull *hull, SimMode mode, int32_t sector_id,
		const double a[3], const double b[3], int64_t *t, SimJourneyError *err)
{
	SimJourneyLeg *l = &j->legs[j->nlegs];
	double		ticks = plan_leg(hull, mode, a, b, *t, &l->leg, &j->fuel);
	char		tk[32],
				limit[32],
				detail[320];

	if (!leg_ticks_ok(ticks))
	{
		format_double(tk, sizeof(tk), "%g", ticks);
		format_double(limit, sizeof(limit), "%g", SIM_JOURNEY_MAX_LEG_TICKS);
		snprintf(detail, sizeof(detail),
				 "Its leg in sector %d would take %s ticks; no leg may take more than %s.",
				 sector_id, tk, limit);
		return fail(err, SIM_JOURNEY_TOO_LONG, "the journey would take too long", detail,
					too_long_hint);
	}
	if (!advance_tick(t, (int64_t) ticks, err))
		return false;
	l->sector_id = sector_id;
	l->arrival_tick = *t;
	j->nlegs++;
	return true;
}

/* Fill *err: the route graph would have n nodes or edges (what), too many. */
static bool
graph_limit_error(SimJourneyError *err, const char *what, uint64_t n)
{
	char		detail[320];

	snprintf(detail, sizeof(detail), "The route graph would have %llu %s; at most %llu are supported.",
			 (unsigned long long) n, what, (unsigned long long) SIM_JOURNEY_MAX_ROUTE_SIZE);
	return fail(err, SIM_JOURNEY_TOO_LARGE, "the jump-gate network is too large to route through",
				detail, NULL);
}

/* Allocate size bytes from mem, zeroed; NULL when memory runs out. */
static void *
alloc0(const SimAllocator *mem, size_t size)
{
	void	   *p = mem->alloc(size > 0 ? size : 1);

	if (p)
		memset(p, 0, size > 0 ? size : 1);
	return p;
}

/* Dense index of sector id in g, or -1 when no gate end lies in it. */
static int32_t
dense_sector(const SimGateGraph *g, int32_t id)
{
	int32_t		lo = 0;
	int32_t		hi = g ? g->nsectors : 0;

	while (lo < hi)
	{
		int32_t		mid = lo + (hi - lo) / 2;

		if (g->sector_ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (g && lo < g->nsectors && g->sector_ids[lo] == id) ? lo : -1;
}

/*
 * Fewest jumps from every dense sector to dense sector goal (-1: no chain
 * of gates) into dist: a breadth-first search, each gate linking the
 * sectors of its two ends.  queue holds nsectors entries.
 */
static void
hops_from(const SimGateGraph *g, int32_t goal, int32_t *dist, int32_t *queue)
{
	int32_t		head = 0;
	int32_t		tail = 0;
	int32_t		i;

	for (i = 0; i < g->nsectors; i++)
		dist[i] = -1;
	dist[goal] = 0;
	queue[tail++] = goal;
	while (head < tail)
	{
		int32_t		s = queue[head++];
		int32_t		m;

		for (m = g->sector_first[s]; m < g->sector_first[s + 1]; m++)
		{
			int32_t		far = g->ends[g->sector_ends[m] ^ 1].sector;

			if (dist[far] < 0)
			{
				dist[far] = dist[s] + 1;
				queue[tail++] = far;
			}
		}
	}
}

/* Sift ids[r] down the max-heap ids[0 .. n-1]. */
static void
sift_down(int32_t *ids, int32_t r, int32_t n)
{
	for (;;)
	{
		int32_t		c = 2 * r + 1;
		int32_t		tmp;

		if (c >= n)
			return;
		if (c + 1 < n && ids[c + 1] > ids[c])
			c++;
		if (ids[r] >= ids[c])
			return;
		tmp = ids[r];
		ids[r] = ids[c];
		ids[c] = tmp;
		r = c;
	}
}

/* Sort n ids ascending (heapsort: in place, O(n log n)). */
static void
sort_ids(int32_t *ids, int32_t n)
{
	int32_t		k;

	for (k = n / 2 - 1; k >= 0; k--)
		sift_down(ids, k, n);
	for (k = n - 1; k > 0; k--)
	{
		int32_t		tmp = ids[0];

		ids[0] = ids[k];
		ids[k] = tmp;
		sift_down(ids, 0, k);
	}
}

/* Free g and what it holds (NULL: nothing). */
void
SimGateGraphFree(const SimAllocator *mem, SimGateGraph *g)
{
	if (g == NULL)
		return;
	if (g->hops)
		mem->free(g->hops);
	if (g->sector_ends)
		mem->free(g->sector_ends);
	if (g->sector_first)
		mem->free(g->sector_first);
	if (g->sector_ids)
		mem->free(g->sector_ids);
	if (g->ends)
		mem->free(g->ends);
	mem->free(g);
}

/* The gate network of ngates gates in ascending id, or NULL; see journey.h. */
SimGateGraph *
SimGateGraphBuild(const SimAllocator *mem, const SimGate *gates, int32_t ngates)
{
	SimGateGraph *g;
	int32_t		nends;
	int32_t	   *ids;
	int32_t		i;
	int32_t		s;

	if (mem == NULL || ngates < 0 || (ngates > 0 && gates == NULL))
		return NULL;
	for (i = 0; i < ngates; i++)
		if (gates[i].jump_ticks < 0)
			return NULL;
	g = alloc0(mem, sizeof(SimGateGraph));
	if (g == NULL)
		return NULL;
	g->ngates = ngates;
	if ((uint64_t) ngates > (SIM_JOURNEY_MAX_ROUTE_SIZE - 2) / 2)
	{
		g->too_large = true;
		return g;
	}
	nends = 2 * ngates;
	g->ends = alloc0(mem, (size_t) nends * sizeof(SimGateEnd));
	g->sector_ends = alloc0(mem, (size_t) nends * sizeof(int32_t));
	g->sector_ids = alloc0(mem, (size_t) nends * sizeof(int32_t));
	g->sector_first = alloc0(mem, ((size_t) nends + 1) * sizeof(int32_t));
	if (!g->ends || !g->sector_ends || !g->sector_ids || !g->sector_first)
	{
		SimGateGraphFree(mem, g);
		return NULL;
	}

	g->min_jump = -1;
	for (i = 0; i < ngates; i++)
	{
		SimGateEnd *a = &g->ends[2 * i];
		SimGateEnd *b = &g->ends[2 * i + 1];
		double		jump = (double) gates[i].jump_ticks;

		a->gate_id = b->gate_id = gates[i].id;
		a->jump_ticks = b->jump_ticks = gates[i].jump_ticks;
		a->sector_id = gates[i].sector_a;
		b->sector_id = gates[i].sector_b;
		memcpy(a->pos, gates[i].pos_a, sizeof(a->pos));
		memcpy(b->pos, gates[i].pos_b, sizeof(b->pos));
		if (g->min_jump < 0 || jump < g->min_jump)
			g->min_jump = jump;
	}
	if (g->min_jump < 0)
		g->min_jump = 0;

	/* the distinct sectors, ascending */
	ids = g->sector_ends;		/* scratch until filled below */
	for (i = 0; i < nends; i++)
		ids[i] = g->ends[i].sector_id;
	sort_ids(ids, nends);
	g->nsectors = 0;
	for (i = 0; i < nends; i++)
		if (i == 0 || ids[i] != ids[i - 1])
			g->sector_ids[g->nsectors++] = ids[i];

	/* group the ends by dense sector, ascending end order within each (counting sort) */
	for (i = 0; i < nends; i++)
	{
		g->ends[i].sector = dense_sector(g, g->ends[i].sector_id);
		g->sector_first[g->ends[i].sector + 1]++;
	}
	for (s = 0; s < g->nsectors; s++)
		g->sector_first[s + 1] += g->sector_first[s];
	for (i = 0; i < nends; i++)
		g->sector_ends[g->sector_first[g->ends[i].sector]++] = i;
	for (s = g->nsectors; s > 0; s--)
		g->sector_first[s] = g->sector_first[s - 1];
	g->sector_first[0] = 0;

	g->flight_pairs = 0;
	for (s = 0; s < g->nsectors; s++)
	{
		uint64_t	c = (uint64_t) (g->sector_first[s + 1] - g->sector_first[s]);

		g->flight_pairs += c * (c - 1);
	}

	/* the matrix of hops, one search from every sector (gates link both ways: rows are columns) */
	if (g->nsectors <= SIM_JOURNEY_HOPS_MAX && g->nsectors > 0)
	{
		int32_t    *queue = mem->alloc((size_t) g->nsectors * sizeof(int32_t));

		g->hops = mem->alloc((size_t) g->nsectors * (size_t) g->nsectors * sizeof(int32_t));
		if (!queue || !g->hops)
		{
			if (queue)
				mem->free(queue);
			SimGateGraphFree(mem, g);
			return NULL;
		}
		for (s = 0; s < g->nsectors; s++)
			hops_from(g, s, g->hops + (size_t) s * g->nsectors, queue);
		mem->free(queue);
	}
	return g;
}

/*
 * One plan's search: the graph's gate ends plus the start (node start) and
 * the goal (node goal), their sectors and the hops to the goal's.
 */
typedef struct Search
{
	const SimGateGraph *g;
	const SimHull *hull;
	SimMode		mode;
	int32_t		start;			/* 2 * ngates */
	int32_t		goal;			/* 2 * ngates + 1 */
	int32_t		from_sector;	/* the start's sector id */
	int32_t		to_sector;		/* the goal's sector id */
	int32_t		start_sector;	/* dense, or -1 */
	int32_t		goal_sector;	/* dense, or -1 */
	const double *from;
	const double *to;
	const int32_t *hops_to_goal;	/* by dense sector */
	double	   *gcost;			/* nodes: best known cost */
	int32_t    *pred;			/* nodes: predecessor on the best path, or -1 */
} Search;

/* Dense sector of a node. */
static inline int32_t
node_sector(const Search *sr, int32_t node)
{
	if (node == sr->start)
		return sr->start_sector;
	if (node == sr->goal)
		return sr->goal_sector;
	return sr->g->ends[node].sector;
}

/* Sector id of a node. */
static inline int32_t
node_sector_id(const Search *sr, int32_t node)
{
	if (node == sr->start)
		return sr->from_sector;
	if (node == sr->goal)
		return sr->to_sector;
	return sr->g->ends[node].sector_id;
}

/* Position of a node. */
static inline const double *
node_pos(const Search *sr, int32_t node)
{
	if (node == sr->start)
		return sr->from;
	if (node == sr->goal)
		return sr->to;
	return sr->g->ends[node].pos;
}

/* A lower bound on the ticks from node to the goal: its jumps left, each the shortest. */
static inline double
heuristic(const Search *sr, int32_t node)
{
	int32_t		hops = sr->hops_to_goal[node_sector(sr, node)];
	double		v = hops < 0 ? 0.0 : hops * sr->g->min_jump;

	return (v > 0.0) ? v : 0.0;
}

/* Relax the edge u -> v of cost c out of u reached at cost gu; false if out of memory. */
static bool
relax(const SimAllocator *mem, Search *sr, OpenList *ol, double gu, int32_t u, int32_t v, double c)
{
	double		ng = gu + c;
	OpenEntry	x;

	if (!(ng < sr->gcost[v]))
		return true;
	sr->gcost[v] = ng;
	sr->pred[v] = u;
	x.g = ng;
	x.f = ng + heuristic(sr, v);
	x.node = v;
	return open_push(mem, ol, x);
}

/*
 * A* from the start to the goal.  Returns 0 when a route was found (pred
 * holds it), -1 when none can be flown, -2 when memory ran out.  The edges
 * out of a node come in the order the former edge list gave them: its jump,
 * then its flights to the gate ends of its sector in ascending order, then
 * to the goal if it lies there (none enters the start).
 */
static int
search(const SimAllocator *mem, Search *sr)
{
	const SimGateGraph *g = sr->g;
	OpenList	ol = {NULL, 0, 64};
	OpenEntry	s0;
	int			result = -1;

	ol.e = mem->alloc(ol.cap * sizeof(OpenEntry));
	if (ol.e == NULL)
		return -2;
	s0.f = heuristic(sr, sr->start);
	s0.g = 0.0;
	s0.node = sr->start;
	if (!open_push(mem, &ol, s0))
		result = -2;

	while (result == -1 && ol.n > 0)
	{
		OpenEntry	cur = open_pop(&ol);
		int32_t		u = cur.node;
		int32_t		s = node_sector(sr, u);
		const double *pu = node_pos(sr, u);
		int32_t		m;

		if (cur.g > sr->gcost[u])
			continue;			/* superseded by a cheaper entry */
		if (u == sr->goal)
		{
			result = 0;
			break;
		}
		if (u != sr->start &&
			!relax(mem, sr, &ol, cur.g, u, u ^ 1, (double) g->ends[u].jump_ticks))
			result = -2;
		for (m = g->sector_first[s]; m < g->sector_first[s + 1] && result == -1; m++)
		{
			int32_t		k = g->sector_ends[m];

			if (k != u &&
				!relax(mem, sr, &ol, cur.g, u, k, flight_cost(sr->hull, sr->mode, pu, g->ends[k].pos)))
				result = -2;
		}
		if (s == sr->goal_sector && result == -1 &&
			!relax(mem, sr, &ol, cur.g, u, sr->goal, flight_cost(sr->hull, sr->mode, pu, sr->to)))
			result = -2;
	}
	mem->free(ol.e);
	return result;
}

/*
 * Turn the route in sr->pred into j's legs: a flight is a leg, a jump
 * delays the next; false with *err when the journey would take too long.
 */
static bool
route_legs(const SimAllocator *mem, const Search *sr, SimJourney *j, SimJourneyError *err)
{
	const SimGateGraph *g = sr->g;
	int32_t		npath = 0;
	int32_t	   *path;
	int64_t		t = j->start_tick;
	const double *cur = sr->from;
	bool		ok = true;
	int32_t		v;
	int32_t		i;

	for (v = sr->goal; v != sr->start; v = sr->pred[v])
		npath++;
	path = mem->alloc(((size_t) npath + 1) * sizeof(int32_t));
	j->legs = alloc0(mem, ((size_t) npath + 1) * sizeof(SimJourneyLeg));
	if (!path || !j->legs)
	{
		if (path)
			mem->free(path);
		return fail(err, SIM_JOURNEY_BAD_INPUT, "out of memory", NULL, NULL);
	}
	for (v = sr->goal, i = npath; i > 0; v = sr->pred[v], i--)
		path[i] = v;
	path[0] = sr->start;

	for (i = 0; i < npath && ok; i++)
	{
		int32_t		a = path[i];
		int32_t		b = path[i + 1];

		if (node_sector_id(sr, a) != node_sector_id(sr, b))
		{
			/* a jump: the next leg starts at the far end after the jump */
			ok = advance_tick(&t, g->ends[a].jump_ticks, err);
			cur = node_pos(sr, b);
			j->legs[j->nlegs].gate_id = g->ends[b].gate_id;
			continue;
		}
		ok = add_leg(j, sr->hull, sr->mode, node_sector_id(sr, a), cur, node_pos(sr, b), &t, err);
		cur = node_pos(sr, b);
	}
	j->arrival_tick = t;
	mem->free(path);
	return ok;
}

/* Plan between two different sectors through the gates of g; see SimJourneyPlan. */
static bool
plan_through_gates(const SimAllocator *mem, const SimGateGraph *g, const SimHull *hull,
				   SimMode mode, int32_t from_sector, const double from[3],
				   int32_t to_sector, const double to[3], SimJourney *j, SimJourneyError *err)
{
	Search		sr;
	uint64_t	nedges;
	int32_t    *dist = NULL;
	int32_t    *queue = NULL;
	int			found = -2;
	bool		ok;
	int32_t		v;
	char		m[160],
				limit[32],
				detail[320];

	if (g->too_large)
		return graph_limit_error(err, "nodes", (uint64_t) g->ngates * 2 + 2);
	memset(&sr, 0, sizeof(sr));
	sr.g = g;
	sr.hull = hull;
	sr.mode = mode;
	sr.start = 2 * g->ngates;
	sr.goal = sr.start + 1;
	sr.from_sector = from_sector;
	sr.to_sector = to_sector;
	sr.start_sector = dense_sector(g, from_sector);
	sr.goal_sector = dense_sector(g, to_sector);
	sr.from = from;
	sr.to = to;

	/* the edges the former planner listed: jumps, flights between ends, out of the start, into the goal */
	nedges = (uint64_t) sr.start + g->flight_pairs;
	if (sr.start_sector >= 0)
		nedges += (uint64_t) (g->sector_first[sr.start_sector + 1] - g->sector_first[sr.start_sector]);
	if (sr.goal_sector >= 0)
		nedges += (uint64_t) (g->sector_first[sr.goal_sector + 1] - g->sector_first[sr.goal_sector]);
	if (nedges > SIM_JOURNEY_MAX_ROUTE_SIZE)
		return graph_limit_error(err, "edges", nedges);

	if (sr.start_sector < 0 || sr.goal_sector < 0)
		found = -3;				/* a sector without gates */
	else if (g->hops)
		sr.hops_to_goal = g->hops + (size_t) sr.goal_sector * g->nsectors;
	else
	{
		dist = mem->alloc((size_t) g->nsectors * sizeof(int32_t));
		queue = mem->alloc((size_t) g->nsectors * sizeof(int32_t));
		if (dist && queue)
		{
			hops_from(g, sr.goal_sector, dist, queue);
			sr.hops_to_goal = dist;
		}
	}
	if (sr.hops_to_goal && sr.hops_to_goal[sr.start_sector] < 0)
		found = -3;				/* no chain of gates */
	else if (sr.hops_to_goal)
	{
		sr.gcost = mem->alloc(((size_t) sr.goal + 1) * sizeof(double));
		sr.pred = mem->alloc(((size_t) sr.goal + 1) * sizeof(int32_t));
		if (sr.gcost && sr.pred)
		{
			for (v = 0; v <= sr.goal; v++)
			{
				sr.gcost[v] = INFINITY;
				sr.pred[v] = -1;
			}
			sr.gcost[sr.start] = 0.0;
			found = search(mem, &sr);
		}
	}

	switch (found)
	{
		case 0:
			ok = route_legs(mem, &sr, j, err);
			break;
		case -1:
			/* gates link the sectors, so every route has a flight too long to fly */
			format_double(limit, sizeof(limit), "%g", SIM_JOURNEY_MAX_LEG_TICKS);
			snprintf(detail, sizeof(detail),
					 "Every route from sector %d to sector %d has a leg of more than %s ticks.",
					 from_sector, to_sector, limit);
			ok = fail(err, SIM_JOURNEY_TOO_LONG, "the journey would take too long", detail,
					  too_long_hint);
			break;
		case -3:
			snprintf(m, sizeof(m), "sector %d cannot be reached from sector %d", to_sector, from_sector);
			ok = fail(err, SIM_JOURNEY_UNREACHABLE, m,
					  "No chain of jump gates links the two sectors.", NULL);
			break;
		default:
			ok = fail(err, SIM_JOURNEY_BAD_INPUT, "out of memory", NULL, NULL);
			break;
	}
	if (sr.gcost)
		mem->free(sr.gcost);
	if (sr.pred)
		mem->free(sr.pred);
	if (dist)
		mem->free(dist);
	if (queue)
		mem->free(queue);
	return ok;
}

/* Plan a journey, or fail with *err and nothing allocated; see journey.h. */
bool
SimJourneyPlan(const SimAllocator *mem, const SimGateGraph *g, const SimHull *hull,
			   SimMode mode, int32_t from_sector, const double from[3],
			   int32_t to_sector, const double to[3], int64_t start_tick,
			   SimJourney *j, SimJourneyError *err)
{
	static const SimGateGraph no_gates = {0};
	int64_t		t = start_tick;
	char		m[160];
	bool		ok;

	memset(j, 0, sizeof(*j));
	j->start_tick = start_tick;
	memset(err, 0, sizeof(*err));
	if (mem == NULL || hull == NULL || from == NULL || to == NULL ||
		(int) mode < SIM_MODE_DRIFT || (int) mode > SIM_MODE_BURN)
		return fail(err, SIM_JOURNEY_BAD_INPUT, "invalid journey request", NULL, NULL);
	if (start_tick < 0)
	{
		snprintf(m, sizeof(m), "negative start tick %lld", (long long) start_tick);
		return fail(err, SIM_JOURNEY_BAD_INPUT, m, NULL, NULL);
	}
	if (!check_hull(hull, mode, err))
		return false;

	if (from_sector != to_sector)
		ok = plan_through_gates(mem, g ? g : &no_gates, hull, mode, from_sector, from,
								to_sector, to, j, err);
	else if ((j->legs = alloc0(mem, sizeof(SimJourneyLeg))) == NULL)
		ok = fail(err, SIM_JOURNEY_BAD_INPUT, "out of memory", NULL, NULL);
	else if ((ok = add_leg(j, hull, mode, from_sector, from, to, &t, err)))
		j->arrival_tick = t;
	if (!ok)
		SimJourneyFree(mem, j);
	return ok;
}

/* Free j's legs; j stays usable as an empty journey. */
void
SimJourneyFree(const SimAllocator *mem, SimJourney *j)
{
	if (j->legs)
		mem->free(j->legs);
	j->legs = NULL;
	j->nlegs = 0;
}

/*
 * Where a flight from `from` to a body (center, radius) ends: 50 km above the
 * surface on the side facing the ship (along +x if it starts at the center).
 */
void
SimBodyApproach(const double from[3], const double center[3], double radius, double to[3])
{
	double		standoff = radius + 50.0;
	double		d[3] = {from[0] - center[0], from[1] - center[1], from[2] - center[2]};
	double		n = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);

	if (n == 0.0)
	{
		d[0] = 1.0;
		d[1] = d[2] = 0.0;
		n = 1.0;
	}
	to[0] = center[0] + d[0] / n * standoff;
	to[1] = center[1] + d[1] / n * standoff;
	to[2] = center[2] + d[2] / n * standoff;
}
