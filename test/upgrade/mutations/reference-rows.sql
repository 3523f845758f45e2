-- Reference rows not migrated: one leaf behaviour trees may use is missing.
SET LOCAL session_replication_role = replica;
DELETE FROM sim.bt_leaf WHERE name = (SELECT max(name) FROM sim.bt_leaf);
