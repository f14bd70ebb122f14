-- 0003: the chains linked into one sequence. A chain's first event takes as its prev_hash the
-- hash of the last event the chain started before it had then (recorded here: which chain, at
-- which position), so deleting a whole chain breaks the link of the chain after it. pos
-- orders the chains by start. Chains written before this migration stay unlinked.
CREATE TABLE chain_links (
    chain_id      TEXT PRIMARY KEY,
    pos           BIGINT NOT NULL UNIQUE,
    prev_chain_id TEXT,
    prev_seq      BIGINT
);
