-- 0001: the flight-recorder events table. Portable SQL: runs on SQLite and PostgreSQL.
CREATE TABLE events (
    event_id        TEXT PRIMARY KEY,
    seq             BIGINT NOT NULL,
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
    detail          TEXT
);
CREATE INDEX events_job ON events (job_id);
CREATE INDEX events_ts ON events (ts);
