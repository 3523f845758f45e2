/*
 * grid.c -- the spatial hash grid: layout, counting-sort build, radius and
 * k-nearest queries, visits of one cell or of every point.
 *
 * A point lies in the cell (floor(x/cell), floor(y/cell), floor(z/cell));
 * a cell maps to bucket hash(cell) & (nbuckets - 1).  Many cells share a
 * bucket, so a query that visits a cell scans that cell's bucket and keeps
 * only the points that really lie in the cell: each point is then seen once
 * however the cells of a query collide in the table.  Every answer is
 * checked by its true distance sqrt(dx*dx + dy*dy + dz*dz), dx = px - cx,
 * the formula of PostGIS's ST_3DDistance, so results match it exactly.
 *
 * Queries whose cube of cells is larger than the table (or than the number
 * of points, when a scan of all points is cheaper) scan all points instead.
 *
 * The grid holds no pointers, only offsets, and is owned by its caller; a
 * build must not run concurrently with queries on the same memory.
 */
#include "sim/core/grid.h"

#include <math.h>

#define SIM_GRID_ARR(g, off, type) ((type *) ((char *) (g) + (g)->off))

/* cell coordinates are clamped to +-2^62 (SIM_GRID_CELL_MAX) so that they fit an int64 */
#define SIM_GRID_CELL_LIMIT 0x1.0p62

/* beyond 2^50 cells from the origin, nearest-neighbour search scans */
#define SIM_GRID_NEAR_LIMIT 0x1.0p50

/* Round up to a multiple of 8 bytes. */
static inline size_t
align8(size_t n)
{
	return (n + 7) & ~(size_t) 7;
}

/* Cell coordinate of v: floor(v / cell), clamped (NaN goes to the bottom). */
static inline int64_t
cell_of(double v, double cell)
{
	double		q = floor(v / cell);

	if (!(q > -SIM_GRID_CELL_LIMIT))
		return -(INT64_C(1) << 62);
	if (q >= SIM_GRID_CELL_LIMIT)
		return INT64_C(1) << 62;
	return (int64_t) q;
}

/* Bucket of a cell: a SplitMix64-style mix of the three coordinates. */
static inline uint32_t
bucket_of(int64_t ix, int64_t iy, int64_t iz, uint32_t mask)
{
	uint64_t	h;

	h = (uint64_t) ix * UINT64_C(0x9e3779b97f4a7c15);
	h ^= (uint64_t) iy * UINT64_C(0xc2b2ae3d27d4eb4f);
	h ^= (uint64_t) iz * UINT64_C(0x165667b19e3779f9);
	h = (h ^ (h >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	h = (h ^ (h >> 27)) * UINT64_C(0x94d049bb133111eb);
	h ^= h >> 31;
	return (uint32_t) h & mask;
}

/* Distance between a point and the query centre, as PostGIS computes it. */
static inline double
distance(double px, double py, double pz, double cx, double cy, double cz)
{
	double		dx = px - cx;
	double		dy = py - cy;
	double		dz = pz - cz;

	return sqrt(dx * dx + dy * dy + dz * dz);
}

/* The largest power of two not above n (1 for n = 0). */
static uint32_t
floor_pow2(uint32_t n)
{
	uint32_t	p = 1;

	while (p <= n / 2)
		p <<= 1;
	return p;
}

/* Bytes needed for a grid of capacity points and nbuckets buckets. */
size_t
SimGridSize(uint32_t capacity, uint32_t nbuckets)
{
	size_t		nb = floor_pow2(nbuckets);

	return align8(sizeof(SimGrid)) + align8((nb + 1) * sizeof(uint32_t)) +
		(size_t) capacity * (3 * sizeof(double) + sizeof(int64_t));
}

/*
 * Lay out an empty grid in mem.  nbuckets is rounded down to a power of two;
 * a cell edge that is not a positive number is taken as infinite (one cell
 * holds everything, queries scan).
 */
SimGrid *
SimGridInit(void *mem, uint32_t capacity, uint32_t nbuckets, double cell)
{
	SimGrid    *g = (SimGrid *) mem;
	uint32_t	nb = floor_pow2(nbuckets);
	uint32_t   *start;
	uint32_t	b;

	g->cell = (cell > 0.0) ? cell : INFINITY;
	g->nbuckets = nb;
	g->capacity = capacity;
	g->npoints = 0;
	g->off_start = align8(sizeof(SimGrid));
	g->off_x = g->off_start + align8(((size_t) nb + 1) * sizeof(uint32_t));
	g->off_y = g->off_x + (uint64_t) capacity * sizeof(double);
	g->off_z = g->off_y + (uint64_t) capacity * sizeof(double);
	g->off_id = g->off_z + (uint64_t) capacity * sizeof(double);
	for (b = 0; b < 3; b++)
	{
		g->cell_lo[b] = SIM_GRID_CELL_MAX;
		g->cell_hi[b] = -SIM_GRID_CELL_MAX;
	}

	start = SIM_GRID_ARR(g, off_start, uint32_t);
	for (b = 0; b <= nb; b++)
		start[b] = 0;
	return g;
}

/*
 * Rebuild the grid from n points (at most capacity; extra points are
 * ignored), skipping points with a NaN coordinate.  id may be NULL: the
 * points' indexes are their ids then.  Points keep their input order within
 * a bucket, so a build is deterministic.
 */
void
SimGridBuild(SimGrid *g, const double *x, const double *y, const double *z,
			 const int64_t *id, uint32_t n, uint32_t *scratch)
{
	uint32_t   *start = SIM_GRID_ARR(g, off_start, uint32_t);
	double	   *gx = SIM_GRID_ARR(g, off_x, double);
	double	   *gy = SIM_GRID_ARR(g, off_y, double);
	double	   *gz = SIM_GRID_ARR(g, off_z, double);
	int64_t    *gid = SIM_GRID_ARR(g, off_id, int64_t);
	uint32_t   *bucket = scratch;
	uint32_t   *dest = scratch + n;
	uint32_t	mask = g->nbuckets - 1;
	double		cell = g->cell;
	uint32_t	i,
				b,
				kept = 0;
	int64_t		lo[3] = {SIM_GRID_CELL_MAX, SIM_GRID_CELL_MAX, SIM_GRID_CELL_MAX};
	int64_t		hi[3] = {-SIM_GRID_CELL_MAX, -SIM_GRID_CELL_MAX, -SIM_GRID_CELL_MAX};

	if (n > g->capacity)
		n = g->capacity;

	/* count the points of each bucket into start[b + 1] */
	for (b = 0; b <= g->nbuckets; b++)
		start[b] = 0;
	for (i = 0; i < n; i++)
	{
		int64_t		c[3];
		int			a;

		if (isnan(x[i]) || isnan(y[i]) || isnan(z[i]))
		{
			bucket[i] = UINT32_MAX;
			continue;
		}
		c[0] = cell_of(x[i], cell);
		c[1] = cell_of(y[i], cell);
		c[2] = cell_of(z[i], cell);
		for (a = 0; a < 3; a++)
		{
			lo[a] = c[a] < lo[a] ? c[a] : lo[a];
			hi[a] = c[a] > hi[a] ? c[a] : hi[a];
		}
		b = bucket_of(c[0], c[1], c[2], mask);
		bucket[i] = b;
		start[b + 1]++;
		kept++;
	}

	/* start[b] becomes the first slot of bucket b */
	for (b = 0; b < g->nbuckets; b++)
		start[b + 1] += start[b];

	/* each point's slot; start[b] runs on to the end of bucket b */
	for (i = 0; i < n; i++)
		if (bucket[i] != UINT32_MAX)
			dest[i] = start[bucket[i]]++;

	/* shift back: start[b] is again the first slot of bucket b */
	for (b = g->nbuckets; b > 0; b--)
		start[b] = start[b - 1];
	start[0] = 0;

	/* scatter one column at a time */
	for (i = 0; i < n; i++)
		if (bucket[i] != UINT32_MAX)
			gx[dest[i]] = x[i];
	for (i = 0; i < n; i++)
		if (bucket[i] != UINT32_MAX)
			gy[dest[i]] = y[i];
	for (i = 0; i < n; i++)
		if (bucket[i] != UINT32_MAX)
			gz[dest[i]] = z[i];
	for (i = 0; i < n; i++)
		if (bucket[i] != UINT32_MAX)
			gid[dest[i]] = id ? id[i] : (int64_t) i;

	g->npoints = kept;
	for (b = 0; b < 3; b++)
	{
		g->cell_lo[b] = lo[b];
		g->cell_hi[b] = hi[b];
	}
}


/*
 * Cells a query may visit before a scan of all points is preferred: the
 * table size, or the point count when that is smaller (but at least one
 * 3x3x3 cube).
 */
static double
cube_limit(const SimGrid *g)
{
	double		lim = g->nbuckets;

	if ((double) g->npoints < lim)
		lim = g->npoints < 27 ? 27.0 : (double) g->npoints;
	return lim;
}

/* Whether stored point j lies in cell (ix, iy, iz). */
static inline int
in_cell(const SimGrid *g, const double *gx, const double *gy,
		const double *gz, uint32_t j, int64_t ix, int64_t iy, int64_t iz)
{
	return cell_of(gx[j], g->cell) == ix &&
		cell_of(gy[j], g->cell) == iy &&
		cell_of(gz[j], g->cell) == iz;
}

/*
 * Visit every point within radius of (cx, cy, cz) (distance <= radius).
 * A NaN centre or radius, or a negative radius, finds nothing.  Returns the
 * number of points passed to visit (the last one included when it stopped
 * the query).
 */
uint64_t
SimGridWithin(const SimGrid *g, double cx, double cy, double cz,
			  double radius, SimGridVisit visit, void *arg)
{
	const uint32_t *start = SIM_GRID_ARR(g, off_start, const uint32_t);
	const double *gx = SIM_GRID_ARR(g, off_x, const double);
	const double *gy = SIM_GRID_ARR(g, off_y, const double);
	const double *gz = SIM_GRID_ARR(g, off_z, const double);
	const int64_t *gid = SIM_GRID_ARR(g, off_id, const int64_t);
	double		cell = g->cell;
	uint32_t	mask = g->nbuckets - 1;
	uint64_t	count = 0;
	double		pad,
				ncells;
	double		lo[3],
				hi[3];
	int64_t		ix0,
				ix1,
				iy0,
				iy1,
				iz0,
				iz1,
				ix,
				iy,
				iz;
	uint32_t	j;

	if (!(radius >= 0.0) || isnan(cx) || isnan(cy) || isnan(cz) ||
		g->npoints == 0)
		return 0;

	/*
	 * The bounding cube, widened by a few ulps so that every point whose
	 * rounded distance passes the test lies inside it.
	 */
	pad = (fabs(cx) + fabs(cy) + fabs(cz) + radius) * 0x1.0p-50;
	lo[0] = (cx - radius) - pad;
	hi[0] = (cx + radius) + pad;
	lo[1] = (cy - radius) - pad;
	hi[1] = (cy + radius) + pad;
	lo[2] = (cz - radius) - pad;
	hi[2] = (cz + radius) + pad;

	if (isfinite(cell) && isfinite(pad) &&
		isfinite(lo[0]) && isfinite(hi[0]) &&
		isfinite(lo[1]) && isfinite(hi[1]) &&
		isfinite(lo[2]) && isfinite(hi[2]))
	{
		ix0 = cell_of(lo[0], cell);
		ix1 = cell_of(hi[0], cell);
		iy0 = cell_of(lo[1], cell);
		iy1 = cell_of(hi[1], cell);
		iz0 = cell_of(lo[2], cell);
		iz1 = cell_of(hi[2], cell);
		/* in double: the int64 differences could overflow */
		ncells = ((double) ix1 - (double) ix0 + 1.0) *
			((double) iy1 - (double) iy0 + 1.0) *
			((double) iz1 - (double) iz0 + 1.0);

		if (ncells <= cube_limit(g))
		{
			for (ix = ix0; ix <= ix1; ix++)
				for (iy = iy0; iy <= iy1; iy++)
					for (iz = iz0; iz <= iz1; iz++)
					{
						uint32_t	b = bucket_of(ix, iy, iz, mask);

						for (j = start[b]; j < start[b + 1]; j++)
						{
							double		d = distance(gx[j], gy[j], gz[j],
													 cx, cy, cz);

							if (d <= radius &&
								in_cell(g, gx, gy, gz, j, ix, iy, iz))
							{
								count++;
								if (!visit(arg, gid[j], d))
									return count;
							}
						}
					}
			return count;
		}
	}

	/* scan everything */
	for (j = 0; j < g->npoints; j++)
	{
		double		d = distance(gx[j], gy[j], gz[j], cx, cy, cz);

		if (d <= radius)
		{
			count++;
			if (!visit(arg, gid[j], d))
				return count;
		}
	}
	return count;
}

/*
 * Whether hit a comes before hit b: by distance, then by id; a NaN distance
 * comes after every number.
 */
static inline int
hit_before(const SimGridHit *a, const SimGridHit *b)
{
	int			an = isnan(a->dist);
	int			bn = isnan(b->dist);

	if (an || bn)
	{
		if (an != bn)
			return bn;
		return a->id < b->id;
	}
	if (a->dist != b->dist)
		return a->dist < b->dist;
	return a->id < b->id;
}

/* Restore the max-heap (worst hit on top) below slot i of h[0..n). */
static void
heap_down(SimGridHit *h, uint32_t n, uint32_t i)
{
	for (;;)
	{
		uint32_t	l = 2 * i + 1;
		uint32_t	w = i;
		SimGridHit	t;

		if (l < n && hit_before(&h[w], &h[l]))
			w = l;
		if (l + 1 < n && hit_before(&h[w], &h[l + 1]))
			w = l + 1;
		if (w == i)
			return;
		t = h[i];
		h[i] = h[w];
		h[w] = t;
		i = w;
	}
}

/* A bounded max-heap of the best k hits so far, stored in the output array. */
typedef struct NearHeap
{
	SimGridHit *h;
	uint32_t	n;
	uint32_t	k;
} NearHeap;

/* Whether a hit would enter the heap. */
static inline int
heap_wants(const NearHeap *hp, const SimGridHit *hit)
{
	return hp->n < hp->k || hit_before(hit, &hp->h[0]);
}

/* Add a hit (heap_wants said yes), dropping the worst if the heap is full. */
static void
heap_add(NearHeap *hp, const SimGridHit *hit)
{
	if (hp->n < hp->k)
	{
		uint32_t	i = hp->n++;

		while (i > 0)
		{
			uint32_t	p = (i - 1) / 2;

			if (!hit_before(&hp->h[p], hit))
				break;
			hp->h[i] = hp->h[p];
			i = p;
		}
		hp->h[i] = *hit;
	}
	else
	{
		hp->h[0] = *hit;
		heap_down(hp->h, hp->n, 0);
	}
}

/*
 * The k points nearest to (cx, cy, cz), by increasing distance and then
 * id.  The search grows a cube of cells shell by shell around the centre's
 * cell until the k-th best distance is below the distance the cube is known
 * to cover; it scans all points when the cube grows too large, or when the
 * centre is not finite or too far out for cell arithmetic.  A NaN centre
 * gets points by id (all distances are NaN).
 */
uint32_t
SimGridNearest(const SimGrid *g, double cx, double cy, double cz,
			   uint32_t k, SimGridHit *out)
{
	const uint32_t *start = SIM_GRID_ARR(g, off_start, const uint32_t);
	const double *gx = SIM_GRID_ARR(g, off_x, const double);
	const double *gy = SIM_GRID_ARR(g, off_y, const double);
	const double *gz = SIM_GRID_ARR(g, off_z, const double);
	const int64_t *gid = SIM_GRID_ARR(g, off_id, const int64_t);
	double		cell = g->cell;
	uint32_t	mask = g->nbuckets - 1;
	NearHeap	hp;
	SimGridHit	hit;
	uint32_t	j,
				n;

	hp.h = out;
	hp.n = 0;
	hp.k = k < g->npoints ? k : g->npoints;
	if (hp.k == 0)
		return 0;

	if (isfinite(cell) && isfinite(cx) && isfinite(cy) && isfinite(cz) &&
		fabs(cx / cell) < SIM_GRID_NEAR_LIMIT &&
		fabs(cy / cell) < SIM_GRID_NEAR_LIMIT &&
		fabs(cz / cell) < SIM_GRID_NEAR_LIMIT)
	{
		int64_t		ix = cell_of(cx, cell);
		int64_t		iy = cell_of(cy, cell);
		int64_t		iz = cell_of(cz, cell);
		double		limit = cube_limit(g);
		double		slack = (fabs(cx) + fabs(cy) + fabs(cz)) * 0x1.0p-40;
		int64_t		r;

		for (r = 0;; r++)
		{
			double		side = 2.0 * (double) r + 1.0;
			double		cover,
						c;
			int64_t		ddx,
						ddy,
						ddz;

			if (side * side * side > limit)
				break;

			/* the cells at Chebyshev distance exactly r from the centre's */
			for (ddx = -r; ddx <= r; ddx++)
				for (ddy = -r; ddy <= r; ddy++)
				{
					int			rim = (ddx == -r || ddx == r ||
									   ddy == -r || ddy == r);
					int64_t		step = rim ? 1 : 2 * r;

					for (ddz = -r; ddz <= r; ddz += step)
					{
						int64_t		qx = ix + ddx;
						int64_t		qy = iy + ddy;
						int64_t		qz = iz + ddz;
						uint32_t	b = bucket_of(qx, qy, qz, mask);

						for (j = start[b]; j < start[b + 1]; j++)
						{
							hit.id = gid[j];
							hit.dist = distance(gx[j], gy[j], gz[j],
												cx, cy, cz);
							if (heap_wants(&hp, &hit) &&
								in_cell(g, gx, gy, gz, j, qx, qy, qz))
								heap_add(&hp, &hit);
						}
					}
				}

			if (hp.n < hp.k)
				continue;

			/* every point outside the cube is at least this far away */
			cover = cx - (double) (ix - r) * cell;
			c = (double) (ix + r + 1) * cell - cx;
			cover = c < cover ? c : cover;
			c = cy - (double) (iy - r) * cell;
			cover = c < cover ? c : cover;
			c = (double) (iy + r + 1) * cell - cy;
			cover = c < cover ? c : cover;
			c = cz - (double) (iz - r) * cell;
			cover = c < cover ? c : cover;
			c = (double) (iz + r + 1) * cell - cz;
			cover = c < cover ? c : cover;
			cover -= slack + (double) (r + 1) * cell * 0x1.0p-40;

			if (hp.h[0].dist < cover)
				goto done;
		}
		hp.n = 0;
	}

	/* scan everything */
	for (j = 0; j < g->npoints; j++)
	{
		hit.id = gid[j];
		hit.dist = distance(gx[j], gy[j], gz[j], cx, cy, cz);
		if (heap_wants(&hp, &hit))
			heap_add(&hp, &hit);
	}

done:
	/* heap sort in place: the worst goes to the end, repeatedly */
	for (n = hp.n; n > 1; n--)
	{
		SimGridHit	t = out[0];

		out[0] = out[n - 1];
		out[n - 1] = t;
		heap_down(out, n - 1, 0);
	}
	return hp.n;
}

/* Visit the points of cell (ix, iy, iz): those of its bucket that lie in it. */
uint64_t
SimGridVisitCell(const SimGrid *g, int64_t ix, int64_t iy, int64_t iz,
				 SimGridPointVisit visit, void *arg)
{
	const uint32_t *start = SIM_GRID_ARR(g, off_start, const uint32_t);
	const double *gx = SIM_GRID_ARR(g, off_x, const double);
	const double *gy = SIM_GRID_ARR(g, off_y, const double);
	const double *gz = SIM_GRID_ARR(g, off_z, const double);
	const int64_t *gid = SIM_GRID_ARR(g, off_id, const int64_t);
	uint32_t	b = bucket_of(ix, iy, iz, g->nbuckets - 1);
	uint64_t	count = 0;
	uint32_t	j;

	for (j = start[b]; j < start[b + 1]; j++)
	{
		if (!in_cell(g, gx, gy, gz, j, ix, iy, iz))
			continue;
		count++;
		if (!visit(arg, gid[j], gx[j], gy[j], gz[j]))
			break;
	}
	return count;
}

/* Visit every stored point. */
uint64_t
SimGridVisitAll(const SimGrid *g, SimGridPointVisit visit, void *arg)
{
	const double *gx = SIM_GRID_ARR(g, off_x, const double);
	const double *gy = SIM_GRID_ARR(g, off_y, const double);
	const double *gz = SIM_GRID_ARR(g, off_z, const double);
	const int64_t *gid = SIM_GRID_ARR(g, off_id, const int64_t);
	uint32_t	j;

	for (j = 0; j < g->npoints; j++)
		if (!visit(arg, gid[j], gx[j], gy[j], gz[j]))
			return (uint64_t) j + 1;
	return g->npoints;
}
