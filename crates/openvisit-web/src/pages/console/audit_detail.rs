//! An audit line's detail as staff read it: the JSON the store wrote, rendered in the
//! reader's language at read time. Known fields get their names translated, amounts in
//! cents read as money, instants as facility time, ledger postings as accounts and
//! amounts, and a settings change as the fields that changed.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use openvisit_core::Cents;
use serde_json::Value;

use super::local_time;
use crate::i18n::Tr;

/// The readable text of `detail` (the stored JSON); the text itself when it is not JSON.
pub fn readable(t: &Tr, tz: &TimeZone, detail: &str) -> String {
    let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(detail) else {
        return detail.to_owned();
    };
    if let (Some(Value::Object(before)), Some(Value::Object(after))) =
        (fields.get("before"), fields.get("after"))
    {
        return changes(t, tz, before, after);
    }
    let parts: Vec<String> = fields
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| match (k.as_str(), v) {
            ("postings", Value::Array(postings)) => format!(
                "{}: {}",
                field_name(t, k),
                postings
                    .iter()
                    .map(|p| posting(t, p))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => format!("{}: {}", field_name(t, k), value(t, tz, k, v)),
        })
        .collect();
    if parts.is_empty() {
        return "—".to_owned();
    }
    parts.join("; ")
}

/// A settings change: each field that changed, `name: before → after`.
fn changes(
    t: &Tr,
    tz: &TimeZone,
    before: &serde_json::Map<String, Value>,
    after: &serde_json::Map<String, Value>,
) -> String {
    let changed: Vec<String> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, v)| {
            let old = before.get(k).unwrap_or(&Value::Null);
            format!(
                "{}: {} → {}",
                field_name(t, k),
                value(t, tz, k, old),
                value(t, tz, k, v)
            )
        })
        .collect();
    if changed.is_empty() {
        return t.t("console-audit-unchanged");
    }
    changed.join("; ")
}

/// A field's name: its message if it has one, else the name with spaces.
fn field_name(t: &Tr, key: &str) -> String {
    if key == "reason_code" {
        return field_name(t, "reason");
    }
    // A field with a message (`console-audit-field-…`) is named in the reader's language.
    t.t_if_any(&format!("console-audit-field-{}", key.replace('_', "-")))
        .unwrap_or_else(|| key.replace('_', " "))
}

fn value(t: &Tr, tz: &TimeZone, key: &str, v: &Value) -> String {
    match v {
        Value::Null => "—".to_owned(),
        Value::Bool(true) => t.t("console-yes"),
        Value::Bool(false) => t.t("console-no"),
        Value::Number(n) if key.ends_with("_cents") => n
            .as_i64()
            .map(|c| Cents(c).to_string())
            .unwrap_or_else(|| n.to_string()),
        Value::Number(n) => n.to_string(),
        Value::String(s) if key == "reason_code" => {
            t.t(&format!("console-reason-{}", s.replace('_', "-")))
        }
        Value::String(s) => {
            // An approval's states (`approval.decide` records `from` and `to`).
            if matches!(key, "from" | "to")
                && let Some(state) = t.t_if_any(&format!("console-audit-approval-{s}"))
            {
                return state;
            }
            match s.parse::<Timestamp>() {
                Ok(at) => local_time(at, tz),
                Err(_) if s.is_empty() => "—".to_owned(),
                Err(_) => s.clone(),
            }
        }
        Value::Array(items) if items.is_empty() => "—".to_owned(),
        Value::Array(items) => items
            .iter()
            .map(|i| value(t, tz, "", i))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(_) => v.to_string(),
    }
}

/// One ledger posting, `["visitor:7", -1500]`, as "Visitor balance #7 −$15.00".
fn posting(t: &Tr, p: &Value) -> String {
    let (Some(account), Some(cents)) = (
        p.get(0).and_then(Value::as_str),
        p.get(1).and_then(Value::as_i64),
    ) else {
        return p.to_string();
    };
    let (kind, id) = account.split_once(':').unwrap_or((account, ""));
    let name = match kind {
        "visitor" | "payments" | "revenue" | "hold" | "credits" => {
            t.t(&format!("console-audit-account-{kind}"))
        }
        _ => kind.to_owned(),
    };
    let amount = if cents < 0 {
        format!("−{}", Cents(-cents))
    } else {
        format!("+{}", Cents(cents))
    };
    if id.is_empty() {
        format!("{name} {amount}")
    } else {
        format!("{name} #{id} {amount}")
    }
}
