//! Per-minute price caps (R17). The default table is the US federal video cap in force
//! since 2026-04-06 (FCC 25-75); operators can replace it.

use serde::{Deserialize, Serialize};

use crate::facility::FacilityType;

/// One row: facilities of this type with an average daily population in
/// `min_population..=max_population` may charge at most `cap_millicents_per_minute`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateCap {
    pub facility_type: FacilityType,
    pub min_population: u32,
    pub max_population: u32,
    /// Thousandths of a cent per minute, so caps like $0.19/min stay exact.
    pub cap_millicents_per_minute: i64,
}

/// The caps an operator has configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateCapTable {
    pub rows: Vec<RateCap>,
}

impl RateCapTable {
    /// US federal video caps by facility type and average daily population.
    pub fn us_federal_2026() -> RateCapTable {
        let row = |facility_type, min_population, max_population, cents: i64| RateCap {
            facility_type,
            min_population,
            max_population,
            cap_millicents_per_minute: cents * 1000,
        };
        RateCapTable {
            rows: vec![
                row(FacilityType::Prison, 0, u32::MAX, 25),
                row(FacilityType::Jail, 1000, u32::MAX, 19),
                row(FacilityType::Jail, 350, 999, 19),
                row(FacilityType::Jail, 100, 349, 21),
                row(FacilityType::Jail, 50, 99, 25),
                row(FacilityType::Jail, 0, 49, 44),
            ],
        }
    }

    /// The cap for a facility, if any row applies.
    pub fn cap_for(&self, facility_type: FacilityType, population: u32) -> Option<i64> {
        self.rows
            .iter()
            .find(|r| {
                r.facility_type == facility_type
                    && r.min_population <= population
                    && population <= r.max_population
            })
            .map(|r| r.cap_millicents_per_minute)
    }
}

/// Formats thousandths of a cent per minute as dollars, e.g. `$0.19/min`.
pub fn format_cap(millicents_per_minute: i64) -> String {
    let cents_times_1000 = millicents_per_minute;
    let dollars = cents_times_1000 / 100_000;
    let rest = cents_times_1000 % 100_000;
    if rest % 1000 == 0 {
        format!("${dollars}.{:02}/min", rest / 1000)
    } else {
        format!("${dollars}.{:05}/min", rest)
    }
}
