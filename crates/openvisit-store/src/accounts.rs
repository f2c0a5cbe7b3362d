//! Sign-in accounts (visitors and staff), passwords and sessions.

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
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
}

/// A new account's details, already checked by the caller.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: String,
    pub password: String,
    pub display_name: String,
    pub role: Role,
    pub facility: Option<FacilityId>,
    pub language: String,
    pub time_zone: String,
}

/// Hashes a password with argon2id and a fresh salt.
pub fn hash_password(password: &str) -> Result<String, StoreError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Invalid(format!("cannot hash password: {e}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

fn account_from_row(r: &AnyRow) -> Result<Account, StoreError> {
    let role: String = r.try_get("role")?;
    Ok(Account {
        id: AccountId(r.try_get("id")?),
        email: r.try_get("email")?,
        display_name: r.try_get("display_name")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role}")))?,
        facility: r.try_get::<Option<i64>, _>("facility_id")?.map(FacilityId),
        language: r.try_get("language")?,
        time_zone: r.try_get("time_zone")?,
    })
}

/// Creates an account; a visitor also gets an empty balance.
pub async fn create_account(
    db: &Db,
    new: &NewAccount,
    now: Timestamp,
) -> Result<AccountId, StoreError> {
    let hash = hash_password(&new.password)?;
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(
        "INSERT INTO accounts (email, password_hash, display_name, role, facility_id, language, \
         time_zone, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(new.email.to_lowercase())
    .bind(hash)
    .bind(&new.display_name)
    .bind(new.role.as_str())
    .bind(new.facility.map(|f| f.0))
    .bind(&new.language)
    .bind(&new.time_zone)
    .bind(secs(now))
    .fetch_one(&mut *tx)
    .await
    .map_err(StoreError::from)
    .map_err(|e| {
        if e.is_unique_violation() {
            StoreError::Conflict("an account with this email already exists".into())
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

/// The account for this email and password, if they match. Takes the same time whether
/// or not the email exists, so the answer does not reveal who has an account.
pub async fn check_password(
    conn: &mut AnyConnection,
    email: &str,
    password: &str,
) -> Result<Option<Account>, StoreError> {
    let row = sqlx::query("SELECT * FROM accounts WHERE email = $1")
        .bind(email.trim().to_lowercase())
        .fetch_optional(conn)
        .await?;
    let Some(row) = row else {
        // Spend the same effort as a real check.
        let dummy = DUMMY_HASH.get_or_init(|| hash_password("not a password").unwrap_or_default());
        let _ = verify_password(password, dummy);
        return Ok(None);
    };
    let hash: String = row.try_get("password_hash")?;
    if verify_password(password, &hash) {
        Ok(Some(account_from_row(&row)?))
    } else {
        Ok(None)
    }
}

/// A hash checked when the email is unknown, so both answers cost the same.
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Opens a session; returns the secret token for the cookie. Only its hash is stored.
pub async fn create_session(
    db: &Db,
    account: AccountId,
    expires: Timestamp,
) -> Result<String, StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Invalid(format!("no randomness: {e}")))?;
    let token = hex::encode(bytes);
    sqlx::query("INSERT INTO sessions (token_hash, account_id, expires_at) VALUES ($1, $2, $3)")
        .bind(token_hash(&token))
        .bind(account.0)
        .bind(secs(expires))
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
    let row = sqlx::query(
        "SELECT a.* FROM sessions s JOIN accounts a ON a.id = s.account_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(token_hash(token))
    .bind(secs(now))
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(account_from_row).transpose()
}

pub async fn end_session(db: &Db, token: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash(token))
        .execute(&db.pool)
        .await?;
    Ok(())
}
