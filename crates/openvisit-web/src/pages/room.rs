//! The visit room shared by the visitor's page and the kiosks: its texts travel as
//! `data-t-*` attributes, so static/visit.js speaks the page's language.

use crate::i18n::Tr;

pub struct VisitRoom {
    /// "visitor" or "resident": whose page this is.
    pub side: &'static str,
    pub ticket_url: String,
    pub intro: String,
    pub texts: Vec<(&'static str, String)>,
    pub remote_label: String,
    pub local_label: String,
    pub check_label: String,
    pub ready_label: String,
    pub mute_label: String,
    pub camera_label: String,
    pub leave_label: String,
    /// The kiosk checks devices and joins on sign-in; the visitor does it with buttons.
    pub show_check: bool,
    pub show_ready: bool,
}

/// (attribute suffix, message key) for every text the script may show.
const TEXTS: &[(&str, &str)] = &[
    ("devices-ok", "live-devices-ok"),
    ("devices-failed", "live-devices-failed"),
    ("disconnected", "live-disconnected"),
    ("reconnecting", "live-reconnecting"),
    ("replaced", "live-replaced"),
    ("waiting", "live-waiting"),
    ("live", "live-live"),
    ("other-away", "live-other-away"),
    ("other-present", "live-other-present"),
    ("other-ready", "live-other-ready"),
    ("kiosk-online", "live-kiosk-online"),
    ("time-left", "live-time-left"),
    ("warning5", "live-warning-5"),
    ("warning1", "live-warning-1"),
    ("left", "live-left"),
    ("notice-lockdown", "live-notice-lockdown"),
    ("notice-court", "live-notice-court"),
    ("notice-delay", "live-notice-delay"),
    ("notice-other", "live-notice-other"),
    ("notice-other-language", "live-notice-other-language"),
    ("weak-link", "live-weak-link"),
    ("ended-completed", "live-ended-completed"),
    ("ended-ended-by-staff", "live-ended-by-staff"),
    ("ended-missed", "live-ended-missed"),
    ("ended-failed", "live-ended-failed"),
    ("error-not-open", "live-error-not-open"),
    ("error-over", "live-error-over"),
    ("error-visit-over", "live-error-over"),
    ("error-wrong-pin", "live-error-wrong-pin"),
    ("error-wrong-code", "live-error-wrong-code"),
    ("error-conflict", "live-error-locked"),
    ("error-video-unavailable", "live-error-unavailable"),
    ("error-media-unavailable", "live-error-unavailable"),
];

impl VisitRoom {
    pub fn new(t: &Tr, side: &'static str, ticket_url: String, kiosk: bool) -> VisitRoom {
        // The resident's page names the visitor as "the visitor"; the visitor's names
        // the resident side. Both use the same presence texts.
        let texts = TEXTS.iter().map(|(k, key)| (*k, t.t(key))).collect();
        VisitRoom {
            side,
            ticket_url,
            intro: t.t(if kiosk {
                "live-kiosk-intro"
            } else {
                "live-intro"
            }),
            texts,
            remote_label: t.t("live-remote-video"),
            local_label: t.t("live-local-video"),
            check_label: t.t("live-check"),
            ready_label: t.t("live-ready"),
            mute_label: t.t("live-mute"),
            camera_label: t.t("live-camera-off"),
            leave_label: t.t("live-leave"),
            show_check: !kiosk,
            show_ready: !kiosk,
        }
    }
}
