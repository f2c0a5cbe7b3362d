-- A housing unit taken out of service (closed, merged into another): it offers no
-- times, takes no residents and no kiosks, and keeps its history (past visits and its
-- kiosks still name it). Null while in service. Its name stays taken.
ALTER TABLE housing_units ADD COLUMN retired_at BIGINT;
