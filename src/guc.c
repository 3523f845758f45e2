/*
 * guc.c -- sim's configuration parameters.
 *
 * Sizes of shared structures are PGC_POSTMASTER; the ticker's pace and
 * switch are PGC_SIGHUP so a reload changes them without a restart; the
 * bound on a tick's wait for commands is PGC_SUSET (a superuser's sim.step
 * may use its own).
 */
#include "postgres.h"

#include <float.h>

#include "miscadmin.h"
#include "utils/guc.h"

#include "sim/core/kinematics.h"
#include "sim/sim.h"

char	   *sim_database = NULL;
int			sim_tick_interval_ms = 1000;
bool		sim_enabled = true;
int			sim_max_ships = 200000;
double		sim_grid_cell_km = 1000.0;
int			sim_change_retention = 3600;
int			sim_tick_history = 10000;
int			sim_kernel = SIM_KERNEL_CHOICE_AUTO;
int			sim_max_command_wait_ms = 200;

static const struct config_enum_entry kernel_options[] = {
	{"auto", SIM_KERNEL_CHOICE_AUTO, false},
	{"scalar", SIM_KERNEL_SCALAR, false},
	{"avx2", SIM_KERNEL_AVX2, false},
	{"avx512", SIM_KERNEL_AVX512, false},
	{NULL, 0, false}
};

/* Refuse a kernel variant this CPU cannot run. */
static bool
check_kernel(int *newval, void **extra, GucSource source)
{
	if (*newval == SIM_KERNEL_CHOICE_AUTO || SimKernelSupported((SimKernelVariant) *newval))
		return true;
	GUC_check_errdetail("This CPU does not support the %s kernel.",
						SimKernelName((SimKernelVariant) *newval));
	return false;
}

/* The kinematics variant ticks use: the GUC's choice, or the best for this CPU. */
SimKernelVariant
SimKernelChosen(void)
{
	return sim_kernel == SIM_KERNEL_CHOICE_AUTO ? SimKernelBest() : (SimKernelVariant) sim_kernel;
}

/*
 * Define every sim.* parameter and reserve the prefix.  The sizes and the
 * database are fixed at server start, so they exist only when sim is in
 * shared_preload_libraries (a PGC_POSTMASTER parameter cannot be created in
 * a running server).
 */
void
SimGucInit(void)
{
	DefineCustomIntVariable("sim.tick_interval_ms",
							"Wall-clock time between ticks.",
							"Tick k is due at t0 + k * interval.",
							&sim_tick_interval_ms,
							1000, 1, 3600 * 1000,
							PGC_SIGHUP,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomBoolVariable("sim.enabled",
							 "Whether the ticker advances the universe.",
							 NULL,
							 &sim_enabled,
							 true,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("sim.tick_history",
							"Ticks kept in sim.tick_log.",
							NULL,
							&sim_tick_history,
							10000, 10, 100 * 1000 * 1000,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("sim.change_retention",
							"Ticks of changes kept for sim.changes_since and sim.delta.",
							"Older changes are dropped a partition at a time; clients resume within this window.",
							&sim_change_retention,
							3600, 4, 100 * 1000 * 1000,
							PGC_SUSET,
							0,
							NULL, NULL, NULL);

	DefineCustomEnumVariable("sim.kernel",
							 "Kinematics kernel variant: auto, scalar, avx2 or avx512.",
							 "All variants give bit-identical positions; auto picks the fastest this CPU runs.",
							 &sim_kernel,
							 SIM_KERNEL_CHOICE_AUTO,
							 kernel_options,
							 PGC_SUSET,
							 0,
							 check_kernel, NULL, NULL);

	DefineCustomIntVariable("sim.max_command_wait_ms",
							"Longest time a tick waits for a command's transaction that is not an operator's.",
							"Then the holder's statement is cancelled, and after as long again its session is "
							"terminated; operators' transactions are waited for without bound.",
							&sim_max_command_wait_ms,
							200, 1, 3600 * 1000,
							PGC_SUSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	if (!process_shared_preload_libraries_in_progress)
	{
		MarkGUCPrefixReserved("sim");
		return;
	}

	DefineCustomStringVariable("sim.database",
							   "Database whose universe the ticker advances.",
							   "The ticker does not start while this is empty.",
							   &sim_database,
							   "",
							   PGC_POSTMASTER,
							   0,
							   NULL, NULL, NULL);

	DefineCustomIntVariable("sim.max_ships",
							"Ships the shared-memory world can hold.",
							NULL,
							&sim_max_ships,
							200000, 16, 16 * 1000 * 1000,
							PGC_POSTMASTER,
							0,
							NULL, NULL, NULL);

	DefineCustomRealVariable("sim.grid_cell_km",
							 "Edge of a spatial index cell, in km.",
							 "Queries with a radius near this size are fastest.",
							 &sim_grid_cell_km,
							 1000.0, 1.0, 1.0e9,
							 PGC_POSTMASTER,
							 0,
							 NULL, NULL, NULL);

	MarkGUCPrefixReserved("sim");
}
