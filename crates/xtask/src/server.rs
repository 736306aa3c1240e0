//! The real `hypercrm` server as a child process, for the chores that talk
//! to it over HTTP (`bench-http`, `fuzz-api`, `upgrade-fixture`): build it
//! with cargo, start it on a free 127.0.0.1 port over a data folder, wait
//! for `/readyz`, and stop it with SIGTERM as systemd would, so it saves
//! its read models and the process checkpoint.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};

/// Which of cargo's profiles to build the server with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// The shipped build, for measurements.
    Release,
    /// The quick build, for tests against the API.
    Debug,
}

impl Profile {
    /// The folder of the target directory cargo puts the profile's
    /// binaries in.
    fn folder(self) -> &'static str {
        match self {
            Profile::Release => "release",
            Profile::Debug => "debug",
        }
    }
}

/// Builds the `hypercrm` binary with `profile` and gives its path. Cargo
/// runs `xtask` from `<target>/<its profile>/`, so the server lands in the
/// same target directory, under `<target>/<profile>/`.
pub fn build(profile: Profile) -> anyhow::Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    command.args(["build", "--package", "api", "--bin", "hypercrm"]);
    if profile == Profile::Release {
        command.arg("--release");
    }
    let status = command.status().context("failed to run cargo")?;
    ensure!(status.success(), "building the server failed");
    Ok(target_directory()?
        .join(profile.folder())
        .join(binary_name()))
}

/// The target directory this `xtask` binary was built in.
pub fn target_directory() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("failed to find the xtask binary")?;
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .context("the xtask binary is not inside a cargo target directory")
}

fn binary_name() -> String {
    format!("hypercrm{}", std::env::consts::EXE_SUFFIX)
}

/// The password of the administrator a data folder without users gets
/// when a command of this crate first serves it.
pub const ADMIN_PASSWORD: &str = "xtask administrator password";

/// A running `hypercrm serve`.
#[derive(Debug)]
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub base: String,
    /// How long the start took until `/readyz` answered 200.
    pub started: Duration,
    /// Where the server's output goes.
    pub log: PathBuf,
}

impl Server {
    /// Starts `binary` over the data folder `directory` with `arguments`
    /// after `serve` (scheduled backups off), its output in `log`, and
    /// waits up to `ready_wait_max` until `/readyz` says the read models
    /// are caught up.
    pub fn start(
        binary: &Path,
        directory: &Path,
        arguments: &[String],
        log: &Path,
        ready_wait_max: Duration,
    ) -> anyhow::Result<Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let output = std::fs::File::create(log)
            .with_context(|| format!("failed to create {}", log.display()))?;
        let started = Instant::now();
        let child = Command::new(binary)
            .arg("--data-dir")
            .arg(directory)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            // A scheduled backup must not land in the middle of a run.
            .args(["--backup-every-hours", "0"])
            .args(arguments)
            .env("RUST_LOG", "warn")
            .env("HYPERCRM_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .stdout(output.try_clone()?)
            .stderr(output)
            .spawn()
            .with_context(|| format!("failed to start {}", binary.display()))?;
        let mut server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            started: Duration::ZERO,
            log: log.to_path_buf(),
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let client = reqwest::Client::new();
        loop {
            if let Some(status) = server.child.try_wait()? {
                bail!(
                    "the server exited with {status} before it was ready; see {}",
                    log.display()
                );
            }
            let ready = runtime.block_on(async {
                client
                    .get(format!("{}/readyz", server.base))
                    .timeout(Duration::from_secs(5))
                    .send()
                    .await
                    .is_ok_and(|response| response.status().is_success())
            });
            if ready {
                break;
            }
            if started.elapsed() >= ready_wait_max {
                server.kill();
                bail!(
                    "the server was not ready in {} s; see {}",
                    ready_wait_max.as_secs(),
                    log.display()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        server.started = started.elapsed();
        Ok(server)
    }

    /// Signs the administrator in through the sign-in form: the session's
    /// cookie (`hypercrm_session=…`) and its CSRF token. Pages take
    /// sessions, not API tokens.
    pub fn administrator_session(&self) -> anyhow::Result<(String, String)> {
        let (runtime, client) = blocking_client()?;
        runtime.block_on(async {
            let form = format!(
                "login=admin&password={}",
                ADMIN_PASSWORD.replace(' ', "+")
            );
            let signed_in = client
                .post(format!("{}/login", self.base))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form)
                .send()
                .await?;
            let cookie = signed_in
                .headers()
                .get_all("set-cookie")
                .iter()
                .filter_map(|value| value.to_str().ok())
                .find_map(|value| value.split(';').next()?.strip_prefix("hypercrm_session="))
                .map(str::to_owned)
                .with_context(|| {
                    format!(
                        "signing in as admin answered {}: the data folder's administrator has another password than the one xtask gives first starts",
                        signed_in.status()
                    )
                })?;
            let cookie = format!("hypercrm_session={cookie}");
            let account = client
                .get(format!("{}/account", self.base))
                .header("cookie", &cookie)
                .send()
                .await?
                .text()
                .await?;
            let marker = "name=\"csrf_token\" value=\"";
            let start = account
                .find(marker)
                .context("the account page has no CSRF token")?
                + marker.len();
            let csrf = account
                .get(start..start + 64)
                .context("the account page's CSRF token is cut short")?;
            anyhow::Ok((cookie, csrf.to_owned()))
        })
    }

    /// The server's resident memory now, in MiB (0 when unknown).
    /// An API token of the administrator with every permission, issued
    /// the way a person does: sign in at `/login`, read the session's CSRF
    /// token from the account page, `POST /api/v1/me/tokens`. The folder's
    /// administrator must have [`ADMIN_PASSWORD`] (true of every folder
    /// first served by this crate).
    pub fn administrator_token(&self) -> anyhow::Result<String> {
        let (cookie, csrf) = self.administrator_session()?;
        let (runtime, client) = blocking_client()?;
        runtime.block_on(async {
            let permissions: Vec<String> = [
                "parties",
                "interactions",
                "sales",
                "planning",
                "catalog",
                "inventory",
                "orders",
                "finance",
                "reports",
                "audit",
                "admin",
            ]
            .iter()
            .flat_map(|module| {
                ["read", "create", "edit", "delete", "export", "administer"]
                    .iter()
                    .map(move |action| format!("{module}.{action}"))
            })
            .collect();
            let body = serde_json::json!({"name": "xtask", "permissions": permissions});
            let issued = client
                .post(format!("{}/api/v1/me/tokens", self.base))
                .header("cookie", &cookie)
                .header("x-csrf-token", &csrf)
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await?;
            let status = issued.status();
            let answer: serde_json::Value = serde_json::from_str(&issued.text().await?)?;
            ensure!(
                status.is_success(),
                "issuing a token answered {status}: {answer}"
            );
            answer["token"]
                .as_str()
                .map(str::to_owned)
                .context("the token answer has no token")
        })
    }

    pub fn resident_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|value| {
                value
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<f64>()
                    .ok()
            })
            .map_or(0.0, |kib| kib / 1024.0)
    }

    /// Stops the server as systemd would (SIGTERM), so it saves its read
    /// models for the next start; an exit other than 0 is an error.
    pub fn stop(mut self) -> anyhow::Result<()> {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()?;
        let status = self.child.wait()?;
        ensure!(
            status.success(),
            "the server stopped with {status}; see {}",
            self.log.display()
        );
        Ok(())
    }

    /// Ends a server that never became ready.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A chore that fails half-way must not leave its server running.
impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.kill();
        }
    }
}

/// A runtime to block on and a client that answers redirects instead of
/// following them, for the few requests xtask makes outside a benchmark.
fn blocking_client() -> anyhow::Result<(tokio::runtime::Runtime, reqwest::Client)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    Ok((runtime, client))
}
