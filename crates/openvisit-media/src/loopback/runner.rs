//! A loopback peer's loop: sends its media at its rate, hands what arrives to str0m,
//! counts what it receives and applies the test's impairments.

use super::*;

pub(super) struct Runner {
    pub(super) rtc: Rtc,
    pub(super) link: Link,
    pub(super) mids: Vec<(Mid, MediaKind)>,
    pub(super) latencies: Option<Arc<Latencies>>,
    pub(super) counters: Arc<PeerCounters>,
    pub(super) sending: Arc<AtomicBool>,
    pub(super) loss_out: VideoLoss,
    pub(super) loss_in: VideoLoss,
    pub(super) lost_pictures: Arc<AtomicU32>,
    pub(super) downlink: Bottleneck,
    /// The payload type of its video (both ways), once it has sent some.
    pub(super) video_pt: Option<Pt>,
    pub(super) stop: Arc<AtomicBool>,
    pub(super) rate: SendRate,
    pub(super) started: Instant,
}

impl Runner {
    pub(super) async fn run(mut self) {
        let Ok(mut io) = PeerIo::new(&self.link) else {
            self.counters.closed.store(true, Ordering::Relaxed);
            return;
        };
        let mut buf = vec![0u8; 2000];
        let video_every = Duration::from_secs(1) / self.rate.video_fps.max(1);
        let audio_every = Duration::from_secs(1) / self.rate.audio_pps.max(1);
        let mut next_video = self.started;
        let mut next_audio = self.started;
        let video_frame: Arc<[u8]> = vp8_like_frame(self.rate.video_frame_bytes).into();
        let audio_packet: Arc<[u8]> = vec![0xfc; self.rate.audio_bytes].into();
        while !self.stop.load(Ordering::Relaxed) {
            // Drain output.
            let wake = loop {
                if !self.rtc.is_alive() {
                    self.counters.closed.store(true, Ordering::Relaxed);
                    return;
                }
                match self.rtc.poll_output() {
                    Ok(Output::Timeout(t)) => break t,
                    Ok(Output::Transmit(t)) => {
                        if !self.loss_out.takes(&t.contents, self.video_pt) {
                            io.send(&t);
                            self.counters.datagrams_sent.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Ok(Output::Event(e)) => self.on_event(e),
                    Err(_) => {
                        self.counters.closed.store(true, Ordering::Relaxed);
                        return;
                    }
                }
            };
            if self.lost_pictures.swap(0, Ordering::Relaxed) > 0 {
                crate::peer::report_lost_picture(&mut self.rtc, &self.mids);
                // The report goes out on the next timeout: take one now.
                let _ = self.rtc.handle_input(Input::Timeout(Instant::now()));
                continue;
            }
            let now = Instant::now();
            if let Some((data, source)) = self.downlink.take_due(now) {
                if let Ok(r) = Receive::new(io.proto, source, io.local, &data) {
                    let _ = self.rtc.handle_input(Input::Receive(now, r));
                }
                continue;
            }
            let connected = self.counters.connected.load(Ordering::Relaxed);
            let sending = connected && self.sending.load(Ordering::Relaxed);
            if sending && (now >= next_video || now >= next_audio) {
                if now >= next_video {
                    self.send(MediaKind::Video, &video_frame, now, Frequency::NINETY_KHZ);
                    next_video += video_every;
                    if next_video < now {
                        next_video = now + video_every;
                    }
                }
                if now >= next_audio {
                    self.send(
                        MediaKind::Audio,
                        &audio_packet,
                        now,
                        Frequency::FORTY_EIGHT_KHZ,
                    );
                    next_audio += audio_every;
                    if next_audio < now {
                        next_audio = now + audio_every;
                    }
                }
                // Out at once, as a browser sends a frame when it is encoded: not at the
                // next wake-up (the next datagram in, or the next audio packet due, up to
                // 20 ms later for a peer that only sends), which would hold it back and
                // send in bursts.
                let _ = self.rtc.handle_input(Input::Timeout(Instant::now()));
                continue;
            }
            let mut until = wake.min(now + Duration::from_millis(50));
            if sending {
                until = until.min(next_video).min(next_audio);
            }
            if let Some(at) = self.downlink.next_due() {
                until = until.min(at);
            }
            match io.recv(&mut buf, until).await {
                Some((n, source)) => {
                    if self.loss_in.takes(&buf[..n], self.video_pt) {
                        continue;
                    }
                    if self.downlink.queues(&buf[..n], source, Instant::now()) {
                        continue;
                    }
                    if let Ok(r) = Receive::new(io.proto, source, io.local, &buf[..n]) {
                        let _ = self.rtc.handle_input(Input::Receive(Instant::now(), r));
                    }
                }
                None => {
                    let _ = self.rtc.handle_input(Input::Timeout(Instant::now()));
                }
            }
        }
    }

    fn on_event(&mut self, e: Event) {
        match e {
            Event::Connected => self.counters.connected.store(true, Ordering::Relaxed),
            // The server said goodbye (DTLS close_notify).
            Event::Closed => self
                .counters
                .closed_by_server
                .store(true, Ordering::Relaxed),
            Event::MediaData(d) => {
                if let Some(i) = self.mids.iter().position(|(m, _)| *m == d.mid)
                    && let Some(c) = self.counters.received.get(i)
                {
                    c.fetch_add(1, Ordering::Relaxed);
                    if let Some(latencies) = &self.latencies
                        && let Some(age) = stamp::age_micros(&d.data, Instant::now())
                    {
                        latencies.record(age);
                    }
                    let us = self.started.elapsed().as_micros().max(1);
                    self.counters
                        .last_received_micros
                        .store(u64::try_from(us).unwrap_or(u64::MAX), Ordering::Relaxed);
                }
            }
            Event::KeyframeRequest(_) => {
                self.counters
                    .keyframe_requests
                    .fetch_add(1, Ordering::Relaxed);
            }
            Event::EgressBitrateEstimate(BweKind::Remb { estimate, .. }) => {
                self.counters
                    .uplink_ceiling_bps
                    .store(estimate.as_u64().max(1), Ordering::Relaxed);
            }
            _ => {}
        }
    }

    fn send(&mut self, kind: MediaKind, data: &Arc<[u8]>, now: Instant, freq: Frequency) {
        let Some(mid) = self.mids.iter().find(|(_, k)| *k == kind).map(|(m, _)| *m) else {
            return;
        };
        let Some(writer) = self.rtc.writer(mid) else {
            return;
        };
        let Some(pt) = writer.payload_params().next().map(|p| p.pt()) else {
            return;
        };
        let elapsed = now.saturating_duration_since(self.started);
        let ticks = elapsed.as_micros() * u128::from(freq.get()) / 1_000_000;
        let time = MediaTime::new(u64::try_from(ticks).unwrap_or(0), freq);
        let data = match &self.latencies {
            Some(_) => {
                let at = stamp::offset(kind == MediaKind::Video);
                Arc::from(stamp::stamped(data, at, Instant::now()))
            }
            None => Arc::clone(data),
        };
        if writer.write(pt, now, time, data).is_ok() {
            self.counters.sent.fetch_add(1, Ordering::Relaxed);
            if kind == MediaKind::Video {
                self.video_pt = Some(pt);
                self.counters.sent_video.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// Bytes shaped like a VP8 keyframe header, so depacketizers on the way accept them.
fn vp8_like_frame(len: usize) -> Vec<u8> {
    let mut frame = vec![0u8; len.max(10)];
    // Frame tag: keyframe, version 0, show_frame; then the keyframe start code.
    frame[0] = 0x10;
    frame[3] = 0x9d;
    frame[4] = 0x01;
    frame[5] = 0x2a;
    frame
}
