//! What the media server's test files share.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use openvisit_media::{MediaServer, RoomId, RoomOptions};

pub const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// Waits up to 10 s for `ok`, failing the test with `what` if it never holds.
pub async fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(10);
    while !ok() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Opens a room staff may watch, not recorded.
pub fn open_room(media: &MediaServer, room: RoomId) {
    media
        .open_room(
            room,
            RoomOptions {
                record_to: None,
                monitorable: true,
            },
        )
        .expect("room");
}
