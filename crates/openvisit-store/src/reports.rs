//! Reports for a facility: per day (facility time) and housing unit, how many visits
//! took place, were missed (by which side), cancelled, ended by staff or lost to a fault,
//! and the money: revenue (net of refunds from revenue), refunds and credits to visitors.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use openvisit_core::{Cents, FacilityId};
use serde::Serialize;
use sqlx::Row;

use crate::db::Db;
use crate::error::StoreError;
use crate::time::secs;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReportRow {
    #[schema(value_type = String, format = Date)]
    pub day: Date,
    pub unit: String,
    /// Visits still booked (upcoming, or in progress).
    pub booked: u32,
    pub completed: u32,
    pub missed_by_visitor: u32,
    pub missed_by_resident: u32,
    pub missed_by_both: u32,
    pub cancelled: u32,
    pub ended_by_staff: u32,
    pub failed: u32,
    /// What the facility earned from these visits, after refunds.
    pub revenue: Cents,
    pub refunds: Cents,
    pub credits: Cents,
}

/// The report for visits starting in [`from`, `to`), grouped by local day and unit.
pub async fn facility_report(
    db: &Db,
    facility: FacilityId,
    tz: &TimeZone,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<ReportRow>, StoreError> {
    let visits = sqlx::query(
        "SELECT v.id, v.start_at, v.status, v.missed_by, u.name AS unit FROM visits v \
         JOIN kiosks k ON k.id = v.housing_kiosk_id \
         JOIN housing_units u ON u.id = k.housing_unit_id \
         WHERE v.facility_id = $1 AND v.start_at >= $2 AND v.start_at < $3",
    )
    .bind(facility.0)
    .bind(secs(from))
    .bind(secs(to))
    .fetch_all(&db.pool)
    .await?;
    let money = sqlx::query(
        "SELECT e.visit_id, e.kind, p.account, p.amount_cents FROM ledger_entries e \
         JOIN ledger_postings p ON p.entry_id = e.id JOIN visits v ON v.id = e.visit_id \
         WHERE v.facility_id = $1 AND v.start_at >= $2 AND v.start_at < $3",
    )
    .bind(facility.0)
    .bind(secs(from))
    .bind(secs(to))
    .fetch_all(&db.pool)
    .await?;
    let revenue_account = format!("revenue:{facility}");
    // (revenue, refunds, credits) per visit.
    let mut per_visit: BTreeMap<i64, (i64, i64, i64)> = BTreeMap::new();
    for r in &money {
        let visit: i64 = r.try_get("visit_id")?;
        let kind: String = r.try_get("kind")?;
        let account: String = r.try_get("account")?;
        let amount: i64 = r.try_get("amount_cents")?;
        let m = per_visit.entry(visit).or_default();
        if account == revenue_account {
            m.0 += amount;
        } else if account.starts_with("visitor:") && amount > 0 {
            match kind.as_str() {
                "refund" => m.1 += amount,
                "credit" => m.2 += amount,
                _ => {}
            }
        }
    }
    let mut rows: BTreeMap<(Date, String), ReportRow> = BTreeMap::new();
    for r in &visits {
        let id: i64 = r.try_get("id")?;
        let start = crate::time::from_secs(r.try_get("start_at")?)?;
        let day = tz.to_datetime(start).date();
        let unit: String = r.try_get("unit")?;
        let row = rows
            .entry((day, unit.clone()))
            .or_insert_with(|| ReportRow {
                day,
                unit,
                ..ReportRow::default()
            });
        let status: String = r.try_get("status")?;
        let missed_by: Option<String> = r.try_get("missed_by")?;
        match (status.as_str(), missed_by.as_deref()) {
            ("booked", _) => row.booked += 1,
            ("completed", _) => row.completed += 1,
            ("missed", Some("visitor")) => row.missed_by_visitor += 1,
            ("missed", Some("resident")) => row.missed_by_resident += 1,
            ("missed", _) => row.missed_by_both += 1,
            ("cancelled", _) => row.cancelled += 1,
            ("ended_by_staff", _) => row.ended_by_staff += 1,
            _ => row.failed += 1,
        }
        if let Some((rev, refunds, credits)) = per_visit.get(&id) {
            row.revenue = Cents(row.revenue.0 + rev);
            row.refunds = Cents(row.refunds.0 + refunds);
            row.credits = Cents(row.credits.0 + credits);
        }
    }
    Ok(rows.into_values().collect())
}

/// The report as CSV (amounts in cents), for spreadsheets.
/// A text cell a spreadsheet will not run: one that begins with `=`, `+`, `-`, `@`, a
/// tab or a carriage return (a formula, to Excel and LibreOffice) gets a leading `'`,
/// as OWASP advises. Only names go through it; numbers stay numbers.
pub fn spreadsheet_text(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

pub fn report_csv(rows: &[ReportRow]) -> Result<String, StoreError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "day",
        "unit",
        "booked",
        "completed",
        "missed_by_visitor",
        "missed_by_resident",
        "missed_by_both",
        "cancelled",
        "ended_by_staff",
        "failed",
        "revenue_cents",
        "refunds_cents",
        "credits_cents",
    ];
    let io = |e: csv::Error| StoreError::Operator(format!("csv: {e}"));
    w.write_record(header).map_err(io)?;
    for r in rows {
        w.write_record([
            r.day.to_string(),
            spreadsheet_text(&r.unit),
            r.booked.to_string(),
            r.completed.to_string(),
            r.missed_by_visitor.to_string(),
            r.missed_by_resident.to_string(),
            r.missed_by_both.to_string(),
            r.cancelled.to_string(),
            r.ended_by_staff.to_string(),
            r.failed.to_string(),
            r.revenue.0.to_string(),
            r.refunds.0.to_string(),
            r.credits.0.to_string(),
        ])
        .map_err(io)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| StoreError::Operator(format!("csv: {e}")))?;
    String::from_utf8(bytes).map_err(|e| StoreError::Operator(format!("csv: {e}")))
}

#[cfg(test)]
mod csv_tests {
    use super::spreadsheet_text;

    #[test]
    fn a_name_that_looks_like_a_formula_is_written_as_text() {
        for evil in [
            "=HYPERLINK(\"http://x\")",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(spreadsheet_text(evil), format!("'{evil}"));
        }
        assert_eq!(spreadsheet_text("A Pod"), "A Pod");
        assert_eq!(spreadsheet_text("B-Pod = east"), "B-Pod = east");
    }
}
