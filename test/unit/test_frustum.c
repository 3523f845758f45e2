/*
 * test_frustum.c -- unit tests of the view frustum (src/core/frustum.c):
 * the planes of known orthographic and perspective matrices, boxes in,
 * out and straddling, the box test never rejecting a box that holds a
 * point in view, and grid queries equal to a brute-force test of every
 * point on random cameras, with points crowded onto the frustum's faces.
 */
#include "unit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/frustum.h"
#include "sim/core/grid.h"

/* Column-major orthographic projection (glOrtho). */
static void
ortho(double l, double r, double b, double t, double n, double f, double m[16])
{
	memset(m, 0, 16 * sizeof(double));
	m[0] = 2.0 / (r - l);
	m[5] = 2.0 / (t - b);
	m[10] = -2.0 / (f - n);
	m[12] = -(r + l) / (r - l);
	m[13] = -(t + b) / (t - b);
	m[14] = -(f + n) / (f - n);
	m[15] = 1.0;
}

/* Column-major perspective projection (gluPerspective), fovy in radians. */
static void
perspective(double fovy, double aspect, double n, double f, double m[16])
{
	double		c = 1.0 / tan(fovy / 2.0);

	memset(m, 0, 16 * sizeof(double));
	m[0] = c / aspect;
	m[5] = c;
	m[10] = (f + n) / (n - f);
	m[11] = -1.0;
	m[14] = 2.0 * f * n / (n - f);
}

/* out = a * b, column-major. */
static void
mat_mul(const double a[16], const double b[16], double out[16])
{
	int			r,
				c,
				k;

	for (c = 0; c < 4; c++)
		for (r = 0; r < 4; r++)
		{
			double		s = 0.0;

			for (k = 0; k < 4; k++)
				s += a[4 * k + r] * b[4 * c + k];
			out[4 * c + r] = s;
		}
}

/* A view matrix looking from eye at centre (up: a random-ish axis). */
static void
look_at(const double eye[3], const double ctr[3], const double up[3], double m[16])
{
	double		f[3],
				s[3],
				u[3],
				len;
	int			i;

	for (i = 0; i < 3; i++)
		f[i] = ctr[i] - eye[i];
	len = sqrt(f[0] * f[0] + f[1] * f[1] + f[2] * f[2]);
	for (i = 0; i < 3; i++)
		f[i] /= len;
	s[0] = f[1] * up[2] - f[2] * up[1];
	s[1] = f[2] * up[0] - f[0] * up[2];
	s[2] = f[0] * up[1] - f[1] * up[0];
	len = sqrt(s[0] * s[0] + s[1] * s[1] + s[2] * s[2]);
	for (i = 0; i < 3; i++)
		s[i] /= len;
	u[0] = s[1] * f[2] - s[2] * f[1];
	u[1] = s[2] * f[0] - s[0] * f[2];
	u[2] = s[0] * f[1] - s[1] * f[0];
	memset(m, 0, 16 * sizeof(double));
	for (i = 0; i < 3; i++)
	{
		m[4 * i + 0] = s[i];
		m[4 * i + 1] = u[i];
		m[4 * i + 2] = -f[i];
	}
	m[12] = -(s[0] * eye[0] + s[1] * eye[1] + s[2] * eye[2]);
	m[13] = -(u[0] * eye[0] + u[1] * eye[1] + u[2] * eye[2]);
	m[14] = f[0] * eye[0] + f[1] * eye[1] + f[2] * eye[2];
	m[15] = 1.0;
}

/* Inverse of a column-major 4x4 matrix by Gauss-Jordan; false if singular. */
static bool
mat_inv(const double m[16], double inv[16])
{
	double		a[4][8];
	int			r,
				c,
				k;

	for (r = 0; r < 4; r++)
		for (c = 0; c < 4; c++)
		{
			a[r][c] = m[4 * c + r];
			a[r][4 + c] = (r == c);
		}
	for (c = 0; c < 4; c++)
	{
		int			p = c;
		double		d;

		for (r = c + 1; r < 4; r++)
			if (fabs(a[r][c]) > fabs(a[p][c]))
				p = r;
		if (a[p][c] == 0.0)
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
			if (r != c && a[r][c] != 0.0)
			{
				double		e = a[r][c];

				for (k = 0; k < 8; k++)
					a[r][k] -= e * a[c][k];
			}
	}
	for (r = 0; r < 4; r++)
		for (c = 0; c < 4; c++)
			inv[4 * c + r] = a[r][4 + c];
	return true;
}

/* The point whose clip coordinates are (x, y, z, 1) under inverse inv. */
static void
unproject(const double inv[16], double x, double y, double z, double p[3])
{
	double		v[4];
	int			r;

	for (r = 0; r < 4; r++)
		v[r] = inv[r] * x + inv[4 + r] * y + inv[8 + r] * z + inv[12 + r];
	for (r = 0; r < 3; r++)
		p[r] = v[r] / v[3];
}

static bool
near_eq(double a, double b, double tol)
{
	return fabs(a - b) <= tol;
}

/* cglm's planes of known matrices, normalized: left, right, bottom, top, near, far. */
static void
test_planes(void)
{
	SimFrustum	f;
	double		m[16];
	static const double ortho_planes[6][4] = {
		{1, 0, 0, 10}, {-1, 0, 0, 20}, {0, 1, 0, 5}, {0, -1, 0, 15}, {0, 0, -1, -1}, {0, 0, 1, 100}};
	double		h = sqrt(0.5);
	double		persp_planes[6][4] = {
		{h, 0, -h, 0}, {-h, 0, -h, 0}, {0, h, -h, 0}, {0, -h, -h, 0}, {0, 0, -1, -2}, {0, 0, 1, 50}};
	int			k,
				j;
	bool		ok = true;

	ortho(-10, 20, -5, 15, 1, 100, m);
	CHECK(SimFrustumInit(&f, m), "orthographic matrix refused");
	for (k = 0; k < 6; k++)
		for (j = 0; j < 4; j++)
			ok = ok && near_eq(f.planes[k][j], ortho_planes[k][j], 1e-4 * (1 + fabs(ortho_planes[k][j])));
	for (k = 0; k < 6; k++)
		ok = ok && f.usable[k];
	CHECK(ok, "orthographic planes differ from x >= -10, x <= 20, y >= -5, y <= 15, -100 <= z <= -1");

	perspective(M_PI / 2, 1.0, 2.0, 50.0, m);
	ok = SimFrustumInit(&f, m);
	for (k = 0; k < 6; k++)
		for (j = 0; j < 4; j++)
			ok = ok && near_eq(f.planes[k][j], persp_planes[k][j], 1e-4 * (1 + fabs(persp_planes[k][j])));
	CHECK(ok, "perspective planes (90 degrees, near 2, far 50) are not the expected ones");

	/* the exact rule on points of the perspective frustum */
	CHECK(SimFrustumContains(&f, 0, 0, -10), "a point ahead is out of view");
	CHECK(SimFrustumContains(&f, 9.9, -9.9, -10), "a point near the corner is out of view");
	CHECK(!SimFrustumContains(&f, 10.1, 0, -10), "a point right of the frustum is in view");
	CHECK(!SimFrustumContains(&f, 0, 0, 10), "a point behind the camera is in view");
	CHECK(!SimFrustumContains(&f, 0, 0, -1), "a point nearer than the near plane is in view");
	CHECK(!SimFrustumContains(&f, 0, 0, -51), "a point beyond the far plane is in view");
	CHECK(!SimFrustumContains(&f, 0, 0, 0), "the eye (w = 0) is in view");

	/* refused and degenerate matrices */
	m[5] = NAN;
	CHECK(!SimFrustumInit(&f, m), "a NaN entry is accepted");
	m[5] = INFINITY;
	CHECK(!SimFrustumInit(&f, m), "an infinite entry is accepted");
	m[5] = 2 * SIM_FRUSTUM_MAX_ENTRY;
	CHECK(!SimFrustumInit(&f, m), "an entry over the limit is accepted");
	memset(m, 0, sizeof(m));
	CHECK(SimFrustumInit(&f, m), "the zero matrix is refused");
	CHECK(!SimFrustumContains(&f, 1, 2, 3), "the zero matrix (w = 0) sees a point");
	{
		double		lo[3] = {-1, -1, -1},
					hi[3] = {1, 1, 1};

		CHECK(SimFrustumBoxMayIntersect(&f, lo, hi), "the zero matrix's planes reject a box");
	}
}

/* Boxes in, out and straddling an orthographic and a perspective view. */
static void
test_boxes(void)
{
	SimFrustum	f;
	double		m[16];
	struct
	{
		double		lo[3],
					hi[3];
		bool		may;
		const char *what;
	}			cases[] = {
		{{-1, -1, -5}, {1, 1, -4}, true, "inside"},
		{{20, -1, -5}, {30, 1, -4}, false, "right"},
		{{-30, -1, -5}, {-11, 1, -4}, false, "left"},
		{{-1, 11, -5}, {1, 20, -4}, false, "above"},
		{{-1, -1, 1}, {1, 1, 5}, false, "behind the camera"},
		{{-1, -1, -200}, {1, 1, -101}, false, "beyond the far plane"},
		{{5, -1, -5}, {15, 1, -4}, true, "straddling the right plane"},
		{{-50, -50, -150}, {50, 50, 50}, true, "holding the whole view"},
		{{-0.5, -0.5, -0.5}, {0.5, 0.5, 0.5}, false, "between the eye and the near plane"},
	};
	int			i;

	ortho(-10, 10, -10, 10, 1, 100, m);
	SimFrustumInit(&f, m);
	for (i = 0; i < (int) (sizeof(cases) / sizeof(cases[0])); i++)
		CHECK(SimFrustumBoxMayIntersect(&f, cases[i].lo, cases[i].hi) == cases[i].may,
			  "orthographic: box %s: expected %s", cases[i].what, cases[i].may ? "kept" : "rejected");

	perspective(M_PI / 2, 1.0, 1.0, 100.0, m);
	SimFrustumInit(&f, m);
	{
		double		lo1[3] = {-1, -1, -10},
					hi1[3] = {1, 1, -9};
		double		lo2[3] = {20, -1, -10},
					hi2[3] = {30, 1, -9};
		double		lo3[3] = {8, -1, -10},
					hi3[3] = {12, 1, -9};
		double		lo4[3] = {-1, -1, 2},
					hi4[3] = {1, 1, 3};

		CHECK(SimFrustumBoxMayIntersect(&f, lo1, hi1), "perspective: a box ahead is rejected");
		CHECK(!SimFrustumBoxMayIntersect(&f, lo2, hi2), "perspective: a box off to the right is kept");
		CHECK(SimFrustumBoxMayIntersect(&f, lo3, hi3), "perspective: a box across the right plane is rejected");
		CHECK(!SimFrustumBoxMayIntersect(&f, lo4, hi4), "perspective: a box behind is kept");
	}
}

/* A random camera: perspective or orthographic, looking at centre from afar. */
static void
random_camera(TestRng *r, const double ctr[3], double scale, double m[16], bool *persp)
{
	double		eye[3],
				up[3],
				look[3],
				view[16],
				proj[16];
	double		size = scale * test_rng_range(r, 0.01, 1.0);
	int			i;

	for (i = 0; i < 3; i++)
	{
		eye[i] = ctr[i] + test_rng_range(r, -2, 2) * scale;
		look[i] = ctr[i] + test_rng_range(r, -0.3, 0.3) * scale;
		up[i] = test_rng_range(r, -1, 1);
	}
	look_at(eye, look, up, view);
	*persp = test_rng_next(r) & 1;
	if (*persp)
		perspective(test_rng_range(r, 0.05, 2.0), test_rng_range(r, 0.5, 2.0),
					scale * test_rng_range(r, 0.001, 0.5), scale * test_rng_range(r, 1.0, 5.0), proj);
	else
	{
		double		a = test_rng_range(r, 0.5, 2.0);

		ortho(-size * a, size * a, -size, size, scale * test_rng_range(r, -1, 0.5),
			  scale * test_rng_range(r, 1.0, 5.0), proj);
	}
	mat_mul(proj, view, m);
}

/* Visitor collecting ids into a 0/1 array indexed by id. */
typedef struct Seen
{
	uint8_t    *mark;
	uint32_t	n;
	uint64_t	dup;
	uint64_t	wrong_pos;
	const double *x,
			   *y,
			   *z;
} Seen;

static int
seen_visit(void *arg, int64_t id, double x, double y, double z)
{
	Seen	   *s = arg;

	if (s->mark[id])
		s->dup++;
	s->mark[id] = 1;
	if (x != s->x[id] || y != s->y[id] || z != s->z[id])
		s->wrong_pos++;
	return 1;
}

/*
 * Grid queries on random cameras equal the brute-force rule, through the
 * cell walk and through the scan, with a third of the points crowded onto
 * the frustum's faces (within 1e-12 of clip coordinate +-w).
 */
static void
test_random_views(void)
{
	TestRng		r;
	uint32_t	n = 20000;
	double	   *x = malloc(n * sizeof(double));
	double	   *y = malloc(n * sizeof(double));
	double	   *z = malloc(n * sizeof(double));
	int64_t    *id = malloc(n * sizeof(int64_t));
	uint32_t   *scratch = malloc(2 * n * sizeof(uint32_t));
	uint8_t    *mark = malloc(n);
	uint64_t	max_cells = 20000;
	int64_t    *cells = malloc(3 * max_cells * sizeof(int64_t));
	int			trial;
	int			mismatched = 0,
				culled = 0,
				scanned = 0,
				nonempty = 0,
				dup = 0,
				wrong_pos = 0,
				box_errors = 0;
	uint64_t	points_on_faces = 0;
	uint64_t	tested_sum = 0;

	test_rng_seed(&r, 14);
	for (trial = 0; trial < 200; trial++)
	{
		double		scale = trial % 3 == 0 ? 1e6 : (trial % 3 == 1 ? 1e3 : 1.0);
		double		ctr[3] = {test_rng_range(&r, -1, 1) * scale * 3,
		test_rng_range(&r, -1, 1) * scale * 3, test_rng_range(&r, -1, 1) * scale * 3};
		double		m[16],
					inv[16];
		double		cell = scale * (trial % 2 ? 0.05 : 0.3);
		uint32_t	nbuckets = trial % 4 == 0 ? 64 : 32768;
		void	   *mem = malloc(SimGridSize(n, nbuckets));
		SimGrid    *g = SimGridInit(mem, n, nbuckets, cell);
		SimFrustum	f;
		SimFrustumStats st;
		Seen		s = {mark, n, 0, 0, x, y, z};
		bool		persp;
		bool		invertible;
		uint32_t	i;
		uint64_t	expect = 0,
					got,
					differ = 0;

		random_camera(&r, ctr, scale, m, &persp);
		invertible = mat_inv(m, inv);
		for (i = 0; i < n; i++)
		{
			id[i] = i;
			if (i % 3 == 0 && invertible)
			{
				/* on a face: one clip coordinate at +-1 (w = 1), a hair either side */
				double		c[3];
				double		p[3];
				int			axis = (int) (test_rng_next(&r) % 3);
				int			k;

				for (k = 0; k < 3; k++)
					c[k] = test_rng_range(&r, -1.05, 1.05);
				c[axis] = ((test_rng_next(&r) & 1) ? 1.0 : -1.0) * (1.0 + test_rng_range(&r, -1e-12, 1e-12));
				unproject(inv, c[0], c[1], c[2], p);
				x[i] = p[0];
				y[i] = p[1];
				z[i] = p[2];
			}
			else
			{
				x[i] = ctr[0] + test_rng_range(&r, -3, 3) * scale;
				y[i] = ctr[1] + test_rng_range(&r, -3, 3) * scale;
				z[i] = ctr[2] + test_rng_range(&r, -3, 3) * scale;
			}
		}
		SimGridBuild(g, x, y, z, id, n, scratch);
		CHECK(SimFrustumInit(&f, m), "trial %d: camera refused", trial);

		memset(mark, 0, n);
		got = SimGridInFrustum(g, &f, trial % 5 == 0 ? 10 : max_cells, cells, seen_visit, &s, &st);
		for (i = 0; i < n; i++)
		{
			bool		in = SimFrustumContains(&f, x[i], y[i], z[i]);

			expect += in;
			differ += in != (mark[i] != 0);
		}
		if (differ != 0 || got != expect)
			mismatched++;
		dup += s.dup > 0;
		wrong_pos += s.wrong_pos > 0;
		culled += st.culled;
		scanned += !st.culled;
		nonempty += expect > 0;
		if (st.culled)
		{
			tested_sum += st.tested;
		}

		/* a box that is one point in view, on a face, is never rejected */
		for (i = 0; i < n; i += 3)
		{
			double		p[3] = {x[i], y[i], z[i]};

			if (SimFrustumContains(&f, x[i], y[i], z[i]))
			{
				points_on_faces++;
				if (!SimFrustumBoxMayIntersect(&f, p, p))
					box_errors++;
			}
		}
		/* nor is a grid cell holding a point in view */
		for (i = 0; i < n; i += 7)
		{
			double		lo[3] = {floor(x[i] / cell) * cell, floor(y[i] / cell) * cell, floor(z[i] / cell) * cell};
			double		hi[3] = {lo[0] + cell, lo[1] + cell, lo[2] + cell};

			if (SimFrustumContains(&f, x[i], y[i], z[i]) &&
				x[i] >= lo[0] && x[i] <= hi[0] && y[i] >= lo[1] && y[i] <= hi[1] &&
				z[i] >= lo[2] && z[i] <= hi[2] &&
				!SimFrustumBoxMayIntersect(&f, lo, hi))
				box_errors++;
		}
		free(mem);
	}
	CHECK(mismatched == 0, "%d of 200 random views differ from the brute-force rule", mismatched);
	CHECK(dup == 0, "%d views visited a point twice", dup);
	CHECK(wrong_pos == 0, "%d views passed a point's coordinates wrongly", wrong_pos);
	CHECK(box_errors == 0, "%d boxes holding a point in view were rejected", box_errors);
	CHECK(points_on_faces > 100000, "only %llu points in view on the faces", (unsigned long long) points_on_faces);
	CHECK(nonempty > 150, "only %d of 200 views see any point", nonempty);
	CHECK(culled > 50 && scanned > 50, "cell walk %d times, scan %d times: both paths must run", culled, scanned);
	CHECK(tested_sum < (uint64_t) culled * n / 2,
		  "the cell walk tested %llu points over %d views: it does not skip cells",
		  (unsigned long long) tested_sum, culled);
	free(x);
	free(y);
	free(z);
	free(id);
	free(scratch);
	free(mark);
	free(cells);
}

/* The grid records the cells its points occupy. */
static void
test_grid_bounds(void)
{
	double		x[3] = {-2500, 10, 999},
				y[3] = {0, -1, 5000},
				z[3] = {NAN, 1, 2};
	uint32_t	scratch[6];
	void	   *mem = malloc(SimGridSize(3, 16));
	SimGrid    *g = SimGridInit(mem, 3, 16, 1000);

	CHECK(g->cell_lo[0] > g->cell_hi[0], "an empty grid has a range of cells");
	SimGridBuild(g, x, y, z, NULL, 3, scratch);
	CHECK(g->cell_lo[0] == 0 && g->cell_hi[0] == 0 && g->cell_lo[1] == -1 && g->cell_hi[1] == 5 &&
		  g->cell_lo[2] == 0 && g->cell_hi[2] == 0,
		  "cell range [%lld, %lld] [%lld, %lld] [%lld, %lld], expected [0, 0] [-1, 5] [0, 0] (NaN point skipped)",
		  (long long) g->cell_lo[0], (long long) g->cell_hi[0], (long long) g->cell_lo[1],
		  (long long) g->cell_hi[1], (long long) g->cell_lo[2], (long long) g->cell_hi[2]);
	free(mem);
}

void
test_frustum(void)
{
	test_planes();
	test_boxes();
	test_random_views();
	test_grid_bounds();
}
