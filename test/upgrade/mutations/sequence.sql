-- A sequence's parameters not changed.
ALTER SEQUENCE sim.player_id_seq INCREMENT BY 2;
