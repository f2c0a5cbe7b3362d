//! `openvisit backup` while the server books, `openvisit restore` into a fresh data
//! directory, and the restored server: it passes the integrity check (no dangling
//! reference, no double booking, the ledger balances), holds every deposit and booking
//! answered before the backup began and none answered after it ended, and serves them.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::*;
use crate::security::demo::serve;

const VISITOR: &str = openvisit_store::demo::DEMO_VISITOR_EMAIL;
const PASSWORD: &str = openvisit_store::demo::DEMO_VISITOR_PASSWORD;

/// Runs the binary with `args`: whether it succeeded, and what it printed.
fn openvisit(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_openvisit"))
        .args(args)
        .env_remove("OPENVISIT_DATABASE_URL")
        .env("RUST_LOG", "error")
        .output()
        .expect("run openvisit");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// How many lines the signed-in visitor's ledger holds.
async fn ledger_lines(http: &reqwest::Client, base: &str, cookie: &str) -> usize {
    let list: Value = http
        .get(format!("{base}/api/v1/ledger"))
        .header("cookie", cookie)
        .send()
        .await
        .expect("visits")
        .json()
        .await
        .expect("json");
    list.as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_backup_taken_during_bookings_restores_into_a_sound_database() {
    let root = std::env::temp_dir().join(format!("{}_backup", unique_name()));
    let (live, copies, fresh) = (root.join("live"), root.join("copies"), root.join("fresh"));
    std::fs::create_dir_all(&copies).expect("dir");
    let server = serve(&live, &[]);
    let http = reqwest::Client::new();
    let cookie = cookie_pair(&sign_in(&http, &server.base, VISITOR, PASSWORD).await);
    let before_stream = ledger_lines(&http, &server.base, &cookie).await;

    // A stream of deposits and bookings (both residents, afternoons from two days on,
    // until the weekly limits refuse them) until told to stop; how many were answered
    // as done. Each adds one line to the visitor's ledger.
    let answered = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let stream = {
        let (http, base, cookie) = (http.clone(), server.base.clone(), cookie.clone());
        let (answered, stop) = (answered.clone(), stop.clone());
        tokio::spawn(async move {
            for n in 0..2000i64 {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let post = |path: &str, body: Value| {
                    http.post(format!("{base}{path}"))
                        .header("cookie", &cookie)
                        .json(&body)
                        .send()
                };
                let res = post(
                    "/api/v1/deposits",
                    json!({ "amount_cents": 1000, "payment_token": "test" }),
                )
                .await
                .expect("deposit");
                assert!(res.status().is_success(), "deposit: {}", res.status());
                answered.fetch_add(1, Ordering::SeqCst);
                let start = local_start(2 + n % 12, 13 + ((n / 12) % 6) as i8, 0);
                let res = post(
                    "/api/v1/visits",
                    json!({ "resident_id": 1 + n % 2, "kind": "remote", "start": start, "length_minutes": 15 }),
                )
                .await
                .expect("book");
                if res.status() == 201 {
                    answered.fetch_add(1, Ordering::SeqCst);
                }
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(800)).await;

    // The backup, while the stream goes on.
    let backup = copies.join("openvisit-backup.db");
    let answered_before = answered.load(Ordering::SeqCst);
    let (ok, text) = {
        let args = [
            "backup",
            "--data-dir",
            live.to_str().expect("path"),
            "--to",
            backup.to_str().expect("path"),
        ];
        let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        tokio::task::spawn_blocking(move || {
            openvisit(&args.iter().map(String::as_str).collect::<Vec<_>>())
        })
        .await
        .expect("backup")
    };
    let answered_after = answered.load(Ordering::SeqCst);
    assert!(ok, "the backup fails: {text}");
    assert!(text.contains("sound"), "{text}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::SeqCst);
    stream.await.expect("the stream");
    assert!(
        answered.load(Ordering::SeqCst) > answered_after,
        "the stream went on during and after the backup"
    );
    assert_eq!(
        ledger_lines(&http, &server.base, &cookie).await - before_stream,
        answered.load(Ordering::SeqCst),
        "each change answered adds one ledger line"
    );
    // A backup never overwrites a file.
    let (ok, text) = openvisit(&[
        "backup",
        "--data-dir",
        live.to_str().expect("path"),
        "--to",
        backup.to_str().expect("path"),
    ]);
    assert!(!ok && text.contains("already exists"), "{text}");
    drop(server);

    // Restore into a fresh data directory; the restored database passes the check.
    let (fresh_dir, backup_file) = (
        fresh.to_str().expect("path"),
        backup.to_str().expect("path"),
    );
    let (ok, text) = openvisit(&["restore", "--data-dir", fresh_dir, "--from", backup_file]);
    assert!(ok, "the restore fails: {text}");
    let (ok, text) = openvisit(&["check", "--data-dir", fresh_dir]);
    assert!(ok && text.contains("The database is sound."), "{text}");
    // A second restore asks before replacing, and keeps what it replaces.
    let (ok, text) = openvisit(&["restore", "--data-dir", fresh_dir, "--from", backup_file]);
    assert!(!ok && text.contains("--replace"), "{text}");
    let (ok, text) = openvisit(&[
        "restore",
        "--data-dir",
        fresh_dir,
        "--from",
        backup_file,
        "--replace",
    ]);
    assert!(ok && text.contains("is kept as"), "{text}");
    // A damaged backup is refused before anything is touched.
    let damaged = copies.join("damaged.db");
    let mut bytes = std::fs::read(&backup).expect("read the backup");
    let cut = bytes.len() / 2;
    bytes.truncate(cut);
    std::fs::write(&damaged, bytes).expect("write");
    let (ok, text) = openvisit(&[
        "restore",
        "--data-dir",
        fresh_dir,
        "--from",
        damaged.to_str().expect("path"),
        "--replace",
    ]);
    assert!(!ok, "a damaged backup was restored: {text}");

    // The restored server, with the key file kept apart from the backup.
    let key = live.join("secret.key");
    let restored = serve(&fresh, &["--secret-key-file", key.to_str().expect("path")]);
    let cookie = cookie_pair(&sign_in(&http, &restored.base, VISITOR, PASSWORD).await);
    let restored_lines = ledger_lines(&http, &restored.base, &cookie).await - before_stream;
    println!(
        "BACKUP: {answered_before} deposits and bookings answered before the backup began, \
         {answered_after} when it ended, {} in all; the restored database holds {restored_lines}",
        answered.load(Ordering::SeqCst)
    );
    assert!(
        (answered_before..=answered_after).contains(&restored_lines),
        "the backup holds {restored_lines} of the stream's changes: at least the {answered_before} \
         answered before it began, at most the {answered_after} answered when it ended"
    );
    drop(restored);
    let _ = std::fs::remove_dir_all(&root);
}
