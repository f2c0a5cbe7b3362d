//! A facility's settings: what it offers, what it charges and the limits on booking.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::money::Cents;

/// Where the visitor sits. The resident is always at a housing-unit kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VisitKind {
    /// From the visitor's own device, anywhere; paid (R2).
    Remote,
    /// At a lobby kiosk in the facility; free (R2).
    OnSite,
}

impl VisitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            VisitKind::Remote => "remote",
            VisitKind::OnSite => "on_site",
        }
    }

    pub fn parse(s: &str) -> Option<VisitKind> {
        match s {
            "remote" => Some(VisitKind::Remote),
            "on_site" => Some(VisitKind::OnSite),
            _ => None,
        }
    }
}

/// Prison or jail: the rate cap depends on it (R17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FacilityType {
    Prison,
    Jail,
}

impl FacilityType {
    pub fn as_str(self) -> &'static str {
        match self {
            FacilityType::Prison => "prison",
            FacilityType::Jail => "jail",
        }
    }

    pub fn parse(s: &str) -> Option<FacilityType> {
        match s {
            "prison" => Some(FacilityType::Prison),
            "jail" => Some(FacilityType::Jail),
            _ => None,
        }
    }
}

/// How remote visits are charged (R2, R3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PricingMode {
    /// The facility charges nothing for remote visits.
    Free,
    /// The whole scheduled block is charged at booking.
    Block,
    /// The block is held at booking; only connected minutes are captured at the end.
    PerMinute,
}

impl PricingMode {
    pub fn as_str(self) -> &'static str {
        match self {
            PricingMode::Free => "free",
            PricingMode::Block => "block",
            PricingMode::PerMinute => "per_minute",
        }
    }

    pub fn parse(s: &str) -> Option<PricingMode> {
        match s {
            "free" => Some(PricingMode::Free),
            "block" => Some(PricingMode::Block),
            "per_minute" => Some(PricingMode::PerMinute),
            _ => None,
        }
    }
}

/// A remote-visit price: a fee for every started billing increment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pricing {
    pub mode: PricingMode,
    /// 15 or 30 minutes.
    pub increment_minutes: u32,
    pub fee_per_increment: Cents,
}

/// A period in which no visits happen (lockdown, holiday).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blackout {
    pub start: Timestamp,
    pub end: Timestamp,
    pub reason: String,
}

/// Everything about a facility that the booking rules read.
#[derive(Debug, Clone, PartialEq)]
pub struct FacilityRules {
    pub time_zone: jiff::tz::TimeZone,
    pub offers_remote: bool,
    pub offers_on_site: bool,
    pub pricing: Pricing,
    /// Visit lengths a visitor may choose, in minutes, each a multiple of 5.
    pub allowed_lengths: Vec<u32>,
    /// Slots start every this many minutes from the opening time.
    pub slot_grid_minutes: u32,
    /// A visit must be booked at least this long before it starts.
    pub min_notice_minutes: u32,
    /// A visit may start at most this many days from now.
    pub max_days_ahead: u32,
    /// A visitor who cancels at least this long before the start gets a full refund.
    pub cancel_notice_minutes: u32,
    /// Visits a resident may have per week (Monday to Sunday, facility time); 0 means no limit.
    pub weekly_limit_per_resident: u32,
    /// Minutes a kiosk stays free after each visit.
    pub kiosk_gap_minutes: u32,
    pub blackouts: Vec<Blackout>,
}

impl FacilityRules {
    pub fn offers(&self, kind: VisitKind) -> bool {
        match kind {
            VisitKind::Remote => self.offers_remote,
            VisitKind::OnSite => self.offers_on_site,
        }
    }
}
