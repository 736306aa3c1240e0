//! Stylesheets and scripts embedded in the binary and served under
//! `/assets/`.
//!
//! Nothing is fetched at build or run time: the vendored files in
//! `api/assets/vendor/` are committed as npm shipped them. Every URL
//! carries a fingerprint of the file's bytes, so a response can be cached
//! for a year and a changed file is a new URL.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// How long a browser may keep an asset: a year, since the URL changes
/// with the content.
const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// One embedded file.
#[derive(Debug)]
pub struct Asset {
    /// The name pages refer to it by.
    pub name: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

/// Every asset the UI serves.
pub static ASSETS: [Asset; 4] = [
    Asset {
        name: "pico.min.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../assets/vendor/pico.min.css"),
    },
    Asset {
        name: "htmx.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/vendor/htmx.min.js"),
    },
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../assets/app.css"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/app.js"),
    },
];

/// FNV-1a over the bytes: a fingerprint for cache busting, not security.
const fn fingerprint(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut index = 0;
    while index < bytes.len() {
        hash ^= bytes[index] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        index += 1;
    }
    hash
}

/// Each asset's URL path segment: `pico.min.css` → `pico.min.<hash>.css`.
static FINGERPRINTED: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|asset| {
            let hash = format!("{:016x}", fingerprint(asset.bytes));
            match asset.name.rsplit_once('.') {
                Some((stem, extension)) => format!("{stem}.{}.{extension}", &hash[..12]),
                None => format!("{}.{}", asset.name, &hash[..12]),
            }
        })
        .collect()
});

/// The URL of the asset called `name` (`/assets/…`); an unknown name gives
/// a URL that answers 404, which the page tests notice.
pub fn url(name: &str) -> String {
    ASSETS
        .iter()
        .position(|asset| asset.name == name)
        .and_then(|index| FINGERPRINTED.get(index))
        .map_or_else(
            || format!("/assets/{name}"),
            |file| format!("/assets/{file}"),
        )
}

/// `GET /assets/{file}`.
pub async fn serve(Path(file): Path<String>) -> Response {
    let Some(index) = FINGERPRINTED.iter().position(|known| *known == file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let asset = &ASSETS[index];
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static(CACHE_CONTROL),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        asset.bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each asset has its own fingerprinted URL, and the fingerprint
    /// follows the bytes.
    #[test]
    fn asset_urls_carry_a_fingerprint_of_their_bytes() {
        let pico = url("pico.min.css");
        assert!(pico.starts_with("/assets/pico.min."), "{pico}");
        assert!(pico.ends_with(".css"));
        assert_ne!(pico, url("app.css"));
        assert_ne!(fingerprint(b"a"), fingerprint(b"b"));
        assert_eq!(url("nothing.js"), "/assets/nothing.js");
    }
}
