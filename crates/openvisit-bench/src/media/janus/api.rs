//! Janus's HTTP API: a small HTTP/1.1 JSON client (one connection per request, as the
//! bench makes a few thousand at most, before measuring), a session with its long poll
//! for events, and requests to a handle answered either in the POST or by an event
//! matched by transaction and sender, never by order.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// How long a request, or an event a request waits for, may take.
const TIMEOUT: Duration = Duration::from_secs(15);
/// How long a long poll may take (Janus answers it with a keepalive after 30 s).
const POLL_TIMEOUT: Duration = Duration::from_secs(40);

/// `GET path` on Janus at `port`, its JSON answer.
pub(crate) async fn get(port: u16, path: &str) -> anyhow::Result<Value> {
    request(port, "GET", path, None, TIMEOUT).await
}

async fn request(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&Value>,
    timeout: Duration,
) -> anyhow::Result<Value> {
    let exchange = async {
        let body = body.map(Value::to_string).unwrap_or_default();
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body.as_bytes()).await?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        anyhow::Ok(response)
    };
    let response = tokio::time::timeout(timeout, exchange)
        .await
        .with_context(|| format!("{method} {path}: no answer within {timeout:?}"))??;
    let (status, body) = parse_response(&response)?;
    anyhow::ensure!(
        status == 200,
        "{method} {path}: HTTP {status}: {}",
        String::from_utf8_lossy(&body)
    );
    serde_json::from_slice(&body).with_context(|| format!("{method} {path}: not JSON"))
}

/// An HTTP/1.1 response's status and body (de-chunked if it came in chunks).
fn parse_response(response: &[u8]) -> anyhow::Result<(u16, Vec<u8>)> {
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("an HTTP response without the end of its head")?;
    let head = String::from_utf8_lossy(&response[..split]);
    let body = &response[split + 4..];
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .context("an HTTP response without a status")?;
    let chunked = lines.any(|l| {
        l.split_once(':').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case("transfer-encoding")
                && value.trim().eq_ignore_ascii_case("chunked")
        })
    });
    let body = if chunked {
        dechunk(body)?
    } else {
        body.to_vec()
    };
    Ok((status, body))
}

/// The body of a `Transfer-Encoding: chunked` response.
fn dechunk(mut body: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = body
            .windows(2)
            .position(|w| w == b"\r\n")
            .context("a chunk without its size line")?;
        let size_text = String::from_utf8_lossy(&body[..line_end]);
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).context("a chunk size")?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(body.get(..size).context("a chunk cut short")?);
        body = body.get(size + 2..).unwrap_or_default();
    }
}

/// Whether `event` is the plugin's answer to the request sent with `transaction` on
/// handle `sender`.
fn answers(event: &Value, transaction: &str, sender: u64) -> bool {
    event.get("janus").and_then(Value::as_str) == Some("event")
        && event.get("transaction").and_then(Value::as_str) == Some(transaction)
        && event.get("sender").and_then(Value::as_u64) == Some(sender)
}

/// The plugin's error in a response or event (`error_code`/`error` in its data), if any.
fn plugin_error(reply: &Value) -> Option<String> {
    let data = reply.pointer("/plugindata/data")?;
    let code = data.get("error_code")?;
    Some(format!(
        "{code}: {}",
        data.get("error").and_then(Value::as_str).unwrap_or("?")
    ))
}

/// A Janus session, its events collected by a long poll running as a task.
pub(crate) struct Session {
    port: u16,
    id: u64,
    next_transaction: AtomicU64,
    events: std::sync::Arc<Events>,
    poll: JoinHandle<()>,
}

/// Events that answer a request (they carry its transaction), until taken.
#[derive(Default)]
struct Events {
    pending: Mutex<Vec<Value>>,
    arrived: Notify,
}

impl Events {
    fn take(&self, transaction: &str, sender: u64) -> Option<Value> {
        let mut pending = self.pending.lock().ok()?;
        let at = pending
            .iter()
            .position(|e| answers(e, transaction, sender))?;
        Some(pending.swap_remove(at))
    }

    fn add(&self, batch: Value) {
        let events = match batch {
            Value::Array(events) => events,
            event => vec![event],
        };
        // Notifications (a feed joined, media flowing, a keepalive) answer nothing.
        let answers: Vec<Value> = events
            .into_iter()
            .filter(|e| e.get("transaction").is_some() && e.get("sender").is_some())
            .collect();
        if answers.is_empty() {
            return;
        }
        if let Ok(mut pending) = self.pending.lock() {
            pending.extend(answers);
        }
        self.arrived.notify_waiters();
    }
}

impl Session {
    /// Creates a session on Janus at `port` and starts its long poll.
    pub(crate) async fn create(port: u16) -> anyhow::Result<Session> {
        let reply = request(
            port,
            "POST",
            "/janus",
            Some(&json!({"janus": "create", "transaction": "session"})),
            TIMEOUT,
        )
        .await?;
        let id = reply
            .pointer("/data/id")
            .and_then(Value::as_u64)
            .with_context(|| format!("no session id in {reply}"))?;
        let events = std::sync::Arc::new(Events::default());
        let poll = tokio::spawn(long_poll(port, id, std::sync::Arc::clone(&events)));
        Ok(Session {
            port,
            id,
            next_transaction: AtomicU64::new(1),
            events,
            poll,
        })
    }

    fn transaction(&self) -> String {
        format!("t{}", self.next_transaction.fetch_add(1, Ordering::Relaxed))
    }

    /// A new handle on the VideoRoom plugin.
    pub(crate) async fn attach(&self) -> anyhow::Result<u64> {
        let body = json!({
            "janus": "attach",
            "plugin": "janus.plugin.videoroom",
            "transaction": self.transaction(),
        });
        let reply = self.post(&format!("/janus/{}", self.id), &body).await?;
        reply
            .pointer("/data/id")
            .and_then(Value::as_u64)
            .with_context(|| format!("no handle id in {reply}"))
    }

    /// A request the plugin answers in the POST itself (`create`): its data.
    pub(crate) async fn message(&self, handle: u64, body: Value) -> anyhow::Result<Value> {
        let message = json!({"janus": "message", "transaction": self.transaction(), "body": body});
        let reply = self
            .post(&format!("/janus/{}/{handle}", self.id), &message)
            .await?;
        if let Some(error) = plugin_error(&reply) {
            anyhow::bail!("videoroom: {error}");
        }
        reply
            .pointer("/plugindata/data")
            .cloned()
            .with_context(|| format!("no plugin data in {reply}"))
    }

    /// A request the plugin acknowledges and answers by an event (`join`, `configure`,
    /// `start`), with an optional JSEP: the event (its `plugindata` and `jsep`).
    pub(crate) async fn exchange(
        &self,
        handle: u64,
        body: Value,
        jsep: Option<Value>,
    ) -> anyhow::Result<Value> {
        let transaction = self.transaction();
        let mut message = json!({"janus": "message", "transaction": transaction, "body": body});
        if let Some(jsep) = jsep {
            message["jsep"] = jsep;
        }
        // The event may arrive before the POST's `ack`: it waits in `events`.
        self.post(&format!("/janus/{}/{handle}", self.id), &message)
            .await?;
        let event = tokio::time::timeout(TIMEOUT, async {
            loop {
                let arrived = self.events.arrived.notified();
                tokio::pin!(arrived);
                arrived.as_mut().enable();
                if let Some(event) = self.events.take(&transaction, handle) {
                    return event;
                }
                arrived.await;
            }
        })
        .await
        .with_context(|| format!("no event answered {message} within {TIMEOUT:?}"))?;
        if let Some(error) = plugin_error(&event) {
            anyhow::bail!("videoroom: {error}");
        }
        Ok(event)
    }

    async fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let reply = request(self.port, "POST", path, Some(body), TIMEOUT).await?;
        if reply.get("janus").and_then(Value::as_str) == Some("error") {
            anyhow::bail!("janus: {}", reply.get("error").unwrap_or(&Value::Null));
        }
        Ok(reply)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.poll.abort();
    }
}

async fn long_poll(port: u16, session: u64, events: std::sync::Arc<Events>) {
    let path = format!("/janus/{session}?maxev=100");
    loop {
        match request(port, "GET", &path, None, POLL_TIMEOUT).await {
            Ok(batch) => events.add(batch),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// The SDP of an event's JSEP of this type (`offer`, `answer`).
pub(crate) fn jsep_sdp(event: &Value, kind: &str) -> anyhow::Result<String> {
    let jsep = event
        .get("jsep")
        .with_context(|| format!("no JSEP in {event}"))?;
    anyhow::ensure!(
        jsep.get("type").and_then(Value::as_str) == Some(kind),
        "a JSEP not of type {kind}: {jsep}"
    );
    jsep.get("sdp")
        .and_then(Value::as_str)
        .map(str::to_string)
        .with_context(|| format!("a JSEP without SDP: {jsep}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_answers_its_own_transaction_on_its_own_handle() {
        let event = json!({
            "janus": "event", "session_id": 1, "sender": 77, "transaction": "t5",
            "plugindata": {"plugin": "janus.plugin.videoroom", "data": {"configured": "ok"}},
            "jsep": {"type": "answer", "sdp": "v=0\r\n"}
        });
        assert!(answers(&event, "t5", 77));
        assert!(!answers(&event, "t6", 77));
        assert!(!answers(&event, "t5", 78));
        let ack = json!({"janus": "ack", "session_id": 1, "sender": 77, "transaction": "t5"});
        assert!(!answers(&ack, "t5", 77));
        assert_eq!(jsep_sdp(&event, "answer").ok().as_deref(), Some("v=0\r\n"));
        assert!(jsep_sdp(&event, "offer").is_err());
    }

    #[test]
    fn events_wait_until_taken_whatever_their_order() {
        let events = Events::default();
        // A batch from the long poll: a notification and two answers, out of order.
        events.add(json!([
            {"janus": "webrtcup", "session_id": 1, "sender": 9},
            {"janus": "event", "sender": 9, "transaction": "t2", "plugindata": {"data": {}}},
            {"janus": "event", "sender": 8, "transaction": "t1", "plugindata": {"data": {}}},
        ]));
        events.add(json!({"janus": "keepalive"}));
        assert!(events.take("t1", 9).is_none());
        assert!(events.take("t1", 8).is_some());
        assert!(events.take("t1", 8).is_none());
        assert!(events.take("t2", 9).is_some());
        assert!(events.pending.lock().is_ok_and(|p| p.is_empty()));
    }

    #[test]
    fn plugin_errors_are_found() {
        let error = json!({"janus": "event", "plugindata": {"data": {
            "videoroom": "event", "error_code": 428, "error": "No such feed (12)"}}});
        assert_eq!(
            plugin_error(&error).as_deref(),
            Some("428: No such feed (12)")
        );
        let fine = json!({"janus": "success", "plugindata": {"data": {"videoroom": "created"}}});
        assert_eq!(plugin_error(&fine), None);
    }

    #[test]
    fn responses_are_parsed_plain_or_chunked() {
        let plain = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
        assert_eq!(parse_response(plain).ok(), Some((200, b"{}".to_vec())));
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
                        4\r\n{\"a\"\r\n3;x=y\r\n:1}\r\n0\r\n\r\n";
        assert_eq!(
            parse_response(chunked).ok(),
            Some((200, b"{\"a\":1}".to_vec()))
        );
        let missing = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(parse_response(missing).ok(), Some((404, Vec::new())));
        assert!(parse_response(b"HTTP/1.1 200 OK\r\n").is_err());
    }
}
