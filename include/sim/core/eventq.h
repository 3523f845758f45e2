/*
 * eventq.h -- time-ordered queue of ship wake-ups (no Postgres inside).
 *
 * An indexed binary min-heap over slots 0..capacity-1: each slot is queued
 * at most once, with a due tick; queueing a queued slot moves it.  Ties on
 * the due tick pop in slot order, so a tick wakes ships deterministically.
 * The queue lives in caller-provided memory of SimEventQSize(capacity)
 * bytes and holds no pointers (it can sit in shared memory).
 */
#ifndef SIM_CORE_EVENTQ_H
#define SIM_CORE_EVENTQ_H

#include <stddef.h>
#include <stdint.h>

typedef struct SimEventQ
{
	uint32_t	capacity;
	uint32_t	count;
	/* arrays follow: int64_t due[capacity]; uint32_t slot[capacity]; uint32_t where[capacity] */
} SimEventQ;

extern size_t SimEventQSize(uint32_t capacity);
extern SimEventQ *SimEventQInit(void *mem, uint32_t capacity);
extern void SimEventQClear(SimEventQ *q);

/* Queue slot at due (or move it there if queued). */
extern void SimEventQPush(SimEventQ *q, uint32_t slot, int64_t due);

/* Remove slot if queued. */
extern void SimEventQRemove(SimEventQ *q, uint32_t slot);

/* Whether slot is queued. */
extern int	SimEventQContains(const SimEventQ *q, uint32_t slot);

/*
 * Pop the earliest slot due at or before now into *slot and *due; returns 0
 * when none is due.
 */
extern int	SimEventQPopDue(SimEventQ *q, int64_t now, uint32_t *slot,
							int64_t *due);

#endif							/* SIM_CORE_EVENTQ_H */
