//! A second signaling socket for the same party replaces the first cleanly: the old one
//! is told `replaced` and closed, its media peer removed (no more media to it), and the
//! visit goes on with the new one (a page reloaded, or opened on another device).

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_socket_for_a_party_replaces_the_first_which_is_told_and_closed() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let b = book(&app).await;
    set_clock(&app, b.start);
    let (mut old, resident) = both_in(&app, &b).await;
    wait_for("media both ways", || {
        old.peer().received(1) > 3 && resident.peer().received(1) > 3
    })
    .await;

    let mut new = Participant::connect(&app, &visitor_ticket(&b).await).await;
    let replaced = old.expect("replaced").await;
    assert_eq!(replaced["type"], "replaced");
    // The old socket is closed after it.
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match old.ws.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the replaced socket stays open");
    // Its media peer is gone: nothing more reaches it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopped = old.peer().total_received();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        old.peer().total_received(),
        stopped,
        "media to a replaced socket"
    );

    // The new socket carries the visit on.
    new.expect("status").await;
    new.start_media(false).await;
    new.send(json!({ "type": "ready" })).await;
    wait_for("media to the new socket", || new.peer().received(1) > 3).await;
    let status = new.expect("status").await;
    assert_eq!(status["phase"], "live", "{status}");
    assert_eq!(status["visitor"], "ready", "{status}");
    app.stop().await;
}
