//! Stream names: `<category>-<id>`, parsed once at the edge.
//!
//! Every aggregate instance is a stream. The part before the first `-` is its
//! category (`customer`, `order`, `stock`), which projections and auditors use
//! to filter the log. A `StreamName` is valid by construction, so the storage
//! layer can rely on it containing no NUL byte and fitting its key budget.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// Longest stream name accepted, in bytes. Names are repeated in every record
/// and index key, so they are kept short.
pub const STREAM_NAME_BYTES_MAX: usize = 200;

/// Longest category accepted, in bytes.
pub const CATEGORY_BYTES_MAX: usize = 64;

/// A valid stream name of the form `<category>-<id>`.
///
/// The category is lower-case ASCII letters, digits and `_`, starting with a
/// letter. The id is any non-empty run of printable characters (it may itself
/// contain `-`, as in `stock-<product>-<warehouse>`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StreamName(String);

impl StreamName {
    /// Parses a stream name, explaining what is wrong when it is not valid.
    pub fn parse(name: impl Into<String>) -> Result<Self, Error> {
        let name = name.into();
        let invalid = |reason: &str| Error::InvalidStreamName {
            name: truncate_for_message(&name),
            reason: reason.to_owned(),
        };
        if name.len() > STREAM_NAME_BYTES_MAX {
            return Err(invalid(&format!(
                "is {} bytes long; at most {STREAM_NAME_BYTES_MAX} are allowed",
                name.len()
            )));
        }
        let Some((category, id)) = name.split_once('-') else {
            return Err(invalid("has no `-` between category and id"));
        };
        validate_category(category).map_err(|reason| invalid(&reason))?;
        if id.is_empty() {
            return Err(invalid("has an empty id after the `-`"));
        }
        if id.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(invalid("has whitespace or a control character in its id"));
        }
        Ok(Self(name))
    }

    /// A name read back from storage, where it was parsed when written and
    /// is guarded by checksums since: only its shape is checked again, which
    /// keeps replay fast.
    pub(crate) fn from_stored(name: String) -> Result<Self, Error> {
        if name.len() > STREAM_NAME_BYTES_MAX || !name.contains('-') {
            return Self::parse(name);
        }
        Ok(Self(name))
    }

    /// Builds `<category>-<id>` from its parts.
    pub fn from_parts(category: &str, id: impl fmt::Display) -> Result<Self, Error> {
        Self::parse(format!("{category}-{id}"))
    }

    /// The category: the part before the first `-`.
    pub fn category(&self) -> &str {
        // Parsing guarantees a `-` is present.
        self.0.split_once('-').map_or(self.0.as_str(), |(c, _)| c)
    }

    /// The id: everything after the first `-`.
    pub fn id(&self) -> &str {
        self.0.split_once('-').map_or("", |(_, id)| id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks a category on its own, as used in read filters.
pub fn validate_category(category: &str) -> Result<(), String> {
    if category.is_empty() {
        return Err("has an empty category".to_owned());
    }
    if category.len() > CATEGORY_BYTES_MAX {
        return Err(format!(
            "has a category of {} bytes; at most {CATEGORY_BYTES_MAX} are allowed",
            category.len()
        ));
    }
    let mut chars = category.chars();
    let first_is_letter = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    if !first_is_letter
        || !category
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(format!(
            "has category `{category}`; a category is lower-case ASCII letters, digits and `_`, starting with a letter"
        ));
    }
    Ok(())
}

/// Keeps error messages bounded when a client sends a huge name.
pub(crate) fn truncate_for_message(text: &str) -> String {
    const MESSAGE_CHARS_MAX: usize = 80;
    if text.chars().count() <= MESSAGE_CHARS_MAX {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(MESSAGE_CHARS_MAX).collect();
        short.push('…');
        short
    }
}

impl TryFrom<String> for StreamName {
    type Error = Error;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<StreamName> for String {
    fn from(value: StreamName) -> Self {
        value.0
    }
}

impl fmt::Display for StreamName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for StreamName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StreamName({:?})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_name_splits_into_category_and_id_at_the_first_dash() {
        let name = StreamName::parse("stock-p42-w7").unwrap();
        assert_eq!(name.category(), "stock");
        assert_eq!(name.id(), "p42-w7");
        assert_eq!(name.to_string(), "stock-p42-w7");
    }

    #[test]
    fn a_name_without_a_dash_is_rejected() {
        let error = StreamName::parse("customer").unwrap_err();
        assert!(error.to_string().contains("no `-`"), "{error}");
    }

    #[test]
    fn an_empty_id_or_category_is_rejected() {
        assert!(StreamName::parse("customer-").is_err());
        assert!(StreamName::parse("-42").is_err());
    }

    #[test]
    fn a_category_with_upper_case_or_symbols_is_rejected() {
        assert!(StreamName::parse("Customer-1").is_err());
        assert!(StreamName::parse("cust.omer-1").is_err());
        assert!(StreamName::parse("1customer-1").is_err());
        assert!(StreamName::parse("sales_order-1").is_ok());
    }

    #[test]
    fn whitespace_control_characters_and_nul_in_the_id_are_rejected() {
        assert!(StreamName::parse("customer-a b").is_err());
        assert!(StreamName::parse("customer-a\0b").is_err());
        assert!(StreamName::parse("customer-a\nb").is_err());
    }

    #[test]
    fn an_overlong_name_is_rejected_with_a_bounded_message() {
        let long = format!("customer-{}", "x".repeat(10_000));
        let message = StreamName::parse(long).unwrap_err().to_string();
        assert!(message.contains("at most 200"), "{message}");
        assert!(
            message.len() < 400,
            "message is not bounded: {}",
            message.len()
        );
    }

    #[test]
    fn deserializing_checks_the_name() {
        let json_like: Result<StreamName, _> = StreamName::try_from("nodash".to_owned());
        assert!(json_like.is_err());
    }
}
