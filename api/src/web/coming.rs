//! Modules whose pages are not built yet: each says so plainly and what it
//! will hold, rather than showing made-up data.

use askama::Template;
use askama_web::WebTemplate;

use super::i18n::RequestLang;
use super::{Page, Section};

#[derive(Template, WebTemplate)]
#[template(path = "coming.html")]
pub struct ComingPage {
    page: Page,
    heading: String,
    description: String,
}

fn coming(lang: RequestLang, section: Section, description: &str) -> ComingPage {
    let page = Page::new(
        lang.0,
        section,
        section.message(),
        section.href().to_owned(),
    );
    ComingPage {
        heading: page.title.clone(),
        description: page.t(description),
        page,
    }
}

pub async fn catalog(lang: RequestLang) -> ComingPage {
    coming(lang, Section::Catalog, "coming-catalog")
}
