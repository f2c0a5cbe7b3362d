//! The emails that prove an address and reset a password, in the account's language.

use openvisit_store::accounts::{Account, TokenPurpose, create_token};

use crate::i18n::{Lang, Tr};
use crate::mail::Email;
use crate::state::AppState;

/// Confirmation and reset links one address receives per hour.
const LINKS_PER_RECIPIENT: u32 = 5;

/// Emails a single-use link; failures are logged, never shown (the visitor can ask
/// again), and nothing about them reaches the logs but the account id.
pub async fn send_link(state: &AppState, account: &Account, purpose: TokenPurpose) {
    // Whoever asks, one address gets a few of these an hour: the forms cannot be used to
    // flood someone's mailbox from many addresses.
    if !state.limiter.allow_mail_to(
        &account.email,
        "account-link",
        LINKS_PER_RECIPIENT,
        std::time::Duration::from_secs(3600),
    ) {
        tracing::warn!(account = %account.id, "email link not sent: too many to this address");
        return;
    }
    let (minutes, path, subject, body) = match purpose {
        TokenPurpose::VerifyEmail => (
            48 * 60,
            "/verify",
            "email-verify-subject",
            "email-verify-body",
        ),
        TokenPurpose::ResetPassword => (
            60,
            "/reset-password",
            "email-reset-subject",
            "email-reset-body",
        ),
    };
    let token = match create_token(&state.db, account.id, purpose, minutes, state.clock.now()).await
    {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(account = %account.id, error = %e, "cannot create an email link");
            return;
        }
    };
    let t = Tr {
        lang: Lang::parse(&account.language).unwrap_or(Lang::En),
    };
    let link = format!(
        "{}{path}?token={token}",
        state.public_url.trim_end_matches('/')
    );
    let email = Email {
        message_id: None,
        to: account.email.clone(),
        subject: t.t(subject),
        text: t.t_with(
            body,
            &[
                ("name", account.display_name.clone().into()),
                ("link", link.into()),
            ],
        ),
        attachments: Vec::new(),
    };
    if let Err(e) = state.mailer.send(email).await {
        tracing::error!(account = %account.id, error = %e, "cannot send an email");
    }
}
