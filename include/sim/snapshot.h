/*
 * snapshot.h -- snapshots, rollback, export and import: the glue between
 * the registered tables (sim.snapshot_section) and the snapshot file
 * (src/snapshot.c: capture, export, the registry; src/snapshot_restore.c:
 * restore; sim/core/snapfile.h; docs/lifecycle.md).
 */
#ifndef SIM_SNAPSHOT_H
#define SIM_SNAPSHOT_H

#include "postgres.h"

#include "access/attnum.h"

#include "sim/core/snapfile.h"

/* The fault-point GUC sim.lifecycle_fault (superuser-only test hook). */
extern char *sim_lifecycle_fault_point;

/* Define the module's GUCs (from _PG_init). */
extern void SimSnapshotInit(void);

/*
 * Reached a named point of a lifecycle function: when sim.lifecycle_fault
 * names it, log it and wait until the process is killed (or, for
 * "error:<point>", raise an error there).
 */
extern void SimLifecycleFault(const char *point);

/* A registered section (a row of sim.snapshot_section) and its table's columns. */
typedef struct SimSnapshotSection
{
	char		name[NAMEDATALEN];
	int			part;
	Oid			source;
	Oid			target;
	char	   *filter;			/* NULL: all rows */
	int			ncols;			/* of target (restore) or source (capture) */
	char	  **colname;
	Oid		   *coltype;
	int32	   *coltypmod;
	AttrNumber *attnum;
	char	  **typname;
} SimSnapshotSection;

/* ERROR (cannot happen) unless an SPI call returned want. */
extern void SimSnapshotSpiCheck(int rc, int want, const char *what);

/* s's columns: those of relid that hold data (not dropped, not generated), in order. */
extern void SimSnapshotLoadColumns(SimSnapshotSection *s, Oid relid);

/* The registered sections of part ("state" or "recording"), in order (inside SPI). */
extern SimSnapshotSection *SimSnapshotLoadRegistry(const char *part, int *n);

/* A relation's schema-qualified, quoted name. */
extern char *SimSnapshotRelName(Oid relid);

/* Decode and check a whole file into f, or raise SM017 (damaged) or SM016 (another version). */
extern void SimSnapshotDecode(bytea *data, SimSnapFile *f);

#endif							/* SIM_SNAPSHOT_H */
