/*
 * gen_vocab.c -- writes sql/vocab.sql, the first part of the install script,
 * from the vocabularies of include/sim/core (vocab.h, and SIM_LEG_FIELDS in
 * kinematics.h).  Built and run by make with the host compiler; no Postgres
 * inside.
 *
 * Each vocabulary is one section below: a function that prints its SQL (a
 * table of the names with their rows, and what the schema needs of it) and
 * an entry in `sections`.  A new vocabulary is one more of each, plus its
 * rows in sim.vocabulary() (src/vocab.c) and its comparison in
 * sim.check_vocabulary() (sql/finish.sql).  Names are
 * checked to be plain lower-case SQL words, so that they are written into
 * SQL without quoting; the generator fails, and with it the build, on any
 * other name and on a name listed twice.
 *
 * Usage: gen_vocab > sql/vocab.sql
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/kinematics.h"
#include "sim/core/vocab.h"

#define NAME_(tag, name) name,
#define LEG_COLUMN_(member, column, type) #column,
#define LEG_TYPE_(member, column, type) #type,

static const char *const ship_states[] = {SIM_SHIP_STATES(NAME_)};
static const char *const npc_roles[] = {SIM_NPC_ROLES(NAME_)};
static const char *const leg_columns[] = {SIM_LEG_FIELDS(LEG_COLUMN_)};
static const char *const leg_types[] = {SIM_LEG_FIELDS(LEG_TYPE_)};

#define lengthof(a) ((int) (sizeof(a) / sizeof((a)[0])))

static void
fail(const char *list, const char *name, const char *why)
{
	fprintf(stderr, "gen_vocab: %s: \"%s\" %s\n", list, name, why);
	exit(1);
}

/* Every name a plain SQL word ([a-z_][a-z0-9_]*, at most 63 bytes), none twice. */
static void
check_names(const char *list, const char *const *names, int n)
{
	int			i,
				j;

	for (i = 0; i < n; i++)
	{
		const char *p = names[i];

		if (*p == '\0' || strlen(p) > 63 || (*p >= '0' && *p <= '9'))
			fail(list, p, "is not a plain SQL name");
		for (; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
				fail(list, names[i], "is not a plain SQL name: use [a-z_][a-z0-9_]*");
		for (j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0)
				fail(list, names[i], "is listed twice");
	}
}

/* A list of names as SQL rows (code, 'name'), codes from 0. */
static void
print_rows(const char *const *names, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		printf("    (%d, '%s')%s\n", i, names[i], i + 1 < n ? "," : ";");
}

/*
 * A table of names with their codes, and an IMMUTABLE function returning
 * the names in code order, evaluated by the library (the CHECK constraints
 * call it: once per statement, folded to a constant).
 */
static void
print_name_table(const char *list, const char *table, const char *what,
				 const char *func, const char *csym,
				 const char *const *names, int n)
{
	check_names(list, names, n);
	printf("-- %s (%s)\n", what, list);
	printf("CREATE TABLE sim.%s (\n"
		   "    code        smallint PRIMARY KEY CHECK (code >= 0),\n"
		   "    name        text NOT NULL UNIQUE\n"
		   ");\n", table);
	printf("COMMENT ON TABLE sim.%s IS '%s, by code (generated from include/sim/core/vocab.h)';\n",
		   table, what);
	printf("INSERT INTO sim.%s (code, name) VALUES\n", table);
	print_rows(names, n);
	printf("CREATE FUNCTION sim.%s() RETURNS text[]\n"
		   "AS 'MODULE_PATHNAME', '%s'\n"
		   "LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;\n", func, csym);
	printf("COMMENT ON FUNCTION sim.%s() IS '%s in code order, as the library knows them "
		   "(the CHECK constraints use it)';\n\n", func, what);
}

static void
section_ship_states(void)
{
	print_name_table("SIM_SHIP_STATES", "ship_state", "The states of a ship",
					 "ship_states", "sim_ship_states", ship_states, lengthof(ship_states));
}

static void
section_npc_roles(void)
{
	print_name_table("SIM_NPC_ROLES", "npc_role", "The roles of ships and hulls",
					 "npc_roles", "sim_npc_roles", npc_roles, lengthof(npc_roles));
}

static void
section_leg_fields(void)
{
	int			i;

	check_names("SIM_LEG_FIELDS", leg_columns, lengthof(leg_columns));
	printf("-- The columns of a flight-plan leg (SIM_LEG_FIELDS in include/sim/core/kinematics.h)\n");
	printf("CREATE TABLE sim.leg_field (\n"
		   "    pos         smallint PRIMARY KEY CHECK (pos > 0),\n"
		   "    name        text NOT NULL UNIQUE,\n"
		   "    type        text NOT NULL CHECK (type IN ('double precision', 'bigint'))\n"
		   ");\n");
	printf("COMMENT ON TABLE sim.leg_field IS 'The columns of a flight-plan leg in sim.ship and "
		   "sim.flight_leg, in order (generated from include/sim/core/kinematics.h)';\n");
	printf("INSERT INTO sim.leg_field (pos, name, type) VALUES\n");
	for (i = 0; i < lengthof(leg_columns); i++)
	{
		const char *type = NULL;

		if (strcmp(leg_types[i], "float8") == 0)
			type = "double precision";
		else if (strcmp(leg_types[i], "int8") == 0)
			type = "bigint";
		else
			fail("SIM_LEG_FIELDS", leg_types[i], "is not a leg type: use float8 or int8");
		printf("    (%d, '%s', '%s')%s\n", i + 1, leg_columns[i], type,
			   i + 1 < lengthof(leg_columns) ? "," : ";");
	}
	printf("\n");
}

/* The sections, in the order they are written. */
static void (*const sections[]) (void) =
{
	section_ship_states,
	section_npc_roles,
	section_leg_fields,
};

int
main(void)
{
	int			i;

	printf("-- sim: the vocabularies shared by the library and the schema.\n"
		   "--\n"
		   "-- GENERATED by tools/gen_vocab from include/sim/core/vocab.h and\n"
		   "-- include/sim/core/kinematics.h; do not edit (make writes it again).\n"
		   "-- sim.check_vocabulary() (sql/finish.sql) checks these tables against the\n"
		   "-- library and against the schema that names them.\n\n");
	printf("\\echo Use \"CREATE EXTENSION sim CASCADE\" to load this file. \\quit\n\n");
	for (i = 0; i < lengthof(sections); i++)
		sections[i] ();
	printf("-- Every list as the library knows it (src/vocab.c), for sim.check_vocabulary()\n"
		   "CREATE FUNCTION sim.vocabulary(OUT vocabulary text, OUT code integer, OUT name text,\n"
		   "                               OUT type text)\n"
		   "RETURNS SETOF record\n"
		   "AS 'MODULE_PATHNAME', 'sim_vocabulary'\n"
		   "LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;\n");
	printf("COMMENT ON FUNCTION sim.vocabulary() IS 'The ship states, roles and leg columns "
		   "this build of the library knows (vocabulary, code or position, name, SQL type)';\n");
	if (fflush(stdout) != 0 || ferror(stdout))
	{
		perror("gen_vocab");
		return 1;
	}
	return 0;
}
