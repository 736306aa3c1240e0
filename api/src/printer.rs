//! The layout engine the application's documents use: the `printing`
//! crate's Typst renderer behind `app::documents::Render`.

use app::documents::Render;
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
