-- The live session of each visit in a waiting room or under way, so that a restart of
-- the server (a crash or an upgrade) carries on with the same announced end, the
-- seconds measured so far and the seconds the platform lost (R4, R5, R13). Written when
-- a visit starts and every few seconds while it runs; removed in the transaction that
-- settles the visit. Instants in milliseconds: the announced end is exact.
CREATE TABLE live_sessions (
    visit_id BIGINT PRIMARY KEY REFERENCES visits(id),
    actual_start_ms BIGINT,
    ends_at_ms BIGINT,
    visitor TEXT NOT NULL CHECK (visitor IN ('away', 'present', 'ready')),
    resident TEXT NOT NULL CHECK (resident IN ('away', 'present', 'ready')),
    visitor_came BIGINT NOT NULL,
    resident_came BIGINT NOT NULL,
    connected_seconds BIGINT NOT NULL CHECK (connected_seconds >= 0),
    -- {"minute": fault seconds, ...} counted from the actual start.
    fault_seconds TEXT NOT NULL,
    -- Bit i: warning i of openvisit_core::session::WARNING_MINUTES was given.
    warned BIGINT NOT NULL,
    last_second BIGINT,
    outage_since_ms BIGINT,
    saved_at_ms BIGINT NOT NULL
);
