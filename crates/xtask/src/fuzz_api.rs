//! `cargo xtask fuzz-api`: schemathesis (PyPI, 4.x) against the served
//! OpenAPI document, as `.ci/run` runs it.
//!
//! Builds the debug `hypercrm` binary, starts `hypercrm serve` on a free
//! 127.0.0.1 port over an empty temporary data folder, writes a small
//! company through the API (`seed.rs`) and tells schemathesis its ids, so
//! about half the generated requests reach existing aggregates instead of
//! 404s. Schemathesis then generates a bounded number of requests per
//! operation from `/api/openapi.json`, valid and invalid ones, with every
//! check that applies: no 5xx, statuses, content types, headers and
//! bodies as the document declares, bad input refused. The server is then
//! stopped with SIGTERM (a clean stop is part of the test) and the
//! command fails when schemathesis did.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context as _, bail, ensure};

use crate::seed::{self, Seeded};
use crate::server::{self, Profile, Server};

/// How long an empty data folder may take to be ready.
const READY_WAIT_MAX: Duration = Duration::from_secs(60);
/// A request that takes longer fails the run instead of hanging it.
const REQUEST_TIMEOUT_SECONDS: u32 = 10;
/// Schemathesis' working folder, under the target directory.
const WORK_FOLDER: &str = "fuzz-api";
/// Where `.ci/run` installs schemathesis, under the target directory.
const VENV_EXECUTABLE: &str = "schemathesis-venv/bin/st";

/// How often a generated id or body reference is one of the seeded
/// aggregates rather than a random one.
const SEEDED_ID_PROBABILITY: f64 = 0.5;

/// Checks that do not apply to this API, each with why.
const EXCLUDED_CHECKS: &[(&str, &str)] = &[(
    // "A request the schema allows must be accepted": the API refuses
    // schema-valid requests by design for what no JSON schema can say, as
    // docs/api.md documents: `If-Match` naming another version (412), a
    // `wait_for` or `since` beyond the log's head, a `cursor` this server
    // did not hand out, fields that depend on each other (`to` after
    // `from`, a party or a deal but not both) and business rules on the
    // aggregate's state (422). Bad input is still checked by
    // `negative_data_rejection`, and every answer against the document.
    "positive_data_acceptance",
    "the API refuses schema-valid requests by documented design",
)];

/// Operations schemathesis cannot test, each with why (printed with the
/// excluded checks at the start of a run).
const EXCLUDED_PATHS: &[(&str, &str)] = &[
    (
        // A live feed of server-sent events: it never ends by design, so
        // every request would only stop at the request timeout.
        "/api/v1/events/stream",
        "an endless server-sent event stream",
    ),
    // The fuzzing runs as the administrator with one token: these would
    // revoke that token or narrow, disable or lock out that user, and
    // every later request would be a 401 or 403.
    (
        "/api/v1/me/tokens/{id}/revoke",
        "would revoke the token the run signs in with",
    ),
    (
        "/api/v1/users/{id}/tokens/{token}/revoke",
        "would revoke the token the run signs in with",
    ),
    (
        "/api/v1/users/{id}/roles",
        "would narrow the roles of the user the run signs in as",
    ),
    (
        "/api/v1/users/{id}/disable",
        "would disable the user the run signs in as",
    ),
    (
        "/api/v1/users/{id}/password",
        "a password reset revokes the user's tokens, the run's among them",
    ),
];

#[derive(Debug, clap::Args)]
pub struct Settings {
    /// Test cases schemathesis generates per operation and phase.
    #[arg(long, default_value_t = 50)]
    pub examples: u32,
    /// A `hypercrm` binary to run instead of building the debug one.
    #[arg(long)]
    pub binary: Option<PathBuf>,
    /// The schemathesis executable (default: the one `.ci/run` installs
    /// under the target directory, else `st` on the PATH).
    #[arg(long, env = "HYPERCRM_SCHEMATHESIS")]
    pub schemathesis: Option<PathBuf>,
    /// A header for every request, `Name: value` (repeatable).
    #[arg(long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Schemathesis' random seed, to repeat a run.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Requests schemathesis makes at the same time. One by default: with
    /// more, Python 3.11 sometimes fails inside hypothesis ("AST
    /// constructor recursion depth mismatch"), and two cores are busy
    /// enough with the server.
    #[arg(long, default_value_t = 1)]
    pub workers: u32,
    /// More arguments for `st run`, after `--`.
    #[arg(last = true)]
    pub extra: Vec<OsString>,
}

pub fn run(settings: Settings) -> anyhow::Result<()> {
    let headers = settings
        .headers
        .iter()
        .map(|header| parse_header(header))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let schemathesis = find_schemathesis(settings.schemathesis.as_deref())?;
    let binary = match &settings.binary {
        Some(binary) => binary.clone(),
        None => server::build(Profile::Debug)?,
    };
    let folder = tempfile::Builder::new()
        .prefix("hypercrm-fuzz-")
        .tempdir()?;
    let data = folder.path().join("data");
    let log = folder.path().join("server.log");
    for (what, why) in EXCLUDED_CHECKS.iter().chain(EXCLUDED_PATHS) {
        println!("left out: {what} ({why})");
    }
    let server = Server::start(&binary, &data, &[], &log, READY_WAIT_MAX)?;
    println!(
        "server ready at {} in {:.1} s",
        server.base,
        server.started.as_secs_f64()
    );
    // Every request signs in with an administrator's token, the seed's
    // writes and schemathesis' alike.
    let authorization = format!("Bearer {}", server.administrator_token()?);
    let mut headers = headers;
    headers.push(("Authorization", authorization.as_str()));
    // The seed's writes carry the same headers as schemathesis' requests.
    let seeded = seed::company(&seed::Client::new(&server.base, &headers)?)
        .context("failed to write the seed company")?;
    let config = folder.path().join("schemathesis.toml");
    std::fs::write(&config, schemathesis_config(&seeded))?;

    let mut arguments: Vec<OsString> = vec!["--config-file".into(), config.into()];
    arguments.extend(schemathesis_arguments(&server.base, &settings));
    arguments.push("--header".into());
    arguments.push(format!("Authorization: {authorization}").into());
    // Schemathesis keeps the failures it found under `.schemathesis/` in
    // its working folder (for `st replay`, and to try them first next
    // time): the target directory, not the source tree.
    let work = server::target_directory()?.join(WORK_FOLDER);
    std::fs::create_dir_all(&work)?;
    let status = Command::new(&schemathesis)
        .args(&arguments)
        .current_dir(&work)
        .status()
        .with_context(|| format!("failed to run {}", schemathesis.display()));
    let stopped = server.stop();
    if stopped.is_err() || status.as_ref().map_or(true, |status| !status.success()) {
        print_tail(&log);
    }
    let status = status?;
    stopped?;
    ensure!(status.success(), "schemathesis found problems ({status})");
    Ok(())
}

/// The command line of `st run` for the server at `base`.
fn schemathesis_arguments(base: &str, settings: &Settings) -> Vec<OsString> {
    let mut arguments: Vec<OsString> = vec![
        "run".into(),
        format!("{base}/api/openapi.json").into(),
        // Every check schemathesis has but those that do not apply.
        "--checks".into(),
        "all".into(),
        "--exclude-checks".into(),
        EXCLUDED_CHECKS
            .iter()
            .map(|(check, _why)| *check)
            .collect::<Vec<_>>()
            .join(",")
            .into(),
        "--max-examples".into(),
        settings.examples.to_string().into(),
        "--workers".into(),
        settings.workers.to_string().into(),
        "--request-timeout".into(),
        REQUEST_TIMEOUT_SECONDS.to_string().into(),
        // Failures are reported in full and reproduced with curl commands;
        // nothing is kept between runs in a `.hypothesis` folder.
        "--generation-database".into(),
        "none".into(),
        "--no-color".into(),
    ];
    for (path, _why) in EXCLUDED_PATHS {
        arguments.push("--exclude-path".into());
        arguments.push((*path).into());
    }
    for header in &settings.headers {
        arguments.push("--header".into());
        arguments.push(header.into());
    }
    if let Some(seed) = settings.seed {
        arguments.push("--seed".into());
        arguments.push(seed.to_string().into());
    }
    arguments.extend(settings.extra.iter().cloned());
    arguments
}

/// Schemathesis' configuration: dictionaries of the seeded ids, drawn
/// for the `{id}` of their resource's paths and for the body fields that
/// name them.
fn schemathesis_config(seeded: &Seeded) -> String {
    let dictionaries = [
        ("party", vec![&seeded.customer, &seeded.contact]),
        ("product", vec![&seeded.product]),
        ("price_list", vec![&seeded.price_list]),
        ("warehouse", vec![&seeded.warehouse]),
        ("order", vec![&seeded.order, &seeded.draft]),
        ("task", vec![&seeded.task]),
        ("interaction", vec![&seeded.interaction]),
        ("pipeline", vec![&seeded.pipeline]),
        ("stage", seeded.stages.iter().collect()),
        ("deal", vec![&seeded.deal]),
        ("lead", vec![&seeded.lead]),
        ("calendar_entry", vec![&seeded.calendar_entry]),
    ];
    let paths = [
        ("parties", "party"),
        ("products", "product"),
        ("price-lists", "price_list"),
        ("warehouses", "warehouse"),
        ("orders", "order"),
        ("tasks", "task"),
        ("interactions", "interaction"),
        ("pipelines", "pipeline"),
        ("deals", "deal"),
        ("leads", "lead"),
        ("calendar-entries", "calendar_entry"),
    ];
    let mut config = String::new();
    for (name, ids) in &dictionaries {
        let values: Vec<String> = ids.iter().map(|id| format!("\"{id}\"")).collect();
        config.push_str(&format!(
            "[dictionaries.{name}]\nvalues = [{}]\n\n",
            values.join(", ")
        ));
    }
    config.push_str("[parameters]\n");
    for field in [
        "party",
        "product",
        "price_list",
        "warehouse",
        "pipeline",
        "stage",
        "deal",
    ] {
        config.push_str(&format!(
            "\"body.{field}\" = {{ dictionary = \"{field}\", probability = {SEEDED_ID_PROBABILITY} }}\n"
        ));
    }
    for (segment, dictionary) in paths {
        config.push_str(&format!(
            "\n[[operations]]\ninclude-path-regex = '^/api/v1/{segment}/\\{{id\\}}'\nparameters = {{ \"path.id\" = {{ dictionary = \"{dictionary}\", probability = {SEEDED_ID_PROBABILITY} }} }}\n"
        ));
    }
    config
}

/// Checks a `Name: value` header, so a typo fails before the server
/// starts rather than as a schemathesis usage error.
fn parse_header(header: &str) -> anyhow::Result<(&str, &str)> {
    let Some((name, value)) = header.split_once(':') else {
        bail!("the header {header:?} is not of the form `Name: value`");
    };
    let name = name.trim();
    ensure!(
        !name.is_empty()
            && name
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)),
        "the header name {name:?} is not a valid HTTP header name"
    );
    Ok((name, value.trim()))
}

/// The `st` executable: the one given, else the one `.ci/run` installs in
/// the target directory, else `st` on the `PATH`.
fn find_schemathesis(given: Option<&std::path::Path>) -> anyhow::Result<PathBuf> {
    if let Some(given) = given {
        // It runs in another working folder: a relative path must not
        // change meaning (a bare name is still looked up on the PATH).
        if given.components().count() > 1 {
            return Ok(std::path::absolute(given)?);
        }
        return Ok(given.to_path_buf());
    }
    let installed = server::target_directory()?.join(VENV_EXECUTABLE);
    if installed.exists() {
        return Ok(installed);
    }
    let on_path = Command::new("st").arg("--version").output();
    ensure!(
        on_path.is_ok_and(|output| output.status.success()),
        "schemathesis is not installed: `python3 -m venv {venv} && {venv}/bin/pip install 'schemathesis>=4,<5'` (as .ci/run does), or give --schemathesis PATH",
        venv = installed
            .parent()
            .and_then(std::path::Path::parent)
            .unwrap_or(&installed)
            .display()
    );
    Ok(PathBuf::from("st"))
}

/// Shows the end of the server's log after a failure: the cause of a 5xx
/// is logged there.
fn print_tail(log: &std::path::Path) {
    /// Lines of the log shown.
    const TAIL_LINES_MAX: usize = 40;
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(TAIL_LINES_MAX);
    eprintln!("--- the server's log (last {TAIL_LINES_MAX} lines) ---");
    for line in &lines[start..] {
        eprintln!("{line}");
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn settings() -> Settings {
        Settings {
            examples: 5,
            binary: None,
            schemathesis: None,
            headers: Vec::new(),
            seed: None,
            workers: 2,
            extra: Vec::new(),
        }
    }

    /// Extra headers (an API token, later) reach every request schemathesis
    /// makes.
    #[test]
    fn each_header_is_passed_to_schemathesis() {
        let mut settings = settings();
        settings.headers = vec!["Authorization: Bearer abc".to_owned(), "X-A: b".to_owned()];
        let arguments = schemathesis_arguments("http://127.0.0.1:1", &settings);
        let headers: Vec<_> = arguments
            .windows(2)
            .filter(|pair| pair[0] == "--header")
            .map(|pair| pair[1].clone())
            .collect();
        assert_eq!(headers, ["Authorization: Bearer abc", "X-A: b"]);
        assert_eq!(arguments[1], "http://127.0.0.1:1/api/openapi.json");
    }

    /// Every dictionary the configuration binds a parameter to is
    /// defined in it, and holds the seeded ids.
    #[test]
    fn the_configuration_defines_every_dictionary_it_binds() {
        let id = |n: u32| format!("00000000-0000-0000-0000-{n:012}");
        let seeded = Seeded {
            customer: id(1),
            contact: id(2),
            product: id(3),
            price_list: id(4),
            warehouse: id(5),
            order: id(6),
            draft: id(7),
            task: id(8),
            interaction: id(9),
            pipeline: id(10),
            stages: vec![id(11), id(12)],
            deal: id(13),
            lead: id(14),
            calendar_entry: id(15),
        };
        let config = schemathesis_config(&seeded);
        let bound: Vec<&str> = config
            .split("dictionary = \"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        assert!(bound.len() > 10, "{config}");
        for name in bound {
            assert!(
                config.contains(&format!("[dictionaries.{name}]")),
                "{name} is not defined: {config}"
            );
        }
        for n in 1..=15 {
            assert!(config.contains(&id(n)), "{}", id(n));
        }
    }

    /// A header without a colon or with a bad name is refused up front.
    #[test]
    fn a_malformed_header_is_refused() {
        assert!(parse_header("Authorization Bearer abc").is_err());
        assert!(parse_header("Bad Name: x").is_err());
        assert!(parse_header(": x").is_err());
        assert_eq!(
            parse_header("Authorization: Bearer a:b").unwrap(),
            ("Authorization", "Bearer a:b")
        );
    }
}
