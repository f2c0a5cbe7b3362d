//! Claims: the rows that say a kiosk, a resident or a visitor is taken for a 5-minute
//! granule (`claim_names` names them). Their primary key decides who wins a race on
//! every backend; booking, moving a visit and roster changes all claim through here.

use openvisit_core::availability::{KioskCalendar, RuleViolation};
use openvisit_core::facility::VisitKind;
use openvisit_core::interval::Interval;
use openvisit_core::{KioskId, VisitId};
use sqlx::{AnyConnection, Row};

use crate::sql_lists::{batch_sql, placeholders};

use crate::error::StoreError;
use crate::schedule::ScheduleData;

/// Rows per claims insert: under every backend's limit on bound parameters.
const CLAIMS_PER_STATEMENT: usize = 1000;

/// The one form of the claims insert (the PostgreSQL booking statement writes the same
/// rows inside its single statement): `(resource, granule, visit)` rows, which callers
/// give in key order (granule, resource) so two writers cannot deadlock; `skip_taken`
/// leaves a taken granule out instead of failing the statement. Returns how many rows
/// went in.
pub(crate) async fn insert_claims<R: AsRef<str>>(
    conn: &mut AnyConnection,
    rows: &[(R, i64, i64)],
    skip_taken: bool,
) -> Result<usize, StoreError> {
    let mut inserted = 0;
    for chunk in rows.chunks(CLAIMS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO claims (resource, granule, visit_id) VALUES {}{}",
            placeholders(chunk.len(), 3, 1),
            if skip_taken {
                " ON CONFLICT DO NOTHING"
            } else {
                ""
            }
        );
        let mut q = sqlx::query(batch_sql(conn, sql));
        for (r, g, v) in chunk {
            q = q.bind(r.as_ref()).bind(*g).bind(*v);
        }
        inserted += q.execute(&mut *conn).await?.rows_affected() as usize;
    }
    Ok(inserted)
}

/// Inserts claims for each of `resources` over `interval` in one statement; false if
/// any granule is taken (what was inserted is removed again, so the transaction can go
/// on).
pub(crate) async fn claim(
    conn: &mut AnyConnection,
    resources: &[&str],
    interval: Interval,
    visit: VisitId,
) -> Result<bool, StoreError> {
    let granules: Vec<i64> = interval.granules().collect();
    let mut sorted = resources.to_vec();
    sorted.sort_unstable();
    // In key order (granule, resource), like the booking writer, so two writers
    // cannot deadlock.
    let rows: Vec<(&str, i64, i64)> = granules
        .iter()
        .flat_map(|g| sorted.iter().map(move |r| (*r, *g, visit.0)))
        .collect();
    let inserted = insert_claims(conn, &rows, true).await?;
    if inserted == granules.len() * resources.len() {
        return Ok(true);
    }
    for r in resources {
        sqlx::query("DELETE FROM claims WHERE resource = $1 AND visit_id = $2")
            .bind(*r)
            .bind(visit.0)
            .execute(&mut *conn)
            .await?;
    }
    Ok(false)
}

/// After a person claim failed: which of the two was busy.
pub(crate) async fn busy_person(
    conn: &mut AnyConnection,
    resident_key: &str,
    interval: Interval,
) -> Result<RuleViolation, StoreError> {
    let g = interval.granules();
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM claims WHERE resource = $1 AND granule >= $2 AND granule < $3",
    )
    .bind(resident_key)
    .bind(g.start)
    .bind(g.end)
    .fetch_one(conn)
    .await?;
    Ok(if row.try_get::<i64, _>("n")? > 0 {
        RuleViolation::ResidentBusy
    } else {
        RuleViolation::VisitorBusy
    })
}

/// Claims the kiosk the rule check chose, else the others in id order; the kiosk won.
pub(crate) async fn claim_first_free(
    conn: &mut AnyConnection,
    kiosks: &[KioskCalendar],
    first: KioskId,
    interval: Interval,
    visit: VisitId,
) -> Result<Option<KioskId>, StoreError> {
    let order =
        std::iter::once(first).chain(kiosks.iter().map(|k| k.kiosk).filter(|k| *k != first));
    for k in order {
        if claim(conn, &[&crate::claim_names::kiosk(k)], interval, visit).await? {
            return Ok(Some(k));
        }
    }
    Ok(None)
}

/// When the snapshot shows every kiosk taken: start the claims at the first kiosks and
/// let them decide (a person already busy gets the more precise answer first).
pub(crate) fn first_kiosks(
    data: &ScheduleData,
    kind: VisitKind,
) -> Result<openvisit_core::availability::Placement, RuleViolation> {
    let housing_kiosk = data
        .housing_kiosks
        .first()
        .map(|k| k.kiosk)
        .ok_or(RuleViolation::NoKioskFree)?;
    let lobby_kiosk = match kind {
        VisitKind::OnSite => Some(
            data.lobby_kiosks
                .first()
                .map(|k| k.kiosk)
                .ok_or(RuleViolation::NoLobbyKioskFree)?,
        ),
        VisitKind::Remote => None,
    };
    Ok(openvisit_core::availability::Placement {
        housing_kiosk,
        lobby_kiosk,
    })
}
