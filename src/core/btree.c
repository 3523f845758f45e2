/*
 * btree.c -- compiling behaviour-tree rows into a flat tree, and running it;
 * see btree.h.
 *
 * Building sorts the rows by node_id (to find nodes and duplicates) and the
 * non-root rows by (parent_id, seq, node_id) (so each node's children are
 * one run, in seq order), then lays the tree out breadth first from the
 * root.  Every check walks the nodes in node_id order or in that
 * breadth-first order, so both the tree and the first error reported are
 * functions of the set of rows, not of their order.  Each node has one
 * parent, so the nodes the walk does not reach are exactly those on or
 * below a cycle.
 *
 * The checks run in this order: node count, node_id 0, duplicate node_id,
 * unknown kind, root count, missing parent, duplicate seq, children per
 * kind, depth, reachability.
 */
#include "sim/core/btree.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A row's keys while building; row is its index in the input. */
typedef struct BtKey
{
	int32_t		node_id;
	int32_t		parent_id;
	int32_t		seq;
	int32_t		row;
} BtKey;

typedef int (*BtKeyCmp) (const BtKey *a, const BtKey *b);

/* Order by node_id, then input position (only duplicates tie). */
static int
cmp_by_id(const BtKey *a, const BtKey *b)
{
	if (a->node_id != b->node_id)
		return a->node_id < b->node_id ? -1 : 1;
	if (a->row != b->row)
		return a->row < b->row ? -1 : 1;
	return 0;
}

/* Order by parent_id, seq, node_id (node_ids are unique by then). */
static int
cmp_by_parent(const BtKey *a, const BtKey *b)
{
	if (a->parent_id != b->parent_id)
		return a->parent_id < b->parent_id ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	if (a->node_id != b->node_id)
		return a->node_id < b->node_id ? -1 : 1;
	return 0;
}

/* Restore the max-heap property below i in k[0..n-1]. */
static void
sift_down(BtKey *k, int i, int n, BtKeyCmp cmp)
{
	for (;;)
	{
		int			l = 2 * i + 1;
		int			m = i;
		BtKey		t;

		if (l < n && cmp(&k[l], &k[m]) > 0)
			m = l;
		if (l + 1 < n && cmp(&k[l + 1], &k[m]) > 0)
			m = l + 1;
		if (m == i)
			return;
		t = k[i];
		k[i] = k[m];
		k[m] = t;
		i = m;
	}
}

/* Sort k[0..n-1] ascending by cmp, in place, without allocating. */
static void
sort_keys(BtKey *k, int n, BtKeyCmp cmp)
{
	int			i;

	for (i = n / 2 - 1; i >= 0; i--)
		sift_down(k, i, n, cmp);
	for (i = n - 1; i > 0; i--)
	{
		BtKey		t = k[0];

		k[0] = k[i];
		k[i] = t;
		sift_down(k, 0, i, cmp);
	}
}

/* Index in byid (sorted, unique ids) of node_id, or -1. */
static int
find_id(const BtKey *byid, int n, int32_t node_id)
{
	int			lo = 0;
	int			hi = n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (byid[mid].node_id == node_id)
			return mid;
		if (byid[mid].node_id < node_id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* The SQL name of a kind. */
static const char *
kind_name(int32_t kind)
{
	switch (kind)
	{
		case SIM_BT_SEQUENCE:
			return "sequence";
		case SIM_BT_SELECTOR:
			return "selector";
		case SIM_BT_INVERTER:
			return "inverter";
		case SIM_BT_CONDITION:
			return "condition";
		case SIM_BT_ACTION:
			return "action";
	}
	return "unknown";
}

static int	fail(char *errbuf, size_t errlen, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

/* Write a message into errbuf if there is room; always returns -1. */
static int
fail(char *errbuf, size_t errlen, const char *fmt,...)
{
	va_list		ap;

	if (errbuf != NULL && errlen > 0)
	{
		va_start(ap, fmt);
		vsnprintf(errbuf, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Bytes of a compiled tree of nnodes nodes. */
size_t
SimBtTreeSize(int32_t nnodes)
{
	if (nnodes < 0)
		nnodes = 0;
	return offsetof(SimBtTree, nodes) + (size_t) nnodes * sizeof(SimBtNode);
}

/*
 * Checks rows against everything but depth and reachability and fills the
 * child ranges; 0 or -1 with a message.  byid comes in unsorted and leaves
 * sorted by node_id; bychild leaves holding the non-root rows sorted by
 * (parent_id, seq, node_id); byid[k]'s children are bychild[cstart[k]] and
 * the ccount[k] - 1 after it; *root is the byid index of the root.
 */
static int
check_rows(const SimBtRow *rows, int n, BtKey *byid, BtKey *bychild,
		   int32_t *cstart, int32_t *ccount, int *root,
		   char *errbuf, size_t errlen)
{
	int			m = 0;
	int			nroots = 0;
	int			k;
	int			j;

	sort_keys(byid, n, cmp_by_id);

	for (k = 0; k < n; k++)
		if (byid[k].node_id == 0)
			return fail(errbuf, errlen,
						"node_id 0 is reserved (parent_id 0 marks the root)");
	for (k = 1; k < n; k++)
		if (byid[k].node_id == byid[k - 1].node_id)
			return fail(errbuf, errlen, "duplicate node_id %d",
						(int) byid[k].node_id);
	for (k = 0; k < n; k++)
	{
		SimBtKind	kind = rows[byid[k].row].kind;

		if ((int) kind < (int) SIM_BT_SEQUENCE || (int) kind > (int) SIM_BT_ACTION)
			return fail(errbuf, errlen, "node %d has unknown kind %d",
						(int) byid[k].node_id, (int) kind);
	}

	*root = -1;
	for (k = 0; k < n; k++)
	{
		if (byid[k].parent_id != 0)
			continue;
		if (++nroots == 2)
			return fail(errbuf, errlen,
						"more than one root: nodes %d and %d have parent_id 0",
						(int) byid[*root].node_id, (int) byid[k].node_id);
		*root = k;
	}
	if (nroots == 0)
		return fail(errbuf, errlen, "no root: no node has parent_id 0");

	for (k = 0; k < n; k++)
	{
		if (byid[k].parent_id == 0)
			continue;
		if (find_id(byid, n, byid[k].parent_id) < 0)
			return fail(errbuf, errlen,
						"node %d has parent_id %d, which does not exist",
						(int) byid[k].node_id, (int) byid[k].parent_id);
		bychild[m++] = byid[k];
	}
	sort_keys(bychild, m, cmp_by_parent);

	for (j = 1; j < m; j++)
		if (bychild[j].parent_id == bychild[j - 1].parent_id &&
			bychild[j].seq == bychild[j - 1].seq)
			return fail(errbuf, errlen,
						"nodes %d and %d have the same seq %d under parent %d",
						(int) bychild[j - 1].node_id, (int) bychild[j].node_id,
						(int) bychild[j].seq, (int) bychild[j].parent_id);

	for (k = 0; k < n; k++)
	{
		cstart[k] = -1;
		ccount[k] = 0;
	}
	for (j = 0; j < m; j++)
	{
		k = find_id(byid, n, bychild[j].parent_id);
		if (ccount[k]++ == 0)
			cstart[k] = j;
	}

	for (k = 0; k < n; k++)
	{
		int32_t		kind = rows[byid[k].row].kind;
		int			id = (int) byid[k].node_id;

		if ((kind == SIM_BT_CONDITION || kind == SIM_BT_ACTION) && ccount[k] > 0)
			return fail(errbuf, errlen, "%s node %d has children, but a leaf has none",
						kind_name(kind), id);
		if ((kind == SIM_BT_SEQUENCE || kind == SIM_BT_SELECTOR) && ccount[k] == 0)
			return fail(errbuf, errlen, "%s node %d has no child",
						kind_name(kind), id);
		if (kind == SIM_BT_INVERTER && ccount[k] != 1)
			return fail(errbuf, errlen,
						"inverter node %d has %d children, not exactly one",
						id, (int) ccount[k]);
	}
	return 0;
}

/*
 * Check and compile rows; 0 and *out set, or -1 with a message in errbuf.
 */
int
SimBtBuild(const SimBtRow *rows, int n, const SimAllocator *mem,
		   SimBtTree **out, char *errbuf, size_t errlen)
{
	char	   *scratch;
	BtKey	   *byid;
	BtKey	   *bychild;
	int32_t    *cstart;
	int32_t    *ccount;
	int32_t    *depth;
	int32_t    *order;
	SimBtTree  *t = NULL;
	int			root = -1;
	int			next;
	int			i;
	int			k;
	int			rc;

	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if (out == NULL)
		return fail(errbuf, errlen, "no place for the tree (out is NULL)");
	*out = NULL;
	if (mem == NULL || mem->alloc == NULL || mem->free == NULL)
		return fail(errbuf, errlen, "no allocator");
	if (n < 1 || n > SIM_BT_MAX_NODES)
		return fail(errbuf, errlen,
					"behaviour tree has %d nodes, must have 1 to %d",
					n, SIM_BT_MAX_NODES);
	if (rows == NULL)
		return fail(errbuf, errlen, "no rows (rows is NULL)");

	scratch = mem->alloc((size_t) n * (2 * sizeof(BtKey) + 4 * sizeof(int32_t)));
	if (scratch == NULL)
		return fail(errbuf, errlen, "out of memory building a behaviour tree");
	byid = (BtKey *) scratch;
	bychild = byid + n;
	cstart = (int32_t *) (bychild + n);
	ccount = cstart + n;
	depth = ccount + n;
	order = depth + n;

	for (k = 0; k < n; k++)
	{
		byid[k].node_id = rows[k].node_id;
		byid[k].parent_id = rows[k].parent_id;
		byid[k].seq = rows[k].seq;
		byid[k].row = k;
		depth[k] = 0;
	}

	rc = check_rows(rows, n, byid, bychild, cstart, ccount, &root,
					errbuf, errlen);
	if (rc == 0)
	{
		t = mem->alloc(SimBtTreeSize(n));
		if (t == NULL)
			rc = fail(errbuf, errlen, "out of memory building a behaviour tree");
	}
	if (rc != 0)
	{
		mem->free(scratch);
		return rc;
	}

	/* breadth first: order[i] is the byid index of output node i */
	memset(t, 0, SimBtTreeSize(n));
	t->depth = 1;
	order[0] = root;
	depth[root] = 1;
	next = 1;
	for (i = 0; i < next; i++)
	{
		int			kk = order[i];
		const SimBtRow *r = &rows[byid[kk].row];
		SimBtNode  *nd = &t->nodes[i];
		int			c;

		nd->param = r->param;
		nd->node_id = r->node_id;
		nd->code = r->code;
		nd->kind = (int32_t) r->kind;
		nd->nchildren = ccount[kk];
		nd->first_child = ccount[kk] > 0 ? next : -1;
		if (i == 0)
			nd->parent = -1;
		for (c = 0; c < ccount[kk]; c++)
		{
			int			ck = find_id(byid, n, bychild[cstart[kk] + c].node_id);

			if (depth[kk] + 1 > SIM_BT_MAX_DEPTH)
			{
				rc = fail(errbuf, errlen,
						  "node %d is at depth %d, deeper than the limit of %d (the root is at depth 1)",
						  (int) byid[ck].node_id, (int) depth[kk] + 1,
						  SIM_BT_MAX_DEPTH);
				goto done;
			}
			depth[ck] = depth[kk] + 1;
			if (depth[ck] > t->depth)
				t->depth = depth[ck];
			t->nodes[next].parent = i;
			order[next++] = ck;
		}
	}
	if (next < n)
	{
		for (k = 0; k < n; k++)
			if (depth[k] == 0)
				break;
		rc = fail(errbuf, errlen,
				  "node %d is not reachable from the root (it is on or below a cycle)",
				  (int) byid[k].node_id);
		goto done;
	}
	t->nnodes = n;

done:
	mem->free(scratch);
	if (rc != 0)
	{
		mem->free(t);
		return rc;
	}
	*out = t;
	return 0;
}

/* Result of node i at the given level (root = 1). */
static int
run_node(const SimBtTree *t, int32_t i, int level, const SimBtHooks *hooks,
		 void *ctx, SimBtTrace *trace)
{
	const SimBtNode *nd = &t->nodes[i];
	int32_t		c;

	if (trace != NULL)
		trace->nevaluated++;
	switch (nd->kind)
	{
		case SIM_BT_SEQUENCE:
		case SIM_BT_SELECTOR:
			{
				int			stop_on = nd->kind == SIM_BT_SEQUENCE ?
					SIM_BT_FAILURE : SIM_BT_SUCCESS;

				if (level >= SIM_BT_MAX_DEPTH)
					return SIM_BT_FAILURE;	/* cannot happen in a built tree */
				for (c = 0; c < nd->nchildren; c++)
					if (run_node(t, nd->first_child + c, level + 1,
								 hooks, ctx, trace) == stop_on)
						return stop_on;
				return stop_on == SIM_BT_FAILURE ? SIM_BT_SUCCESS : SIM_BT_FAILURE;
			}
		case SIM_BT_INVERTER:
			if (level >= SIM_BT_MAX_DEPTH || nd->nchildren != 1)
				return SIM_BT_FAILURE;	/* cannot happen in a built tree */
			return run_node(t, nd->first_child, level + 1, hooks, ctx, trace) ==
				SIM_BT_SUCCESS ? SIM_BT_FAILURE : SIM_BT_SUCCESS;
		case SIM_BT_CONDITION:
			if (hooks == NULL || hooks->condition == NULL)
				return SIM_BT_FAILURE;
			return hooks->condition(ctx, nd->code, nd->param) != 0 ?
				SIM_BT_SUCCESS : SIM_BT_FAILURE;
		case SIM_BT_ACTION:
			if (hooks == NULL || hooks->action == NULL ||
				hooks->action(ctx, nd->code, nd->param) != SIM_BT_SUCCESS)
				return SIM_BT_FAILURE;
			if (trace != NULL)
			{
				if (trace->nactions < SIM_BT_TRACE_MAX)
					trace->action_ids[trace->nactions] = nd->node_id;
				trace->nactions++;
			}
			return SIM_BT_SUCCESS;
	}
	return SIM_BT_FAILURE;		/* unknown kind: cannot happen */
}

/* Evaluate t once; SIM_BT_SUCCESS or SIM_BT_FAILURE. */
int
SimBtRun(const SimBtTree *t, const SimBtHooks *hooks, void *ctx,
		 SimBtTrace *trace)
{
	if (trace != NULL)
		memset(trace, 0, sizeof(*trace));
	if (t == NULL || t->nnodes < 1)
		return SIM_BT_FAILURE;
	return run_node(t, 0, 1, hooks, ctx, trace);
}
