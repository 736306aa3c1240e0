//! The layout engine the application's documents use: the `printing`
//! crate's Typst renderer behind `app::documents::Render`.

use app::documents::Render;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::documents::Printable;

/// Lays documents out with the templates and fonts built into the binary.
#[derive(Debug, Default)]
pub struct Printer(printing::Renderer);

impl Render for Printer {
    fn template(&self) -> u32 {
        printing::TEMPLATE_VERSION
    }

    fn render(&self, printable: &Printable, template: u32, copy: bool) -> Result<Vec<u8>, String> {
        self.0
            .render(printable, template, copy)
            .map_err(|error| error.to_string())
    }
}

/// A PDF for a browser to show, its file named after the document's
/// number (letters, digits and hyphens kept, the rest `_`).
pub fn pdf_response(status: StatusCode, number: &str, pdf: Vec<u8>) -> Response {
    let file: String = number
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut response = (status, pdf).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(disposition) = HeaderValue::from_str(&format!("inline; filename=\"{file}.pdf\"")) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    response
}
