//! Checking a sign-in: password, staff authenticator code, and the lockout.
//!
//! The lockout counts attempts per address in `sign_in_attempts`, whether or not an
//! account has that address, so a known and an unknown address answer alike (locked
//! after the fifth wrong password either way). The attempt is counted *before* its
//! password is checked, in one upsert that returns the new count, so however many
//! attempts race, at most `MAX_FAILED_SIGN_INS` passwords are checked per lockout period.

use jiff::Timestamp;
use sqlx::Row;

use crate::accounts::{Account, Role, SignIn};
use crate::db::Db;
use crate::error::StoreError;
use crate::passwords::{hash_password, verify_password_off_thread};
use crate::time::{from_secs, secs};

/// Wrong passwords in a row before an address is locked, and for how long.
pub const MAX_FAILED_SIGN_INS: i64 = 5;
pub const LOCKOUT_MINUTES: i64 = 15;

/// A hash checked when the email is unknown, so both answers cost the same.
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Checks an email and password. Takes the same effort and gives the same answers
/// whether or not the email exists; five wrong passwords in a row lock the address for
/// fifteen minutes.
pub async fn check_password(
    db: &Db,
    email: &str,
    password: &str,
    now: Timestamp,
) -> Result<SignIn, StoreError> {
    check_sign_in(db, email, password, None, now).await
}

/// Counts one attempt for `email` and answers the count, or the end of a lockout in
/// force (a lockout that has run out starts the count again).
async fn count_attempt(db: &Db, email: &str, now: Timestamp) -> Result<Attempt, StoreError> {
    let row = sqlx::query(
        "INSERT INTO sign_in_attempts (email, failures, locked_until) VALUES ($1, 1, NULL) \
         ON CONFLICT (email) DO UPDATE SET \
           failures = CASE WHEN sign_in_attempts.locked_until <= $2 THEN 1 \
                      ELSE sign_in_attempts.failures + 1 END, \
           locked_until = CASE WHEN sign_in_attempts.locked_until <= $2 THEN NULL \
                          ELSE sign_in_attempts.locked_until END \
         RETURNING failures, locked_until",
    )
    .bind(email)
    .bind(secs(now))
    .fetch_one(&db.pool)
    .await?;
    let failures: i64 = row.try_get("failures")?;
    let locked_until: Option<i64> = row.try_get("locked_until")?;
    Ok(match locked_until {
        Some(until) => Attempt::Locked(until),
        None if failures > MAX_FAILED_SIGN_INS => Attempt::OverLimit,
        None => Attempt::Counted(failures),
    })
}

enum Attempt {
    /// The n-th attempt in a row, within the limit: check it.
    Counted(i64),
    /// Locked until these Unix seconds.
    Locked(i64),
    /// More attempts than the limit raced in before the lock was written.
    OverLimit,
}

/// Locks `email` from now (unless a lock is already written) and answers its end.
async fn lock(db: &Db, email: &str, now: Timestamp) -> Result<SignIn, StoreError> {
    let until = secs(openvisit_core::interval::add_minutes(now, LOCKOUT_MINUTES));
    sqlx::query(
        "UPDATE sign_in_attempts SET locked_until = $2 WHERE email = $1 AND locked_until IS NULL",
    )
    .bind(email)
    .bind(until)
    .execute(&db.pool)
    .await?;
    let row = sqlx::query("SELECT locked_until FROM sign_in_attempts WHERE email = $1")
        .bind(email)
        .fetch_one(&db.pool)
        .await?;
    let until = row
        .try_get::<Option<i64>, _>("locked_until")?
        .unwrap_or(until);
    Ok(SignIn::Locked {
        until: from_secs(until)?,
    })
}

/// Like [`check_password`], with the authenticator code staff need (R16: staff accounts
/// have a second factor). A wrong code counts like a wrong password; a code works once.
pub async fn check_sign_in(
    db: &Db,
    email: &str,
    password: &str,
    code: Option<&str>,
    now: Timestamp,
) -> Result<SignIn, StoreError> {
    let email = email.trim().to_lowercase();
    let attempt = match count_attempt(db, &email, now).await? {
        Attempt::Locked(until) => {
            return Ok(SignIn::Locked {
                until: from_secs(until)?,
            });
        }
        Attempt::OverLimit => return lock(db, &email, now).await,
        Attempt::Counted(n) => n,
    };
    let row = sqlx::query("SELECT * FROM accounts WHERE email = $1")
        .bind(&email)
        .fetch_optional(&db.pool)
        .await?;
    let ok = match &row {
        None => {
            // Spend the same effort as a real check.
            let dummy =
                DUMMY_HASH.get_or_init(|| hash_password("not a password").unwrap_or_default());
            let _ = verify_password_off_thread(password, dummy).await?;
            None
        }
        Some(row) => check_account(db, row, password, code, now).await?,
    };
    match ok {
        Some(Ok(account)) => {
            sqlx::query("DELETE FROM sign_in_attempts WHERE email = $1")
                .bind(&email)
                .execute(&db.pool)
                .await?;
            Ok(SignIn::Ok(account))
        }
        Some(Err(answer)) => Ok(answer),
        // The attempt that reaches the limit locks; those before it are refused.
        None if attempt >= MAX_FAILED_SIGN_INS => lock(db, &email, now).await,
        None => Ok(SignIn::Refused),
    }
}

/// The account's own check: `None` for a wrong password or code; `Some(Err(answer))`
/// for an answer other than success that is not a failure (a code is needed, or the
/// operator locked the account); `Some(Ok(account))` when it may sign in.
async fn check_account(
    db: &Db,
    row: &sqlx::any::AnyRow,
    password: &str,
    code: Option<&str>,
    now: Timestamp,
) -> Result<Option<Result<Account, SignIn>>, StoreError> {
    let id: i64 = row.try_get("id")?;
    let hash: String = row.try_get("password_hash")?;
    let password_ok = verify_password_off_thread(password, &hash).await?;
    if !password_ok {
        return Ok(None);
    }
    // A lock the operator set on the account itself (the demo's, under --no-demo).
    if let Some(until) = row.try_get::<Option<i64>, _>("locked_until")?
        && until > secs(now)
    {
        return Ok(Some(Err(SignIn::Locked {
            until: from_secs(until)?,
        })));
    }
    let staff = Role::parse(&row.try_get::<String, _>("role")?).is_some_and(Role::is_staff);
    if staff {
        let secret = row
            .try_get::<Option<String>, _>("totp_secret")?
            .map(|s| db.keyring()?.open(crate::secrets::TOTP, &s))
            .transpose()?;
        let (Some(secret), Some(code)) = (secret, code.filter(|c| !c.trim().is_empty())) else {
            return Ok(Some(Err(SignIn::CodeRequired)));
        };
        let accepted = match openvisit_core::credentials::totp::check(&secret, code, now) {
            // Accept each time step once, even when two sign-ins race with one code.
            Some(step) => {
                let step = i64::try_from(step).unwrap_or(i64::MAX);
                sqlx::query(
                    "UPDATE accounts SET totp_last_step = $1 WHERE id = $2 \
                     AND (totp_last_step IS NULL OR totp_last_step < $1)",
                )
                .bind(step)
                .bind(id)
                .execute(&db.pool)
                .await?
                .rows_affected()
                    == 1
            }
            None => false,
        };
        if !accepted {
            return Ok(None);
        }
    }
    Ok(Some(Ok(crate::accounts::account_from_row(row)?)))
}
