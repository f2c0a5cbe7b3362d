//! Double-entry ledger: every money movement is one journal entry whose postings sum to
//! zero. A visitor's balance is money the platform holds for them; it never goes below
//! zero (the store guards that under concurrency).

use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, FacilityId, VisitId};
use crate::money::Cents;

/// A ledger account. Written to storage as a stable text key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum LedgerAccount {
    /// Money a visitor has deposited and not yet spent.
    VisitorBalance(AccountId),
    /// Money received through the payment provider (the other side of deposits).
    PaymentsClearing,
    /// What a facility's remote visits earned.
    Revenue(FacilityId),
    /// Money set aside for a per-minute visit until it ends.
    Hold(VisitId),
    /// Goodwill and fault credits the platform gives.
    Credits,
}

impl LedgerAccount {
    pub fn key(&self) -> String {
        match self {
            LedgerAccount::VisitorBalance(a) => format!("visitor:{a}"),
            LedgerAccount::PaymentsClearing => "payments".to_owned(),
            LedgerAccount::Revenue(f) => format!("revenue:{f}"),
            LedgerAccount::Hold(v) => format!("hold:{v}"),
            LedgerAccount::Credits => "credits".to_owned(),
        }
    }
}

/// Why money moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Deposit,
    VisitCharge,
    VisitHold,
    HoldCapture,
    Refund,
    Credit,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Deposit => "deposit",
            EntryKind::VisitCharge => "visit_charge",
            EntryKind::VisitHold => "visit_hold",
            EntryKind::HoldCapture => "hold_capture",
            EntryKind::Refund => "refund",
            EntryKind::Credit => "credit",
        }
    }

    pub fn parse(s: &str) -> Option<EntryKind> {
        Some(match s {
            "deposit" => EntryKind::Deposit,
            "visit_charge" => EntryKind::VisitCharge,
            "visit_hold" => EntryKind::VisitHold,
            "hold_capture" => EntryKind::HoldCapture,
            "refund" => EntryKind::Refund,
            "credit" => EntryKind::Credit,
            _ => return None,
        })
    }
}

/// One line of an entry: a signed amount on one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posting {
    pub account: LedgerAccount,
    pub amount: Cents,
}

/// A balanced journal entry. Only the constructors below make one, so an unbalanced
/// entry cannot exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    kind: EntryKind,
    visit: Option<VisitId>,
    postings: Vec<Posting>,
}

/// Money that cannot be moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("an amount must be more than zero")]
    NotPositive,
    #[error("the amount is too large")]
    Overflow,
}

fn two(
    kind: EntryKind,
    visit: Option<VisitId>,
    from: LedgerAccount,
    to: LedgerAccount,
    amount: Cents,
) -> Result<JournalEntry, LedgerError> {
    if amount.0 <= 0 {
        return Err(LedgerError::NotPositive);
    }
    let neg = Cents(amount.0.checked_neg().ok_or(LedgerError::Overflow)?);
    Ok(JournalEntry {
        kind,
        visit,
        postings: vec![
            Posting {
                account: from,
                amount: neg,
            },
            Posting {
                account: to,
                amount,
            },
        ],
    })
}

impl JournalEntry {
    /// A visitor adds funds through the payment provider.
    pub fn deposit(visitor: AccountId, amount: Cents) -> Result<JournalEntry, LedgerError> {
        two(
            EntryKind::Deposit,
            None,
            LedgerAccount::PaymentsClearing,
            LedgerAccount::VisitorBalance(visitor),
            amount,
        )
    }

    /// A block-priced visit is paid in full at booking (R3).
    pub fn visit_charge(
        visitor: AccountId,
        facility: FacilityId,
        visit: VisitId,
        amount: Cents,
    ) -> Result<JournalEntry, LedgerError> {
        two(
            EntryKind::VisitCharge,
            Some(visit),
            LedgerAccount::VisitorBalance(visitor),
            LedgerAccount::Revenue(facility),
            amount,
        )
    }

    /// A per-minute visit's block is set aside at booking.
    pub fn visit_hold(
        visitor: AccountId,
        visit: VisitId,
        amount: Cents,
    ) -> Result<JournalEntry, LedgerError> {
        two(
            EntryKind::VisitHold,
            Some(visit),
            LedgerAccount::VisitorBalance(visitor),
            LedgerAccount::Hold(visit),
            amount,
        )
    }

    /// Ends a hold: `captured` goes to the facility, the rest back to the visitor.
    pub fn hold_capture(
        visitor: AccountId,
        facility: FacilityId,
        visit: VisitId,
        held: Cents,
        captured: Cents,
    ) -> Result<JournalEntry, LedgerError> {
        if held.0 <= 0 || captured.0 < 0 || captured > held {
            return Err(LedgerError::NotPositive);
        }
        let mut postings = vec![Posting {
            account: LedgerAccount::Hold(visit),
            amount: Cents(-held.0),
        }];
        if captured.0 > 0 {
            postings.push(Posting {
                account: LedgerAccount::Revenue(facility),
                amount: captured,
            });
        }
        let back = Cents(held.0 - captured.0);
        if back.0 > 0 {
            postings.push(Posting {
                account: LedgerAccount::VisitorBalance(visitor),
                amount: back,
            });
        }
        Ok(JournalEntry {
            kind: EntryKind::HoldCapture,
            visit: Some(visit),
            postings,
        })
    }

    /// Money a facility earned goes back to the visitor (a cancelled visit).
    pub fn refund(
        visitor: AccountId,
        facility: FacilityId,
        visit: VisitId,
        amount: Cents,
    ) -> Result<JournalEntry, LedgerError> {
        two(
            EntryKind::Refund,
            Some(visit),
            LedgerAccount::Revenue(facility),
            LedgerAccount::VisitorBalance(visitor),
            amount,
        )
    }

    /// A held amount goes back whole (a cancelled per-minute visit).
    pub fn release_hold(
        visitor: AccountId,
        visit: VisitId,
        amount: Cents,
    ) -> Result<JournalEntry, LedgerError> {
        two(
            EntryKind::Refund,
            Some(visit),
            LedgerAccount::Hold(visit),
            LedgerAccount::VisitorBalance(visitor),
            amount,
        )
    }

    /// The platform credits a visitor (goodwill, or minutes lost to a fault).
    pub fn credit(
        visitor: AccountId,
        visit: Option<VisitId>,
        amount: Cents,
    ) -> Result<JournalEntry, LedgerError> {
        two(
            EntryKind::Credit,
            visit,
            LedgerAccount::Credits,
            LedgerAccount::VisitorBalance(visitor),
            amount,
        )
    }

    pub fn kind(&self) -> EntryKind {
        self.kind
    }

    pub fn visit(&self) -> Option<VisitId> {
        self.visit
    }

    pub fn postings(&self) -> &[Posting] {
        &self.postings
    }

    /// What this entry does to one account's balance.
    pub fn effect_on(&self, account: LedgerAccount) -> Cents {
        Cents(
            self.postings
                .iter()
                .filter(|p| p.account == account)
                .map(|p| p.amount.0)
                .sum(),
        )
    }

    /// Always zero; kept as a check for tests and the store.
    pub fn sum(&self) -> i64 {
        self.postings.iter().map(|p| p.amount.0).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Deposit(i64),
        Charge(i64),
        Hold(i64, i64),
        Refund(i64),
        Credit(i64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (1i64..100_000).prop_map(Op::Deposit),
            (1i64..5_000).prop_map(Op::Charge),
            (1i64..5_000, 0i64..=100).prop_map(|(h, pct)| Op::Hold(h, pct)),
            (1i64..5_000).prop_map(Op::Refund),
            (1i64..5_000).prop_map(Op::Credit),
        ]
    }

    proptest! {
        /// Every entry balances, and the books as a whole sum to zero, whatever happens.
        #[test]
        fn every_entry_and_the_whole_ledger_balance(ops in prop::collection::vec(op(), 1..80)) {
            let (v, f) = (AccountId(1), FacilityId(1));
            let mut totals: std::collections::HashMap<LedgerAccount, i64> = Default::default();
            for (i, op) in ops.into_iter().enumerate() {
                let visit = VisitId(i as i64);
                let entries = match op {
                    Op::Deposit(a) => vec![JournalEntry::deposit(v, Cents(a))],
                    Op::Charge(a) => vec![JournalEntry::visit_charge(v, f, visit, Cents(a))],
                    Op::Hold(a, pct) => vec![
                        JournalEntry::visit_hold(v, visit, Cents(a)),
                        JournalEntry::hold_capture(v, f, visit, Cents(a), Cents(a * pct / 100)),
                    ],
                    Op::Refund(a) => vec![JournalEntry::refund(v, f, visit, Cents(a))],
                    Op::Credit(a) => vec![JournalEntry::credit(v, Some(visit), Cents(a))],
                };
                for e in entries {
                    let e = e.expect("valid amounts make valid entries");
                    prop_assert_eq!(e.sum(), 0);
                    for p in e.postings() {
                        *totals.entry(p.account).or_default() += p.amount.0;
                    }
                }
                // A hold is always captured or released in full.
                prop_assert_eq!(totals.get(&LedgerAccount::Hold(visit)).copied().unwrap_or(0), 0);
            }
            prop_assert_eq!(totals.values().sum::<i64>(), 0);
        }

        #[test]
        fn amounts_that_are_not_positive_make_no_entry(a in -1000i64..=0) {
            prop_assert!(JournalEntry::deposit(AccountId(1), Cents(a)).is_err());
            prop_assert!(JournalEntry::refund(AccountId(1), FacilityId(1), VisitId(1), Cents(a)).is_err());
            prop_assert!(JournalEntry::hold_capture(AccountId(1), FacilityId(1), VisitId(1), Cents(100), Cents(101)).is_err());
        }
    }
}
