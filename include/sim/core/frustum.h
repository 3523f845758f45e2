/*
 * frustum.h -- "which points are in this camera's view" (no Postgres
 * inside).
 *
 * A view is a column-major 4x4 matrix M (the WebGL and cglm convention:
 * element (row r, column c) is m[4 * c + r]) taking a point's coordinates to
 * OpenGL clip space.  A point p is in view when, for clip = M * (p, 1),
 *
 *     w > 0  and  -w <= x <= w,  -w <= y <= w,  -w <= z <= w
 *
 * with each clip coordinate computed in double precision, left to right:
 * x = ((m[0] * px + m[4] * py) + m[8] * pz) + m[12] (SimFrustumContains).
 * A SQL query that writes the same sums in the same order gets the same
 * answer bit for bit.
 *
 * SimGridInFrustum answers the rule for every point of a spatial grid
 * (grid.h): it skips whole cells that cglm's plane and box test (float32)
 * proves outside, with a margin that covers float32's rounding, and tests
 * the points of the other cells exactly.  Its answer is the same set the
 * exact rule gives over all points.
 */
#ifndef SIM_CORE_FRUSTUM_H
#define SIM_CORE_FRUSTUM_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/core/grid.h"

/*
 * Largest magnitude of a matrix entry SimFrustumInit accepts: products
 * with coordinates up to 1e250 km stay finite.
 */
#define SIM_FRUSTUM_MAX_ENTRY 1e30

/* A view prepared for tests. */
typedef struct SimFrustum
{
	double		m[16];			/* the matrix as given (column-major) */
	float		planes[6][4];	/* cglm's planes of M scaled by a power of
								 * two: left, right, bottom, top, near, far */
	bool		usable[6];		/* a plane culls only when its float form is
								 * trustworthy (see frustum.c) */
	double		err[6][4];		/* per plane: the bound of its float error
								 * per unit of |coordinate| (j < 3) and
								 * constant (j = 3), in the planes' units */
} SimFrustum;

/*
 * Prepare f from the column-major matrix m.  Returns false (f unusable)
 * when an entry is not finite or exceeds SIM_FRUSTUM_MAX_ENTRY in
 * magnitude.
 */
extern bool SimFrustumInit(SimFrustum *f, const double m[16]);

/* The exact rule for one point (see above). */
extern bool SimFrustumContains(const SimFrustum *f, double x, double y,
							   double z);

/*
 * False only when no point of the box [lo, hi] (inclusive, finite bounds)
 * can satisfy SimFrustumContains; true when some may.  Uses cglm's
 * glm_aabb_frustum on the float planes, each moved outward by its error
 * bound for this box.
 */
extern bool SimFrustumBoxMayIntersect(const SimFrustum *f, const double lo[3],
									  const double hi[3]);

/* How a grid query ran. */
typedef struct SimFrustumStats
{
	bool		culled;			/* true: cells were walked; false: every
								 * point was tested */
	uint64_t	boxes;			/* boxes tested */
	uint64_t	cells;			/* cells whose points were tested */
	uint64_t	tested;			/* points tested exactly */
} SimFrustumStats;

/*
 * Visit every point of g that satisfies SimFrustumContains, each once, in
 * no particular order.  Walks an octree of boxes of cells over the cells
 * that hold points, skipping boxes SimFrustumBoxMayIntersect rules out;
 * when the box around the frustum's corners meets more than max_cells of
 * those cells (or the frustum is unbounded or degenerate), when more than
 * max_cells cells would have to be scanned, or when the points reach the
 * clamped cells, it tests every point instead (same answer).  A walk costs
 * about as much per cell as a test costs per point times 20 to 50: a
 * max_cells of npoints / 64 keeps it the cheaper path.
 * cells must hold 3 * max_cells int64_t.  stats may be NULL.  visit
 * returning zero stops the query.  Returns the number of points visited.
 */
extern uint64_t SimGridInFrustum(const SimGrid *g, const SimFrustum *f,
								 uint64_t max_cells, int64_t *cells,
								 SimGridPointVisit visit, void *arg,
								 SimFrustumStats *stats);

#endif							/* SIM_CORE_FRUSTUM_H */
