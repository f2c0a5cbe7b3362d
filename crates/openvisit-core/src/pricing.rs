//! What a visit costs (R2, R3) and whether a price is allowed (R17). One pure function
//! decides the price; the ledger only moves what it says.

use serde::{Deserialize, Serialize};

use crate::facility::{FacilityType, Pricing, PricingMode, VisitKind};
use crate::money::Cents;
use crate::rate_caps::{RateCapTable, format_cap};

/// How the money for a visit is taken at booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChargeKind {
    /// Nothing to pay (on-site, or a free facility).
    Free,
    /// The whole block is charged now (R3).
    Block,
    /// The block is held now; connected minutes are captured when the visit ends.
    Hold,
}

impl ChargeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChargeKind::Free => "free",
            ChargeKind::Block => "block",
            ChargeKind::Hold => "hold",
        }
    }

    pub fn parse(s: &str) -> Option<ChargeKind> {
        match s {
            "free" => Some(ChargeKind::Free),
            "block" => Some(ChargeKind::Block),
            "hold" => Some(ChargeKind::Hold),
            _ => None,
        }
    }
}

/// The price of one visit, as shown before booking and stored with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub kind: ChargeKind,
    /// What leaves the visitor's balance at booking.
    pub amount: Cents,
}

/// The price of a visit of `length_minutes`: on-site is free; remote is
/// ceil(length / increment) × fee per increment, charged or held (R2, R3).
pub fn quote(pricing: &Pricing, kind: VisitKind, length_minutes: u32) -> Quote {
    if kind == VisitKind::OnSite || pricing.mode == PricingMode::Free {
        return Quote {
            kind: ChargeKind::Free,
            amount: Cents::ZERO,
        };
    }
    let increment = pricing.increment_minutes.max(1);
    let increments = length_minutes.div_ceil(increment);
    let amount = pricing
        .fee_per_increment
        .checked_mul(i64::from(increments))
        .unwrap_or(Cents(i64::MAX));
    let kind = match pricing.mode {
        PricingMode::PerMinute => ChargeKind::Hold,
        _ => ChargeKind::Block,
    };
    Quote { kind, amount }
}

/// For a per-minute visit: what is captured from the hold once the visit is over.
/// Started minutes count; the per-minute rate is fee ÷ increment, rounded down in the
/// visitor's favour, and never more than was held.
pub fn capture_connected(pricing: &Pricing, held: Cents, connected_seconds: u32) -> Cents {
    let minutes = i64::from(connected_seconds.div_ceil(60));
    let increment = i64::from(pricing.increment_minutes.max(1));
    let owed = pricing.fee_per_increment.0.saturating_mul(minutes) / increment;
    Cents(owed.min(held.0).max(0))
}

/// For a visit partly lost to a platform fault (R13): what goes back to the family.
/// A block visit is credited in proportion to the lost minutes, rounded up in the
/// family's favour and never more than was paid. A per-minute visit needs no credit:
/// lost minutes are not connected minutes, so they are simply not captured.
pub fn fault_credit(
    kind: ChargeKind,
    price: Cents,
    scheduled_minutes: u32,
    lost_minutes: u32,
) -> Cents {
    match kind {
        ChargeKind::Free | ChargeKind::Hold => Cents::ZERO,
        ChargeKind::Block => {
            if scheduled_minutes == 0 || price.0 <= 0 {
                return Cents::ZERO;
            }
            let lost = u64::from(lost_minutes.min(scheduled_minutes));
            let scheduled = u64::from(scheduled_minutes);
            // price < 2^63 and lost < 2^32, so the product fits in a u128.
            let credit = (u128::from(price.0.unsigned_abs()) * u128::from(lost))
                .div_ceil(u128::from(scheduled));
            Cents(i64::try_from(credit).map_or(price.0, |c| c.min(price.0)))
        }
    }
}

/// Why a price setting is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    #[error("the billing increment must be 15 or 30 minutes, not {0}")]
    BadIncrement(u32),
    #[error("the fee cannot be negative")]
    NegativeFee,
    #[error(
        "{fee} per {increment} minutes is {per_minute}, above the cap of {cap} for this facility"
    )]
    AboveCap {
        fee: Cents,
        increment: u32,
        per_minute: String,
        cap: String,
    },
    #[error("no rate cap applies to this facility; set it free of charge or ask the operator")]
    NoCap,
}

/// Checks a price against the increment rule and the applicable rate cap (R17).
pub fn validate_pricing(
    pricing: &Pricing,
    facility_type: FacilityType,
    population: u32,
    caps: &RateCapTable,
) -> Result<(), PricingError> {
    if pricing.increment_minutes != 15 && pricing.increment_minutes != 30 {
        return Err(PricingError::BadIncrement(pricing.increment_minutes));
    }
    if pricing.fee_per_increment.is_negative() {
        return Err(PricingError::NegativeFee);
    }
    if pricing.mode == PricingMode::Free || pricing.fee_per_increment == Cents::ZERO {
        return Ok(());
    }
    let cap = caps
        .cap_for(facility_type, population)
        .ok_or(PricingError::NoCap)?;
    let increment = i64::from(pricing.increment_minutes);
    // fee/increment > cap/1000  <=>  fee*1000 > cap*increment (exact, no division).
    if pricing.fee_per_increment.0.saturating_mul(1000) > cap.saturating_mul(increment) {
        let per_minute = pricing.fee_per_increment.0.saturating_mul(1000) / increment;
        return Err(PricingError::AboveCap {
            fee: pricing.fee_per_increment,
            increment: pricing.increment_minutes,
            per_minute: format_cap(per_minute),
            cap: format_cap(cap),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pricing(mode: PricingMode, increment_minutes: u32, fee: i64) -> Pricing {
        Pricing {
            mode,
            increment_minutes,
            fee_per_increment: Cents(fee),
        }
    }

    #[test]
    fn table_of_prices() {
        use ChargeKind::*;
        use PricingMode as M;
        use VisitKind::*;
        // (mode, increment, fee, kind, length) -> (charge kind, cents)
        let table = [
            (M::Block, 15, 300, OnSite, 30, Free, 0),
            (M::Block, 15, 300, Remote, 15, Block, 300),
            (M::Block, 15, 300, Remote, 20, Block, 600),
            (M::Block, 15, 300, Remote, 30, Block, 600),
            (M::Block, 15, 300, Remote, 45, Block, 900),
            (M::Block, 30, 550, Remote, 15, Block, 550),
            (M::Block, 30, 550, Remote, 30, Block, 550),
            (M::Block, 30, 550, Remote, 60, Block, 1100),
            (M::PerMinute, 15, 285, Remote, 30, Hold, 570),
            (M::Free, 15, 300, Remote, 30, Free, 0),
        ];
        for (mode, inc, fee, kind, len, want_kind, want) in table {
            let q = quote(&pricing(mode, inc, fee), kind, len);
            assert_eq!(
                (q.kind, q.amount),
                (want_kind, Cents(want)),
                "{mode:?} {inc} {fee} {kind:?} {len}"
            );
        }
    }

    #[test]
    fn per_minute_captures_started_minutes_rounded_down_and_never_above_the_hold() {
        let p = pricing(PricingMode::PerMinute, 15, 300); // 20 cents a minute
        assert_eq!(capture_connected(&p, Cents(600), 0), Cents(0));
        assert_eq!(capture_connected(&p, Cents(600), 1), Cents(20));
        assert_eq!(capture_connected(&p, Cents(600), 600), Cents(200));
        assert_eq!(capture_connected(&p, Cents(600), 601), Cents(220));
        assert_eq!(capture_connected(&p, Cents(600), 3600), Cents(600));
        let odd = pricing(PricingMode::PerMinute, 15, 285); // 19 cents a minute
        assert_eq!(capture_connected(&odd, Cents(570), 7 * 60), Cents(133));
    }

    #[test]
    fn fault_credits_are_proportional_rounded_up_and_capped() {
        use ChargeKind::*;
        // (kind, price, scheduled minutes, lost minutes) -> credit cents
        let table = [
            (Free, 0, 30, 30, 0),
            (Free, 600, 30, 10, 0),
            (Hold, 600, 30, 10, 0),
            (Hold, 600, 30, 30, 0),
            (Block, 600, 30, 0, 0),
            (Block, 600, 30, 10, 200),
            (Block, 600, 30, 30, 600),
            (Block, 600, 30, 31, 600), // more lost than scheduled: capped
            (Block, 600, 30, u32::MAX, 600), // absurd input: still capped
            (Block, 300, 15, 1, 20),
            (Block, 285, 15, 1, 19),
            (Block, 100, 15, 1, 7),  // 6.67 rounds up
            (Block, 100, 30, 7, 24), // 23.33 rounds up
            (Block, 1, 45, 1, 1),    // any loss of a paid visit credits at least a cent
            (Block, 600, 0, 5, 0),   // no scheduled minutes: nothing to divide
            (Block, 0, 30, 10, 0),
            (Block, i64::MAX, 60, 30, i64::MAX / 2 + 1),
            (Block, i64::MAX, 60, 60, i64::MAX),
        ];
        for (kind, price, scheduled, lost, want) in table {
            assert_eq!(
                fault_credit(kind, Cents(price), scheduled, lost),
                Cents(want),
                "{kind:?} {price} {scheduled} {lost}"
            );
        }
    }

    #[test]
    fn caps_table_refuses_prices_above_the_cap_and_names_it() {
        let caps = RateCapTable::us_federal_2026();
        let jail = FacilityType::Jail;
        // (type, population, increment, fee, ok)
        let table = [
            (FacilityType::Prison, 5000, 15, 375, true), // exactly $0.25/min
            (FacilityType::Prison, 5000, 15, 376, false), // just above
            (jail, 1200, 15, 285, true),                 // $0.19/min
            (jail, 1200, 30, 571, false),
            (jail, 500, 30, 570, true),
            (jail, 200, 15, 315, true), // $0.21
            (jail, 200, 15, 316, false),
            (jail, 75, 15, 375, true),  // $0.25
            (jail, 40, 30, 1320, true), // $0.44
            (jail, 40, 30, 1321, false),
            (jail, 40, 30, 0, true),
        ];
        for (ty, pop, inc, fee, ok) in table {
            let got = validate_pricing(&pricing(PricingMode::Block, inc, fee), ty, pop, &caps);
            assert_eq!(got.is_ok(), ok, "{ty:?} {pop} {inc} {fee}: {got:?}");
        }
        let err = validate_pricing(&pricing(PricingMode::Block, 15, 400), jail, 1200, &caps)
            .expect_err("above the cap");
        assert!(err.to_string().contains("$0.19/min"), "{err}");
    }

    #[test]
    fn increments_other_than_15_or_30_are_refused() {
        let caps = RateCapTable::us_federal_2026();
        let err = validate_pricing(
            &pricing(PricingMode::Block, 20, 100),
            FacilityType::Prison,
            10,
            &caps,
        );
        assert_eq!(err, Err(PricingError::BadIncrement(20)));
    }

    #[test]
    fn a_free_facility_is_always_allowed() {
        let caps = RateCapTable { rows: vec![] };
        assert!(
            validate_pricing(
                &pricing(PricingMode::Free, 15, 0),
                FacilityType::Jail,
                10,
                &caps
            )
            .is_ok()
        );
    }
}
