//! Audio over a lossy uplink (issue 20, part 4): the server negotiates Opus in-band FEC,
//! so a browser whose packets are lost sends each frame again inside the next packet,
//! and the other side's browser rebuilds what was lost instead of filling it in.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::Ordering;

use super::*;
use crate::browser::{LiveSetup, live_setup_on, run_e2e};

/// The payload type Chromium offers Opus as, which the server keeps in its answer.
const CHROMIUM_OPUS_PT: u8 = 111;
const LOSS_PERCENT: u64 = 10;
const MEASURED_SECONDS: u32 = 15;

/// What one page received of the other's audio while the test measured (getStats).
#[derive(serde::Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct AudioIn {
    packets_received: f64,
    packets_lost: f64,
    fec_packets_received: f64,
    fec_packets_discarded: f64,
    total_samples_received: f64,
    concealed_samples: f64,
}

/// A few sentences of synthetic speech (espeak-ng, apt) at 48 kHz: the microphones'
/// sound. Opus protects speech with FEC (its SILK layer); a steady tone it codes as
/// music, without FEC.
fn speech() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let (raw, wav) = (dir.join("speech-22k.wav"), dir.join("speech-48k.wav"));
    let spoke = Command::new("espeak-ng")
        .args(["-v", "en", "-s", "160", "-w"])
        .arg(&raw)
        .arg(
            "Hello, it is good to see you. The children send their love, and your mother \
             says the garden is finally growing. We will call again next week, same time. \
             Tell me how you are doing, and whether the classes have started.",
        )
        .status()
        .expect("espeak-ng (apt) speaks the microphones' words");
    assert!(
        spoke.success(),
        "espeak-ng could not write {}",
        raw.display()
    );
    let made = Command::new("ffmpeg")
        .args(["-loglevel", "error", "-y", "-i"])
        .arg(&raw)
        .args(["-ar", "48000", "-ac", "1"])
        .arg(&wav)
        .status()
        .expect("ffmpeg (apt)");
    assert!(made.success(), "ffmpeg could not write {}", wav.display());
    wav
}

/// Two Chromium pages hold a visit through a relay that loses one in ten of the audio
/// packets each sends, at random. Each page rebuilds most lost packets from the FEC in
/// the next one, and conceals (fills in) far less of the audio than was lost: without
/// FEC, concealment is at least the share of packets lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audio_survives_one_packet_in_ten_lost_with_opus_fec() {
    let chromium = chromium();
    // The media port on 127.0.0.1, announced at the relay's address on 127.0.0.2.
    let listen = tokio::net::UdpSocket::bind("127.0.0.2:0")
        .await
        .expect("a port on 127.0.0.2");
    let port = listen.local_addr().expect("addr").port();
    let media = SocketAddr::new(LOOPBACK, port);
    let app = TestApp::spawn_media_behind(
        openvisit_store::Backend::Sqlite,
        media,
        IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)),
    )
    .await;
    let relay = LossyRelay::start(listen, media, CHROMIUM_OPUS_PT, LOSS_PERCENT);
    let setup = live_setup_on(app).await;

    let wav = speech();
    let mut args = setup.page_args();
    args.push(wav.display().to_string());
    args.push(MEASURED_SECONDS.to_string());
    let printed = run_e2e("audio_loss.mjs", args, chromium)
        .await
        .unwrap_or_else(|output| panic!("the visit with lossy audio failed:\n{output}"));

    // What each page sent and received (`-- --nocapture` shows it).
    println!("{printed}");
    let lost = relay.counts.audio_lost.load(Ordering::Relaxed);
    let passed = relay.counts.audio_passed.load(Ordering::Relaxed);
    assert!(
        passed > 1000,
        "the relay saw {passed} audio packets: is Opus still payload type {CHROMIUM_OPUS_PT}?"
    );
    let share = lost as f64 / (lost + passed) as f64;
    assert!(
        (0.07..0.13).contains(&share),
        "the relay lost {lost} of {} audio packets",
        lost + passed
    );
    for line in printed.lines().filter(|l| l.starts_with("AUDIO_IN ")) {
        let mut parts = line.splitn(3, ' ').skip(1);
        let who = parts.next().expect("who");
        let got: AudioIn = serde_json::from_str(parts.next().expect("stats")).expect("json");
        let sent = got.packets_received + got.packets_lost;
        assert!(sent > 500.0, "{who} received too little audio: {got:?}");
        let lost_share = got.packets_lost / sent;
        assert!(
            lost_share > 0.05,
            "{who} saw too few losses for the test to mean anything: {got:?}"
        );
        let rebuilt = got.fec_packets_received - got.fec_packets_discarded;
        assert!(
            rebuilt >= 0.5 * got.packets_lost,
            "{who} rebuilt {rebuilt} of {} lost packets from FEC: {got:?}",
            got.packets_lost
        );
        let concealed_share = got.concealed_samples / got.total_samples_received;
        assert!(
            concealed_share < lost_share / 2.0,
            "{who} concealed {:.1} % of the audio with {:.1} % of packets lost: {got:?}",
            concealed_share * 100.0,
            lost_share * 100.0
        );
    }
    assert_eq!(
        printed
            .lines()
            .filter(|l| l.starts_with("AUDIO_IN "))
            .count(),
        2,
        "both pages report their audio:\n{printed}"
    );
    drop(relay);
    let LiveSetup { app, .. } = setup;
    app.stop().await;
}
