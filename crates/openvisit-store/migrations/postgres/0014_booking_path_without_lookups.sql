-- The tables a booking writes carry no foreign keys on PostgreSQL. Each key made
-- PostgreSQL look up and share-lock the row it names, nine times per booking (a
-- visit's facility, resident, visitor and kiosks; an entry's visit and actor; each
-- posting's entry; the weekly count's resident), about a sixth of the booking rate,
-- and every booking share-locked the same facility row. Nothing is lost: the booking
-- writer reads the resident, the approval and the facility under a share lock in the
-- same transaction, the kiosks come from the facility's configuration at the revision
-- read there, the entry and postings are written with their visit, and none of these
-- rows is ever deleted. `integrity::dangling_references` checks it after the race
-- tests and the benchmark. SQLite keeps its keys: there a check is a local lookup.
ALTER TABLE visits DROP CONSTRAINT visits_facility_id_fkey;
ALTER TABLE visits DROP CONSTRAINT visits_resident_id_fkey;
ALTER TABLE visits DROP CONSTRAINT visits_visitor_id_fkey;
ALTER TABLE visits DROP CONSTRAINT visits_housing_kiosk_id_fkey;
ALTER TABLE visits DROP CONSTRAINT visits_lobby_kiosk_id_fkey;
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_visit_id_fkey;
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_actor_id_fkey;
ALTER TABLE ledger_postings DROP CONSTRAINT ledger_postings_entry_id_fkey;
ALTER TABLE week_counts DROP CONSTRAINT week_counts_resident_id_fkey;
