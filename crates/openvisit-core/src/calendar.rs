//! Calendar invitations (RFC 5545) sent with visit emails (R15). A visit keeps one UID
//! for its whole life; every change raises SEQUENCE, and a cancellation says so with
//! METHOD:CANCEL and STATUS:CANCELLED, so calendar apps update or remove the event.
//! iTIP (RFC 5546) wants an ORGANIZER and the ATTENDEE for METHOD:REQUEST and CANCEL:
//! the sender of the email and the visitor, so clients treat each email as an update of
//! the same event rather than a new one.

use jiff::Timestamp;

/// A person or mailbox in an invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarParty {
    pub name: String,
    pub email: String,
}

impl CalendarParty {
    /// `;CN="name":mailto:email` (a DQUOTE cannot appear inside a quoted parameter).
    fn property(&self, name: &str, params: &str) -> String {
        let cn: String = self
            .name
            .chars()
            .filter(|c| *c != '"' && !c.is_control())
            .collect();
        format!("{name};CN=\"{cn}\"{params}:mailto:{}", self.email.trim())
    }
}

/// One visit as a calendar event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEvent {
    /// Stable for the visit, e.g. `visit-42@openvisit`.
    pub uid: String,
    pub sequence: u32,
    pub start: Timestamp,
    pub end: Timestamp,
    pub stamp: Timestamp,
    pub summary: String,
    pub description: String,
    pub cancelled: bool,
    /// Who sends the invitation (the product's sender address).
    pub organizer: CalendarParty,
    /// The visitor, who booked it (so already accepted).
    pub attendee: CalendarParty,
}

fn utc(ts: Timestamp) -> String {
    ts.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// Escapes TEXT values: backslash, semicolon, comma and newlines.
fn text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace('\n', "\\n")
}

/// Folds a content line at 75 octets, never inside a UTF-8 character.
fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
    out
}

/// The `.ics` file for an event.
pub fn ics(event: &CalendarEvent) -> String {
    let method = if event.cancelled { "CANCEL" } else { "REQUEST" };
    let status = if event.cancelled {
        "CANCELLED"
    } else {
        "CONFIRMED"
    };
    let lines = [
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//OpenVisit//Visits//EN".to_owned(),
        format!("METHOD:{method}"),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}", text(&event.uid)),
        format!("SEQUENCE:{}", event.sequence),
        format!("DTSTAMP:{}", utc(event.stamp)),
        format!("DTSTART:{}", utc(event.start)),
        format!("DTEND:{}", utc(event.end)),
        format!("SUMMARY:{}", text(&event.summary)),
        format!("DESCRIPTION:{}", text(&event.description)),
        event.organizer.property("ORGANIZER", ""),
        event.attendee.property(
            "ATTENDEE",
            ";ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE",
        ),
        format!("STATUS:{status}"),
        "END:VEVENT".to_owned(),
        "END:VCALENDAR".to_owned(),
    ];
    lines.iter().map(|l| fold(l)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(cancelled: bool) -> CalendarEvent {
        CalendarEvent {
            uid: "visit-7@openvisit".into(),
            sequence: u32::from(cancelled),
            start: "2026-12-01T15:00:00Z".parse().expect("ts"),
            end: "2026-12-01T15:30:00Z".parse().expect("ts"),
            stamp: "2026-11-26T10:00:00Z".parse().expect("ts"),
            summary: "Visita con Ana, Riverside; remota".into(),
            description: "Línea uno\nLínea dos con acentos: áéíóú ñ, y una frase larga que obliga a plegar la línea".into(),
            cancelled,
            organizer: CalendarParty {
                name: "OpenVisit".into(),
                email: "no-reply@openvisit.example".into(),
            },
            attendee: CalendarParty {
                name: "Ana \"Anita\" Pérez".into(),
                email: "ana@example.com".into(),
            },
        }
    }

    #[test]
    fn a_request_and_a_cancel_name_the_organizer_and_the_visitor() {
        for cancelled in [false, true] {
            let s = ics(&event(cancelled));
            let unfolded = s.replace("\r\n ", "");
            assert!(
                unfolded
                    .contains("ORGANIZER;CN=\"OpenVisit\":mailto:no-reply@openvisit.example\r\n"),
                "{s}"
            );
            assert!(
                unfolded.contains(
                    "ATTENDEE;CN=\"Ana Anita Pérez\";ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE:mailto:ana@example.com\r\n"
                ),
                "{s}"
            );
        }
    }

    #[test]
    fn times_are_utc_text_is_escaped_and_lines_are_folded() {
        let s = ics(&event(false));
        assert!(s.contains("DTSTART:20261201T150000Z\r\n"));
        assert!(s.contains("DTEND:20261201T153000Z\r\n"));
        assert!(s.contains("SUMMARY:Visita con Ana\\, Riverside\\; remota\r\n"));
        assert!(s.contains("STATUS:CONFIRMED"));
        assert!(s.lines().all(|l| l.len() <= 75), "{s}");
        assert!(s.ends_with("END:VCALENDAR\r\n"));
    }

    #[test]
    fn a_cancellation_keeps_the_uid_and_raises_the_sequence() {
        let (a, b) = (ics(&event(false)), ics(&event(true)));
        assert!(a.contains("UID:visit-7@openvisit") && b.contains("UID:visit-7@openvisit"));
        assert!(
            b.contains("SEQUENCE:1")
                && b.contains("STATUS:CANCELLED")
                && b.contains("METHOD:CANCEL")
        );
    }

    #[test]
    fn an_independent_parser_reads_it() {
        use icalendar::{Calendar, Component};
        let parsed: Calendar = ics(&event(false)).parse().expect("parses");
        let ev = parsed
            .components
            .iter()
            .find_map(|c| c.as_event())
            .expect("an event");
        assert_eq!(ev.get_summary(), Some("Visita con Ana, Riverside; remota"));
        assert_eq!(ev.get_uid(), Some("visit-7@openvisit"));
        assert!(
            ev.get_description()
                .is_some_and(|d| d.contains("Línea dos con acentos: áéíóú ñ"))
        );
        let start = format!("{:?}", ev.get_start());
        assert!(
            start.contains("2026-12-01T15:00:00Z") || start.contains("2026-12-01 15:00:00"),
            "{start}"
        );
    }
}
