/*
 * test_kinematics.c -- unit tests of flight-plan legs and the kinematics
 * kernels: every SIMD variant this CPU supports against the scalar
 * reference, bit for bit, and the properties of planned legs.
 */
#include "unit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/kinematics.h"

#define NCOLS_IN 11
#define NCOLS_OUT 6

/* Backing store for n legs and their outputs, deliberately misaligned. */
typedef struct LegSet
{
	double	   *in_mem;
	double	   *out_mem;
	size_t		n;
	SimLegColumns legs;
	SimStateColumns out;
} LegSet;

/* Guard doubles after each output column, to catch writes past n. */
#define GUARD 9
#define CANARY (-1234.5678)

/* Column c of a column block, 8 bytes off a 16-byte boundary. */
static double *
column(double *base, size_t n, int c)
{
	/* +1: columns start 8 bytes past a 16-byte boundary */
	return base + 1 + (size_t) c * (n + GUARD + 1);
}

/* Columns for n legs and their outputs, each followed by guard slots. */
static void
legset_alloc(LegSet *ls, size_t n)
{
	size_t		per = n + GUARD + 1;

	ls->n = n;
	ls->in_mem = malloc((NCOLS_IN * per + 1) * sizeof(double));
	ls->out_mem = malloc((NCOLS_OUT * per + 1) * sizeof(double));
	ls->legs.ox = column(ls->in_mem, n, 0);
	ls->legs.oy = column(ls->in_mem, n, 1);
	ls->legs.oz = column(ls->in_mem, n, 2);
	ls->legs.dx = column(ls->in_mem, n, 3);
	ls->legs.dy = column(ls->in_mem, n, 4);
	ls->legs.dz = column(ls->in_mem, n, 5);
	ls->legs.accel = column(ls->in_mem, n, 6);
	ls->legs.t_burn = column(ls->in_mem, n, 7);
	ls->legs.t_coast = column(ls->in_mem, n, 8);
	ls->legs.t_brake = column(ls->in_mem, n, 9);
	ls->legs.start_tick = column(ls->in_mem, n, 10);
	ls->out.px = column(ls->out_mem, n, 0);
	ls->out.py = column(ls->out_mem, n, 1);
	ls->out.pz = column(ls->out_mem, n, 2);
	ls->out.vx = column(ls->out_mem, n, 3);
	ls->out.vy = column(ls->out_mem, n, 4);
	ls->out.vz = column(ls->out_mem, n, 5);
}

/* Release a leg set. */
static void
legset_free(LegSet *ls)
{
	free(ls->in_mem);
	free(ls->out_mem);
}

/* Fill every output slot, guards included, with the canary. */
static void
legset_clear_out(LegSet *ls)
{
	size_t		i,
				per = ls->n + GUARD + 1;

	for (i = 0; i < NCOLS_OUT * per + 1; i++)
		ls->out_mem[i] = CANARY;
}

/* Whether every guard slot after the n outputs still holds the canary. */
static int
guards_intact(const LegSet *ls)
{
	double	   *cols[NCOLS_OUT];
	int			c;
	size_t		i;

	cols[0] = ls->out.px;
	cols[1] = ls->out.py;
	cols[2] = ls->out.pz;
	cols[3] = ls->out.vx;
	cols[4] = ls->out.vy;
	cols[5] = ls->out.vz;
	for (c = 0; c < NCOLS_OUT; c++)
		for (i = 0; i < GUARD; i++)
			if (cols[c][ls->n + i] != CANARY)
				return 0;
	return 1;
}

/* A random duration: zero, a whole number of seconds, or any real. */
static double
random_duration(TestRng *r)
{
	switch (test_rng_next(r) % 4)
	{
		case 0:
			return 0.0;
		case 1:
			return (double) (test_rng_next(r) % 5000);
		case 2:
			return test_rng_range(r, 0.0, 1e-3);
		default:
			return test_rng_range(r, 0.0, 1e6);
	}
}

/*
 * Fill leg i with a random leg and a start tick that puts tick before,
 * at, inside or after each of its phases.
 */
static void
random_leg(TestRng *r, LegSet *ls, size_t i, double tick)
{
	SimLegColumns *L = &ls->legs;
	double		d[3],
				len = 0.0,
				tb,
				tc,
				tk,
				tau;
	int			c;

	L->ox[i] = test_rng_range(r, -1e9, 1e9);
	L->oy[i] = test_rng_range(r, -1e9, 1e9);
	L->oz[i] = (test_rng_next(r) % 3 == 0) ? 0.0 : test_rng_range(r, -1e9, 1e9);
	while (!(len > 1e-3))
	{
		for (c = 0; c < 3; c++)
			d[c] = test_rng_range(r, -1.0, 1.0);
		len = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
	}
	L->dx[i] = d[0] / len;
	L->dy[i] = d[1] / len;
	L->dz[i] = d[2] / len;

	switch (test_rng_next(r) % 5)
	{
		case 0:
			L->accel[i] = 0.0;
			break;
		case 1:
			L->accel[i] = (double) (1 + test_rng_next(r) % 10);
			break;
		default:
			L->accel[i] = exp(test_rng_range(r, log(1e-5), log(50.0)));
			break;
	}
	tb = random_duration(r);
	tc = random_duration(r);
	tk = (test_rng_next(r) % 4 == 0) ? random_duration(r) : tb;
	L->t_burn[i] = tb;
	L->t_coast[i] = tc;
	L->t_brake[i] = tk;

	switch (test_rng_next(r) % 12)
	{
		case 0:
			tau = -test_rng_range(r, 0.0, 1e6);
			break;
		case 1:
			tau = 0.0;
			break;
		case 2:
			tau = tb * test_rng_unit(r);
			break;
		case 3:
			tau = tb;
			break;
		case 4:
			tau = tb + tc * test_rng_unit(r);
			break;
		case 5:
			tau = tb + tc;
			break;
		case 6:
			tau = (tb + tc) + tk * test_rng_unit(r);
			break;
		case 7:
			tau = (tb + tc) + tk;
			break;
		case 8:
			tau = (tb + tc) + tk + test_rng_range(r, 0.0, 1e6);
			break;
		case 9:
			tau = test_rng_range(r, -1e7, 1e7);
			break;
		case 10:
			/* a start tick given in whole ticks */
			tau = floor(test_rng_range(r, -10.0, 2.0 * (tb + tc + tk) + 10.0));
			break;
		default:
			tau = (test_rng_next(r) % 2) ? NAN : INFINITY;
			break;
	}
	L->start_tick[i] = tick - tau;
}

/* Compare one variant with the scalar reference on one random set of n legs. */
static void
compare_variant(SimKernelVariant var, size_t n, uint64_t seed)
{
	LegSet		ref,
				got;
	TestRng		r;
	size_t		i;
	double		tick = (seed % 2) ? 1000000.0 : 123456.75;
	int			with_v;

	legset_alloc(&ref, n);
	legset_alloc(&got, n);
	test_rng_seed(&r, seed);
	for (i = 0; i < n; i++)
		random_leg(&r, &ref, i, tick);
	memcpy(got.in_mem, ref.in_mem,
		   (NCOLS_IN * (n + GUARD + 1) + 1) * sizeof(double));

	for (with_v = 0; with_v <= 1; with_v++)
	{
		SimStateColumns ro = ref.out,
					go = got.out;
		int			same = 1;

		legset_clear_out(&ref);
		legset_clear_out(&got);
		if (!with_v)
		{
			ro.vx = ro.vy = ro.vz = NULL;
			go.vx = go.vy = go.vz = NULL;
		}
		SimKinematicsEvalVariant(SIM_KERNEL_SCALAR, &ref.legs, n, tick, &ro);
		SimKinematicsEvalVariant(var, &got.legs, n, tick, &go);

		same = memcmp(ref.out_mem, got.out_mem,
					  (NCOLS_OUT * (n + GUARD + 1) + 1) * sizeof(double)) == 0;
		CHECK(same, "%s differs from scalar: n=%zu seed=%llu velocity=%d",
			  SimKernelName(var), n, (unsigned long long) seed, with_v);
		CHECK(guards_intact(&got), "%s wrote past n=%zu (velocity=%d)",
			  SimKernelName(var), n, with_v);
		if (!with_v)
			CHECK(got.out.vx[0] == CANARY || n == 0,
				  "%s wrote velocities when not asked", SimKernelName(var));
	}

	legset_free(&ref);
	legset_free(&got);
}

/* The batch scalar kernel agrees with SimLegEval leg by leg. */
static void
test_scalar_matches_single(void)
{
	LegSet		ls;
	TestRng		r;
	size_t		i,
				n = 500;
	double		tick = 777.0;
	int			bad = 0;

	legset_alloc(&ls, n);
	test_rng_seed(&r, 99);
	for (i = 0; i < n; i++)
		random_leg(&r, &ls, i, tick);
	legset_clear_out(&ls);
	SimKinematicsEvalVariant(SIM_KERNEL_SCALAR, &ls.legs, n, tick, &ls.out);
	for (i = 0; i < n; i++)
	{
		SimLeg		leg;
		double		p[3],
					v[3],
					kp[3],
					kv[3];

		leg.ox = ls.legs.ox[i];
		leg.oy = ls.legs.oy[i];
		leg.oz = ls.legs.oz[i];
		leg.dx = ls.legs.dx[i];
		leg.dy = ls.legs.dy[i];
		leg.dz = ls.legs.dz[i];
		leg.accel = ls.legs.accel[i];
		leg.t_burn = ls.legs.t_burn[i];
		leg.t_coast = ls.legs.t_coast[i];
		leg.t_brake = ls.legs.t_brake[i];
		leg.start_tick = ls.legs.start_tick[i];
		SimLegEval(&leg, tick, p, v);
		kp[0] = ls.out.px[i];
		kp[1] = ls.out.py[i];
		kp[2] = ls.out.pz[i];
		kv[0] = ls.out.vx[i];
		kv[1] = ls.out.vy[i];
		kv[2] = ls.out.vz[i];
		if (memcmp(p, kp, sizeof p) != 0 || memcmp(v, kv, sizeof v) != 0)
			bad++;
	}
	CHECK(bad == 0, "scalar kernel and SimLegEval differ on %d legs", bad);
	legset_free(&ls);
}

/* Every supported SIMD variant equals the scalar reference, bit for bit. */
static void
test_variants(void)
{
	static const size_t sizes[] = {0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 1000, 1003};
	SimKernelVariant vars[] = {SIM_KERNEL_AVX2, SIM_KERNEL_AVX512};
	size_t		v,
				s;
	uint64_t	seed;

	CHECK(SimKernelSupported(SIM_KERNEL_SCALAR), "scalar not supported");
	CHECK(strcmp(SimKernelName(SIM_KERNEL_SCALAR), "scalar") == 0 &&
		  strcmp(SimKernelName(SIM_KERNEL_AVX2), "avx2") == 0 &&
		  strcmp(SimKernelName(SIM_KERNEL_AVX512), "avx512") == 0,
		  "kernel names");
	CHECK(SimKernelSupported(SimKernelBest()), "best variant not supported");
	CHECK(!SimKernelSupported((SimKernelVariant) 7), "bogus variant supported");

	for (v = 0; v < sizeof(vars) / sizeof(vars[0]); v++)
	{
		if (!SimKernelSupported(vars[v]))
		{
			printf("skip: %s kernel not supported by this CPU\n",
				   SimKernelName(vars[v]));
			continue;
		}
		for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			for (seed = 1; seed <= 6; seed++)
				compare_variant(vars[v], sizes[s], seed * 1000 + sizes[s]);
	}

	/* the dispatching entry point equals the reference too */
	{
		LegSet		a,
					b;
		TestRng		r;
		size_t		i,
					n = 1003;

		legset_alloc(&a, n);
		legset_alloc(&b, n);
		test_rng_seed(&r, 5);
		for (i = 0; i < n; i++)
			random_leg(&r, &a, i, 50.0);
		memcpy(b.in_mem, a.in_mem,
			   (NCOLS_IN * (n + GUARD + 1) + 1) * sizeof(double));
		legset_clear_out(&a);
		legset_clear_out(&b);
		SimKinematicsEvalScalar(&a.legs, n, 50.0, &a.out);
		SimKinematicsEval(&b.legs, n, 50.0, &b.out);
		CHECK(memcmp(a.out_mem, b.out_mem,
					 (NCOLS_OUT * (n + GUARD + 1) + 1) * sizeof(double)) == 0,
			  "SimKinematicsEval (%s) differs from scalar",
			  SimKernelName(SimKernelBest()));
		legset_free(&a);
		legset_free(&b);
	}
}

/* Euclidean distance between two points. */
static double
norm3(const double a[3], const double b[3])
{
	double		x = a[0] - b[0],
				y = a[1] - b[1],
				z = a[2] - b[2];

	return sqrt(x * x + y * y + z * z);
}

/* Properties of one planned leg; returns nonzero if it was triangular. */
static int
check_plan(const double a[3], const double b[3], double accel, double vmax,
		   double t0)
{
	SimLeg		leg,
				l0;
	double		peak = SimLegPlan(&leg, a, b, accel, vmax, t0);
	double		D = norm3(a, b);
	double		dur = SimLegDuration(&leg);
	double		p[3],
				v[3],
				s,
				sv,
				eps,
				prev;
	double		tol = 1e-6 * D + 1e-15 * (fabs(b[0]) + fabs(b[1]) + fabs(b[2]));
	int			k,
				mono = 1;
	int			tri = leg.t_coast == 0.0;

	CHECK(leg.start_tick == t0 && leg.accel == accel, "plan keeps start and accel");
	CHECK(leg.t_burn == leg.t_brake, "rest to rest: t_burn == t_brake");
	CHECK(leg.t_burn > 0.0 && leg.t_coast >= 0.0, "durations: burn %g coast %g",
		  leg.t_burn, leg.t_coast);
	CHECK(fabs(sqrt(leg.dx * leg.dx + leg.dy * leg.dy + leg.dz * leg.dz) - 1.0) < 1e-12,
		  "direction is a unit vector");
	CHECK(peak <= vmax * (1.0 + 1e-12), "peak %.17g above vmax %.17g", peak, vmax);
	CHECK(peak == accel * leg.t_burn, "peak is accel * t_burn");
	CHECK(fabs(SimLegLength(&leg) - D) <= 1e-9 * D, "length %.17g vs distance %.17g",
		  SimLegLength(&leg), D);

	/* before the start: exactly at the origin, at rest */
	SimLegEval(&leg, t0 - 1.0, p, v);
	CHECK(p[0] == a[0] && p[1] == a[1] && p[2] == a[2] &&
		  v[0] == 0.0 && v[1] == 0.0 && v[2] == 0.0, "at rest at a before start");
	SimLegEval(&leg, t0, p, v);
	CHECK(p[0] == a[0] && p[1] == a[1] && p[2] == a[2], "at a at the start tick");

	/* arrival: at b (to rounding) and at rest, from the duration on */
	l0 = leg;
	l0.start_tick = 0.0;
	SimLegAlong(&l0, dur, &s, &sv);
	CHECK(s == SimLegLength(&leg) && sv == 0.0, "arrived at duration: s %.17g v %g",
		  s, sv);
	SimLegEval(&leg, t0 + ceil(dur) + 1.0, p, v);
	CHECK(norm3(p, b) <= tol, "end point %.17g from b (D=%g)", norm3(p, b), D);
	SimLegEval(&leg, t0 + dur + 1e6, p, v);
	CHECK(norm3(p, b) <= tol && v[0] == 0.0 && v[1] == 0.0 && v[2] == 0.0,
		  "stays at b after arrival");
	/* the rest on the copy starting at 0, so that times are not rounded */
	SimLegAlong(&l0, dur * (1.0 - 1e-9), &s, &sv);
	/* rounding may put s an ulp or two past the length just before arrival */
	CHECK(sv > 0.0 && s <= SimLegLength(&leg) * (1.0 + 1e-15),
		  "still moving just before arrival: s %.17g v %g", s, sv);

	/* speed is continuous across the phase changes */
	eps = 1e-6 * leg.t_burn;
	SimLegAlong(&l0, leg.t_burn - eps, NULL, &sv);
	CHECK(fabs(sv - peak) <= accel * eps * 1.01 + 1e-9 * peak,
		  "speed continuous at end of burn: %.17g vs %.17g", sv, peak);
	SimLegAlong(&l0, leg.t_burn + eps, NULL, &sv);
	CHECK(fabs(sv - peak) <= accel * eps * 1.01 + 1e-9 * peak,
		  "speed continuous after end of burn: %.17g vs %.17g", sv, peak);
	SimLegAlong(&l0, leg.t_burn + leg.t_coast + eps, NULL, &sv);
	CHECK(fabs(sv - peak) <= accel * (eps * 1.01 + 4e-16 * dur) + 1e-9 * peak,
		  "speed continuous at start of brake: %.17g vs %.17g", sv, peak);

	/* distance never decreases, velocity points along the leg */
	prev = 0.0;
	for (k = 0; k <= 200; k++)
	{
		SimLegAlong(&l0, dur * k / 200.0, &s, &sv);
		/* ulps of rounding may leave a speed of -1e-14 at the very end */
		if (s < prev * (1.0 - 1e-15) || sv < -1e-12 * peak)
			mono = 0;
		prev = s;
	}
	CHECK(mono, "distance monotone and speed non-negative along the leg");
	SimLegEval(&l0, 0.5 * dur, p, v);
	SimLegAlong(&l0, 0.5 * dur, &s, &sv);
	CHECK(v[0] == leg.dx * sv && v[1] == leg.dy * sv && v[2] == leg.dz * sv,
		  "velocity is direction times speed");

	if (tri)
		CHECK(fabs(peak - sqrt(D * accel)) <= 1e-12 * peak,
			  "triangular peak %.17g vs sqrt(D a) %.17g", peak, sqrt(D * accel));
	else
		CHECK(fabs(peak - vmax) <= 1e-12 * vmax,
			  "trapezoid peak %.17g vs vmax %.17g", peak, vmax);
	return tri;
}

/* SimLegPlan: end point, arrival, continuity, both profiles, zero length. */
static void
test_plan(void)
{
	TestRng		r;
	int			i,
				ntri = 0,
				ntrap = 0;
	double		a[3],
				b[3];

	/* a known trapezoid: 100 km at 1 km/s^2, vmax 5 km/s */
	{
		SimLeg		leg;
		double		o[3] = {0, 0, 0},
					e[3] = {100, 0, 0},
					s,
					v;

		CHECK(SimLegPlan(&leg, o, e, 1.0, 5.0, 10.0) == 5.0, "trapezoid peak 5");
		CHECK(leg.t_burn == 5.0 && leg.t_coast == 15.0 && leg.t_brake == 5.0,
			  "trapezoid 5/15/5, got %g/%g/%g", leg.t_burn, leg.t_coast, leg.t_brake);
		CHECK(SimLegDuration(&leg) == 25.0 && SimLegLength(&leg) == 100.0,
			  "trapezoid duration 25, length 100");
		SimLegAlong(&leg, 12.0, &s, &v);
		CHECK(s == 2.0 && v == 2.0, "burn at 2 s: s %g v %g", s, v);
		SimLegAlong(&leg, 20.0, &s, &v);
		CHECK(s == 37.5 && v == 5.0, "coast at 10 s: s %g v %g", s, v);
		SimLegAlong(&leg, 33.0, &s, &v);
		CHECK(s == 98.0 && v == 2.0, "brake at 23 s: s %g v %g", s, v);

		/* triangular: 16 km at 1 km/s^2 with vmax 10: 4 s + 4 s */
		e[0] = 0.0;
		e[1] = -16.0;
		CHECK(SimLegPlan(&leg, o, e, 1.0, 10.0, 0.0) == 4.0, "triangle peak 4");
		CHECK(leg.t_burn == 4.0 && leg.t_coast == 0.0 && leg.dy == -1.0,
			  "triangle 4/0/4 along -y");
		/* exactly at the boundary D = vmax^2 / accel: triangular */
		CHECK(SimLegPlan(&leg, o, e, 1.0, 4.0, 0.0) == 4.0 && leg.t_coast == 0.0,
			  "boundary case is triangular");
	}

	/* zero-length legs stay put */
	{
		SimLeg		leg;
		double		p[3],
					v[3],
					o[3] = {1e9, -3.5, 7.25};

		CHECK(SimLegPlan(&leg, o, o, 2.0, 10.0, 5.0) == 0.0, "zero leg peak 0");
		CHECK(SimLegDuration(&leg) == 0.0 && SimLegLength(&leg) == 0.0 &&
			  leg.dx == 0.0 && leg.dy == 0.0 && leg.dz == 0.0, "zero leg is empty");
		SimLegEval(&leg, 6.0, p, v);
		CHECK(p[0] == o[0] && p[1] == o[1] && p[2] == o[2] &&
			  v[0] == 0.0 && v[1] == 0.0 && v[2] == 0.0, "zero leg stays at a");
		SimLegEval(&leg, 5.0, p, v);
		CHECK(p[0] == o[0] && p[1] == o[1] && p[2] == o[2], "zero leg at start");
		/* unusable limits give a zero leg too */
		b[0] = 10.0;
		b[1] = b[2] = 0.0;
		CHECK(SimLegPlan(&leg, o, b, 0.0, 10.0, 0.0) == 0.0 &&
			  SimLegDuration(&leg) == 0.0, "accel 0 gives zero leg");
		CHECK(SimLegPlan(&leg, o, b, 1.0, NAN, 0.0) == 0.0 &&
			  SimLegDuration(&leg) == 0.0, "vmax NaN gives zero leg");
	}

	test_rng_seed(&r, 42);
	for (i = 0; i < 2000; i++)
	{
		int			c;
		double		scale = exp(test_rng_range(&r, log(1e-3), log(1e9)));
		double		accel = exp(test_rng_range(&r, log(1e-4), log(100.0)));
		double		vmax = exp(test_rng_range(&r, log(1e-2), log(1e4)));
		double		t0 = floor(test_rng_range(&r, 0.0, 1e7));

		for (c = 0; c < 3; c++)
		{
			a[c] = test_rng_range(&r, -1e9, 1e9);
			b[c] = a[c] + test_rng_range(&r, -scale, scale);
		}
		if (check_plan(a, b, accel, vmax, t0))
			ntri++;
		else
			ntrap++;
	}
	CHECK(ntri > 100 && ntrap > 100, "both profiles exercised: %d triangular, %d trapezoid",
		  ntri, ntrap);
}

/* Runs the kinematics suite. */
void
test_kinematics(void)
{
	test_scalar_matches_single();
	test_variants();
	test_plan();
}
