//! Emails about visits (R15): booked, cancelled, and a reminder before the start, in the
//! visitor's language, each with a calendar invitation whose UID stays the same for the
//! visit's whole life.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use openvisit_core::VisitId;
use openvisit_core::calendar::{CalendarEvent, ics};
use openvisit_store::StoreError;
use openvisit_store::accounts::get_account;
use openvisit_store::facilities::get_facility;
use openvisit_store::residents::get_resident;
use openvisit_store::visits::{Visit, get_visit, take_due_reminders};

use crate::i18n::{Lang, Tr};
use crate::mail::Email;
use crate::state::AppState;

/// Which email to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitNews {
    Booked,
    /// Moved to another time.
    Changed,
    Cancelled,
    Reminder,
}

fn label(t: &Tr, ts: Timestamp, tz: &TimeZone) -> String {
    let dt = tz.to_datetime(ts);
    format!(
        "{} {} {}",
        t.t(&format!("weekday-{}", dt.weekday().to_monday_one_offset())),
        dt.date().strftime("%Y-%m-%d"),
        dt.time().strftime("%H:%M")
    )
}

async fn compose(state: &AppState, visit: &Visit, news: VisitNews) -> Result<Email, StoreError> {
    let mut conn = state.db.pool.acquire().await?;
    let visitor = get_account(&mut conn, visit.visitor).await?;
    let resident = get_resident(&mut conn, visit.resident).await?;
    let facility = get_facility(&mut conn, visit.facility).await?;
    let t = Tr {
        lang: Lang::parse(&visitor.language).unwrap_or(Lang::En),
    };
    let theirs = TimeZone::get(&facility.time_zone).unwrap_or(TimeZone::UTC);
    let mine = TimeZone::get(&visitor.time_zone).unwrap_or(TimeZone::UTC);
    let kind = t
        .t(&format!("visits-kind-{}", visit.kind.as_str()))
        .to_lowercase();
    let args = |extra: Vec<(
        &'static str,
        fluent_templates::fluent_bundle::FluentValue<'static>,
    )>| {
        let mut v = vec![
            ("visitor", visitor.display_name.clone().into()),
            ("name", resident.full_name.clone().into()),
            ("facility", facility.name.clone().into()),
            ("facility_time", label(&t, visit.start, &theirs).into()),
            ("your_time", label(&t, visit.start, &mine).into()),
            ("kind", kind.clone().into()),
            (
                "minutes",
                ((visit.end.as_second() - visit.start.as_second()) / 60).into(),
            ),
            ("price", visit.price.to_string().into()),
        ];
        v.extend(extra);
        v
    };
    // On-site visitors sign in at the lobby kiosk with this code.
    let lobby = visit
        .lobby_code
        .as_ref()
        .filter(|_| !matches!(news, VisitNews::Cancelled))
        .map(|c| t.ta("email-lobby-code", &[("code", c.clone().into())]));
    let (subject, body, cancelled, sequence) = match news {
        VisitNews::Booked => (
            t.ta("email-booked-subject", &args(vec![])),
            t.ta("email-booked-body", &args(vec![])),
            false,
            visit.sequence,
        ),
        VisitNews::Changed => (
            t.ta("email-changed-subject", &args(vec![])),
            t.ta("email-changed-body", &args(vec![])),
            false,
            visit.sequence,
        ),
        VisitNews::Reminder => (
            t.ta("email-reminder-subject", &args(vec![])),
            t.ta("email-reminder-body", &args(vec![])),
            false,
            visit.sequence,
        ),
        VisitNews::Cancelled => (
            t.ta("email-cancelled-subject", &args(vec![])),
            t.ta(
                "email-cancelled-body",
                &args(vec![("refund", visit.refund.to_string().into())]),
            ),
            true,
            visit.sequence + 1,
        ),
    };
    let body = match lobby {
        Some(line) => format!("{body}\n\n{line}"),
        None => body,
    };
    let event = CalendarEvent {
        uid: format!("visit-{}@openvisit", visit.id),
        sequence: u32::try_from(sequence).unwrap_or(u32::MAX),
        start: visit.start,
        end: visit.end,
        stamp: state.clock.now(),
        summary: format!("{} · {}", resident.full_name, facility.name),
        description: body.clone(),
        cancelled,
    };
    Ok(Email {
        to: visitor.email,
        subject,
        text: body,
        attachments: vec![(
            "visit.ics".into(),
            "text/calendar; charset=utf-8; method=".to_owned()
                + if cancelled { "CANCEL" } else { "REQUEST" },
            ics(&event).into_bytes(),
        )],
    })
}

/// Sends the email for `news` about a visit; failures are logged, never fatal.
pub async fn visit_news(state: &AppState, visit: VisitId, news: VisitNews) {
    let sent = async {
        let mut conn = state.db.pool.acquire().await?;
        let v = get_visit(&mut conn, visit).await?;
        drop(conn);
        let email = compose(state, &v, news).await?;
        state
            .mailer
            .send(email)
            .await
            .map_err(|e| StoreError::Invalid(e.to_string()))
    }
    .await;
    if let Err(e) = sent {
        tracing::error!(visit = %visit, error = %e, "cannot send a visit email");
    }
}

/// Sends the reminders for visits starting within the next `within_minutes`.
/// Returns how many went out.
pub async fn send_due_reminders(state: &AppState, within_minutes: i64) -> usize {
    match take_due_reminders(&state.db, state.clock.now(), within_minutes).await {
        Ok(due) => {
            for v in &due {
                visit_news(state, v.id, VisitNews::Reminder).await;
            }
            due.len()
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot look for reminders");
            0
        }
    }
}
