//! The names of what a visit claims in the `claims` table (5-minute granules of a kiosk,
//! the resident and the visitor): built in one place, so every write and read agrees.

use openvisit_core::{AccountId, KioskId, ResidentId};

/// A kiosk's claims (housing or lobby).
pub(crate) fn kiosk(k: KioskId) -> String {
    format!("kiosk:{k}")
}

/// The resident's claims: one visit at a time.
pub(crate) fn resident(r: ResidentId) -> String {
    format!("{RESIDENT}{r}")
}

/// The visitor's claims: one visit at a time.
pub(crate) fn visitor(v: AccountId) -> String {
    format!("{VISITOR}{v}")
}

/// How a resident's and a visitor's claim names begin.
pub(crate) const RESIDENT: &str = "resident:";
pub(crate) const VISITOR: &str = "visitor:";

#[cfg(test)]
mod tests {
    use super::*;

    /// The names are stored: changing them would orphan every claim already taken.
    #[test]
    fn the_names_stay_as_stored() {
        assert_eq!(kiosk(KioskId(3)), "kiosk:3");
        assert_eq!(resident(ResidentId(4)), "resident:4");
        assert_eq!(visitor(AccountId(5)), "visitor:5");
    }
}
