-- Claims keyed by time first: a booking's claims (its resident, visitor and kiosks over
-- the same granules) sit side by side in the key, and bookings made together are
-- mostly for nearby times, so a batch of bookings touches a few pages of the key
-- rather than one page per resource. Measured: about 1.5 times the booking rate on
-- SQLite, where writing those pages to the WAL was half the writer's time.
CREATE TABLE claims_by_time (
    resource TEXT NOT NULL,
    granule BIGINT NOT NULL,
    visit_id BIGINT NOT NULL,
    PRIMARY KEY (granule, resource)
);
INSERT INTO claims_by_time (resource, granule, visit_id) SELECT resource, granule, visit_id FROM claims;
DROP TABLE claims;
ALTER TABLE claims_by_time RENAME TO claims;
CREATE INDEX claims_visit ON claims (visit_id);
--
-- claims.visit_id is no longer a foreign key: claims are written only by booking, in
-- the transaction that inserts their visit, and visits are never deleted. The check
-- cost a lookup of the visit for every granule (nine per 15-minute booking), about a
-- tenth of PostgreSQL's booking rate.
