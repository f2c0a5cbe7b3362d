//! A visit's room: who is in it and whether media may flow.

use std::time::{Duration, Instant};

use crate::recorder::Recorder;
use crate::{ParticipantId, RoomOptions, RoomRole};

/// How often the room reports whether media flowed.
pub(crate) const FLOW_INTERVAL: Duration = Duration::from_secs(1);

pub(crate) struct Room {
    pub options: RoomOptions,
    /// Media flows while this is set and not passed; the room ends at that instant.
    pub gate_until: Option<Instant>,
    /// Fault injection: throw every media packet away.
    pub dropping: bool,
    pub members: Vec<(ParticipantId, RoomRole)>,
    /// The last time each party's media was forwarded (visitor, resident).
    pub last_forwarded: [Option<Instant>; 2],
    pub next_flow_report: Option<Instant>,
    /// Writes the media while it flows; `None` for a privileged visit.
    pub recorder: Option<Recorder>,
}

impl Room {
    pub fn new(options: RoomOptions) -> Room {
        let recorder = options.record_to.clone().and_then(|folder| {
            Recorder::new(folder)
                .map_err(|e| tracing::error!(error = %e, "cannot record this visit"))
                .ok()
        });
        Room {
            recorder,
            options,
            gate_until: None,
            dropping: false,
            members: Vec::new(),
            last_forwarded: [None, None],
            next_flow_report: None,
        }
    }

    pub fn forwarding(&self, now: Instant) -> bool {
        !self.dropping && self.gate_until.is_some_and(|until| now < until)
    }

    pub fn party_slot(role: RoomRole) -> Option<usize> {
        match role {
            RoomRole::Visitor => Some(0),
            RoomRole::Resident => Some(1),
            RoomRole::Monitor => None,
        }
    }

    /// Whether `role`'s media was forwarded within the last report interval.
    pub fn flowed(&self, role: RoomRole, now: Instant) -> bool {
        Room::party_slot(role)
            .and_then(|i| self.last_forwarded[i])
            .is_some_and(|t| now.saturating_duration_since(t) <= FLOW_INTERVAL)
    }
}
