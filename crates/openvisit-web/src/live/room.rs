//! One visit running now: its session clock, who is connected, and what everyone in
//! it is told.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use openvisit_core::link_quality::LinkQuality;
use openvisit_core::session::{JoinError, Outcome, Party, Session, SessionEvent, SessionStatus};
use openvisit_core::{AccountId, FacilityId, KioskId, VisitId};
use openvisit_media::{MediaEvent, RoomId, RoomRole};
use openvisit_store::live::SettledStatus;
use openvisit_store::live::{LiveReport, record_actual_start, settle_live_visit};
use openvisit_store::live_sessions::{SavedSession, save_sessions};
use openvisit_store::visits::{MissedBy, Visit};
use serde::Serialize;
use tokio::sync::broadcast;

use super::{DRIVE_INTERVAL, LiveHub, lock};

/// What the server tells everyone in a visit (the parties and the monitors).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    Status {
        #[serde(flatten)]
        status: SessionStatus,
        /// The housing kiosk asked for its next visit recently (R18).
        kiosk_online: bool,
    },
    Started {
        ends_at: Timestamp,
    },
    Warning {
        minutes_left: i64,
    },
    Ended {
        outcome: Outcome,
    },
    /// A notice from the facility for the waiting room (R18).
    /// Staff's words in English and in Spanish (either may be empty).
    Notice {
        kind: openvisit_store::notices::NoticeKind,
        body: String,
        body_es: String,
    },
    /// The connection became slow (one party's downlink holds the picture down), or
    /// is fast again: the pages say so (`openvisit_core::link_quality`).
    Link {
        slow: bool,
    },
}

pub struct LiveRoom {
    pub visit: VisitId,
    pub facility: FacilityId,
    pub housing_kiosk: KioskId,
    pub lobby_kiosk: Option<KioskId>,
    pub visitor: AccountId,
    /// Privileged (attorney, R14): nobody watches and nothing is recorded. Granting the
    /// status during the visit flips it, and monitor sockets watching it close.
    privileged: tokio::sync::watch::Sender<bool>,
    pub record_to: Option<PathBuf>,
    session: Mutex<Session>,
    /// Which signaling connection holds each party (a rejoin replaces the old one, which
    /// watches this to learn it was replaced).
    holders: tokio::sync::watch::Sender<[u64; 2]>,
    next_holder: std::sync::atomic::AtomicU64,
    updates: broadcast::Sender<ServerMessage>,
    /// Whether the connection is slow, from the media server's downlink estimates.
    link: Mutex<LinkQuality>,
    /// Wakes the driver when something changed the schedule (a start, a staff end).
    nudge: tokio::sync::Notify,
}

fn slot(p: Party) -> usize {
    match p {
        Party::Visitor => 0,
        Party::Resident => 1,
    }
}

pub fn party_of(role: RoomRole) -> Option<Party> {
    match role {
        RoomRole::Visitor => Some(Party::Visitor),
        RoomRole::Resident => Some(Party::Resident),
        RoomRole::Monitor => None,
    }
}

impl LiveRoom {
    /// A room for `v` running `session` (a new one, or one resumed after a restart).
    pub(super) fn new(v: &Visit, record_to: Option<PathBuf>, session: Session) -> Arc<LiveRoom> {
        let (updates, _) = broadcast::channel(64);
        Arc::new(LiveRoom {
            visit: v.id,
            facility: v.facility,
            housing_kiosk: v.housing_kiosk,
            lobby_kiosk: v.lobby_kiosk,
            visitor: v.visitor,
            privileged: tokio::sync::watch::Sender::new(v.privileged),
            record_to,
            session: Mutex::new(session),
            holders: tokio::sync::watch::Sender::new([0, 0]),
            next_holder: std::sync::atomic::AtomicU64::new(1),
            updates,
            link: Mutex::new(LinkQuality::default()),
            nudge: tokio::sync::Notify::new(),
        })
    }

    pub fn is_privileged(&self) -> bool {
        *self.privileged.borrow()
    }

    /// Changes when the visit becomes privileged while it runs.
    pub fn watch_privileged(&self) -> tokio::sync::watch::Receiver<bool> {
        self.privileged.subscribe()
    }

    /// The visit became privileged while it runs: monitors go and stay out, and the
    /// recording so far is deleted (by the media server).
    pub(super) fn make_private(&self, hub: &LiveHub) {
        if self.privileged.send_replace(true) {
            return;
        }
        if let Err(e) = hub.media.make_private(RoomId(self.visit.0)) {
            tracing::error!(visit = self.visit.0, error = %e, "making a live visit private");
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<ServerMessage> {
        self.updates.subscribe()
    }

    pub fn status(&self, hub: &LiveHub) -> ServerMessage {
        let status = lock(&self.session).status(hub.now());
        ServerMessage::Status {
            status,
            kiosk_online: hub.kiosk_online(self.housing_kiosk),
        }
    }

    /// What a newly connected page is told about the connection: only that it is slow,
    /// since a page starts out saying nothing.
    pub fn link_note(&self) -> Option<ServerMessage> {
        let link = self.link();
        matches!(link, ServerMessage::Link { slow: true }).then_some(link)
    }

    /// The connection's verdict now, for a page that may have missed a change.
    pub fn link(&self) -> ServerMessage {
        ServerMessage::Link {
            slow: lock(&self.link).is_slow(),
        }
    }

    /// Tells everyone in the room about a notice staff just posted.
    pub fn publish_notice(&self, notice: &openvisit_store::notices::Notice) {
        let _ = self.updates.send(ServerMessage::Notice {
            kind: notice.kind,
            body: notice.body.clone(),
            body_es: notice.body_es.clone(),
        });
    }

    fn publish_status(&self, hub: &LiveHub) {
        let _ = self.updates.send(self.status(hub));
    }

    /// A party's signaling connection arrives. Returns its holder number.
    pub fn join(&self, hub: &LiveHub, party: Party) -> Result<u64, JoinError> {
        lock(&self.session).join(party, hub.now())?;
        let holder = self
            .next_holder
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.holders.send_modify(|h| h[slot(party)] = holder);
        self.publish_status(hub);
        Ok(holder)
    }

    /// Whether `holder` is still the connection that holds `party`.
    pub fn holds(&self, party: Party, holder: u64) -> bool {
        self.holders.borrow()[slot(party)] == holder
    }

    /// Changes when a party's connection is replaced by a newer one.
    pub fn watch_holders(&self) -> tokio::sync::watch::Receiver<[u64; 2]> {
        self.holders.subscribe()
    }

    /// A party's connection says it is ready; one that was replaced is not heard.
    pub fn ready(&self, hub: &Arc<LiveHub>, party: Party, holder: u64) -> Result<(), JoinError> {
        if !self.holds(party, holder) {
            return Ok(());
        }
        let events = lock(&self.session).ready(party, hub.now())?;
        self.publish_status(hub);
        self.carry_out(hub, events);
        Ok(())
    }

    /// A party's connection closed. Ignored if a newer connection holds the party.
    pub fn leave(&self, hub: &LiveHub, party: Party, holder: u64) {
        // Sockets closed by a server shutting down were not the party's doing: the saved
        // session keeps them as they were, so the next server counts the outage (R13).
        if !self.holds(party, holder) || hub.is_halted() {
            return;
        }
        lock(&self.session).leave(party, hub.now());
        self.publish_status(hub);
    }

    pub fn end_by_staff(&self, hub: &Arc<LiveHub>, reason: &str, staff: AccountId) {
        let events = lock(&self.session).end_by_staff(reason, hub.now());
        self.carry_out_as(hub, events, Some(staff));
    }

    /// What to store so a restarted server carries on (`None` once it is over: the
    /// settlement removes the stored copy).
    pub(super) fn saved(&self) -> Option<SavedSession> {
        let s = lock(&self.session);
        (s.outcome().is_none()).then(|| SavedSession {
            visit: self.visit,
            snapshot: s.snapshot(),
            ends_at: s.enforced_end(),
        })
    }

    /// The announced end, once media has started.
    pub(super) fn ends_at(&self) -> Option<Timestamp> {
        lock(&self.session).enforced_end()
    }

    /// Whether media has started (both were ready in time).
    pub fn has_started(&self) -> bool {
        lock(&self.session).actual_start().is_some()
    }

    pub fn is_over(&self) -> bool {
        lock(&self.session).outcome().is_some()
    }

    pub(super) fn on_media_event(&self, hub: &Arc<LiveHub>, event: &MediaEvent) {
        match event {
            MediaEvent::Flow {
                visitor,
                resident,
                visitor_downlink,
                resident_downlink,
                ..
            } => {
                lock(&self.session).record_second(hub.now(), *visitor, *resident);
                let changed = lock(&self.link).observe([*visitor_downlink, *resident_downlink]);
                if let Some(slow) = changed {
                    let _ = self.updates.send(ServerMessage::Link { slow });
                }
            }
            MediaEvent::RoomEnded { .. } => self.nudge.notify_one(),
            MediaEvent::Connected { .. }
            | MediaEvent::Disconnected { .. }
            | MediaEvent::RecordingClosed { .. } => {}
        }
    }

    fn carry_out(&self, hub: &Arc<LiveHub>, events: Vec<SessionEvent>) {
        self.carry_out_as(hub, events, None);
    }

    /// Does what the session decided.
    fn carry_out_as(
        &self,
        hub: &Arc<LiveHub>,
        events: Vec<SessionEvent>,
        staff: Option<AccountId>,
    ) {
        let room = RoomId(self.visit.0);
        for event in events {
            match event {
                SessionEvent::Started { at, ends_at } => {
                    hub.open_gate(self.visit, ends_at);
                    let db = hub.db().clone();
                    let visit = self.visit;
                    // The start and the announced end are stored at once, so a restart
                    // keeps them (R4, R5).
                    let saved = self.saved();
                    let at_save = hub.now();
                    tokio::spawn(async move {
                        if let Err(e) = record_actual_start(&db, visit, at).await {
                            tracing::warn!(visit = visit.0, error = %e, "recording the start");
                        }
                        if let Some(saved) = saved
                            && let Err(e) = save_sessions(&db, &[saved], at_save).await
                        {
                            tracing::warn!(visit = visit.0, error = %e, "saving the session");
                        }
                    });
                    let _ = self.updates.send(ServerMessage::Started { ends_at });
                    self.nudge.notify_one();
                }
                SessionEvent::Warning { minutes_left } => {
                    let _ = self.updates.send(ServerMessage::Warning { minutes_left });
                }
                SessionEvent::Ended { at, outcome } => {
                    let _ = hub.media.end_room(room);
                    let _ = self.updates.send(ServerMessage::Ended {
                        outcome: outcome.clone(),
                    });
                    self.publish_status(hub);
                    let report = self.report(at, &outcome);
                    let hub = Arc::clone(hub);
                    let visit = self.visit;
                    // Staff ending a visit that never started cancelled it (with a full
                    // refund) before ending the room: nothing is left to settle.
                    let cancelled = matches!(outcome, Outcome::EndedByStaff { .. })
                        && report.actual_start.is_none();
                    tokio::spawn(async move {
                        let now = hub.now();
                        if !cancelled
                            && let Err(e) =
                                settle_live_visit(hub.db(), visit, &report, staff, now).await
                        {
                            tracing::warn!(visit = visit.0, error = %e, "settling a live visit");
                        }
                        hub.forget(visit);
                    });
                    self.nudge.notify_one();
                }
            }
        }
    }

    fn report(&self, at: Timestamp, outcome: &Outcome) -> LiveReport {
        let s = lock(&self.session);
        let (outcome, missed_by, end_reason) = match outcome {
            Outcome::Completed => (SettledStatus::Completed, None, None),
            Outcome::Failed => (SettledStatus::Failed, None, None),
            Outcome::EndedByStaff { reason } => {
                (SettledStatus::EndedByStaff, None, Some(reason.clone()))
            }
            Outcome::Missed {
                visitor_came,
                resident_came,
            } => (
                SettledStatus::Missed,
                Some(match (visitor_came, resident_came) {
                    (false, true) => MissedBy::Visitor,
                    (true, false) => MissedBy::Resident,
                    _ => MissedBy::Both,
                }),
                None,
            ),
        };
        LiveReport {
            outcome,
            actual_start: s.actual_start(),
            actual_end: at,
            connected_seconds: s.connected_seconds(),
            lost_minutes: s.lost_minutes(),
            missed_by,
            end_reason,
            // What failed is for OpenVisit to say, in the reader's language.
            end_code: (outcome == SettledStatus::Failed)
                .then_some(openvisit_store::visits::SystemReason::PlatformFault),
        }
    }
}

/// Runs a room's clock: warnings, the end, and a status now and then.
pub(super) async fn drive(hub: Arc<LiveHub>, room: Arc<LiveRoom>) {
    let mut last_status = Instant::now();
    loop {
        // A server shutting down leaves its visits to the next one (they resume).
        if hub.is_halted() {
            return;
        }
        let now = hub.now();
        let (events, next) = {
            let mut s = lock(&room.session);
            let events = s.tick(now);
            (events, s.next_deadline())
        };
        let over = events
            .iter()
            .any(|e| matches!(e, SessionEvent::Ended { .. }));
        room.carry_out(&hub, events);
        if over || room.is_over() {
            return;
        }
        if last_status.elapsed() >= Duration::from_secs(5) {
            room.publish_status(&hub);
            last_status = Instant::now();
        }
        let wait = next
            .map(|t| {
                let ms = t.as_millisecond() - hub.now().as_millisecond();
                Duration::from_millis(u64::try_from(ms.max(1)).unwrap_or(1))
            })
            .unwrap_or(DRIVE_INTERVAL)
            .min(DRIVE_INTERVAL);
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = room.nudge.notified() => {}
        }
    }
}
