//! The signaling socket: `GET /api/v1/live?ticket=…` (see docs/SIGNALING.md).
//!
//! A ticket says which visit and as whom. Over the socket the client says `ready`,
//! sends its SDP `offer` (answered at once; the server is ICE-lite, so no candidates
//! need trading) and may `leave`; staff may `end` with a reason. The server sends the
//! visit's `status`, `started`, `warning`, `ended`, `notice`, `link`, `answer` and
//! `error`.

use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use openvisit_core::session::{JoinError, Party};
use openvisit_media::{MediaError, ParticipantId, RoomId, RoomRole};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::RecvError;

use super::room::party_of;
use super::{LiveHub, LiveRoom, ServerMessage, SocketTicket};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct TicketQuery {
    pub ticket: String,
}

/// What a client may send.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    Ready,
    Offer { sdp: String },
    Leave,
    End { reason: String },
}

/// Replies to one client only.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Reply<'a> {
    Welcome {
        role: RoomRole,
        visit: i64,
    },
    /// A newer connection took this party's place; this one closes.
    Replaced,
    Answer {
        sdp: &'a str,
    },
    Error {
        code: &'a str,
        message: String,
    },
}

pub async fn socket(
    State(s): State<AppState>,
    Query(q): Query<TicketQuery>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let Some(hub) = s.live.clone() else {
        return ApiError::unavailable().into_response();
    };
    let Some(ticket) = hub.redeem(&q.ticket) else {
        return ApiError::says(
            axum::http::StatusCode::UNAUTHORIZED,
            "bad_ticket",
            "error-ticket-expired",
        )
        .into_response();
    };
    let room = match hub.room(ticket.visit).await {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    upgrade.max_message_size(64 * 1024).on_upgrade(move |ws| {
        crate::i18n::with_lang(crate::i18n::current_lang(), run(ws, s, hub, room, ticket))
    })
}

/// Reads one text frame from a client. Frames come from the network, so this is a fuzz
/// target (`fuzz/`): any text is a message or `None`, never a panic.
pub fn parse_client_message(text: &str) -> Option<ClientMessage> {
    serde_json::from_str(text).ok()
}

async fn send<T: Serialize>(ws: &mut WebSocket, message: &T) -> bool {
    match serde_json::to_string(message) {
        Ok(text) => ws.send(Message::Text(text.into())).await.is_ok(),
        Err(_) => false,
    }
}

fn join_error(e: JoinError) -> Reply<'static> {
    match e {
        JoinError::NotOpenYet { opens_at } => Reply::Error {
            code: "not_open",
            message: format!("the waiting room opens at {opens_at}"),
        },
        JoinError::Over => Reply::Error {
            code: "over",
            message: "this visit is over".into(),
        },
    }
}

async fn run(
    mut ws: WebSocket,
    s: AppState,
    hub: Arc<LiveHub>,
    room: Arc<LiveRoom>,
    ticket: SocketTicket,
) {
    let party = party_of(ticket.role);
    // The media peer this socket's last offer made, if it watches: a new offer replaces
    // it and closing the socket removes it, so a monitor holds one peer at most.
    let mut monitor_peer: Option<ParticipantId> = None;
    // A party's media peer, removed when a newer connection replaces this one.
    let mut party_peer: Option<ParticipantId> = None;
    let mut updates = room.subscribe();
    let mut privileged = room.watch_privileged();
    let mut holders = room.watch_holders();
    let watching = ticket.role == RoomRole::Monitor;
    if watching && room.is_privileged() {
        send(
            &mut ws,
            &Reply::Error {
                code: "privileged",
                message: "this is a privileged (attorney) visit: it cannot be watched".into(),
            },
        )
        .await;
        let _ = ws.send(Message::Close(None)).await;
        return;
    }
    let holder = match party {
        Some(p) => match room.join(&hub, p) {
            Ok(h) => Some((p, h)),
            Err(e) => {
                send(&mut ws, &join_error(e)).await;
                let _ = ws.send(Message::Close(None)).await;
                return;
            }
        },
        None => None,
    };
    let welcome = Reply::Welcome {
        role: ticket.role,
        visit: ticket.visit.0,
    };
    if !send(&mut ws, &welcome).await || !send(&mut ws, &room.status(&hub)).await {
        leave(&hub, &room, holder);
        return;
    }
    // A page that rejoins a slow visit says so at once.
    if let Some(note) = room.link_note()
        && !send(&mut ws, &note).await
    {
        leave(&hub, &room, holder);
        return;
    }
    // Notices posted before this connection (R18).
    let notices = match hub.db().conn().await {
        Ok(mut conn) => openvisit_store::notices::notices_for_visit(&mut conn, room.visit)
            .await
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    for n in notices {
        let m = ServerMessage::Notice {
            kind: n.kind,
            body: n.body,
            body_es: n.body_es,
        };
        if !send(&mut ws, &m).await {
            leave(&hub, &room, holder);
            return;
        }
    }
    loop {
        tokio::select! {
            incoming = ws.recv() => {
                let Some(Ok(message)) = incoming else { break };
                let text = match message {
                    Message::Text(t) => t,
                    Message::Close(_) => break,
                    _ => continue,
                };
                let keep = match parse_client_message(text.as_str()) {
                    Some(m) => {
                        let peers = (&mut monitor_peer, &mut party_peer);
                        handle(&mut ws, &s, &hub, &room, (&ticket, holder), peers, m).await
                    }
                    None => send(&mut ws, &Reply::Error {
                        code: "bad_message",
                        message: "the message was not understood; see docs/SIGNALING.md".into(),
                    }).await,
                };
                if !keep {
                    break;
                }
            }
            Ok(()) = holders.changed(), if holder.is_some() => {
                // Seen, so the next `changed` waits for the next change.
                holders.borrow_and_update();
                let replaced = holder.is_some_and(|(p, h)| !room.holds(p, h));
                if replaced {
                    if let Some(p) = party_peer.take() {
                        let _ = hub.media.remove(RoomId(room.visit.0), p);
                    }
                    send(&mut ws, &Reply::Replaced).await;
                    break;
                }
            }
            Ok(()) = privileged.changed(), if watching => {
                if *privileged.borrow_and_update() {
                    send(&mut ws, &Reply::Error {
                        code: "privileged",
                        message: "this visit is now privileged (attorney): it can no longer be watched".into(),
                    }).await;
                    break;
                }
            }
            update = updates.recv() => {
                match update {
                    Ok(m) => {
                        let ended = matches!(m, ServerMessage::Ended { .. });
                        if !send(&mut ws, &m).await || ended {
                            break;
                        }
                    }
                    Err(RecvError::Lagged(_)) => {
                        if !send(&mut ws, &room.status(&hub)).await
                            || !send(&mut ws, &room.link()).await
                        {
                            break;
                        }
                    }
                    Err(RecvError::Closed) => break,
                }
            }
        }
    }
    leave(&hub, &room, holder);
    if let Some(p) = monitor_peer {
        let _ = hub.media.remove(RoomId(room.visit.0), p);
    }
    let _ = ws.send(Message::Close(None)).await;
}

fn leave(hub: &LiveHub, room: &LiveRoom, holder: Option<(Party, u64)>) {
    if let Some((p, h)) = holder {
        room.leave(hub, p, h);
    }
}

/// Handles one client message; false closes the socket.
async fn handle(
    ws: &mut WebSocket,
    s: &AppState,
    hub: &Arc<LiveHub>,
    room: &Arc<LiveRoom>,
    (ticket, holder): (&SocketTicket, Option<(Party, u64)>),
    (monitor_peer, party_peer): (&mut Option<ParticipantId>, &mut Option<ParticipantId>),
    message: ClientMessage,
) -> bool {
    match message {
        ClientMessage::Ready => match holder {
            Some((p, h)) => match room.ready(hub, p, h) {
                Ok(()) => true,
                Err(e) => send(ws, &join_error(e)).await,
            },
            None => true,
        },
        ClientMessage::Offer { sdp } => {
            if let Some(old) = monitor_peer.take() {
                let _ = hub.media.remove(RoomId(room.visit.0), old);
            }
            match hub
                .media
                .admit(RoomId(room.visit.0), ticket.role, sdp)
                .await
            {
                Ok(admitted) => {
                    if ticket.role == RoomRole::Monitor {
                        *monitor_peer = Some(admitted.participant);
                    } else {
                        *party_peer = Some(admitted.participant);
                    }
                    send(
                        ws,
                        &Reply::Answer {
                            sdp: &admitted.answer_sdp,
                        },
                    )
                    .await
                }
                Err(e) => {
                    let code = match e {
                        MediaError::NotMonitorable => "privileged",
                        MediaError::BadOffer(_) => "bad_offer",
                        MediaError::TooManyMonitors => "too_many_monitors",
                        _ => "media_unavailable",
                    };
                    send(
                        ws,
                        &Reply::Error {
                            code,
                            message: e.to_string(),
                        },
                    )
                    .await
                }
            }
        }
        ClientMessage::Leave => false,
        ClientMessage::End { reason } => {
            let reason = reason.trim();
            match (ticket.role, ticket.account) {
                (RoomRole::Monitor, Some(staff)) if !reason.is_empty() => {
                    match crate::routes::live::end_live(s, hub, room, staff, reason).await {
                        Ok(()) => true,
                        Err(e) => {
                            send(
                                ws,
                                &Reply::Error {
                                    code: "not_ended",
                                    message: e.text(crate::i18n::current_lang()),
                                },
                            )
                            .await
                        }
                    }
                }
                (RoomRole::Monitor, _) => {
                    send(
                        ws,
                        &Reply::Error {
                            code: "reason_required",
                            message: "say why the visit is being ended".into(),
                        },
                    )
                    .await
                }
                _ => {
                    send(
                        ws,
                        &Reply::Error {
                            code: "forbidden",
                            message: "only staff can end a visit".into(),
                        },
                    )
                    .await
                }
            }
        }
    }
}
