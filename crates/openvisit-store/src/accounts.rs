//! Sign-in accounts (visitors and staff), passwords and sessions.

use jiff::Timestamp;
use openvisit_core::ledger::LedgerAccount;
use openvisit_core::{AccountId, FacilityId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::error::StoreError;
use crate::time::secs;

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Visitor,
    FacilityAdmin,
    Officer,
    Support,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Visitor => "visitor",
            Role::FacilityAdmin => "facility_admin",
            Role::Officer => "officer",
            Role::Support => "support",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "visitor" => Role::Visitor,
            "facility_admin" => Role::FacilityAdmin,
            "officer" => Role::Officer,
            "support" => Role::Support,
            _ => return None,
        })
    }

    pub fn is_staff(self) -> bool {
        self != Role::Visitor
    }
}

/// An account as the rest of the system sees it (never the password hash).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Account {
    pub id: AccountId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// For staff: the one facility they work for.
    pub facility: Option<FacilityId>,
    pub language: String,
    pub time_zone: String,
    /// Whether the owner proved the email address is theirs (by the emailed link).
    pub email_verified: bool,
}

/// A new account's details, already checked by the caller.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Staff and operator-made accounts are verified; self-registered ones are not.
    pub email_verified: bool,
    pub email: String,
    pub password: secrecy::SecretString,
    pub display_name: String,
    pub role: Role,
    pub facility: Option<FacilityId>,
    pub language: String,
    pub time_zone: String,
}

pub use crate::passwords::{hash_password, hash_password_off_thread, verify_password};
pub use crate::sign_in::{LOCKOUT_MINUTES, MAX_FAILED_SIGN_INS, check_password, check_sign_in};

pub(crate) fn account_from_row(r: &AnyRow) -> Result<Account, StoreError> {
    let role: String = r.try_get("role")?;
    Ok(Account {
        id: AccountId(r.try_get("id")?),
        email: r.try_get("email")?,
        display_name: r.try_get("display_name")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role}")))?,
        facility: r.try_get::<Option<i64>, _>("facility_id")?.map(FacilityId),
        language: r.try_get("language")?,
        time_zone: r.try_get("time_zone")?,
        email_verified: r.try_get::<Option<i64>, _>("email_verified_at")?.is_some(),
    })
}

/// Creates an account; a visitor also gets an empty balance.
pub async fn create_account(
    db: &Db,
    new: &NewAccount,
    now: Timestamp,
) -> Result<AccountId, StoreError> {
    let hash =
        hash_password_off_thread(secrecy::ExposeSecret::expose_secret(&new.password)).await?;
    // Staff sign in with a second factor from the start.
    let totp_secret = if new.role.is_staff() {
        Some(db.keyring()?.seal(
            crate::secrets::TOTP,
            &openvisit_core::credentials::totp::new_secret()?,
        )?)
    } else {
        None
    };
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(
        "INSERT INTO accounts (email, password_hash, display_name, role, facility_id, language, \
         time_zone, created_at, email_verified_at, totp_secret) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(new.email.to_lowercase())
    .bind(hash)
    .bind(&new.display_name)
    .bind(new.role.as_str())
    .bind(new.facility.map(|f| f.0))
    .bind(&new.language)
    .bind(&new.time_zone)
    .bind(secs(now))
    .bind(new.email_verified.then_some(secs(now)))
    .bind(totp_secret)
    .fetch_one(&mut *tx)
    .await
    .map_err(StoreError::from)
    .map_err(|e| {
        if e.is_unique_violation() {
            StoreError::conflict("error-account-exists")
        } else {
            e
        }
    })?;
    let id = AccountId(row.try_get("id")?);
    if new.role == Role::Visitor {
        sqlx::query("INSERT INTO balances (account, cents) VALUES ($1, 0)")
            .bind(LedgerAccount::VisitorBalance(id).key())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(id)
}

pub async fn get_account(conn: &mut AnyConnection, id: AccountId) -> Result<Account, StoreError> {
    let row = sqlx::query("SELECT * FROM accounts WHERE id = $1")
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound("account"))?;
    account_from_row(&row)
}

/// What a sign-in attempt gets.
#[derive(Debug, Clone)]
pub enum SignIn {
    Ok(Account),
    /// Wrong email or password (the answer never says which).
    Refused,
    /// Too many wrong passwords: no sign-in until this instant, even with the right one.
    Locked {
        until: Timestamp,
    },
    /// The password is right, and this staff account needs its authenticator code too.
    CodeRequired,
}

/// What an emailed link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    VerifyEmail,
    ResetPassword,
}

impl TokenPurpose {
    fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::VerifyEmail => "verify_email",
            TokenPurpose::ResetPassword => "reset_password",
        }
    }
}

fn random_token() -> Result<String, StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Operator(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

/// A single-use secret for an emailed link, valid for `minutes`.
pub async fn create_token(
    db: &Db,
    account: AccountId,
    purpose: TokenPurpose,
    minutes: i64,
    now: Timestamp,
) -> Result<String, StoreError> {
    let token = random_token()?;
    sqlx::query(
        "INSERT INTO account_tokens (token_hash, account_id, purpose, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash(&token))
    .bind(account.0)
    .bind(purpose.as_str())
    .bind(secs(openvisit_core::interval::add_minutes(now, minutes)))
    .execute(&db.pool)
    .await?;
    Ok(token)
}

/// Uses a link's token once: the account it belongs to, or `None` if it is unknown,
/// used or expired.
async fn use_token(
    conn: &mut AnyConnection,
    token: &str,
    purpose: TokenPurpose,
    now: Timestamp,
) -> Result<Option<AccountId>, StoreError> {
    let row = sqlx::query(
        "UPDATE account_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 \
         AND used_at IS NULL AND expires_at > $1 RETURNING account_id",
    )
    .bind(secs(now))
    .bind(token_hash(token))
    .bind(purpose.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(match row {
        Some(r) => Some(AccountId(r.try_get("account_id")?)),
        None => None,
    })
}

/// Marks the email verified if the link is valid; the account, or `None`.
pub async fn verify_email(
    db: &Db,
    token: &str,
    now: Timestamp,
) -> Result<Option<Account>, StoreError> {
    let mut tx = db.begin_write().await?;
    let Some(id) = use_token(&mut tx, token, TokenPurpose::VerifyEmail, now).await? else {
        return Ok(None);
    };
    sqlx::query(
        "UPDATE accounts SET email_verified_at = $1 WHERE id = $2 AND email_verified_at IS NULL",
    )
    .bind(secs(now))
    .bind(id.0)
    .execute(&mut *tx)
    .await?;
    let account = get_account(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Some(account))
}

/// Sets a new password if the reset link is valid; ends the account's sessions and
/// lifts a lockout. The account, or `None`.
pub async fn reset_password(
    db: &Db,
    token: &str,
    new_password: &str,
    now: Timestamp,
) -> Result<Option<Account>, StoreError> {
    let hash = hash_password_off_thread(new_password).await?;
    let mut tx = db.begin_write().await?;
    let Some(id) = use_token(&mut tx, token, TokenPurpose::ResetPassword, now).await? else {
        return Ok(None);
    };
    // Following the link proves the address too.
    sqlx::query(
        "UPDATE accounts SET password_hash = $1, failed_logins = 0, locked_until = NULL, \
         email_verified_at = COALESCE(email_verified_at, $2) WHERE id = $3",
    )
    .bind(hash)
    .bind(secs(now))
    .bind(id.0)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM sessions WHERE account_id = $1")
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
    let account = get_account(&mut tx, id).await?;
    // The lockout is counted per address (`sign_in`): the reset the 423 points to lifts it.
    sqlx::query("DELETE FROM sign_in_attempts WHERE email = $1")
        .bind(&account.email)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(account))
}

/// The account with this email, if any (for sending a reset link).
pub async fn account_by_email(db: &Db, email: &str) -> Result<Option<Account>, StoreError> {
    let row = sqlx::query("SELECT * FROM accounts WHERE email = $1")
        .bind(email.trim().to_lowercase())
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(account_from_row).transpose()
}

/// Changes the language and time zone a visitor sees.
pub async fn set_preferences(
    db: &Db,
    account: AccountId,
    language: &str,
    time_zone: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE accounts SET language = $1, time_zone = $2 WHERE id = $3")
        .bind(language)
        .bind(time_zone)
        .bind(account.0)
        .execute(&db.pool)
        .await?;
    Ok(())
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Opens a session; returns the secret token for the cookie. Only its hash is stored.
/// Staff sessions end after this long without a request.
pub const STAFF_IDLE_MINUTES: i64 = 30;

pub async fn create_session(
    db: &Db,
    account: AccountId,
    expires: Timestamp,
    now: Timestamp,
) -> Result<String, StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Operator(format!("no randomness: {e}")))?;
    let token = hex::encode(bytes);
    sqlx::query(
        "INSERT INTO sessions (token_hash, account_id, expires_at, last_seen) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash(&token))
    .bind(account.0)
    .bind(secs(expires))
    .bind(secs(now))
    .execute(&db.pool)
    .await?;
    Ok(token)
}

/// The account behind a session token, if the session is still open.
pub async fn session_account(
    conn: &mut AnyConnection,
    token: &str,
    now: Timestamp,
) -> Result<Option<Account>, StoreError> {
    // Staff sessions also end after STAFF_IDLE_MINUTES without a request.
    let idle_since = secs(now) - STAFF_IDLE_MINUTES * 60;
    let row = sqlx::query(
        "SELECT a.*, s.last_seen AS session_last_seen FROM sessions s \
         JOIN accounts a ON a.id = s.account_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 \
         AND (a.role = 'visitor' OR COALESCE(s.last_seen, 0) >= $3)",
    )
    .bind(token_hash(token))
    .bind(secs(now))
    .bind(idle_since)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let account = account_from_row(&row)?;
    // Note the use, at most once a minute, for the idle timeout.
    let last_seen: Option<i64> = row.try_get("session_last_seen")?;
    if account.role.is_staff() && last_seen.is_none_or(|t| t < secs(now) - 60) {
        sqlx::query("UPDATE sessions SET last_seen = $1 WHERE token_hash = $2")
            .bind(secs(now))
            .bind(token_hash(token))
            .execute(&mut *conn)
            .await?;
    }
    Ok(Some(account))
}

pub async fn end_session(db: &Db, token: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash(token))
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// A staff account's authenticator secret (base32), for enrolment.
pub async fn totp_secret(db: &Db, account: AccountId) -> Result<Option<String>, StoreError> {
    let row = sqlx::query("SELECT totp_secret FROM accounts WHERE id = $1")
        .bind(account.0)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(StoreError::NotFound("account"))?;
    open_totp(db, row.try_get("totp_secret")?)
}

/// A stored (sealed) TOTP seed, opened.
fn open_totp(db: &Db, stored: Option<String>) -> Result<Option<String>, StoreError> {
    stored
        .map(|s| db.keyring()?.open(crate::secrets::TOTP, &s))
        .transpose()
}

/// The authenticator secret of the account with this email, if it has one.
pub async fn totp_secret_for_email(db: &Db, email: &str) -> Result<Option<String>, StoreError> {
    let row = sqlx::query("SELECT totp_secret FROM accounts WHERE email = $1")
        .bind(email.trim().to_lowercase())
        .fetch_optional(&db.pool)
        .await?;
    match row {
        Some(r) => open_totp(db, r.try_get("totp_secret")?),
        None => Ok(None),
    }
}
