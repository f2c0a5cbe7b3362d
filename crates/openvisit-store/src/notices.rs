//! Notices staff post to the family waiting for a visit: a lockdown, court, a delay
//! (R18). Each is a staff action in the audit log (R16).

use jiff::Timestamp;
use openvisit_core::message::Message;
use openvisit_core::{AccountId, FacilityId, VisitId};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::audit::{Audit, append_audit};
use crate::db::Db;
use crate::error::StoreError;
use crate::time::{from_secs, secs};
use crate::visits::{VisitStatus, get_visit};

/// The longest notice, in characters.
pub const MAX_NOTICE_CHARS: usize = 500;

/// What a notice is about; the family sees it in their language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    Lockdown,
    Court,
    Delay,
    Other,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Lockdown => "lockdown",
            NoticeKind::Court => "court",
            NoticeKind::Delay => "delay",
            NoticeKind::Other => "other",
        }
    }

    fn parse(s: &str) -> NoticeKind {
        match s {
            "lockdown" => NoticeKind::Lockdown,
            "court" => NoticeKind::Court,
            "delay" => NoticeKind::Delay,
            _ => NoticeKind::Other,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Notice {
    pub kind: NoticeKind,
    pub id: i64,
    pub visit: VisitId,
    pub facility: FacilityId,
    pub author: AccountId,
    /// Staff's words in English, and in Spanish; either may be empty.
    pub body: String,
    pub body_es: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

/// Posts a notice on a booked visit. The body is trimmed and must have 1 to 500
/// characters. The caller has checked that `author` is staff of the visit's facility.
pub async fn post_notice(
    db: &Db,
    visit: VisitId,
    author: AccountId,
    body: &str,
    now: Timestamp,
) -> Result<Notice, StoreError> {
    post_notice_of_kind(db, visit, author, NoticeKind::Other, (body, ""), now).await
}

/// Posts a notice of a kind with staff's words in English and Spanish (`(body,
/// body_es)`); both may be empty for a kind other than `Other`.
pub async fn post_notice_of_kind(
    db: &Db,
    visit: VisitId,
    author: AccountId,
    kind: NoticeKind,
    (body, body_es): (&str, &str),
    now: Timestamp,
) -> Result<Notice, StoreError> {
    let (body, body_es) = (body.trim(), body_es.trim());
    let (chars, chars_es) = (body.chars().count(), body_es.chars().count());
    if (chars + chars_es == 0 && kind == NoticeKind::Other)
        || chars > MAX_NOTICE_CHARS
        || chars_es > MAX_NOTICE_CHARS
    {
        return Err(StoreError::Invalid(
            Message::new("error-notice-length").with("most", MAX_NOTICE_CHARS),
        ));
    }
    let mut tx = db.begin_write().await?;
    let v = get_visit(&mut tx, visit).await?;
    if v.status != VisitStatus::Booked {
        return Err(StoreError::conflict("error-notice-visit-over"));
    }
    let row = sqlx::query(
        "INSERT INTO visit_notices (visit_id, facility_id, author_id, body, created_at, kind, \
         body_es) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(visit.0)
    .bind(v.facility.0)
    .bind(author.0)
    .bind(body)
    .bind(secs(now))
    .bind(kind.as_str())
    .bind(body_es)
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    append_audit(
        &mut tx,
        &Audit {
            at: now,
            actor: Some(author),
            facility: Some(v.facility),
            action: "visit.notice",
            subject: format!("visit:{visit}"),
            detail: serde_json::json!({ "notice": id, "kind": kind.as_str(), "body": body, "body_es": body_es })
                .to_string(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Notice {
        kind,
        id,
        visit,
        facility: v.facility,
        author,
        body: body.to_owned(),
        body_es: body_es.to_owned(),
        created_at: from_secs(secs(now))?,
    })
}

/// A visit's notices, oldest first.
pub async fn notices_for_visit(
    conn: &mut AnyConnection,
    visit: VisitId,
) -> Result<Vec<Notice>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, visit_id, facility_id, author_id, body, body_es, created_at, kind \
         FROM visit_notices \
         WHERE visit_id = $1 ORDER BY id",
    )
    .bind(visit.0)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Notice {
                kind: NoticeKind::parse(&r.try_get::<String, _>("kind")?),
                id: r.try_get("id")?,
                visit: VisitId(r.try_get("visit_id")?),
                facility: FacilityId(r.try_get("facility_id")?),
                author: AccountId(r.try_get("author_id")?),
                body: r.try_get("body")?,
                body_es: r.try_get("body_es")?,
                created_at: from_secs(r.try_get("created_at")?)?,
            })
        })
        .collect()
}
