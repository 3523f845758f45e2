/*
 * identity.c -- who is calling, as seen from inside any function.
 *
 * PostgreSQL keeps two users: the outer one (the session's, or the one SET
 * ROLE chose) and the current one, which a SECURITY DEFINER function
 * switches to its owner for its duration.  sim's commands run as the
 * extension's owner when a player calls them through `api`, so "who is
 * calling" is always the outer user.  SQL reaches it through
 * sim.acting_role() and sim.acting_as_operator(); sim.current_player()
 * (sql/players.sql) builds the player's identity on them.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"

#include "sim/identity.h"

PG_FUNCTION_INFO_V1(sim_acting_role);
PG_FUNCTION_INFO_V1(sim_acting_as_operator);

Oid
SimCallerRole(void)
{
	return GetOuterUserId();
}

bool
SimCallerIsOperator(void)
{
	Oid			caller = GetOuterUserId();
	Oid			op;

	if (superuser_arg(caller))
		return true;
	op = get_role_oid(SIM_ROLE_OPERATOR, true);
	return OidIsValid(op) && has_privs_of_role(caller, op);
}

/* SQL: sim.acting_role() -- the role the client acts as. */
Datum
sim_acting_role(PG_FUNCTION_ARGS)
{
	PG_RETURN_OID(SimCallerRole());
}

/* SQL: sim.acting_as_operator() -- SimCallerIsOperator(). */
Datum
sim_acting_as_operator(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(SimCallerIsOperator());
}
