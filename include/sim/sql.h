/*
 * sql.h -- the one set of SPI helpers the glue uses (src/sql.c): reading
 * columns of SPI_tuptable, gathering columns of values to pass as array
 * parameters, and statements prepared once per backend.
 *
 * A SimStmt is declared static next to its user with its text and argument
 * types; SimStmtRun prepares it on first use (SPI_prepare + SPI_keepplan, so
 * the plan outlives the transaction; the plan cache re-plans it when the
 * tables it reads change) and runs it.  Text built at run time (the leg
 * columns) is passed once through SimStmtText.
 */
#ifndef SIM_SQL_H
#define SIM_SQL_H

#include "postgres.h"

#include "executor/spi.h"

/* columns of row (0-based) of SPI_tuptable, col 1-based */
extern int64 SimGetInt64(uint64 row, int col, int64 if_null);	/* int2, int4 or int8 */
extern double SimGetFloat8(uint64 row, int col, double if_null);
extern bool SimGetBool(uint64 row, int col);	/* NULL: false */
extern char *SimGetText(uint64 row, int col);	/* NULL: NULL */

/* A growing column of values, passed to a statement as one array parameter. */
typedef struct SimCol
{
	Oid			type;			/* element type */
	int			n;
	int			cap;
	Datum	   *d;
	bool	   *nulls;
} SimCol;

extern void SimColInit(SimCol *c, Oid type);
extern void SimColPush(SimCol *c, Datum d, bool isnull);
extern void SimColI64(SimCol *c, int64 v, bool isnull);
extern void SimColI32(SimCol *c, int32 v, bool isnull);
extern void SimColF8(SimCol *c, double v);
extern void SimColText(SimCol *c, const char *v);	/* NULL: SQL NULL */
extern Datum SimColArray(SimCol *c);

#define SIM_STMT_MAX_ARGS 32

typedef struct SimStmt
{
	const char *sql;			/* NULL until SimStmtText gives it */
	int			nargs;
	Oid			types[SIM_STMT_MAX_ARGS];
	bool		custom_plan;	/* planned for its values at each run (CURSOR_OPT_CUSTOM_PLAN) */
	SPIPlanPtr	plan;			/* prepared on first use */
} SimStmt;

/* Give st its text (copied into long-lived memory) unless it has one. */
extern void SimStmtText(SimStmt *st, const char *sql);

/* Run st with vals (nulls: NULL or ' '/'n' per value); error unless it returns expect. */
extern void SimStmtRun(SimStmt *st, Datum *vals, const char *nulls, int expect);

/*
 * Run st with the columns as its array parameters $1..$ncols (st->types
 * are the arrays' element types).  Runs nothing when the columns are empty.
 */
extern void SimStmtRunCols(SimStmt *st, SimCol *cols, int ncols, int expect);

#endif							/* SIM_SQL_H */
