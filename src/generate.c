/*
 * generate.c -- the universe generator's bulk path: the ships of a new
 * universe and their NPC personalities (sim.generate_ships).
 *
 * The rows are the ones sql/generate.sql used to build with INSERT ... SELECT,
 * bit for bit: the same draws of src/core/rng.c, the same float8 arithmetic
 * in the same order, and PostgreSQL's round(x::numeric, d)::float8 (see
 * round_decimal).  They are written the way COPY writes: heap multi-inserts,
 * index entries, NOT NULL and CHECK constraints row by row.  The per-row
 * triggers are not run; what they would do is done here for the whole load:
 *   - foreign keys (the RI triggers): one anti-join per constraint, read from
 *     the catalog, after the load; the referenced tables are share-locked
 *     first so that no key disappears before commit;
 *   - sim.ship's ship_fuel_ins (fuel within the class's tank): checked as
 *     each ship is drawn, with the trigger's message and SQLSTATE;
 *   - ship_changed: the shared world is invalidated at commit and the tick
 *     guard taken, as that trigger does;
 *   - change_insert: records nothing while changes are muted, so the bulk
 *     path refuses to run unless they are (sim.mute_changes);
 *   - ship_tally_ins: fires only for a non-zero cargo_held; a new ship's is
 *     its column default, checked to be 0.
 * A trigger on INSERT that is none of these makes the bulk path fail rather
 * than skip it silently: whoever adds one teaches this file what it does.
 */
#include "postgres.h"

#include <math.h>

#include "access/heapam.h"
#include "access/hio.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_relation.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteHandler.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "sim/core/rng.h"
#include "sim/guard.h"
#include "sim/world.h"

PG_FUNCTION_INFO_V1(sim_generate_ships);

#define SIM_GEN_BATCH 1000		/* rows per heap multi-insert */
#define SIM_GEN_MAX_SHIPS 10000000
#define SIM_GEN_SORT_KB 262144		/* maintenance_work_mem for the index builds */

/* A table being filled in bulk. */
typedef struct BulkLoad
{
	Relation	rel;
	EState	   *estate;
	ResultRelInfo *rri;
	BulkInsertState bistate;
	CommandId	cid;
	int			natts;
	int		   *given;			/* attribute index -> caller's value slot, or -1 */
	ExprState **defaults;		/* attribute index -> default expression, or NULL */
	TupleTableSlot *slots[SIM_GEN_BATCH];
	int			nslots;
	MemoryContext batchcxt;		/* values of the rows buffered for the batch */
	bool		build_indexes;	/* the table was empty: index it once at the end */
	int64		rows;
} BulkLoad;

/*
 * Opens schema.name for a bulk load of the named columns (the others get
 * their defaults).  Checks the INSERT privilege, and that every trigger on
 * INSERT is a foreign-key check or one of standins (see the file comment).
 */
static void
bulk_open(BulkLoad *b, const char *schema, const char *name,
		  const char *const *columns, int ncolumns, const char *const *standins)
{
	Oid			relid = get_relname_relid(name, get_namespace_oid(schema, false));
	RangeTblEntry *rte;
	TupleDesc	desc;
	TriggerDesc *trig;

	if (!OidIsValid(relid))
		elog(ERROR, "relation %s.%s does not exist", schema, name);
	memset(b, 0, sizeof(*b));

	rte = makeNode(RangeTblEntry);
	rte->rtekind = RTE_RELATION;
	rte->relid = relid;
	rte->relkind = RELKIND_RELATION;
	rte->rellockmode = ShareRowExclusiveLock;
	rte->requiredPerms = ACL_INSERT;

	b->estate = CreateExecutorState();
	ExecInitRangeTable(b->estate, list_make1(rte));
	b->rri = makeNode(ResultRelInfo);
	ExecInitResultRelation(b->estate, b->rri, 1);
	b->rel = b->rri->ri_RelationDesc;
	desc = RelationGetDescr(b->rel);
	b->natts = desc->natts;

	for (int a = 0; a < desc->natts; a++)
		if (!TupleDescAttr(desc, a)->attisdropped)
			rte->insertedCols = bms_add_member(rte->insertedCols,
											   a + 1 - FirstLowInvalidHeapAttributeNumber);
	ExecCheckRTPerms(list_make1(rte), true);

	trig = b->rel->trigdesc;
	for (int t = 0; trig && t < trig->numtriggers; t++)
	{
		Trigger    *tg = &trig->triggers[t];
		bool		known = false;

		if (!TRIGGER_FOR_INSERT(tg->tgtype) || tg->tgenabled == TRIGGER_DISABLED)
			continue;
		if (RI_FKey_trigger_type(tg->tgfoid) == RI_TRIGGER_FK)
			continue;
		for (const char *const *s = standins; *s; s++)
			known |= strcmp(*s, tg->tgname) == 0;
		if (!known)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("trigger \"%s\" on %s.%s is not run by the generator's bulk path",
							tg->tgname, schema, name),
					 errdetail("The generator writes %s.%s like COPY and stands in for the triggers it knows.",
							   schema, name),
					 errhint("Teach src/generate.c what the trigger does.")));
	}

	/*
	 * Nobody else writes the table until commit (the lock above), so if it
	 * has no page now, every row it will hold is one of ours: its indexes are
	 * built once, sorted, at the end, not entry by entry.
	 */
	b->build_indexes = RelationGetNumberOfBlocks(b->rel) == 0;
	if (!b->build_indexes)
		ExecOpenIndices(b->rri, false);
	b->given = palloc(sizeof(int) * b->natts);
	b->defaults = palloc0(sizeof(ExprState *) * b->natts);
	for (int a = 0; a < b->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, a);
		Node	   *def;

		b->given[a] = -1;
		for (int c = 0; c < ncolumns; c++)
			if (strcmp(NameStr(att->attname), columns[c]) == 0)
				b->given[a] = c;
		if (b->given[a] >= 0 || att->attisdropped)
			continue;
		def = build_column_default(b->rel, a + 1);
		if (def)
			b->defaults[a] = ExecPrepareExpr((Expr *) def, b->estate);
	}
	for (int c = 0; c < ncolumns; c++)
		if (attnameAttNum(b->rel, columns[c], false) == InvalidAttrNumber)
			elog(ERROR, "column %s of %s.%s does not exist", columns[c], schema, name);

	for (int s = 0; s < SIM_GEN_BATCH; s++)
		b->slots[s] = table_slot_create(b->rel, &b->estate->es_tupleTable);
	/*
	 * A bulk insert state keeps the target page pinned between batches; its
	 * ring of buffers is dropped, because the rows are read again at once
	 * (foreign keys, index builds) and should still be in shared buffers.
	 */
	b->bistate = GetBulkInsertState();
	FreeAccessStrategy(b->bistate->strategy);
	b->bistate->strategy = NULL;
	b->cid = GetCurrentCommandId(true);
	b->batchcxt = AllocSetContextCreate(CurrentMemoryContext, "sim generator batch",
										ALLOCSET_DEFAULT_SIZES);
}

/* Writes the buffered rows and their index entries. */
static void
bulk_flush(BulkLoad *b)
{
	if (b->nslots == 0)
		return;
	table_multi_insert(b->rel, b->slots, b->nslots, b->cid, 0, b->bistate);
	for (int s = 0; s < b->nslots; s++)
	{
		if (b->rri->ri_NumIndices > 0)
			list_free(ExecInsertIndexTuples(b->rri, b->slots[s], b->estate,
											false, false, NULL, NIL));
		ExecClearTuple(b->slots[s]);
	}
	ResetPerTupleExprContext(b->estate);
	MemoryContextReset(b->batchcxt);
	b->nslots = 0;
}

/*
 * Adds one row: values[c] / nulls[c] for the caller's columns, defaults for
 * the rest; NOT NULL and CHECK constraints are checked now.  Values passed by
 * reference must live in bulk_row_context until the row is written.
 */
static void
bulk_add(BulkLoad *b, const Datum *values, const bool *nulls)
{
	TupleTableSlot *slot = b->slots[b->nslots];
	ExprContext *econtext = GetPerTupleExprContext(b->estate);

	ExecClearTuple(slot);
	for (int a = 0; a < b->natts; a++)
	{
		int			c = b->given[a];

		if (c >= 0)
		{
			slot->tts_values[a] = values[c];
			slot->tts_isnull[a] = nulls[c];
		}
		else if (b->defaults[a])
		{
			MemoryContext old = MemoryContextSwitchTo(b->batchcxt);

			slot->tts_values[a] = ExecEvalExpr(b->defaults[a], econtext, &slot->tts_isnull[a]);
			MemoryContextSwitchTo(old);
		}
		else
		{
			slot->tts_values[a] = (Datum) 0;
			slot->tts_isnull[a] = true;
		}
	}
	ExecStoreVirtualTuple(slot);
	if (b->rel->rd_att->constr)
		ExecConstraints(b->rri, slot, b->estate);
	b->rows++;
	if (++b->nslots == SIM_GEN_BATCH)
		bulk_flush(b);
}

/* The memory context for by-reference values of the row being added. */
static MemoryContext
bulk_row_context(BulkLoad *b)
{
	return b->batchcxt;
}

/*
 * Ends the load: writes what is buffered, checks every foreign key of the
 * table over all its rows at once, as the RI triggers would have row by row
 * (MATCH SIMPLE: a row with a null in the key is not checked), and builds
 * the indexes of a table that was empty (a duplicate key fails the build of
 * a unique index with unique_violation, as an insert would have).
 */
static void
bulk_close(BulkLoad *b)
{
	Oid			relid = RelationGetRelid(b->rel);
	List	   *fkeys = RelationGetFKeyList(b->rel);
	ListCell   *lc;

	bulk_flush(b);
	FreeBulkInsertState(b->bistate);
	ExecResetTupleTable(b->estate->es_tupleTable, false);
	CommandCounterIncrement();

	foreach(lc, fkeys)
	{
		ForeignKeyCacheInfo *fk = lfirst_node(ForeignKeyCacheInfo, lc);
		StringInfoData q;
		char	   *conname = get_constraint_name(fk->conoid);

		LockRelationOid(fk->confrelid, ShareLock);
		initStringInfo(&q);
		appendStringInfo(&q, "SELECT 1 FROM ONLY %s f WHERE ",
						 quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
													get_rel_name(relid)));
		for (int k = 0; k < fk->nkeys; k++)
			appendStringInfo(&q, "f.%s IS NOT NULL AND ",
							 quote_identifier(get_attname(relid, fk->conkey[k], false)));
		appendStringInfo(&q, "NOT EXISTS (SELECT 1 FROM ONLY %s r WHERE ",
						 quote_qualified_identifier(get_namespace_name(get_rel_namespace(fk->confrelid)),
													get_rel_name(fk->confrelid)));
		for (int k = 0; k < fk->nkeys; k++)
			appendStringInfo(&q, "%sr.%s = f.%s", k > 0 ? " AND " : "",
							 quote_identifier(get_attname(fk->confrelid, fk->confkey[k], false)),
							 quote_identifier(get_attname(relid, fk->conkey[k], false)));
		appendStringInfoString(&q, ") LIMIT 1");
		if (SPI_execute(q.data, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not check foreign key %s", conname);
		if (SPI_processed > 0)
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("insert on table \"%s\" violates foreign key constraint \"%s\"",
							RelationGetRelationName(b->rel), conname),
					 errdetail("A generated row refers to a missing row of \"%s\".",
							   get_rel_name(fk->confrelid))));
		pfree(q.data);
	}

	ExecCloseResultRelations(b->estate);	/* and its indexes */
	ExecCloseRangeTableRelations(b->estate);
	FreeExecutorState(b->estate);
	if (b->build_indexes)
	{
		ReindexParams params = {0};
		int			nest = NewGUCNestLevel();

		/* a million keys sort in memory, not through temporary files */
		if (maintenance_work_mem < SIM_GEN_SORT_KB)
			(void) set_config_option("maintenance_work_mem", CppAsString2(SIM_GEN_SORT_KB),
									 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
		reindex_relation(relid, 0, &params);
		AtEOXact_GUC(true, nest);
	}
	MemoryContextDelete(b->batchcxt);
}

/*
 * PostgreSQL's round(x::numeric, digits)::double precision for finite x of
 * moderate size, without its text round trips: float8 -> numeric keeps 15
 * significant digits, round() goes half away from zero, numeric -> float8
 * is strtod of the decimal, which k / 10^digits (two exact doubles, one
 * correctly rounded division) equals.  Only a value within a hair of a half
 * could round differently after the 15-digit cut; those take the slow path
 * through the real functions.
 */
static double
round_decimal(double x, int digits)
{
	double		scale = digits == 1 ? 10.0 : digits == 3 ? 1000.0 : pow(10.0, digits);
	double		y = fabs(x) * scale;
	double		f = y - floor(y);
	double		k;

	if (!isfinite(y) || y > 1e12 || fabs(f - 0.5) < 1e-6)
	{
		Datum		n = DirectFunctionCall1(float8_numeric, Float8GetDatum(x));

		n = DirectFunctionCall2(numeric_round, n, Int32GetDatum(digits));
		return DatumGetFloat8(DirectFunctionCall1(numeric_float8, n));
	}
	k = floor(y + 0.5);
	return (x < 0 ? -k : k) / scale;
}

/* Uniform integer in [lo, hi], as sim.rand_int. */
static int32
rand_int(uint64 seed, uint64 stream, uint64 key, int32 lo, int32 hi)
{
	uint64		span = (uint64) ((int64) hi - (int64) lo) + 1;

	return (int32) ((int64) lo + (int64) (SimRandBits(seed, stream, key) % span));
}

/* A station as the ships need it. */
typedef struct GenStation
{
	int32		id;
	int32		faction_id;
	int32		sector_id;
	int32		docking_slots;
	double		x,
				y,
				z;
	int64		ships;			/* ships homed here so far */
} GenStation;

/* The classes of one role, in id order. */
typedef struct GenRole
{
	const char *name;
	int			nclasses;
	int32		class_id[8];
	double		fuel_capacity[8];
} GenRole;

static const char *const ship_names[] = {
	"Kestrel", "Magpie", "Osprey", "Heron", "Plover", "Swift", "Tern", "Wren"
};

/* Integer column col (1-based) of SPI row r. */
static int64
spi_int(int r, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, col, &isnull);
	Oid			t = SPI_gettypeid(SPI_tuptable->tupdesc, col);

	if (isnull)
		elog(ERROR, "unexpected null in column %d", col);
	return t == INT8OID ? DatumGetInt64(d) : t == INT2OID ? DatumGetInt16(d) : DatumGetInt32(d);
}

/* Float column col (1-based) of SPI row r. */
static double
spi_float(int r, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, col, &isnull);

	if (isnull)
		elog(ERROR, "unexpected null in column %d", col);
	return DatumGetFloat8(d);
}

/*
 * SQL: sim.generate_ships(seed, ships, factions) -- ships 1..ships of a new
 * universe and their NPC personalities, homed at its stations; returns the
 * number of ships written.  Called by sim.generate_universe once stations,
 * classes and sim.economy exist, with changes muted.
 */
Datum
sim_generate_ships(PG_FUNCTION_ARGS)
{
	uint64		seed = (uint64) PG_GETARG_INT64(0);
	int32		nships = PG_GETARG_INT32(1);
	int32		factions = PG_GETARG_INT32(2);
	static const char *const ship_cols[] = {
		"id", "name", "faction_id", "class_id", "role", "sector_id", "state",
		"docked_at", "fuel", "x", "y", "z", "wake_tick"
	};
	static const char *const ship_standins[] = {
		"ship_changed", "change_insert", "ship_fuel_ins", "ship_tally_ins", NULL
	};
	static const char *const npc_cols[] = {"ship_id", "greed", "fear", "loyalty"};
	static const char *const no_standins[] = {NULL};
	static const char *const role_names[] = {"miner", "trader", "hauler", "patrol"};
	GenRole		roles[4];
	GenStation *stations;
	int			nstations;
	int32		cooldown;
	BulkLoad	ships;
	BulkLoad	npcs;
	bool		isnull;
	Datum		values[13];
	bool		nulls[13];
	int			cargo_att;

	if (nships < 0 || nships > SIM_GEN_MAX_SHIPS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ships must be between 0 and %d, not %d", SIM_GEN_MAX_SHIPS, nships)));
	if (factions < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("factions must be at least 1, not %d", factions)));

	memset(roles, 0, sizeof(roles));
	for (int k = 0; k < 4; k++)
		roles[k].name = role_names[k];

	SPI_connect();

	/* change_insert would record nothing only while changes are muted */
	if (SPI_execute("SELECT sim.change_tick()", true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read sim.change_tick()");
	(void) SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("sim.generate_ships runs only while changes are muted"),
				 errdetail("Its rows are a new universe's first state, not changes to record."),
				 errhint("Call it from sim.generate_universe, or after sim.mute_changes(true).")));

	if (SPI_execute("SELECT id, faction_id, sector_id, docking_slots, ST_X(pos), ST_Y(pos), ST_Z(pos) "
					"FROM sim.station ORDER BY id", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read sim.station");
	nstations = (int) SPI_processed;
	if (nstations == 0 && nships > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("there are no stations to home ships at")));
	stations = palloc0(sizeof(GenStation) * Max(nstations, 1));
	for (int r = 0; r < nstations; r++)
	{
		GenStation *st = &stations[r];

		st->id = (int32) spi_int(r, 1);
		st->faction_id = (int32) spi_int(r, 2);
		st->sector_id = (int32) spi_int(r, 3);
		st->docking_slots = (int32) spi_int(r, 4);
		st->x = spi_float(r, 5);
		st->y = spi_float(r, 6);
		st->z = spi_float(r, 7);
		if (st->id != r + 1)
			elog(ERROR, "station ids are not 1..%d", nstations);
	}

	if (SPI_execute("SELECT id, role, fuel_capacity FROM sim.ship_class ORDER BY id", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read sim.ship_class");
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		char	   *role = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2);

		for (int k = 0; k < 4; k++)
			if (strcmp(role, roles[k].name) == 0 && roles[k].nclasses < 8)
			{
				roles[k].class_id[roles[k].nclasses] = (int32) spi_int(r, 1);
				roles[k].fuel_capacity[roles[k].nclasses] = spi_float(r, 3);
				roles[k].nclasses++;
			}
	}
	for (int k = 0; k < 4; k++)
		if (roles[k].nclasses < (k == 3 ? 1 : 2))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("the catalogue has too few ship classes of role \"%s\"", roles[k].name)));

	if (SPI_execute("SELECT npc_cooldown_ticks FROM sim.economy", true, 0) != SPI_OK_SELECT ||
		SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("sim.economy must hold exactly one row")));
	cooldown = (int32) spi_int(0, 1);

	/* what ship_changed does before an INSERT */
	if (!SimInTick)
	{
		SimWorldInvalidateAtCommit();
		SimTickGuard();
	}
	bulk_open(&ships, "sim", "ship", ship_cols, lengthof(ship_cols), ship_standins);
	cargo_att = attnameAttNum(ships.rel, "cargo_held", false);
	if (cargo_att > 0)
	{
		bool		cnull = true;
		Datum		cargo = (Datum) 0;

		if (ships.defaults[cargo_att - 1])
			cargo = ExecEvalExprSwitchContext(ships.defaults[cargo_att - 1],
											  GetPerTupleExprContext(ships.estate), &cnull);
		if (cnull || DatumGetInt64(cargo) != 0)
			elog(ERROR, "sim.ship.cargo_held must default to 0 for the generator");
	}

	for (int32 i = 1; i <= nships; i++)
	{
		double		u = SimRandUnit(seed, 50, i);
		int			role = u < 0.40 ? 0 : u < 0.75 ? 1 : u < 0.95 ? 2 : 3;
		int32		home = rand_int(seed, 51, i, 1, nstations);
		GenStation *st = &stations[home - 1];
		int			pick = rand_int(seed, 52, i, 0, role == 3 ? 0 : 1);
		int64		rank = ++st->ships;
		bool		docked = rank * 2 <= st->docking_slots;
		double		fuel_capacity = roles[role].fuel_capacity[pick];
		double		fuel;
		double		off,
					zz,
					ph,
					ux,
					uy,
					uz;
		char	   *name;
		MemoryContext old;

		fuel = round_decimal(fuel_capacity * (0.6 + 0.4 * SimRandUnit(seed, 56, i)), 1);
		if (fuel > fuel_capacity)
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("ship %d would hold %g fuel, over its tank of %g", i, fuel, fuel_capacity)));
		off = docked ? 0 : 5 + 45 * SimRandUnit(seed, 57, i);
		zz = 2 * SimRandUnit(seed, 58, i) - 1;
		ph = 2 * M_PI * SimRandUnit(seed, 59, i);
		ux = sqrt(1 - zz * zz) * cos(ph);
		uy = sqrt(1 - zz * zz) * sin(ph);
		uz = zz;

		old = MemoryContextSwitchTo(bulk_row_context(&ships));
		name = psprintf("%s-%d", ship_names[rand_int(seed, 53, i, 1, 8) - 1], i);
		values[1] = CStringGetTextDatum(name);
		values[4] = CStringGetTextDatum(roles[role].name);
		values[6] = CStringGetTextDatum(docked ? "docked" : "idle");
		MemoryContextSwitchTo(old);

		memset(nulls, 0, sizeof(nulls));
		values[0] = Int64GetDatum(i);
		values[2] = Int32GetDatum(SimRandUnit(seed, 54, i) < 0.85
								  ? st->faction_id : rand_int(seed, 55, i, 1, factions));
		values[3] = Int32GetDatum(roles[role].class_id[pick]);
		values[5] = Int32GetDatum(st->sector_id);
		values[7] = Int32GetDatum(st->id);
		nulls[7] = !docked;
		values[8] = Float8GetDatum(fuel);
		values[9] = Float8GetDatum(st->x + off * ux);
		values[10] = Float8GetDatum(st->y + off * uy);
		values[11] = Float8GetDatum(st->z + off * uz);
		values[12] = Int64GetDatum(1 + i % cooldown);
		bulk_add(&ships, values, nulls);
	}
	bulk_close(&ships);

	bulk_open(&npcs, "sim", "npc_personality", npc_cols, lengthof(npc_cols), no_standins);
	memset(nulls, 0, sizeof(nulls));
	for (int32 i = 1; i <= nships; i++)
	{
		values[0] = Int64GetDatum(i);
		values[1] = Float8GetDatum(round_decimal(SimRandUnit(seed, 60, i), 3));
		values[2] = Float8GetDatum(round_decimal(SimRandUnit(seed, 61, i), 3));
		values[3] = Float8GetDatum(round_decimal(SimRandUnit(seed, 62, i), 3));
		bulk_add(&npcs, values, nulls);
	}
	bulk_close(&npcs);

	SPI_finish();
	PG_RETURN_INT64(ships.rows);
}
