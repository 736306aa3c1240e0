//! Search tokens: how names, channel values and queries are cut into
//! comparable lower-case pieces.

use domain::channel::ChannelKind;

/// Digits a phone token keeps at its end, so "555 01 02" finds
/// "+7 912 555-01-02" without the country and area code.
const PHONE_SUFFIX_DIGITS: usize = 7;

/// Lower-case words of a free text (names, addresses).
pub fn words(text: &str, out: &mut Vec<Box<str>>) {
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        if !word.is_empty() {
            out.push(word.to_lowercase().into_boxed_str());
        }
    }
}

/// Tokens of one channel value, by kind.
pub fn channel_tokens(kind: ChannelKind, value: &str, out: &mut Vec<Box<str>>) {
    match kind {
        ChannelKind::Email => {
            out.push(value.into());
            if let Some((local, domain)) = value.split_once('@') {
                out.push(local.into());
                out.push(domain.into());
                if local.contains(['.', '_', '-', '+']) {
                    words(local, out);
                }
            }
        }
        ChannelKind::WorkPhone
        | ChannelKind::MobilePhone
        | ChannelKind::WhatsApp
        | ChannelKind::Viber => {
            phone_tokens(value, out);
        }
        ChannelKind::Telegram => {
            if value.starts_with('@') {
                out.push(value.trim_start_matches('@').to_lowercase().into());
            } else {
                phone_tokens(value, out);
            }
        }
        ChannelKind::Skype => out.push(value.to_lowercase().into()),
        ChannelKind::SocialProfile | ChannelKind::Website => {
            let without_scheme = value
                .trim_start_matches("https://")
                .trim_start_matches("http://")
                .to_lowercase();
            let host = without_scheme.split(['/', '?', '#']).next().unwrap_or("");
            out.push(host.trim_start_matches("www.").into());
            out.push(without_scheme.as_str().into());
        }
        ChannelKind::PostalAddress => words(value, out),
    }
}

fn phone_tokens(value: &str, out: &mut Vec<Box<str>>) {
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    if digits.len() > PHONE_SUFFIX_DIGITS {
        out.push(digits[digits.len() - PHONE_SUFFIX_DIGITS..].into());
    }
    out.push(digits.into());
}

/// A search query cut into terms: lower-case; a term that looks like a
/// phone number becomes its digits; `@` and `+` prefixes are dropped.
pub fn query_terms(query: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let looks_like_phone = |term: &str| {
        term.chars().filter(char::is_ascii_digit).count() >= 3
            && term
                .chars()
                .all(|c| c.is_ascii_digit() || "+-() .".contains(c))
    };
    if looks_like_phone(query.trim()) {
        terms.push(query.chars().filter(char::is_ascii_digit).collect());
        return terms;
    }
    for raw in query.split_whitespace() {
        let term = raw.trim_start_matches(['@', '+']).to_lowercase();
        if term.is_empty() {
            continue;
        }
        if looks_like_phone(&term) {
            terms.push(term.chars().filter(char::is_ascii_digit).collect());
        } else if term.contains(['@', '.', '_']) {
            terms.push(term);
        } else {
            let mut pieces = Vec::new();
            words(&term, &mut pieces);
            terms.extend(pieces.into_iter().map(String::from));
        }
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(kind: ChannelKind, value: &str) -> Vec<String> {
        let mut out = Vec::new();
        channel_tokens(kind, value, &mut out);
        out.into_iter().map(String::from).collect()
    }

    /// Protects search by any part of an email address.
    #[test]
    fn an_email_is_found_by_address_local_part_domain_and_words() {
        assert_eq!(
            tokens(ChannelKind::Email, "ivan.petrov@example.com"),
            [
                "ivan.petrov@example.com",
                "ivan.petrov",
                "example.com",
                "ivan",
                "petrov"
            ]
        );
    }

    /// Protects search by the last digits of a phone number.
    #[test]
    fn a_phone_is_found_by_its_digits_and_last_seven() {
        assert_eq!(
            tokens(ChannelKind::MobilePhone, "+79125550102"),
            ["5550102", "79125550102"]
        );
    }

    /// Protects queries typed the way people type them.
    #[test]
    fn queries_are_normalized_like_tokens() {
        assert_eq!(query_terms("+7 (912) 555-01-02"), ["79125550102"]);
        assert_eq!(query_terms("Ivan  PETROV"), ["ivan", "petrov"]);
        assert_eq!(query_terms("@ivan_p"), ["ivan_p"]);
        assert_eq!(query_terms("O'Brien"), ["o", "brien"]);
        assert_eq!(query_terms("Ivan@Example.com"), ["ivan@example.com"]);
        assert_eq!(query_terms("Иван"), ["иван"]);
    }
}
