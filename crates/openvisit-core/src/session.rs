//! The clock of a live visit: when the waiting room opens, when media starts, the
//! warnings before the end and the end itself (R4, R5), and the server-side measurement
//! of connected and lost time that fault credits are computed from (R13).
//!
//! Pure: no I/O and no clock reads. Every call takes the instant it happens at; the
//! caller drives the session with `tick` at the instants `next_deadline` names.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// The waiting room opens this long before the scheduled start; a visit may start
/// early within it once both parties are ready (R5).
pub const WAITING_ROOM_MINUTES: i64 = 10;
/// Warnings are given this many minutes before the enforced end, in this order.
pub const WARNING_MINUTES: [i64; 2] = [5, 1];
/// A minute with at least this many fault seconds is a lost minute (R13).
pub const FAULT_SECONDS_PER_MINUTE: u32 = 5;

/// One side of a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Visitor,
    Resident,
}

/// Where a party is. Media starts only once both have said they are ready (R5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Away,
    Present,
    Ready,
}

/// How a visit ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// Ran to its enforced end.
    Completed,
    /// Never started; says who was ever present, so no-shows can be told apart.
    Missed {
        visitor_came: bool,
        resident_came: bool,
    },
    /// Staff ended it (R14).
    EndedByStaff { reason: String },
    /// Started, but no second carried media for both parties and some second was a
    /// fault: a platform fault, refunded or credited (R13).
    Failed,
}

/// What the session tells the parties and the media server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum SessionEvent {
    Started { at: Timestamp, ends_at: Timestamp },
    Warning { minutes_left: i64 },
    Ended { at: Timestamp, outcome: Outcome },
}

/// Why a party cannot join (or say ready) now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JoinError {
    #[error("the waiting room opens at {opens_at}")]
    NotOpenYet { opens_at: Timestamp },
    #[error("this visit is over")]
    Over,
}

/// Where a visit is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Not started (the waiting room may or may not be open yet).
    Waiting,
    /// Media is allowed.
    Live,
    Ended,
}

/// A snapshot for clients: what to show and how long is left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionStatus {
    pub phase: Phase,
    pub visitor: Presence,
    pub resident: Presence,
    pub opens_at: Timestamp,
    pub scheduled_start: Timestamp,
    pub scheduled_end: Timestamp,
    pub actual_start: Option<Timestamp>,
    /// The enforced end, once started.
    pub ends_at: Option<Timestamp>,
    /// Seconds until `ends_at` (never negative), while live.
    pub seconds_left: Option<i64>,
    pub outcome: Option<Outcome>,
}

/// The live state of one visit. Built when the waiting room is set up and driven by
/// the parties' actions, `tick` and the per-second media measurement.
#[derive(Debug, Clone)]
pub struct Session {
    scheduled_start: Timestamp,
    scheduled_end: Timestamp,
    opens_at: Timestamp,
    visitor: Presence,
    resident: Presence,
    visitor_came: bool,
    resident_came: bool,
    actual_start: Option<Timestamp>,
    ended: Option<(Timestamp, Outcome)>,
    /// Which of `WARNING_MINUTES` have been given.
    warned: [bool; WARNING_MINUTES.len()],
    /// The latest instant any call has told us about; it tells `next_deadline` whether
    /// the room has opened without reading a clock.
    latest: Option<Timestamp>,
    /// The last whole second measured, so a repeated call cannot count a second twice.
    last_second: Option<i64>,
    connected_seconds: u32,
    /// Fault seconds per minute bucket, counted from the actual start.
    fault_seconds: BTreeMap<i64, u32>,
    /// Since when the platform has dropped both parties of a started visit (the server
    /// went down with both in): every second until both are ready again is a fault
    /// second, whether or not they come back (R13).
    outage_since: Option<Timestamp>,
}

/// What a session keeps across a restart of the server (it is stored every few seconds
/// and at the start): enough to carry on with the same announced end, the seconds
/// measured so far and the warnings given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub actual_start: Option<Timestamp>,
    pub visitor: Presence,
    pub resident: Presence,
    pub visitor_came: bool,
    pub resident_came: bool,
    pub connected_seconds: u32,
    /// Fault seconds per minute bucket, counted from the actual start.
    pub fault_seconds: BTreeMap<i64, u32>,
    pub warned: [bool; WARNING_MINUTES.len()],
    pub last_second: Option<i64>,
    pub outage_since: Option<Timestamp>,
}

impl Session {
    /// A session for a visit scheduled `[scheduled_start, scheduled_end)`. An end before
    /// the start is taken as a zero-length visit rather than a negative one.
    pub fn new(scheduled_start: Timestamp, scheduled_end: Timestamp) -> Session {
        let opens_at = scheduled_start
            .checked_sub(SignedDuration::from_mins(WAITING_ROOM_MINUTES))
            .unwrap_or(Timestamp::MIN);
        Session {
            scheduled_start,
            scheduled_end: scheduled_end.max(scheduled_start),
            opens_at,
            visitor: Presence::Away,
            resident: Presence::Away,
            visitor_came: false,
            resident_came: false,
            actual_start: None,
            ended: None,
            warned: [false; WARNING_MINUTES.len()],
            latest: None,
            last_second: None,
            connected_seconds: 0,
            fault_seconds: BTreeMap::new(),
            outage_since: None,
        }
    }

    /// What to store so that [`Session::resume`] can carry on.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            actual_start: self.actual_start,
            visitor: self.visitor,
            resident: self.resident,
            visitor_came: self.visitor_came,
            resident_came: self.resident_came,
            connected_seconds: self.connected_seconds,
            fault_seconds: self.fault_seconds.clone(),
            warned: self.warned,
            last_second: self.last_second,
            outage_since: self.outage_since,
        }
    }

    /// The session of a restarted server, from the snapshot stored at `saved_at`. Every
    /// party must join again. A visit that had started with both parties ready was cut
    /// by the platform: from `saved_at` until both are ready again (or the end) every
    /// second is a fault second, so the time lost while the server was down, and until
    /// the parties are back, is credited (R13). The announced end does not move (R4).
    pub fn resume(
        scheduled_start: Timestamp,
        scheduled_end: Timestamp,
        snapshot: Snapshot,
        saved_at: Timestamp,
    ) -> Session {
        let mut s = Session::new(scheduled_start, scheduled_end);
        let both_ready =
            snapshot.visitor == Presence::Ready && snapshot.resident == Presence::Ready;
        s.actual_start = snapshot.actual_start;
        s.visitor_came = snapshot.visitor_came;
        s.resident_came = snapshot.resident_came;
        s.connected_seconds = snapshot.connected_seconds;
        s.fault_seconds = snapshot.fault_seconds;
        s.warned = snapshot.warned;
        s.last_second = snapshot.last_second;
        s.outage_since = match (snapshot.outage_since, s.actual_start) {
            (Some(since), Some(_)) => Some(since),
            (None, Some(start)) if both_ready => Some(saved_at.max(start)),
            _ => None,
        };
        s.see(saved_at);
        s
    }

    /// When the waiting room opens (R5).
    pub fn opens_at(&self) -> Timestamp {
        self.opens_at
    }

    /// A party enters the waiting room (or the live visit). A party that was ready and
    /// joins again (a reconnect) must say ready again.
    pub fn join(&mut self, party: Party, now: Timestamp) -> Result<(), JoinError> {
        self.see(now);
        self.admit(now)?;
        self.set_presence(party, Presence::Present);
        Ok(())
    }

    /// A party says it is ready; joins first if it was away. Media starts the first
    /// time both are ready (R5), and only once.
    pub fn ready(&mut self, party: Party, now: Timestamp) -> Result<Vec<SessionEvent>, JoinError> {
        self.see(now);
        self.admit(now)?;
        self.set_presence(party, Presence::Ready);
        if self.visitor == Presence::Ready && self.resident == Presence::Ready {
            self.close_outage(now);
        }
        let mut events = Vec::new();
        if self.actual_start.is_none()
            && self.visitor == Presence::Ready
            && self.resident == Presence::Ready
        {
            self.actual_start = Some(now);
            events.push(SessionEvent::Started {
                at: now,
                ends_at: self.end_for(now),
            });
            // Only a zero-length visit has anything due at its own start.
            events.extend(self.tick(now));
        }
        Ok(events)
    }

    /// A party leaves or drops. The end never moves: time lost is the party's (R3, R4).
    pub fn leave(&mut self, party: Party, now: Timestamp) {
        self.see(now);
        self.set_presence(party, Presence::Away);
    }

    /// Staff end the visit (R14). If the visit was already due to end by `now` it ends
    /// the way it would have at that instant instead, so no visit ends past its limit.
    pub fn end_by_staff(&mut self, reason: &str, now: Timestamp) -> Vec<SessionEvent> {
        if self.ended.is_some() {
            return Vec::new();
        }
        let events = self.tick(now);
        if self.ended.is_some() {
            return events;
        }
        // A clock that went backwards must not end a visit before it started.
        let at = self.actual_start.map_or(now, |start| now.max(start));
        self.close_outage(at);
        let mut events = events;
        events.push(self.finish(
            at,
            Outcome::EndedByStaff {
                reason: reason.to_owned(),
            },
        ));
        events
    }

    /// Gives the warnings and the end that are due at `now`, each once. An earlier `now`
    /// than before simply finds nothing due.
    pub fn tick(&mut self, now: Timestamp) -> Vec<SessionEvent> {
        self.see(now);
        let mut events = Vec::new();
        if self.ended.is_some() {
            return events;
        }
        let Some(start) = self.actual_start else {
            if now >= self.scheduled_end {
                let outcome = Outcome::Missed {
                    visitor_came: self.visitor_came,
                    resident_came: self.resident_came,
                };
                events.push(self.finish(self.scheduled_end, outcome));
            }
            return events;
        };
        let end = self.end_for(start);
        for (i, minutes) in WARNING_MINUTES.into_iter().enumerate() {
            if self.warned[i] {
                continue;
            }
            if warning_at(end, minutes).is_some_and(|at| at > start && at <= now) {
                self.warned[i] = true;
                events.push(SessionEvent::Warning {
                    minutes_left: minutes,
                });
            }
        }
        if now >= end {
            self.close_outage(end);
            let outcome = if self.connected_seconds == 0 && !self.fault_seconds.is_empty() {
                Outcome::Failed
            } else {
                Outcome::Completed
            };
            events.push(self.finish(end, outcome));
        }
        events
    }

    /// The media server's measurement for the second starting at `at`. Only seconds in
    /// which media is allowed and both parties are ready count: media for both is a
    /// connected second, anything less a fault second. A party that left is not a fault.
    pub fn record_second(&mut self, at: Timestamp, visitor_media: bool, resident_media: bool) {
        let (Some(start), Some(end)) = (self.actual_start, self.enforced_end()) else {
            return;
        };
        if !self.media_allowed()
            || self.visitor != Presence::Ready
            || self.resident != Presence::Ready
            || at < start
            || at >= end
        {
            return;
        }
        let second = at.as_second();
        if self.last_second.is_some_and(|last| second <= last) {
            return;
        }
        self.last_second = Some(second);
        if visitor_media && resident_media {
            self.connected_seconds = self.connected_seconds.saturating_add(1);
        } else {
            let bucket = at.duration_since(start).as_secs() / 60;
            let n = self.fault_seconds.entry(bucket).or_insert(0);
            *n = n.saturating_add(1);
        }
    }

    /// Started and not ended: the only time the media server forwards anything (R4).
    pub fn media_allowed(&self) -> bool {
        self.actual_start.is_some() && self.ended.is_none()
    }

    /// When the visit ends, once it has started.
    pub fn enforced_end(&self) -> Option<Timestamp> {
        self.actual_start.map(|start| self.end_for(start))
    }

    pub fn actual_start(&self) -> Option<Timestamp> {
        self.actual_start
    }

    pub fn ended_at(&self) -> Option<Timestamp> {
        self.ended.as_ref().map(|(at, _)| *at)
    }

    pub fn outcome(&self) -> Option<&Outcome> {
        self.ended.as_ref().map(|(_, outcome)| outcome)
    }

    pub fn presence(&self, party: Party) -> Presence {
        match party {
            Party::Visitor => self.visitor,
            Party::Resident => self.resident,
        }
    }

    /// Seconds in which both parties were ready, media was allowed and media flowed
    /// both ways (what per-minute pricing captures).
    pub fn connected_seconds(&self) -> u32 {
        self.connected_seconds
    }

    /// Minutes of the visit (counted from the actual start) lost to a platform fault:
    /// those with at least `FAULT_SECONDS_PER_MINUTE` fault seconds (R13).
    pub fn lost_minutes(&self) -> u32 {
        let lost = self
            .fault_seconds
            .values()
            .filter(|&&n| n >= FAULT_SECONDS_PER_MINUTE)
            .count();
        u32::try_from(lost).unwrap_or(u32::MAX)
    }

    /// The next instant at which something happens: the room opening, a warning or the
    /// end. A deadline already past means `tick` has something to do now.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        if self.ended.is_some() {
            return None;
        }
        let Some(start) = self.actual_start else {
            let opened = self.latest.is_some_and(|t| t >= self.opens_at);
            return Some(if opened {
                self.scheduled_end
            } else {
                self.opens_at
            });
        };
        let end = self.end_for(start);
        let next_warning = WARNING_MINUTES
            .into_iter()
            .enumerate()
            .filter(|&(i, _)| !self.warned[i])
            .filter_map(|(_, minutes)| warning_at(end, minutes))
            .filter(|&at| at > start)
            .min();
        Some(next_warning.map_or(end, |at| at.min(end)))
    }

    /// What clients show. The phase changes only through the calls above; `now` gives
    /// the time left.
    pub fn status(&self, now: Timestamp) -> SessionStatus {
        let phase = if self.ended.is_some() {
            Phase::Ended
        } else if self.actual_start.is_some() {
            Phase::Live
        } else {
            Phase::Waiting
        };
        let ends_at = self.enforced_end();
        let seconds_left = match (phase, ends_at) {
            (Phase::Live, Some(end)) => Some(end.duration_since(now).as_secs().max(0)),
            _ => None,
        };
        SessionStatus {
            phase,
            visitor: self.visitor,
            resident: self.resident,
            opens_at: self.opens_at,
            scheduled_start: self.scheduled_start,
            scheduled_end: self.scheduled_end,
            actual_start: self.actual_start,
            ends_at,
            seconds_left,
            outcome: self.outcome().cloned(),
        }
    }

    /// The enforced end for a start at `start`: never longer than the scheduled length,
    /// never past the scheduled end (R4, R5).
    fn end_for(&self, start: Timestamp) -> Timestamp {
        let length = self.scheduled_end.duration_since(self.scheduled_start);
        start
            .checked_add(length)
            .map_or(self.scheduled_end, |end| end.min(self.scheduled_end))
    }

    /// Whether a party may be in the room at `now`.
    fn admit(&self, now: Timestamp) -> Result<(), JoinError> {
        if self.ended.is_some() {
            return Err(JoinError::Over);
        }
        if now < self.opens_at {
            return Err(JoinError::NotOpenYet {
                opens_at: self.opens_at,
            });
        }
        if now >= self.scheduled_end || self.enforced_end().is_some_and(|end| now >= end) {
            return Err(JoinError::Over);
        }
        Ok(())
    }

    fn set_presence(&mut self, party: Party, presence: Presence) {
        let came = presence != Presence::Away;
        match party {
            Party::Visitor => {
                self.visitor = presence;
                self.visitor_came |= came;
            }
            Party::Resident => {
                self.resident = presence;
                self.resident_came |= came;
            }
        }
    }

    /// Ends an outage at `until` (or the enforced end, if sooner): each whole second of it
    /// not measured yet is a fault second.
    fn close_outage(&mut self, until: Timestamp) {
        let (Some(since), Some(start), Some(end)) = (
            self.outage_since.take(),
            self.actual_start,
            self.enforced_end(),
        ) else {
            return;
        };
        let until = until.min(end);
        let from = self
            .last_second
            .map_or(since.as_second(), |last| since.as_second().max(last + 1));
        for second in from..until.as_second() {
            // As `record_second` buckets: whole minutes since the (sub-second) start.
            let bucket = (second * 1000 - start.as_millisecond()).max(0) / 60_000;
            let n = self.fault_seconds.entry(bucket).or_insert(0);
            *n = n.saturating_add(1);
            self.last_second = Some(second);
        }
    }

    /// Whether the platform has dropped both parties and they are not both back yet.
    pub fn in_outage(&self) -> bool {
        self.outage_since.is_some()
    }

    fn see(&mut self, now: Timestamp) {
        self.latest = Some(self.latest.map_or(now, |t| t.max(now)));
    }

    fn finish(&mut self, at: Timestamp, outcome: Outcome) -> SessionEvent {
        self.ended = Some((at, outcome.clone()));
        SessionEvent::Ended { at, outcome }
    }
}

/// The instant of the warning `minutes` before `end`.
fn warning_at(end: Timestamp, minutes: i64) -> Option<Timestamp> {
    end.checked_sub(SignedDuration::from_mins(minutes)).ok()
}
