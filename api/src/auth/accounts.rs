//! Users' accounts as the server and the command line change them: the
//! first administrator, a command on a user's stream (through `app`'s
//! user use cases, then waiting for the users read model), the offline
//! password reset and the administrator's token for scripts.

use domain::access::Permission;
use domain::ids::UserId;
use eventlog::Actor;
use uuid::Uuid;

use super::{Principal, password, random_hex, tokens};
use crate::AppState;

/// The login of the administrator made on first start.
pub const FIRST_ADMINISTRATOR: &str = "admin";
/// The environment variable that gives the first administrator's
/// password; without it one is generated and shown once.
pub const ADMIN_PASSWORD_ENV: &str = "HYPERCRM_ADMIN_PASSWORD";

/// On a store without users, registers the administrator `admin` with
/// `password`, or a generated one; returns the generated password (to be
/// shown once), `None` when a password was given or users exist.
pub async fn ensure_administrator(
    state: &AppState,
    password: Option<String>,
) -> anyhow::Result<Option<String>> {
    state
        .read_models
        .users
        .wait_for(state.log.head().position)
        .await?;
    if !state.read_models.users.read(|users| users.is_empty()) {
        return Ok(None);
    }
    let (password, generated) = match password {
        Some(password) => (password, false),
        None => (random_hex::<12>()?, true),
    };
    let password = password::NewPassword::parse(ADMIN_PASSWORD_ENV, &password)
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    let hash = password::hash(&password).await?;
    let login = domain::access::Login::parse("login", FIRST_ADMINISTRATOR)?;
    let id = login.user_id();
    let command = domain::access::UserCommand::Register {
        login,
        display_name: domain::values::Label::parse("display_name", "Administrator")?,
        roles: vec![domain::access::Role::Administrator],
        branch: None,
        password: hash,
    };
    let command_id = state.app.ids.new_id();
    run_user_command_as_system(state, Actor::system("setup"), id, command, command_id).await?;
    tracing::info!("registered the first administrator, {FIRST_ADMINISTRATOR}");
    Ok(generated.then(|| password.expose().to_owned()))
}

/// Runs a command on a user's stream as the signed-in `by` (the use
/// case checks what `by` may do to whom) and waits until the users read
/// model has it, so the next request sees the change (a revoked token
/// stops working at once).
pub async fn run_user_command(
    state: &AppState,
    by: &Principal,
    user: UserId,
    command: domain::access::UserCommand,
    command_id: Uuid,
    expected_version: Option<u64>,
) -> Result<app::commands::Executed, app::commands::CommandError> {
    let run = app::Run {
        command_id,
        expected_version,
    };
    let executed = state
        .app
        .users()
        .run(&by.caller(), run, user, command)
        .await?;
    users_caught_up(state, &executed).await;
    Ok(executed)
}

/// Runs a command on a user's stream as the system, recorded as `actor`,
/// and waits for the users read model as [`run_user_command`] does.
pub async fn run_user_command_as_system(
    state: &AppState,
    actor: Actor,
    user: UserId,
    command: domain::access::UserCommand,
    command_id: Uuid,
) -> Result<app::commands::Executed, app::commands::CommandError> {
    let run = app::Run {
        command_id,
        expected_version: None,
    };
    let executed = state
        .app
        .users()
        .run_as_system(actor, run, user, command)
        .await?;
    users_caught_up(state, &executed).await;
    Ok(executed)
}

async fn users_caught_up(state: &AppState, executed: &app::commands::Executed) {
    if let Some(position) = executed.last_position
        && let Err(error) = state.read_models.users.wait_for(position).await
    {
        tracing::error!(%error, "the users read model stopped");
    }
}

/// Sets a new password for `login` and enables the user, on a data folder
/// no server holds (`hypercrm reset-password`): the way back in when the
/// last administrator's password is lost. Recorded as `system:cli`.
pub async fn reset_password_offline(
    data_dir: &std::path::Path,
    login: &str,
    password: &str,
) -> anyhow::Result<()> {
    let (log, keys) = app::personal::open_log(data_dir, eventlog::Options::default())?;
    let login = domain::access::Login::parse("login", login)?;
    let password = password::NewPassword::parse("password", password)?;
    let hash = password::hash(&password).await?;
    let app = app::App::system(log.clone(), keys);
    let user = login.user_id();
    if !app.users().exists(user)? {
        anyhow::bail!("there is no user {login}");
    }
    for command in [
        domain::access::UserCommand::ChangePassword(hash),
        domain::access::UserCommand::Enable,
    ] {
        let run = app::Run {
            command_id: app.ids.new_id(),
            expected_version: None,
        };
        app.users()
            .run_as_system(Actor::system("cli"), run, user, command)
            .await?;
    }
    // Appends are acknowledged once durable (the default options), so
    // nothing is left to sync.
    Ok(())
}

/// A token with every permission for the administrator made on first
/// start (creating the administrator with `password` when there are no
/// users yet): for tests, scripts and the API fuzzing run.
pub async fn administrator_token(state: &AppState, password: &str) -> anyhow::Result<String> {
    ensure_administrator(state, Some(password.to_owned())).await?;
    let administrator = domain::access::Login::parse("login", FIRST_ADMINISTRATOR)?.user_id();
    Ok(tokens::issue(
        state,
        administrator,
        "administrator token",
        Permission::all().collect(),
        Actor::system("setup"),
    )
    .await?)
}
