//! Where and how mail is sent (`serve --smtp`): `host:port` for a relay without
//! encryption on the same machine or network, `smtp://user:pass@host:587?tls=starttls`
//! for STARTTLS, or `smtps://user:pass@host:465` for TLS from the first byte. A
//! password is only ever sent over TLS.

use percent_encoding::percent_decode_str;

use crate::mail::MailError;

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// None: a relay on the same machine or a trusted network.
    Plain,
    /// A plain connection that must switch to TLS (STARTTLS) before anything is sent.
    StartTls,
    /// TLS from the first byte (port 465).
    Implicit,
}

/// The mail relay `--smtp` names.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpRelay {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// The sign-in name and password, if the relay wants them.
    pub credentials: Option<(String, String)>,
}

/// Never prints the password.
impl std::fmt::Debug for SmtpRelay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpRelay")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.credentials.as_ref().map(|(u, _)| u))
            .finish()
    }
}

fn bad(why: &str) -> MailError {
    MailError::Config(format!(
        "--smtp: {why} (use host:port, smtp://user:password@host:587?tls=starttls or \
         smtps://user:password@host:465)"
    ))
}

impl SmtpRelay {
    pub fn parse(text: &str) -> Result<SmtpRelay, MailError> {
        if !text.contains("://") {
            let (host, port) = text
                .rsplit_once(':')
                .ok_or_else(|| bad("no port after the host"))?;
            let port = port.parse().map_err(|_| bad("the port is not a number"))?;
            if host.is_empty() {
                return Err(bad("no host"));
            }
            return Ok(SmtpRelay {
                host: host.trim_matches(['[', ']']).to_owned(),
                port,
                security: SmtpSecurity::Plain,
                credentials: None,
            });
        }
        let url = url::Url::parse(text).map_err(|e| bad(&e.to_string()))?;
        let tls = url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned());
        let security = match (url.scheme(), tls.as_deref()) {
            ("smtps", None) => SmtpSecurity::Implicit,
            ("smtp", Some("starttls" | "required")) => SmtpSecurity::StartTls,
            ("smtp", None | Some("none")) => SmtpSecurity::Plain,
            ("smtp" | "smtps", Some(other)) => {
                return Err(bad(&format!("unknown tls={other} (starttls or none)")));
            }
            (other, _) => return Err(bad(&format!("unknown scheme {other}://"))),
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad("no host"))?
            .trim_matches(['[', ']'])
            .to_owned();
        let port = url.port().unwrap_or(match security {
            SmtpSecurity::Plain => 25,
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::Implicit => 465,
        });
        let decode = |s: &str| {
            percent_decode_str(s)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| bad("the user or password is not UTF-8"))
        };
        let credentials = match (url.username(), url.password()) {
            ("", None) => None,
            (user, password) => Some((decode(user)?, decode(password.unwrap_or(""))?)),
        };
        if credentials.is_some() && security == SmtpSecurity::Plain {
            return Err(bad(
                "a password is sent only over TLS: add ?tls=starttls or use smtps://",
            ));
        }
        Ok(SmtpRelay {
            host,
            port,
            security,
            credentials,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relay(
        host: &str,
        port: u16,
        security: SmtpSecurity,
        cred: Option<(&str, &str)>,
    ) -> SmtpRelay {
        SmtpRelay {
            host: host.into(),
            port,
            security,
            credentials: cred.map(|(u, p)| (u.into(), p.into())),
        }
    }

    #[test]
    fn each_form_names_its_host_port_protection_and_sign_in() {
        assert_eq!(
            SmtpRelay::parse("127.0.0.1:2525").ok(),
            Some(relay("127.0.0.1", 2525, SmtpSecurity::Plain, None))
        );
        assert_eq!(
            SmtpRelay::parse("smtps://mailer:p%40ss@mail.example:465").ok(),
            Some(relay(
                "mail.example",
                465,
                SmtpSecurity::Implicit,
                Some(("mailer", "p@ss"))
            ))
        );
        assert_eq!(
            SmtpRelay::parse("smtps://mail.example").ok(),
            Some(relay("mail.example", 465, SmtpSecurity::Implicit, None))
        );
        assert_eq!(
            SmtpRelay::parse("smtp://u:p@mail.example?tls=starttls").ok(),
            Some(relay(
                "mail.example",
                587,
                SmtpSecurity::StartTls,
                Some(("u", "p"))
            ))
        );
        assert_eq!(
            SmtpRelay::parse("smtp://relay.internal").ok(),
            Some(relay("relay.internal", 25, SmtpSecurity::Plain, None))
        );
    }

    #[test]
    fn a_password_never_goes_in_the_clear_and_mistakes_are_named() {
        let err = |s: &str| {
            SmtpRelay::parse(s)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(err("smtp://u:p@mail.example").contains("only over TLS"));
        assert!(err("smtp://mail.example?tls=maybe").contains("unknown tls=maybe"));
        assert!(err("imap://mail.example").contains("unknown scheme imap://"));
        assert!(err("mail.example").contains("no port"));
        assert!(err("mail.example:smtp").contains("not a number"));
    }

    #[test]
    fn the_password_is_not_printed() {
        let r = SmtpRelay::parse("smtps://mailer:hunter2@mail.example").expect("relay");
        assert!(!format!("{r:?}").contains("hunter2"));
    }
}
