//! The home page, "How video visitation works" and the FAQ (R9).

use askama::Template;
use askama_web::WebTemplate;
use axum::http::{HeaderMap, Uri};

use crate::auth::MaybeAccount;

use crate::i18n::Lang;
use crate::pages::PageMeta;

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    pub page: PageMeta,
}

pub async fn home(
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    MaybeAccount(a): MaybeAccount,
) -> HomePage {
    HomePage {
        page: PageMeta::signed(lang, &uri, &headers, a.as_ref()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "how_it_works.html")]
pub struct HowItWorksPage {
    pub page: PageMeta,
}

pub async fn how_it_works(
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    MaybeAccount(a): MaybeAccount,
) -> HowItWorksPage {
    HowItWorksPage {
        page: PageMeta::signed(lang, &uri, &headers, a.as_ref()),
    }
}

/// The FAQ's questions, in order (each has `-q` and `-a` messages).
pub const FAQ: &[&str] = &[
    "faq-schedule",
    "faq-remote-only",
    "faq-fee",
    "faq-late",
    "faq-missed",
    "faq-cancel",
];

#[derive(Template, WebTemplate)]
#[template(path = "faq.html")]
pub struct FaqPage {
    pub page: PageMeta,
    pub items: Vec<(String, String)>,
}

pub async fn faq(
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    MaybeAccount(a): MaybeAccount,
) -> FaqPage {
    let page = PageMeta::signed(lang, &uri, &headers, a.as_ref());
    let items = FAQ
        .iter()
        .map(|k| (page.t.t(&format!("{k}-q")), page.t.t(&format!("{k}-a"))))
        .collect();
    FaqPage { page, items }
}
