/*
 * vocab.h -- the vocabularies that the C code and the SQL schema share, each
 * listed once, here (no Postgres inside).
 *
 * Each list is an X-macro: SIM_SHIP_STATES(X) expands X(TAG, "name") once per
 * ship state, in the order of their codes (0, 1, ...); SIM_NPC_ROLES(X) does
 * the same for the roles of NPC ships.  The third list, the fields of a
 * flight-plan leg and their columns, is SIM_LEG_FIELDS in kinematics.h, next
 * to the struct it describes.  Made from these lists:
 *
 * - in C, by the preprocessor: EcoState, EcoStateNames, EcoRole and
 *   EcoRoleNames (include/sim/economy.h), SimLeg and SimLegColumns, the
 *   shared-memory leg columns (src/shmem.c) and every leg <-> row mapping
 *   (include/sim/leg_row.h);
 * - in SQL, by tools/gen_vocab at build time: sql/vocab.sql, the first part
 *   of the install script, with the tables sim.ship_state, sim.npc_role and
 *   sim.leg_field and the functions sim.ship_states() and sim.npc_roles()
 *   that the CHECK constraints on states and roles call.  The change record's
 *   state codes (sim.change_code), its ship fields (sim.change_kind) and the
 *   trigger that writes them (sql/deltas.sql) are made from those tables at
 *   install time.
 *
 * What names the vocabulary by hand (transition rows, the leg columns of
 * sim.ship and sim.flight_leg, the arguments of sim.leg_state) is checked by
 * sim.check_vocabulary() (sql/finish.sql) when the extension is installed
 * and when a backend runs its first tick; it raises SM011 on a mismatch, as
 * it does when the installed tables come from another build than the
 * library.
 *
 * Adding a ship state: add it here (at the end, so that the codes of the
 * change record keep their meaning), give it transitions in
 * sim.ship_transition (sql/economy.sql) and teach the tick what to do with it
 * (src/economy.c, src/npc.c).  Adding a role: add it here and give it a
 * behaviour tree (sim.install_default_trees) and hulls (sql/generate.sql).
 * Adding a leg field: see SIM_LEG_FIELDS.  Names are lower-case SQL words
 * ([a-z_][a-z0-9_]*); the generator refuses others.
 */
#ifndef SIM_CORE_VOCAB_H
#define SIM_CORE_VOCAB_H

/* Ship states, as in sim.ship.state; the code of each is its position. */
#define SIM_SHIP_STATES(X) \
	X(DOCKED, "docked") \
	X(UNDOCKING, "undocking") \
	X(IDLE, "idle") \
	X(FLYING, "flying") \
	X(DOCKING, "docking") \
	X(ORBITING, "orbiting") \
	X(MINING, "mining")

/* Roles of ships and hulls (sim.ship.role, sim.ship_class.role, sim.bt_tree.role). */
#define SIM_NPC_ROLES(X) \
	X(MINER, "miner") \
	X(TRADER, "trader") \
	X(HAULER, "hauler") \
	X(PATROL, "patrol")

#endif							/* SIM_CORE_VOCAB_H */
