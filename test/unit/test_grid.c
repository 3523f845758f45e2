/*
 * test_grid.c -- unit tests of the spatial hash grid: radius and nearest
 * queries against brute force, on spread, clustered and duplicate points,
 * with tables small enough to force bucket collisions and scans.
 */
#include "unit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/grid.h"

/* A point set with its grid. */
typedef struct PointSet
{
	uint32_t	n;
	double	   *x,
			   *y,
			   *z;
	int64_t    *id;
	SimGrid    *g;
	void	   *mem;
} PointSet;

/* Hits collected by a radius query. */
typedef struct Collect
{
	SimGridHit *hits;
	uint64_t	n;
	uint64_t	cap;
	uint64_t	stop_after;		/* 0: never stop */
} Collect;

/* Radius-query visitor: records each hit, stops after stop_after hits. */
static int
collect_visit(void *arg, int64_t id, double dist)
{
	Collect    *c = arg;

	if (c->n < c->cap)
	{
		c->hits[c->n].id = id;
		c->hits[c->n].dist = dist;
	}
	c->n++;
	return !(c->stop_after && c->n >= c->stop_after);
}

/* qsort order of hits: by distance, then id. */
static int
cmp_hit(const void *a, const void *b)
{
	const SimGridHit *x = a,
			   *y = b;

	if (x->dist != y->dist)
		return x->dist < y->dist ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return 0;
}

/* Distance computed exactly as the grid promises to. */
static double
dist3(double px, double py, double pz, double cx, double cy, double cz)
{
	double		dx = px - cx,
				dy = py - cy,
				dz = pz - cz;

	return sqrt(dx * dx + dy * dy + dz * dz);
}

/* Lay out and build a grid over the point set. */
static void
pointset_build(PointSet *ps, uint32_t nbuckets, double cell)
{
	uint32_t   *scratch = malloc((2 * (size_t) ps->n + 1) * sizeof(uint32_t));
	size_t		size = SimGridSize(ps->n, nbuckets);

	ps->mem = malloc(size);
	ps->g = SimGridInit(ps->mem, ps->n, nbuckets, cell);
	CHECK(ps->g->off_id + (uint64_t) ps->n * sizeof(int64_t) <= size,
		  "grid arrays fit SimGridSize");
	CHECK((ps->g->off_x % 8) == 0 && (ps->g->off_start % 8) == 0,
		  "grid arrays are 8-byte aligned");
	SimGridBuild(ps->g, ps->x, ps->y, ps->z, ps->id, ps->n, scratch);
	free(scratch);
}

/* Brute-force answer to a radius query, sorted by (dist, id). */
static uint64_t
brute_within(const PointSet *ps, double cx, double cy, double cz, double r,
			 SimGridHit *out)
{
	uint64_t	n = 0;
	uint32_t	i;

	for (i = 0; i < ps->n; i++)
	{
		double		d;

		if (isnan(ps->x[i]) || isnan(ps->y[i]) || isnan(ps->z[i]))
			continue;
		d = dist3(ps->x[i], ps->y[i], ps->z[i], cx, cy, cz);
		if (d <= r)
		{
			out[n].id = ps->id[i];
			out[n].dist = d;
			n++;
		}
	}
	qsort(out, n, sizeof(SimGridHit), cmp_hit);
	return n;
}

/* Brute-force k nearest, sorted by (dist, id). */
static uint32_t
brute_nearest(const PointSet *ps, double cx, double cy, double cz, uint32_t k,
			  SimGridHit *out)
{
	uint64_t	n = brute_within(ps, cx, cy, cz, INFINITY, out);

	return (uint32_t) (n < k ? n : k);
}

/* Whether two hit lists are equal, distances bit for bit. */
static int
same_hits(const SimGridHit *a, const SimGridHit *b, uint64_t n)
{
	uint64_t	i;

	for (i = 0; i < n; i++)
		if (a[i].id != b[i].id || memcmp(&a[i].dist, &b[i].dist, sizeof(double)) != 0)
			return 0;
	return 1;
}

/* Compare radius and nearest queries around (cx, cy, cz) with brute force. */
static void
check_queries(const PointSet *ps, const char *what, double cx, double cy,
			  double cz, double radius, uint32_t k)
{
	SimGridHit *want = malloc(((size_t) ps->n + k + 1) * sizeof(SimGridHit));
	SimGridHit *got = malloc(((size_t) ps->n + k + 1) * sizeof(SimGridHit));
	Collect		c;
	uint64_t	nw,
				ng;
	uint32_t	kw,
				kg;

	nw = brute_within(ps, cx, cy, cz, radius, want);
	c.hits = got;
	c.n = 0;
	c.cap = ps->n + 1;
	c.stop_after = 0;
	ng = SimGridWithin(ps->g, cx, cy, cz, radius, collect_visit, &c);
	qsort(got, c.n < c.cap ? c.n : c.cap, sizeof(SimGridHit), cmp_hit);
	CHECK(ng == c.n && ng == nw && same_hits(want, got, nw),
		  "%s: within r=%g at (%g,%g,%g): got %llu, want %llu",
		  what, radius, cx, cy, cz, (unsigned long long) ng,
		  (unsigned long long) nw);

	kw = brute_nearest(ps, cx, cy, cz, k, want);
	kg = SimGridNearest(ps->g, cx, cy, cz, k, got);
	CHECK(kg == kw && same_hits(want, got, kw),
		  "%s: nearest k=%u at (%g,%g,%g): got %u, want %u",
		  what, k, cx, cy, cz, kg, kw);
	free(want);
	free(got);
}

/* Columns for n points. */
static void
pointset_alloc(PointSet *ps, uint32_t n)
{
	ps->n = n;
	ps->x = malloc((n + 1) * sizeof(double));
	ps->y = malloc((n + 1) * sizeof(double));
	ps->z = malloc((n + 1) * sizeof(double));
	ps->id = malloc((n + 1) * sizeof(int64_t));
	ps->mem = NULL;
}

/* Release a point set and its grid. */
static void
pointset_free(PointSet *ps)
{
	free(ps->x);
	free(ps->y);
	free(ps->z);
	free(ps->id);
	free(ps->mem);
}

/* Random points: spread, clustered in a few cells, duplicated, some NaN. */
static void
pointset_random(PointSet *ps, TestRng *r, double extent, int kind)
{
	uint32_t	i;

	for (i = 0; i < ps->n; i++)
	{
		ps->id[i] = (int64_t) (test_rng_next(r) % 1000000) * 1000 + i;
		if (kind == 0 || (kind == 2 && i % 3 == 0))
		{
			ps->x[i] = test_rng_range(r, -extent, extent);
			ps->y[i] = test_rng_range(r, -extent, extent);
			ps->z[i] = test_rng_range(r, -extent, extent);
		}
		else if (kind == 1)
		{
			/* a few tight clusters */
			double		c = (double) (i % 4) * extent * 0.3;

			ps->x[i] = c + test_rng_range(r, -extent * 1e-3, extent * 1e-3);
			ps->y[i] = -c + test_rng_range(r, -extent * 1e-3, extent * 1e-3);
			ps->z[i] = test_rng_range(r, -extent * 1e-3, extent * 1e-3);
		}
		else
		{
			/* duplicates of earlier points, with their own ids */
			uint32_t	j = (uint32_t) (test_rng_next(r) % (i + 1));

			if (j == i)
				j = 0;
			ps->x[i] = (i == 0) ? 1.0 : ps->x[j];
			ps->y[i] = (i == 0) ? 2.0 : ps->y[j];
			ps->z[i] = (i == 0) ? 3.0 : ps->z[j];
		}
		if (test_rng_next(r) % 97 == 0)
			ps->y[i] = NAN;
	}
}

/* Radius and nearest queries agree with brute force on many configurations. */
static void
test_grid_random(void)
{
	static const uint32_t nbuckets[] = {1, 2, 8, 64, 1024, 1u << 16};
	static const double cells[] = {0.5, 10.0, 1000.0, 1e7};
	TestRng		r;
	int			kind;
	size_t		bi,
				ci;
	char		what[128];

	test_rng_seed(&r, 7);
	for (kind = 0; kind < 3; kind++)
		for (bi = 0; bi < sizeof(nbuckets) / sizeof(nbuckets[0]); bi++)
			for (ci = 0; ci < sizeof(cells) / sizeof(cells[0]); ci++)
			{
				PointSet	ps;
				uint32_t	n = (uint32_t) (test_rng_next(&r) % 1500);
				int			q;

				pointset_alloc(&ps, n);
				pointset_random(&ps, &r, 1000.0, kind);
				pointset_build(&ps, nbuckets[bi], cells[ci]);
				snprintf(what, sizeof what, "kind %d, %u points, %u buckets, cell %g",
						 kind, n, nbuckets[bi], cells[ci]);

				for (q = 0; q < 12; q++)
				{
					double		cx,
								cy,
								cz,
								radius;
					uint32_t	k;

					if (n > 0 && q % 3 == 0)
					{
						/* centred on a stored point */
						uint32_t	j = (uint32_t) (test_rng_next(&r) % n);

						cx = ps.x[j];
						cy = isnan(ps.y[j]) ? 0.0 : ps.y[j];
						cz = ps.z[j];
					}
					else
					{
						cx = test_rng_range(&r, -1500.0, 1500.0);
						cy = test_rng_range(&r, -1500.0, 1500.0);
						cz = test_rng_range(&r, -1500.0, 1500.0);
					}
					switch (q % 6)
					{
						case 0:
							radius = 0.0;
							break;
						case 1:
							radius = test_rng_range(&r, 0.0, 5.0);
							break;
						case 2:
							radius = test_rng_range(&r, 0.0, 200.0);
							break;
						case 3:
							radius = test_rng_range(&r, 500.0, 5000.0);
							break;
						case 4:
							radius = 1e300;
							break;
						default:
							radius = INFINITY;
							break;
					}
					switch (q % 4)
					{
						case 0:
							k = 1;
							break;
						case 1:
							k = 7;
							break;
						case 2:
							k = 100;
							break;
						default:
							k = n + 10;
							break;
					}
					check_queries(&ps, what, cx, cy, cz, radius, k);
				}
				pointset_free(&ps);
			}
}

/* Edge cases: empty grid, k = 0, bad radius, early stop, far centres. */
static void
test_grid_edges(void)
{
	PointSet	ps;
	TestRng		r;
	SimGridHit	out[64];
	Collect		c;
	uint64_t	got;
	uint32_t	i;

	/* an empty grid answers nothing */
	pointset_alloc(&ps, 0);
	pointset_build(&ps, 16, 1.0);
	CHECK(SimGridNearest(ps.g, 0, 0, 0, 5, out) == 0, "empty grid: no nearest");
	c.hits = out;
	c.n = 0;
	c.cap = 64;
	c.stop_after = 0;
	CHECK(SimGridWithin(ps.g, 0, 0, 0, INFINITY, collect_visit, &c) == 0,
		  "empty grid: nothing within");
	pointset_free(&ps);

	test_rng_seed(&r, 11);
	pointset_alloc(&ps, 200);
	pointset_random(&ps, &r, 100.0, 0);
	for (i = 0; i < 200; i++)
		ps.y[i] = isnan(ps.y[i]) ? 0.0 : ps.y[i];
	pointset_build(&ps, 64, 5.0);
	CHECK(ps.g->npoints == 200, "all 200 points stored");

	CHECK(SimGridNearest(ps.g, 0, 0, 0, 0, out) == 0, "k = 0 gives nothing");
	c.n = 0;
	CHECK(SimGridWithin(ps.g, 0, 0, 0, -1.0, collect_visit, &c) == 0 && c.n == 0,
		  "negative radius finds nothing");
	CHECK(SimGridWithin(ps.g, 0, 0, 0, NAN, collect_visit, &c) == 0 && c.n == 0,
		  "NaN radius finds nothing");
	CHECK(SimGridWithin(ps.g, NAN, 0, 0, 10.0, collect_visit, &c) == 0 && c.n == 0,
		  "NaN centre finds nothing");

	c.n = 0;
	c.stop_after = 3;
	got = SimGridWithin(ps.g, 0, 0, 0, INFINITY, collect_visit, &c);
	CHECK(got == 3 && c.n == 3, "visitor stops the query after 3 (got %llu)",
		  (unsigned long long) got);
	c.n = 0;
	got = SimGridWithin(ps.g, 0, 0, 0, 30.0, collect_visit, &c);
	CHECK(got == 3 && c.n == 3, "visitor stops a cell query after 3 (got %llu)",
		  (unsigned long long) got);

	/* far away and huge centres still answer exactly */
	check_queries(&ps, "far centre", 1e9, -1e9, 5e8, 2e9, 5);
	check_queries(&ps, "very far centre", 1e300, 0, 0, INFINITY, 3);
	check_queries(&ps, "infinite centre", INFINITY, 0, 0, 10.0, 3);
	check_queries(&ps, "exactly at a point", ps.x[17], ps.y[17], ps.z[17], 0.0, 1);
	pointset_free(&ps);

	/* NaN points are skipped */
	pointset_alloc(&ps, 10);
	for (i = 0; i < 10; i++)
	{
		ps.x[i] = i;
		ps.y[i] = (i % 2) ? NAN : 0.0;
		ps.z[i] = 0.0;
		ps.id[i] = i;
	}
	pointset_build(&ps, 8, 1.0);
	CHECK(ps.g->npoints == 5, "NaN points skipped: %u stored", ps.g->npoints);
	CHECK(SimGridNearest(ps.g, 3.2, 0, 0, 2, out) == 2 &&
		  out[0].id == 4 && out[1].id == 2, "nearest to 3.2 are 4 then 2");
	pointset_free(&ps);

	/* points on cell boundaries and a coarse-rounded large coordinate */
	pointset_alloc(&ps, 27);
	for (i = 0; i < 27; i++)
	{
		ps.x[i] = 1e8 + (double) (i % 3) * 4.0;
		ps.y[i] = (double) ((i / 3) % 3) * 4.0 - 4.0;
		ps.z[i] = (double) (i / 9) * 4.0;
		ps.id[i] = 100 - i;
	}
	pointset_build(&ps, 32, 4.0);
	check_queries(&ps, "lattice on cell edges", 1e8 + 4.0, 0.0, 4.0, 4.0, 7);
	check_queries(&ps, "lattice between points", 1e8 + 2.0, 2.0, 2.0, sqrt(12.0), 8);
	pointset_free(&ps);
}

/* Runs the grid suite. */
void
test_grid(void)
{
	test_grid_random();
	test_grid_edges();
}
