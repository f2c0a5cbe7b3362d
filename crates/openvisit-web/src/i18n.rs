//! Languages (R8): every page a visitor sees comes from the message files in
//! `locales/en` and `locales/es`. The language is the `lang` query parameter (which is
//! then remembered in a cookie), else that cookie, else the browser's Accept-Language,
//! else English.

use std::borrow::Cow;
use std::collections::HashMap;

use axum::extract::FromRequestParts;
use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::request::Parts;
use axum::response::Response;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{Loader, static_loader};
use unic_langid::{LanguageIdentifier, langid};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // No Unicode isolation marks around values: pages are plain left-to-right text.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

pub const LANG_COOKIE: &str = "ov_lang";
/// Its name under HTTPS: `__Host-` binds it to this host and `Secure`.
pub const SECURE_LANG_COOKIE: &str = "__Host-ov_lang";

/// The `Set-Cookie` value that remembers a language for a year.
pub fn lang_cookie(lang: &str, secure: bool) -> String {
    if secure {
        format!("{SECURE_LANG_COOKIE}={lang}; Path=/; Max-Age=31536000; SameSite=Lax; Secure")
    } else {
        format!("{LANG_COOKIE}={lang}; Path=/; Max-Age=31536000; SameSite=Lax")
    }
}

/// Whether the request carries a remembered language (under either name).
pub fn has_lang_cookie(headers: &axum::http::HeaderMap) -> bool {
    cookie_value(headers).is_some()
}

fn cookie_value(headers: &axum::http::HeaderMap) -> Option<String> {
    crate::auth::cookie_value(headers, SECURE_LANG_COOKIE)
        .or_else(|| crate::auth::cookie_value(headers, LANG_COOKIE))
}

/// A language the product speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Es,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Es];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        let primary = s.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "es" => Some(Lang::Es),
            _ => None,
        }
    }

    /// The other language, for the switch link.
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Es,
            Lang::Es => Lang::En,
        }
    }

    fn id(self) -> LanguageIdentifier {
        match self {
            Lang::En => langid!("en"),
            Lang::Es => langid!("es"),
        }
    }

    /// The first supported language in an Accept-Language header, by preference.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut offers: Vec<(f32, Lang)> = header
            .split(',')
            .filter_map(|part| {
                let mut it = part.split(';');
                let lang = Lang::parse(it.next()?)?;
                let q = it
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                (q > 0.0).then_some((q, lang))
            })
            .collect();
        offers.sort_by(|a, b| b.0.total_cmp(&a.0));
        offers.first().map(|(_, l)| *l)
    }
}

/// Translates message keys for one language.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    /// The message for `key`. A missing key shows as `⟦key⟧`, which tests look for.
    pub fn t(&self, key: &str) -> String {
        LOCALES
            .try_lookup(&self.lang.id(), key)
            .unwrap_or_else(|| format!("⟦{key}⟧"))
    }

    /// The message for `key`, if there is one: for names made from stored codes (an
    /// audit line's action or field), which fall back to the code itself.
    pub fn t_if_any(&self, key: &str) -> Option<String> {
        LOCALES.try_lookup(&self.lang.id(), key)
    }

    /// The message for `key` with named values.
    pub fn t_with(&self, key: &str, args: &[(&'static str, FluentValue<'static>)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue<'static>> = args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), v.clone()))
            .collect();
        LOCALES
            .try_lookup_with_args(&self.lang.id(), key, &map)
            .unwrap_or_else(|| format!("⟦{key}⟧"))
    }

    /// A `Message` from the core or the store, in this language.
    pub fn message(&self, m: &openvisit_core::message::Message) -> String {
        use openvisit_core::message::Arg;
        let args: Vec<(&'static str, FluentValue<'static>)> = m
            .args
            .iter()
            .map(|(name, value)| {
                let v = match value {
                    Arg::Text(t) => FluentValue::from(t.clone()),
                    Arg::Number(n) => FluentValue::from(*n),
                };
                (*name, v)
            })
            .collect();
        self.t_with(m.id, &args)
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }
}

/// Whether `key` exists for `lang` (for the completeness test). Every variable the
/// messages use is given, since a message with a missing variable does not format.
pub fn has_message(lang: Lang, key: &str) -> bool {
    let args: HashMap<Cow<'static, str>, FluentValue<'static>> = [
        ("count", FluentValue::from(2)),
        ("most", FluentValue::from(8)),
        ("query", "x".into()),
        ("fee", "$1.00".into()),
        ("increment", 15.into()),
        ("minutes", 30.into()),
        ("price", "$1.00".into()),
        ("hours", 24.into()),
        ("zone", "UTC".into()),
        ("name", "A".into()),
        ("facility_time", "9:00".into()),
        ("your_time", "10:00".into()),
        ("refund", "$1.00".into()),
        ("day", "Monday".into()),
        ("balance", "$1.00".into()),
        ("link", "https://example.com".into()),
        ("visitor", "B".into()),
        ("kind", "remote visit".into()),
        ("facility", "F".into()),
        ("reference", "OV-ABC234".into()),
        ("message", "Q".into()),
        ("days", 2.into()),
        ("time", "09:50".into()),
        ("number", "R-1".into()),
        ("code", "AB12CD34".into()),
        ("per_minute", "$0.25".into()),
        ("cap", "$0.21".into()),
        ("attempts", 2.into()),
        ("role", "Officer".into()),
        ("words", "x".into()),
        ("weekday", "Monday".into()),
        ("month", "May".into()),
        ("year", "2027".into()),
        ("your_zone", "UTC".into()),
        ("resident", "R".into()),
    ]
    .into_iter()
    .map(|(k, v)| (Cow::Borrowed(k), v))
    .collect();
    LOCALES
        .try_lookup_with_args(&lang.id(), key, &args)
        .is_some()
}

tokio::task_local! {
    static REQUEST_LANG: Lang;
}

/// The language of the request this task is handling (English outside a request), so
/// an error built deep in a handler is answered in the reader's language.
pub fn current_lang() -> Lang {
    REQUEST_LANG.try_with(|l| *l).unwrap_or(Lang::En)
}

/// Runs `work` (a socket's task, which outlives its request) in `lang`.
pub async fn with_lang<F: std::future::Future>(lang: Lang, work: F) -> F::Output {
    REQUEST_LANG.scope(lang, work).await
}

/// The layer that sets [`current_lang`] for the rest of the request.
pub async fn scope_lang(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let (parts, body) = req.into_parts();
    let lang = chosen_lang(&parts);
    let req = axum::extract::Request::from_parts(parts, body);
    REQUEST_LANG.scope(lang, next.run(req)).await
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(chosen_lang(parts))
    }
}

fn query_lang(parts: &Parts) -> Option<Lang> {
    parts
        .uri
        .query()?
        .split('&')
        .find_map(|kv| kv.strip_prefix("lang="))
        .and_then(Lang::parse)
}

fn cookie_lang(parts: &Parts) -> Option<Lang> {
    cookie_value(&parts.headers).and_then(|v| Lang::parse(&v))
}

/// The language for this request, and whether it was chosen explicitly (`?lang=`).
pub fn chosen_lang(parts: &Parts) -> Lang {
    query_lang(parts)
        .or_else(|| cookie_lang(parts))
        .or_else(|| {
            parts
                .headers
                .get(ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or(Lang::En)
}

/// The `lang` query parameter, if the request set one.
pub fn explicit_lang(parts: &Parts) -> Option<Lang> {
    query_lang(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_preferred_supported_language() {
        assert_eq!(
            Lang::from_accept_language("es-MX,es;q=0.9,en;q=0.8"),
            Some(Lang::Es)
        );
        assert_eq!(
            Lang::from_accept_language("fr-FR,en;q=0.5,es;q=0.7"),
            Some(Lang::Es)
        );
        assert_eq!(Lang::from_accept_language("fr,de"), None);
        assert_eq!(Lang::from_accept_language("es;q=0,en"), Some(Lang::En));
    }

    #[test]
    fn values_are_placed_without_isolation_marks() {
        let tr = Tr { lang: Lang::Es };
        let text = tr.t_with(
            "facility-length-price",
            &[("minutes", 30.into()), ("price", "$5.70".into())],
        );
        assert_eq!(text, "30 minutos: $5.70");
    }
}

#[cfg(test)]
mod completeness {
    use std::collections::BTreeSet;

    use super::*;

    fn keys(lang: &str) -> BTreeSet<String> {
        let dir = format!("{}/locales/{lang}", env!("CARGO_MANIFEST_DIR"));
        let mut text = String::new();
        for entry in std::fs::read_dir(&dir).expect("locale dir").flatten() {
            text.push_str(&std::fs::read_to_string(entry.path()).expect("message file"));
            text.push('\n');
        }
        text.lines()
            .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim().to_owned()))
            .collect()
    }

    /// Every `t("key")` / `ta("key"` literal in the templates and the page code.
    fn used_keys() -> BTreeSet<String> {
        let root = env!("CARGO_MANIFEST_DIR");
        let mut files = Vec::new();
        for dir in [
            "templates",
            "src/pages",
            "src/pages/visitor",
            "src/pages/console",
            "src",
        ] {
            for entry in std::fs::read_dir(format!("{root}/{dir}"))
                .expect("dir")
                .flatten()
            {
                let p = entry.path();
                if p.extension().is_some_and(|e| e == "html" || e == "rs") {
                    files.push(p);
                }
            }
        }
        let mut used = BTreeSet::new();
        for f in files {
            let text = std::fs::read_to_string(&f).expect("file");
            for marker in [".t(", ".t_with("] {
                for part in text.split(marker).skip(1) {
                    let Some(rest) = part.trim_start().strip_prefix('"') else {
                        continue;
                    };
                    if let Some(key) = rest.split('"').next()
                        && !key.is_empty()
                        && key
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    {
                        used.insert(key.to_owned());
                    }
                }
            }
        }
        for d in 1..=7 {
            used.insert(format!("weekday-{d}"));
            used.insert(format!("weekday-short-{d}"));
        }
        for m in 1..=12 {
            used.insert(format!("month-{m}"));
        }
        for (_, key) in crate::pages::account::ZONES {
            used.insert((*key).to_owned());
        }
        for code in crate::pages::account::ERROR_CODES {
            used.insert(format!("error-{code}"));
        }
        for status in ["pending", "approved", "denied", "suspended"] {
            used.insert(format!("people-status-{status}"));
        }
        for status in [
            "booked",
            "cancelled",
            "completed",
            "missed",
            "ended_by_staff",
            "failed",
        ] {
            used.insert(format!("visits-status-{status}"));
        }
        for kind in [
            "deposit",
            "visit_charge",
            "visit_hold",
            "hold_capture",
            "refund",
            "credit",
        ] {
            used.insert(format!("entry-{kind}"));
        }
        for key in [
            "visits-starts-in-days",
            "visits-starts-in-hours",
            "visits-starts-in-minutes",
        ] {
            used.insert(key.to_owned());
        }
        for kind in ["remote", "on_site"] {
            used.insert(format!("visits-kind-{kind}"));
        }
        for status in ["open", "answered", "closed"] {
            used.insert(format!("console-ticket-{status}"));
        }
        for q in crate::pages::help::FAQ {
            used.insert(format!("{q}-q"));
            used.insert(format!("{q}-a"));
        }
        used
    }

    #[test]
    fn english_and_spanish_have_the_same_messages() {
        let (en, es) = (keys("en"), keys("es"));
        assert!(en.len() > 50, "{} keys", en.len());
        let only_en: Vec<_> = en.difference(&es).collect();
        let only_es: Vec<_> = es.difference(&en).collect();
        assert!(
            only_en.is_empty() && only_es.is_empty(),
            "only in en: {only_en:?}; only in es: {only_es:?}"
        );
    }

    /// Every message id the core, the store and the web layer name in an error
    /// (`"error-…"` literals; `pages/room.rs` maps signaling codes, not ids).
    fn error_ids() -> BTreeSet<String> {
        fn scan(dir: &std::path::Path, ids: &mut BTreeSet<String>) {
            for entry in std::fs::read_dir(dir).expect("dir").flatten() {
                let p = entry.path();
                if p.is_dir() {
                    scan(&p, ids);
                } else if p.extension().is_some_and(|e| e == "rs") && !p.ends_with("room.rs") {
                    let text = std::fs::read_to_string(&p).expect("file");
                    for part in text.split("\"error-").skip(1) {
                        let id: String = part
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                            .collect();
                        if !id.is_empty() && part[id.len()..].starts_with('"') {
                            ids.insert(format!("error-{id}"));
                        }
                    }
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut ids = BTreeSet::new();
        for dir in ["src", "../openvisit-store/src", "../openvisit-core/src"] {
            scan(&root.join(dir), &mut ids);
        }
        ids
    }

    #[test]
    fn every_error_message_exists_in_both_languages() {
        let ids = error_ids();
        assert!(
            ids.contains("error-pin-digits"),
            "the scan finds ids: {ids:?}"
        );
        for lang in ["en", "es"] {
            let have = keys(lang);
            // The core's own test names two ids of its example only.
            let missing: Vec<_> = ids
                .iter()
                .filter(|id| !have.contains(*id) && *id != "error-name-exists")
                .collect();
            assert!(missing.is_empty(), "{lang} is missing {missing:?}");
        }
    }

    #[test]
    fn a_store_message_is_worded_in_the_readers_language() {
        use openvisit_core::message::Message;
        let m = Message::new("error-pin-locked").with("minutes", 1_i64);
        assert_eq!(
            Tr { lang: Lang::En }.message(&m),
            "too many wrong PINs: signing in is locked for 1 more minute"
        );
        let m = Message::new("error-pin-locked").with("minutes", 12_i64);
        assert_eq!(
            Tr { lang: Lang::Es }.message(&m),
            "demasiados PIN incorrectos: el acceso está bloqueado 12 minutos más"
        );
        let m = Message::new("error-not-found").with("what", "housing_unit");
        assert_eq!(
            Tr { lang: Lang::Es }.message(&m),
            "no se encontró esta unidad de alojamiento"
        );
    }

    #[test]
    fn every_message_the_pages_use_exists_in_both_languages() {
        let used = used_keys();
        assert!(used.contains("home-cta"), "the scan finds keys");
        for lang in Lang::ALL {
            let missing: Vec<_> = used.iter().filter(|k| !has_message(lang, k)).collect();
            assert!(missing.is_empty(), "{lang:?} is missing {missing:?}");
        }
    }
}
