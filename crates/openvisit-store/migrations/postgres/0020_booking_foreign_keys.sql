-- The booking tables' foreign keys again (migration 0014 and 0013 dropped them for the
-- booking-throughput goal). Integrity comes first: the database itself refuses a visit,
-- a claim, a journal entry, a posting or a weekly count naming a row that does not
-- exist. Each key is added NOT VALID and then validated, so a large table is checked
-- without blocking writes; a database holding a dangling reference stops here, and
-- `openvisit check` names it.
--
-- The cost, measured with `openvisit-bench booking --clients 32` on PostgreSQL 15,
-- alternating builds in the same hour on 2 cores: with every key, 2,577-3,363
-- bookings/s (40-55% of the same run's raw inserts, median 47%); with none of them,
-- 2,683-5,328 (59-83%, median 69%); without the facility's key alone, no different
-- from with it (2,537-3,059, 40-52%). Every key is kept: each is a lookup and a key
-- share lock per row, about 30% of the booking rate, and the goal moved instead.
ALTER TABLE visits ADD CONSTRAINT visits_facility_id_fkey
    FOREIGN KEY (facility_id) REFERENCES facilities(id) NOT VALID;
ALTER TABLE visits ADD CONSTRAINT visits_resident_id_fkey
    FOREIGN KEY (resident_id) REFERENCES residents(id) NOT VALID;
ALTER TABLE visits ADD CONSTRAINT visits_visitor_id_fkey
    FOREIGN KEY (visitor_id) REFERENCES accounts(id) NOT VALID;
ALTER TABLE visits ADD CONSTRAINT visits_housing_kiosk_id_fkey
    FOREIGN KEY (housing_kiosk_id) REFERENCES kiosks(id) NOT VALID;
ALTER TABLE visits ADD CONSTRAINT visits_lobby_kiosk_id_fkey
    FOREIGN KEY (lobby_kiosk_id) REFERENCES kiosks(id) NOT VALID;
ALTER TABLE claims ADD CONSTRAINT claims_visit_id_fkey
    FOREIGN KEY (visit_id) REFERENCES visits(id) NOT VALID;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_visit_id_fkey
    FOREIGN KEY (visit_id) REFERENCES visits(id) NOT VALID;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_actor_id_fkey
    FOREIGN KEY (actor_id) REFERENCES accounts(id) NOT VALID;
ALTER TABLE ledger_postings ADD CONSTRAINT ledger_postings_entry_id_fkey
    FOREIGN KEY (entry_id) REFERENCES ledger_entries(id) NOT VALID;
ALTER TABLE week_counts ADD CONSTRAINT week_counts_resident_id_fkey
    FOREIGN KEY (resident_id) REFERENCES residents(id) NOT VALID;

ALTER TABLE visits VALIDATE CONSTRAINT visits_facility_id_fkey;
ALTER TABLE visits VALIDATE CONSTRAINT visits_resident_id_fkey;
ALTER TABLE visits VALIDATE CONSTRAINT visits_visitor_id_fkey;
ALTER TABLE visits VALIDATE CONSTRAINT visits_housing_kiosk_id_fkey;
ALTER TABLE visits VALIDATE CONSTRAINT visits_lobby_kiosk_id_fkey;
ALTER TABLE claims VALIDATE CONSTRAINT claims_visit_id_fkey;
ALTER TABLE ledger_entries VALIDATE CONSTRAINT ledger_entries_visit_id_fkey;
ALTER TABLE ledger_entries VALIDATE CONSTRAINT ledger_entries_actor_id_fkey;
ALTER TABLE ledger_postings VALIDATE CONSTRAINT ledger_postings_entry_id_fkey;
ALTER TABLE week_counts VALIDATE CONSTRAINT week_counts_resident_id_fkey;
