/*
 * grid.h -- spatial hash grid over points (no Postgres inside).
 *
 * Points are hashed into cubic cells of a fixed edge; cells map onto a
 * power-of-two bucket table, and a counting sort lays the points out
 * bucket by bucket.  The grid lives in caller-provided memory (so it can sit
 * in shared memory: it holds no pointers, only offsets) and is rebuilt from
 * scratch each tick.  Queries are exact: every candidate is checked by its
 * true Euclidean distance, computed as sqrt(dx*dx + dy*dy + dz*dz).  A build
 * also records the range of cells its points occupy, so that other queries
 * (the view frustum, frustum.h) can walk the cells of a region.
 */
#ifndef SIM_CORE_GRID_H
#define SIM_CORE_GRID_H

#include <stddef.h>
#include <stdint.h>

/* Cell coordinates are clamped to [-SIM_GRID_CELL_MAX, SIM_GRID_CELL_MAX]. */
#define SIM_GRID_CELL_MAX (INT64_C(1) << 62)

/* Header of a grid; the arrays follow it in the same allocation. */
typedef struct SimGrid
{
	double		cell;			/* cell edge, km */
	uint32_t	nbuckets;		/* power of two */
	uint32_t	capacity;		/* max points */
	uint32_t	npoints;		/* points in the current build */
	/* offsets (bytes from the start of this struct) of the arrays */
	uint64_t	off_start;		/* uint32_t[nbuckets + 1]: first point of bucket */
	uint64_t	off_x, off_y, off_z;	/* double[capacity], bucket order */
	uint64_t	off_id;			/* int64_t[capacity]: caller's ids, bucket order */
	int64_t		cell_lo[3];		/* smallest cell coordinate of a point, per axis */
	int64_t		cell_hi[3];		/* largest (lo > hi when there is no point) */
} SimGrid;

/* Bytes needed for a grid of capacity points and nbuckets buckets. */
extern size_t SimGridSize(uint32_t capacity, uint32_t nbuckets);

/* Lay out a grid in mem (SimGridSize bytes, 8-byte aligned). */
extern SimGrid *SimGridInit(void *mem, uint32_t capacity, uint32_t nbuckets,
							double cell);

/*
 * Rebuild the grid from n points (n <= capacity).  scratch must hold
 * 2 * n uint32_t (bucket of each point and scatter cursors).  Points
 * with a NaN coordinate are skipped.
 */
extern void SimGridBuild(SimGrid *g, const double *x, const double *y,
						 const double *z, const int64_t *id, uint32_t n,
						 uint32_t *scratch);

/* One query result. */
typedef struct SimGridHit
{
	int64_t		id;
	double		dist;
} SimGridHit;

/*
 * Callback receiving each hit of a radius query; return nonzero to go on,
 * zero to stop.
 */
typedef int (*SimGridVisit) (void *arg, int64_t id, double dist);

/*
 * Visit every point whose distance to (cx, cy, cz) is <= radius, in no
 * particular order.  Returns the number of points visited.
 */
extern uint64_t SimGridWithin(const SimGrid *g, double cx, double cy,
							  double cz, double radius,
							  SimGridVisit visit, void *arg);

/*
 * The k points nearest to (cx, cy, cz), written to out[0..] by increasing
 * distance, ties broken by increasing id.  Returns how many were written
 * (min(k, npoints)).
 */
extern uint32_t SimGridNearest(const SimGrid *g, double cx, double cy,
							   double cz, uint32_t k, SimGridHit *out);

/*
 * Callback receiving a stored point (its id and coordinates); return
 * nonzero to go on, zero to stop.
 */
typedef int (*SimGridPointVisit) (void *arg, int64_t id, double x, double y,
								  double z);

/*
 * Visit every point lying in cell (ix, iy, iz) -- the cell a point falls in
 * is (floor(x/cell), floor(y/cell), floor(z/cell)), clamped to
 * +-SIM_GRID_CELL_MAX -- in storage order.  Returns the number visited.
 */
extern uint64_t SimGridVisitCell(const SimGrid *g, int64_t ix, int64_t iy,
								 int64_t iz, SimGridPointVisit visit, void *arg);

/* Visit every point, in storage order.  Returns the number visited. */
extern uint64_t SimGridVisitAll(const SimGrid *g, SimGridPointVisit visit,
								void *arg);

#endif							/* SIM_CORE_GRID_H */
