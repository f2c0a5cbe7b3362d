//! The facility's visiting rules, read and accepted before a visitor's first booking
//! there (and again after the facility changes them): `/book` shows them instead of the
//! picker until they are accepted here.

use super::*;
use crate::pages::facilities::facility_words;
use openvisit_store::rules::accept_rules;

#[derive(Template, WebTemplate)]
#[template(path = "rules.html")]
pub struct RulesPage {
    pub page: PageMeta,
    pub title: String,
    pub lead: String,
    /// The rules in the reader's language (or the other, marked), a paragraph a line.
    pub lines: Vec<String>,
    pub facility: i64,
    pub revision: i64,
    pub resident: i64,
}

/// The page asking `a` to accept facility `f`'s rules before booking with `resident`.
pub(super) fn rules_page(page: PageMeta, f: &Facility, resident: ResidentId) -> RulesPage {
    let t = page.t;
    let words = facility_words(&t, &f.settings.visit_rules, &f.settings.visit_rules_es);
    RulesPage {
        title: t.t_with("rules-title", &[("facility", f.name.clone().into())]),
        lead: t.t("rules-lead"),
        lines: words
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        facility: f.id.0,
        revision: f.rules_revision,
        resident: resident.0,
        page,
    }
}

#[derive(Debug, Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    pub csrf: String,
    pub facility: i64,
    pub revision: i64,
    pub resident: i64,
}

pub async fn rules_accept(
    State(s): State<AppState>,
    VisitorPage(a): VisitorPage,
    CsrfForm(f): CsrfForm<AcceptForm>,
) -> Response {
    let back = format!("/book?resident={}", f.resident);
    match accept_rules(
        &s.db,
        a.id,
        FacilityId(f.facility),
        f.revision,
        s.clock.now(),
    )
    .await
    {
        // Changed since they were shown: the booking page shows the new ones.
        Ok(()) | Err(StoreError::Conflict(_)) => see_other(&back),
        Err(StoreError::NotFound(_)) => see_other("/people"),
        Err(e) => failure(&e),
    }
}

crate::csrf_form!(AcceptForm);
