-- A kiosk taken out of service: it offers no times, signs nothing in, and keeps its
-- history (past visits still name it). Null while in service.
ALTER TABLE kiosks ADD COLUMN retired_at BIGINT;
