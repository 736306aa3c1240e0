//! Printed documents: a [`Printable`] laid out by Typst into a PDF, with
//! the DejaVu fonts compiled into the binary (no system font is looked up,
//! nothing is fetched). Typst shapes Arabic and orders a right-to-left
//! line's numbers and Latin words by the Unicode bidirectional algorithm.
//!
//! Rendering is deterministic: the same printable, template version and
//! copy mark give the same bytes (no time stamp, a document id derived
//! from the content), which is what lets a reprint prove itself by its
//! SHA-256 (see `docs/adr/0029`).

mod templates;
mod view;

use std::fmt;
use std::panic::AssertUnwindSafe;

use domain::documents::{PRINT_LINES_MAX, PRINT_TEXT_CHARS_MAX, Printable};
use sha2::{Digest, Sha256};
use typst::foundations::{Dict, IntoValue, Smart};
use typst_as_lib::{TypstEngine, TypstTemplateMainFile};
use typst_layout::PagedDocument;

pub use templates::CURRENT as TEMPLATE_VERSION;

use view::View;

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RenderError {
    #[error("template version {0} is not known to this build")]
    UnknownTemplate(u32),
    #[error("a document prints at most {PRINT_LINES_MAX} lines, not {0}")]
    TooManyLines(usize),
    #[error("a text of the document is {0} characters long, at most {PRINT_TEXT_CHARS_MAX}")]
    TextTooLong(usize),
    #[error("the document could not be laid out: {0}")]
    Layout(String),
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
}

/// Lays documents out; built once (it parses the fonts and templates) and
/// shared: it is `Send` and `Sync`.
pub struct Renderer {
    engines: Vec<(u32, TypstEngine<TypstTemplateMainFile>)>,
}

impl fmt::Debug for Renderer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let versions: Vec<u32> = self.engines.iter().map(|(version, _)| *version).collect();
        f.debug_struct("Renderer")
            .field("templates", &versions)
            .finish()
    }
}

impl Default for Renderer {
    fn default() -> Self {
        Self::new()
    }
}

impl Renderer {
    pub fn new() -> Self {
        let fonts = [
            dejavu::sans::regular(),
            dejavu::sans::bold(),
            dejavu::sans::oblique(),
            dejavu::sans::bold_oblique(),
        ];
        let engines = templates::ALL
            .iter()
            .map(|(version, source)| {
                let engine = TypstEngine::builder()
                    .main_file(*source)
                    .fonts(fonts)
                    .build();
                (*version, engine)
            })
            .collect();
        Self { engines }
    }

    /// `printable` laid out with template `template` as a PDF; marked
    /// "copy" on every page when `copy`.
    pub fn render(
        &self,
        printable: &Printable,
        template: u32,
        copy: bool,
    ) -> Result<Vec<u8>, RenderError> {
        let engine = self
            .engines
            .iter()
            .find(|(version, _)| *version == template)
            .map(|(_, engine)| engine)
            .ok_or(RenderError::UnknownTemplate(template))?;
        check_bounds(printable)?;
        let data = serde_json::to_string(&View::of(printable, copy))
            .map_err(|error| RenderError::Layout(error.to_string()))?;
        let mut inputs = Dict::new();
        inputs.insert("data".into(), data.into_value());
        let document: PagedDocument = guarded(|| engine.compile_with_input(inputs).output)?
            .map_err(|error| RenderError::Layout(error.to_string()))?;
        let options = typst_pdf::PdfOptions {
            // The document id derives from this, not from the time.
            ident: Smart::Custom(printable.number.clone()),
            // Not Typst's version: an upgrade must not change the bytes.
            creator: Smart::Custom(Some("HyperCRM".to_owned())),
            timestamp: None,
            tagged: false,
            ..Default::default()
        };
        let pdf = guarded(|| typst_pdf::pdf(&document, &options));
        // Typst memoizes its work across documents; the layout's cache is
        // evicted after each compilation (typst-as-lib's default), the
        // export's here, or a long run would grow without end.
        comemo::evict(0);
        pdf?.map_err(|errors| {
            RenderError::Pdf(
                errors
                    .iter()
                    .map(|error| error.message.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })
    }
}

/// Runs a step of Typst's, turning a panic inside it into an error: text
/// a user typed must never bring the server down, whatever a layout
/// engine we did not write makes of it.
fn guarded<T>(step: impl FnOnce() -> T) -> Result<T, RenderError> {
    std::panic::catch_unwind(AssertUnwindSafe(step)).map_err(|panic| {
        let reason = panic
            .downcast_ref::<&str>()
            .map(|text| (*text).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "the layout engine failed".to_owned());
        RenderError::Layout(reason)
    })
}

fn check_bounds(printable: &Printable) -> Result<(), RenderError> {
    if printable.lines.len() > PRINT_LINES_MAX {
        return Err(RenderError::TooManyLines(printable.lines.len()));
    }
    match printable
        .texts()
        .map(|text| text.chars().count())
        .find(|chars| *chars > PRINT_TEXT_CHARS_MAX)
    {
        Some(chars) => Err(RenderError::TextTooLong(chars)),
        None => Ok(()),
    }
}

/// The SHA-256 of `bytes`, in lower-case hex: what an issued document
/// records of its PDF.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_a_step_is_an_error() {
        assert_eq!(guarded(|| 7), Ok(7));
        assert_eq!(
            guarded(|| -> u8 { panic!("glyphs out of range") }),
            Err(RenderError::Layout("glyphs out of range".to_owned()))
        );
    }
}
