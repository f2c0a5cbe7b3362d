//! Recordings a facility can rely on (R14): a long silence in the middle of a visit
//! splits the recording into parts and loses nothing, and a recording that cannot be
//! put together is shown to staff as failed and tried again, never silently lost.

use std::io::{Seek, SeekFrom, Write};

use super::*;

/// The raw file the recorder writes the visitor's audio to while the visit runs.
fn visitor_audio(app: &TestApp, visit: i64) -> std::path::PathBuf {
    recording_folder(app, visit).join("visitor-audio.raw")
}

/// Overwrites the start of `path` with `bytes`, leaving the rest as the recorder wrote it.
fn overwrite_start(path: &std::path::Path, bytes: &[u8]) {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .expect("raw file");
    f.seek(SeekFrom::Start(0)).expect("seek");
    f.write_all(bytes).expect("write");
}

/// The recording as the staff API shows it, once the visit's room has closed (10 s).
async fn recording_state(staff: &Client, visit: i64, wanted: &str) -> Value {
    let path = format!("/api/v1/staff/visits/{visit}/recording");
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = staff.get(&path).await;
        if status == 200 && body["state"] == wanted {
            return body;
        }
        assert!(
            Instant::now() < until,
            "no {wanted} recording: {status} {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn a_recording_that_cannot_be_put_together_is_shown_to_staff_and_tried_again(
    backend: openvisit_store::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let b = book(&app).await;
    set_clock(&app, b.start);
    let (mut visitor, mut resident) = both_in(&app, &b).await;
    wait_for("media both ways", || {
        visitor.peer().received(1) > 20 && resident.peer().received(1) > 20
    })
    .await;
    let raw = visitor_audio(&app, b.visit);
    wait_for("the visitor's audio on disk", || {
        std::fs::metadata(&raw).is_ok_and(|m| m.len() > 8)
    })
    .await;
    // The disk corrupts the start of one raw file: assembling it must fail.
    let mut magic = [0u8; 8];
    std::io::Read::read_exact(&mut std::fs::File::open(&raw).expect("raw"), &mut magic)
        .expect("magic");
    overwrite_start(&raw, b"garbage!");

    let staff = b.staff(&app).await;
    staff_ends(&staff, b.visit, "count").await;
    visitor.expect("ended").await;
    resident.expect("ended").await;

    let failed = recording_state(&staff, b.visit, "failed").await;
    assert_eq!(failed["attempts"], 1, "{failed}");
    assert!(
        failed["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{failed}"
    );
    assert_eq!(failed["files"], json!([]), "nothing half-made is offered");
    let (status, page) = fetch(&staff, &format!("/staff/visits/{}/recording", b.visit)).await;
    assert_eq!(status, 200);
    let page = String::from_utf8_lossy(&page);
    assert!(
        page.contains("could not be put together yet (1 try)"),
        "the staff page says so: {page}"
    );
    // Nothing of the media is thrown away while it is failed.
    assert!(raw.exists(), "the raw media is kept for another try");

    // A try that fails again is counted; once the file is readable, the next works.
    let hub = app.state.live.clone().expect("live video");
    assert_eq!(hub.retry_recordings().await, 0);
    let again = recording_state(&staff, b.visit, "failed").await;
    assert_eq!(again["attempts"], 2, "{again}");
    overwrite_start(&raw, &magic);
    assert_eq!(hub.retry_recordings().await, 1);
    let ready = recording_state(&staff, b.visit, "ready").await;
    assert_eq!(ready["error"], Value::Null, "{ready}");
    let files: Vec<&str> = ready["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(files.len(), 2, "{ready}");
    for f in files {
        let (status, bytes) = fetch(&staff, f).await;
        assert_eq!(status, 200, "{f}");
        assert!(bytes.len() > 1000, "{f}: {} bytes", bytes.len());
    }
    assert_eq!(hub.retry_recordings().await, 0, "nothing left to try");
    app.stop().await;
}
per_backend!(
    a_recording_that_cannot_be_put_together_is_shown_to_staff_and_tried_again,
    a_recording_that_cannot_be_put_together_is_shown_to_staff_and_tried_again,
    multi_thread
);

/// Both parties send nothing for 35 s in the middle of a visit (a dropped link, a long
/// pause): the recording is split into a part before and a part after the silence, for
/// each party, and every part is served. (A 40 s gap once lost the whole recording.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_silence_splits_the_recording_into_parts_and_loses_nothing() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let b = book(&app).await;
    set_clock(&app, b.start);
    let (mut visitor, resident) = both_in(&app, &b).await;
    wait_for("media both ways", || {
        visitor.peer().received(1) > 20 && resident.peer().received(1) > 20
    })
    .await;
    let hub = app.state.live.clone().expect("live video");
    let room = openvisit_media::RoomId(b.visit);
    hub.media.inject_fault(room, true).expect("silence");
    tokio::time::sleep(Duration::from_secs(35)).await;
    hub.media.inject_fault(room, false).expect("media again");
    let before = (visitor.peer().received(1), resident.peer().received(1));
    wait_for("media both ways after the silence", || {
        visitor.peer().received(1) > before.0 + 20 && resident.peer().received(1) > before.1 + 20
    })
    .await;
    let staff = b.staff(&app).await;
    staff_ends(&staff, b.visit, "count").await;
    visitor.expect("ended").await;
    let files = recording_files(&staff, b.visit).await;
    let names: Vec<&str> = files.iter().filter_map(|f| f.rsplit('/').next()).collect();
    assert_eq!(
        names,
        [
            "visitor.webm",
            "visitor-2.webm",
            "resident.webm",
            "resident-2.webm"
        ],
        "{files:?}"
    );
    for f in &files {
        let (status, bytes) = fetch(&staff, f).await;
        assert_eq!(status, 200, "{f}");
        assert!(bytes.len() > 1000, "{f}: {} bytes", bytes.len());
    }
    app.stop().await;
}
