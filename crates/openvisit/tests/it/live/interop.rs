//! A visit held by an independent WebRTC stack, aiortc (Python), as the visitor, the
//! resident and a staff monitor, following docs/SIGNALING.md only
//! (`interop/aiortc_visit.py`): not the server's own str0m peers and not a browser.

use std::process::Stdio;

use super::*;

/// Installs aiortc if this machine lacks it (as `.ci/run` does).
fn ensure_aiortc() {
    let present = std::process::Command::new("python3")
        .args(["-c", "import aiortc, websockets"])
        .status()
        .is_ok_and(|s| s.success());
    if !present {
        let ok = std::process::Command::new("python3")
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--root-user-action=ignore",
            ])
            .args(["aiortc>=1.9,<2", "websockets>=12"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "cannot install aiortc from PyPI");
    }
}

fn socket_url(app: &TestApp, ticket: &Value) -> String {
    let path = ticket["socket"].as_str().expect("socket path");
    format!("{}{}", app.base.replace("http://", "ws://"), path)
}

/// Frames decoded on each received track of one role, by kind.
fn frames(report: &Value, role: &str, kind: &str) -> Vec<u64> {
    report[role]["frames"]
        .as_object()
        .unwrap_or_else(|| panic!("no frames for {role}: {report}"))
        .iter()
        .filter(|(k, _)| k.starts_with(kind))
        .filter_map(|(_, v)| v.as_u64())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_independent_webrtc_stack_holds_a_watched_visit_by_the_signaling_document() {
    ensure_aiortc();
    // aiortc gathers no loopback candidates: the media port is on this machine's own
    // address (the packets never leave the machine).
    let ip = own_address();
    let app = TestApp::spawn_media_on(openvisit_store::Backend::Sqlite, ip).await;
    let b = book(&app).await;
    let end = b.start + jiff::SignedDuration::from_mins(15);
    set_clock(&app, end - jiff::SignedDuration::from_secs(20));
    let visitor = socket_url(&app, &visitor_ticket(&b).await);
    let (status, t) = kiosk_ticket(&app, &b, "2468").await;
    assert_eq!(status, 201, "{t}");
    let resident = socket_url(&app, &t);
    let (status, t) = ask_to_watch(&b.staff(&app).await, &b).await;
    assert_eq!(status, 201, "{t}");
    let monitor = socket_url(&app, &t);

    let script = crate::browser::repo().join("interop/aiortc_visit.py");
    // The script gives up by itself after 80 s.
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .arg(&script)
            .args([&visitor, &resident, &monitor])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
    })
    .await
    .expect("join")
    .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "aiortc failed:\n{stdout}\n{stderr}");
    let report: Value =
        serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}"));

    println!("{report}");
    for role in ["visitor", "resident", "monitor"] {
        assert_eq!(report[role]["outcome"], "completed", "{role}: {report}");
    }
    // Each party decodes the other's camera and microphone.
    for role in ["visitor", "resident"] {
        let video = frames(&report, role, "video");
        let audio = frames(&report, role, "audio");
        assert!(video.iter().any(|n| *n > 50), "{role} video: {report}");
        assert!(audio.iter().any(|n| *n > 200), "{role} audio: {report}");
    }
    // The monitor decodes both parties, on its four receive-only lines.
    let video = frames(&report, "monitor", "video");
    let audio = frames(&report, "monitor", "audio");
    assert_eq!(video.iter().filter(|n| **n > 20).count(), 2, "{report}");
    assert_eq!(audio.iter().filter(|n| **n > 100).count(), 2, "{report}");
    settled(&app, b.visit).await;

    // The recording of real VP8 and Opus decodes in ffmpeg without a warning (equal or
    // backwards timestamps were flagged as non-monotonic DTS).
    let staff = b.staff(&app).await;
    let files = recording_files(&staff, b.visit).await;
    assert_eq!(files.len(), 2, "{files:?}");
    let dir = std::env::temp_dir().join(format!("ov-interop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    for (i, f) in files.iter().enumerate() {
        let (status, bytes) = fetch(&staff, f).await;
        assert_eq!(status, 200, "{f}");
        let local = dir.join(format!("{i}.webm"));
        std::fs::write(&local, &bytes).expect("write");
        let out = std::process::Command::new("ffmpeg")
            .args(["-nostdin", "-v", "warning", "-i"])
            .arg(&local)
            .args(["-f", "null", "-"])
            .output()
            .expect("ffmpeg is needed to check recordings (apt-get install ffmpeg)");
        let warnings = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && warnings.trim().is_empty(),
            "{f} does not decode cleanly:\n{warnings}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    app.stop().await;
}
