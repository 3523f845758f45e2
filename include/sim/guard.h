/*
 * guard.h -- the tick guard: commands hold ticks off, for a bounded time
 * (src/guard.c).
 */
#ifndef SIM_GUARD_H
#define SIM_GUARD_H

#include "postgres.h"

#include "utils/timestamp.h"

/*
 * Exclude ticks until this transaction ends: writers of the world's rows
 * outside a tick call this before touching any row.  A tick waits for a
 * holder that is not an operator at most sim.max_command_wait_ms before it
 * ends the holder's transaction.
 */
extern void SimTickGuard(void);

/*
 * Take the cluster's tick lock exclusively until this transaction ends
 * (ticks only): waits for the guard's holders as the policy of guard.c
 * says, cancelling or terminating those that are not operators.  Returns
 * how long it waited, in ms (0 when the lock was free).
 */
extern double SimTickLockAcquire(void);

/* What a tick did about the holders it waited for. */
typedef enum SimGuardAction
{
	SIM_GUARD_NONE,				/* no tick has waited yet */
	SIM_GUARD_WAITING,			/* a tick is waiting now */
	SIM_GUARD_WAITED,			/* the holders ended on their own */
	SIM_GUARD_CANCELLED,		/* a holder's statement was cancelled */
	SIM_GUARD_TERMINATED		/* a holder's session was terminated */
} SimGuardAction;

/* The last wait of a tick for the guard's holders, for sim.status. */
typedef struct SimGuardWait
{
	int64		waits;			/* ticks that waited, since the server started */
	int64		ended;			/* holders' transactions ended (cancelled or terminated) */
	SimGuardAction action;		/* of the last wait */
	TimestampTz at;				/* when the last wait began */
	double		ms;				/* how long it lasted (so far, while waiting) */
	int			pid;			/* the holder that made it wait, or 0 when unknown */
	bool		held_off;		/* players' new guards are held off now */
} SimGuardWait;

/* Copy the last wait; false when sim is not preloaded. */
extern bool SimGuardLastWait(SimGuardWait *out);

/* The word sim.status shows for an action ("waited", ...), NULL for none. */
extern const char *SimGuardActionName(SimGuardAction action);

#endif							/* SIM_GUARD_H */
