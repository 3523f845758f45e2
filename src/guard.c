/*
 * guard.c -- the tick guard: commands hold ticks off, and a tick waits for
 * them only a bounded time unless they are operators'.
 *
 * A transaction that changes the world outside a tick (every economic
 * command, any write to sim.ship or sim.flight_leg) first calls
 * SimTickGuard(), which takes the cluster's tick lock (world.h) in share
 * mode until the transaction ends; a tick takes it exclusively.  So no tick
 * sees half a command, and a command committed before a tick is seen by it.
 *
 * Policy (SimTickLockAcquire): a tick that cannot take the lock at once
 * waits in the lock's queue -- new guards queue behind it, so a stream of
 * commands cannot starve it -- for at most sim.max_command_wait_ms.  Then
 * every holder that is not an operator (SimCallerIsOperator() when it took
 * the guard) and has held the guard through that whole round has its
 * statement cancelled, as pg_cancel_backend does, or, when it sits idle in
 * its transaction (which ignores a cancel), its session terminated, as
 * pg_terminate_backend does; one still holding after another round has its
 * session terminated.  Operators' holders,
 * and other ticks, are waited for without bound: an operator may hold the
 * universe deliberately.  From the end of a round that found players among
 * the holders until the tick has the lock, players' new guards wait outside
 * the queue (the hold-off, renewed each round, expiring by itself should
 * the tick fail): the tick
 * leaves the queue at each round's end, and the guards queued behind it
 * would otherwise be granted, so that players reconnecting in a loop could
 * keep it out for good.  Each wait is recorded for sim.status, each
 * ended transaction is logged.  The bound is a lock_timeout set only
 * around the lock request, inside an internal subtransaction; only that
 * time-out is caught.
 *
 * A transaction holding the guard cannot be prepared (PREPARE TRANSACTION
 * is refused with 0A000): a prepared transaction would hold the tick lock
 * beyond any session, where no tick can end it.
 *
 * Shared state and its locking protocol:
 * - holders[b] describes the guard of the backend with BackendId b + 1
 *   (pid, local transaction id, operator or not, since when; pid 0 when it
 *   holds none).  Only that backend writes it: set once the lock is granted,
 *   cleared when its transaction, or the subtransaction that took the lock,
 *   ends, and at process exit.  Readers (ticks) copy it under its spinlock
 *   and check the pid and lxid against the backend's PGPROC before they
 *   signal it, so a transaction that ended meanwhile is left alone.
 * - The last wait's fields are written by the waiting tick and read by
 *   sim.ticker_state() under `mutex`, held for a few instructions only.
 */
#include "postgres.h"

#include <signal.h>

#include "access/xact.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/backendid.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/sinvaladt.h"
#include "storage/spin.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "sim/guard.h"
#include "sim/identity.h"
#include "sim/sim.h"
#include "sim/world.h"

PG_FUNCTION_INFO_V1(sim_tick_guard);

typedef struct GuardHolder
{
	slock_t		mutex;
	int			pid;			/* 0 when this backend holds no guard */
	LocalTransactionId lxid;	/* its top-level transaction */
	bool		is_operator;
	TimestampTz since;
} GuardHolder;

typedef struct GuardShared
{
	slock_t		mutex;			/* guards the fields up to held_off_until */
	int64		waits;
	int64		ended;
	SimGuardAction action;
	TimestampTz at;
	double		ms;
	int			pid;
	TimestampTz held_off_until;	/* new players' guards wait until then (0: none) */
	int			nholders;		/* MaxBackends */
	GuardHolder holders[FLEXIBLE_ARRAY_MEMBER];
} GuardShared;

static GuardShared *guard = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* this backend's guard: held, and the subtransaction that took it */
static bool guard_held = false;
static SubTransactionId guard_subid = InvalidSubTransactionId;
static bool exit_hook_set = false;

static Size
guard_size(void)
{
	return add_size(offsetof(GuardShared, holders),
					mul_size((Size) MaxBackends, sizeof(GuardHolder)));
}

static void
guard_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(guard_size());
}

static void
guard_shmem_startup(void)
{
	bool		found;
	int			i;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	guard = ShmemInitStruct("sim tick guard", guard_size(), &found);
	if (!found)
	{
		memset(guard, 0, guard_size());
		SpinLockInit(&guard->mutex);
		guard->action = SIM_GUARD_NONE;
		guard->nholders = MaxBackends;
		for (i = 0; i < MaxBackends; i++)
			SpinLockInit(&guard->holders[i].mutex);
	}
	LWLockRelease(AddinShmemInitLock);
}

static GuardHolder *
my_holder(void)
{
	if (guard == NULL || MyBackendId == InvalidBackendId || MyBackendId > guard->nholders)
		return NULL;
	return &guard->holders[MyBackendId - 1];
}

/* Forget this backend's guard: its lock is gone or about to go. */
static void
guard_release(void)
{
	GuardHolder *h = my_holder();

	if (guard_held && h != NULL)
	{
		SpinLockAcquire(&h->mutex);
		h->pid = 0;
		SpinLockRelease(&h->mutex);
	}
	guard_held = false;
	guard_subid = InvalidSubTransactionId;
}

static void
guard_exit(int code, Datum arg)
{
	GuardHolder *h = my_holder();

	if (h != NULL)
	{
		SpinLockAcquire(&h->mutex);
		if (h->pid == MyProcPid)
			h->pid = 0;
		SpinLockRelease(&h->mutex);
	}
}

static void
guard_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_PREPARE:
			if (guard_held)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot prepare a transaction that holds the sim tick guard"),
						 errdetail("The transaction ran a sim command or changed the universe's ships, so no tick "
								   "can run until it ends; a prepared transaction would hold the tick lock "
								   "beyond its session. The transaction was rolled back."),
						 errhint("Commit the transaction instead of preparing it, or prepare only work that "
								 "does not call sim's commands.")));
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			guard_release();
			break;
		default:
			break;
	}
}

/*
 * A subtransaction that aborts releases the locks it took, and those its
 * committed children passed up to it.  Subtransaction ids grow, so it
 * contains the one that took the guard exactly when its id is not above
 * that one's; a savepoint begun after the guard was taken leaves it held.
 */
static void
guard_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB && guard_held && mySubid <= guard_subid)
		guard_release();
}

/* Reserve the holders' records and hook transaction ends. */
void
SimGuardInit(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = guard_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = guard_shmem_startup;
	RegisterXactCallback(guard_xact_callback, NULL);
	RegisterSubXactCallback(guard_subxact_callback, NULL);
}

/*
 * While a tick that has waited a round for commands ends their holders, a
 * new player's guard waits here, holding nothing, instead of in the lock's
 * queue: a tick that leaves the queue at a round's end would otherwise let
 * every guard queued behind it in, and players reconnecting in a loop
 * could keep it out for good.  The hold-off is renewed each round and
 * cleared when the tick gets the lock, so the wait here is at most as long
 * as the tick's (plus one 10 ms look: many waiters must not take the CPU
 * the tick needs).
 */
static void
wait_out_hold_off(void)
{
	for (;;)
	{
		TimestampTz until;

		SpinLockAcquire(&guard->mutex);
		until = guard->held_off_until;
		SpinLockRelease(&guard->mutex);
		if (until == 0 || GetCurrentTimestamp() >= until)
			return;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 10L,
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

static void
set_hold_off(TimestampTz until)
{
	SpinLockAcquire(&guard->mutex);
	guard->held_off_until = until;
	SpinLockRelease(&guard->mutex);
}

void
SimTickGuard(void)
{
	GuardHolder *h;
	LOCKTAG		tag;
	bool		is_operator;

	if (SimInTick || guard_held || guard == NULL)
		return;
	h = my_holder();
	if (h == NULL)
		elog(ERROR, "backend id %d has no tick guard record", (int) MyBackendId);
	if (!exit_hook_set)
	{
		on_shmem_exit(guard_exit, 0);
		exit_hook_set = true;
	}
	is_operator = SimCallerIsOperator();
	if (!is_operator)
		wait_out_hold_off();

	SimTickLockTag(tag);
	(void) LockAcquire(&tag, ShareLock, false, false);
	guard_held = true;
	guard_subid = GetCurrentSubTransactionId();

	SpinLockAcquire(&h->mutex);
	h->lxid = MyProc->lxid;
	h->is_operator = is_operator;
	h->since = GetCurrentTimestamp();
	h->pid = MyProcPid;
	SpinLockRelease(&h->mutex);
}

/* SQL: sim.tick_guard() -- SimTickGuard for commands written in SQL. */
Datum
sim_tick_guard(PG_FUNCTION_ARGS)
{
	SimTickGuard();
	PG_RETURN_VOID();
}

/*
 * Wait at most ms in the tick lock's queue; true once the lock is held (by
 * this transaction: the internal subtransaction passes it up).  Only the
 * lock time-out is caught.
 */
static bool
acquire_within(const LOCKTAG *tag, int ms)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	volatile bool got = false;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		int			nest = NewGUCNestLevel();
		char		value[32];

		snprintf(value, sizeof(value), "%d", ms);
		(void) set_config_option("lock_timeout", value, PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
		(void) LockAcquire(tag, ExclusiveLock, false, false);
		AtEOXact_GUC(true, nest);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		got = true;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
			ReThrowError(edata);
		FreeErrorData(edata);
	}
	PG_END_TRY();
	return got;
}

/* What this tick did to a holder (one backend's transaction) during its wait. */
typedef struct Dealt
{
	int			pid;
	LocalTransactionId lxid;
	SimGuardAction action;		/* SIM_GUARD_CANCELLED or SIM_GUARD_TERMINATED */
} Dealt;

/*
 * Is the backend of pid idle in its transaction, as of the backend-status
 * snapshot taken this round?  A cancel would do nothing to it.
 */
static bool
idle_in_transaction(int pid)
{
	int			n = pgstat_fetch_stat_numbackends();
	int			i;

	for (i = 1; i <= n; i++)
	{
		PgBackendStatus *be = pgstat_fetch_stat_beentry(i);

		if (be != NULL && be->st_procpid == pid)
			return be->st_state == STATE_IDLEINTRANSACTION ||
				be->st_state == STATE_IDLEINTRANSACTION_ABORTED;
	}
	return false;
}

/* Signal a holder's process, as pg_cancel_backend / pg_terminate_backend do. */
static void
signal_holder(int pid, int sig)
{
#ifdef HAVE_SETSID
	if (kill(-pid, sig))
#else
	if (kill(pid, sig))
#endif
		ereport(WARNING,
				(errmsg("could not send signal to process %d: %m", pid)));
}

static void
set_wait(SimGuardAction action, int pid, TimestampTz at, double ms, bool done, int ended)
{
	SpinLockAcquire(&guard->mutex);
	guard->action = action;
	guard->at = at;
	guard->ms = ms;
	guard->pid = pid;
	guard->ended += ended;
	if (done)
		guard->waits++;
	SpinLockRelease(&guard->mutex);
}

/*
 * Act on the holders once a round of the wait has passed: cancel each that
 * is not an operator's and held the guard since before round_start, or
 * terminate it if it was cancelled in an earlier round.  dealt has one entry
 * per backend slot.  Returns the pid to report (the oldest holder acted on,
 * else the oldest holder), raises *worst to the most done, and adds to
 * *ended the transactions acted on for the first time.
 */
static int
deal_with_holders(TimestampTz round_start, TimestampTz wait_start, Dealt *dealt,
				  SimGuardAction *worst, int *ended, bool *players)
{
	int			report_pid = 0;
	TimestampTz report_since = 0;
	bool		report_acted = false;
	int			i;

	/* the holders' states as of now (idle_in_transaction) */
	pgstat_clear_backend_activity_snapshot();
	for (i = 0; i < guard->nholders; i++)
	{
		GuardHolder *h = &guard->holders[i];
		GuardHolder copy;
		PGPROC	   *proc;
		SimGuardAction action;

		if (i == MyBackendId - 1)
			continue;
		SpinLockAcquire(&h->mutex);
		copy.pid = h->pid;
		copy.lxid = h->lxid;
		copy.is_operator = h->is_operator;
		copy.since = h->since;
		SpinLockRelease(&h->mutex);
		if (copy.pid == 0)
			continue;
		if (!copy.is_operator)
			*players = true;

		/* the oldest holder made the tick wait, unless one is acted on */
		if (copy.is_operator || copy.since > round_start)
		{
			if (!report_acted && (report_pid == 0 || copy.since < report_since))
			{
				report_pid = copy.pid;
				report_since = copy.since;
			}
			continue;
		}

		proc = BackendIdGetProc(i + 1);
		if (proc == NULL || proc->pid != copy.pid || proc->lxid != copy.lxid)
			continue;			/* its transaction ended meanwhile */

		/* dealt[i]: what this wait did to the transaction in slot i, if it is this one */
		if (dealt[i].pid != copy.pid || dealt[i].lxid != copy.lxid)
		{
			dealt[i].pid = copy.pid;
			dealt[i].lxid = copy.lxid;
			dealt[i].action = SIM_GUARD_NONE;
			(*ended)++;
		}
		/* a cancel first, unless the holder sits idle in its transaction, which a cancel cannot end */
		action = dealt[i].action == SIM_GUARD_NONE && !idle_in_transaction(copy.pid)
			? SIM_GUARD_CANCELLED : SIM_GUARD_TERMINATED;
		signal_holder(copy.pid, action == SIM_GUARD_CANCELLED ? SIGINT : SIGTERM);
		if (dealt[i].action != action)
		{
			dealt[i].action = action;
			ereport(LOG,
					(errmsg("sim tick is %s process %d, which has held the tick guard for %ld ms",
							action == SIM_GUARD_CANCELLED ? "cancelling" : "terminating",
							copy.pid,
							TimestampDifferenceMilliseconds(copy.since, GetCurrentTimestamp())),
					 errdetail("The tick had waited %ld ms for it; it waits at most sim.max_command_wait_ms (%d ms) "
							   "for a holder that is not an operator before it ends the holder's transaction.",
							   TimestampDifferenceMilliseconds(wait_start, GetCurrentTimestamp()),
							   sim_max_command_wait_ms)));
		}
		if (action > *worst)
			*worst = action;
		if (!report_acted || copy.since < report_since)
		{
			report_pid = copy.pid;
			report_since = copy.since;
			report_acted = true;
		}
	}
	return report_pid;
}

double
SimTickLockAcquire(void)
{
	LOCKTAG		tag;
	TimestampTz start;
	TimestampTz now;
	Dealt	   *dealt;
	int			ended = 0;
	int			pid = 0;
	SimGuardAction worst = SIM_GUARD_WAITED;
	bool		players = false;
	double		ms;

	SimTickLockTag(tag);
	if (LockAcquire(&tag, ExclusiveLock, false, true) != LOCKACQUIRE_NOT_AVAIL)
		return 0.0;
	if (guard == NULL)
		elog(ERROR, "the tick guard's shared memory is missing");

	start = GetCurrentTimestamp();
	dealt = palloc0(sizeof(Dealt) * guard->nholders);
	/* no holder held the guard before time 0: this only finds the one to report */
	pid = deal_with_holders(0, start, dealt, &worst, &ended, &players);
	set_wait(SIM_GUARD_WAITING, pid, start, 0.0, false, 0);
	for (;;)
	{
		TimestampTz round_start = GetCurrentTimestamp();

		if (acquire_within(&tag, sim_max_command_wait_ms))
			break;
		CHECK_FOR_INTERRUPTS();
		players = false;
		pid = deal_with_holders(round_start, start, dealt, &worst, &ended, &players);
		/*
		 * While players hold the guard, new players' guards wait until this
		 * tick has run (wait_out_hold_off); while only operators do, players
		 * get through between rounds.
		 */
		set_hold_off(players ? TimestampTzPlusMilliseconds(GetCurrentTimestamp(), 2 * sim_max_command_wait_ms) : 0);
		if (pid == 0)			/* the holders are ticks: keep the last one reported */
		{
			SpinLockAcquire(&guard->mutex);
			pid = guard->pid;
			SpinLockRelease(&guard->mutex);
		}
		set_wait(SIM_GUARD_WAITING, pid, start, 0.0, false, ended);
		ended = 0;
	}
	now = GetCurrentTimestamp();
	ms = (double) (now - start) / 1000.0;
	SpinLockAcquire(&guard->mutex);
	pid = guard->pid;			/* the holder reported by the last round */
	guard->held_off_until = 0;
	SpinLockRelease(&guard->mutex);
	set_wait(worst, pid, start, ms, true, 0);
	pfree(dealt);
	return ms;
}

bool
SimGuardLastWait(SimGuardWait *out)
{
	memset(out, 0, sizeof(*out));
	if (guard == NULL)
		return false;
	SpinLockAcquire(&guard->mutex);
	out->waits = guard->waits;
	out->ended = guard->ended;
	out->action = guard->action;
	out->at = guard->at;
	out->ms = guard->ms;
	out->pid = guard->pid;
	out->held_off = guard->held_off_until != 0 && GetCurrentTimestamp() < guard->held_off_until;
	SpinLockRelease(&guard->mutex);
	if (out->action == SIM_GUARD_WAITING)
		out->ms = (double) (GetCurrentTimestamp() - out->at) / 1000.0;
	return true;
}

const char *
SimGuardActionName(SimGuardAction action)
{
	switch (action)
	{
		case SIM_GUARD_NONE:
			return NULL;
		case SIM_GUARD_WAITING:
			return "waiting";
		case SIM_GUARD_WAITED:
			return "waited";
		case SIM_GUARD_CANCELLED:
			return "cancelled";
		case SIM_GUARD_TERMINATED:
			return "terminated";
	}
	return NULL;
}
