/*
 * btree.h -- data-driven behaviour trees (no Postgres inside).
 *
 * A tree is stored in SQL as rows (node_id, parent_id, seq, kind, code,
 * param): parent_id 0 marks the root, seq orders siblings, and code is the
 * glue's integer for a condition or action name (the core sees only codes).
 * SimBtBuild checks the rows and compiles them into one flat block: nodes
 * in breadth-first order, root at index 0, each node's children contiguous
 * and in seq order, links as indexes.  The block holds no pointers, so it
 * can be copied with memcpy (SimBtTreeSize(t->nnodes) bytes) and cached.
 * The compiled tree is a pure function of the set of rows, whatever their
 * order.
 *
 * SimBtRun evaluates a tree once through caller hooks.  There is no RUNNING
 * state: decisions are made once per wake.
 *   sequence  runs its children in order; fails at the first failure (the
 *             later children are not evaluated), succeeds if all succeed
 *   selector  succeeds at the first success (later children are not
 *             evaluated), fails if all fail
 *   inverter  flips its one child's result
 *   condition succeeds iff the condition hook returns nonzero
 *   action    succeeds iff the action hook returns SIM_BT_SUCCESS
 * Running allocates nothing and recurses at most SIM_BT_MAX_DEPTH deep.
 */
#ifndef SIM_CORE_BTREE_H
#define SIM_CORE_BTREE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/core/route.h"		/* SimAllocator */

#define SIM_BT_MAX_NODES 4096
#define SIM_BT_MAX_DEPTH 32		/* levels, the root being level 1 */
#define SIM_BT_TRACE_MAX 8

/* Results of a node, of a run and of the action hook. */
#define SIM_BT_FAILURE 0
#define SIM_BT_SUCCESS 1

typedef enum SimBtKind
{
	SIM_BT_SEQUENCE,
	SIM_BT_SELECTOR,
	SIM_BT_INVERTER,
	SIM_BT_CONDITION,
	SIM_BT_ACTION
} SimBtKind;

/* One stored row of a tree, as read from SQL. */
typedef struct SimBtRow
{
	int32_t		node_id;		/* nonzero, unique in the tree */
	int32_t		parent_id;		/* 0 for the root */
	int32_t		seq;			/* order among siblings, unique among them */
	SimBtKind	kind;
	int32_t		code;			/* condition or action code (leaves) */
	double		param;			/* passed to the hook (leaves) */
} SimBtRow;

/* One compiled node (32 bytes, no padding). */
typedef struct SimBtNode
{
	double		param;
	int32_t		node_id;
	int32_t		code;
	int32_t		kind;			/* a SimBtKind */
	int32_t		parent;			/* index of the parent, -1 for the root */
	int32_t		first_child;	/* index of the first child, -1 if none */
	int32_t		nchildren;
} SimBtNode;

/* A compiled tree: one block of SimBtTreeSize(nnodes) bytes. */
typedef struct SimBtTree
{
	int32_t		nnodes;
	int32_t		depth;			/* levels, 1 for a lone root */
	SimBtNode	nodes[];		/* nodes[0] is the root */
} SimBtTree;

/*
 * The caller's condition and action.  condition returns nonzero for true;
 * action returns SIM_BT_SUCCESS or SIM_BT_FAILURE (anything else counts as
 * failure).  A NULL hook fails every node that would call it.
 */
typedef struct SimBtHooks
{
	int			(*condition) (void *ctx, int32_t code, double param);
	int			(*action) (void *ctx, int32_t code, double param);
} SimBtHooks;

/* What a run did (optional). */
typedef struct SimBtTrace
{
	int32_t		nevaluated;		/* nodes evaluated, composites included */
	int32_t		nactions;		/* actions that succeeded (may exceed the max) */
	int32_t		action_ids[SIM_BT_TRACE_MAX];	/* node_ids of the first of them */
} SimBtTrace;

/* Bytes of a compiled tree of nnodes nodes. */
extern size_t SimBtTreeSize(int32_t nnodes);

/*
 * Check n rows and compile them.  On success returns 0 and sets *out to a
 * tree of SimBtTreeSize(n) bytes from mem->alloc (the caller frees it with
 * mem->free).  On bad rows or allocation failure returns -1, sets *out to
 * NULL and writes a message (lowercase, no final period, naming the node)
 * into errbuf (errlen bytes, truncated; errbuf may be NULL if errlen is 0).
 * Scratch memory is taken from mem and returned before the call ends.
 */
extern int	SimBtBuild(const SimBtRow *rows, int n, const SimAllocator *mem,
					   SimBtTree **out, char *errbuf, size_t errlen);

/*
 * Evaluate t once; returns SIM_BT_SUCCESS or SIM_BT_FAILURE.  When trace is
 * not NULL it is reset and then filled in.
 */
extern int	SimBtRun(const SimBtTree *t, const SimBtHooks *hooks, void *ctx,
					 SimBtTrace *trace);

#endif							/* SIM_CORE_BTREE_H */
