//! Secrets the server must read back (staff TOTP seeds), sealed at rest with keys the
//! operator supplies (security finding 14). Everything else secret is stored hashed.
//!
//! A key file holds one key per line, 64 hex digits (32 bytes); `#` starts a comment.
//! The first key seals; every key opens. A sealed value reads `ov1:<key id>:<hex>`: the
//! id (the first 4 bytes of the key's SHA-256) names the key, the hex is a random 12-byte
//! nonce followed by the AES-256-GCM ciphertext and tag, with the purpose as associated
//! data so a value cannot be moved to another use. Rotation: put a new key first, start
//! the server (or run `migrate`), which reseals every value under it
//! ([`reseal_all`]); then remove the old key.

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::db::Db;
use crate::error::StoreError;

const PREFIX: &str = "ov1:";
/// What a TOTP seed is sealed for.
pub const TOTP: &str = "totp";

struct SealingKey {
    id: String,
    key: LessSafeKey,
}

/// The operator's keys, the sealing one first.
#[derive(Clone)]
pub struct Keyring {
    keys: Arc<Vec<SealingKey>>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|k| k.id.as_str()).collect();
        f.debug_struct("Keyring").field("key_ids", &ids).finish()
    }
}

fn bad_key(line: usize, why: &str) -> StoreError {
    StoreError::Operator(format!("secret key file, line {line}: {why}"))
}

impl Keyring {
    /// Reads a key file's text.
    pub fn from_text(text: &str) -> Result<Keyring, StoreError> {
        let mut keys = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let bytes = hex::decode(line).map_err(|_| bad_key(i + 1, "a key is 64 hex digits"))?;
            if bytes.len() != 32 {
                return Err(bad_key(i + 1, "a key is 64 hex digits (32 bytes)"));
            }
            let id = hex::encode(&Sha256::digest(&bytes)[..4]);
            let key = UnboundKey::new(&AES_256_GCM, &bytes)
                .map_err(|_| bad_key(i + 1, "not a usable AES-256 key"))?;
            keys.push(SealingKey {
                id,
                key: LessSafeKey::new(key),
            });
        }
        if keys.is_empty() {
            return Err(StoreError::Operator(
                "the secret key file holds no key".into(),
            ));
        }
        Ok(Keyring {
            keys: Arc::new(keys),
        })
    }

    /// A new key, as a key file line.
    pub fn new_key_line() -> Result<String, StoreError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| StoreError::Operator(format!("no randomness: {e}")))?;
        Ok(hex::encode(bytes))
    }

    /// A keyring with one fresh key, for a database nobody reopens (tests, benchmarks).
    pub fn random() -> Result<Keyring, StoreError> {
        Keyring::from_text(&Keyring::new_key_line()?)
    }

    /// The id of the key that seals.
    pub fn sealing_key_id(&self) -> &str {
        &self.keys[0].id
    }

    /// Seals `plain` for `purpose` under the first key.
    pub fn seal(&self, purpose: &str, plain: &str) -> Result<String, StoreError> {
        let k = &self.keys[0];
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce)
            .map_err(|e| StoreError::Operator(format!("no randomness: {e}")))?;
        let mut data = plain.as_bytes().to_vec();
        k.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(purpose.as_bytes()),
                &mut data,
            )
            .map_err(|_| StoreError::Operator("cannot seal a secret".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        Ok(format!("{PREFIX}{}:{}", k.id, hex::encode(out)))
    }

    /// Opens a sealed value. A value stored before sealing existed is returned as it is
    /// (and resealed by [`reseal_all`] at the next start).
    pub fn open(&self, purpose: &str, stored: &str) -> Result<String, StoreError> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_owned());
        };
        let corrupt = || StoreError::Corrupt("a sealed secret is damaged".into());
        let (id, body) = rest.split_once(':').ok_or_else(corrupt)?;
        let k = self.keys.iter().find(|k| k.id == id).ok_or_else(|| {
            StoreError::Operator(format!(
                "a secret is sealed with key {id}, which is not in the secret key file"
            ))
        })?;
        let bytes = hex::decode(body).map_err(|_| corrupt())?;
        if bytes.len() < NONCE_LEN {
            return Err(corrupt());
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| corrupt())?;
        let mut data = sealed.to_vec();
        let plain = k
            .key
            .open_in_place(nonce, Aad::from(purpose.as_bytes()), &mut data)
            .map_err(|_| corrupt())?;
        String::from_utf8(plain.to_vec()).map_err(|_| corrupt())
    }

    /// Whether `stored` is sealed under the sealing key already.
    pub fn is_current(&self, stored: &str) -> bool {
        stored
            .strip_prefix(PREFIX)
            .and_then(|r| r.split_once(':'))
            .is_some_and(|(id, _)| id == self.keys[0].id)
    }
}

/// Reseals every stored secret that is plain or sealed under an older key; returns how
/// many changed. Fails, changing nothing, if one is sealed under a key the file lacks.
pub async fn reseal_all(db: &Db) -> Result<usize, StoreError> {
    let keys = db.keyring()?;
    let mut tx = db.begin_write().await?;
    let rows = sqlx::query("SELECT id, totp_secret FROM accounts WHERE totp_secret IS NOT NULL")
        .fetch_all(&mut *tx)
        .await?;
    let mut changed = 0;
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let stored: String = r.try_get("totp_secret")?;
        if keys.is_current(&stored) {
            continue;
        }
        let sealed = keys.seal(TOTP, &keys.open(TOTP, &stored)?)?;
        sqlx::query("UPDATE accounts SET totp_secret = $1 WHERE id = $2")
            .bind(sealed)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        changed += 1;
    }
    tx.commit().await?;
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(lines: &[&str]) -> Keyring {
        Keyring::from_text(&lines.join("\n")).expect("keys")
    }

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_purpose() {
        let a = Keyring::new_key_line().expect("key");
        let b = Keyring::new_key_line().expect("key");
        let old = ring(&[&a]);
        let sealed = old.seal(TOTP, "JBSWY3DPEHPK3PXP").expect("seal");
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_ne!(sealed, old.seal(TOTP, "JBSWY3DPEHPK3PXP").expect("seal"));
        assert_eq!(old.open(TOTP, &sealed).expect("open"), "JBSWY3DPEHPK3PXP");
        assert!(old.open("other", &sealed).is_err(), "another purpose");
        assert!(ring(&[&b]).open(TOTP, &sealed).is_err(), "another key");
        // After rotation the old key still opens, the new one seals.
        let rotated = ring(&[&b, &format!("{a}  # retired")]);
        assert_eq!(
            rotated.open(TOTP, &sealed).expect("open"),
            "JBSWY3DPEHPK3PXP"
        );
        assert!(!rotated.is_current(&sealed));
        assert!(rotated.is_current(&rotated.seal(TOTP, "x").expect("seal")));
    }

    #[test]
    fn a_damaged_value_or_key_file_is_refused() {
        let k = Keyring::random().expect("keys");
        let mut sealed = k.seal(TOTP, "secret").expect("seal");
        let last = sealed.pop().expect("char");
        sealed.push(if last == '0' { '1' } else { '0' });
        assert!(k.open(TOTP, &sealed).is_err());
        assert!(k.open(TOTP, "ov1:zz").is_err());
        assert!(Keyring::from_text("# nothing\n").is_err());
        assert!(Keyring::from_text("abcd").is_err());
        assert_eq!(k.open(TOTP, "PLAINSEED").expect("legacy"), "PLAINSEED");
    }
}
