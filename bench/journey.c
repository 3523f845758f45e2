/*
 * journey.c -- benchmark of journey planning (src/core/journey.c) against
 * its peer, the former planner (test/unit/journey_ref.c), which built the
 * whole route graph for every plan.
 *
 *	bench/journey [plans]		(default 20000)
 *
 * The universe has the shape sql/generate.sql gives 50 sectors: a 4x4x4
 * lattice 1e6 km apart, a spanning tree of gates along it plus some 35% of
 * the y links and 25% of the z links, each end 90% of the way from its
 * sector's centre to the face, jumps of 10 to 30 ticks.  Each plan goes
 * between two random different sectors (random points inside them) for a
 * random mode.  Three ways are timed on the same plans, rounds alternating:
 * the former planner; the new one with the gate graph built once; and the
 * new one building the graph for every plan (what the glue does while it
 * does not cache the graph).  The table shows median plans per second and
 * each way's rate over the former's.  The SPI read of sim.jump_gate, which
 * the former glue also made per plan, is not included anywhere.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "journey_ref.h"
#include "sim/core/journey.h"
#include "sim/core/rng.h"

#define NSECTORS 50
#define LATTICE 4
#define SPACING 1.0e6
#define HALF 2.5e5
#define NREPS 7
#define MAXGATES 256

static void *
bench_alloc(size_t size)
{
	return malloc(size);
}

static void
bench_free(void *p)
{
	free(p);
}

static const SimAllocator mem = {bench_alloc, bench_free};

typedef struct Plan
{
	int32_t		from_sector,
				to_sector;
	double		from[3],
				to[3];
	SimMode		mode;
} Plan;

static SimGate gates[MAXGATES];
static int32_t ngates = 0;
static double center[NSECTORS + 1][3];
static const SimHull hull = {500.0, 2.0, 0.5};

/* Monotonic clock in milliseconds. */
static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec * 1e-6;
}

/* qsort order of doubles. */
static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

/* A uniform double in [0, 1) from a seeded generator. */
static double
unit(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (double) ((*s * UINT64_C(0x2545f4914f6cdd1d)) >> 11) * 0x1.0p-53;
}

/* Gate from sector a to sector b, ends 90% of the way to the faces. */
static void
add_gate(int32_t a, int32_t b, uint64_t *s)
{
	SimGate    *g = &gates[ngates];
	double		d[3];
	double		n;
	int			k;

	for (k = 0; k < 3; k++)
		d[k] = center[b][k] - center[a][k];
	n = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
	g->id = ngates + 1;
	g->sector_a = a;
	g->sector_b = b;
	for (k = 0; k < 3; k++)
	{
		g->pos_a[k] = center[a][k] + d[k] / n * 0.9 * HALF;
		g->pos_b[k] = center[b][k] - d[k] / n * 0.9 * HALF;
	}
	g->jump_ticks = 10 + (int32_t) (unit(s) * 21.0);
	ngates++;
}

/* The 50-sector universe's sectors and gates, in ascending gate id. */
static void
make_universe(void)
{
	uint64_t	s = 2026;
	int32_t		i;

	for (i = 1; i <= NSECTORS; i++)
	{
		int32_t		lx = (i - 1) % LATTICE,
					ly = ((i - 1) / LATTICE) % LATTICE,
					lz = (i - 1) / (LATTICE * LATTICE);

		center[i][0] = lx * SPACING + (unit(&s) - 0.5) * 0.2 * SPACING;
		center[i][1] = ly * SPACING + (unit(&s) - 0.5) * 0.2 * SPACING;
		center[i][2] = lz * SPACING + (unit(&s) - 0.5) * 0.2 * SPACING;
	}
	for (i = 2; i <= NSECTORS; i++)
	{
		int32_t		lx = (i - 1) % LATTICE,
					ly = ((i - 1) / LATTICE) % LATTICE,
					lz = (i - 1) / (LATTICE * LATTICE);

		add_gate(lx > 0 ? i - 1 : (ly > 0 ? i - LATTICE : i - LATTICE * LATTICE), i, &s);
		if (lx > 0 && ly > 0 && unit(&s) < 0.35)
			add_gate(i - LATTICE, i, &s);
		if ((lx > 0 || ly > 0) && lz > 0 && unit(&s) < 0.25)
			add_gate(i - LATTICE * LATTICE, i, &s);
	}
}

int
main(int argc, char **argv)
{
	int			nplans = argc > 1 ? atoi(argv[1]) : 20000;
	Plan	   *plans;
	double		t[3][NREPS];
	const char *names[3] = {"former: graph per plan (peer)", "core: graph built once", "core: graph built per plan"};
	uint64_t	s = 7;
	long		legs[3] = {0, 0, 0};
	int			rep,
				w,
				i;
	SimGateGraph *g;

	if (nplans < 1)
		nplans = 1;
	make_universe();
	plans = malloc((size_t) nplans * sizeof(Plan));
	for (i = 0; i < nplans; i++)
	{
		Plan	   *p = &plans[i];
		int			k;

		p->from_sector = 1 + (int32_t) (unit(&s) * NSECTORS);
		do
			p->to_sector = 1 + (int32_t) (unit(&s) * NSECTORS);
		while (p->to_sector == p->from_sector);
		for (k = 0; k < 3; k++)
		{
			p->from[k] = center[p->from_sector][k] + (unit(&s) - 0.5) * 1.8 * HALF;
			p->to[k] = center[p->to_sector][k] + (unit(&s) - 0.5) * 1.8 * HALF;
		}
		p->mode = (SimMode) (unit(&s) * 3.0);
	}
	g = SimGateGraphBuild(&mem, gates, ngates);

	for (rep = 0; rep < NREPS; rep++)
		for (w = 0; w < 3; w++)
		{
			double		t0 = now_ms();

			legs[w] = 0;
			for (i = 0; i < nplans; i++)
			{
				const Plan *p = &plans[i];
				SimJourney	j;
				SimJourneyError err;
				bool		unreachable;

				if (w == 0)
				{
					if (ref_journey_plan(gates, ngates, &hull, p->mode, p->from_sector, p->from,
										 p->to_sector, p->to, 0, &j, &unreachable))
						legs[w] += j.nlegs;
					free(j.legs);
				}
				else
				{
					SimGateGraph *pg = (w == 1) ? g : SimGateGraphBuild(&mem, gates, ngates);

					if (SimJourneyPlan(&mem, pg, &hull, p->mode, p->from_sector, p->from,
									   p->to_sector, p->to, 0, &j, &err))
						legs[w] += j.nlegs;
					SimJourneyFree(&mem, &j);
					if (w == 2)
						SimGateGraphFree(&mem, pg);
				}
			}
			t[w][rep] = now_ms() - t0;
		}

	printf("journey planning, %d sectors, %d gates, %d plans between random sectors (%ld legs)\n",
		   NSECTORS, ngates, nplans, legs[0]);
	if (legs[1] != legs[0] || legs[2] != legs[0])
		printf("MISMATCH: the ways planned %ld, %ld and %ld legs\n", legs[0], legs[1], legs[2]);
	printf("%-32s %12s %14s %10s\n", "way", "median ms", "plans/s", "x former");
	for (w = 0; w < 3; w++)
		qsort(t[w], NREPS, sizeof(double), cmp_double);
	for (w = 0; w < 3; w++)
	{
		double		ms = t[w][NREPS / 2];

		printf("%-32s %12.1f %14.0f %10.2f\n", names[w], ms, nplans / ms * 1e3,
			   t[0][NREPS / 2] / ms);
	}
	SimGateGraphFree(&mem, g);
	free(plans);
	return 0;
}
