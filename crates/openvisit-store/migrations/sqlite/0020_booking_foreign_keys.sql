-- A claim names its visit as a foreign key again (migration 0013 dropped it): the
-- database itself refuses a claim on a visit that does not exist. SQLite cannot add a
-- key to a table, so the table is built again.
CREATE TABLE claims_keyed (
    resource TEXT NOT NULL,
    granule BIGINT NOT NULL,
    visit_id BIGINT NOT NULL REFERENCES visits(id),
    PRIMARY KEY (granule, resource)
);
INSERT INTO claims_keyed (resource, granule, visit_id) SELECT resource, granule, visit_id FROM claims;
DROP TABLE claims;
ALTER TABLE claims_keyed RENAME TO claims;
CREATE INDEX claims_visit ON claims (visit_id);
