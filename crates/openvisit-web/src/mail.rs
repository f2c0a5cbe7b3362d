//! Sending email: SMTP in production, or an outbox folder of `.eml` files in the demo,
//! listed at `/dev/outbox`, so a new user sees every email without a mail server.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// One email to send.
#[derive(Debug, Clone)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    /// (file name, content type, bytes), e.g. an `.ics` calendar invitation.
    pub attachments: Vec<(String, String, Vec<u8>)>,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the email address is not valid")]
    BadAddress,
    #[error("cannot build the email: {0}")]
    Build(String),
    #[error("cannot send the email: {0}")]
    Send(String),
}

type MailFuture<'a> = Pin<Box<dyn Future<Output = Result<(), MailError>> + Send + 'a>>;

/// Something that delivers email.
pub trait Mailer: Send + Sync {
    fn send(&self, email: Email) -> MailFuture<'_>;
}

fn build(from: &Mailbox, email: &Email) -> Result<Message, MailError> {
    let to: Mailbox = email.to.parse().map_err(|_| MailError::BadAddress)?;
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(email.text.clone());
    let builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&email.subject);
    let message = if email.attachments.is_empty() {
        builder.singlepart(text)
    } else {
        let mut parts = MultiPart::mixed().singlepart(text);
        for (name, content_type, bytes) in &email.attachments {
            let ct =
                ContentType::parse(content_type).map_err(|e| MailError::Build(e.to_string()))?;
            parts = parts.singlepart(Attachment::new(name.clone()).body(bytes.clone(), ct));
        }
        builder.multipart(parts)
    };
    message.map_err(|e| MailError::Build(e.to_string()))
}

/// Delivers through an SMTP server (a local relay; no TLS yet).
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// `host:port` of the relay and the sender address.
    pub fn new(host: &str, port: u16, from: &str) -> Result<SmtpMailer, MailError> {
        Ok(SmtpMailer {
            transport: AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                .port(port)
                .build(),
            from: from.parse().map_err(|_| MailError::BadAddress)?,
        })
    }
}

impl Mailer for SmtpMailer {
    fn send(&self, email: Email) -> MailFuture<'_> {
        Box::pin(async move {
            let message = build(&self.from, &email)?;
            self.transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| MailError::Send(e.to_string()))
        })
    }
}

/// Writes each email to a folder as an `.eml` file.
pub struct OutboxMailer {
    pub dir: PathBuf,
    from: Mailbox,
    counter: AtomicU64,
}

impl OutboxMailer {
    pub fn new(dir: PathBuf, from: &str) -> Result<OutboxMailer, MailError> {
        std::fs::create_dir_all(&dir).map_err(|e| MailError::Send(e.to_string()))?;
        let existing = std::fs::read_dir(&dir)
            .map(|d| d.count() as u64)
            .unwrap_or(0);
        Ok(OutboxMailer {
            dir,
            from: from.parse().map_err(|_| MailError::BadAddress)?,
            counter: AtomicU64::new(existing),
        })
    }
}

impl Mailer for OutboxMailer {
    fn send(&self, email: Email) -> MailFuture<'_> {
        Box::pin(async move {
            let message = build(&self.from, &email)?;
            let n = self.counter.fetch_add(1, Ordering::Relaxed) + 1;
            let path = self.dir.join(format!("{n:06}.eml"));
            tokio::fs::write(&path, message.formatted())
                .await
                .map_err(|e| MailError::Send(e.to_string()))?;
            // A readable copy for the /dev/outbox page.
            let summary = serde_json::json!({
                "to": email.to,
                "subject": email.subject,
                "text": email.text,
                "attachments": email.attachments.iter().map(|(name, content_type, bytes)| serde_json::json!({
                    "name": name,
                    "content_type": content_type,
                    "text": String::from_utf8_lossy(bytes),
                })).collect::<Vec<_>>(),
            });
            tokio::fs::write(self.dir.join(format!("{n:06}.json")), summary.to_string())
                .await
                .map_err(|e| MailError::Send(e.to_string()))
        })
    }
}
