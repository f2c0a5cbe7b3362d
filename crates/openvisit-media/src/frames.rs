//! Whole frames from forwarded RTP packets, for the recorder. The forwarding path passes
//! packets through untouched; only a recorded visit pays for putting frames together.
//!
//! Opus: one packet is one frame. VP8 (RFC 7741): each packet starts with a payload
//! descriptor; a frame is the packets with one RTP timestamp, from the one whose
//! descriptor has S=1 and partition 0 to the one with the marker bit. Packets may arrive
//! out of order (a retransmission repairs a hole later), so a frame waits for its missing
//! packets while up to `MAX_PENDING_FRAMES` frames are pending; then the oldest is given
//! up. After a loss, frames are held back until the next keyframe (the ones between would
//! not decode), and the caller asks the sender for one.

use std::collections::BTreeMap;

use str0m::media::MediaKind;

/// Frames (RTP timestamps) that may wait for a missing packet before the oldest is lost.
const MAX_PENDING_FRAMES: usize = 3;

/// What one packet did to the frames being put together.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Assembled {
    /// Complete frames, ready for the recording, in order.
    pub frames: Vec<Vec<u8>>,
    /// Packets went missing: a keyframe is needed.
    pub lost: bool,
}

#[derive(Debug)]
struct Part {
    timestamp: u32,
    start: bool,
    marker: bool,
    data: Vec<u8>,
}

#[derive(Debug)]
pub(crate) struct FrameAssembler {
    kind: MediaKind,
    /// The stream the packets come from; a new one (a rejoin) starts afresh.
    source: Option<u32>,
    /// Packets not yet part of an emitted frame, by extended sequence number.
    parts: BTreeMap<u64, Part>,
    /// Every packet up to this sequence number has been used or given up.
    done_through: Option<u64>,
    /// After a loss: hold frames back until a keyframe.
    need_keyframe: bool,
}

impl FrameAssembler {
    pub fn new(kind: MediaKind) -> FrameAssembler {
        FrameAssembler {
            kind,
            source: None,
            parts: BTreeMap::new(),
            done_through: None,
            need_keyframe: true,
        }
    }

    /// Takes one packet of `source` (extended sequence number, RTP timestamp, marker,
    /// payload).
    pub fn push(
        &mut self,
        source: u32,
        seq: u64,
        timestamp: u32,
        marker: bool,
        payload: &[u8],
    ) -> Assembled {
        if self.source != Some(source) {
            self.source = Some(source);
            self.parts.clear();
            self.done_through = None;
            self.need_keyframe = true;
        }
        if self.done_through.is_some_and(|d| seq <= d) {
            // Late or repeated: its frame was already written or given up.
            return Assembled::default();
        }
        if self.kind == MediaKind::Audio {
            self.done_through = Some(seq);
            return Assembled {
                frames: (!payload.is_empty())
                    .then(|| payload.to_vec())
                    .into_iter()
                    .collect(),
                lost: false,
            };
        }
        let mut out = Assembled::default();
        let Some((start, offset)) = vp8_descriptor(payload) else {
            // Unreadable: treat as lost.
            self.done_through = Some(self.done_through.map_or(seq, |d| d.max(seq)));
            self.need_keyframe = true;
            out.lost = true;
            return out;
        };
        self.parts.insert(
            seq,
            Part {
                timestamp,
                start,
                marker,
                data: payload[offset..].to_vec(),
            },
        );
        loop {
            if let Some(frame) = self.take_complete_frame() {
                let keyframe = frame.first().is_some_and(|b| b & 0x01 == 0);
                if keyframe {
                    self.need_keyframe = false;
                }
                if !self.need_keyframe {
                    out.frames.push(frame);
                }
                continue;
            }
            if self.pending_frames() > MAX_PENDING_FRAMES {
                self.give_up_oldest();
                self.need_keyframe = true;
                out.lost = true;
                continue;
            }
            break;
        }
        out
    }

    /// The oldest frame, if it is whole and nothing before it is missing.
    fn take_complete_frame(&mut self) -> Option<Vec<u8>> {
        let (&first, part) = self.parts.iter().next()?;
        let contiguous = self.done_through.is_none_or(|d| first == d + 1);
        if !part.start || !contiguous {
            return None;
        }
        let timestamp = part.timestamp;
        let mut end = None;
        for (expected, (&seq, p)) in (first..).zip(self.parts.iter()) {
            if seq != expected || p.timestamp != timestamp {
                return None;
            }
            if p.marker {
                end = Some(seq);
                break;
            }
        }
        let end = end?;
        let mut frame = Vec::new();
        for seq in first..=end {
            if let Some(p) = self.parts.remove(&seq) {
                frame.extend_from_slice(&p.data);
            }
        }
        self.done_through = Some(end);
        Some(frame)
    }

    fn pending_frames(&self) -> usize {
        let mut timestamps: Vec<u32> = self.parts.values().map(|p| p.timestamp).collect();
        timestamps.dedup();
        timestamps.len()
    }

    /// Drops the oldest pending frame's packets; the next frame must begin after them.
    fn give_up_oldest(&mut self) {
        let Some(timestamp) = self.parts.values().next().map(|p| p.timestamp) else {
            return;
        };
        let dropped: Vec<u64> = self
            .parts
            .iter()
            .take_while(|(_, p)| p.timestamp == timestamp)
            .map(|(s, _)| *s)
            .collect();
        for seq in &dropped {
            self.parts.remove(seq);
        }
        // Up to the packet before the next pending one (whose own frame may be whole).
        let next = self.parts.keys().next().copied();
        self.done_through = match (dropped.last(), next) {
            (_, Some(n)) => Some(n - 1),
            (Some(&last), None) => Some(last),
            (None, None) => self.done_through,
        };
    }
}

/// Parses a VP8 payload descriptor: whether the packet begins a frame (S=1, partition 0)
/// and where the VP8 data begins. `None` if the descriptor is cut short.
pub(crate) fn vp8_descriptor(payload: &[u8]) -> Option<(bool, usize)> {
    let first = *payload.first()?;
    let start = first & 0x10 != 0 && first & 0x07 == 0;
    let mut offset = 1;
    if first & 0x80 != 0 {
        let ext = *payload.get(1)?;
        offset = 2;
        if ext & 0x80 != 0 {
            // PictureID: one byte, or two when its M bit is set.
            let pid = *payload.get(offset)?;
            offset += if pid & 0x80 != 0 { 2 } else { 1 };
        }
        if ext & 0x40 != 0 {
            offset += 1; // TL0PICIDX
        }
        if ext & 0x30 != 0 {
            offset += 1; // TID / Y / KEYIDX
        }
    }
    (offset < payload.len()).then_some((start, offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A descriptor with X, I (15-bit picture id) and the given S bit.
    fn packet(start: bool, data: &[u8]) -> Vec<u8> {
        let mut p = vec![0x80 | if start { 0x10 } else { 0 }, 0x80, 0x81, 0x23];
        p.extend_from_slice(data);
        p
    }

    #[test]
    fn descriptors_of_each_shape_are_skipped() {
        assert_eq!(vp8_descriptor(&[0x10, 0xAA]), Some((true, 1)));
        assert_eq!(vp8_descriptor(&[0x90, 0x80, 0x05, 0xAA]), Some((true, 3)));
        assert_eq!(vp8_descriptor(&packet(false, &[1])), Some((false, 4)));
        assert_eq!(
            vp8_descriptor(&[0x90, 0xF0, 0x81, 0x00, 0x01, 0x02, 0xAA]),
            Some((true, 6))
        );
        assert_eq!(vp8_descriptor(&[0x90, 0x80]), None, "cut short");
        assert_eq!(vp8_descriptor(&[]), None);
        // Partition 1 does not begin a frame.
        assert_eq!(vp8_descriptor(&[0x11, 0xAA]), Some((false, 1)));
    }

    /// A keyframe's first bytes (P bit clear) and a delta frame's (P bit set).
    const KEY: &[u8] = &[0x10, 0x02, 0x00];
    const DELTA: &[u8] = &[0x11, 0x02, 0x00];

    fn frames(a: &Assembled) -> Vec<&[u8]> {
        a.frames.iter().map(Vec::as_slice).collect()
    }

    #[test]
    fn a_video_frame_is_its_packets_without_descriptors() {
        let mut a = FrameAssembler::new(MediaKind::Video);
        assert_eq!(
            a.push(7, 10, 900, false, &packet(true, KEY)),
            Assembled::default()
        );
        assert_eq!(
            a.push(7, 11, 900, false, &packet(false, b"cd")),
            Assembled::default()
        );
        let done = a.push(7, 12, 900, true, &packet(false, b"ef"));
        assert_eq!(
            frames(&done),
            [&[0x10, 0x02, 0x00, b'c', b'd', b'e', b'f'][..]]
        );
        assert!(!done.lost);
        // A single-packet delta frame.
        let done = a.push(7, 13, 1800, true, &packet(true, DELTA));
        assert_eq!(frames(&done), [DELTA]);
    }

    #[test]
    fn frames_before_the_first_keyframe_are_held_back() {
        let mut a = FrameAssembler::new(MediaKind::Video);
        assert!(
            a.push(7, 1, 900, true, &packet(true, DELTA))
                .frames
                .is_empty()
        );
        assert_eq!(frames(&a.push(7, 2, 1800, true, &packet(true, KEY))), [KEY]);
    }

    #[test]
    fn a_repaired_packet_completes_its_frame() {
        let mut a = FrameAssembler::new(MediaKind::Video);
        a.push(7, 10, 900, true, &packet(true, KEY));
        // 12 is missing; 13 is the next frame.
        assert!(
            a.push(7, 11, 1800, false, &packet(true, DELTA))
                .frames
                .is_empty()
        );
        assert!(
            a.push(7, 13, 2700, true, &packet(true, DELTA))
                .frames
                .is_empty()
        );
        let repaired = a.push(7, 12, 1800, true, &packet(false, b"zz"));
        assert!(!repaired.lost);
        assert_eq!(repaired.frames.len(), 2, "both frames, in order");
        assert_eq!(repaired.frames[1], DELTA);
    }

    #[test]
    fn a_lost_frame_is_reported_and_delta_frames_wait_for_a_keyframe() {
        let mut a = FrameAssembler::new(MediaKind::Video);
        a.push(7, 10, 900, true, &packet(true, KEY));
        // Seq 11 (a whole frame) never comes.
        let mut lost = false;
        for (i, ts) in [(12u64, 2700u32), (13, 3600), (14, 4500), (15, 5400)] {
            let r = a.push(7, i, ts, true, &packet(true, DELTA));
            assert!(
                r.frames.is_empty(),
                "delta frames after a loss are held back"
            );
            lost |= r.lost;
        }
        assert!(lost, "the loss is reported");
        assert_eq!(
            frames(&a.push(7, 16, 6300, true, &packet(true, KEY))),
            [KEY]
        );
    }

    #[test]
    fn a_new_source_starts_afresh() {
        let mut a = FrameAssembler::new(MediaKind::Video);
        a.push(7, 5000, 900, true, &packet(true, KEY));
        // A rejoin: another stream whose numbers start lower.
        assert_eq!(frames(&a.push(8, 10, 100, true, &packet(true, KEY))), [KEY]);
    }

    #[test]
    fn audio_packets_are_frames() {
        let mut a = FrameAssembler::new(MediaKind::Audio);
        assert_eq!(frames(&a.push(7, 1, 960, true, b"opus")), [&b"opus"[..]]);
        assert_eq!(frames(&a.push(7, 2, 1920, false, b"more")), [&b"more"[..]]);
        assert!(
            a.push(7, 2, 1920, false, b"more").frames.is_empty(),
            "a repeat"
        );
    }
}
