-- 0001: the flight-recorder events table. Portable SQL: runs on SQLite and PostgreSQL.
-- Each supervisor run writes one hash chain (chain_id); chain_seq numbers its events from 1
-- and hash = sha256(prev_hash + canonical event), so an edited or deleted row is detected.
CREATE TABLE events (
    event_id        TEXT PRIMARY KEY,
    chain_id        TEXT NOT NULL,
    chain_seq       BIGINT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL,
    ts              DOUBLE PRECISION NOT NULL,
    kind            TEXT NOT NULL,
    actor           TEXT NOT NULL,
    job_id          TEXT,
    model_id        TEXT,
    session_id      TEXT,
    command         TEXT,
    argv            TEXT,
    cwd             TEXT,
    decision        TEXT,
    rule            TEXT,
    code            TEXT,
    reason          TEXT,
    exit_code       INTEGER,
    signal          INTEGER,
    duration_ms     DOUBLE PRECISION,
    timed_out       BOOLEAN,
    cancelled       BOOLEAN,
    truncated_bytes BIGINT,
    detail          TEXT,
    UNIQUE (chain_id, chain_seq)
);
CREATE INDEX events_ts ON events (ts);
CREATE INDEX events_job ON events (job_id);
CREATE INDEX events_session ON events (session_id);
