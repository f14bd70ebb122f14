-- 0005: the host of the gate that wrote each event, covered by the chain hash. Rows written
-- before it stay NULL (and are hashed without it, as they were written).
ALTER TABLE events ADD COLUMN host_id TEXT;
CREATE INDEX events_host ON events (host_id);
