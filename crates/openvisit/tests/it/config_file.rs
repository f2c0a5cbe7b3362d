//! The configuration file: `openvisit config check` names what is wrong, and `serve
//! --config FILE` runs with the file's settings, a flag on the command line winning.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::*;

fn config_check(file: &std::path::Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_openvisit"))
        .args(["config", "check", "--config"])
        .arg(file)
        .env_remove("OPENVISIT_DATABASE_URL")
        .output()
        .expect("run openvisit");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn serve_runs_with_the_file_s_settings_and_config_check_names_mistakes() {
    let dir = std::env::temp_dir().join(format!("{}_config", unique_name()));
    std::fs::create_dir_all(&dir).expect("dir");
    let (from_file, from_flag) = (free_port(), free_port());
    let file = dir.join("openvisit.toml");
    std::fs::write(
        &file,
        format!(
            "bind = \"127.0.0.1:{from_file}\"\ndata-dir = \"{}\"\nno-demo = true\n\
             trusted-proxy = [\"10.0.0.0/8\"]\nsmtp = \"smtps://ov:hunter22@mail.example:465\"\n",
            dir.join("data").display()
        ),
    )
    .expect("write");
    let (ok, text) = config_check(&file);
    assert!(ok, "{text}");
    assert!(
        text.contains("5 setting(s)") && text.contains("ov:***@"),
        "{text}"
    );
    assert!(!text.contains("hunter22"), "the password is shown: {text}");

    // Mistakes are named: an unknown key, and a value serve refuses.
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "bnd = \"127.0.0.1:1\"\n").expect("write");
    let (ok, text) = config_check(&bad);
    assert!(!ok && text.contains("unknown setting \"bnd\""), "{text}");
    std::fs::write(&bad, "bind = \"localhost\"\n").expect("write");
    let (ok, text) = config_check(&bad);
    assert!(!ok && text.contains("--bind"), "{text}");

    // serve reads the file: its bind, unless the command line gives another.
    let http = reqwest::Client::new();
    for (extra, port) in [(None, from_file), (Some(from_flag), from_flag)] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_openvisit"));
        cmd.args(["--config"]).arg(&file).arg("serve");
        if let Some(p) = extra {
            cmd.args(["--bind", &format!("127.0.0.1:{p}")]);
        }
        // Without the SMTP server the file names, visit emails only wait in the outbox.
        let mut child = cmd
            .env_remove("OPENVISIT_DATABASE_URL")
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve");
        let until = Instant::now() + Duration::from_secs(60);
        let answered = loop {
            let res = http
                .get(format!("http://127.0.0.1:{port}/healthz"))
                .send()
                .await;
            match res {
                Ok(r) => break r.status().as_u16(),
                Err(_) if Instant::now() < until => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("nothing answers on {port}: {e}"),
            }
        };
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(answered, 200);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
