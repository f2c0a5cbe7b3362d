//! What happened, for a person to read, without choosing their language: a message id
//! and its values. The web layer renders it from its Fluent files in the reader's
//! language when it answers; the core and the store only say which message applies.

use std::fmt;

/// A message id (a key of the Fluent files) and the values it places.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: &'static str,
    pub args: Vec<(&'static str, Arg)>,
}

/// A value placed in a message: text as given, or a number (which selects plurals).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Text(String),
    Number(i64),
}

impl Message {
    pub fn new(id: &'static str) -> Message {
        Message {
            id,
            args: Vec::new(),
        }
    }

    /// The message with one more value.
    pub fn with(mut self, name: &'static str, value: impl Into<Arg>) -> Message {
        self.args.push((name, value.into()));
        self
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Text(s)
    }
}

impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Text(s.to_owned())
    }
}

impl From<i64> for Arg {
    fn from(n: i64) -> Arg {
        Arg::Number(n)
    }
}

impl From<i32> for Arg {
    fn from(n: i32) -> Arg {
        Arg::Number(i64::from(n))
    }
}

impl From<u32> for Arg {
    fn from(n: u32) -> Arg {
        Arg::Number(i64::from(n))
    }
}

impl From<usize> for Arg {
    fn from(n: usize) -> Arg {
        Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

/// For logs: the id and its values, `error-pin-digits` or `error-grid(minutes=7)`.
impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id)?;
        if self.args.is_empty() {
            return Ok(());
        }
        f.write_str("(")?;
        for (i, (name, value)) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            match value {
                Arg::Text(t) => write!(f, "{name}={t:?}")?,
                Arg::Number(n) => write!(f, "{name}={n}")?,
            }
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_shows_its_id_and_values_in_logs() {
        let m = Message::new("error-pin-digits");
        assert_eq!(m.to_string(), "error-pin-digits");
        let m = Message::new("error-name-exists")
            .with("name", "A Pod")
            .with("count", 2_u32);
        assert_eq!(m.to_string(), "error-name-exists(name=\"A Pod\", count=2)");
    }
}
