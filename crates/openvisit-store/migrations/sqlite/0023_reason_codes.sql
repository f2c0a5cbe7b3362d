-- A reason OpenVisit itself gives for cancelling or ending a visit is stored as a code
-- and written in the reader's language when shown; `cancel_reason` and `end_reason`
-- keep only words staff typed. The English sentences stored before become codes.
ALTER TABLE visits ADD COLUMN cancel_code TEXT
    CHECK (cancel_code IN ('by_visitor', 'released', 'moved_no_kiosk', 'moved_no_hours', 'platform_fault'));
ALTER TABLE visits ADD COLUMN end_code TEXT
    CHECK (end_code IN ('by_visitor', 'released', 'moved_no_kiosk', 'moved_no_hours', 'platform_fault'));
UPDATE visits SET cancel_code = 'by_visitor', cancel_reason = NULL
    WHERE cancel_reason = 'cancelled by the visitor';
UPDATE visits SET cancel_code = 'released', cancel_reason = NULL
    WHERE cancel_reason = 'released from the facility';
UPDATE visits SET cancel_code = 'moved_no_kiosk', cancel_reason = NULL
    WHERE cancel_reason = 'moved to another housing unit; no kiosk there is free at that time';
UPDATE visits SET cancel_code = 'moved_no_hours', cancel_reason = NULL
    WHERE cancel_reason = 'moved to another housing unit, which has no visiting hours at that time';
UPDATE visits SET end_code = 'platform_fault', end_reason = NULL
    WHERE end_reason = 'no media reached either party (platform fault)';
