//! The home page, "How video visitation works" and the FAQ (R9).

use askama::Template;
use askama_web::WebTemplate;
use axum::http::Uri;

use crate::i18n::Lang;
use crate::pages::PageMeta;

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    pub page: PageMeta,
}

pub async fn home(lang: Lang, uri: Uri) -> HomePage {
    HomePage {
        page: PageMeta::new(lang, &uri),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "how_it_works.html")]
pub struct HowItWorksPage {
    pub page: PageMeta,
}

pub async fn how_it_works(lang: Lang, uri: Uri) -> HowItWorksPage {
    HowItWorksPage {
        page: PageMeta::new(lang, &uri),
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

pub async fn faq(lang: Lang, uri: Uri) -> FaqPage {
    let page = PageMeta::new(lang, &uri);
    let items = FAQ
        .iter()
        .map(|k| (page.t.t(&format!("{k}-q")), page.t.t(&format!("{k}-a"))))
        .collect();
    FaqPage { page, items }
}
