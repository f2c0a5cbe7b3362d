//! Emails about visits (R15): booked, changed, cancelled, and a reminder before the
//! start, in the visitor's language, each with a calendar invitation whose UID stays the
//! same for the visit's whole life. The store queues each in the transaction of its
//! change (`openvisit_store::email_outbox`); this module writes and delivers them: at
//! once after the request that queued them (`deliver_after`, one middleware for every
//! route), and every few seconds for those a failure or a restart left behind.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use openvisit_core::calendar::{CalendarEvent, CalendarParty, ics};
use openvisit_store::StoreError;
use openvisit_store::accounts::get_account;
use openvisit_store::email_outbox::{QueuedEmail, mark_failed, mark_sent, take_due};
use openvisit_store::facilities::get_facility;
use openvisit_store::residents::get_resident;
use openvisit_store::visits::{Visit, get_visit, queue_due_reminders};

use crate::i18n::{Lang, Tr};
use crate::mail::Email;
use crate::state::AppState;

pub use openvisit_store::email_outbox::VisitNews;

fn label(t: &Tr, ts: Timestamp, tz: &TimeZone) -> String {
    let dt = tz.to_datetime(ts);
    format!(
        "{} {} {}",
        t.t(&format!("weekday-{}", dt.weekday().to_monday_one_offset())),
        dt.date().strftime("%Y-%m-%d"),
        openvisit_core::local_time::clock(ts, tz)
    )
}

/// The email for a queued one, as the visit was announced in it (its time and calendar
/// sequence), in the visitor's language of today.
async fn compose(state: &AppState, visit: &Visit, q: &QueuedEmail) -> Result<Email, StoreError> {
    let news = q.news;
    let mut conn = state.db.conn().await?;
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
            ("facility_time", label(&t, q.start, &theirs).into()),
            ("your_time", label(&t, q.start, &mine).into()),
            ("kind", kind.clone().into()),
            (
                "minutes",
                ((q.end.as_second() - q.start.as_second()) / 60).into(),
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
        .map(|c| t.t_with("email-lobby-code", &[("code", c.clone().into())]));
    let (subject, body, cancelled) = match news {
        VisitNews::Booked => (
            t.t_with("email-booked-subject", &args(vec![])),
            t.t_with("email-booked-body", &args(vec![])),
            false,
        ),
        VisitNews::Changed => (
            t.t_with("email-changed-subject", &args(vec![])),
            t.t_with("email-changed-body", &args(vec![])),
            false,
        ),
        VisitNews::Reminder => (
            t.t_with("email-reminder-subject", &args(vec![])),
            t.t_with("email-reminder-body", &args(vec![])),
            false,
        ),
        VisitNews::Cancelled => {
            let body = t.t_with("email-cancelled-body", &args(vec![]));
            // A free visit, or one cancelled too late for a refund: no talk of money.
            let body = if visit.refund > openvisit_core::Cents::ZERO {
                let refund = ("refund", visit.refund.to_string().into());
                format!(
                    "{body}\n{}",
                    t.t_with("email-cancelled-refund", &args(vec![refund]))
                )
            } else {
                body
            };
            (
                t.t_with("email-cancelled-subject", &args(vec![])),
                body,
                true,
            )
        }
    };
    let body = match lobby {
        Some(line) => format!("{body}\n\n{line}"),
        None => body,
    };
    let event = CalendarEvent {
        uid: format!("visit-{}@openvisit", visit.id),
        sequence: u32::try_from(q.sequence).unwrap_or(u32::MAX),
        start: q.start,
        end: q.end,
        stamp: state.clock.now(),
        summary: format!("{} · {}", resident.full_name, facility.name),
        description: body.clone(),
        cancelled,
        organizer: CalendarParty {
            name: state
                .mailer
                .sender()
                .name
                .clone()
                .unwrap_or_else(|| "OpenVisit".into()),
            email: state.mailer.sender().email.to_string(),
        },
        attendee: CalendarParty {
            name: visitor.display_name.clone(),
            email: visitor.email.clone(),
        },
    };
    Ok(Email {
        // The same for every attempt, so a receiver can tell a repeat delivery (a sender
        // that died between sending and recording it) from a second email.
        message_id: Some(format!("<visit-{}.email-{}@openvisit>", visit.id, q.id)),
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

/// Middleware: a request that changed something delivers the emails it queued (and
/// any others due) before it answers, so no handler has to remember to. Reads and
/// refusals skip it; a failure here never changes the answer.
pub async fn deliver_after(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let writes = !matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    );
    let res = next.run(req).await;
    let done = res.status().is_success() || res.status().is_redirection();
    if writes && done {
        match openvisit_store::email_outbox::any_due(&state.db, state.clock.now()).await {
            Ok(true) => {
                send_queued(&state).await;
            }
            Ok(false) => {}
            Err(e) => tracing::error!(error = %e, "cannot read the email outbox"),
        }
    }
    res
}

/// Emails taken from the queue at once.
const BATCH: i64 = 20;

/// Delivers the queued visit emails that are due: those the request just committed,
/// and any a failure or a restart left. Returns how many went out. Failures are logged
/// and tried again later (`email_outbox::retry_after_seconds`), never fatal.
pub async fn send_queued(state: &AppState) -> usize {
    let mut sent = 0;
    loop {
        let due = match take_due(&state.db, state.clock.now(), BATCH).await {
            Ok(due) => due,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the email outbox");
                return sent;
            }
        };
        let taken = due.len();
        for q in &due {
            match deliver(state, q).await {
                Ok(()) => {
                    sent += 1;
                    if let Err(e) = mark_sent(&state.db, q.id, state.clock.now()).await {
                        tracing::error!(email = q.id, error = %e, "cannot record a sent email");
                    }
                }
                Err(error) => {
                    let dead = mark_failed(&state.db, q, &error.to_string(), state.clock.now())
                        .await
                        .unwrap_or(false);
                    tracing::error!(
                        visit = %q.visit, email = q.id, attempts = q.attempts, dead, error = %error,
                        "cannot send a visit email"
                    );
                }
            }
        }
        if taken < BATCH as usize {
            return sent;
        }
    }
}

async fn deliver(state: &AppState, q: &QueuedEmail) -> Result<(), StoreError> {
    let mut conn = state.db.conn().await?;
    let v = get_visit(&mut conn, q.visit).await?;
    drop(conn);
    let email = compose(state, &v, q).await?;
    state
        .mailer
        .send(email)
        .await
        .map_err(|e| StoreError::Operator(e.to_string()))
}

/// Queues the reminders for visits starting within the next `within_minutes` and
/// sends them. Returns how many went out.
pub async fn send_due_reminders(state: &AppState, within_minutes: i64) -> usize {
    if let Err(e) = queue_due_reminders(&state.db, state.clock.now(), within_minutes).await {
        tracing::error!(error = %e, "cannot look for reminders");
    }
    send_queued(state).await
}
