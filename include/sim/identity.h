/*
 * identity.h -- who is calling (identity.c).
 *
 * The caller is the role a client acts as: its login role, or the role it
 * chose with SET ROLE (PostgREST's and PostGraphile's SET LOCAL ROLE).  It
 * is not current_user, which a SECURITY DEFINER function changes to its
 * owner: an `api` function runs as the extension's owner but still answers
 * to its caller.
 */
#ifndef SIM_IDENTITY_H
#define SIM_IDENTITY_H

#include "postgres.h"

/* The role names the extension creates (sql/players.sql). */
#define SIM_ROLE_OPERATOR	"sim_operator"
#define SIM_ROLE_PLAYER		"sim_player"
#define SIM_ROLE_ANON		"sim_anon"

/* The role the client acts as (SET ROLE's, else the login's). */
extern Oid	SimCallerRole(void);

/* True when the caller is a superuser or has the privileges of sim_operator. */
extern bool SimCallerIsOperator(void);

#endif							/* SIM_IDENTITY_H */
