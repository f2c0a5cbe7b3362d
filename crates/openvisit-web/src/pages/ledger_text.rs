//! A ledger line as a person reads it, written in their language at read time from
//! what the store recorded: what happened, the visit it was for (the resident and the
//! facility's time), the minutes it counts, and words staff wrote themselves. Never a
//! provider's reference or an internal id. The funds page, receipts and the console's
//! support page use it.

use openvisit_core::ledger::EntryKind;
use openvisit_store::ledger::LedgerLine;

use crate::i18n::Tr;
use crate::pages::visitor::{local_label, zone};

/// What the line is (`Refund`, `Visit paid`, …).
pub fn what(t: &Tr, line: &LedgerLine) -> String {
    t.t(&format!("entry-{}", line.kind.as_str()))
}

/// The visit a line is for, as "with NAME, DAY DATE TIME (facility time)".
pub fn visit(t: &Tr, line: &LedgerLine) -> Option<String> {
    let (Some(name), Some(start), Some(tz)) =
        (&line.resident_name, line.visit_start, &line.time_zone)
    else {
        return None;
    };
    Some(t.t_with(
        "ledger-visit-with",
        &[
            ("name", name.clone().into()),
            ("time", local_label(t, start, &zone(tz)).into()),
        ],
    ))
}

/// The minutes a line counts, and staff's words, if any.
pub fn note(t: &Tr, line: &LedgerLine) -> Option<String> {
    let minutes = line.minutes.map(|m| {
        let key = match line.kind {
            EntryKind::HoldCapture => "ledger-minutes-connected",
            _ => "ledger-minutes-lost",
        };
        t.t_with(key, &[("minutes", m.into())])
    });
    let parts: Vec<String> = minutes
        .into_iter()
        .chain((!line.memo.is_empty()).then(|| line.memo.clone()))
        .collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// The whole line: what, the visit, the note.
pub fn describe(t: &Tr, line: &LedgerLine) -> String {
    std::iter::once(what(t, line))
        .chain(visit(t, line))
        .chain(note(t, line))
        .collect::<Vec<_>>()
        .join(" · ")
}
