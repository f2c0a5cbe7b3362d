//! Whole frames from forwarded RTP packets, for the recorder. The forwarding path passes
//! packets through untouched; only a recorded visit pays for putting frames together.
//!
//! Opus: one packet is one frame. VP8 (RFC 7741): each packet starts with a payload
//! descriptor; a frame is the packets with one RTP timestamp, from the one whose
//! descriptor has S=1 and partition 0 to the one with the marker bit. A frame with a gap
//! in its sequence numbers is dropped, and the caller asks for a keyframe.

use str0m::media::MediaKind;

/// What one packet did to the frame being put together.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Assembled {
    /// A complete frame, ready for the recording.
    pub frame: Option<Vec<u8>>,
    /// Packets went missing: the current picture is broken until the next keyframe.
    pub lost: bool,
}

#[derive(Debug)]
pub(crate) struct FrameAssembler {
    kind: MediaKind,
    /// The frame being collected: its RTP timestamp and bytes so far.
    current: Option<(u32, Vec<u8>)>,
    last_seq: Option<u64>,
}

impl FrameAssembler {
    pub fn new(kind: MediaKind) -> FrameAssembler {
        FrameAssembler {
            kind,
            current: None,
            last_seq: None,
        }
    }

    /// Takes one packet (extended sequence number, RTP timestamp, marker, payload).
    pub fn push(&mut self, seq: u64, timestamp: u32, marker: bool, payload: &[u8]) -> Assembled {
        let gap = self.last_seq.is_some_and(|last| seq != last + 1);
        if self.last_seq.is_some_and(|last| seq <= last) {
            // A late or repeated packet: its frame was already given up or written.
            return Assembled::default();
        }
        self.last_seq = Some(seq);
        if self.kind == MediaKind::Audio {
            return Assembled {
                frame: (!payload.is_empty()).then(|| payload.to_vec()),
                lost: false,
            };
        }
        let mut out = Assembled::default();
        if gap && self.current.take().is_some() {
            out.lost = true;
        }
        let Some((start, offset)) = vp8_descriptor(payload) else {
            self.current = None;
            out.lost = true;
            return out;
        };
        let data = &payload[offset..];
        match &mut self.current {
            Some((ts, bytes)) if *ts == timestamp && !start => bytes.extend_from_slice(data),
            _ if start => self.current = Some((timestamp, data.to_vec())),
            _ => {
                // The middle of a frame whose beginning never came.
                if self.current.take().is_some() || gap {
                    out.lost = true;
                }
                return out;
            }
        }
        if marker {
            out.frame = self.current.take().map(|(_, bytes)| bytes);
        }
        out
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

    #[test]
    fn a_video_frame_is_its_packets_without_descriptors() {
        let mut a = FrameAssembler::new(MediaKind::Video);
        assert_eq!(
            a.push(10, 900, false, &packet(true, b"ab")),
            Assembled::default()
        );
        assert_eq!(
            a.push(11, 900, false, &packet(false, b"cd")),
            Assembled::default()
        );
        let done = a.push(12, 900, true, &packet(false, b"ef"));
        assert_eq!(done.frame.as_deref(), Some(&b"abcdef"[..]));
        assert!(!done.lost);
        // A single-packet frame.
        let done = a.push(13, 1800, true, &packet(true, b"gh"));
        assert_eq!(done.frame.as_deref(), Some(&b"gh"[..]));
    }

    #[test]
    fn a_gap_drops_the_frame_and_says_so() {
        let mut a = FrameAssembler::new(MediaKind::Video);
        a.push(10, 900, false, &packet(true, b"ab"));
        let after_gap = a.push(12, 900, true, &packet(false, b"ef"));
        assert_eq!(after_gap.frame, None);
        assert!(after_gap.lost);
        // The late packet changes nothing; the next frame is whole again.
        assert_eq!(
            a.push(11, 900, false, &packet(false, b"cd")),
            Assembled::default()
        );
        let next = a.push(13, 1800, true, &packet(true, b"xy"));
        assert_eq!(next.frame.as_deref(), Some(&b"xy"[..]));
        assert!(!next.lost);
    }

    #[test]
    fn audio_packets_are_frames() {
        let mut a = FrameAssembler::new(MediaKind::Audio);
        assert_eq!(
            a.push(1, 960, true, b"opus").frame.as_deref(),
            Some(&b"opus"[..])
        );
        assert_eq!(
            a.push(2, 1920, false, b"more").frame.as_deref(),
            Some(&b"more"[..])
        );
        assert_eq!(a.push(2, 1920, false, b"more").frame, None, "a repeat");
    }
}
