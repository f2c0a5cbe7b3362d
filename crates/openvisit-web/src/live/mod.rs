//! Live visits: the session clock of each visit running now, the tickets that let a
//! participant in, and the bridge to the media server.
//!
//! The rules come from `openvisit_core::session`; this module feeds them the time, what
//! people do (join, ready, leave, staff end) and what the media server measured, and
//! carries out what they decide: open the media gate until the enforced end, cut it,
//! settle the visit in the store.

mod recordings;
mod room;
pub mod signal;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use openvisit_core::session::Session;
use openvisit_core::{AccountId, KioskId, VisitId};
use openvisit_media::{MediaEvent, MediaServer, RoomId, RoomRole};
use openvisit_store::Db;
use openvisit_store::visits::{VisitStatus, get_visit};
use tokio::sync::mpsc::UnboundedReceiver;

pub use recordings::sweep_recordings;
pub use room::{LiveRoom, ServerMessage};

use crate::clock::Clock;
use crate::error::ApiError;

/// How long a ticket to the signaling socket stays valid.
const TICKET_SECONDS: i64 = 120;
/// A kiosk that has not asked for its next visit for this long counts as offline.
const KIOSK_ONLINE_SECONDS: i64 = 90;

/// Who a ticket admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketTicket {
    pub visit: VisitId,
    pub role: RoomRole,
    /// The person behind it: the visitor, or the staff member watching.
    pub account: Option<AccountId>,
    expires: Timestamp,
}

pub struct LiveHub {
    pub media: MediaServer,
    db: Db,
    clock: Arc<Clock>,
    rooms: Mutex<HashMap<VisitId, Arc<LiveRoom>>>,
    tickets: Mutex<HashMap<String, SocketTicket>>,
    kiosks_seen: Mutex<HashMap<KioskId, Timestamp>>,
    /// Where recordings go (a folder per visit); `None` records nothing.
    pub recordings: Option<PathBuf>,
    /// Set when the server shuts down: rooms stop without settling, their sessions saved
    /// for the next server to resume.
    halted: std::sync::atomic::AtomicBool,
}

/// How often every open room's session is saved, so that a crash loses at most this
/// much of the measurement (the seconds since count as the platform's fault, R13).
const SAVE_INTERVAL: Duration = Duration::from_secs(2);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere must not take live visits down with it.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl LiveHub {
    /// Starts the hub on a running media server and routes its events.
    pub fn start(
        media: MediaServer,
        events: UnboundedReceiver<MediaEvent>,
        db: Db,
        clock: Arc<Clock>,
        recordings: Option<PathBuf>,
    ) -> Arc<LiveHub> {
        let hub = Arc::new(LiveHub {
            media,
            db,
            clock,
            rooms: Mutex::new(HashMap::new()),
            tickets: Mutex::new(HashMap::new()),
            kiosks_seen: Mutex::new(HashMap::new()),
            recordings,
            halted: std::sync::atomic::AtomicBool::new(false),
        });
        tokio::spawn(route_events(Arc::downgrade(&hub), events));
        tokio::spawn(save_sessions_now_and_then(Arc::downgrade(&hub)));
        let resuming = Arc::clone(&hub);
        tokio::spawn(async move { resuming.resume().await });
        hub
    }

    /// Opens again the rooms of visits whose session a previous server saved (it
    /// crashed or was upgraded): same announced end, same measurement, the seconds lost
    /// meanwhile counted as the platform's (R4, R13). Visits whose end passed while the
    /// server was down are settled at once. Returns how many rooms it opened.
    pub async fn resume(self: &Arc<Self>) -> usize {
        let visits = match openvisit_store::live_sessions::sessions_to_resume(&self.db).await {
            Ok(v) => v,
            Err(e) => {
                tracing::error!(error = %e, "reading the live sessions to resume");
                return 0;
            }
        };
        let mut opened = 0;
        for visit in visits {
            match self.room(visit).await {
                Ok(_) => opened += 1,
                Err(e) => {
                    tracing::warn!(visit = visit.0, error = %e.message, "resuming a visit");
                }
            }
        }
        if opened > 0 {
            tracing::info!(rooms = opened, "resumed live visits after a restart");
        }
        opened
    }

    /// Stops every room without settling it and saves its session, for the next server
    /// (an upgrade): the visits resume there with the same end.
    pub async fn shut_down(&self) {
        self.halted.store(true, std::sync::atomic::Ordering::SeqCst);
        self.save_all().await;
        let rooms: Vec<VisitId> = lock(&self.rooms).drain().map(|(v, _)| v).collect();
        for visit in rooms {
            let _ = self.media.end_room(RoomId(visit.0));
        }
    }

    pub(crate) fn is_halted(&self) -> bool {
        self.halted.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Saves the session of every open room.
    async fn save_all(&self) {
        let saved: Vec<_> = self
            .live_visits()
            .iter()
            .filter_map(|r| r.saved())
            .collect();
        if let Err(e) =
            openvisit_store::live_sessions::save_sessions(&self.db, &saved, self.now()).await
        {
            tracing::warn!(error = %e, "saving live sessions");
        }
    }

    /// Lets media flow until the announced end; the media server cuts it itself at that
    /// instant, to the millisecond.
    pub(crate) fn open_gate(&self, visit: VisitId, ends_at: Timestamp) {
        let left = ends_at.as_millisecond() - self.now().as_millisecond();
        let until =
            std::time::Instant::now() + Duration::from_millis(u64::try_from(left).unwrap_or(0));
        let _ = self.media.set_gate(RoomId(visit.0), Some(until));
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// A single-use ticket for the signaling socket.
    pub fn issue_ticket(
        &self,
        visit: VisitId,
        role: RoomRole,
        account: Option<AccountId>,
    ) -> Result<(String, Timestamp), ApiError> {
        let mut bytes = [0u8; 24];
        getrandom::fill(&mut bytes).map_err(|_| ApiError::unavailable())?;
        let token = hex::encode(bytes);
        let now = self.now();
        let expires = Timestamp::from_second(now.as_second() + TICKET_SECONDS).unwrap_or(now);
        let mut tickets = lock(&self.tickets);
        tickets.retain(|_, t| t.expires > now);
        tickets.insert(
            token.clone(),
            SocketTicket {
                visit,
                role,
                account,
                expires,
            },
        );
        Ok((token, expires))
    }

    /// Takes a ticket (it works once).
    pub fn redeem(&self, token: &str) -> Option<SocketTicket> {
        let ticket = lock(&self.tickets).remove(token)?;
        (ticket.expires > self.now()).then_some(ticket)
    }

    pub fn kiosk_seen(&self, kiosk: KioskId) {
        let now = self.now();
        lock(&self.kiosks_seen).insert(kiosk, now);
    }

    pub fn kiosk_online(&self, kiosk: KioskId) -> bool {
        let now = self.now();
        lock(&self.kiosks_seen)
            .get(&kiosk)
            .is_some_and(|t| now.as_second() - t.as_second() <= KIOSK_ONLINE_SECONDS)
    }

    /// The live room of a visit, opened on first use.
    pub async fn room(self: &Arc<Self>, visit: VisitId) -> Result<Arc<LiveRoom>, ApiError> {
        if let Some(r) = lock(&self.rooms).get(&visit) {
            return Ok(Arc::clone(r));
        }
        let v = {
            let mut conn = self.db.conn().await?;
            let v = get_visit(&mut conn, visit).await?;
            let saved = openvisit_store::live_sessions::load_session(&mut conn, visit).await?;
            (v, saved)
        };
        let (v, saved) = v;
        if v.status != VisitStatus::Booked {
            return Err(ApiError::says(
                axum::http::StatusCode::GONE,
                "visit_over",
                "error-visit-over",
            ));
        }
        let record_to = match (&self.recordings, v.privileged) {
            (Some(dir), false) => Some(dir.join(format!("visit-{}", v.id))),
            _ => None,
        };
        let mut rooms = lock(&self.rooms);
        if let Some(r) = rooms.get(&visit) {
            return Ok(Arc::clone(r));
        }
        // A session saved by an earlier server carries on where it stopped.
        let session = match saved {
            Some((snapshot, saved_at)) => Session::resume(v.start, v.end, snapshot, saved_at),
            None => Session::new(v.start, v.end),
        };
        let room = LiveRoom::new(&v, record_to, session);
        self.media
            .open_room(
                RoomId(visit.0),
                openvisit_media::RoomOptions {
                    record_to: room.record_to.clone(),
                    monitorable: !v.privileged,
                },
            )
            .map_err(|_| ApiError::unavailable())?;
        if let Some(ends_at) = room.ends_at().filter(|_| !room.is_over()) {
            self.open_gate(visit, ends_at);
        }
        rooms.insert(visit, Arc::clone(&room));
        tokio::spawn(room::drive(Arc::clone(self), Arc::clone(&room)));
        Ok(room)
    }

    /// The room if it is live now (for status pages), without opening one.
    pub fn existing_room(&self, visit: VisitId) -> Option<Arc<LiveRoom>> {
        lock(&self.rooms).get(&visit).cloned()
    }

    /// Applies privileged status granted during a visit to its live room, if it has one:
    /// monitors are dropped and the recording so far is deleted (R14).
    pub fn make_private(&self, visit: VisitId) {
        if let Some(room) = self.existing_room(visit) {
            room.make_private(self);
        }
    }

    /// The visits live on this server now.
    pub fn live_visits(&self) -> Vec<Arc<LiveRoom>> {
        lock(&self.rooms).values().cloned().collect()
    }

    /// Settles visits nobody joined as missed by both sides, a minute after their end.
    /// A visit with a live room is left to its room.
    pub async fn sweep_missed(self: &Arc<Self>) -> usize {
        let now = self.now();
        let before = Timestamp::from_second(now.as_second() - 60).unwrap_or(now);
        let Ok(due) = openvisit_store::live::overdue_visits(&self.db, before).await else {
            return 0;
        };
        let mut settled = 0;
        for visit in due {
            if self.existing_room(visit).is_some() {
                continue;
            }
            let (v, saved) = {
                let Ok(mut conn) = self.db.conn().await else {
                    return settled;
                };
                let Ok(v) = get_visit(&mut conn, visit).await else {
                    continue;
                };
                let saved = openvisit_store::live_sessions::load_session(&mut conn, visit).await;
                (v, saved)
            };
            // A visit with a saved session was live when a server stopped: its room,
            // opened again, settles it from what was measured, never as missed.
            match saved {
                Ok(None) => {}
                Ok(Some(_)) => {
                    if self.room(visit).await.is_ok() {
                        settled += 1;
                    }
                    continue;
                }
                Err(_) => continue,
            }
            let report = openvisit_store::live::LiveReport {
                outcome: openvisit_store::live::SettledStatus::Missed,
                actual_start: None,
                actual_end: v.end,
                connected_seconds: 0,
                lost_minutes: 0,
                missed_by: Some(openvisit_store::visits::MissedBy::Both),
                end_reason: None,
                end_code: None,
            };
            if openvisit_store::live::settle_live_visit(&self.db, visit, &report, None, now)
                .await
                .is_ok()
            {
                settled += 1;
            }
        }
        settled
    }

    fn forget(&self, visit: VisitId) {
        lock(&self.rooms).remove(&visit);
    }
}

/// Carries media events to the rooms they belong to.
async fn route_events(hub: std::sync::Weak<LiveHub>, mut events: UnboundedReceiver<MediaEvent>) {
    while let Some(event) = events.recv().await {
        let Some(hub) = hub.upgrade() else {
            return;
        };
        // A server shutting down leaves recordings to the next one (they resume).
        if hub.is_halted() {
            return;
        }
        if let MediaEvent::RecordingClosed { room, folder } = &event {
            tokio::spawn(recordings::keep_recording(
                Arc::clone(&hub),
                VisitId(room.0),
                folder.clone(),
            ));
            continue;
        }
        let room = match &event {
            MediaEvent::RecordingClosed { .. } => None,
            MediaEvent::Connected { room, .. }
            | MediaEvent::Disconnected { room, .. }
            | MediaEvent::Flow { room, .. }
            | MediaEvent::RoomEnded { room, .. } => hub.existing_room(VisitId(room.0)),
        };
        if let Some(room) = room {
            room.on_media_event(&hub, &event);
        }
    }
}

/// Saves every open room's session every [`SAVE_INTERVAL`].
async fn save_sessions_now_and_then(hub: std::sync::Weak<LiveHub>) {
    let mut every = tokio::time::interval(SAVE_INTERVAL);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let Some(hub) = hub.upgrade() else {
            return;
        };
        if hub.is_halted() {
            return;
        }
        hub.save_all().await;
    }
}

/// How often a room's driver looks at the clock when nothing else is due: keeps the
/// countdown on screens honest without a timer per second per visit.
pub(crate) const DRIVE_INTERVAL: Duration = Duration::from_millis(500);
