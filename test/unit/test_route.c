/*
 * test_route.c -- unit tests of A* routing: against Floyd-Warshall on
 * random graphs, with and without an admissible heuristic, plus
 * unreachable goals, start == goal, tie-breaking, bad input and memory.
 */
#include "unit.h"

#include <math.h>
#include <stdlib.h>

#include "sim/core/route.h"

static long live_blocks = 0;
static long fail_after = -1;		/* fail the n-th allocation from now */

/* malloc that counts live blocks and can be told to fail. */
static void *
count_alloc(size_t size)
{
	if (fail_after == 0)
		return NULL;
	if (fail_after > 0)
		fail_after--;
	live_blocks++;
	return malloc(size);
}

/* free that counts live blocks. */
static void
count_free(void *p)
{
	live_blocks--;
	free(p);
}

static const SimAllocator test_alloc = {count_alloc, count_free};

/* All-pairs cheapest costs (INFINITY when unreachable). */
typedef struct Floyd
{
	int32_t		n;
	double	   *d;
} Floyd;

/* An admissible, inconsistent heuristic from the true costs. */
static double
heuristic_floyd(void *arg, int32_t node, int32_t goal)
{
	const Floyd *f = arg;
	double		d = f->d[node * f->n + goal];

	/* admissible but not consistent: a varying fraction of the truth */
	return isinf(d) ? d : floor(d * (double) ((node * 7 + goal) % 10) / 10.0);
}

/* Routes on random graphs are valid and as cheap as Floyd-Warshall's. */
static void
test_route_random(void)
{
	TestRng		r;
	int			g;

	test_rng_seed(&r, 3);
	for (g = 0; g < 60; g++)
	{
		int32_t		n = 1 + (int32_t) (test_rng_next(&r) % 25);
		size_t		m = (size_t) (test_rng_next(&r) % (size_t) (3 * n + 1));
		SimRouteEdge *e = malloc((m + 1) * sizeof(SimRouteEdge));
		int32_t    *path = malloc((size_t) n * sizeof(int32_t));
		Floyd		f;
		size_t		i;
		int32_t		s,
					t,
					k;
		int			bad = 0,
					nreach = 0,
					nunreach = 0;

		for (i = 0; i < m; i++)
		{
			e[i].from = (int32_t) (test_rng_next(&r) % (uint64_t) n);
			e[i].to = (int32_t) (test_rng_next(&r) % (uint64_t) n);
			e[i].tag = (int32_t) i;
			e[i].cost = (double) (test_rng_next(&r) % 10);
		}
		f.n = n;
		f.d = malloc((size_t) n * n * sizeof(double));
		for (s = 0; s < n; s++)
			for (t = 0; t < n; t++)
				f.d[s * n + t] = (s == t) ? 0.0 : INFINITY;
		for (i = 0; i < m; i++)
			if (e[i].cost < f.d[e[i].from * n + e[i].to])
				f.d[e[i].from * n + e[i].to] = e[i].cost;
		for (k = 0; k < n; k++)
			for (s = 0; s < n; s++)
				for (t = 0; t < n; t++)
					if (f.d[s * n + k] + f.d[k * n + t] < f.d[s * n + t])
						f.d[s * n + t] = f.d[s * n + k] + f.d[k * n + t];

		for (s = 0; s < n; s++)
			for (t = 0; t < n; t++)
			{
				int			with_h;

				for (with_h = 0; with_h <= 1; with_h++)
				{
					double		cost = -1.0,
								sum = 0.0;
					int			len = SimRouteFind(&test_alloc, n, e, m, s, t,
												   with_h ? heuristic_floyd : NULL,
												   &f, path, &cost);
					int32_t		at = s;
					int			j;

					if (isinf(f.d[s * n + t]))
					{
						if (len != -1)
							bad++;
						nunreach++;
						continue;
					}
					nreach++;
					if (len < 0 || len > n - 1 || cost != f.d[s * n + t])
					{
						bad++;
						continue;
					}
					for (j = 0; j < len; j++)
					{
						if (path[j] < 0 || (size_t) path[j] >= m ||
							e[path[j]].from != at)
						{
							bad++;
							break;
						}
						sum += e[path[j]].cost;
						at = e[path[j]].to;
					}
					if (at != t || sum != cost)
						bad++;
				}
			}
		CHECK(bad == 0, "graph %d (%d nodes, %zu edges): %d bad routes", g, n, m, bad);
		CHECK(nreach > 0, "graph %d has reachable pairs", g);
		if (n > 3 && m < (size_t) n)
			CHECK(nunreach > 0, "graph %d has unreachable pairs", g);
		free(f.d);
		free(e);
		free(path);
	}
	CHECK(live_blocks == 0, "all route memory returned (%ld live)", live_blocks);
}

/* Fixed cases: start == goal, ties, unreachable, bad input, out of memory. */
static void
test_route_cases(void)
{
	/* a diamond 0 -> {1, 2} -> 3 with equal costs, edges listed via 2 first */
	SimRouteEdge d[] = {
		{0, 2, 100, 1.0}, {2, 3, 101, 1.0}, {0, 1, 102, 1.0}, {1, 3, 103, 1.0},
		{3, 4, 104, 0.0}
	};
	int32_t		path[8];
	double		cost = -1.0;
	int			len;
	SimRouteEdge neg = {0, 1, 0, -1.0},
				nan_edge = {0, 1, 0, NAN},
				out_of_range = {0, 9, 0, 1.0};

	len = SimRouteFind(&test_alloc, 5, d, 5, 2, 2, NULL, NULL, path, &cost);
	CHECK(len == 0 && cost == 0.0, "start == goal: empty route of cost 0");

	len = SimRouteFind(&test_alloc, 5, d, 5, 0, 3, NULL, NULL, path, &cost);
	CHECK(len == 2 && cost == 2.0 && path[0] == 2 && path[1] == 3,
		  "equal routes: via the lower node 1 (got %d: %d %d)", len, path[0], path[1]);
	len = SimRouteFind(&test_alloc, 5, d, 5, 0, 4, NULL, NULL, path, &cost);
	CHECK(len == 3 && cost == 2.0 && path[2] == 4, "zero-cost last hop");
	len = SimRouteFind(&test_alloc, 5, d, 5, 3, 0, NULL, NULL, path, &cost);
	CHECK(len == -1, "no way back: unreachable");
	len = SimRouteFind(&test_alloc, 6, d, 5, 0, 5, NULL, NULL, path, &cost);
	CHECK(len == -1, "isolated node: unreachable");
	len = SimRouteFind(&test_alloc, 1, NULL, 0, 0, 0, NULL, NULL, path, &cost);
	CHECK(len == 0, "single node, no edges");

	CHECK(SimRouteFind(&test_alloc, 5, d, 5, -1, 3, NULL, NULL, path, &cost) == -2,
		  "negative start is bad input");
	CHECK(SimRouteFind(&test_alloc, 5, d, 5, 0, 5, NULL, NULL, path, &cost) == -2,
		  "goal out of range is bad input");
	CHECK(SimRouteFind(&test_alloc, 0, d, 0, 0, 0, NULL, NULL, path, &cost) == -2,
		  "no sectors is bad input");
	CHECK(SimRouteFind(&test_alloc, 5, d, 5, 0, 3, NULL, NULL, NULL, &cost) == -2,
		  "missing path array is bad input");
	CHECK(SimRouteFind(NULL, 5, d, 5, 0, 3, NULL, NULL, path, &cost) == -2,
		  "missing allocator is bad input");
	CHECK(SimRouteFind(&test_alloc, 2, &neg, 1, 0, 1, NULL, NULL, path, &cost) == -2,
		  "negative cost is bad input");
	CHECK(SimRouteFind(&test_alloc, 2, &nan_edge, 1, 0, 1, NULL, NULL, path, &cost) == -2,
		  "NaN cost is bad input");
	CHECK(SimRouteFind(&test_alloc, 2, &out_of_range, 1, 0, 1, NULL, NULL, path, &cost) == -2,
		  "edge to a missing node is bad input");

	fail_after = 2;
	CHECK(SimRouteFind(&test_alloc, 5, d, 5, 0, 3, NULL, NULL, path, &cost) == -2,
		  "allocation failure is reported as -2");
	fail_after = -1;
	CHECK(live_blocks == 0, "no memory leaked on failure (%ld live)", live_blocks);
}

/* Runs the route suite. */
void
test_route(void)
{
	test_route_random();
	test_route_cases();
}
