/*
 * frustum.c -- the view frustum: the exact in-view rule for a point, a
 * conservative box test with cglm, and the grid query that uses both
 * (contract in frustum.h).
 *
 * Why the box test can never drop a point.  cglm works in float32: it
 * takes the six planes of a matrix as sums of rows (left = row w + row x,
 * right = row w - row x, ...; glm_frustum_planes), normalizes them, and
 * rejects a box when, for some plane P, the box's corner furthest along
 * P's normal is behind it: P.xyz . v < -P.w (glm_aabb_frustum).  The exact
 * rule is evaluated in double.  So a box is rejected here only when it is
 * behind a plane by more than the plane's float error bound for that box:
 *
 *  - the matrix is first scaled by a power of two (exact; the rule does not
 *    change under a positive scale) so that its largest entry lies in
 *    [0.5, 1): float32 then holds every entry to within 2^-24 of itself,
 *    plus 2^-149 for entries below float's normal range;
 *  - for plane k made of rows a (w) and b (x, y or z), every float step
 *    (rounding the entries, their sum, the normalization, the three
 *    products and two sums of the dot product, and a corner coordinate
 *    whose sign decides wrongly because its coefficient is within its
 *    error of zero) errs by at most a few units of 2^-24 times
 *    S = sum_j (|a_j| + |b_j| + 2^-100) * X_j, with X_j the largest
 *    |coordinate| of the box on axis j (X_3 = 1), divided by the plane's
 *    norm n: about 12 units in all.  The double evaluation of the exact
 *    rule errs by under 2^-50 * S / n;
 *  - the plane is moved outward by SIM_FRUSTUM_K = 64 such units (rounded
 *    up in float), five times the sum of the bounds;
 *  - a plane whose norm is below 2^-40 (of the scaled matrix), or whose
 *    float form is not finite, is not used to reject anything, nor is a box
 *    whose float corners are not finite; and the box of a grid cell is
 *    widened by 2^-40 of its coordinates, more than floor(x / cell) can
 *    misplace a point.
 *
 * Rejecting less than possible costs only time: the points of every box
 * that is not rejected are tested with the exact rule.  test/unit/
 * test_frustum.c checks the bound on points placed on the planes.
 */
#include "sim/core/frustum.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include <cglm/cglm.h>

/* The margin, in units of 2^-24 * S / n (see above). */
#define SIM_FRUSTUM_K 64.0

/* Planes with a smaller norm (scaled matrix) reject nothing. */
#define SIM_FRUSTUM_MIN_NORM 0x1.0p-40

/* Relative widening of a grid cell's box. */
#define SIM_FRUSTUM_CELL_PAD 0x1.0p-40

/* Octree stack: 64 levels at most, 8 children a level. */
#define SIM_FRUSTUM_STACK (64 * 8 + 8)

/* Prepare f; false for a non-finite or too large entry. */
bool
SimFrustumInit(SimFrustum *f, const double m[16])
{
	static const int row_of_plane[6] = {0, 0, 1, 1, 2, 2};
	double		maxabs = 0.0;
	double		s[16];
	mat4		mf;
	vec4		planes[6];		/* cglm's alignment (f->planes has a float's) */
	int			e;
	int			i,
				j,
				k;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < 16; i++)
	{
		if (!isfinite(m[i]) || fabs(m[i]) > SIM_FRUSTUM_MAX_ENTRY)
			return false;
		if (fabs(m[i]) > maxabs)
			maxabs = fabs(m[i]);
		f->m[i] = m[i];
	}
	if (maxabs == 0.0)
		return true;			/* nothing is in view; no plane is usable */
	(void) frexp(maxabs, &e);
	for (i = 0; i < 16; i++)
	{
		s[i] = ldexp(m[i], -e);
		mf[i / 4][i % 4] = (float) s[i];
	}
	glm_frustum_planes(mf, planes);
	memcpy(f->planes, planes, sizeof(f->planes));

	for (k = 0; k < 6; k++)
	{
		int			r = row_of_plane[k];
		double		sign = (k % 2 == 0) ? 1.0 : -1.0;
		double		n2 = 0.0;
		double		n;
		bool		finite = true;

		for (j = 0; j < 3; j++)
		{
			double		c = s[4 * j + 3] + sign * s[4 * j + r];

			n2 += c * c;
		}
		n = sqrt(n2);
		for (j = 0; j < 4; j++)
			finite = finite && isfinite(f->planes[k][j]);
		f->usable[k] = finite && n >= SIM_FRUSTUM_MIN_NORM;
		for (j = 0; j < 4; j++)
			f->err[k][j] = f->usable[k] ?
				SIM_FRUSTUM_K * 0x1.0p-24 * (fabs(s[4 * j + 3]) + fabs(s[4 * j + r]) + 0x1.0p-100) / n :
				INFINITY;
	}
	return true;
}

/* The exact rule, in double, sums left to right. */
bool
SimFrustumContains(const SimFrustum *f, double x, double y, double z)
{
	const double *m = f->m;
	double		cx = m[0] * x + m[4] * y + m[8] * z + m[12];
	double		cy = m[1] * x + m[5] * y + m[9] * z + m[13];
	double		cz = m[2] * x + m[6] * y + m[10] * z + m[14];
	double		cw = m[3] * x + m[7] * y + m[11] * z + m[15];

	return cw > 0.0 &&
		-cw <= cx && cx <= cw &&
		-cw <= cy && cy <= cw &&
		-cw <= cz && cz <= cw;
}

/* The float at or below v (v finite or not). */
static float
float_down(double v)
{
	float		r = (float) v;

	if ((double) r > v)
		r = nextafterf(r, -INFINITY);
	return r;
}

/* The float at or above v. */
static float
float_up(double v)
{
	float		r = (float) v;

	if ((double) r < v)
		r = nextafterf(r, INFINITY);
	return r;
}

/* Conservative box test: false only when the box is surely out of view. */
bool
SimFrustumBoxMayIntersect(const SimFrustum *f, const double lo[3], const double hi[3])
{
	vec3		box[2];
	vec4		planes[6];
	double		X[3];
	int			j,
				k;

	for (j = 0; j < 3; j++)
	{
		box[0][j] = float_down(lo[j]);
		box[1][j] = float_up(hi[j]);
		if (!isfinite(box[0][j]) || !isfinite(box[1][j]))
			return true;
		X[j] = fmax(fabs((double) box[0][j]), fabs((double) box[1][j]));
	}
	for (k = 0; k < 6; k++)
	{
		double		margin;

		if (!f->usable[k])
		{
			glm_vec4_zero(planes[k]);	/* 0 < -0 is false: rejects nothing */
			continue;
		}
		margin = f->err[k][0] * X[0] + f->err[k][1] * X[1] + f->err[k][2] * X[2] + f->err[k][3];
		for (j = 0; j < 3; j++)
			planes[k][j] = f->planes[k][j];
		planes[k][3] = float_up((double) f->planes[k][3] + margin);
		if (!isfinite(planes[k][3]))
			glm_vec4_zero(planes[k]);
	}
	return glm_aabb_frustum(box, planes);
}

/* State of a grid query: the exact test in front of the caller's visit. */
typedef struct Query
{
	const SimFrustum *f;
	SimGridPointVisit visit;
	void	   *arg;
	uint64_t	visited;
	uint64_t	tested;
	bool		stopped;
} Query;

static int
test_point(void *arg, int64_t id, double x, double y, double z)
{
	Query	   *q = (Query *) arg;

	q->tested++;
	if (!SimFrustumContains(q->f, x, y, z))
		return 1;
	q->visited++;
	if (!q->visit(q->arg, id, x, y, z))
	{
		q->stopped = true;
		return 0;
	}
	return 1;
}

/* A box of cells [lo, hi) per axis. */
typedef struct CellBox
{
	int64_t		lo[3];
	int64_t		hi[3];
} CellBox;

/*
 * Collect into cells the cells of the grid's occupied range that the box
 * test keeps; false when more than max_cells cells or too many boxes would
 * be needed (or the range reaches the clamped cells).
 */
static bool
walk_cells(const SimGrid *g, const SimFrustum *f, uint64_t max_cells, int64_t *cells,
		   uint64_t *ncells, uint64_t *nboxes)
{
	CellBox		stack[SIM_FRUSTUM_STACK];
	int			top = 0;
	uint64_t	max_boxes = 4 * max_cells + 1024;
	double		cell = g->cell;
	int			j;

	*ncells = 0;
	*nboxes = 0;
	if (!(cell > 0.0) || !isfinite(cell))
		return false;
	for (j = 0; j < 3; j++)
	{
		if (g->cell_lo[j] <= -SIM_GRID_CELL_MAX || g->cell_hi[j] >= SIM_GRID_CELL_MAX)
			return false;
		stack[0].lo[j] = g->cell_lo[j];
		stack[0].hi[j] = g->cell_hi[j] + 1;
	}
	top = 1;
	while (top > 0)
	{
		CellBox		b = stack[--top];
		double		lo[3],
					hi[3];
		int64_t		mid[3];
		int			split[3];
		int			c;

		if (++*nboxes > max_boxes)
			return false;
		for (j = 0; j < 3; j++)
		{
			lo[j] = (double) b.lo[j] * cell;
			hi[j] = (double) b.hi[j] * cell;
			lo[j] -= fabs(lo[j]) * SIM_FRUSTUM_CELL_PAD + 1e-300;
			hi[j] += fabs(hi[j]) * SIM_FRUSTUM_CELL_PAD + 1e-300;
		}
		if (!SimFrustumBoxMayIntersect(f, lo, hi))
			continue;
		for (j = 0; j < 3; j++)
		{
			uint64_t	span = (uint64_t) b.hi[j] - (uint64_t) b.lo[j];

			split[j] = span > 1;
			mid[j] = b.lo[j] + (int64_t) (span / 2);
		}
		if (!split[0] && !split[1] && !split[2])
		{
			if (*ncells == max_cells)
				return false;
			for (j = 0; j < 3; j++)
				cells[3 * *ncells + j] = b.lo[j];
			++*ncells;
			continue;
		}
		/* children: each split axis in two halves (pushed last half first) */
		for (c = 7; c >= 0; c--)
		{
			CellBox		ch;
			bool		skip = false;

			for (j = 0; j < 3; j++)
			{
				int			upper = (c >> j) & 1;

				if (!split[j])
				{
					skip = skip || upper;
					ch.lo[j] = b.lo[j];
					ch.hi[j] = b.hi[j];
				}
				else
				{
					ch.lo[j] = upper ? mid[j] : b.lo[j];
					ch.hi[j] = upper ? b.hi[j] : mid[j];
				}
			}
			if (!skip)
				stack[top++] = ch;
		}
	}
	return true;
}

/*
 * Whether walking the cells is likely cheaper than testing every point: the
 * box around the frustum's eight corners (from the inverse matrix, in
 * double) meets at most max_cells of the occupied cells.  A guess that only
 * chooses the path: both give the same answer.  False for a frustum that is
 * unbounded or degenerate (a corner at w <= 0, a singular matrix).
 */
static bool
worth_walking(const SimGrid *g, const SimFrustum *f, uint64_t max_cells)
{
	double		a[4][8];
	double		lo[3] = {INFINITY, INFINITY, INFINITY};
	double		hi[3] = {-INFINITY, -INFINITY, -INFINITY};
	double		cells = 1.0;
	int			r,
				c,
				k;

	for (r = 0; r < 4; r++)
		for (c = 0; c < 4; c++)
		{
			a[r][c] = f->m[4 * c + r];
			a[r][4 + c] = (r == c);
		}
	for (c = 0; c < 4; c++)
	{
		int			p = c;
		double		d;

		for (r = c + 1; r < 4; r++)
			if (fabs(a[r][c]) > fabs(a[p][c]))
				p = r;
		if (!(fabs(a[p][c]) > 0.0))
			return false;
		for (k = 0; k < 8; k++)
		{
			double		t = a[c][k];

			a[c][k] = a[p][k];
			a[p][k] = t;
		}
		d = a[c][c];
		for (k = 0; k < 8; k++)
			a[c][k] /= d;
		for (r = 0; r < 4; r++)
			if (r != c)
			{
				double		e = a[r][c];

				for (k = 0; k < 8; k++)
					a[r][k] -= e * a[c][k];
			}
	}
	/* the corners: clip (+-1, +-1, +-1, 1) through the inverse */
	for (k = 0; k < 8; k++)
	{
		double		ndc[4] = {(k & 1) ? 1.0 : -1.0, (k & 2) ? 1.0 : -1.0, (k & 4) ? 1.0 : -1.0, 1.0};
		double		v[4];

		for (r = 0; r < 4; r++)
			v[r] = a[r][4] * ndc[0] + a[r][5] * ndc[1] + a[r][6] * ndc[2] + a[r][7] * ndc[3];
		if (!(v[3] > 0.0) && !(v[3] < 0.0))
			return false;
		for (r = 0; r < 3; r++)
		{
			double		p = v[r] / v[3];

			if (!isfinite(p))
				return false;
			lo[r] = fmin(lo[r], p);
			hi[r] = fmax(hi[r], p);
		}
	}
	for (r = 0; r < 3; r++)
	{
		double		l = fmax(floor(lo[r] / g->cell), (double) g->cell_lo[r]);
		double		h = fmin(floor(hi[r] / g->cell), (double) g->cell_hi[r]);

		if (h < l)
			return true;		/* nothing there: the walk ends at once */
		cells *= h - l + 1.0;
	}
	return cells <= (double) max_cells;
}

/* Every point of g in view, each once. */
uint64_t
SimGridInFrustum(const SimGrid *g, const SimFrustum *f, uint64_t max_cells, int64_t *cells,
				 SimGridPointVisit visit, void *arg, SimFrustumStats *stats)
{
	Query		q = {f, visit, arg, 0, 0, false};
	uint64_t	ncells = 0;
	uint64_t	nboxes = 0;
	bool		culled = false;
	uint64_t	i;

	if (g->npoints > 0 && worth_walking(g, f, max_cells))
		culled = walk_cells(g, f, max_cells, cells, &ncells, &nboxes);
	if (culled)
	{
		for (i = 0; i < ncells && !q.stopped; i++)
			SimGridVisitCell(g, cells[3 * i], cells[3 * i + 1], cells[3 * i + 2], test_point, &q);
	}
	else if (g->npoints > 0)
		SimGridVisitAll(g, test_point, &q);
	if (stats)
	{
		stats->culled = culled;
		stats->boxes = nboxes;
		stats->cells = culled ? ncells : 0;
		stats->tested = q.tested;
	}
	return q.visited;
}
