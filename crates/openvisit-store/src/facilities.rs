//! Facilities, their settings and rate caps (R1, R2, R12, R17).

use jiff::Timestamp;
use jiff::tz::TimeZone;
use openvisit_core::facility::{Blackout, FacilityRules, FacilityType, Pricing, PricingMode};
use openvisit_core::message::Message;
use openvisit_core::pricing::validate_pricing;
use openvisit_core::rate_caps::{RateCap, RateCapTable};
use openvisit_core::{AccountId, Cents, FacilityId};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::audit::{Audit, append_audit};
use crate::db::Db;
use crate::error::StoreError;
use crate::time::{from_secs, secs};

/// The settings staff can change (R1–R3, R12).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FacilitySettings {
    pub offers_remote: bool,
    pub offers_on_site: bool,
    /// Where on-site visits are booked elsewhere: how to arrange them (R1), in English.
    pub on_site_note: String,
    /// The same in Spanish; either may be empty.
    #[serde(default)]
    pub on_site_note_es: String,
    pub pricing_mode: PricingMode,
    pub increment_minutes: u32,
    pub fee_cents: i64,
    pub allowed_lengths: Vec<u32>,
    pub slot_grid_minutes: u32,
    pub min_notice_minutes: u32,
    pub max_days_ahead: u32,
    pub cancel_notice_minutes: u32,
    pub weekly_limit: u32,
    pub kiosk_gap_minutes: u32,
    /// The facility's visiting rules (conduct, dress, what ends a visit), which a visitor
    /// accepts before booking here; empty for none. Changing them asks for a new
    /// acceptance (`rules.rs`).
    #[serde(default)]
    pub visit_rules: String,
    /// The same in Spanish; either may be empty.
    #[serde(default)]
    pub visit_rules_es: String,
}

/// The longest the visiting rules may be, in each language.
pub const MAX_RULES_CHARS: usize = 8000;

/// A facility as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Facility {
    pub id: FacilityId,
    pub slug: String,
    pub name: String,
    pub city: String,
    pub state: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub time_zone: String,
    pub facility_type: FacilityType,
    pub population: u32,
    pub settings: FacilitySettings,
    /// How many days visit recordings are kept (R14).
    pub recording_days: u32,
    /// Bumped whenever the visiting rules change: what an acceptance names.
    pub rules_revision: i64,
}

/// What an operator gives to create a facility.
#[derive(Debug, Clone)]
pub struct NewFacility {
    pub slug: String,
    pub name: String,
    pub city: String,
    pub state: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub time_zone: String,
    pub facility_type: FacilityType,
    pub population: u32,
    pub settings: FacilitySettings,
}

/// The longest booking or cancellation notice a facility can ask for: 30 days.
pub const MAX_NOTICE_MINUTES: u32 = 30 * 24 * 60;

impl FacilitySettings {
    /// Checks the settings that the database's own checks cannot express: the price
    /// against the rate cap, and sane bounds on everything else.
    pub fn validate(
        &self,
        facility_type: FacilityType,
        population: u32,
        caps: &RateCapTable,
    ) -> Result<(), StoreError> {
        validate_pricing(&self.pricing(), facility_type, population, caps)?;
        if self.visit_rules.chars().count() > MAX_RULES_CHARS
            || self.visit_rules_es.chars().count() > MAX_RULES_CHARS
        {
            return Err(StoreError::Invalid(
                Message::new("error-rules-length").with("most", MAX_RULES_CHARS),
            ));
        }
        if self.allowed_lengths.is_empty() {
            return Err(StoreError::invalid("error-no-lengths"));
        }
        if self
            .allowed_lengths
            .iter()
            .any(|l| *l == 0 || *l > 240 || l % 5 != 0)
        {
            return Err(StoreError::invalid("error-lengths"));
        }
        for (name, v) in [
            ("slot_grid", self.slot_grid_minutes),
            ("kiosk_gap", self.kiosk_gap_minutes),
        ] {
            if v % 5 != 0 || v > 240 {
                return Err(StoreError::Invalid(
                    Message::new("error-setting-multiple-of-5").with("name", name),
                ));
            }
        }
        if self.slot_grid_minutes == 0 {
            return Err(StoreError::invalid("error-grid-zero"));
        }
        if self.max_days_ahead == 0 || self.max_days_ahead > 366 {
            return Err(StoreError::invalid("error-days-ahead"));
        }
        // Bounds a facility can mean; beyond them a typo (4294967295) would close
        // booking for good or overflow the instants computed from them.
        if self.weekly_limit > 100 {
            return Err(StoreError::invalid("error-weekly-limit"));
        }
        for (name, v) in [
            ("booking_notice", self.min_notice_minutes),
            ("cancellation_notice", self.cancel_notice_minutes),
        ] {
            if v > MAX_NOTICE_MINUTES {
                return Err(StoreError::Invalid(
                    Message::new("error-notice-too-long").with("name", name),
                ));
            }
        }
        if !self.offers_remote && !self.offers_on_site {
            return Err(StoreError::invalid("error-no-kinds"));
        }
        Ok(())
    }

    pub fn pricing(&self) -> Pricing {
        Pricing {
            mode: self.pricing_mode,
            increment_minutes: self.increment_minutes,
            fee_per_increment: Cents(self.fee_cents),
        }
    }
}

impl Facility {
    /// The booking rules, with the facility's blackouts.
    pub fn rules(&self, blackouts: Vec<Blackout>) -> Result<FacilityRules, StoreError> {
        let s = &self.settings;
        Ok(FacilityRules {
            time_zone: TimeZone::get(&self.time_zone)
                .map_err(|_| StoreError::Corrupt(format!("unknown zone {}", self.time_zone)))?,
            offers_remote: s.offers_remote,
            offers_on_site: s.offers_on_site,
            pricing: s.pricing(),
            allowed_lengths: s.allowed_lengths.clone(),
            slot_grid_minutes: s.slot_grid_minutes,
            min_notice_minutes: s.min_notice_minutes,
            max_days_ahead: s.max_days_ahead,
            cancel_notice_minutes: s.cancel_notice_minutes,
            weekly_limit_per_resident: s.weekly_limit,
            kiosk_gap_minutes: s.kiosk_gap_minutes,
            blackouts,
        })
    }
}

fn u32_col(row: &AnyRow, col: &str) -> Result<u32, StoreError> {
    let v: i64 = row.try_get(col)?;
    u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("{col} = {v}")))
}

fn facility_from_row(row: &AnyRow) -> Result<Facility, StoreError> {
    let lengths: String = row.try_get("allowed_lengths")?;
    let ftype: String = row.try_get("facility_type")?;
    let mode: String = row.try_get("pricing_mode")?;
    Ok(Facility {
        id: FacilityId(row.try_get("id")?),
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        city: row.try_get("city")?,
        state: row.try_get("state")?,
        address: row.try_get("address")?,
        phone: row.try_get("phone")?,
        email: row.try_get("email")?,
        time_zone: row.try_get("time_zone")?,
        facility_type: FacilityType::parse(&ftype)
            .ok_or_else(|| StoreError::Corrupt(format!("facility type {ftype}")))?,
        population: u32_col(row, "population")?,
        settings: FacilitySettings {
            offers_remote: row.try_get::<i64, _>("offers_remote")? != 0,
            offers_on_site: row.try_get::<i64, _>("offers_on_site")? != 0,
            on_site_note: row.try_get("on_site_note")?,
            on_site_note_es: row.try_get("on_site_note_es")?,
            pricing_mode: PricingMode::parse(&mode)
                .ok_or_else(|| StoreError::Corrupt(format!("pricing mode {mode}")))?,
            increment_minutes: u32_col(row, "increment_minutes")?,
            fee_cents: row.try_get("fee_cents")?,
            allowed_lengths: lengths
                .split(',')
                .filter_map(|l| l.trim().parse().ok())
                .collect(),
            slot_grid_minutes: u32_col(row, "slot_grid_minutes")?,
            min_notice_minutes: u32_col(row, "min_notice_minutes")?,
            max_days_ahead: u32_col(row, "max_days_ahead")?,
            cancel_notice_minutes: u32_col(row, "cancel_notice_minutes")?,
            weekly_limit: u32_col(row, "weekly_limit")?,
            kiosk_gap_minutes: u32_col(row, "kiosk_gap_minutes")?,
            visit_rules: row.try_get("visit_rules")?,
            visit_rules_es: row.try_get("visit_rules_es")?,
        },
        recording_days: u32_col(row, "recording_days")?,
        rules_revision: row.try_get("rules_revision")?,
    })
}

fn lengths_text(lengths: &[u32]) -> String {
    let mut sorted = lengths.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    sorted
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Binds the settings columns in the order both the INSERT and the UPDATE list them.
fn bind_settings<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    s: &'q FacilitySettings,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    query
        .bind(i64::from(s.offers_remote))
        .bind(i64::from(s.offers_on_site))
        .bind(&s.on_site_note)
        .bind(s.pricing_mode.as_str())
        .bind(i64::from(s.increment_minutes))
        .bind(s.fee_cents)
        .bind(lengths_text(&s.allowed_lengths))
        .bind(i64::from(s.slot_grid_minutes))
        .bind(i64::from(s.min_notice_minutes))
        .bind(i64::from(s.max_days_ahead))
        .bind(i64::from(s.cancel_notice_minutes))
        .bind(i64::from(s.weekly_limit))
        .bind(i64::from(s.kiosk_gap_minutes))
        .bind(&s.on_site_note_es)
        .bind(&s.visit_rules)
        .bind(&s.visit_rules_es)
}

/// The operator's rate cap table (R17).
pub async fn rate_caps(conn: &mut AnyConnection) -> Result<RateCapTable, StoreError> {
    let rows = sqlx::query(
        "SELECT facility_type, min_population, max_population, cap_millicents_per_minute \
         FROM rate_caps",
    )
    .fetch_all(conn)
    .await?;
    let mut out = Vec::new();
    for row in rows {
        let ftype: String = row.try_get("facility_type")?;
        out.push(RateCap {
            facility_type: FacilityType::parse(&ftype)
                .ok_or_else(|| StoreError::Corrupt(format!("facility type {ftype}")))?,
            min_population: u32::try_from(row.try_get::<i64, _>("min_population")?)
                .unwrap_or(u32::MAX),
            max_population: u32::try_from(row.try_get::<i64, _>("max_population")?)
                .unwrap_or(u32::MAX),
            cap_millicents_per_minute: row.try_get("cap_millicents_per_minute")?,
        });
    }
    Ok(RateCapTable { rows: out })
}

/// Creates a facility after checking its zone and price.
pub async fn create_facility(db: &Db, new: &NewFacility) -> Result<FacilityId, StoreError> {
    if TimeZone::get(&new.time_zone).is_err() {
        return Err(StoreError::Invalid(
            Message::new("error-time-zone").with("zone", new.time_zone.as_str()),
        ));
    }
    let mut tx = db.begin_write().await?;
    let caps = rate_caps(&mut tx).await?;
    new.settings
        .validate(new.facility_type, new.population, &caps)?;
    let s = &new.settings;
    let query = sqlx::query(
        "INSERT INTO facilities (slug, name, city, state, address, phone, email, time_zone, \
         facility_type, population, offers_remote, offers_on_site, on_site_note, pricing_mode, \
         increment_minutes, fee_cents, allowed_lengths, slot_grid_minutes, min_notice_minutes, \
         max_days_ahead, cancel_notice_minutes, weekly_limit, kiosk_gap_minutes, on_site_note_es, \
         visit_rules, visit_rules_es) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $19, $20, $21, $22, $23, $24, $25, $26) RETURNING id",
    )
    .bind(&new.slug)
    .bind(&new.name)
    .bind(&new.city)
    .bind(&new.state)
    .bind(&new.address)
    .bind(&new.phone)
    .bind(&new.email)
    .bind(&new.time_zone)
    .bind(new.facility_type.as_str())
    .bind(i64::from(new.population));
    let row = bind_settings(query, s)
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::from)
        .map_err(|e| {
            if e.is_unique_violation() {
                StoreError::Conflict(
                    Message::new("error-facility-exists").with("name", new.slug.as_str()),
                )
            } else {
                e
            }
        })?;
    let id = FacilityId(row.try_get("id")?);
    tx.commit().await?;
    Ok(id)
}

pub async fn get_facility(
    conn: &mut AnyConnection,
    id: FacilityId,
) -> Result<Facility, StoreError> {
    let row = sqlx::query("SELECT * FROM facilities WHERE id = $1")
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound("facility"))?;
    facility_from_row(&row)
}

pub async fn facility_by_slug(
    conn: &mut AnyConnection,
    slug: &str,
) -> Result<Facility, StoreError> {
    let row = sqlx::query("SELECT * FROM facilities WHERE slug = $1")
        .bind(slug)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound("facility"))?;
    facility_from_row(&row)
}

/// The public directory (R1): every facility, or those whose name, city or state
/// contains `query` (any case).
pub async fn list_facilities(
    conn: &mut AnyConnection,
    query: Option<&str>,
) -> Result<Vec<Facility>, StoreError> {
    let rows = match query.map(str::trim).filter(|q| !q.is_empty()) {
        None => {
            sqlx::query("SELECT * FROM facilities ORDER BY name")
                .fetch_all(conn)
                .await?
        }
        Some(q) => {
            let pattern = format!("%{}%", q.to_lowercase().replace(['%', '_'], ""));
            sqlx::query(
                "SELECT * FROM facilities WHERE LOWER(name) LIKE $1 OR LOWER(city) LIKE $1 \
                 OR LOWER(state) LIKE $1 ORDER BY name",
            )
            .bind(pattern)
            .fetch_all(conn)
            .await?
        }
    };
    rows.iter().map(facility_from_row).collect()
}

/// Staff change the settings; a price above the cap is refused with the cap (R17).
pub async fn update_settings(
    db: &Db,
    id: FacilityId,
    settings: &FacilitySettings,
    actor: AccountId,
    now: Timestamp,
) -> Result<Facility, StoreError> {
    let mut tx = db.begin_write().await?;
    let current = get_facility(&mut tx, id).await?;
    let caps = rate_caps(&mut tx).await?;
    settings.validate(current.facility_type, current.population, &caps)?;
    let s = settings;
    let query = sqlx::query(
        "UPDATE facilities SET offers_remote = $1, offers_on_site = $2, on_site_note = $3, \
         pricing_mode = $4, increment_minutes = $5, fee_cents = $6, allowed_lengths = $7, \
         slot_grid_minutes = $8, min_notice_minutes = $9, max_days_ahead = $10, \
         cancel_notice_minutes = $11, weekly_limit = $12, kiosk_gap_minutes = $13, \
         on_site_note_es = $14, visit_rules = $15, visit_rules_es = $16, \
         rules_revision = CASE WHEN visit_rules = $15 AND visit_rules_es = $16 \
         THEN rules_revision ELSE rules_revision + 1 END, \
         config_revision = config_revision + 1 WHERE id = $17",
    );
    bind_settings(query, s).bind(id.0).execute(&mut *tx).await?;
    let detail = serde_json::json!({ "before": current.settings, "after": settings }).to_string();
    append_audit(
        &mut tx,
        &Audit {
            at: now,
            actor: Some(actor),
            facility: Some(id),
            action: "facility.settings",
            subject: format!("facility:{id}"),
            detail,
        },
    )
    .await?;
    let updated = get_facility(&mut tx, id).await?;
    tx.commit().await?;
    Ok(updated)
}

/// Blackouts that end after `after`.
/// Marks a change to what booking reads of a facility and keeps in memory (settings,
/// hours, kiosks, blackouts); call it in the transaction that makes the change. On
/// PostgreSQL it also takes the facility row's lock, so it waits for bookings in flight.
pub(crate) async fn config_changed(
    conn: &mut AnyConnection,
    facility: FacilityId,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE facilities SET config_revision = config_revision + 1 WHERE id = $1")
        .bind(facility.0)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn blackouts(
    conn: &mut AnyConnection,
    id: FacilityId,
    after: Timestamp,
) -> Result<Vec<Blackout>, StoreError> {
    let rows = sqlx::query(
        "SELECT start_at, end_at, reason FROM blackouts WHERE facility_id = $1 AND end_at > $2 \
         ORDER BY start_at",
    )
    .bind(id.0)
    .bind(secs(after))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Blackout {
                start: from_secs(r.try_get("start_at")?)?,
                end: from_secs(r.try_get("end_at")?)?,
                reason: r.try_get("reason")?,
            })
        })
        .collect()
}
