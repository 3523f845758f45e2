/*
 * route.h -- A* over the jump-gate graph (no Postgres inside).
 *
 * Sectors are nodes numbered 0..nsectors-1; gates are directed edges with a
 * cost (any non-negative double: ticks of travel, fuel, ...).  The heuristic
 * is supplied by the caller and must never overestimate (it may be NULL:
 * Dijkstra).  Ties are broken by the lower node number so the route is
 * deterministic.
 */
#ifndef SIM_CORE_ROUTE_H
#define SIM_CORE_ROUTE_H

#include <stddef.h>
#include <stdint.h>

typedef struct SimRouteEdge
{
	int32_t		from;
	int32_t		to;
	int32_t		tag;			/* caller's identifier (e.g. gate index) */
	double		cost;
} SimRouteEdge;

typedef double (*SimRouteHeuristic) (void *arg, int32_t node, int32_t goal);

/* Memory callbacks: the glue passes palloc/pfree, tests pass malloc/free. */
typedef struct SimAllocator
{
	void	   *(*alloc) (size_t size);
	void		(*free) (void *ptr);
} SimAllocator;

/*
 * Cheapest path from start to goal.  On success returns the number of edges
 * in the path (0 when start == goal) and writes their indexes into
 * edges[] (in travel order; edges must hold nsectors entries) and the total
 * cost into *cost.  Returns -1 when goal is unreachable, -2 on bad input.
 */
extern int	SimRouteFind(const SimAllocator *mem, int32_t nsectors,
						 const SimRouteEdge *edges, size_t nedges,
						 int32_t start, int32_t goal,
						 SimRouteHeuristic h, void *harg,
						 int32_t *path, double *cost);

#endif							/* SIM_CORE_ROUTE_H */
