/*
 * kernel.c -- benchmark of the kinematics kernel against its peer, a plain
 * memory-bandwidth loop over the same bytes.
 *
 *	bench/kernel [n]		(n legs in flight, default 1000000)
 *
 * Each supported variant evaluates n legs at one tick, positions only and
 * then with velocities.  The peer reads the same 11 input columns and
 * writes the same 3 (or 6) output columns with a trivial sum, compiled
 * with the same flags.  Rounds alternate variants and peers so that both
 * see the same machine; the table shows median times, GB/s and the ratio
 * kernel rate / peer rate (1.0: the kernel runs at the speed of memory).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/core/kinematics.h"
#include "sim/core/rng.h"

#define NREPS 15
#define NIN 11
#define NOUT 6

/* Columns of the benchmark, each its own 64-byte aligned allocation. */
static double *in_col[NIN];
static double *out_col[NOUT];

/* Monotonic clock in milliseconds. */
static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec * 1e-6;
}

/* n doubles, 64-byte aligned, or NULL. */
static double *
alloc_column(size_t n)
{
	void	   *p = NULL;

	if (posix_memalign(&p, 64, (n > 0 ? n : 1) * sizeof(double)) != 0)
		return NULL;
	return p;
}

/* qsort order of doubles. */
static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

/* Median of n timings (sorts them). */
static double
median(double *v, int n)
{
	qsort(v, n, sizeof(double), cmp_double);
	return v[n / 2];
}

/*
 * The peer: read the 11 input columns, write nout output columns.  The
 * sums keep every load live; nothing else is computed.
 */
static void __attribute__((noinline))
bandwidth_loop(size_t n, int nout)
{
	const double *ox = in_col[0],
			   *oy = in_col[1],
			   *oz = in_col[2],
			   *dx = in_col[3],
			   *dy = in_col[4],
			   *dz = in_col[5],
			   *ac = in_col[6],
			   *tb = in_col[7],
			   *tc = in_col[8],
			   *tk = in_col[9],
			   *st = in_col[10];
	double	   *px = out_col[0],
			   *py = out_col[1],
			   *pz = out_col[2],
			   *vx = out_col[3],
			   *vy = out_col[4],
			   *vz = out_col[5];
	size_t		i;

	if (nout == 3)
		for (i = 0; i < n; i++)
		{
			px[i] = ox[i] + dx[i] + ac[i] + tb[i];
			py[i] = oy[i] + dy[i] + tc[i] + tk[i];
			pz[i] = oz[i] + dz[i] + st[i];
		}
	else
		for (i = 0; i < n; i++)
		{
			px[i] = ox[i] + dx[i] + ac[i] + tb[i];
			py[i] = oy[i] + dy[i] + tc[i] + tk[i];
			pz[i] = oz[i] + dz[i] + st[i];
			vx[i] = dx[i] + ac[i];
			vy[i] = dy[i] + tb[i];
			vz[i] = dz[i] + tc[i];
		}
}

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>

/*
 * The same peer with AVX-512 loads and stores, so that it is bound by
 * memory, not by instruction throughput (the plain loop is not vectorised
 * at -O2).  n % 8 trailing elements are done by the plain loop's formula.
 */
static void __attribute__((noinline, target("avx512f")))
bandwidth_loop_avx512(size_t n, int nout)
{
	double	  **in = in_col;
	double	  **o = out_col;
	size_t		i;

	for (i = 0; i + 8 <= n; i += 8)
	{
		__m512d		dx = _mm512_loadu_pd(in[3] + i),
					dy = _mm512_loadu_pd(in[4] + i),
					dz = _mm512_loadu_pd(in[5] + i),
					ac = _mm512_loadu_pd(in[6] + i),
					tb = _mm512_loadu_pd(in[7] + i),
					tc = _mm512_loadu_pd(in[8] + i),
					tk = _mm512_loadu_pd(in[9] + i),
					st = _mm512_loadu_pd(in[10] + i);

		_mm512_storeu_pd(o[0] + i,
						 _mm512_add_pd(_mm512_add_pd(_mm512_loadu_pd(in[0] + i), dx),
									   _mm512_add_pd(ac, tb)));
		_mm512_storeu_pd(o[1] + i,
						 _mm512_add_pd(_mm512_add_pd(_mm512_loadu_pd(in[1] + i), dy),
									   _mm512_add_pd(tc, tk)));
		_mm512_storeu_pd(o[2] + i,
						 _mm512_add_pd(_mm512_add_pd(_mm512_loadu_pd(in[2] + i), dz), st));
		if (nout == 6)
		{
			_mm512_storeu_pd(o[3] + i, _mm512_add_pd(dx, ac));
			_mm512_storeu_pd(o[4] + i, _mm512_add_pd(dy, tb));
			_mm512_storeu_pd(o[5] + i, _mm512_add_pd(dz, tc));
		}
	}
	for (; i < n; i++)
	{
		o[0][i] = in[0][i] + in[3][i] + in[6][i] + in[7][i];
		o[1][i] = in[1][i] + in[4][i] + in[8][i] + in[9][i];
		o[2][i] = in[2][i] + in[5][i] + in[10][i];
		if (nout == 6)
		{
			o[3][i] = in[3][i] + in[6][i];
			o[4][i] = in[4][i] + in[7][i];
			o[5][i] = in[5][i] + in[8][i];
		}
	}
}

/* The same peer with AVX2 loads and stores. */
static void __attribute__((noinline, target("avx2")))
bandwidth_loop_avx2(size_t n, int nout)
{
	double	  **in = in_col;
	double	  **o = out_col;
	size_t		i;

	for (i = 0; i + 4 <= n; i += 4)
	{
		__m256d		dx = _mm256_loadu_pd(in[3] + i),
					dy = _mm256_loadu_pd(in[4] + i),
					dz = _mm256_loadu_pd(in[5] + i),
					ac = _mm256_loadu_pd(in[6] + i),
					tb = _mm256_loadu_pd(in[7] + i),
					tc = _mm256_loadu_pd(in[8] + i),
					tk = _mm256_loadu_pd(in[9] + i),
					st = _mm256_loadu_pd(in[10] + i);

		_mm256_storeu_pd(o[0] + i,
						 _mm256_add_pd(_mm256_add_pd(_mm256_loadu_pd(in[0] + i), dx),
									   _mm256_add_pd(ac, tb)));
		_mm256_storeu_pd(o[1] + i,
						 _mm256_add_pd(_mm256_add_pd(_mm256_loadu_pd(in[1] + i), dy),
									   _mm256_add_pd(tc, tk)));
		_mm256_storeu_pd(o[2] + i,
						 _mm256_add_pd(_mm256_add_pd(_mm256_loadu_pd(in[2] + i), dz), st));
		if (nout == 6)
		{
			_mm256_storeu_pd(o[3] + i, _mm256_add_pd(dx, ac));
			_mm256_storeu_pd(o[4] + i, _mm256_add_pd(dy, tb));
			_mm256_storeu_pd(o[5] + i, _mm256_add_pd(dz, tc));
		}
	}
	for (; i < n; i++)
	{
		o[0][i] = in[0][i] + in[3][i] + in[6][i] + in[7][i];
		o[1][i] = in[1][i] + in[4][i] + in[8][i] + in[9][i];
		o[2][i] = in[2][i] + in[5][i] + in[10][i];
		if (nout == 6)
		{
			o[3][i] = in[3][i] + in[6][i];
			o[4][i] = in[4][i] + in[7][i];
			o[5][i] = in[5][i] + in[8][i];
		}
	}
}
#endif

/*
 * Run peer p (0: plain C loop, 1: the widest vector loop this CPU has).
 * Returns the name of the loop run.
 */
static const char *
run_peer(int p, size_t n, int nout)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
	if (p == 1 && SimKernelSupported(SIM_KERNEL_AVX512))
	{
		bandwidth_loop_avx512(n, nout);
		return "avx512";
	}
	if (p == 1 && SimKernelSupported(SIM_KERNEL_AVX2))
	{
		bandwidth_loop_avx2(n, nout);
		return "avx2";
	}
#endif
	bandwidth_loop(n, nout);
	return "plain C";
}

/* n random legs, in every phase at tick 1000 (some not yet started, some arrived). */
static void
fill_legs(size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
	{
		SimLeg		leg;
		double		a[3],
					b[3],
					d;
		int			c;

		for (c = 0; c < 3; c++)
		{
			a[c] = (SimRandUnit(1, c, i) - 0.5) * 2e9;
			b[c] = a[c] + (SimRandUnit(2, c, i) - 0.5) * 2e5;
		}
		SimLegPlan(&leg, a, b, 0.01 + SimRandUnit(3, 0, i), 50.0, 0.0);
		d = SimLegDuration(&leg);
		leg.start_tick = 1000.0 - (SimRandUnit(4, 0, i) * 1.2 - 0.1) * d;
		in_col[0][i] = leg.ox;
		in_col[1][i] = leg.oy;
		in_col[2][i] = leg.oz;
		in_col[3][i] = leg.dx;
		in_col[4][i] = leg.dy;
		in_col[5][i] = leg.dz;
		in_col[6][i] = leg.accel;
		in_col[7][i] = leg.t_burn;
		in_col[8][i] = leg.t_coast;
		in_col[9][i] = leg.t_brake;
		in_col[10][i] = leg.start_tick;
	}
}

/* Run the benchmark and print the table. */
int
main(int argc, char **argv)
{
	size_t		n = 1000000;
	SimLegColumns legs;
	SimStateColumns out;
	SimKernelVariant vars[3];
	double		best_ratio = 0.0;
	int			nvars = 0,
				v,
				r,
				c,
				with_v;
	double		t_kern[3][2][NREPS];
	double		t_peer[2][2][NREPS];
	double		peer_ms[2][2];
	const char *peer_name[2] = {"plain C", "plain C"};
	int			p;

	if (argc > 1)
	{
		long long	arg = atoll(argv[1]);

		if (arg < 1)
		{
			fprintf(stderr, "usage: %s [n]   (n >= 1 legs, default 1000000)\n", argv[0]);
			return 2;
		}
		n = (size_t) arg;
	}

	for (c = 0; c < NIN; c++)
		in_col[c] = alloc_column(n);
	for (c = 0; c < NOUT; c++)
		out_col[c] = alloc_column(n);
	for (c = 0; c < NIN; c++)
		if (!in_col[c])
		{
			fprintf(stderr, "out of memory\n");
			return 1;
		}
	for (c = 0; c < NOUT; c++)
		if (!out_col[c])
		{
			fprintf(stderr, "out of memory\n");
			return 1;
		}
	fill_legs(n);
	for (c = 0; c < NOUT; c++)
		memset(out_col[c], 0, n * sizeof(double));

	legs.ox = in_col[0];
	legs.oy = in_col[1];
	legs.oz = in_col[2];
	legs.dx = in_col[3];
	legs.dy = in_col[4];
	legs.dz = in_col[5];
	legs.accel = in_col[6];
	legs.t_burn = in_col[7];
	legs.t_coast = in_col[8];
	legs.t_brake = in_col[9];
	legs.start_tick = in_col[10];

	/* every supported variant, the best one last */
	vars[nvars++] = SIM_KERNEL_SCALAR;
	if (SimKernelSupported(SIM_KERNEL_AVX2))
		vars[nvars++] = SIM_KERNEL_AVX2;
	if (SimKernelSupported(SIM_KERNEL_AVX512))
		vars[nvars++] = SIM_KERNEL_AVX512;

	/* warm up: page in everything once */
	run_peer(0, n, NOUT);
	run_peer(1, n, NOUT);
	for (v = 0; v < nvars; v++)
	{
		out.px = out_col[0];
		out.py = out_col[1];
		out.pz = out_col[2];
		out.vx = out_col[3];
		out.vy = out_col[4];
		out.vz = out_col[5];
		SimKinematicsEvalVariant(vars[v], &legs, n, 1000.0, &out);
	}

	for (r = 0; r < NREPS; r++)
		for (with_v = 0; with_v <= 1; with_v++)
		{
			double		t0;

			out.px = out_col[0];
			out.py = out_col[1];
			out.pz = out_col[2];
			out.vx = with_v ? out_col[3] : NULL;
			out.vy = with_v ? out_col[4] : NULL;
			out.vz = with_v ? out_col[5] : NULL;

			for (p = 0; p < 2; p++)
			{
				t0 = now_ms();
				peer_name[p] = run_peer(p, n, with_v ? 6 : 3);
				t_peer[p][with_v][r] = now_ms() - t0;
			}

			for (v = 0; v < nvars; v++)
			{
				t0 = now_ms();
				SimKinematicsEvalVariant(vars[v], &legs, n, 1000.0 + r, &out);
				t_kern[v][with_v][r] = now_ms() - t0;
			}
		}

	printf("kinematics kernel: %zu legs, median of %d runs, best variant: %s\n",
		   n, NREPS, SimKernelName(SimKernelBest()));
	printf("ratio = kernel rate / rate of the faster peer (same bytes, same process)\n");
	printf("%-34s %10s %10s %8s\n", "job", "ms", "GB/s", "ratio");
	for (with_v = 0; with_v <= 1; with_v++)
	{
		int			nout = with_v ? 6 : 3;
		double		bytes = (double) n * (NIN + nout) * sizeof(double);
		double		best_peer;
		char		label[80];

		for (p = 0; p < 2; p++)
		{
			peer_ms[p][with_v] = median(t_peer[p][with_v], NREPS);
			snprintf(label, sizeof label, "peer: %s loop, 11 read %d write",
					 peer_name[p], nout);
			printf("%-34s %10.3f %10.2f %8s\n", label, peer_ms[p][with_v],
				   bytes / (peer_ms[p][with_v] * 1e6), "");
		}
		best_peer = peer_ms[0][with_v] < peer_ms[1][with_v] ?
			peer_ms[0][with_v] : peer_ms[1][with_v];
		for (v = 0; v < nvars; v++)
		{
			double		ms = median(t_kern[v][with_v], NREPS);

			snprintf(label, sizeof label, "kernel %s%s", SimKernelName(vars[v]),
					 with_v ? " +velocity" : "");
			printf("%-34s %10.3f %10.2f %8.2f\n", label, ms,
				   bytes / (ms * 1e6), best_peer / ms);
			if (!with_v && v == nvars - 1)
				best_ratio = best_peer / ms;
		}
	}
	printf("goal: ratio >= 0.50 for the best variant, positions only: %.2f, %s\n",
		   best_ratio, best_ratio >= 0.5 ? "met" : "NOT met");

	for (c = 0; c < NIN; c++)
		free(in_col[c]);
	for (c = 0; c < NOUT; c++)
		free(out_col[c]);
	return 0;
}
