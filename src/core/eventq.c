/*
 * eventq.c -- indexed binary min-heap of (due tick, slot); see eventq.h.
 */
#include "sim/core/eventq.h"

#define SIM_EVENTQ_ABSENT UINT32_MAX

static int64_t *
q_due(SimEventQ *q)
{
	return (int64_t *) (q + 1);
}

static uint32_t *
q_slot(SimEventQ *q)
{
	return (uint32_t *) (q_due(q) + q->capacity);
}

static uint32_t *
q_where(SimEventQ *q)
{
	return q_slot(q) + q->capacity;
}

/* Whether heap entry a sorts before entry b. */
static int
before(SimEventQ *q, uint32_t a, uint32_t b)
{
	int64_t    *due = q_due(q);
	uint32_t   *slot = q_slot(q);

	if (due[a] != due[b])
		return due[a] < due[b];
	return slot[a] < slot[b];
}

static void
swap(SimEventQ *q, uint32_t a, uint32_t b)
{
	int64_t    *due = q_due(q);
	uint32_t   *slot = q_slot(q);
	uint32_t   *where = q_where(q);
	int64_t		td = due[a];
	uint32_t	ts = slot[a];

	due[a] = due[b];
	slot[a] = slot[b];
	due[b] = td;
	slot[b] = ts;
	where[slot[a]] = a;
	where[slot[b]] = b;
}

static void
sift_up(SimEventQ *q, uint32_t i)
{
	while (i > 0)
	{
		uint32_t	parent = (i - 1) / 2;

		if (!before(q, i, parent))
			break;
		swap(q, i, parent);
		i = parent;
	}
}

static void
sift_down(SimEventQ *q, uint32_t i)
{
	for (;;)
	{
		uint32_t	l = 2 * i + 1;
		uint32_t	r = l + 1;
		uint32_t	m = i;

		if (l < q->count && before(q, l, m))
			m = l;
		if (r < q->count && before(q, r, m))
			m = r;
		if (m == i)
			break;
		swap(q, i, m);
		i = m;
	}
}

/* Bytes needed for a queue of capacity slots. */
size_t
SimEventQSize(uint32_t capacity)
{
	return sizeof(SimEventQ) + (size_t) capacity * (sizeof(int64_t) + 2 * sizeof(uint32_t));
}

/* Lay out an empty queue in mem. */
SimEventQ *
SimEventQInit(void *mem, uint32_t capacity)
{
	SimEventQ  *q = (SimEventQ *) mem;

	q->capacity = capacity;
	SimEventQClear(q);
	return q;
}

/* Empty the queue. */
void
SimEventQClear(SimEventQ *q)
{
	uint32_t   *where = q_where(q);
	uint32_t	i;

	q->count = 0;
	for (i = 0; i < q->capacity; i++)
		where[i] = SIM_EVENTQ_ABSENT;
}

/* Whether slot is queued. */
int
SimEventQContains(const SimEventQ *q, uint32_t slot)
{
	return slot < q->capacity && q_where((SimEventQ *) q)[slot] != SIM_EVENTQ_ABSENT;
}

/* Queue slot at due, or move it there. */
void
SimEventQPush(SimEventQ *q, uint32_t slot, int64_t due)
{
	uint32_t   *where = q_where(q);
	uint32_t	i = where[slot];

	if (i == SIM_EVENTQ_ABSENT)
	{
		i = q->count++;
		q_slot(q)[i] = slot;
		where[slot] = i;
	}
	q_due(q)[i] = due;
	sift_up(q, i);
	sift_down(q, where[slot]);
}

/* Remove slot if queued. */
void
SimEventQRemove(SimEventQ *q, uint32_t slot)
{
	uint32_t   *where = q_where(q);
	uint32_t	i = where[slot];
	uint32_t	last;

	if (i == SIM_EVENTQ_ABSENT)
		return;
	last = q->count - 1;
	if (i != last)
		swap(q, i, last);
	q->count--;
	where[slot] = SIM_EVENTQ_ABSENT;
	if (i < q->count)
	{
		sift_up(q, i);
		sift_down(q, i);
	}
}

/* Pop the earliest entry due at or before now. */
int
SimEventQPopDue(SimEventQ *q, int64_t now, uint32_t *slot, int64_t *due)
{
	if (q->count == 0 || q_due(q)[0] > now)
		return 0;
	*slot = q_slot(q)[0];
	*due = q_due(q)[0];
	SimEventQRemove(q, *slot);
	return 1;
}
