/*
 * vocab.c -- the vocabularies as this build of the library knows them
 * (include/sim/core/vocab.h, SIM_LEG_FIELDS), for SQL and for the check
 * that the installed tables agree.
 *
 * sim.ship_states() and sim.npc_roles() return the lists the CHECK
 * constraints on states and roles test against; sim.vocabulary() returns
 * every list, and sim.check_vocabulary() (sql/finish.sql) compares it with
 * the tables tools/gen_vocab made.  SimVocabCheck runs that check once per
 * backend, before its first tick.  No shared state.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "sim/economy.h"
#include "sim/leg_row.h"
#include "sim/sim.h"

PG_FUNCTION_INFO_V1(sim_ship_states);
PG_FUNCTION_INFO_V1(sim_npc_roles);
PG_FUNCTION_INFO_V1(sim_vocabulary);

static bool vocab_checked = false;

static Datum
text_array(const char *const *names, int n)
{
	Datum	   *d = palloc(n * sizeof(Datum));
	int			i;

	for (i = 0; i < n; i++)
		d[i] = CStringGetTextDatum(names[i]);
	return PointerGetDatum(construct_array(d, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* sim.ship_states(): the ship states in code order. */
Datum
sim_ship_states(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(text_array(EcoStateNames, ECO_NSTATES));
}

/* sim.npc_roles(): the roles in code order. */
Datum
sim_npc_roles(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(text_array(EcoRoleNames, ECO_NROLES));
}

static void
put_row(Tuplestorestate *ts, TupleDesc td, const char *vocabulary, int code,
		const char *name, const char *type)
{
	Datum		values[4];
	bool		nulls[4] = {false, false, false, type == NULL};

	values[0] = CStringGetTextDatum(vocabulary);
	values[1] = Int32GetDatum(code);
	values[2] = CStringGetTextDatum(name);
	values[3] = type ? CStringGetTextDatum(type) : (Datum) 0;
	tuplestore_putvalues(ts, td, values, nulls);
}

/*
 * sim.vocabulary(): (vocabulary, code, name, type) for every ship state
 * ('ship_state', code from 0), role ('npc_role', from 0) and leg column
 * ('leg_field', position from 1, with its SQL type).
 */
Datum
sim_vocabulary(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < ECO_NSTATES; i++)
		put_row(rsinfo->setResult, rsinfo->setDesc, "ship_state", i, EcoStateNames[i], NULL);
	for (i = 0; i < ECO_NROLES; i++)
		put_row(rsinfo->setResult, rsinfo->setDesc, "npc_role", i, EcoRoleNames[i], NULL);
	for (i = 0; i < SIM_LEG_NFIELDS; i++)
		put_row(rsinfo->setResult, rsinfo->setDesc, "leg_field", i + 1, SimLegColumnNames[i],
				format_type_be(SimLegTypes[i]));
	return (Datum) 0;
}

/*
 * Check, once per backend, that the installed vocabulary tables match this
 * library and the schema that names them (sim.check_vocabulary raises SM011
 * if not).  SPI connected.
 */
void
SimVocabCheck(void)
{
	if (vocab_checked)
		return;
	if (SPI_execute("SELECT sim.check_vocabulary()", false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not check the vocabularies");
	vocab_checked = true;
}
