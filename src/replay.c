/*
 * replay.c -- acting as a recorded player while sim.replay re-applies the
 * journal (sql/replay.sql, docs/lifecycle.md "Replay").
 *
 * A replayed command must run with the authority of the player who issued
 * it: the same ownership checks, the same faction, the same issuer on the
 * queued sim.command row.  sim.replay_command() sets that identity in two
 * backend-local statics for the duration of one command call and clears
 * them however the call ends; sim.identify() (sql/players.sql) and the
 * issuer trigger of sim.command (sql/engine.sql) read them through
 * sim.replay_player() and sim.replay_issuer().  Nothing else sets them: no
 * GUC, no table, no SQL-visible setter, so no caller can make itself a
 * player through them.  sim.replay_command() itself is for operators only
 * (who can act for any player anyway), and it runs only the commands
 * sim.journal_command lists (through sim.journal_call).
 *
 * No shared state, no locks.
 */
#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "sim/identity.h"

PG_FUNCTION_INFO_V1(sim_replay_command);
PG_FUNCTION_INFO_V1(sim_replay_player);
PG_FUNCTION_INFO_V1(sim_replay_issuer);

/* The identity a replayed command runs with; replaying false: none. */
static bool replaying = false;
static int64 replay_player = 0;	/* 0: an operator's command */
static NameData replay_issuer;

/*
 * sim.replay_command(command, args, player, issued_by): run one journalled
 * command (sim.journal_call) as the recorded player (NULL: an operator) and
 * issuer.  Operators only.
 */
Datum
sim_replay_command(PG_FUNCTION_ARGS)
{
	Oid			types[2] = {TEXTOID, JSONBOID};
	Datum		vals[2];

	if (!SimCallerIsOperator())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("only an operator may replay commands")));
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("command, args and issued_by must not be null")));
	if (replaying)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("a replayed command cannot replay another")));
	vals[0] = PG_GETARG_DATUM(0);
	vals[1] = PG_GETARG_DATUM(1);

	SPI_connect();
	replay_player = PG_ARGISNULL(2) ? 0 : PG_GETARG_INT64(2);
	namestrcpy(&replay_issuer, NameStr(*PG_GETARG_NAME(3)));
	replaying = true;
	PG_TRY();
	{
		if (SPI_execute_with_args("SELECT sim.journal_call($1, $2)", 2, types, vals, NULL, false, 0)
			!= SPI_OK_SELECT)
			elog(ERROR, "could not replay a command");
	}
	PG_FINALLY();
	{
		replaying = false;
		replay_player = 0;
	}
	PG_END_TRY();
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * sim.replay_player(): NULL unless a replayed command is running; then the
 * recorded player's id, or 0 for an operator's command.
 */
Datum
sim_replay_player(PG_FUNCTION_ARGS)
{
	if (!replaying)
		PG_RETURN_NULL();
	PG_RETURN_INT64(replay_player);
}

/* sim.replay_issuer(): the recorded issuer while a replayed command runs, else NULL. */
Datum
sim_replay_issuer(PG_FUNCTION_ARGS)
{
	Name		result;

	if (!replaying)
		PG_RETURN_NULL();
	result = (Name) palloc(NAMEDATALEN);
	namestrcpy(result, NameStr(replay_issuer));
	PG_RETURN_NAME(result);
}
