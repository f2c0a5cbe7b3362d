-- One-time codes that set a kiosk's browser up (security finding 15): staff type the
-- code into the kiosk, which is then given a fresh device key in a cookie, so a key
-- never travels in a URL, a log line or a browser history. Only a hash is kept.
CREATE TABLE kiosk_setup_codes (
    code_hash TEXT PRIMARY KEY,
    kiosk_id BIGINT NOT NULL REFERENCES kiosks(id),
    expires_at BIGINT NOT NULL
);
CREATE INDEX kiosk_setup_codes_kiosk ON kiosk_setup_codes (kiosk_id);
