//! Typed identifiers, so a resident's id can never be passed where a kiosk's is expected.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    /// A jail or prison using OpenVisit.
    FacilityId,
    /// A housing unit inside a facility.
    HousingUnitId,
    /// A kiosk: in a housing unit (used by residents) or in the lobby (on-site visitors).
    KioskId,
    /// A person in custody.
    ResidentId,
    /// Any sign-in account: a visitor or a staff member.
    AccountId,
    /// A booked visit.
    VisitId,
    /// A request by a visitor to be approved for a resident.
    ApprovalId,
);
