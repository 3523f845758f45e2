/*
 * route.c -- A* search for the cheapest route over the jump-gate graph.
 *
 * The edge list is turned into per-node adjacency (edges of a node in
 * index order), then A* runs with a binary heap keyed by (f = g + h, node):
 * of two open nodes with equal f the lower node number is expanded first.
 * A node's cost and predecessor change only on a strictly cheaper path, so
 * of several equally cheap routes the first found in that order is kept.
 * Everything above makes the route a pure function of the input.
 *
 * The heuristic need only be admissible (never overestimate), not
 * consistent: a node whose cost improves after its expansion is simply
 * expanded again, so the route returned is always a cheapest one.
 * Negative or NaN heuristic values count as 0.
 *
 * All memory comes from the caller's allocator and is returned before the
 * function returns.
 */
#include "sim/core/openlist.h"
#include "sim/core/route.h"

#include <math.h>
#include <string.h>

/* The heuristic's value, with negative and NaN values taken as 0. */
static inline double
heuristic(SimRouteHeuristic h, void *harg, int32_t node, int32_t goal)
{
	double		v;

	if (h == NULL)
		return 0.0;
	v = h(harg, node, goal);
	return (v > 0.0) ? v : 0.0;
}

/*
 * Cheapest path from start to goal; see route.h.  Bad input (-2) is: a
 * missing allocator, path or cost, nsectors < 1, start or goal out of
 * range, more edges than fit an int32, an edge with an end out of range or
 * a negative or NaN cost, or an allocation failure.  Edges of infinite cost
 * are never taken.
 */
int
SimRouteFind(const SimAllocator *mem, int32_t nsectors,
			 const SimRouteEdge *edges, size_t nedges,
			 int32_t start, int32_t goal,
			 SimRouteHeuristic h, void *harg,
			 int32_t *path, double *cost)
{
	int32_t    *first = NULL;	/* nsectors + 1: adjacency offsets */
	int32_t    *adj = NULL;		/* nedges: edge indexes by source node */
	double	   *gcost = NULL;	/* nsectors: best known cost */
	int32_t    *via = NULL;		/* nsectors: edge reaching the node, or -1 */
	OpenList	ol = {NULL, 0, 0};
	int			result = -2;
	size_t		i;
	int32_t		v;

	if (mem == NULL || mem->alloc == NULL || mem->free == NULL ||
		path == NULL || cost == NULL || nsectors < 1 ||
		start < 0 || start >= nsectors || goal < 0 || goal >= nsectors ||
		(edges == NULL && nedges > 0) || nedges > (size_t) INT32_MAX - 1)
		return -2;
	for (i = 0; i < nedges; i++)
	{
		const SimRouteEdge *e = &edges[i];

		if (e->from < 0 || e->from >= nsectors ||
			e->to < 0 || e->to >= nsectors || !(e->cost >= 0.0))
			return -2;
	}

	if (start == goal)
	{
		*cost = 0.0;
		return 0;
	}

	first = mem->alloc(((size_t) nsectors + 1) * sizeof(int32_t));
	adj = mem->alloc((nedges > 0 ? nedges : 1) * sizeof(int32_t));
	gcost = mem->alloc((size_t) nsectors * sizeof(double));
	via = mem->alloc((size_t) nsectors * sizeof(int32_t));
	ol.cap = 64;
	ol.e = mem->alloc(ol.cap * sizeof(OpenEntry));
	if (!first || !adj || !gcost || !via || !ol.e)
		goto out;

	/* adjacency by counting sort on the source node, stable in edge index */
	memset(first, 0, ((size_t) nsectors + 1) * sizeof(int32_t));
	for (i = 0; i < nedges; i++)
		first[edges[i].from + 1]++;
	for (v = 0; v < nsectors; v++)
		first[v + 1] += first[v];
	for (i = 0; i < nedges; i++)
		adj[first[edges[i].from]++] = (int32_t) i;
	for (v = nsectors; v > 0; v--)
		first[v] = first[v - 1];
	first[0] = 0;

	for (v = 0; v < nsectors; v++)
	{
		gcost[v] = INFINITY;
		via[v] = -1;
	}
	gcost[start] = 0.0;
	{
		OpenEntry	s0;

		s0.f = heuristic(h, harg, start, goal);
		s0.g = 0.0;
		s0.node = start;
		if (!open_push(mem, &ol, s0))
			goto out;
	}

	result = -1;
	while (ol.n > 0)
	{
		OpenEntry	cur = open_pop(&ol);
		int32_t		k;

		if (cur.g > gcost[cur.node])
			continue;			/* superseded by a cheaper entry */
		if (cur.node == goal)
		{
			result = 0;
			break;
		}

		for (k = first[cur.node]; k < first[cur.node + 1]; k++)
		{
			const SimRouteEdge *e = &edges[adj[k]];
			double		ng = cur.g + e->cost;

			if (ng < gcost[e->to])
			{
				OpenEntry	x;

				gcost[e->to] = ng;
				via[e->to] = adj[k];
				x.g = ng;
				x.f = ng + heuristic(h, harg, e->to, goal);
				x.node = e->to;
				if (!open_push(mem, &ol, x))
				{
					result = -2;
					goto out;
				}
			}
		}
	}

	if (result == 0)
	{
		int32_t		len = 0;
		int32_t		a,
					b;

		/* walk back from the goal, then reverse into travel order */
		for (v = goal; v != start; v = edges[via[v]].from)
		{
			if (len >= nsectors)
			{
				result = -2;	/* cannot happen: costs are non-negative */
				goto out;
			}
			path[len++] = via[v];
		}
		for (a = 0, b = len - 1; a < b; a++, b--)
		{
			int32_t		t = path[a];

			path[a] = path[b];
			path[b] = t;
		}
		*cost = gcost[goal];
		result = len;
	}

out:
	if (ol.e)
		mem->free(ol.e);
	if (via)
		mem->free(via);
	if (gcost)
		mem->free(gcost);
	if (adj)
		mem->free(adj);
	if (first)
		mem->free(first);
	return result;
}
