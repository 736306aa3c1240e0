//! Duplicates (issue 17): the list of possible duplicate customers (the
//! same phone or email, or the same name once legal forms and
//! punctuation are set aside), and the merge of one customer into
//! another with a side-by-side preview of both and of what the survivor
//! keeps: its own name, owner and details, and those of the duplicate's
//! channels and tags that are ticked. The merge is
//! `app::parties::merge_keeping`: both customers are checked against the
//! viewer before anything is written, "missing" and "out of reach"
//! answering alike.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::access::{Action, Module};
use domain::channel::{Channel, ChannelKind};
use domain::ids::{PartyId, UserId};
use domain::values::{Label, Tag};
use projections::models::customers::{CustomerRow, CustomerStatus};
use projections::models::duplicates::Likeness;
use serde::Deserialize;

use super::customers::channel_message;
use super::forms::{self, FormErrors};
use super::i18n::Tr;
use super::{Page, Section, Viewer, format};
use crate::AppState;

/// Groups shown on the list.
const GROUPS_SHOWN: usize = 100;

/// A customer as the list and the preview show it.
#[derive(Clone, Debug)]
pub struct Side {
    id: String,
    name: String,
    kind: String,
    channels: Vec<(String, String)>,
    tags: Vec<String>,
    owner: String,
    source: String,
    registered: String,
    timeline: String,
    deals: String,
}

/// A group of possible duplicates.
#[derive(Debug)]
pub struct GroupView {
    why: String,
    members: Vec<Side>,
    /// (duplicate, survivor, label) merge links.
    merges: Vec<(String, String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "duplicates.html")]
pub struct DuplicatesPage {
    page: Page,
    groups: Vec<GroupView>,
}

/// Only the viewer's own customers, where their grant is one's own.
fn only_owner(viewer: &Viewer) -> Option<UserId> {
    viewer
        .principal
        .as_ref()
        .and_then(|principal| principal.only_owner(Module::Parties, Action::Read))
}

fn side(state: &AppState, tr: Tr, row: &CustomerRow) -> Side {
    let lang = tr.lang;
    let owner = state.read_models.users.read(|users| {
        users
            .user(row.owner)
            .map_or_else(|| row.owner.to_string(), |user| user.display_name.clone())
    });
    let timeline = state
        .read_models
        .timelines
        .read(|timelines| timelines.len_of(row.id));
    let deals = state
        .read_models
        .pipeline_board
        .read(|board| board.deals_of(row.id).len());
    let count = |n: usize| format::integer(lang, i64::try_from(n).unwrap_or(i64::MAX));
    Side {
        id: row.id.to_string(),
        name: row.display_name.clone(),
        kind: tr.t(if row.is_person() {
            "merge-kind-person"
        } else {
            "merge-kind-company"
        }),
        channels: row
            .channels
            .iter()
            .map(|channel| (tr.t(channel_message(channel.kind)), channel.value.clone()))
            .collect(),
        tags: row.tags.iter().cloned().collect(),
        owner,
        source: row.source.clone().unwrap_or_default(),
        registered: format::date_time(lang, row.registered_at),
        timeline: count(timeline),
        deals: count(deals),
    }
}

/// `GET /customers/duplicates`.
pub async fn duplicates(State(state): State<AppState>, viewer: Viewer) -> DuplicatesPage {
    let page = Page::new(
        &viewer,
        Section::Customers,
        "duplicates-title",
        "/customers/duplicates".to_owned(),
    );
    let tr = page.tr;
    let owner = only_owner(&viewer);
    let groups: Vec<(Likeness, Vec<CustomerRow>)> = state.read_models.customers.read(|customers| {
        customers
            .possible_duplicates(owner, GROUPS_SHOWN)
            .into_iter()
            .map(|group| {
                let rows = group
                    .parties
                    .iter()
                    .filter_map(|party| customers.get(*party).cloned())
                    .collect();
                (group.likeness, rows)
            })
            .collect()
    });
    let groups = groups
        .into_iter()
        .map(|(likeness, rows)| {
            let why = match likeness {
                Likeness::Channel(ChannelKind::Email, value) => {
                    tr.t1("duplicates-same-email", "value", &value)
                }
                Likeness::Channel(_, value) => tr.t1("duplicates-same-phone", "value", &value),
                Likeness::Name(_) => tr.t("duplicates-same-name"),
            };
            let mut merges = Vec::new();
            for duplicate in &rows {
                for survivor in &rows {
                    if duplicate.id != survivor.id {
                        merges.push((
                            duplicate.id.to_string(),
                            survivor.id.to_string(),
                            tr.t2(
                                "duplicates-merge-into",
                                "duplicate",
                                &duplicate.display_name,
                                "survivor",
                                &survivor.display_name,
                            ),
                        ));
                    }
                }
            }
            GroupView {
                why,
                members: rows.iter().map(|row| side(&state, tr, row)).collect(),
                merges,
            }
        })
        .collect();
    DuplicatesPage { page, groups }
}

// ------------------------------------------------------------- the merge

#[derive(Debug, Default, Deserialize)]
pub struct MergeQuery {
    #[serde(default)]
    into: String,
}

/// A channel or tag of the duplicate the survivor lacks, offered to keep.
#[derive(Debug)]
pub struct Keepable {
    value: String,
    label: String,
    ticked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "merge.html")]
pub struct MergePage {
    page: Page,
    duplicate: Side,
    survivor: Side,
    channels: Vec<Keepable>,
    tags: Vec<Keepable>,
    command: String,
    error: Option<String>,
}

/// Both customers, active and within the viewer's reach to merge; `None`
/// answers as missing.
fn pair(
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
    into: &str,
) -> Option<(CustomerRow, CustomerRow)> {
    let duplicate: PartyId = super::readable_id(state, viewer, raw, app::access::Kind::Party)?;
    let survivor: PartyId = super::readable_id(state, viewer, into, app::access::Kind::Party)?;
    if duplicate == survivor {
        return None;
    }
    state.read_models.customers.read(|customers| {
        let active = |id| {
            customers
                .get(id)
                .filter(|row| row.status == CustomerStatus::Active && !row.erased)
                .cloned()
        };
        Some((active(duplicate)?, active(survivor)?))
    })
}

/// The duplicate's channels and tags the survivor lacks; `chosen` are
/// ticked (all, on a first look).
fn keepables(
    tr: Tr,
    duplicate: &CustomerRow,
    survivor: &CustomerRow,
    chosen: Option<&[String]>,
) -> (Vec<Keepable>, Vec<Keepable>) {
    let ticked = |value: &str| chosen.is_none_or(|chosen| chosen.iter().any(|c| c == value));
    let channels = duplicate
        .channels
        .iter()
        .filter(|channel| {
            !survivor
                .channels
                .iter()
                .any(|own| own.kind == channel.kind && own.value == channel.value)
        })
        .map(|channel| {
            let value = format!("{}:{}", channel.kind.code(), channel.value);
            Keepable {
                ticked: ticked(&value),
                label: format!("{}: {}", tr.t(channel_message(channel.kind)), channel.value),
                value,
            }
        })
        .collect();
    let tags = duplicate
        .tags
        .iter()
        .filter(|tag| !survivor.tags.contains(*tag))
        .map(|tag| Keepable {
            ticked: ticked(&format!("tag:{tag}")),
            label: tag.clone(),
            value: format!("tag:{tag}"),
        })
        .collect();
    (channels, tags)
}

fn render(
    state: &AppState,
    viewer: &Viewer,
    (duplicate, survivor): (&CustomerRow, &CustomerRow),
    chosen: Option<&[String]>,
    (command, error): (String, Option<String>),
    status: StatusCode,
) -> Response {
    let mut page = Page::new(
        viewer,
        Section::Customers,
        "merge-title",
        format!("/customers/{}/merge?into={}", duplicate.id, survivor.id),
    );
    let tr = page.tr;
    page.title = tr.t2(
        "duplicates-merge-into",
        "duplicate",
        &duplicate.display_name,
        "survivor",
        &survivor.display_name,
    );
    let (channels, tags) = keepables(tr, duplicate, survivor, chosen);
    let merge = MergePage {
        page,
        duplicate: side(state, tr, duplicate),
        survivor: side(state, tr, survivor),
        channels,
        tags,
        command,
        error,
    };
    (status, merge).into_response()
}

/// `GET /customers/{id}/merge?into=`: the preview.
pub async fn preview(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Query(query): Query<MergeQuery>,
) -> Response {
    let Some((duplicate, survivor)) = pair(&state, &viewer, &raw, &query.into) else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    let command = state.app.new_id().to_string();
    render(
        &state,
        &viewer,
        (&duplicate, &survivor),
        None,
        (command, None),
        StatusCode::OK,
    )
}

/// `POST /customers/{id}/merge`: `into`, `command` and the ticked `keep`
/// values (`<channel kind>:<value>` or `tag:<tag>`).
pub async fn merge(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map_or(String::new(), |(_, value)| value.clone())
    };
    let chosen: Vec<String> = pairs
        .iter()
        .filter(|(key, _)| key == "keep")
        .map(|(_, value)| value.clone())
        .collect();
    let Some((duplicate, survivor)) = pair(&state, &viewer, &raw, &field("into")) else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    // Only what the duplicate holds and the survivor lacks can be kept.
    let (offered_channels, offered_tags) = keepables(tr, &duplicate, &survivor, Some(&chosen));
    let channels: Vec<(Channel, Option<Label>)> = offered_channels
        .iter()
        .filter(|keep| keep.ticked)
        .filter_map(|keep| {
            let (code, value) = keep.value.split_once(':')?;
            let kind = ChannelKind::ALL
                .into_iter()
                .find(|kind| kind.code() == code)?;
            let label = duplicate
                .channels
                .iter()
                .find(|channel| channel.kind == kind && channel.value == value)
                .and_then(|channel| channel.label.as_deref())
                .and_then(|label| Label::parse("label", label).ok());
            Some((Channel::parse(kind, value).ok()?, label))
        })
        .collect();
    let tags: Vec<Tag> = offered_tags
        .iter()
        .filter(|keep| keep.ticked)
        .filter_map(|keep| Tag::parse("tag", &keep.label).ok())
        .collect();
    let command = forms::command_id(&state.app, &field("command"));
    let run = app::Run {
        command_id: command,
        expected_version: None,
    };
    let merged = match viewer.caller() {
        Ok(caller) => {
            state
                .app
                .parties()
                .merge_keeping(&caller, run, (duplicate.id, survivor.id), (channels, tags))
                .await
        }
        Err(error) => Err(error),
    };
    match merged {
        Ok(executed) => {
            forms::redirect_after(
                &state,
                executed.last_position,
                &format!("/customers/{}", survivor.id),
            )
            .await
        }
        Err(error) => {
            let message = FormErrors::from_command(tr, &error, &[]).form;
            render(
                &state,
                &viewer,
                (&duplicate, &survivor),
                Some(&chosen),
                (command.to_string(), message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}
