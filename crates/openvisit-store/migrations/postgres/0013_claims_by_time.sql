-- Claims keyed by time first: a booking's claims (its resident, visitor and kiosks over
-- the same granules) sit side by side in the key, and bookings made together are
-- mostly for nearby times, so a batch touches a few pages of the key rather than one
-- per resource. The key still decides who wins: one row per (resource, granule).
ALTER TABLE claims DROP CONSTRAINT claims_pkey;
ALTER TABLE claims ADD PRIMARY KEY (granule, resource);
ALTER TABLE claims DROP CONSTRAINT claims_visit_id_fkey;
--
-- claims.visit_id is no longer a foreign key: claims are written only by booking, in
-- the transaction that inserts their visit, and visits are never deleted. The check
-- cost a lookup of the visit for every granule (nine per 15-minute booking), about a
-- tenth of PostgreSQL's booking rate.
