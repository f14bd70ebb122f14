-- 0004: gate leases. Each gate (one chain) holds a lease it renews; a gate whose lease
-- expired is dead, whatever its host, and the first live gate to claim the row (row lock,
-- SKIP LOCKED on PostgreSQL) marks its unfinished jobs interrupted and records itself in
-- recovered_by, so each dead gate is recovered exactly once.
CREATE TABLE gate_leases (
    chain_id     TEXT PRIMARY KEY,
    host_id      TEXT NOT NULL,
    pid          INTEGER NOT NULL,
    started      DOUBLE PRECISION NOT NULL,
    renewed      DOUBLE PRECISION NOT NULL,
    expires      DOUBLE PRECISION NOT NULL,
    released     DOUBLE PRECISION,
    recovered_by TEXT,
    recovered_at DOUBLE PRECISION
);
CREATE INDEX gate_leases_host ON gate_leases (host_id);
