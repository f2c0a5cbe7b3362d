//! The roster a facility exports from its jail management system: one row per person
//! in custody. Parsing is pure; applying it is the store's job.

use serde::Deserialize;

/// One person on the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterEntry {
    pub booking_number: String,
    pub full_name: String,
    pub housing_unit: String,
}

#[derive(Debug, Deserialize)]
struct Row {
    booking_number: String,
    full_name: String,
    housing_unit: String,
}

/// A roster that cannot be used, with the line to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RosterError {
    #[error("line {line}: {message}")]
    Line { line: u64, message: String },
    #[error("booking number {0} appears more than once")]
    Duplicate(String),
    #[error("the roster is empty; a facility always has someone in custody")]
    Empty,
}

/// Parses CSV with the header `booking_number,full_name,housing_unit`.
pub fn parse_roster(csv_text: &str) -> Result<Vec<RosterEntry>, RosterError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(csv_text.as_bytes());
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, row) in reader.deserialize::<Row>().enumerate() {
        let line = i as u64 + 2;
        let row = row.map_err(|e| RosterError::Line {
            line,
            message: format!("{e}; expected the columns booking_number, full_name, housing_unit"),
        })?;
        for (name, value) in [
            ("booking_number", &row.booking_number),
            ("full_name", &row.full_name),
            ("housing_unit", &row.housing_unit),
        ] {
            if value.is_empty() || value.chars().count() > 200 {
                return Err(RosterError::Line {
                    line,
                    message: format!("{name} must have 1 to 200 characters"),
                });
            }
        }
        if !seen.insert(row.booking_number.clone()) {
            return Err(RosterError::Duplicate(row.booking_number));
        }
        out.push(RosterEntry {
            booking_number: row.booking_number,
            full_name: row.full_name,
            housing_unit: row.housing_unit,
        });
    }
    if out.is_empty() {
        return Err(RosterError::Empty);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_quoted_names_and_refuses_bad_rows() {
        let ok = parse_roster("booking_number,full_name,housing_unit\nB1,\"Smith, John\",A Pod\n B2 , Ana Díaz ,B Pod\n")
            .expect("valid");
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].full_name, "Smith, John");
        assert_eq!(ok[1].booking_number, "B2");
        let err = parse_roster("booking_number,full_name,housing_unit\nB1,,A Pod\n")
            .expect_err("empty name");
        assert_eq!(
            err.to_string(),
            "line 2: full_name must have 1 to 200 characters"
        );
        assert!(matches!(
            parse_roster("booking_number,full_name,housing_unit\nB1,X,A\nB1,Y,B\n"),
            Err(RosterError::Duplicate(_))
        ));
        assert!(matches!(
            parse_roster("booking_number,full_name,housing_unit\n"),
            Err(RosterError::Empty)
        ));
        assert!(matches!(
            parse_roster("name\nfoo\n"),
            Err(RosterError::Line { line: 2, .. })
        ));
    }
}

#[cfg(test)]
mod fuzz {
    use proptest::prelude::*;

    proptest! {
        /// The parsers meet untrusted text; they answer or refuse, never panic.
        #[test]
        fn roster_and_hours_parsers_never_panic(text in "(?s).{0,300}") {
            let _ = super::parse_roster(&text);
            let _ = crate::hours::parse_weekly_hours(&text);
        }

        #[test]
        fn hours_like_text_never_panics(text in "[a-z, ;:0-9-]{0,80}") {
            if let Ok(windows) = crate::hours::parse_weekly_hours(&text) {
                for (day, open, close) in windows {
                    prop_assert!((1..=7).contains(&day) && open < close && close <= 24 * 60);
                }
            }
        }
    }
}
