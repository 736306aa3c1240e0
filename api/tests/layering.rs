//! The adapters stay adapters: no file of the JSON API (`src/http`), the
//! web UI (`src/web`) or sign-in (`src/auth`) writes to the log, runs a
//! command itself, or reads the clock or makes an id the `App` did not
//! give it.
//! Every write goes through a use case of the `app` crate, which checks
//! the caller against every record and reads the clock it was given
//! (issue 16, ADR 0015). A write written in an adapter is how two copies
//! of one workflow drifted apart before.

use std::path::Path;

/// What only the application layer may do: run commands through the
/// handler, append to the log, or read the clock and make new ids (which
/// come from the `App`, so a test can run it at a chosen time).
const FORBIDDEN: &[&str] = &[
    "CommandHandler",
    "commands.execute",
    ".append(",
    "append_batch(",
    "Utc::now()",
    "Uuid::now_v7()",
];

/// A file's source without its unit tests (which may read the clock).
fn without_tests(text: &str) -> &str {
    text.find("#[cfg(test)]")
        .map_or(text, |start| &text[..start])
}

fn rust_files(directory: &Path, found: &mut Vec<std::path::PathBuf>) {
    let entries = std::fs::read_dir(directory)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", directory.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            found.push(path);
        }
    }
}

/// Protects the layering: the adapters' source names none of what only
/// `app` may do (whitespace between a receiver and its method is ignored).
#[test]
fn adapters_never_write_through_the_command_handler_nor_read_the_clock() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for adapter in ["http", "web", "auth"] {
        rust_files(&root.join(adapter), &mut files);
    }
    assert!(
        files.len() > 20,
        "the adapters' files were not found: {files:?}"
    );
    let mut offending = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a readable source file");
        let squeezed: String = without_tests(&text).split_whitespace().collect();
        for forbidden in FORBIDDEN {
            if squeezed.contains(forbidden) {
                offending.push(format!("{}: {forbidden}", file.display()));
            }
        }
    }
    assert!(offending.is_empty(), "{offending:#?}");
}

/// Protects the adapters from a loop: `auth` (who is asking) names
/// neither the JSON API nor the pages, and the JSON API does not name the
/// pages; only `guard`, the access check, joins all three.
#[test]
fn auth_http_and_web_import_each_other_in_one_direction_only() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let rules = [
        ("auth", &["crate::http", "crate::web", "crate::guard"][..]),
        ("http", &["crate::web", "crate::guard"][..]),
        ("web", &["crate::guard"][..]),
    ];
    let mut offending = Vec::new();
    for (module, forbidden) in rules {
        let mut files = Vec::new();
        rust_files(&root.join(module), &mut files);
        assert!(!files.is_empty(), "{module} has files");
        for file in &files {
            let text = std::fs::read_to_string(file).expect("a readable source file");
            for name in forbidden {
                if text.contains(name) {
                    offending.push(format!("{}: {name}", file.display()));
                }
            }
        }
    }
    assert!(offending.is_empty(), "{offending:#?}");
}
