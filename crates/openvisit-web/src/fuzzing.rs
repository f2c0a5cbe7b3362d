//! Entry points for fuzzing every parser that takes outside input (security review):
//! each takes arbitrary bytes and must return, never panic. `fuzz/` runs them under
//! libFuzzer (`cargo +nightly fuzz run <target>`); the test suite runs them on a corpus
//! and on random inputs in CI (`security::fuzz`).

/// A roster file as staff upload it (`text/csv`).
pub fn roster_csv(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = openvisit_core::roster::parse_roster(text);
    }
}

/// Visiting hours as the operator writes them (`mon-fri 08:00-11:30; sat 09:00-12:00`).
pub fn weekly_hours(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = openvisit_core::hours::parse_weekly_hours(text);
    }
}

/// One text frame on the signaling socket.
pub fn signaling(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::live::signal::parse_client_message(text);
    }
}

/// An SDP offer, answered as an admission answers it.
pub fn sdp_offer(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = openvisit_media::answer_offer_as_server(text);
    }
}

/// Form bodies of the public pages (`application/x-www-form-urlencoded`), decoded as
/// axum's `Form` decodes them, and the registration's own checks after that.
pub fn form_bodies(data: &[u8]) {
    let _ = serde_urlencoded::from_bytes::<crate::pages::contact::ContactFields>(data);
    let _ = serde_urlencoded::from_bytes::<crate::pages::kiosk::SetupFields>(data);
    let _ = serde_urlencoded::from_bytes::<crate::pages::account::SignInFields>(data);
    let _ = serde_urlencoded::from_bytes::<crate::pages::reset::ResetFields>(data);
    if let Ok(f) = serde_urlencoded::from_bytes::<crate::routes::account::RegisterForm>(data) {
        let _ = crate::routes::account::parse_registration(f);
    }
}

/// A fuzz target: any bytes in, never a panic.
pub type Target = fn(&[u8]);

/// Every target by name, for the corpus runner and the fuzz crate.
pub const TARGETS: &[(&str, Target)] = &[
    ("roster_csv", roster_csv),
    ("weekly_hours", weekly_hours),
    ("signaling", signaling),
    ("sdp_offer", sdp_offer),
    ("form_bodies", form_bodies),
];
