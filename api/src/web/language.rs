//! The language switcher: remembers the choice in the `lang` cookie and
//! goes back to the page it was made on. Users' own settings replace the
//! cookie when users arrive.

use axum::Form;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::i18n::{LANG_COOKIE, Lang};

/// A year, in seconds.
const LANG_COOKIE_SECONDS_MAX: u64 = 365 * 24 * 60 * 60;
/// Longest path the switcher returns to.
const BACK_BYTES_MAX: usize = 2_048;

#[derive(Debug, Deserialize)]
pub struct Choice {
    lang: String,
    #[serde(default)]
    back: String,
}

/// Only a path on this site: `//host` or `https://…` would send the user
/// elsewhere.
pub(super) fn safe_back(back: &str) -> &str {
    let local = back.starts_with('/')
        && !back.starts_with("//")
        && !back.starts_with("/\\")
        && back.len() <= BACK_BYTES_MAX
        && !back.chars().any(char::is_control);
    if local { back } else { "/" }
}

/// `POST /language`.
pub async fn choose(Form(choice): Form<Choice>) -> Response {
    let Some(lang) = Lang::parse(&choice.lang) else {
        return (StatusCode::BAD_REQUEST, "unknown language").into_response();
    };
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age={LANG_COOKIE_SECONDS_MAX}; SameSite=Lax; HttpOnly",
        lang.tag()
    );
    let back = safe_back(&choice.back);
    match (HeaderValue::from_str(&cookie), HeaderValue::from_str(back)) {
        (Ok(cookie), Ok(location)) => (
            StatusCode::SEE_OTHER,
            [(header::SET_COOKIE, cookie), (header::LOCATION, location)],
        )
            .into_response(),
        _ => (StatusCode::BAD_REQUEST, "bad return address").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The switcher never redirects off the site.
    #[test]
    fn the_switcher_returns_only_to_local_paths() {
        assert_eq!(safe_back("/customers?q=a"), "/customers?q=a");
        assert_eq!(safe_back("//evil.example"), "/");
        assert_eq!(safe_back("https://evil.example"), "/");
        assert_eq!(safe_back("/\\evil.example"), "/");
        assert_eq!(safe_back(""), "/");
    }
}
