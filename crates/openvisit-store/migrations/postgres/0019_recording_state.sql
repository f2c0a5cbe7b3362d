-- A recording whose assembly failed is kept as 'failed' with the error, so staff see it
-- and the server tries it again (up to a limit); retention removes its files like any
-- other's. Every recording written before this was assembled ('ready').
ALTER TABLE recordings ADD COLUMN state TEXT NOT NULL DEFAULT 'ready'
    CHECK (state IN ('ready', 'failed'));
ALTER TABLE recordings ADD COLUMN attempts BIGINT NOT NULL DEFAULT 1;
ALTER TABLE recordings ADD COLUMN error TEXT;
