//! Moving a booked visit to another time: the same visit (and calendar event), new
//! claims, the weekly count moved, the price unchanged. Allowed until the facility's
//! cancellation notice before the original start, so a move cannot dodge the late-cancel
//! rule.

use jiff::Timestamp;
use openvisit_core::availability::{RuleViolation, week_of};
use openvisit_core::facility::VisitKind;
use openvisit_core::interval::{Interval, add_minutes};
use openvisit_core::message::Message;
use openvisit_core::{AccountId, VisitId};
use sqlx::Row;

use crate::db::{Db, MAX_ATTEMPTS, is_retryable};
use crate::email_outbox::{Announced, VisitNews};
use crate::error::StoreError;
use crate::schedule::load_kiosk_schedule;
use crate::time::secs;
use crate::visits::{Visit, VisitStatus, get_visit};
use crate::week_counts::{count_down, count_up};

/// Moves `visit` to `new_start`; the visitor must own it.
#[tracing::instrument(level = "debug", name = "db.reschedule_visit", skip_all, fields(visit = visit_id.0))]
pub async fn reschedule_visit(
    db: &Db,
    visit_id: VisitId,
    visitor: AccountId,
    new_start: Timestamp,
    now: Timestamp,
) -> Result<Visit, StoreError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut tx = db.begin_write().await?;
        let result = move_in_tx(&mut tx, visit_id, visitor, new_start, now).await;
        let result = match result {
            Ok(v) => tx.commit().await.map(|()| v).map_err(StoreError::from),
            Err(e) => {
                let _ = tx.rollback().await;
                Err(e)
            }
        };
        match result {
            Err(e) if attempt < MAX_ATTEMPTS && is_retryable(&e) => continue,
            other => return other,
        }
    }
}

async fn move_in_tx(
    conn: &mut sqlx::AnyConnection,
    visit_id: VisitId,
    visitor: AccountId,
    new_start: Timestamp,
    now: Timestamp,
) -> Result<Visit, StoreError> {
    let v = get_visit(conn, visit_id).await?;
    if v.visitor != visitor {
        return Err(StoreError::NotFound("visit"));
    }
    if v.status != VisitStatus::Booked {
        return Err(StoreError::conflict("error-visit-not-booked"));
    }
    let unit: i64 =
        sqlx::query("SELECT housing_unit_id FROM residents WHERE id = $1 AND status = 'active'")
            .bind(v.resident.0)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::invalid("error-resident-gone"))?
            .try_get("housing_unit_id")?;
    let length = u32::try_from((v.end.as_second() - v.start.as_second()) / 60).unwrap_or(0);
    let new_end = add_minutes(new_start, i64::from(length));
    let data = load_kiosk_schedule(
        conn,
        v.facility,
        openvisit_core::HousingUnitId(unit),
        add_minutes(new_start.min(v.start), -24 * 60),
        add_minutes(new_end.max(v.end), 24 * 60),
        v.kind == VisitKind::OnSite,
    )
    .await?;
    let notice = i64::from(data.rules.cancel_notice_minutes);
    if now > add_minutes(v.start, -notice) {
        return Err(StoreError::Invalid(
            Message::new("error-move-too-late").with("hours", notice / 60),
        ));
    }
    // Free this visit's own time first, so the new time may overlap the old one.
    sqlx::query("DELETE FROM claims WHERE visit_id = $1")
        .bind(visit_id.0)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE visits SET status = 'cancelled' WHERE id = $1")
        .bind(visit_id.0)
        .execute(&mut *conn)
        .await?;
    // The kiosk snapshot still shows the old time as busy; the claims decide.
    let placement = match data.schedule().check(v.kind, length, new_start, now) {
        Err(RuleViolation::NoKioskFree | RuleViolation::NoLobbyKioskFree) => {
            crate::claims::first_kiosks(&data, v.kind)?
        }
        other => other?,
    };
    let visit = Interval::new(new_start, new_end);
    let on_kiosk = visit.extended_by_minutes(data.rules.kiosk_gap_minutes);
    let resident_key = crate::claim_names::resident(v.resident);
    let visitor_key = crate::claim_names::visitor(v.visitor);
    if !crate::claims::claim(conn, &[&resident_key, &visitor_key], visit, visit_id).await? {
        return Err(crate::claims::busy_person(conn, &resident_key, visit)
            .await?
            .into());
    }
    let housing = crate::claims::claim_first_free(
        conn,
        &data.housing_kiosks,
        placement.housing_kiosk,
        on_kiosk,
        visit_id,
    )
    .await?
    .ok_or(RuleViolation::NoKioskFree)?;
    let lobby = match placement.lobby_kiosk {
        None => None,
        Some(first) => Some(
            crate::claims::claim_first_free(conn, &data.lobby_kiosks, first, on_kiosk, visit_id)
                .await?
                .ok_or(RuleViolation::NoLobbyKioskFree)?,
        ),
    };
    // Move the weekly count when the week changes.
    let (old_week, new_week) = (
        week_of(&data.rules, v.start).to_string(),
        week_of(&data.rules, new_start).to_string(),
    );
    if old_week != new_week {
        count_down(conn, v.resident, &old_week).await?;
        let counted = count_up(
            conn,
            v.resident,
            &new_week,
            data.rules.weekly_limit_per_resident,
        )
        .await?;
        if !counted {
            return Err(RuleViolation::WeeklyLimit.into());
        }
    }
    sqlx::query(
        "UPDATE visits SET status = 'booked', start_at = $1, end_at = $2, housing_kiosk_id = $3, \
         lobby_kiosk_id = $4, sequence = sequence + 1, reminded_at = NULL WHERE id = $5",
    )
    .bind(secs(new_start))
    .bind(secs(new_end))
    .bind(housing.0)
    .bind(lobby.map(|k| k.0))
    .bind(visit_id.0)
    .execute(&mut *conn)
    .await?;
    let moved = get_visit(conn, visit_id).await?;
    crate::email_outbox::queue(
        conn,
        VisitNews::Changed,
        Announced {
            visit: visit_id,
            sequence: moved.sequence,
            start: moved.start,
            end: moved.end,
        },
        now,
    )
    .await?;
    Ok(moved)
}
