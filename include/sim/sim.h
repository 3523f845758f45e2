/*
 * sim.h -- declarations shared by the Postgres glue of sim (the files in src).
 */
#ifndef SIM_SIM_H
#define SIM_SIM_H

#include "postgres.h"

#include "sim/core/kinematics.h"

/* GUCs (guc.c) */
extern char *sim_database;
extern int	sim_tick_interval_ms;
extern bool sim_enabled;
extern int	sim_max_ships;
extern double sim_grid_cell_km;
extern int	sim_tick_history;
extern int	sim_change_retention;
extern int	sim_kernel;
extern int	sim_max_command_wait_ms;

/* sim.kernel = auto */
#define SIM_KERNEL_CHOICE_AUTO (-1)

/* The kinematics variant ticks use (guc.c). */
extern SimKernelVariant SimKernelChosen(void);

/* Check once per backend that the vocabulary tables match this build (vocab.c). */
extern void SimVocabCheck(void);

/* module init functions, called once from _PG_init */
extern void SimGucInit(void);
extern void SimChangesInit(void);
extern void SimShmemInit(void);
extern void SimGuardInit(void);
extern void SimWorkerInit(void);

#endif							/* SIM_SIM_H */
