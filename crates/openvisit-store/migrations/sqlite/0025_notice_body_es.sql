-- A waiting-room notice's words in Spanish beside English (R8): each party reads its
-- language, or the other one, marked as such, when staff wrote only that.
ALTER TABLE visit_notices ADD COLUMN body_es TEXT NOT NULL DEFAULT '';
