/*
 * test_btree.c -- unit tests of behaviour trees: every build error (and that
 * it is the same whatever the row order, and leaks nothing), the compiled
 * layout, row-order independence, the semantics of each kind with
 * short-circuiting, the trace, the size and depth limits, and random trees
 * against a naive evaluator working on the rows.
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "sim/core/btree.h"

static long live_blocks = 0;
static long fail_after = -1;		/* fail the n-th allocation from now */

/* malloc that counts live blocks and can be told to fail. */
static void *
count_alloc(size_t size)
{
	if (fail_after == 0)
		return NULL;
	if (fail_after > 0)
		fail_after--;
	live_blocks++;
	return malloc(size);
}

/* free that counts live blocks. */
static void
count_free(void *p)
{
	live_blocks--;
	free(p);
}

static const SimAllocator test_alloc = {count_alloc, count_free};

#define MAX_LOG 8192

/*
 * Hook state: a leaf's result is looked up by its code (conditions: nonzero
 * is true; actions: the value returned), and every call is logged.
 */
typedef struct HookCtx
{
	int			result[64];
	int32_t		log[MAX_LOG];
	int			nlog;
	uint64_t	salt;			/* random trees: results hashed from code */
	int			hashed;
} HookCtx;

/* A deterministic 0/1 from (salt, code). */
static int
hash_bit(uint64_t salt, int32_t code)
{
	uint64_t	x = salt ^ ((uint64_t) (uint32_t) code * UINT64_C(0x9e3779b97f4a7c15));

	x ^= x >> 31;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 29;
	return (int) (x & 1);
}

/* Condition hook: logs the code, answers from the table or the hash. */
static int
hook_condition(void *arg, int32_t code, double param)
{
	HookCtx    *c = arg;

	(void) param;
	if (c->nlog < MAX_LOG)
		c->log[c->nlog] = code;
	c->nlog++;
	if (c->hashed)
		return hash_bit(c->salt, code);
	return c->result[code];
}

/* Action hook: logs the code, answers from the table or the hash. */
static int
hook_action(void *arg, int32_t code, double param)
{
	HookCtx    *c = arg;

	(void) param;
	if (c->nlog < MAX_LOG)
		c->log[c->nlog] = code;
	c->nlog++;
	if (c->hashed)
		return hash_bit(c->salt ^ 1, code) ? SIM_BT_SUCCESS : SIM_BT_FAILURE;
	return c->result[code];
}

static const SimBtHooks test_hooks = {hook_condition, hook_action};

/* A row; code defaults to the node_id so hook logs name nodes. */
static SimBtRow
row(int32_t id, int32_t parent, int32_t seq, SimBtKind kind)
{
	SimBtRow	r;

	r.node_id = id;
	r.parent_id = parent;
	r.seq = seq;
	r.kind = kind;
	r.code = id;
	r.param = (double) id / 4.0;
	return r;
}

/* Shuffle n rows in place. */
static void
shuffle_rows(TestRng *rng, SimBtRow *rows, int n)
{
	int			i;

	for (i = n - 1; i > 0; i--)
	{
		int			j = (int) (test_rng_next(rng) % (uint64_t) (i + 1));
		SimBtRow	t = rows[i];

		rows[i] = rows[j];
		rows[j] = t;
	}
}

/* Whether the log is exactly the given codes (terminated by 0). */
static int
log_is(const HookCtx *c, const int32_t *want)
{
	int			n = 0;

	while (want[n] != 0)
		n++;
	if (c->nlog != n)
		return 0;
	return memcmp(c->log, want, (size_t) n * sizeof(int32_t)) == 0;
}

/* An error case: rows, and a fragment the message must contain. */
typedef struct ErrCase
{
	const char *what;
	SimBtRow	rows[8];
	int			n;
	const char *msg;
} ErrCase;

#define R(id, parent, seq, kind) {id, parent, seq, kind, id, 0.0}

static const ErrCase err_cases[] = {
	{"no rows", {R(1, 0, 0, SIM_BT_ACTION)}, 0, "has 0 nodes, must have 1 to 4096"},
	{"negative count", {R(1, 0, 0, SIM_BT_ACTION)}, -3, "has -3 nodes"},
	{"node_id 0", {R(1, 0, 0, SIM_BT_SEQUENCE), R(0, 1, 0, SIM_BT_ACTION)}, 2,
	"node_id 0 is reserved"},
	{"duplicate node_id",
		{R(1, 0, 0, SIM_BT_SEQUENCE), R(2, 1, 0, SIM_BT_ACTION), R(2, 1, 1, SIM_BT_ACTION)}, 3,
	"duplicate node_id 2"},
	{"unknown kind",
		{R(1, 0, 0, SIM_BT_SEQUENCE), R(2, 1, 0, (SimBtKind) 99)}, 2,
	"node 2 has unknown kind 99"},
	{"no root", {R(1, 2, 0, SIM_BT_INVERTER), R(2, 1, 0, SIM_BT_INVERTER)}, 2,
	"no root"},
	{"two roots",
		{R(7, 0, 0, SIM_BT_ACTION), R(3, 0, 0, SIM_BT_ACTION), R(9, 0, 0, SIM_BT_ACTION)}, 3,
	"more than one root: nodes 3 and 7 have parent_id 0"},
	{"missing parent",
		{R(1, 0, 0, SIM_BT_SEQUENCE), R(2, 1, 0, SIM_BT_ACTION), R(3, 9, 0, SIM_BT_ACTION)}, 3,
	"node 3 has parent_id 9, which does not exist"},
	{"duplicate seq",
		{R(1, 0, 0, SIM_BT_SELECTOR), R(2, 1, 5, SIM_BT_ACTION), R(3, 1, 5, SIM_BT_ACTION),
		R(4, 1, 6, SIM_BT_ACTION)}, 4,
	"nodes 2 and 3 have the same seq 5 under parent 1"},
	{"condition with children",
		{R(1, 0, 0, SIM_BT_SEQUENCE), R(2, 1, 0, SIM_BT_CONDITION), R(3, 2, 0, SIM_BT_ACTION)}, 3,
	"condition node 2 has children"},
	{"action with children",
		{R(1, 0, 0, SIM_BT_SEQUENCE), R(2, 1, 0, SIM_BT_ACTION), R(3, 2, 0, SIM_BT_ACTION)}, 3,
	"action node 2 has children"},
	{"sequence without child", {R(1, 0, 0, SIM_BT_SEQUENCE)}, 1,
	"sequence node 1 has no child"},
	{"selector without child",
		{R(1, 0, 0, SIM_BT_SEQUENCE), R(2, 1, 0, SIM_BT_ACTION), R(4, 1, 1, SIM_BT_SELECTOR)}, 3,
	"selector node 4 has no child"},
	{"inverter without child",
		{R(1, 0, 0, SIM_BT_SEQUENCE), R(4, 1, 0, SIM_BT_INVERTER)}, 2,
	"inverter node 4 has 0 children, not exactly one"},
	{"inverter with two children",
		{R(1, 0, 0, SIM_BT_INVERTER), R(2, 1, 0, SIM_BT_ACTION), R(3, 1, 1, SIM_BT_ACTION)}, 3,
	"inverter node 1 has 2 children, not exactly one"},
	{"two-node cycle",
		{R(1, 0, 0, SIM_BT_SEQUENCE), R(2, 1, 0, SIM_BT_ACTION), R(3, 4, 0, SIM_BT_INVERTER),
		R(4, 3, 0, SIM_BT_INVERTER)}, 4,
	"node 3 is not reachable from the root"},
	{"node below a cycle",
		{R(1, 0, 0, SIM_BT_SEQUENCE), R(2, 1, 0, SIM_BT_ACTION), R(5, 6, 0, SIM_BT_SEQUENCE),
		R(6, 5, 0, SIM_BT_SELECTOR), R(7, 6, 1, SIM_BT_ACTION), R(8, 5, 1, SIM_BT_ACTION)}, 6,
	"node 5 is not reachable from the root"},
	{"own parent",
		{R(1, 0, 0, SIM_BT_SELECTOR), R(2, 1, 0, SIM_BT_ACTION), R(5, 5, 0, SIM_BT_INVERTER)}, 3,
	"node 5 is not reachable from the root"},
};

/* Build must fail with msg, leave *out NULL and leak nothing. */
static void
expect_error(const char *what, const SimBtRow *rows, int n, const char *msg)
{
	SimBtTree  *t = (SimBtTree *) &t;	/* not NULL before the call */
	char		err[256];
	int			rc;

	live_blocks = 0;
	rc = SimBtBuild(rows, n, &test_alloc, &t, err, sizeof(err));
	CHECK(rc == -1, "%s: build returns -1 (got %d)", what, rc);
	CHECK(t == NULL, "%s: *out is NULL on error", what);
	CHECK(strstr(err, msg) != NULL, "%s: message \"%s\" contains \"%s\"",
		  what, err, msg);
	CHECK(live_blocks == 0, "%s: %ld blocks leaked", what, live_blocks);
	if (t != NULL && rc == 0)
		count_free(t);
}

/* Every error path, in the given and in shuffled row orders. */
static void
test_bt_errors(void)
{
	TestRng		rng;
	int			c;

	test_rng_seed(&rng, 404);
	for (c = 0; c < (int) (sizeof(err_cases) / sizeof(err_cases[0])); c++)
	{
		const ErrCase *e = &err_cases[c];
		SimBtRow	rows[8];
		char		first[256];
		char		err[256];
		SimBtTree  *t;
		int			differ = 0;
		int			s;

		expect_error(e->what, e->rows, e->n, e->msg);
		if (e->n < 2)
			continue;
		SimBtBuild(e->rows, e->n, &test_alloc, &t, first, sizeof(first));
		memcpy(rows, e->rows, sizeof(rows));
		for (s = 0; s < 30; s++)
		{
			shuffle_rows(&rng, rows, e->n);
			if (SimBtBuild(rows, e->n, &test_alloc, &t, err, sizeof(err)) != -1 ||
				strcmp(err, first) != 0)
				differ++;
		}
		CHECK(differ == 0, "%s: the message differs in %d of 30 row orders",
			  e->what, differ);
	}
	CHECK(live_blocks == 0, "shuffled error builds leaked %ld blocks", live_blocks);
}

/* Limits: node count 1..4096 and depth up to 32 levels. */
static void
test_bt_limits(void)
{
	SimBtRow   *rows = malloc(sizeof(SimBtRow) * (SIM_BT_MAX_NODES + 1));
	HookCtx    *ctx = calloc(1, sizeof(HookCtx));
	SimBtTree  *t;
	SimBtTrace	tr;
	char		err[256];
	int			i;
	int			rc;

	/* a selector over 4095 false conditions: the largest tree */
	rows[0] = row(1, 0, 0, SIM_BT_SELECTOR);
	for (i = 1; i < SIM_BT_MAX_NODES + 1; i++)
	{
		rows[i] = row(i + 1, 1, -i, SIM_BT_CONDITION);
		rows[i].code = 0;
	}
	live_blocks = 0;
	rc = SimBtBuild(rows, SIM_BT_MAX_NODES, &test_alloc, &t, err, sizeof(err));
	CHECK(rc == 0, "4096 nodes build (%s)", err);
	if (rc == 0)
	{
		CHECK(t->nnodes == SIM_BT_MAX_NODES && t->depth == 2,
			  "4096 nodes: nnodes %d depth %d", t->nnodes, t->depth);
		/* seq descends with node_id, so the last row is the first child */
		CHECK(t->nodes[1].node_id == SIM_BT_MAX_NODES &&
			  t->nodes[SIM_BT_MAX_NODES - 1].node_id == 2,
			  "children in seq order: first %d last %d",
			  t->nodes[1].node_id, t->nodes[SIM_BT_MAX_NODES - 1].node_id);
		ctx->result[0] = 0;
		rc = SimBtRun(t, &test_hooks, ctx, &tr);
		CHECK(rc == SIM_BT_FAILURE && ctx->nlog == SIM_BT_MAX_NODES - 1 &&
			  tr.nevaluated == SIM_BT_MAX_NODES && tr.nactions == 0,
			  "all 4095 false conditions run: rc %d calls %d evaluated %d",
			  rc, ctx->nlog, tr.nevaluated);
		count_free(t);
	}
	expect_error("4097 nodes", rows, SIM_BT_MAX_NODES + 1,
				 "has 4097 nodes, must have 1 to 4096");

	/* a chain of single-child sequences: 32 levels build, 33 do not */
	for (i = 0; i < 33; i++)
		rows[i] = row(100 + i, i == 0 ? 0 : 99 + i, 0, SIM_BT_SEQUENCE);
	rows[31].kind = SIM_BT_ACTION;
	rows[31].code = 3;
	rc = SimBtBuild(rows, 32, &test_alloc, &t, err, sizeof(err));
	CHECK(rc == 0, "32 levels build (%s)", err);
	if (rc == 0)
	{
		memset(ctx, 0, sizeof(*ctx));
		ctx->result[3] = SIM_BT_SUCCESS;
		CHECK(t->depth == 32 && t->nodes[31].node_id == 131 &&
			  t->nodes[31].parent == 30,
			  "chain: depth %d, deepest node %d", t->depth, t->nodes[31].node_id);
		rc = SimBtRun(t, &test_hooks, ctx, &tr);
		CHECK(rc == SIM_BT_SUCCESS && tr.nactions == 1 && tr.action_ids[0] == 131 &&
			  tr.nevaluated == 32,
			  "32-level chain runs to its action: rc %d actions %d evaluated %d",
			  rc, tr.nactions, tr.nevaluated);
		count_free(t);
	}
	rows[31].kind = SIM_BT_SEQUENCE;
	rows[32].kind = SIM_BT_ACTION;
	expect_error("33 levels", rows, 33, "node 132 is at depth 33, deeper than the limit of 32");

	free(ctx);
	free(rows);
}

/* A tree with known shape: its compiled layout, field by field. */
static void
test_bt_layout(void)
{
	/*
	 * 10 selector
	 * ├─ 30 (seq -5) sequence
	 * │   ├─ 31 (seq 1) condition
	 * │   └─ 32 (seq 2) action
	 * ├─ 20 (seq 0) inverter
	 * │   └─ 21 condition
	 * └─ 40 (seq 7) action
	 */
	SimBtRow	rows[7];
	SimBtTree  *t;
	char		err[256];
	int			rc;
	static const int32_t want_ids[7] = {10, 30, 20, 40, 31, 32, 21};
	static const int32_t want_parent[7] = {-1, 0, 0, 0, 1, 1, 2};
	static const int32_t want_first[7] = {1, 4, 6, -1, -1, -1, -1};
	static const int32_t want_nchild[7] = {3, 2, 1, 0, 0, 0, 0};
	int			bad = 0;
	int			i;

	rows[0] = row(40, 10, 7, SIM_BT_ACTION);
	rows[1] = row(21, 20, 0, SIM_BT_CONDITION);
	rows[2] = row(32, 30, 2, SIM_BT_ACTION);
	rows[3] = row(10, 0, 0, SIM_BT_SELECTOR);
	rows[4] = row(30, 10, -5, SIM_BT_SEQUENCE);
	rows[5] = row(31, 30, 1, SIM_BT_CONDITION);
	rows[6] = row(20, 10, 0, SIM_BT_INVERTER);
	rows[4].code = 777;
	rows[5].param = -2.5;

	live_blocks = 0;
	rc = SimBtBuild(rows, 7, &test_alloc, &t, err, sizeof(err));
	CHECK(rc == 0, "layout tree builds (%s)", err);
	CHECK(live_blocks == 1, "only the tree stays allocated (%ld blocks)", live_blocks);
	if (rc != 0)
		return;
	CHECK(t->nnodes == 7 && t->depth == 3, "nnodes %d depth %d", t->nnodes, t->depth);
	for (i = 0; i < 7; i++)
		if (t->nodes[i].node_id != want_ids[i] ||
			t->nodes[i].parent != want_parent[i] ||
			t->nodes[i].first_child != want_first[i] ||
			t->nodes[i].nchildren != want_nchild[i])
			bad++;
	CHECK(bad == 0, "%d nodes are out of breadth-first, seq order", bad);
	CHECK(t->nodes[0].kind == SIM_BT_SELECTOR && t->nodes[1].kind == SIM_BT_SEQUENCE &&
		  t->nodes[2].kind == SIM_BT_INVERTER && t->nodes[3].kind == SIM_BT_ACTION &&
		  t->nodes[4].kind == SIM_BT_CONDITION && t->nodes[6].kind == SIM_BT_CONDITION,
		  "kinds carried over");
	CHECK(t->nodes[1].code == 777 && t->nodes[4].param == -2.5 &&
		  t->nodes[3].code == 40 && t->nodes[3].param == 10.0,
		  "code and param carried over");
	CHECK(SimBtTreeSize(7) == offsetof(SimBtTree, nodes) + 7 * sizeof(SimBtNode) &&
		  sizeof(SimBtNode) == 32,
		  "tree size: %zu for 7 nodes, node %zu bytes", SimBtTreeSize(7), sizeof(SimBtNode));

	/* a copy is a working tree: no pointers inside */
	{
		SimBtTree  *copy = malloc(SimBtTreeSize(t->nnodes));
		HookCtx    *ctx = calloc(1, sizeof(HookCtx));
		SimBtTrace	tr;
		static const int32_t want_log[] = {31, 32, 21, 40, 0};

		memcpy(copy, t, SimBtTreeSize(t->nnodes));
		memset(t, 0xAB, SimBtTreeSize(t->nnodes));
		ctx->result[31] = 1;
		ctx->result[32] = SIM_BT_FAILURE;
		ctx->result[21] = 1;
		ctx->result[40] = SIM_BT_SUCCESS;
		rc = SimBtRun(copy, &test_hooks, ctx, &tr);
		CHECK(rc == SIM_BT_SUCCESS && log_is(ctx, want_log) &&
			  tr.nactions == 1 && tr.action_ids[0] == 40 && tr.nevaluated == 7,
			  "copied tree runs: rc %d calls %d evaluated %d", rc, ctx->nlog,
			  tr.nevaluated);
		free(ctx);
		free(copy);
	}
	count_free(t);
	CHECK(live_blocks == 0, "layout test leaked %ld blocks", live_blocks);
}

/* Build a one-level tree: root kind over leaves (kinds given), ids 1.. */
static SimBtTree *
build_flat(SimBtKind root, const SimBtKind *leaves, int nleaves)
{
	SimBtRow	rows[16];
	SimBtTree  *t = NULL;
	char		err[256];
	int			i;

	rows[0] = row(1, 0, 0, root);
	for (i = 0; i < nleaves; i++)
		rows[i + 1] = row(i + 2, 1, i, leaves[i]);
	if (SimBtBuild(rows, nleaves + 1, &test_alloc, &t, err, sizeof(err)) != 0)
		printf("build_flat: %s\n", err);
	return t;
}

/* Sequence, selector, inverter, condition, action; short-circuiting. */
static void
test_bt_semantics(void)
{
	static const SimBtKind cond_act_act[] = {SIM_BT_CONDITION, SIM_BT_ACTION, SIM_BT_ACTION};
	HookCtx    *ctx = calloc(1, sizeof(HookCtx));
	SimBtTree  *seq;
	SimBtTree  *sel;
	SimBtTrace	tr;
	int			rc;

	live_blocks = 0;
	seq = build_flat(SIM_BT_SEQUENCE, cond_act_act, 3);
	sel = build_flat(SIM_BT_SELECTOR, cond_act_act, 3);
	CHECK(seq != NULL && sel != NULL, "flat trees build");
	if (seq == NULL || sel == NULL)
	{
		free(ctx);
		return;
	}

	/* sequence: all succeed */
	memset(ctx, 0, sizeof(*ctx));
	ctx->result[2] = 1;
	ctx->result[3] = SIM_BT_SUCCESS;
	ctx->result[4] = SIM_BT_SUCCESS;
	rc = SimBtRun(seq, &test_hooks, ctx, &tr);
	{
		static const int32_t want[] = {2, 3, 4, 0};

		CHECK(rc == SIM_BT_SUCCESS && log_is(ctx, want), "sequence all true: rc %d calls %d",
			  rc, ctx->nlog);
		CHECK(tr.nactions == 2 && tr.action_ids[0] == 3 && tr.action_ids[1] == 4 &&
			  tr.nevaluated == 4,
			  "trace holds both actions: %d actions, %d evaluated", tr.nactions,
			  tr.nevaluated);
	}

	/* sequence: false condition stops it before any action */
	memset(ctx, 0, sizeof(*ctx));
	ctx->result[2] = 0;
	ctx->result[3] = SIM_BT_SUCCESS;
	ctx->result[4] = SIM_BT_SUCCESS;
	rc = SimBtRun(seq, &test_hooks, ctx, &tr);
	{
		static const int32_t want[] = {2, 0};

		CHECK(rc == SIM_BT_FAILURE && log_is(ctx, want) && tr.nactions == 0,
			  "sequence stops at a false condition: rc %d calls %d", rc, ctx->nlog);
	}

	/* sequence: a failing action stops it; the action is not traced */
	memset(ctx, 0, sizeof(*ctx));
	ctx->result[2] = 7;			/* any nonzero is true */
	ctx->result[3] = SIM_BT_FAILURE;
	ctx->result[4] = SIM_BT_SUCCESS;
	rc = SimBtRun(seq, &test_hooks, ctx, &tr);
	{
		static const int32_t want[] = {2, 3, 0};

		CHECK(rc == SIM_BT_FAILURE && log_is(ctx, want) && tr.nactions == 0 &&
			  tr.nevaluated == 3,
			  "sequence stops at a failed action: rc %d calls %d", rc, ctx->nlog);
	}

	/* action results other than SIM_BT_SUCCESS fail */
	memset(ctx, 0, sizeof(*ctx));
	ctx->result[2] = 1;
	ctx->result[3] = 2;
	rc = SimBtRun(seq, &test_hooks, ctx, NULL);
	CHECK(rc == SIM_BT_FAILURE && ctx->nlog == 2, "action returning 2 fails");
	memset(ctx, 0, sizeof(*ctx));
	ctx->result[2] = 1;
	ctx->result[3] = -1;
	rc = SimBtRun(seq, &test_hooks, ctx, NULL);
	CHECK(rc == SIM_BT_FAILURE && ctx->nlog == 2, "action returning -1 fails");

	/* selector: first success wins, the rest are not evaluated */
	memset(ctx, 0, sizeof(*ctx));
	ctx->result[2] = 0;
	ctx->result[3] = SIM_BT_SUCCESS;
	ctx->result[4] = SIM_BT_SUCCESS;
	rc = SimBtRun(sel, &test_hooks, ctx, &tr);
	{
		static const int32_t want[] = {2, 3, 0};

		CHECK(rc == SIM_BT_SUCCESS && log_is(ctx, want) && tr.nactions == 1 &&
			  tr.action_ids[0] == 3,
			  "selector stops at the first success: rc %d calls %d", rc, ctx->nlog);
	}

	/* selector: a true condition first stops it at once */
	memset(ctx, 0, sizeof(*ctx));
	ctx->result[2] = 1;
	rc = SimBtRun(sel, &test_hooks, ctx, &tr);
	{
		static const int32_t want[] = {2, 0};

		CHECK(rc == SIM_BT_SUCCESS && log_is(ctx, want) && tr.nevaluated == 2,
			  "selector stops at a true condition: rc %d calls %d", rc, ctx->nlog);
	}

	/* selector: all fail */
	memset(ctx, 0, sizeof(*ctx));
	ctx->result[3] = SIM_BT_FAILURE;
	ctx->result[4] = SIM_BT_FAILURE;
	rc = SimBtRun(sel, &test_hooks, ctx, &tr);
	{
		static const int32_t want[] = {2, 3, 4, 0};

		CHECK(rc == SIM_BT_FAILURE && log_is(ctx, want) && tr.nactions == 0,
			  "selector fails when all fail: rc %d calls %d", rc, ctx->nlog);
	}

	/* NULL hooks fail their nodes */
	{
		SimBtHooks	none = {NULL, NULL};

		memset(ctx, 0, sizeof(*ctx));
		rc = SimBtRun(sel, &none, ctx, &tr);
		CHECK(rc == SIM_BT_FAILURE && tr.nevaluated == 4,
			  "NULL hooks: every leaf fails (rc %d, %d evaluated)", rc, tr.nevaluated);
		rc = SimBtRun(sel, NULL, ctx, &tr);
		CHECK(rc == SIM_BT_FAILURE, "NULL hook table fails");
	}

	/* no tree: failure and a reset trace */
	memset(&tr, 0x55, sizeof(tr));
	rc = SimBtRun(NULL, &test_hooks, ctx, &tr);
	CHECK(rc == SIM_BT_FAILURE && tr.nactions == 0 && tr.nevaluated == 0,
		  "NULL tree fails with an empty trace");

	count_free(seq);
	count_free(sel);

	/* inverter over each leaf kind and result */
	{
		static const SimBtKind one_cond[] = {SIM_BT_CONDITION};
		static const SimBtKind one_act[] = {SIM_BT_ACTION};
		SimBtTree  *ic = build_flat(SIM_BT_INVERTER, one_cond, 1);
		SimBtTree  *ia = build_flat(SIM_BT_INVERTER, one_act, 1);

		CHECK(ic != NULL && ia != NULL, "inverter trees build");
		if (ic != NULL && ia != NULL)
		{
			memset(ctx, 0, sizeof(*ctx));
			ctx->result[2] = 1;
			CHECK(SimBtRun(ic, &test_hooks, ctx, NULL) == SIM_BT_FAILURE,
				  "inverter over a true condition fails");
			ctx->result[2] = 0;
			CHECK(SimBtRun(ic, &test_hooks, ctx, NULL) == SIM_BT_SUCCESS,
				  "inverter over a false condition succeeds");
			ctx->result[2] = SIM_BT_SUCCESS;
			rc = SimBtRun(ia, &test_hooks, ctx, &tr);
			CHECK(rc == SIM_BT_FAILURE && tr.nactions == 1 && tr.action_ids[0] == 2,
				  "inverter over a successful action fails, the action is traced");
			ctx->result[2] = SIM_BT_FAILURE;
			rc = SimBtRun(ia, &test_hooks, ctx, &tr);
			CHECK(rc == SIM_BT_SUCCESS && tr.nactions == 0,
				  "inverter over a failed action succeeds");
			count_free(ic);
			count_free(ia);
		}
	}

	/* a lone leaf is a tree; param reaches the hook */
	{
		SimBtRow	r = row(5, 0, 0, SIM_BT_ACTION);
		SimBtTree  *t;
		char		err[256];

		r.code = 9;
		memset(ctx, 0, sizeof(*ctx));
		ctx->result[9] = SIM_BT_SUCCESS;
		rc = SimBtBuild(&r, 1, &test_alloc, &t, err, sizeof(err));
		CHECK(rc == 0 && t->depth == 1 && t->nodes[0].first_child == -1,
			  "a lone action builds (%s)", err);
		if (rc == 0)
		{
			rc = SimBtRun(t, &test_hooks, ctx, &tr);
			CHECK(rc == SIM_BT_SUCCESS && ctx->nlog == 1 && ctx->log[0] == 9 &&
				  tr.action_ids[0] == 5,
				  "lone action: the hook gets the code, the trace the node_id");
			count_free(t);
		}
	}

	/* more successful actions than the trace holds */
	{
		SimBtKind	acts[12];
		SimBtTree  *t;
		int			i;
		int			ok = 1;

		for (i = 0; i < 12; i++)
			acts[i] = SIM_BT_ACTION;
		t = build_flat(SIM_BT_SEQUENCE, acts, 12);
		CHECK(t != NULL, "12-action sequence builds");
		if (t != NULL)
		{
			memset(ctx, 0, sizeof(*ctx));
			for (i = 2; i < 14; i++)
				ctx->result[i] = SIM_BT_SUCCESS;
			rc = SimBtRun(t, &test_hooks, ctx, &tr);
			for (i = 0; i < SIM_BT_TRACE_MAX; i++)
				ok &= tr.action_ids[i] == i + 2;
			CHECK(rc == SIM_BT_SUCCESS && tr.nactions == 12 && ok,
				  "trace counts 12 actions and keeps the first %d", SIM_BT_TRACE_MAX);
			count_free(t);
		}
	}

	/* the parameter passed is the row's */
	{
		SimBtRow	r = row(3, 0, 0, SIM_BT_CONDITION);
		SimBtTree  *t;

		r.param = 0.125;
		if (SimBtBuild(&r, 1, &test_alloc, &t, NULL, 0) == 0)
		{
			CHECK(t->nodes[0].param == 0.125, "param stored");
			count_free(t);
		}
		else
			CHECK(0, "lone condition builds");
	}

	free(ctx);
	CHECK(live_blocks == 0, "semantics tests leaked %ld blocks", live_blocks);
}

/* Misuse and allocation failure. */
static void
test_bt_misuse(void)
{
	SimBtRow	rows[3];
	SimBtTree  *t = NULL;
	char		err[8];
	char		big[256];
	int			rc;

	rows[0] = row(1, 0, 0, SIM_BT_SEQUENCE);
	rows[1] = row(2, 1, 0, SIM_BT_ACTION);
	rows[2] = row(3, 1, 1, SIM_BT_ACTION);

	live_blocks = 0;
	fail_after = 0;
	rc = SimBtBuild(rows, 3, &test_alloc, &t, big, sizeof(big));
	CHECK(rc == -1 && t == NULL && strstr(big, "out of memory") != NULL,
		  "scratch allocation failure: %s", big);
	fail_after = 1;
	rc = SimBtBuild(rows, 3, &test_alloc, &t, big, sizeof(big));
	CHECK(rc == -1 && t == NULL && strstr(big, "out of memory") != NULL,
		  "tree allocation failure: %s", big);
	fail_after = -1;
	CHECK(live_blocks == 0, "allocation failures leak %ld blocks", live_blocks);

	rc = SimBtBuild(rows, 3, NULL, &t, big, sizeof(big));
	CHECK(rc == -1 && t == NULL && strstr(big, "allocator") != NULL, "NULL allocator");
	rc = SimBtBuild(rows, 3, &test_alloc, NULL, big, sizeof(big));
	CHECK(rc == -1 && strstr(big, "out is NULL") != NULL, "NULL out");
	rc = SimBtBuild(NULL, 3, &test_alloc, &t, big, sizeof(big));
	CHECK(rc == -1 && t == NULL && strstr(big, "rows is NULL") != NULL, "NULL rows");

	/* a short buffer truncates; no buffer is fine */
	rows[2].seq = 0;
	rc = SimBtBuild(rows, 3, &test_alloc, &t, err, sizeof(err));
	CHECK(rc == -1 && strlen(err) == sizeof(err) - 1, "message truncated to %zu: \"%s\"",
		  sizeof(err) - 1, err);
	rc = SimBtBuild(rows, 3, &test_alloc, &t, NULL, 0);
	CHECK(rc == -1 && t == NULL, "error without a buffer");

	/* a successful build clears an old message */
	rows[2].seq = 1;
	strcpy(big, "stale");
	rc = SimBtBuild(rows, 3, &test_alloc, &t, big, sizeof(big));
	CHECK(rc == 0 && big[0] == '\0', "success leaves an empty message");
	if (rc == 0)
		count_free(t);
	CHECK(live_blocks == 0, "misuse tests leaked %ld blocks", live_blocks);
}

/* A random valid tree of n nodes (n <= 600): rows and a shape to check. */
static void
random_tree(TestRng *rng, SimBtRow *rows, int n)
{
	int			parent[600];
	int			depth[600];
	int			nchild[600];
	int32_t		ids[600];
	int			i;

	for (i = 0; i < n; i++)
		ids[i] = (int32_t) (i + 1) * 3 - 1000;	/* some negative, never 0 */
	for (i = n - 1; i > 0; i--)
	{
		int			j = (int) (test_rng_next(rng) % (uint64_t) (i + 1));
		int32_t		x = ids[i];

		ids[i] = ids[j];
		ids[j] = x;
	}
	for (i = 0; i < n; i++)
		nchild[i] = 0;

	parent[0] = -1;
	depth[0] = 1;
	for (i = 1; i < n; i++)
	{
		int			p;

		do
			p = (int) (test_rng_next(rng) % (uint64_t) i);
		while (depth[p] >= 20);
		/* favour recent nodes for some depth */
		if (test_rng_next(rng) % 2 == 0 && depth[i - 1] < 20)
			p = i - 1;
		parent[i] = p;
		depth[i] = depth[p] + 1;
		nchild[p]++;
	}
	for (i = 0; i < n; i++)
	{
		SimBtKind	kind;
		uint64_t	x = test_rng_next(rng);

		if (nchild[i] == 0)
			kind = x % 2 ? SIM_BT_CONDITION : SIM_BT_ACTION;
		else if (nchild[i] == 1)
			kind = (SimBtKind) (x % 3);
		else
			kind = (SimBtKind) (x % 2);
		rows[i] = row(ids[i], i == 0 ? 0 : ids[parent[i]],
					  (int32_t) (test_rng_next(rng) % 50) * 1000 + i, kind);
		rows[i].code = (int32_t) (test_rng_next(rng) % 1000);
	}
}

/* Naive evaluation over the rows: children found by scanning, seq order. */
static int
naive_run(const SimBtRow *rows, int n, int k, HookCtx *ctx, int *nactions)
{
	int32_t		last_seq = INT32_MIN;
	int			first = 1;

	if (rows[k].kind == SIM_BT_CONDITION)
		return hook_condition(ctx, rows[k].code, rows[k].param) ?
			SIM_BT_SUCCESS : SIM_BT_FAILURE;
	if (rows[k].kind == SIM_BT_ACTION)
	{
		int			r = hook_action(ctx, rows[k].code, rows[k].param);

		*nactions += r == SIM_BT_SUCCESS;
		return r;
	}
	for (;;)
	{
		int			best = -1;
		int			i;
		int			r;

		for (i = 0; i < n; i++)
			if (rows[i].parent_id == rows[k].node_id && i != k &&
				(first || rows[i].seq > last_seq) &&
				(best < 0 || rows[i].seq < rows[best].seq))
				best = i;
		if (best < 0)
			break;
		first = 0;
		last_seq = rows[best].seq;
		r = naive_run(rows, n, best, ctx, nactions);
		if (rows[k].kind == SIM_BT_INVERTER)
			return r == SIM_BT_SUCCESS ? SIM_BT_FAILURE : SIM_BT_SUCCESS;
		if (rows[k].kind == SIM_BT_SEQUENCE && r != SIM_BT_SUCCESS)
			return SIM_BT_FAILURE;
		if (rows[k].kind == SIM_BT_SELECTOR && r == SIM_BT_SUCCESS)
			return SIM_BT_SUCCESS;
	}
	return rows[k].kind == SIM_BT_SEQUENCE ? SIM_BT_SUCCESS : SIM_BT_FAILURE;
}

/* Random trees: row order independence and agreement with naive_run. */
static void
test_bt_random(void)
{
	SimBtRow   *rows = malloc(sizeof(SimBtRow) * 600);
	HookCtx    *a = calloc(1, sizeof(HookCtx));
	HookCtx    *b = calloc(1, sizeof(HookCtx));
	TestRng		rng;
	int			builds_failed = 0;
	int			order_differs = 0;
	int			run_differs = 0;
	int			runs = 0;
	int			tree;

	test_rng_seed(&rng, 77);
	live_blocks = 0;
	for (tree = 0; tree < 200; tree++)
	{
		int			n = 1 + (int) (test_rng_next(&rng) % 600);
		SimBtTree  *t;
		SimBtTree  *u;
		char		err[256];
		int			s;

		random_tree(&rng, rows, n);
		if (SimBtBuild(rows, n, &test_alloc, &t, err, sizeof(err)) != 0)
		{
			if (builds_failed++ == 0)
				printf("random tree %d: %s\n", tree, err);
			continue;
		}
		for (s = 0; s < 5; s++)
		{
			shuffle_rows(&rng, rows, n);
			if (SimBtBuild(rows, n, &test_alloc, &u, err, sizeof(err)) != 0)
			{
				order_differs++;
				continue;
			}
			if (memcmp(t, u, SimBtTreeSize(n)) != 0)
				order_differs++;
			count_free(u);
		}
		for (s = 0; s < 20; s++)
		{
			SimBtTrace	tr;
			int			root;
			int			na = 0;
			int			ra;
			int			rb;

			for (root = 0; rows[root].parent_id != 0; root++)
				;
			a->nlog = b->nlog = 0;
			a->hashed = b->hashed = 1;
			a->salt = b->salt = test_rng_next(&rng);
			ra = SimBtRun(t, &test_hooks, a, &tr);
			rb = naive_run(rows, n, root, b, &na);
			if (ra != rb || a->nlog != b->nlog ||
				memcmp(a->log, b->log, sizeof(int32_t) * (size_t) (a->nlog < MAX_LOG ? a->nlog : MAX_LOG)) != 0 ||
				tr.nactions != na)
				run_differs++;
			runs++;
		}
		count_free(t);
	}
	CHECK(builds_failed == 0, "%d valid random trees fail to build", builds_failed);
	CHECK(order_differs == 0, "%d shuffled row orders compile differently", order_differs);
	CHECK(run_differs == 0, "%d of %d runs differ from the naive evaluator",
		  run_differs, runs);
	CHECK(live_blocks == 0, "random trees leaked %ld blocks", live_blocks);
	free(a);
	free(b);
	free(rows);
}


/* Every behaviour-tree test. */
void
test_btree(void)
{
	test_bt_errors();
	test_bt_limits();
	test_bt_layout();
	test_bt_semantics();
	test_bt_misuse();
	test_bt_random();
}
