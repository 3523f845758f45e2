/*
 * test_eventq.c -- the event queue against a brute-force model: random
 * pushes, moves, removals and pops must wake slots in (due, slot) order.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/core/eventq.h"
#include "unit.h"

#define CAP 257
#define NONE INT64_MIN

/* Earliest (due, slot) in the model at or before now, or -1. */
static int
model_first(const int64_t *due, int64_t now)
{
	int			best = -1;
	int			i;

	for (i = 0; i < CAP; i++)
		if (due[i] != NONE && due[i] <= now &&
			(best < 0 || due[i] < due[best]))
			best = i;
	return best;
}

void
test_eventq(void)
{
	void	   *mem = malloc(SimEventQSize(CAP));
	SimEventQ  *q = SimEventQInit(mem, CAP);
	int64_t		model[CAP];
	TestRng		r;
	int			step;
	int			i;
	uint32_t	slot;
	int64_t		due;
	int			mismatches = 0;

	for (i = 0; i < CAP; i++)
		model[i] = NONE;
	test_rng_seed(&r, 20261121);

	CHECK(SimEventQPopDue(q, INT64_MAX, &slot, &due) == 0, "empty queue pops nothing");

	for (step = 0; step < 200000; step++)
	{
		uint32_t	s = (uint32_t) (test_rng_next(&r) % CAP);
		int			op = (int) (test_rng_next(&r) % 10);

		if (op < 5)
		{
			int64_t		d = (int64_t) (test_rng_next(&r) % 64);

			SimEventQPush(q, s, d);
			model[s] = d;
		}
		else if (op < 7)
		{
			SimEventQRemove(q, s);
			model[s] = NONE;
		}
		else
		{
			int64_t		now = (int64_t) (test_rng_next(&r) % 64);
			int			want = model_first(model, now);
			int			got = SimEventQPopDue(q, now, &slot, &due);

			if (want < 0)
				mismatches += got != 0;
			else if (!got || (int) slot != want || due != model[want])
				mismatches++;
			else
				model[want] = NONE;
		}
		if (SimEventQContains(q, s) != (model[s] != NONE))
			mismatches++;
	}
	CHECK(mismatches == 0, "event queue disagrees with the model %d times", mismatches);

	/* a full drain comes out sorted by (due, slot) */
	SimEventQClear(q);
	for (i = 0; i < CAP; i++)
		SimEventQPush(q, (uint32_t) i, (int64_t) ((i * 37) % 11));
	{
		int64_t		last_due = -1;
		int64_t		last_slot = -1;
		int			n = 0;
		int			sorted = 1;

		while (SimEventQPopDue(q, 100, &slot, &due))
		{
			if (due < last_due || (due == last_due && (int64_t) slot <= last_slot))
				sorted = 0;
			last_due = due;
			last_slot = slot;
			n++;
		}
		CHECK(n == CAP, "drain popped %d of %d", n, CAP);
		CHECK(sorted, "drain order is (due, slot)");
		CHECK(q->count == 0, "queue empty after drain");
	}
	free(mem);
}
