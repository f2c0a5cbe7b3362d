//! Finding 14: staff authenticator seeds were stored as plain base32, so a copy of the
//! database was enough to pass the second factor. They are now sealed with a key the
//! operator holds apart from the data, and the key can be rotated. Tried with the
//! `openvisit` binary and its database file.

use std::process::{Command, Stdio};

use serde_json::json;

use super::demo::serve;

/// The demo staff member's seed as `serve` printed it when it created the demo.
fn printed_seed(printed: &str) -> String {
    printed
        .split("authenticator secret ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no seed printed: {printed}"))
        .to_owned()
}

/// The demo staff member's seed as the database holds it.
async fn stored_seed(data: &std::path::Path) -> String {
    let db = openvisit_store::Db::connect(&format!("sqlite://{}/openvisit.db", data.display()), 1)
        .await
        .expect("open the database file");
    let row: (String,) = sqlx::query_as("SELECT totp_secret FROM accounts WHERE email = $1")
        .bind(openvisit_store::demo::DEMO_STAFF_EMAIL)
        .fetch_one(&db.pool)
        .await
        .expect("the demo staff member");
    db.close().await;
    row.0
}

/// Signs the demo staff member in with the code of `steps_back` 30-second steps ago (a
/// code works once, so two sign-ins use two steps; one step back is still accepted).
async fn staff_signs_in(base: &str, seed: &str, steps_back: i64) -> u16 {
    let at = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(30 * steps_back);
    let code = openvisit_core::credentials::totp::code_at(seed, at).expect("code");
    reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({
            "email": openvisit_store::demo::DEMO_STAFF_EMAIL,
            "password": openvisit_store::demo::DEMO_STAFF_PASSWORD,
            "code": code,
        }))
        .send()
        .await
        .expect("login")
        .status()
        .as_u16()
}

fn key_line() -> String {
    openvisit_store::secrets::Keyring::new_key_line().expect("key")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authenticator_seeds_are_sealed_at_rest_and_the_key_rotates() {
    let data = std::env::temp_dir().join(format!("ov_secrets_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let first = serve(&data, &[]);
    let seed = printed_seed(&first.printed);
    drop(first);

    // The database alone does not give the seed away; the key file is the operator's.
    let sealed = stored_seed(&data).await;
    assert!(sealed.starts_with("ov1:"), "{sealed}");
    assert!(!sealed.contains(&seed), "the seed is stored in the clear");
    let default_key = data.join("secret.key");
    let old = std::fs::read_to_string(&default_key).expect("a key file was created");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&default_key)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o077,
            0,
            "the key file is readable by others: {mode:o}"
        );
    }

    // Rotation: a new key first, the old one after it; a start reseals under the new.
    let rotated = data.join("rotated.key");
    let new = key_line();
    std::fs::write(&rotated, format!("{new}\n{old}")).expect("write");
    {
        let s = serve(
            &data,
            &["--secret-key-file", rotated.to_str().expect("path")],
        );
        assert_eq!(staff_signs_in(&s.base, &seed, 1).await, 200);
    }
    let resealed = stored_seed(&data).await;
    assert_ne!(resealed, sealed, "resealed under the new key");
    // The old key can go now.
    std::fs::write(&rotated, &new).expect("write");
    {
        let s = serve(
            &data,
            &["--secret-key-file", rotated.to_str().expect("path")],
        );
        assert_eq!(
            staff_signs_in(&s.base, &seed, 0).await,
            200,
            "the seed opens with the new key alone"
        );
    }

    // A key file without the sealing key stops the start with a clear message, and a
    // named key file that does not exist is never created in its place.
    let wrong = data.join("wrong.key");
    std::fs::write(&wrong, key_line()).expect("write");
    for (file, says) in [
        (wrong.clone(), "not in the secret key file"),
        (data.join("typo.key"), "does not exist"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_openvisit"))
            .args(["migrate", "--data-dir"])
            .arg(&data)
            .arg("--secret-key-file")
            .arg(&file)
            .env_remove("OPENVISIT_DATABASE_URL")
            .stdin(Stdio::null())
            .output()
            .expect("run migrate");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "started with {}", file.display());
        assert!(stderr.contains(says), "{stderr}");
    }
    assert!(!data.join("typo.key").exists());
    let _ = std::fs::remove_dir_all(&data);
}
