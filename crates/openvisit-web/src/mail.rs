//! Sending email: SMTP in production, or an outbox folder of `.eml` files in the demo,
//! listed at `/dev/outbox` to each email's own recipient and to the operator (who holds
//! the key printed at start), so a new user sees their emails without a mail server and
//! nobody reads another person's password-reset link.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::smtp_relay::{SmtpRelay, SmtpSecurity};

/// One email to send.
#[derive(Debug, Clone)]
pub struct Email {
    /// `<…@…>`, the same on every attempt to send this email; `None`: a fresh one.
    pub message_id: Option<String>,
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
    #[error("{0}")]
    Config(String),
}

type MailFuture<'a> = Pin<Box<dyn Future<Output = Result<(), MailError>> + Send + 'a>>;

/// Something that delivers email.
pub trait Mailer: Send + Sync {
    fn send(&self, email: Email) -> MailFuture<'_>;
    /// The sender of every email (also the organizer of calendar invitations).
    fn sender(&self) -> &Mailbox;
}

fn build(from: &Mailbox, email: &Email) -> Result<Message, MailError> {
    let to: Mailbox = email.to.parse().map_err(|_| MailError::BadAddress)?;
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(email.text.clone());
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&email.subject);
    if let Some(id) = &email.message_id {
        builder = builder.message_id(Some(id.clone()));
    }
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

/// Delivers through an SMTP server: a local relay, or over STARTTLS or implicit TLS with
/// a sign-in (`SmtpRelay`).
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// The relay `--smtp` names. `extra_root` (PEM) is a certificate authority trusted
    /// besides the system's, for a relay whose certificate a county's own CA signed.
    pub fn connect(
        relay: &SmtpRelay,
        from: &str,
        extra_root: Option<&[u8]>,
    ) -> Result<SmtpMailer, MailError> {
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&relay.host).port(relay.port);
        if relay.security != SmtpSecurity::Plain {
            let mut tls = TlsParameters::builder(relay.host.clone());
            if let Some(pem) = extra_root {
                let ca = Certificate::from_pem(pem)
                    .map_err(|e| MailError::Config(format!("--smtp-ca: {e}")))?;
                tls = tls.add_root_certificate(ca);
            }
            let tls = tls
                .build_rustls()
                .map_err(|e| MailError::Config(format!("TLS for the mail relay: {e}")))?;
            builder = builder.tls(match relay.security {
                SmtpSecurity::Implicit => Tls::Wrapper(tls),
                _ => Tls::Required(tls),
            });
        }
        if let Some((user, password)) = &relay.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(SmtpMailer {
            transport: builder.build(),
            from: from.parse().map_err(|_| MailError::BadAddress)?,
        })
    }

    /// `host:port` of a relay without encryption and the sender address.
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
    fn sender(&self) -> &Mailbox {
        &self.from
    }

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
    fn sender(&self) -> &Mailbox {
        &self.from
    }

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

/// The outbox folder as `/dev/outbox` serves it: the folder, and the operator's key that
/// shows every email in it (printed at start; random for each process).
#[derive(Clone)]
pub struct DevOutbox {
    pub dir: PathBuf,
    operator_key: String,
}

impl DevOutbox {
    /// The folder `dir`, with a fresh random operator key.
    pub fn new(dir: PathBuf) -> Result<DevOutbox, MailError> {
        let mut bytes = [0u8; 24];
        getrandom::fill(&mut bytes).map_err(|e| MailError::Send(format!("no randomness: {e}")))?;
        Ok(DevOutbox {
            dir,
            operator_key: hex::encode(bytes),
        })
    }

    /// The key that shows every email (`/dev/outbox?key=…`).
    pub fn operator_key(&self) -> &str {
        &self.operator_key
    }

    /// Whether `key` is the operator's key, compared in constant time.
    pub fn is_operator_key(&self, key: &str) -> bool {
        let (a, b) = (key.as_bytes(), self.operator_key.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    /// The readable copies of the emails, newest first, keeping those `keep` accepts
    /// by recipient address.
    pub fn emails(&self, keep: impl Fn(&str) -> bool) -> Vec<OutboxEmail> {
        let mut files: Vec<_> = std::fs::read_dir(&self.dir)
            .map(|d| {
                d.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "json"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files.reverse();
        files
            .iter()
            .filter_map(|f| std::fs::read_to_string(f).ok())
            .filter_map(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .map(|v| {
                let field = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
                OutboxEmail {
                    to: field("to"),
                    subject: field("subject"),
                    text: field("text"),
                }
            })
            .filter(|e| keep(&e.to))
            .collect()
    }
}

/// One email of the outbox as the page shows it.
pub struct OutboxEmail {
    pub to: String,
    pub subject: String,
    pub text: String,
}
