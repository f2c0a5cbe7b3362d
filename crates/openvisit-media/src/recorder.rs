//! Recording a visit (R14). During the call each party's audio and video frames are
//! appended to raw track files (a record is written whole or is the torn last one, so a
//! crash loses at most the unflushed second); when the room ends they are assembled into
//! one WebM (VP8 + Opus) per party, which browsers and VLC play.

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use str0m::media::MediaKind;

use crate::RoomRole;
use crate::frames::FrameAssembler;

/// One RTP packet as the recorder needs it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Packet<'a> {
    /// The stream (SSRC): a rejoin brings a new one.
    pub source: u32,
    /// Extended sequence number.
    pub seq: u64,
    pub timestamp: u32,
    pub marker: bool,
    pub payload: &'a [u8],
}

const MAGIC: &[u8; 8] = b"OVRAW\x00\x00\x01";

/// The raw tracks of one room while it runs.
pub(crate) struct Recorder {
    folder: PathBuf,
    started: Instant,
    /// Which run of the room this is: a server restarted mid-visit records the rest
    /// into new raw files (`visitor-audio.2.raw`, …), which become new part files.
    run: u32,
    /// (visitor audio, visitor video, resident audio, resident video)
    tracks: [Option<BufWriter<File>>; 4],
    /// Frames put together from each track's packets.
    assemblers: [FrameAssembler; 4],
    /// Each track's media clock, so frames are stamped when the sender captured them.
    clocks: [Option<MediaClock>; 4],
    failed: bool,
}

/// A track's RTP clock tied to the recording's: a frame's time is the sender's capture
/// time (its RTP timestamp), evenly spaced, not its arrival, which network jitter
/// bunches (players then see two frames at one instant). A new stream, or a clock that
/// drifts more than a second from arrival, is anchored again at arrival.
#[derive(Debug, Clone, Copy)]
struct MediaClock {
    source: u32,
    rtp: u32,
    micros: u64,
    rate: u64,
}

/// How far the sender's clock may run from arrival before it is anchored again.
const CLOCK_SLACK_MICROS: u64 = 1_000_000;

impl MediaClock {
    /// The capture time of `rtp`, given that it arrived at `arrived` (micros).
    fn time_of(
        clock: &mut Option<MediaClock>,
        source: u32,
        rtp: u32,
        rate: u64,
        arrived: u64,
    ) -> u64 {
        if let Some(c) = clock.as_ref()
            && c.source == source
        {
            // Wrapping difference, as RTP timestamps wrap; backwards is negative.
            let ticks = i64::from(rtp.wrapping_sub(c.rtp) as i32);
            let micros = c.micros as i64 + ticks * 1_000_000 / c.rate as i64;
            if micros >= 0 && (micros as u64).abs_diff(arrived) <= CLOCK_SLACK_MICROS {
                return micros as u64;
            }
        }
        *clock = Some(MediaClock {
            source,
            rtp,
            micros: arrived,
            rate,
        });
        arrived
    }
}

fn track_index(role: RoomRole, kind: MediaKind) -> Option<usize> {
    let base = match role {
        RoomRole::Visitor => 0,
        RoomRole::Resident => 2,
        RoomRole::Monitor => return None,
    };
    Some(base + usize::from(kind == MediaKind::Video))
}

fn track_name(index: usize) -> &'static str {
    [
        "visitor-audio",
        "visitor-video",
        "resident-audio",
        "resident-video",
    ][index]
}

impl Recorder {
    /// Records into `folder`. A folder an earlier run of the same visit wrote to (the
    /// server restarted) is continued: its raw files are kept, this run writes its own,
    /// and its times go on from the same beginning.
    pub fn new(folder: PathBuf) -> io::Result<Recorder> {
        fs::create_dir_all(&folder)?;
        let run = (1u32..)
            .find(|&n| (0..4).all(|i| !raw_path(&folder, i, n).exists()))
            .unwrap_or(1);
        let since_beginning = recording_age(&folder)?;
        let now = Instant::now();
        Ok(Recorder {
            folder,
            started: now.checked_sub(since_beginning).unwrap_or(now),
            run,
            tracks: [None, None, None, None],
            assemblers: [
                FrameAssembler::new(MediaKind::Audio),
                FrameAssembler::new(MediaKind::Video),
                FrameAssembler::new(MediaKind::Audio),
                FrameAssembler::new(MediaKind::Video),
            ],
            clocks: [None; 4],
            failed: false,
        })
    }

    /// Takes one forwarded RTP packet; a frame it completes is appended. True when
    /// packets of the party's video went missing (a keyframe is needed).
    pub fn write_packet(
        &mut self,
        role: RoomRole,
        kind: MediaKind,
        packet: Packet<'_>,
        at: Instant,
    ) -> bool {
        let Some(i) = track_index(role, kind) else {
            return false;
        };
        let done = self.assemblers[i].push(
            packet.source,
            packet.seq,
            packet.timestamp,
            packet.marker,
            packet.payload,
        );
        let arrived = u64::try_from(at.saturating_duration_since(self.started).as_micros())
            .unwrap_or(u64::MAX);
        let rate = if kind == MediaKind::Video {
            90_000
        } else {
            48_000
        };
        let micros = MediaClock::time_of(
            &mut self.clocks[i],
            packet.source,
            packet.timestamp,
            rate,
            arrived,
        );
        for frame in &done.frames {
            self.write_at(i, frame, micros);
        }
        done.lost
    }

    /// Appends one frame of track `i` at `micros` into the recording. A write error
    /// stops the recording (the call goes on).
    fn write_at(&mut self, i: usize, data: &[u8], micros: u64) {
        if self.failed {
            return;
        }
        if let Err(e) = self.append_at(i, data, micros) {
            tracing::error!(error = %e, "recording stopped");
            self.failed = true;
        }
    }

    fn append_at(&mut self, i: usize, data: &[u8], micros: u64) -> io::Result<()> {
        if self.tracks[i].is_none() {
            let path = raw_path(&self.folder, i, self.run);
            let mut w = BufWriter::new(File::create(path)?);
            w.write_all(MAGIC)?;
            self.tracks[i] = Some(w);
        }
        let Some(w) = self.tracks[i].as_mut() else {
            return Ok(());
        };
        let len = u32::try_from(data.len()).map_err(io::Error::other)?;
        w.write_all(&micros.to_le_bytes())?;
        w.write_all(&len.to_le_bytes())?;
        w.write_all(data)
    }

    /// Pushes what is buffered to the files (called every second).
    pub fn flush(&mut self) {
        for w in self.tracks.iter_mut().flatten() {
            let _ = w.flush();
        }
    }

    /// Stops recording and deletes what was written: the visit became privileged (R14),
    /// so no part of it may be kept.
    pub fn discard(self) -> io::Result<()> {
        let folder = self.folder.clone();
        drop(self);
        match fs::remove_dir_all(&folder) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Closes the raw tracks.
    pub fn finish(mut self) -> PathBuf {
        self.flush();
        self.folder
    }
}

/// The raw file of track `i` in run `run` of a recording.
fn raw_path(folder: &Path, i: usize, run: u32) -> PathBuf {
    match run {
        1 => folder.join(format!("{}.raw", track_name(i))),
        n => folder.join(format!("{}.{n}.raw", track_name(i))),
    }
}

/// The file holding when a recording began (Unix microseconds), so that a later run
/// stamps its frames on the same timeline.
const BEGAN_FILE: &str = "began";

/// How long ago the recording in `folder` began; zero for a new one (which is marked).
fn recording_age(folder: &Path) -> io::Result<std::time::Duration> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let path = folder.join(BEGAN_FILE);
    match fs::read_to_string(&path) {
        Ok(text) => {
            let began = text.trim().parse::<u64>().unwrap_or(0);
            let began = std::time::Duration::from_micros(began);
            Ok(now.saturating_sub(began))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            fs::write(&path, now.as_micros().to_string())?;
            Ok(std::time::Duration::ZERO)
        }
        Err(e) => Err(e),
    }
}

/// One assembled file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingFile {
    pub path: PathBuf,
    pub bytes: u64,
}

/// Reads one raw track; a torn last record (a crash mid-write) is dropped.
fn read_track(path: &Path) -> io::Result<Vec<(u64, Vec<u8>)>> {
    let mut r = BufReader::new(File::open(path)?);
    let mut magic = [0u8; 8];
    r.read_exact(&mut magic)?;
    if &magic != MAGIC {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "not a raw track",
        ));
    }
    let mut out = Vec::new();
    loop {
        let mut head = [0u8; 12];
        if r.read_exact(&mut head).is_err() {
            break;
        }
        let micros = u64::from_le_bytes(head[..8].try_into().map_err(io::Error::other)?);
        let len = u32::from_le_bytes(head[8..].try_into().map_err(io::Error::other)?);
        let mut data = vec![0u8; len as usize];
        if r.read_exact(&mut data).is_err() {
            break;
        }
        out.push((micros, data));
    }
    Ok(out)
}

/// A VP8 frame's P bit is 0 on keyframes.
fn is_vp8_keyframe(frame: &[u8]) -> bool {
    frame.first().is_some_and(|b| b & 1 == 0)
}

/// Width and height from a VP8 keyframe header (RFC 6386 §9.1).
fn vp8_size(frame: &[u8]) -> Option<(u32, u32)> {
    if frame.len() < 10 || frame[3..6] != [0x9d, 0x01, 0x2a] {
        return None;
    }
    let w = u32::from(u16::from_le_bytes([frame[6], frame[7]]) & 0x3fff);
    let h = u32::from(u16::from_le_bytes([frame[8], frame[9]]) & 0x3fff);
    (w > 0 && h > 0).then_some((w, h))
}

/// The Opus identification header WebM carries as the audio track's codec private data.
fn opus_head() -> Vec<u8> {
    let mut h = b"OpusHead".to_vec();
    h.push(1); // version
    h.push(2); // channels
    h.extend_from_slice(&312u16.to_le_bytes()); // pre-skip
    h.extend_from_slice(&48_000u32.to_le_bytes());
    h.extend_from_slice(&0u16.to_le_bytes()); // gain
    h.push(0); // mapping family
    h
}

/// Assembles each party's raw tracks in `folder` into `<party>.webm` and removes the raw
/// files that went into it. Parties with no usable media get no file.
pub fn assemble_recording(folder: &Path) -> io::Result<Vec<RecordingFile>> {
    let runs = (1u32..)
        .take_while(|&n| (0..4).any(|i| raw_path(folder, i, n).exists()))
        .last()
        .unwrap_or(0);
    let mut files = Vec::new();
    for (party, base) in [("visitor", 0usize), ("resident", 2)] {
        // Each run (a server restart in between) is its own stretch of parts.
        let mut stretches = Vec::new();
        for run in 1..=runs {
            let read = |i: usize| -> io::Result<Track> {
                let path = raw_path(folder, i, run);
                if path.exists() {
                    read_track(&path)
                } else {
                    Ok(Vec::new())
                }
            };
            stretches.push((read(base)?, read(base + 1)?));
        }
        files.extend(write_parts(folder, party, stretches)?);
    }
    // Only once every party's files are written: a failed assembly keeps all the raw
    // media for another try.
    for run in 1..=runs {
        for i in 0..4 {
            let _ = fs::remove_file(raw_path(folder, i, run));
        }
    }
    let _ = fs::remove_file(folder.join(BEGAN_FILE));
    Ok(files)
}

/// Whether `name` is a file `assemble_recording` writes: `visitor.webm`, `resident.webm`,
/// or a later part such as `visitor-2.webm`. Nothing else may be served from a folder.
pub fn is_recording_file_name(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".webm") else {
        return false;
    };
    let (party, part) = match stem.split_once('-') {
        Some((party, n)) => (party, Some(n)),
        None => (stem, None),
    };
    matches!(party, "visitor" | "resident")
        && part.is_none_or(|n| {
            (1..=4).contains(&n.len())
                && n.bytes().all(|b| b.is_ascii_digit())
                && !n.starts_with('0')
                && n != "1"
        })
}

/// The files of an assembled recording in `folder`: the visitor's parts in order, then
/// the resident's, as (party, part number from 1, file name).
pub fn recording_files(folder: &Path) -> Vec<(&'static str, u32, String)> {
    let mut out = Vec::new();
    for party in ["visitor", "resident"] {
        for part in 1u32.. {
            let name = match part {
                1 => format!("{party}.webm"),
                n => format!("{party}-{n}.webm"),
            };
            // Parts are numbered without holes (`write_parts`).
            if !folder.join(&name).exists() {
                break;
            }
            out.push((party, part, name));
        }
    }
    out
}

/// Media gaps longer than this start a new part file: a WebM block's time is a 16-bit
/// millisecond offset from its cluster (±32.7 s), and the muxer cannot carry frames it
/// holds back across a longer gap (a 40 s silence once lost the whole recording).
const PART_GAP_MICROS: u64 = 30_000_000;

/// One track's frames: (microseconds into the visit, frame).
type Track = Vec<(u64, Vec<u8>)>;

/// Splits one party's tracks where neither carried anything for [`PART_GAP_MICROS`].
fn split_at_gaps(audio: Track, video: Track) -> Vec<(Track, Track)> {
    let mut times: Vec<u64> = audio.iter().chain(video.iter()).map(|(t, _)| *t).collect();
    times.sort_unstable();
    // Each part starts at or after one of these instants.
    let starts: Vec<u64> = times
        .windows(2)
        .filter(|w| w[1] - w[0] > PART_GAP_MICROS)
        .map(|w| w[1])
        .collect();
    let part_of = |t: u64| starts.iter().take_while(|s| **s <= t).count();
    let mut parts: Vec<(Track, Track)> = (0..=starts.len())
        .map(|_| (Vec::new(), Vec::new()))
        .collect();
    for frame in audio {
        parts[part_of(frame.0)].0.push(frame);
    }
    for frame in video {
        parts[part_of(frame.0)].1.push(frame);
    }
    parts
}

/// Writes one party's media as `<party>.webm`, then `<party>-2.webm` and on for each part:
/// each stretch (a run of the server) is split after long gaps. Times stay those of the
/// visit, so parts line up with the clock.
fn write_parts(
    folder: &Path,
    party: &str,
    stretches: Vec<(Track, Track)>,
) -> io::Result<Vec<RecordingFile>> {
    let mut files = Vec::new();
    let parts = stretches
        .into_iter()
        .flat_map(|(audio, video)| split_at_gaps(audio, video));
    for (audio, mut video) in parts {
        // A decoder needs a keyframe first.
        if let Some(first_key) = video.iter().position(|(_, f)| is_vp8_keyframe(f)) {
            video.drain(..first_key);
        } else {
            video.clear();
        }
        if audio.is_empty() && video.is_empty() {
            continue;
        }
        let name = match files.len() {
            0 => format!("{party}.webm"),
            n => format!("{party}-{}.webm", n + 1),
        };
        let out = folder.join(name);
        write_webm(&out, &audio, &video)?;
        let bytes = fs::metadata(&out)?.len();
        files.push(RecordingFile { path: out, bytes });
    }
    Ok(files)
}

fn mux_error(e: &webm::mux::Error) -> io::Error {
    io::Error::other(format!("webm: {e:?}"))
}

fn write_webm(out: &Path, audio: &[(u64, Vec<u8>)], video: &[(u64, Vec<u8>)]) -> io::Result<()> {
    use webm::mux::{AudioCodecId, SegmentBuilder, VideoCodecId, Writer};
    let file = BufWriter::new(File::create(out)?);
    let mut builder = SegmentBuilder::new(Writer::new(file))
        .map_err(|e| mux_error(&e))?
        .set_writing_app("OpenVisit")
        .map_err(|e| mux_error(&e))?;
    let mut video_track = None;
    if let Some((_, first)) = video.first() {
        let (w, h) = vp8_size(first).unwrap_or((640, 480));
        let (b, t) = builder
            .add_video_track(w, h, VideoCodecId::VP8, None)
            .map_err(|e| mux_error(&e))?;
        builder = b;
        video_track = Some(t);
    }
    let mut audio_track = None;
    if !audio.is_empty() {
        let (b, t) = builder
            .add_audio_track(48_000, 2, AudioCodecId::Opus, None)
            .map_err(|e| mux_error(&e))?;
        builder = b
            .set_codec_private(t, &opus_head())
            .map_err(|e| mux_error(&e))?;
        audio_track = Some(t);
    }
    let mut segment = builder.build();
    // Interleave by time: WebM wants timestamps that never go back across tracks.
    let (mut a, mut v) = (0, 0);
    let mut last_ns = 0u64;
    // Per track, each frame at least a millisecond (the timecode unit) after the one
    // before: players flag equal timestamps as non-monotonic.
    let (mut last_audio, mut last_video) = (None::<u64>, None::<u64>);
    while a < audio.len() || v < video.len() {
        let take_video = match (audio.get(a), video.get(v)) {
            (Some((ta, _)), Some((tv, _))) => tv <= ta,
            (None, Some(_)) => true,
            _ => false,
        };
        let (micros, data, track, key) = if take_video {
            let (t, d) = &video[v];
            v += 1;
            (*t, d, video_track.map(Into::into), is_vp8_keyframe(d))
        } else {
            let (t, d) = &audio[a];
            a += 1;
            (*t, d, audio_track.map(Into::into), true)
        };
        let Some(track): Option<u64> = track else {
            continue;
        };
        let track_last = if take_video {
            &mut last_video
        } else {
            &mut last_audio
        };
        let ns = micros
            .saturating_mul(1000)
            .max(last_ns)
            .max(track_last.map_or(0, |t| t + 1_000_000));
        *track_last = Some(ns);
        last_ns = ns;
        segment
            .add_frame(track, data, ns, key)
            .map_err(|e| mux_error(&e))?;
    }
    segment
        .finalize(None)
        .map_err(|_| io::Error::other("webm: could not finish the file"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A VP8 keyframe header for 320×240 (enough for the muxer; no decoder reads it).
    fn keyframe() -> Vec<u8> {
        let mut f = vec![0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a];
        f.extend_from_slice(&320u16.to_le_bytes());
        f.extend_from_slice(&240u16.to_le_bytes());
        f.extend_from_slice(&[0u8; 20]);
        f
    }

    fn delta() -> Vec<u8> {
        vec![0x11, 0x02, 0x00, 1, 2, 3, 4, 5]
    }

    /// 20 ms audio frames and 30 fps video (a keyframe a second) from `from_s` for
    /// `seconds`.
    fn media(from_s: u64, seconds: u64) -> (Track, Track) {
        let start = from_s * 1_000_000;
        let audio = (0..seconds * 50)
            .map(|i| (start + i * 20_000, vec![0xfc, 0xff, 0xfe]))
            .collect();
        let video = (0..seconds * 30)
            .map(|i| {
                let frame = if i % 30 == 0 { keyframe() } else { delta() };
                (start + i * 33_333, frame)
            })
            .collect();
        (audio, video)
    }

    #[test]
    fn only_the_files_a_recording_holds_may_be_served() {
        for ok in [
            "visitor.webm",
            "resident.webm",
            "visitor-2.webm",
            "resident-14.webm",
        ] {
            assert!(is_recording_file_name(ok), "{ok}");
        }
        for bad in [
            "visitor-1.webm",
            "visitor-02.webm",
            "visitor-.webm",
            "monitor.webm",
            "../visitor.webm",
            "visitor.raw",
            "visitor-2.webm.tmp",
            "visitor-99999.webm",
        ] {
            assert!(!is_recording_file_name(bad), "{bad}");
        }
    }

    /// Both parties silent for a while (a dropped link, a long pause): WebM blocks are
    /// 16-bit millisecond offsets from their cluster (about 32.7 s), and a 40 s or 90 s
    /// gap lost the whole recording.
    #[test]
    fn a_recording_survives_a_long_gap_in_the_media() {
        for gap in [25, 40, 90, 400] {
            let dir = std::env::temp_dir().join(format!("ov-rec-gap-{gap}-{}", std::process::id()));
            fs::create_dir_all(&dir).expect("dir");
            let (mut audio, mut video) = media(0, 5);
            let (a2, v2) = media(5 + gap, 5);
            audio.extend(a2);
            video.extend(v2);
            let written = write_parts(&dir, "visitor", vec![(audio, video)]);
            let _ = fs::remove_dir_all(&dir);
            let files = written.unwrap_or_else(|e| panic!("{gap} s gap: {e}"));
            let names: Vec<String> = files
                .iter()
                .filter_map(|f| f.path.file_name()?.to_str().map(str::to_owned))
                .collect();
            let expected: &[&str] = if gap > 30 {
                &["visitor.webm", "visitor-2.webm"]
            } else {
                &["visitor.webm"]
            };
            assert_eq!(names, expected, "{gap} s gap");
            assert!(names.iter().all(|n| is_recording_file_name(n)));
        }
    }

    fn packet(seq: u64, timestamp: u32, payload: &[u8]) -> Packet<'_> {
        Packet {
            source: 7,
            seq,
            timestamp,
            marker: true,
            payload,
        }
    }

    /// A server restarted mid-visit opens the room's recorder again: what the first run
    /// wrote is kept (it was once truncated), the second run's media becomes a part of
    /// its own, and the times of both sit on one timeline.
    #[test]
    fn a_second_run_of_a_recording_keeps_the_first_and_becomes_its_own_part() {
        let dir = std::env::temp_dir().join(format!("ov-rec-runs-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let key = keyframe();
        let audio = [0xfc, 0xff, 0xfe];
        for run in 0..2u64 {
            let mut r = Recorder::new(dir.clone()).expect("recorder");
            let t0 = Instant::now();
            for i in 0..20u64 {
                let at = t0 + std::time::Duration::from_millis(i * 20);
                let ts = u32::try_from(i * 1800).expect("ts");
                r.write_packet(RoomRole::Visitor, MediaKind::Video, packet(i, ts, &key), at);
                let ts = u32::try_from(i * 960).expect("ts");
                r.write_packet(
                    RoomRole::Visitor,
                    MediaKind::Audio,
                    packet(i, ts, &audio),
                    at,
                );
            }
            // A crash: the raw files are left as they are.
            r.flush();
            drop(r);
            if run == 0 {
                // The first run stamped frames up to 380 ms in; the restart comes later.
                std::thread::sleep(std::time::Duration::from_millis(500));
            }
        }
        assert!(dir.join("visitor-video.raw").exists());
        assert!(dir.join("visitor-video.2.raw").exists());
        let first = read_track(&dir.join("visitor-video.raw")).expect("run 1");
        let second = read_track(&dir.join("visitor-video.2.raw")).expect("run 2");
        assert_eq!(first.len(), 20, "the first run's frames are all kept");
        assert!(
            second[0].0 > first[first.len() - 1].0,
            "the second run goes on from the first's timeline"
        );
        let files = assemble_recording(&dir).expect("assembled");
        let names: Vec<String> = files
            .iter()
            .filter_map(|f| f.path.file_name()?.to_str().map(str::to_owned))
            .collect();
        let left: Vec<String> = fs::read_dir(&dir)
            .expect("dir")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| !n.ends_with(".webm"))
            .collect();
        let _ = fs::remove_dir_all(&dir);
        assert_eq!(names, ["visitor.webm", "visitor-2.webm"]);
        assert!(left.is_empty(), "raw files left behind: {left:?}");
    }
}
