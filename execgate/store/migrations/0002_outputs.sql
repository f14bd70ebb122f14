-- 0002: job output, kept only at the commands_plus_redacted_output level, redacted, and
-- purged on its own (shorter) retention. Outside the hash chain so it can be purged; the
-- result event's detail carries each stream's sha256, so stored output is still verifiable.
CREATE TABLE outputs (
    event_id TEXT PRIMARY KEY,
    job_id   TEXT NOT NULL,
    ts       DOUBLE PRECISION NOT NULL,
    stdout   TEXT,
    stderr   TEXT
);
CREATE INDEX outputs_ts ON outputs (ts);
CREATE INDEX outputs_job ON outputs (job_id);

-- Retention purges delete the oldest events of a chain; the anchor keeps where the remaining
-- chain continues from (its last deleted event's position and hash). Each purge event's
-- detail holds the sha256 of this whole table as the purge left it, so anchors cannot be
-- forged to hide deleted events.
CREATE TABLE chain_anchors (
    chain_id    TEXT PRIMARY KEY,
    through_seq BIGINT NOT NULL,
    hash        TEXT NOT NULL
);
