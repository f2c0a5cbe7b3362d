//! Cancelling a visit: status, claims, weekly count and refund in one transaction (R13).

use jiff::Timestamp;
use openvisit_core::availability::week_of;
use openvisit_core::ledger::JournalEntry;
use openvisit_core::pricing::ChargeKind;
use openvisit_core::refund::{CancelledBy, refund_on_cancel};
use openvisit_core::{AccountId, Cents, VisitId};
use serde::Serialize;
use sqlx::AnyConnection;

use crate::audit::{Audit, append_audit};
use crate::db::{Db, MAX_ATTEMPTS, is_retryable};
use crate::email_outbox::{Announced, VisitNews};
use crate::error::StoreError;
use crate::facilities::{blackouts, get_facility};
use crate::ledger::{EntryRows, post_entry};
use crate::visits::{Reason, VisitStatus, get_visit};
use crate::week_counts::count_down;

#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct CancelOutcome {
    pub visit: VisitId,
    pub refund: Cents,
}

/// Cancels a visit. The caller has checked that `actor` may.
#[tracing::instrument(level = "debug", name = "db.cancel_visit", skip_all, fields(visit = visit.0))]
pub async fn cancel_visit(
    db: &Db,
    visit: VisitId,
    by: CancelledBy,
    actor: Option<AccountId>,
    reason: impl Into<Reason<'_>>,
    now: Timestamp,
) -> Result<CancelOutcome, StoreError> {
    let reason = reason.into();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut tx = db.begin_write().await?;
        let result = match cancel_in_tx(&mut tx, visit, by, actor, reason, now).await {
            Ok(out) => tx.commit().await.map(|()| out).map_err(StoreError::from),
            Err(e) => Err(e),
        };
        match result {
            Err(e) if attempt < MAX_ATTEMPTS && is_retryable(&e) => continue,
            other => return other,
        }
    }
}

/// What the visitor would get back if they cancelled now (shown before confirming).
pub fn refund_preview(
    charge_kind: ChargeKind,
    price: Cents,
    start: Timestamp,
    now: Timestamp,
    by: CancelledBy,
    notice_minutes: u32,
) -> Result<Cents, StoreError> {
    Ok(match charge_kind {
        ChargeKind::Free => {
            refund_on_cancel(price, start, now, by, notice_minutes)?;
            Cents::ZERO
        }
        // Nothing was connected yet, so a per-minute hold always comes back whole.
        ChargeKind::Hold => {
            refund_on_cancel(price, start, now, by, notice_minutes)?;
            price
        }
        ChargeKind::Block => refund_on_cancel(price, start, now, by, notice_minutes)?,
    })
}

/// Cancels inside an open write transaction.
pub async fn cancel_in_tx(
    conn: &mut AnyConnection,
    visit_id: VisitId,
    by: CancelledBy,
    actor: Option<AccountId>,
    reason: impl Into<Reason<'_>>,
    now: Timestamp,
) -> Result<CancelOutcome, StoreError> {
    let reason = reason.into();
    let visit = get_visit(conn, visit_id).await?;
    if visit.status != VisitStatus::Booked {
        return Err(StoreError::conflict("error-visit-not-booked"));
    }
    let facility = get_facility(conn, visit.facility).await?;
    let rules = facility.rules(blackouts(conn, facility.id, now).await?)?;
    let refund = refund_preview(
        visit.charge_kind,
        visit.price,
        visit.start,
        now,
        by,
        rules.cancel_notice_minutes,
    )?;
    let changed = sqlx::query(
        "UPDATE visits SET status = 'cancelled', cancelled_by = $1, cancel_reason = $2, \
         cancel_code = $3, refund_cents = $4 WHERE id = $5 AND status = 'booked'",
    )
    .bind(by.as_str())
    .bind(reason.code().is_none().then(|| reason.typed()))
    .bind(reason.code())
    .bind(refund.0)
    .bind(visit_id.0)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(StoreError::conflict("error-visit-not-booked"));
    }
    crate::live_sessions::delete_session(conn, visit_id).await?;
    // The cancellation's calendar update is one past the visit's own sequence.
    crate::email_outbox::queue(
        conn,
        VisitNews::Cancelled,
        Announced {
            visit: visit_id,
            sequence: visit.sequence + 1,
            start: visit.start,
            end: visit.end,
        },
        now,
    )
    .await?;
    sqlx::query("DELETE FROM claims WHERE visit_id = $1")
        .bind(visit_id.0)
        .execute(&mut *conn)
        .await?;
    count_down(
        conn,
        visit.resident,
        &week_of(&rules, visit.start).to_string(),
    )
    .await?;
    match visit.charge_kind {
        ChargeKind::Free => {}
        ChargeKind::Hold => {
            if visit.price.0 > 0 {
                let e = JournalEntry::release_hold(visit.visitor, visit_id, visit.price)?;
                post_entry(conn, &EntryRows::new(e, actor, Some(visit.facility), now)).await?;
            }
        }
        ChargeKind::Block => {
            if refund.0 > 0 {
                let e = JournalEntry::refund(visit.visitor, visit.facility, visit_id, refund)?;
                post_entry(conn, &EntryRows::new(e, actor, Some(visit.facility), now)).await?;
            }
        }
    }
    if by == CancelledBy::Facility {
        append_audit(
            conn,
            &Audit {
                at: now,
                actor,
                facility: Some(visit.facility),
                action: "visit.cancel",
                subject: format!("visit:{visit_id}"),
                detail: serde_json::json!({
                    "reason": (!reason.typed().is_empty()).then(|| reason.typed()),
                    "reason_code": reason.code(),
                    "refund_cents": refund.0,
                })
                .to_string(),
            },
        )
        .await?;
    }
    Ok(CancelOutcome {
        visit: visit_id,
        refund,
    })
}
