/*
 * test_journey.c -- unit tests of journey planning (src/core/journey.c):
 * legs within a sector, routes through small hand-made gate networks,
 * unreachable sectors, hulls that cannot fly, journeys too long or graphs
 * too large, bad input, and random networks checked against a Dijkstra
 * over every gate end and against the former planner (journey_ref.c), bit
 * for bit, with and without the graph's matrix of hops.
 */
#include "unit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "journey_ref.h"
#include "sim/core/journey.h"

static long live_blocks = 0;

/* malloc that counts live blocks. */
static void *
count_alloc(size_t size)
{
	live_blocks++;
	return malloc(size);
}

/* free that counts live blocks. */
static void
count_free(void *p)
{
	live_blocks--;
	free(p);
}

static const SimAllocator mem = {count_alloc, count_free};

static const SimHull hull = {20.0, 0.2, 0.5};	/* km/s, km/s^2, fuel per km/s */

/* A gate from sector a at pa to sector b at pb. */
static SimGate
gate(int32_t id, int32_t a, double ax, int32_t b, double bx, int32_t jump)
{
	SimGate		g = {id, a, b, {ax, 1000.0, 0.0}, {bx, -1000.0, 0.0}, jump};

	return g;
}

/* The ticks and fuel of one rest-to-rest leg from a to b, as a caller would plan it. */
static double
leg_ticks(const SimHull *h, SimMode mode, const double a[3], const double b[3], double *fuel)
{
	SimLeg		leg;
	double		vpk = SimLegPlan(&leg, a, b, h->max_accel * SimModeAccel[mode],
								 h->max_speed * SimModeSpeed[mode], 0.0);

	if (fuel)
		*fuel = 2.0 * vpk * h->fuel_per_dv;
	return ceil(SimLegDuration(&leg));
}

/* Within one sector: one leg, its arrival and fuel those of SimLegPlan, no gate read. */
static void
test_journey_same_sector(void)
{
	double		a[3] = {100.0, 200.0, 300.0};
	double		b[3] = {250000.0, -4000.0, 9000.0};
	SimJourney	j;
	SimJourneyError err;
	SimLeg		want;
	double		fuel;
	double		ticks = leg_ticks(&hull, SIM_MODE_CRUISE, a, b, &fuel);
	bool		ok = SimJourneyPlan(&mem, NULL, &hull, SIM_MODE_CRUISE, 7, a, 7, b, 1000, &j, &err);

	SimLegPlan(&want, a, b, hull.max_accel * SimModeAccel[SIM_MODE_CRUISE],
			   hull.max_speed * SimModeSpeed[SIM_MODE_CRUISE], 1000.0);
	CHECK(ok, "same-sector plan failed: %s", err.message);
	CHECK(j.nlegs == 1 && j.legs[0].sector_id == 7 && j.legs[0].gate_id == 0,
		  "one leg in sector 7 without a gate: %d legs", j.nlegs);
	CHECK(memcmp(&j.legs[0].leg, &want, sizeof(SimLeg)) == 0, "the leg is SimLegPlan's");
	CHECK(j.start_tick == 1000 && j.arrival_tick == 1000 + (int64_t) ticks &&
		  j.legs[0].arrival_tick == j.arrival_tick,
		  "arrival %lld, want %lld", (long long) j.arrival_tick, (long long) (1000 + (int64_t) ticks));
	CHECK(j.fuel == fuel, "fuel %g, want %g", j.fuel, fuel);
	CHECK(ticks > 0, "the leg takes time");
	SimJourneyFree(&mem, &j);
	CHECK(j.legs == NULL && live_blocks == 0, "freed: %ld blocks live", live_blocks);

	/* a drift takes longer and burns less than a burn */
	{
		SimJourney	d,
					f;

		CHECK(SimJourneyPlan(&mem, NULL, &hull, SIM_MODE_DRIFT, 7, a, 7, b, 0, &d, &err) &&
			  SimJourneyPlan(&mem, NULL, &hull, SIM_MODE_BURN, 7, a, 7, b, 0, &f, &err),
			  "drift and burn plan");
		CHECK(d.arrival_tick > f.arrival_tick && d.fuel < f.fuel,
			  "drift %lld ticks %g fuel, burn %lld ticks %g fuel",
			  (long long) d.arrival_tick, d.fuel, (long long) f.arrival_tick, f.fuel);
		SimJourneyFree(&mem, &d);
		SimJourneyFree(&mem, &f);
	}
}

/* The sector ids of j's legs, and the gates jumped, as "s/g s/g ..." (gate 0: none). */
static void
route_string(const SimJourney *j, char *buf, size_t size)
{
	size_t		n = 0;
	int			i;

	buf[0] = '\0';
	for (i = 0; i < j->nlegs && n < size; i++)
		n += snprintf(buf + n, size - n, "%s%d/%d", i ? " " : "", j->legs[i].sector_id, j->legs[i].gate_id);
}

/*
 * Whether j's legs chain: each starts where the previous one's gate's far
 * end lies, after the jump, and the last ends at `to`.
 */
static bool
legs_chain(const SimJourney *j, const SimGate *gates, int32_t ngates, const double from[3])
{
	int64_t		t = j->start_tick;
	const double *at = from;
	int			i;

	for (i = 0; i < j->nlegs; i++)
	{
		const SimJourneyLeg *l = &j->legs[i];

		if (i > 0)
		{
			const SimGate *g = NULL;
			int32_t		k;

			for (k = 0; k < ngates; k++)
				if (gates[k].id == l->gate_id)
					g = &gates[k];
			if (g == NULL)
				return false;
			t += g->jump_ticks;
			at = (g->sector_b == l->sector_id) ? g->pos_b : g->pos_a;
		}
		if (l->leg.start_tick != (double) t || l->leg.ox != at[0] || l->leg.oy != at[1] ||
			l->leg.oz != at[2] || l->arrival_tick < t)
			return false;
		t = l->arrival_tick;
	}
	return t == j->arrival_tick;
}

/* Routes through a small network follow the cheapest chain of sectors. */
static void
test_journey_network(void)
{
	/* a chain 1-2-3-4 with a long jump from 1 to 4, and 6-7 apart */
	SimGate		gates[] = {
		gate(1, 1, 1e5, 2, 9e5, 10),
		gate(2, 2, 1.1e6, 3, 1.9e6, 10),
		gate(3, 3, 2.1e6, 4, 2.9e6, 10),
		gate(4, 1, -1e5, 4, 3.1e6, 100000),
		gate(5, 6, 6e6, 7, 7e6, 10),
	};
	double		from[3] = {0, 0, 0};
	double		to[3] = {3e6, 0, 0};
	SimGateGraph *g = SimGateGraphBuild(&mem, gates, 5);
	SimJourney	j;
	SimJourneyError err;
	char		route[128];
	double		f1,
				f2,
				f3,
				f4,
				fuel;
	int64_t		want;

	CHECK(g != NULL && g->nsectors == 6, "graph of 6 sectors with gates");
	CHECK(SimJourneyPlan(&mem, g, &hull, SIM_MODE_CRUISE, 1, from, 4, to, 50, &j, &err),
		  "1 -> 4 plans: %s", err.message);
	route_string(&j, route, sizeof(route));
	CHECK(strcmp(route, "1/0 2/1 3/2 4/3") == 0, "1 -> 4 the long way round: %s", route);
	CHECK(legs_chain(&j, gates, 5, from), "legs chain through the gates");
	want = 50 + 30 +
		(int64_t) leg_ticks(&hull, SIM_MODE_CRUISE, from, gates[0].pos_a, &f1) +
		(int64_t) leg_ticks(&hull, SIM_MODE_CRUISE, gates[0].pos_b, gates[1].pos_a, &f2) +
		(int64_t) leg_ticks(&hull, SIM_MODE_CRUISE, gates[1].pos_b, gates[2].pos_a, &f3) +
		(int64_t) leg_ticks(&hull, SIM_MODE_CRUISE, gates[2].pos_b, to, &f4);
	fuel = 0;
	fuel += f1;
	fuel += f2;
	fuel += f3;
	fuel += f4;
	CHECK(j.arrival_tick == want && j.fuel == fuel, "arrival %lld want %lld, fuel %g want %g",
		  (long long) j.arrival_tick, (long long) want, j.fuel, fuel);
	SimJourneyFree(&mem, &j);

	/* the way back is the same chain reversed */
	CHECK(SimJourneyPlan(&mem, g, &hull, SIM_MODE_CRUISE, 4, to, 1, from, 0, &j, &err),
		  "4 -> 1 plans");
	route_string(&j, route, sizeof(route));
	CHECK(strcmp(route, "4/0 3/3 2/2 1/1") == 0, "4 -> 1: %s", route);
	SimJourneyFree(&mem, &j);
	SimGateGraphFree(&mem, g);

	/* a quick jump 1-4 is taken instead */
	gates[3].jump_ticks = 5;
	g = SimGateGraphBuild(&mem, gates, 5);
	CHECK(SimJourneyPlan(&mem, g, &hull, SIM_MODE_CRUISE, 1, from, 4, to, 0, &j, &err),
		  "1 -> 4 plans");
	route_string(&j, route, sizeof(route));
	CHECK(strcmp(route, "1/0 4/4") == 0, "1 -> 4 through gate 4: %s", route);
	CHECK(legs_chain(&j, gates, 5, from), "legs chain");
	SimJourneyFree(&mem, &j);

	/* a start or goal at a gate end, and a middle sector crossed */
	CHECK(SimJourneyPlan(&mem, g, &hull, SIM_MODE_BURN, 2, gates[0].pos_b, 3, gates[1].pos_b, 0, &j, &err),
		  "2 -> 3 plans");
	route_string(&j, route, sizeof(route));
	CHECK(strcmp(route, "2/0 3/2") == 0, "2 -> 3: %s", route);
	SimJourneyFree(&mem, &j);

	/* without the matrix of hops (as for a network of many sectors) the plans are the same */
	{
		int32_t    *hops = g->hops;
		SimJourney	k;

		CHECK(SimJourneyPlan(&mem, g, &hull, SIM_MODE_DRIFT, 2, from, 4, to, 9, &j, &err), "with hops");
		g->hops = NULL;
		CHECK(SimJourneyPlan(&mem, g, &hull, SIM_MODE_DRIFT, 2, from, 4, to, 9, &k, &err), "without");
		g->hops = hops;
		CHECK(j.nlegs == k.nlegs && memcmp(j.legs, k.legs, j.nlegs * sizeof(SimJourneyLeg)) == 0 &&
			  j.fuel == k.fuel && j.arrival_tick == k.arrival_tick, "same plan without the matrix");
		SimJourneyFree(&mem, &j);
		SimJourneyFree(&mem, &k);
	}
	SimGateGraphFree(&mem, g);
	CHECK(live_blocks == 0, "network tests leak %ld blocks", live_blocks);
}

/* Sectors no chain of gates links fail as unreachable, in either direction, with or without gates. */
static void
test_journey_unreachable(void)
{
	SimGate		gates[] = {gate(1, 1, 0, 2, 1e6, 10), gate(2, 6, 6e6, 7, 7e6, 10)};
	double		p[3] = {0, 0, 0};
	SimGateGraph *g = SimGateGraphBuild(&mem, gates, 2);
	SimJourney	j;
	SimJourneyError err;
	struct
	{
		int32_t		from,
					to;
	}			cases[] = {{1, 6}, {7, 2}, {1, 9}, {9, 1}, {8, 9}};
	int			i;

	for (i = 0; i < 5; i++)
	{
		char		want[160];
		int			pass;

		snprintf(want, sizeof(want), "sector %d cannot be reached from sector %d", cases[i].to, cases[i].from);
		for (pass = 0; pass < 2; pass++)
		{
			int32_t    *hops = g->hops;
			bool		ok;

			if (pass == 1)
				g->hops = NULL;
			ok = SimJourneyPlan(&mem, g, &hull, SIM_MODE_CRUISE, cases[i].from, p, cases[i].to, p, 0, &j, &err);
			g->hops = hops;
			CHECK(!ok && err.fail == SIM_JOURNEY_UNREACHABLE && strcmp(err.message, want) == 0 &&
				  strcmp(err.detail, "No chain of jump gates links the two sectors.") == 0 &&
				  err.hint[0] == '\0' && j.legs == NULL,
				  "%d -> %d (pass %d): %s / %s", cases[i].from, cases[i].to, pass, err.message, err.detail);
		}
	}
	/* no graph at all: nothing beyond the sector */
	CHECK(!SimJourneyPlan(&mem, NULL, &hull, SIM_MODE_CRUISE, 1, p, 2, p, 0, &j, &err) &&
		  err.fail == SIM_JOURNEY_UNREACHABLE, "no gates: unreachable");
	SimGateGraphFree(&mem, g);
	CHECK(live_blocks == 0, "unreachable tests leak %ld blocks", live_blocks);
}

/* A hull that cannot fly in a mode fails before anything is planned, values spelled as PostgreSQL does. */
static void
test_journey_hull(void)
{
	SimHull		bad[] = {
		{0.0, 0.2, 0.5}, {20.0, -1.0, 0.5}, {NAN, 0.2, 0.5}, {20.0, INFINITY, 0.5},
		{20.0, 0.2, -0.5}, {20.0, 0.2, NAN}, {1e308, 0.2, 0.5},
	};
	const char *details[] = {
		"Its max_speed (0 km/s) and max_accel (0.2 km/s^2)",
		"Its max_speed (20 km/s) and max_accel (-1 km/s^2)",
		"Its max_speed (NaN km/s)",
		"Its max_speed (20 km/s) and max_accel (Infinity km/s^2)",
		"Its max_speed (20 km/s) and max_accel (0.2 km/s^2) must stay positive and finite "
		"in every mode, and its fuel_per_dv (-0.5) finite and not negative.",
		"Its max_speed (20 km/s) and max_accel (0.2 km/s^2) must stay positive and finite "
		"in every mode, and its fuel_per_dv (NaN) finite and not negative.",
		NULL,
	};
	double		p[3] = {0, 0, 0};
	double		q[3] = {1000, 0, 0};
	SimJourney	j;
	SimJourneyError err;
	int			i;

	for (i = 0; i < 7; i++)
	{
		bool		ok = SimJourneyPlan(&mem, NULL, &bad[i], SIM_MODE_CRUISE, 1, p, 1, q, 0, &j, &err);

		if (details[i] == NULL)
		{
			/* 1e308 km/s is finite, but not times 0.7 in cruise... it still is: it flies */
			CHECK(ok, "a very fast hull flies: %s", err.detail);
			SimJourneyFree(&mem, &j);
			continue;
		}
		CHECK(!ok && err.fail == SIM_JOURNEY_HULL && strcmp(err.message, "the ship class cannot fly") == 0 &&
			  strncmp(err.detail, details[i], strlen(details[i])) == 0 &&
			  strcmp(err.hint, "Correct the ship class in sim.ship_class.") == 0 && j.legs == NULL,
			  "hull %d: %s / %s", i, err.message, err.detail);
	}
	CHECK(live_blocks == 0, "hull tests leak %ld blocks", live_blocks);
}

/* Journeys past the last tick, legs over the longest, and routes whose every way has one fail as too long. */
static void
test_journey_too_long(void)
{
	SimGate		gates[] = {gate(1, 1, 1e5, 2, 9e5, 10), gate(2, 2, 1.1e6, 3, 1.9e6, 10)};
	SimGateGraph *g = SimGateGraphBuild(&mem, gates, 2);
	SimHull		slow = {1e-9, 0.2, 0.5};
	double		p[3] = {0, 0, 0};
	double		q[3] = {1e6, 0, 0};
	double		ticks = leg_ticks(&slow, SIM_MODE_BURN, p, q, NULL);
	const char *hint = "Choose a nearer destination, a faster mode or a faster ship class.";
	SimJourney	j;
	SimJourneyError err;
	char		want[320];

	/* arriving after 2^53 */
	CHECK(!SimJourneyPlan(&mem, g, &hull, SIM_MODE_BURN, 1, p, 1, q, SIM_JOURNEY_MAX_TICK - 1, &j, &err) &&
		  err.fail == SIM_JOURNEY_TOO_LONG && strcmp(err.message, "the journey would take too long") == 0 &&
		  strncmp(err.detail, "It would arrive at tick ", 24) == 0 &&
		  strstr(err.detail, "; no tick may pass 9007199254740992.") != NULL &&
		  strcmp(err.hint, hint) == 0 && j.legs == NULL,
		  "past the last tick: %s / %s", err.message, err.detail);
	/* the last tick itself may be reached */
	{
		double		t1 = leg_ticks(&hull, SIM_MODE_BURN, p, q, NULL);

		CHECK(SimJourneyPlan(&mem, g, &hull, SIM_MODE_BURN, 1, p, 1, q,
							 SIM_JOURNEY_MAX_TICK - (int64_t) t1, &j, &err) &&
			  j.arrival_tick == SIM_JOURNEY_MAX_TICK, "arrives at the last tick: %s", err.detail);
		SimJourneyFree(&mem, &j);
	}
	/* a jump past the last tick */
	CHECK(!SimJourneyPlan(&mem, g, &hull, SIM_MODE_BURN, 1, gates[0].pos_a, 2, gates[0].pos_b,
						  SIM_JOURNEY_MAX_TICK - 5, &j, &err) &&
		  err.fail == SIM_JOURNEY_TOO_LONG && strncmp(err.detail, "It would arrive at tick ", 24) == 0,
		  "jump past the last tick: %s", err.detail);

	/* one leg over 1e12 ticks */
	CHECK(ticks > SIM_JOURNEY_MAX_LEG_TICKS, "the slow leg is too long: %g", ticks);
	snprintf(want, sizeof(want), "Its leg in sector 1 would take %g ticks; no leg may take more than 1e+12.", ticks);
	CHECK(!SimJourneyPlan(&mem, g, &slow, SIM_MODE_BURN, 1, p, 1, q, 0, &j, &err) &&
		  err.fail == SIM_JOURNEY_TOO_LONG && strcmp(err.detail, want) == 0 && strcmp(err.hint, hint) == 0,
		  "leg too long: %s", err.detail);

	/* gates link 1 and 3, but every route has a flight too long */
	CHECK(!SimJourneyPlan(&mem, g, &slow, SIM_MODE_BURN, 1, p, 3, q, 0, &j, &err) &&
		  err.fail == SIM_JOURNEY_TOO_LONG &&
		  strcmp(err.detail, "Every route from sector 1 to sector 3 has a leg of more than 1e+12 ticks.") == 0 &&
		  strcmp(err.hint, hint) == 0,
		  "every route too long: %s", err.detail);
	/* but a slow ship already at the gates crosses with zero-length legs */
	CHECK(SimJourneyPlan(&mem, g, &slow, SIM_MODE_BURN, 1, gates[0].pos_a, 2, gates[0].pos_b, 0, &j, &err) &&
		  j.nlegs == 2 && j.arrival_tick == 10, "slow ship at the gate jumps: %s", err.detail);
	SimJourneyFree(&mem, &j);
	SimGateGraphFree(&mem, g);
	CHECK(live_blocks == 0, "too-long tests leak %ld blocks", live_blocks);
}

/* Route graphs past 2^31 - 2 edges or nodes fail as too large; plans within a sector still work. */
static void
test_journey_too_large(void)
{
	int32_t		n = 46342;		/* gates from sector 1: n (n - 1) flights between their ends there */
	SimGate    *gates = malloc((size_t) n * sizeof(SimGate));
	SimGateGraph *g;
	SimGateGraph huge;
	double		p[3] = {0, 0, 0};
	SimJourney	j;
	SimJourneyError err;
	char		want[320];
	uint64_t	edges = 2 * (uint64_t) n + (uint64_t) n * (n - 1) + n + 1;
	int32_t		i;

	for (i = 0; i < n; i++)
		gates[i] = gate(i + 1, 1, i, i + 2, 0, 10);
	g = SimGateGraphBuild(&mem, gates, n);
	CHECK(g != NULL && g->hops == NULL && g->nsectors == n + 1, "large graph built without the matrix");
	snprintf(want, sizeof(want), "The route graph would have %llu edges; at most 2147483646 are supported.",
			 (unsigned long long) edges);
	CHECK(!SimJourneyPlan(&mem, g, &hull, SIM_MODE_CRUISE, 1, p, 2, p, 0, &j, &err) &&
		  err.fail == SIM_JOURNEY_TOO_LARGE &&
		  strcmp(err.message, "the jump-gate network is too large to route through") == 0 &&
		  strcmp(err.detail, want) == 0 && err.hint[0] == '\0',
		  "too many edges: %s", err.detail);
	/* the graph counts every flight between the ends of sector 1, whatever the plan */
	edges = 2 * (uint64_t) n + (uint64_t) n * (n - 1) + 1 + 1;
	snprintf(want, sizeof(want), "The route graph would have %llu edges; at most 2147483646 are supported.",
			 (unsigned long long) edges);
	CHECK(!SimJourneyPlan(&mem, g, &hull, SIM_MODE_CRUISE, 2, p, 3, p, 0, &j, &err) &&
		  err.fail == SIM_JOURNEY_TOO_LARGE && strcmp(err.detail, want) == 0,
		  "2 -> 3 through the large network: %s", err.detail);
	CHECK(SimJourneyPlan(&mem, g, &hull, SIM_MODE_CRUISE, 1, p, 1, p, 0, &j, &err), "within sector 1");
	SimJourneyFree(&mem, &j);
	SimGateGraphFree(&mem, g);
	free(gates);

	/* too many gates for the nodes: a graph marks it, plans between sectors fail */
	memset(&huge, 0, sizeof(huge));
	huge.ngates = INT32_MAX;
	huge.too_large = true;
	snprintf(want, sizeof(want), "The route graph would have %llu nodes; at most 2147483646 are supported.",
			 (unsigned long long) INT32_MAX * 2 + 2);
	CHECK(!SimJourneyPlan(&mem, &huge, &hull, SIM_MODE_CRUISE, 1, p, 2, p, 0, &j, &err) &&
		  err.fail == SIM_JOURNEY_TOO_LARGE && strcmp(err.detail, want) == 0,
		  "too many nodes: %s", err.detail);
	CHECK(SimJourneyPlan(&mem, &huge, &hull, SIM_MODE_CRUISE, 1, p, 1, p, 0, &j, &err),
		  "within a sector of a too large network");
	SimJourneyFree(&mem, &j);
	CHECK(live_blocks == 0, "too-large tests leak %ld blocks", live_blocks);
}

/* Broken preconditions fail without planning. */
static void
test_journey_bad_input(void)
{
	SimGate		neg = gate(1, 1, 0, 2, 0, -1);
	double		p[3] = {0, 0, 0};
	SimJourney	j;
	SimJourneyError err;

	CHECK(SimGateGraphBuild(&mem, &neg, 1) == NULL, "a negative jump is refused");
	CHECK(SimGateGraphBuild(&mem, NULL, 3) == NULL, "gates missing");
	CHECK(!SimJourneyPlan(&mem, NULL, &hull, SIM_MODE_CRUISE, 1, p, 1, p, -1, &j, &err) &&
		  err.fail == SIM_JOURNEY_BAD_INPUT && strcmp(err.message, "negative start tick -1") == 0,
		  "negative start tick: %s", err.message);
	CHECK(!SimJourneyPlan(&mem, NULL, &hull, (SimMode) 3, 1, p, 1, p, 0, &j, &err) &&
		  err.fail == SIM_JOURNEY_BAD_INPUT, "unknown mode");
	{
		SimGateGraph *g = SimGateGraphBuild(&mem, NULL, 0);

		CHECK(g != NULL && g->nsectors == 0 && g->min_jump == 0, "an empty network builds");
		CHECK(!SimJourneyPlan(&mem, g, &hull, SIM_MODE_CRUISE, 1, p, 2, p, 0, &j, &err) &&
			  err.fail == SIM_JOURNEY_UNREACHABLE, "nothing reachable in an empty network");
		SimGateGraphFree(&mem, g);
	}
	SimBodyApproach(p, p, 100.0, p);
	CHECK(p[0] == 150.0 && p[1] == 0.0 && p[2] == 0.0, "approach from the centre along +x");
	CHECK(live_blocks == 0, "bad-input tests leak %ld blocks", live_blocks);
}

/* A random point of sector s on a coarse grid, so that ties between routes happen. */
static void
random_point(TestRng *r, int32_t s, double p[3])
{
	p[0] = s * 1e6 + 2e4 * (double) (test_rng_next(r) % 3);
	p[1] = 2e4 * (double) (test_rng_next(r) % 3);
	p[2] = 0.0;
}

/*
 * The cheapest route's ticks by Dijkstra over every gate end, the start
 * and the goal (O(n^2)), or INFINITY.  Flights of more than the longest leg
 * are not taken.  Within one sector a journey is one leg, never a detour
 * through gates (which a fast jump can make shorter).
 */
static double
dijkstra_ticks(const SimGate *gates, int32_t ngates, const SimHull *h, SimMode mode,
			   int32_t fs, const double from[3], int32_t ts, const double to[3])
{
	int32_t		n = 2 * ngates + 2;
	double	   *d = malloc((size_t) n * sizeof(double));
	bool	   *done = calloc((size_t) n, sizeof(bool));
	double		result;
	int32_t		i,
				k;

	if (fs == ts)
	{
		double		c = leg_ticks(h, mode, from, to, NULL);

		free(d);
		free(done);
		return c <= SIM_JOURNEY_MAX_LEG_TICKS ? c : INFINITY;
	}
	for (i = 0; i < n; i++)
		d[i] = INFINITY;
	d[n - 2] = 0.0;
	for (;;)
	{
		int32_t		u = -1;
		int32_t		su;
		const double *pu;

		for (i = 0; i < n; i++)
			if (!done[i] && d[i] < INFINITY && (u < 0 || d[i] < d[u]))
				u = i;
		if (u < 0 || u == n - 1)
			break;
		done[u] = true;
		su = u == n - 2 ? fs : (u & 1 ? gates[u / 2].sector_b : gates[u / 2].sector_a);
		pu = u == n - 2 ? from : (u & 1 ? gates[u / 2].pos_b : gates[u / 2].pos_a);
		if (u < n - 2 && d[u] + gates[u / 2].jump_ticks < d[u ^ 1])
			d[u ^ 1] = d[u] + gates[u / 2].jump_ticks;
		for (k = 0; k < n - 1; k++)
		{
			int32_t		sk = k == n - 2 ? fs : (k & 1 ? gates[k / 2].sector_b : gates[k / 2].sector_a);
			const double *pk = k == n - 2 ? from : (k & 1 ? gates[k / 2].pos_b : gates[k / 2].pos_a);
			double		c;

			if (k == n - 2 || k == u || sk != su)
				continue;
			c = leg_ticks(h, mode, pu, pk, NULL);
			if (c <= SIM_JOURNEY_MAX_LEG_TICKS && d[u] + c < d[k])
				d[k] = d[u] + c;
		}
		if (su == ts)
		{
			double		c = leg_ticks(h, mode, pu, to, NULL);

			if (c <= SIM_JOURNEY_MAX_LEG_TICKS && d[u] + c < d[n - 1])
				d[n - 1] = d[u] + c;
		}
	}
	result = d[n - 1];
	free(d);
	free(done);
	return result;
}

/*
 * Random networks: the route found is as cheap as Dijkstra's, its legs
 * chain through the gates, and plan, legs and fuel equal the former
 * planner's bit for bit, with and without the matrix of hops.
 */
static void
test_journey_random(void)
{
	TestRng		r;
	int			net;
	int			planned = 0,
				multi = 0,
				unreachable = 0,
				too_long = 0;

	test_rng_seed(&r, 2026);
	for (net = 0; net < 300; net++)
	{
		int32_t		nsec = 2 + (int32_t) (test_rng_next(&r) % 7);
		int32_t		want_gates = (int32_t) (test_rng_next(&r) % 14);
		SimGate		gates[14];
		int32_t		ngates = 0;
		SimGateGraph *g;
		SimHull		h;
		int			tries;
		int			pair;

		/* sectors 3, 13, 23, ...: sparse ids; gates sector_a < sector_b, one per pair */
		for (tries = 0; tries < 60 && ngates < want_gates; tries++)
		{
			int32_t		a = 3 + 10 * (int32_t) (test_rng_next(&r) % nsec);
			int32_t		b = 3 + 10 * (int32_t) (test_rng_next(&r) % nsec);
			int32_t		k;
			bool		dup = (a >= b);

			for (k = 0; k < ngates && !dup; k++)
				dup = gates[k].sector_a == a && gates[k].sector_b == b;
			if (dup)
				continue;
			gates[ngates].id = 5 * ngates + 2;
			gates[ngates].sector_a = a;
			gates[ngates].sector_b = b;
			random_point(&r, a, gates[ngates].pos_a);
			random_point(&r, b, gates[ngates].pos_b);
			/* every other network has equal jumps: equally cheap routes, whose tie-breaking must match */
			gates[ngates].jump_ticks = (net % 2) ? 10 : 1 + (int32_t) (test_rng_next(&r) % 3) * 500;
			ngates++;
		}
		h.max_speed = (test_rng_next(&r) % 20 == 0) ? 1e-8 : 1.0 + (double) (test_rng_next(&r) % 3) * 10.0;
		h.max_accel = 0.01 + (double) (test_rng_next(&r) % 3) * 0.1;
		h.fuel_per_dv = 0.25 * (double) (test_rng_next(&r) % 4);
		g = SimGateGraphBuild(&mem, gates, ngates);
		CHECK(g != NULL, "random network %d builds", net);
		if (g == NULL)
			continue;

		for (pair = 0; pair < 6; pair++)
		{
			SimMode		mode = (SimMode) (test_rng_next(&r) % 3);
			int32_t		fs = 3 + 10 * (int32_t) (test_rng_next(&r) % (nsec + 1));	/* the last: no gates */
			int32_t		ts = 3 + 10 * (int32_t) (test_rng_next(&r) % (nsec + 1));
			int64_t		start = (int64_t) (test_rng_next(&r) % 100000);
			double		from[3],
						to[3];
			SimJourney	j,
						k,
						ref;
			SimJourneyError err;
			bool		ok,
						ok2,
						ref_ok,
						ref_unreachable;
			double		best;
			int32_t    *hops = g->hops;

			random_point(&r, fs, from);
			random_point(&r, ts, to);
			ok = SimJourneyPlan(&mem, g, &h, mode, fs, from, ts, to, start, &j, &err);
			ref_ok = ref_journey_plan(gates, ngates, &h, mode, fs, from, ts, to, start, &ref, &ref_unreachable);
			best = dijkstra_ticks(gates, ngates, &h, mode, fs, from, ts, to);
			g->hops = NULL;
			ok2 = SimJourneyPlan(&mem, g, &h, mode, fs, from, ts, to, start, &k, &err);
			g->hops = hops;

			CHECK(ok == ref_ok && ok == ok2, "net %d pair %d: ok %d, former %d, without hops %d",
				  net, pair, ok, ref_ok, ok2);
			if (ok && ref_ok && ok2)
			{
				planned++;
				multi += fs != ts;
				CHECK((double) (j.arrival_tick - start) == best,
					  "net %d pair %d: %lld ticks, Dijkstra %g", net, pair,
					  (long long) (j.arrival_tick - start), best);
				CHECK(legs_chain(&j, gates, ngates, from), "net %d pair %d: legs chain", net, pair);
				CHECK(j.nlegs == ref.nlegs && memcmp(j.legs, ref.legs, j.nlegs * sizeof(SimJourneyLeg)) == 0 &&
					  memcmp(&j.fuel, &ref.fuel, sizeof(double)) == 0 && j.arrival_tick == ref.arrival_tick,
					  "net %d pair %d: the former planner's legs and fuel", net, pair);
				CHECK(j.nlegs == k.nlegs && memcmp(j.legs, k.legs, j.nlegs * sizeof(SimJourneyLeg)) == 0 &&
					  j.fuel == k.fuel, "net %d pair %d: same without the matrix", net, pair);
			}
			else if (!ok)
			{
				CHECK(isinf(best), "net %d pair %d: failed (%s) but Dijkstra finds %g ticks",
					  net, pair, err.message, best);
				CHECK(err.fail == (ref_unreachable ? SIM_JOURNEY_UNREACHABLE : SIM_JOURNEY_TOO_LONG),
					  "net %d pair %d: failure kind %d, former unreachable %d", net, pair, err.fail,
					  ref_unreachable);
				unreachable += err.fail == SIM_JOURNEY_UNREACHABLE;
				too_long += err.fail == SIM_JOURNEY_TOO_LONG;
			}
			if (ok)
				SimJourneyFree(&mem, &j);
			if (ok2)
				SimJourneyFree(&mem, &k);
			free(ref.legs);
		}
		SimGateGraphFree(&mem, g);
	}
	CHECK(multi > 500 && unreachable > 50 && too_long > 5,
		  "random cases cover routes (%d of %d plans), unreachable (%d) and too long (%d)",
		  multi, planned, unreachable, too_long);
	CHECK(live_blocks == 0, "random tests leak %ld blocks", live_blocks);
}

void
test_journey(void)
{
	test_journey_same_sector();
	test_journey_network();
	test_journey_unreachable();
	test_journey_hull();
	test_journey_too_long();
	test_journey_too_large();
	test_journey_bad_input();
	test_journey_random();
}
