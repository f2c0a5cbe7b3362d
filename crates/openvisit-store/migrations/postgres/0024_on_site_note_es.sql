-- The facility's own words for families who book on-site visits elsewhere, in Spanish
-- beside English (R8): a family reads its language, and the other one, marked as such,
-- when the facility wrote only that.
ALTER TABLE facilities ADD COLUMN on_site_note_es TEXT NOT NULL DEFAULT '';
