-- Claims keyed by time first: a booking's claims (its resident, visitor and kiosks over
-- the same granules) sit side by side in the key, and bookings made together are
-- mostly for nearby times, so a batch touches a few pages of the key rather than one
-- per resource. The key still decides who wins: one row per (resource, granule).
ALTER TABLE claims DROP CONSTRAINT claims_pkey;
ALTER TABLE claims ADD PRIMARY KEY (granule, resource);
