//! Contact channels: the typed ways to reach a party, each parsed and
//! normalized so that search finds `+7 (912) 555-01-02` as `79125550102`
//! and `Ivan@Example.COM` as `ivan@example.com`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// Longest channel value, in characters (a long URL or postal address).
pub const CHANNEL_VALUE_CHARS_MAX: usize = 2_048;

/// The kinds of contact channel. Stored by position: new kinds go at the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ChannelKind {
    Email,
    WorkPhone,
    MobilePhone,
    Telegram,
    WhatsApp,
    Skype,
    Viber,
    SocialProfile,
    Website,
    PostalAddress,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 10] = [
        Self::Email,
        Self::WorkPhone,
        Self::MobilePhone,
        Self::Telegram,
        Self::WhatsApp,
        Self::Skype,
        Self::Viber,
        Self::SocialProfile,
        Self::Website,
        Self::PostalAddress,
    ];

    /// Stable lower-case name, for the API and message catalogues.
    pub fn code(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::WorkPhone => "work_phone",
            Self::MobilePhone => "mobile_phone",
            Self::Telegram => "telegram",
            Self::WhatsApp => "whatsapp",
            Self::Skype => "skype",
            Self::Viber => "viber",
            Self::SocialProfile => "social_profile",
            Self::Website => "website",
            Self::PostalAddress => "postal_address",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.code() == code)
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A channel value, valid and normalized for its kind.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Channel {
    kind: ChannelKind,
    value: String,
}

impl Channel {
    /// Parses `raw` as a value of `kind`; errors name the field `value`.
    pub fn parse(kind: ChannelKind, raw: &str) -> Result<Self, DomainError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(DomainError::invalid("value", "must not be blank"));
        }
        if raw.chars().count() > CHANNEL_VALUE_CHARS_MAX {
            return Err(DomainError::invalid(
                "value",
                format!("must be at most {CHANNEL_VALUE_CHARS_MAX} characters"),
            ));
        }
        let value = match kind {
            ChannelKind::Email => parse_email(raw)?,
            ChannelKind::WorkPhone
            | ChannelKind::MobilePhone
            | ChannelKind::WhatsApp
            | ChannelKind::Viber => parse_phone(raw)?,
            ChannelKind::Telegram => parse_telegram(raw)?,
            ChannelKind::Skype => parse_handle(raw, 6, 64, "a Skype name")?,
            ChannelKind::SocialProfile | ChannelKind::Website => parse_url(raw)?,
            ChannelKind::PostalAddress => parse_address(raw)?,
        };
        Ok(Self { kind, value })
    }

    pub fn kind(&self) -> ChannelKind {
        self.kind
    }

    pub fn value(&self) -> &str {
        &self.value
    }

    pub fn into_value(self) -> String {
        self.value
    }
}

fn parse_email(raw: &str) -> Result<String, DomainError> {
    let email = raw.to_lowercase();
    let invalid =
        || DomainError::invalid("value", "must be an email address such as name@example.com");
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !domain.contains('@');
    if local.is_empty() || local.len() > 64 || !domain_ok {
        return Err(invalid());
    }
    Ok(email)
}

/// Phones keep a leading `+` and their digits: what search and dialers need.
fn parse_phone(raw: &str) -> Result<String, DomainError> {
    let invalid = |problem: &str| DomainError::invalid("value", problem);
    let (plus, rest) = match raw.strip_prefix('+') {
        Some(rest) => ("+", rest),
        None => ("", raw),
    };
    if let Some(bad) = rest
        .chars()
        .find(|c| !(c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '.')))
    {
        return Err(invalid(&format!(
            "a phone number may hold digits, spaces, '-', '.', '(' and ')', not {bad:?}"
        )));
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    if !(5..=15).contains(&digits.len()) {
        return Err(invalid("a phone number has 5 to 15 digits"));
    }
    Ok(format!("{plus}{digits}"))
}

fn parse_telegram(raw: &str) -> Result<String, DomainError> {
    if raw.starts_with('+')
        || raw
            .chars()
            .all(|c| c.is_ascii_digit() || " -()".contains(c))
    {
        return parse_phone(raw);
    }
    let handle = raw
        .trim_start_matches("https://t.me/")
        .trim_start_matches("t.me/")
        .trim_start_matches('@');
    parse_handle(handle, 5, 32, "a Telegram username").map(|name| format!("@{name}"))
}

fn parse_handle(raw: &str, min: usize, max: usize, what: &str) -> Result<String, DomainError> {
    let ok = (min..=max).contains(&raw.chars().count())
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | ':' | ','));
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(DomainError::invalid(
            "value",
            format!("must be {what}: {min} to {max} Latin letters, digits or '_.-:,'"),
        ))
    }
}

/// URLs get `https://` when the scheme is missing, as people type them.
fn parse_url(raw: &str) -> Result<String, DomainError> {
    let url = if raw.starts_with("http://") || raw.starts_with("https://") {
        raw.to_owned()
    } else {
        format!("https://{raw}")
    };
    let host = url
        .split_once("://")
        .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(""))
        .unwrap_or("");
    let host_ok = host.contains('.') && !host.starts_with('.') && !host.ends_with('.');
    if !host_ok || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(DomainError::invalid(
            "value",
            "must be a web address such as https://example.com/page",
        ));
    }
    Ok(url)
}

fn parse_address(raw: &str) -> Result<String, DomainError> {
    if raw
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r')
    {
        return Err(DomainError::invalid(
            "value",
            "must not contain control characters",
        ));
    }
    let lines: Vec<&str> = raw
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    Ok(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(kind: ChannelKind, raw: &str) -> Result<String, DomainError> {
        Channel::parse(kind, raw).map(Channel::into_value)
    }

    /// Protects search and duplicates: emails compare case-insensitively.
    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(
            value(ChannelKind::Email, " Ivan.Petrov@Example.COM ").unwrap(),
            "ivan.petrov@example.com"
        );
        for bad in [
            "ivan",
            "ivan@",
            "@example.com",
            "ivan@example",
            "a b@example.com",
            "a@b@c.com",
            "a@.com",
        ] {
            let error = value(ChannelKind::Email, bad).unwrap_err();
            assert_eq!(error.field(), Some("value"), "{bad}");
        }
    }

    /// Protects search by phone: however typed, a number is its digits.
    #[test]
    fn phones_are_normalized_to_digits() {
        assert_eq!(
            value(ChannelKind::MobilePhone, "+7 (912) 555-01-02").unwrap(),
            "+79125550102"
        );
        assert_eq!(
            value(ChannelKind::WorkPhone, "030 1234.567").unwrap(),
            "0301234567"
        );
        assert!(value(ChannelKind::WorkPhone, "1234").is_err(), "too short");
        assert!(
            value(ChannelKind::WorkPhone, "+1234567890123456").is_err(),
            "too long"
        );
        assert!(value(ChannelKind::WhatsApp, "call me").is_err());
    }

    /// Protects messenger handles: Telegram takes a name or a number.
    #[test]
    fn telegram_takes_a_username_or_a_phone() {
        assert_eq!(
            value(ChannelKind::Telegram, "@ivan_petrov").unwrap(),
            "@ivan_petrov"
        );
        assert_eq!(
            value(ChannelKind::Telegram, "https://t.me/ivan_petrov").unwrap(),
            "@ivan_petrov"
        );
        assert_eq!(
            value(ChannelKind::Telegram, "+7 912 555 0102").unwrap(),
            "+79125550102"
        );
        assert!(value(ChannelKind::Telegram, "@abc").is_err(), "too short");
        assert!(value(ChannelKind::Skype, "live:ivan.petrov").is_ok());
        assert!(value(ChannelKind::Skype, "iv an").is_err());
    }

    /// Protects links: a typed `example.com` becomes a working address.
    #[test]
    fn web_addresses_get_a_scheme_and_need_a_host() {
        assert_eq!(
            value(ChannelKind::Website, "example.com").unwrap(),
            "https://example.com"
        );
        assert_eq!(
            value(ChannelKind::SocialProfile, "http://vk.com/id1").unwrap(),
            "http://vk.com/id1"
        );
        assert!(value(ChannelKind::Website, "localhost").is_err());
        assert!(value(ChannelKind::Website, "https://exa mple.com").is_err());
    }

    /// Protects postal addresses: lines kept, blank lines dropped.
    #[test]
    fn postal_addresses_keep_their_lines() {
        assert_eq!(
            value(ChannelKind::PostalAddress, " 1 Main St \n\n Springfield ").unwrap(),
            "1 Main St\nSpringfield"
        );
        assert!(value(ChannelKind::PostalAddress, "   ").is_err());
    }

    /// Protects the API's names for kinds: each code maps back to its kind.
    #[test]
    fn kind_codes_round_trip() {
        for kind in ChannelKind::ALL {
            assert_eq!(ChannelKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(ChannelKind::from_code("pager"), None);
    }
}
