//! The message catalogue: every user-facing string of the web UI, in
//! English, Russian and Arabic, through Fluent.
//!
//! The catalogues (`api/locales/{en,ru,ar}/*.ftl`, one file per part of
//! the UI, listed in [`catalogue!`]) are embedded in the binary and parsed
//! once. A page asks for a message by id; a message
//! missing from a language falls back to English, and one missing from
//! English shows its id, so a forgotten string is visible, never a crash.
//! A test checks that every language has every English message.
//!
//! The language is the `lang` cookie set by the language switcher; without
//! it, the browser's `Accept-Language`; without that, English. Users and
//! their settings arrive with a later issue and will take precedence.

use std::borrow::Cow;
use std::sync::LazyLock;

use axum::extract::FromRequestParts;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};
use axum::http::request::Parts;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// The cookie that holds the chosen language.
pub const LANG_COOKIE: &str = "lang";

/// A language the UI ships in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Ru,
    Ar,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Ru, Lang::Ar];

    /// The BCP 47 tag, as in `<html lang>` and the cookie.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
            Lang::Ar => "ar",
        }
    }

    /// The language's own name, shown in the switcher whatever the page's
    /// language is.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ru => "Русский",
            Lang::Ar => "العربية",
        }
    }

    pub fn is_rtl(self) -> bool {
        self == Lang::Ar
    }

    /// `ltr` or `rtl`, for `<html dir>`.
    pub fn dir(self) -> &'static str {
        if self.is_rtl() { "rtl" } else { "ltr" }
    }

    /// A tag or a tag with a region (`ru-RU`), case-insensitive.
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL
            .into_iter()
            .find(|lang| lang.tag() == primary.as_str())
    }

    /// The best language an `Accept-Language` header asks for: the
    /// highest `q` among the ones we ship, the first listed on a tie.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(Lang, f32)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::parse) else {
                continue;
            };
            let quality = parts
                .filter_map(|part| part.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if quality > 0.0 && best.is_none_or(|(_, q)| quality > q) {
                best = Some((lang, quality));
            }
        }
        best.map(|(lang, _)| lang)
    }

    fn index(self) -> usize {
        match self {
            Lang::En => 0,
            Lang::Ru => 1,
            Lang::Ar => 2,
        }
    }

    /// The language's catalogue files.
    fn sources(self) -> &'static [&'static str] {
        match self {
            Lang::En => &catalogue!("en"),
            Lang::Ru => &catalogue!("ru"),
            Lang::Ar => &catalogue!("ar"),
        }
    }
}

/// The catalogue files of a language, one per part of the UI; every
/// language has the same files.
macro_rules! catalogue {
    ($lang:literal) => {
        [
            include_str!(concat!("../../locales/", $lang, "/main.ftl")),
            include_str!(concat!("../../locales/", $lang, "/catalog.ftl")),
            include_str!(concat!("../../locales/", $lang, "/tasks.ftl")),
            include_str!(concat!("../../locales/", $lang, "/reports.ftl")),
            include_str!(concat!("../../locales/", $lang, "/audit.ftl")),
            include_str!(concat!("../../locales/", $lang, "/access.ftl")),
            include_str!(concat!("../../locales/", $lang, "/retention.ftl")),
            include_str!(concat!("../../locales/", $lang, "/purchasing.ftl")),
            include_str!(concat!("../../locales/", $lang, "/production.ftl")),
            include_str!(concat!("../../locales/", $lang, "/quotes.ftl")),
            include_str!(concat!("../../locales/", $lang, "/fleet.ftl")),
        ]
    };
}
use catalogue;

type Bundle = FluentBundle<FluentResource>;

static BUNDLES: LazyLock<[Bundle; 3]> = LazyLock::new(|| Lang::ALL.map(bundle));

/// Parses a language's catalogue. A syntax error keeps the messages that
/// did parse (and is logged; the catalogue test fails on it).
fn bundle(lang: Lang) -> Bundle {
    let langid: LanguageIdentifier = lang.tag().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![langid]);
    for source in lang.sources() {
        let resource = match FluentResource::try_new((*source).to_owned()) {
            Ok(resource) => resource,
            Err((resource, errors)) => {
                tracing::error!(
                    lang = lang.tag(),
                    ?errors,
                    "the message catalogue has syntax errors"
                );
                resource
            }
        };
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::error!(
                lang = lang.tag(),
                ?errors,
                "the message catalogue has duplicate ids"
            );
        }
    }
    bundle
}

/// Messages in one language: what a page renders its strings through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Self {
        Self { lang }
    }

    /// The message `id`.
    pub fn t(&self, id: &str) -> String {
        self.format(id, None)
    }

    /// The message `id` with one argument (a name or an already formatted
    /// number: numbers are formatted by [`super::format`], not by Fluent).
    pub fn t1(&self, id: &str, name: &str, value: &str) -> String {
        let mut args = FluentArgs::new();
        args.set(name, FluentValue::from(value));
        self.format(id, Some(&args))
    }

    /// The message `id` with two arguments, as [`Self::t1`].
    pub fn t2(
        &self,
        id: &str,
        first: &str,
        first_value: &str,
        second: &str,
        second_value: &str,
    ) -> String {
        let mut args = FluentArgs::new();
        args.set(first, FluentValue::from(first_value));
        args.set(second, FluentValue::from(second_value));
        self.format(id, Some(&args))
    }

    /// The message `id` with named text arguments and a `$count` that
    /// chooses its plural form.
    pub fn counted(&self, id: &str, count: i64, named: &[(&str, &str)]) -> String {
        let mut args = FluentArgs::new();
        args.set("count", FluentValue::from(count));
        for (name, value) in named {
            args.set(*name, FluentValue::from(*value));
        }
        self.format(id, Some(&args))
    }

    /// The message `id` choosing its plural form by `count`, which it may
    /// show as `$shown` (formatted for the language).
    pub fn plural(&self, id: &str, count: i64, shown: &str) -> String {
        let mut args = FluentArgs::new();
        args.set("count", FluentValue::from(count));
        args.set("shown", FluentValue::from(shown));
        self.format(id, Some(&args))
    }

    fn format(&self, id: &str, args: Option<&FluentArgs>) -> String {
        for lang in [self.lang, Lang::En] {
            let bundle = &BUNDLES[lang.index()];
            if let Some(pattern) = bundle.get_message(id).and_then(|message| message.value()) {
                let mut errors = Vec::new();
                let text: Cow<'_, str> = bundle.format_pattern(pattern, args, &mut errors);
                if !errors.is_empty() {
                    tracing::warn!(
                        id,
                        lang = lang.tag(),
                        ?errors,
                        "a message did not format cleanly"
                    );
                }
                return text.into_owned();
            }
        }
        tracing::warn!(id, "no message with this id in any catalogue");
        id.to_owned()
    }
}

/// The language of a request: the `lang` cookie, then `Accept-Language`,
/// then English.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestLang(pub Lang);

impl RequestLang {
    pub fn of(parts: &Parts) -> Lang {
        Self::of_headers(&parts.headers)
    }

    /// The language the headers ask for.
    pub fn of_headers(headers: &axum::http::HeaderMap) -> Lang {
        let from_cookie = headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|cookies| cookies.split(';'))
            .filter_map(|cookie| cookie.trim().split_once('='))
            .find(|(name, _)| *name == LANG_COOKIE)
            .and_then(|(_, value)| Lang::parse(value));
        from_cookie
            .or_else(|| {
                headers
                    .get(ACCEPT_LANGUAGE)
                    .and_then(|value| value.to_str().ok())
                    .and_then(Lang::from_accept_language)
            })
            .unwrap_or(Lang::En)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(RequestLang(RequestLang::of(parts)))
    }
}

/// Every message id of a language's catalogue, for the tests.
#[cfg(test)]
fn message_ids(lang: Lang) -> Vec<String> {
    use fluent_syntax::ast::Entry;
    let mut ids = Vec::new();
    for source in lang.sources() {
        let resource = match FluentResource::try_new((*source).to_owned()) {
            Ok(resource) => resource,
            Err((_, errors)) => panic!("{} catalogue does not parse: {errors:?}", lang.tag()),
        };
        ids.extend(resource.entries().filter_map(|entry| match entry {
            Entry::Message(message) => Some(message.id.name.to_owned()),
            _ => None,
        }));
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every catalogue parses and holds exactly the English ids, so no
    /// page shows an English string (or an id) in Russian or Arabic.
    #[test]
    fn every_language_has_every_message_and_nothing_else() {
        let english = message_ids(Lang::En);
        assert!(english.len() > 20);
        let unique: std::collections::BTreeSet<_> = english.iter().collect();
        assert_eq!(unique.len(), english.len(), "an id is in two files");
        for lang in [Lang::Ru, Lang::Ar] {
            let mut ids = message_ids(lang);
            let mut expected = english.clone();
            ids.sort();
            expected.sort();
            assert_eq!(ids, expected, "{} catalogue", lang.tag());
        }
    }

    /// The cookie wins over the browser's languages, which win over
    /// English; unknown languages are passed over.
    #[test]
    fn the_cookie_then_accept_language_then_english_choose_the_language() {
        let parts = |headers: &[(&str, &str)]| {
            let mut request = axum::http::Request::builder();
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            request.body(()).map(|r| r.into_parts().0)
        };
        let lang = |headers: &[(&str, &str)]| parts(headers).map(|p| RequestLang::of(&p));
        assert_eq!(lang(&[]).ok(), Some(Lang::En));
        assert_eq!(
            lang(&[("accept-language", "de-DE,ar;q=0.5,ru;q=0.8")]).ok(),
            Some(Lang::Ru)
        );
        assert_eq!(
            lang(&[("accept-language", "ru"), ("cookie", "a=b; lang=ar")]).ok(),
            Some(Lang::Ar)
        );
        assert_eq!(
            lang(&[("cookie", "lang=xx"), ("accept-language", "fr")]).ok(),
            Some(Lang::En)
        );
    }

    /// A message missing everywhere shows its id rather than nothing.
    #[test]
    fn an_unknown_message_shows_its_id() {
        assert_eq!(Tr::new(Lang::Ru).t("no-such-message"), "no-such-message");
        assert_eq!(Tr::new(Lang::Ar).t("nav-dashboard"), "لوحة المعلومات");
    }
}
