//! Customers: the searchable list and the customer card.
//!
//! Search and paging run in the customers read model (an inverted index
//! walked in name order), so a page costs the same with ten or ten million
//! customers. Pages go forward by a cursor (the last row's sort key and
//! id) carried in the link; "first page" starts again.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::access::{Action, Module};
use domain::channel::ChannelKind;
use domain::ids::PartyId;
use domain::parties::PartyNameData;
use projections::models::customers::{
    CustomerCursor, CustomerQuery, CustomerRow, CustomerStatus, StatusFilter,
};
use projections::models::timeline::EntryKind;
use serde::Deserialize;

use super::Viewer;
use super::customer_actions::{
    CardForms, DIRECTION_CODES, KIND_CODES, OUTCOME_CODES, PRIORITY_CODES,
};
use super::format;
use super::forms::{Choice, choices};
use super::i18n::Tr;
use super::{Page, Section, percent_encode, query_string};
use crate::AppState;

/// Rows per page of the list.
const LIST_PAGE_ROWS: usize = 50;
/// Timeline entries on a card.
const TIMELINE_ENTRIES_SHOWN: usize = 50;
/// Longest search text taken from a request.
const SEARCH_TEXT_CHARS_MAX: usize = 200;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    after_key: Option<String>,
    after_id: Option<String>,
}

/// A row of the list, ready to show.
#[derive(Debug)]
pub struct ListRow {
    pub href: String,
    pub name: String,
    pub kind: String,
    pub email: String,
    pub phone: String,
    pub tags: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "customers.html")]
pub struct ListPage {
    page: Page,
    q: String,
    rows: Vec<ListRow>,
    showing: String,
    next_url: Option<String>,
    first_url: Option<String>,
    /// The viewer may register customers.
    can_create: bool,
}

fn primary_phone(row: &CustomerRow) -> Option<&str> {
    [ChannelKind::MobilePhone, ChannelKind::WorkPhone]
        .into_iter()
        .find_map(|kind| row.primary(kind))
        .or_else(|| {
            row.channels.iter().find(|channel| {
                matches!(
                    channel.kind,
                    ChannelKind::MobilePhone | ChannelKind::WorkPhone
                )
            })
        })
        .map(|channel| channel.value.as_str())
}

fn kind_label(tr: Tr, row: &CustomerRow) -> String {
    if row.is_person() {
        tr.t("customers-person")
    } else {
        tr.t("customers-company")
    }
}

/// `GET /customers`.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ListQuery>,
) -> ListPage {
    let q: String = query.q.chars().take(SEARCH_TEXT_CHARS_MAX).collect();
    let after = match (&query.after_key, &query.after_id) {
        (Some(sort_key), Some(id)) => id.parse::<PartyId>().ok().map(|id| CustomerCursor {
            sort_key: sort_key.clone(),
            id,
        }),
        _ => None,
    };
    let paged = after.is_some();
    let back = if q.is_empty() {
        "/customers".to_owned()
    } else {
        format!("/customers?{}", query_string(&[("q", &q)]))
    };
    let page = Page::new(&viewer, Section::Customers, "customers-title", back.clone());
    let tr = page.tr;
    let (rows, next) = state.read_models.customers.read(|customers| {
        let found = customers.search(&CustomerQuery {
            text: q.clone(),
            status: StatusFilter::Active,
            owner: viewer
                .principal
                .as_ref()
                .and_then(|principal| principal.only_owner(Module::Parties, Action::Read)),
            after,
            limit: LIST_PAGE_ROWS,
            ..CustomerQuery::default()
        });
        let rows: Vec<ListRow> = found
            .rows
            .iter()
            .map(|row| ListRow {
                href: format!("/customers/{}", row.id),
                name: if row.erased {
                    tr.t("customer-erased")
                } else {
                    row.display_name.clone()
                },
                kind: kind_label(tr, row),
                email: row
                    .primary(ChannelKind::Email)
                    .or_else(|| row.channels.iter().find(|c| c.kind == ChannelKind::Email))
                    .map(|channel| channel.value.clone())
                    .unwrap_or_default(),
                phone: primary_phone(row).unwrap_or_default().to_owned(),
                tags: row.tags.iter().cloned().collect::<Vec<_>>().join(", "),
            })
            .collect();
        (rows, found.next)
    });
    let next_url = next.map(|cursor| {
        format!(
            "/customers?{}",
            query_string(&[
                ("q", &q),
                ("after_key", &cursor.sort_key),
                ("after_id", &cursor.id.to_string()),
            ])
        )
    });
    let count = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    ListPage {
        showing: tr.plural("customers-showing", count, &format::integer(tr.lang, count)),
        q,
        rows,
        next_url,
        first_url: paged.then_some(back),
        can_create: viewer.allows(Module::Parties, Action::Create),
        page,
    }
}

/// A channel on the card.
#[derive(Debug)]
pub struct ChannelView {
    pub id: String,
    pub kind: String,
    pub value: String,
    pub href: Option<String>,
    pub label: Option<String>,
    pub primary: bool,
    /// The change form's value and label: as typed after a failure, else
    /// the channel's own.
    pub edit_value: String,
    pub edit_label: String,
}

/// A timeline entry on the card.
#[derive(Debug)]
pub struct EntryView {
    /// The interaction's own page, for calls, emails, meetings and notes.
    pub href: Option<String>,
    pub when: String,
    pub datetime: String,
    pub kind: String,
    pub title: String,
}

/// A person of a company, on its card.
#[derive(Debug)]
pub struct StaffView {
    pub href: String,
    pub name: String,
    pub job_title: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "customer.html")]
pub struct CardPage {
    page: Page,
    name: String,
    kind: String,
    job_title: Option<String>,
    company: Option<(String, String)>,
    status: String,
    registered: String,
    source: Option<String>,
    tags: Vec<String>,
    channels: Vec<ChannelView>,
    staff: Vec<StaffView>,
    timeline: Vec<EntryView>,
    timeline_note: Option<String>,
    /// Where the card's forms post to.
    action_base: String,
    party_id: String,
    forms: CardForms,
    kinds: Vec<Choice>,
    directions: Vec<Choice>,
    outcomes: Vec<Choice>,
    priorities: Vec<Choice>,
    /// Its personal data was erased.
    erased: bool,
    /// The viewer may download everything held about it.
    can_export: bool,
    /// The viewer may erase its personal data (administrators).
    can_erase: bool,
    /// A company the viewer may add people to.
    can_add_person: bool,
    /// The viewer may open deals, and the pipelines to open them in.
    can_open_deal: bool,
    pipelines: Vec<super::forms::OwnedChoice>,
    /// The viewer may change the customer (names, source, tags, channels).
    can_edit: bool,
    /// The viewer may archive it and remove channels.
    can_delete: bool,
    person: bool,
    archived: bool,
    /// The rename form's two fields (first and last name, or name and
    /// legal name) and the source form's, as typed or as they are.
    rename: (String, String),
    source_value: String,
    /// Custom fields, key and value as shown.
    custom_fields: Vec<(String, String)>,
    /// The users the customer can be handed to, and its branch's id.
    owners: Vec<super::forms::OwnedChoice>,
    branch_value: String,
    branches: Vec<super::forms::OwnedChoice>,
    /// Customer, supplier: what the party is to the company.
    roles: (bool, bool),
    roles_text: String,
    /// The new channel form: kinds to choose, value and label as typed.
    channel_kinds: Vec<Choice>,
    new_channel: (String, String),
    erase_reasons: Vec<Choice>,
}

#[derive(Template, WebTemplate)]
#[template(path = "not_found.html")]
pub struct NotFoundPage {
    page: Page,
    heading: String,
    body: String,
}

impl NotFoundPage {
    /// A 404 page headed by the page's title.
    pub fn new(page: Page, body: String) -> Self {
        Self {
            heading: page.title.clone(),
            body,
            page,
        }
    }
}

/// A custom value as the card shows it.
fn custom_text(tr: Tr, value: &domain::parties::CustomValue) -> String {
    use domain::parties::CustomValue;
    match value {
        CustomValue::Text(text) => text.clone(),
        CustomValue::Number(number) => format::decimal(tr.lang, *number, number.scale()),
        CustomValue::Date(day) => format::date(tr.lang, *day),
        CustomValue::Flag(flag) => tr.t(if *flag { "custom-yes" } else { "custom-no" }),
        CustomValue::Money(money) => format::money(tr.lang, money.amount(), money.currency()),
    }
}

pub(super) fn channel_message(kind: ChannelKind) -> &'static str {
    match kind {
        ChannelKind::Email => "channel-email",
        ChannelKind::WorkPhone => "channel-work-phone",
        ChannelKind::MobilePhone => "channel-mobile-phone",
        ChannelKind::Telegram => "channel-telegram",
        ChannelKind::WhatsApp => "channel-whatsapp",
        ChannelKind::Skype => "channel-skype",
        ChannelKind::Viber => "channel-viber",
        ChannelKind::SocialProfile => "channel-social-profile",
        ChannelKind::Website => "channel-website",
        ChannelKind::PostalAddress => "channel-postal-address",
    }
}

/// A link for channels a browser can open directly; others are text.
fn channel_href(kind: ChannelKind, value: &str) -> Option<String> {
    match kind {
        ChannelKind::Email => Some(format!("mailto:{value}")),
        ChannelKind::WorkPhone | ChannelKind::MobilePhone => Some(format!(
            "tel:{}",
            value
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '+')
                .collect::<String>()
        )),
        ChannelKind::Website | ChannelKind::SocialProfile
            if value.starts_with("https://") || value.starts_with("http://") =>
        {
            Some(value.to_owned())
        }
        _ => None,
    }
}

fn entry_message(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Call => "entry-call",
        EntryKind::Email => "entry-email",
        EntryKind::Meeting => "entry-meeting",
        EntryKind::Note => "entry-note",
        EntryKind::DealOpened => "entry-deal-opened",
        EntryKind::DealStageMoved => "entry-deal-stage-moved",
        EntryKind::DealWon => "entry-deal-won",
        EntryKind::DealLost => "entry-deal-lost",
        EntryKind::DealReopened => "entry-deal-reopened",
        EntryKind::TaskCreated => "entry-task-created",
        EntryKind::TaskCompleted => "entry-task-completed",
        EntryKind::CalendarEntry => "entry-calendar",
        EntryKind::LeadCaptured => "entry-lead-captured",
        EntryKind::LeadConverted => "entry-lead-converted",
        EntryKind::OrderConfirmed => "entry-order-confirmed",
        EntryKind::OrderShipped => "entry-order-shipped",
        EntryKind::OrderInvoiced => "entry-order-invoiced",
        EntryKind::OrderReturned => "entry-order-returned",
        EntryKind::OrderCancelled => "entry-order-cancelled",
        EntryKind::PaymentReceived => "entry-payment-received",
        EntryKind::SaleImported => "entry-sale-imported",
    }
}

pub(crate) fn not_found(viewer: Viewer, back: String) -> Response {
    let page = Page::new(&viewer, Section::Customers, "customer-not-found", back);
    let page = NotFoundPage {
        heading: page.title.clone(),
        body: page.t("customer-not-found-body"),
        page,
    };
    (StatusCode::NOT_FOUND, page).into_response()
}

/// `GET /customers/{id}`: channels, people and the 360 timeline. A merged
/// customer's address shows the customer it was merged into.
pub async fn card(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Response {
    render_card(
        &state,
        viewer.clone(),
        &id,
        CardForms::blank(&state.app),
        StatusCode::OK,
    )
    .await
}

/// The card with its forms as given (blank, or as typed with errors),
/// answered with `status`.
pub async fn render_card(
    state: &AppState,
    viewer: Viewer,
    id: &str,
    forms: CardForms,
    status: StatusCode,
) -> Response {
    let back = format!("/customers/{}", percent_encode(id));
    let Ok(id) = id.parse::<PartyId>() else {
        return not_found(viewer.clone(), back);
    };
    let tr = Tr::new(viewer.lang);
    let page = Page::new(&viewer, Section::Customers, "customers-title", back.clone());
    let card = state.read_models.customers.read(|customers| {
        let row = customers.resolve(id)?;
        let company = row.company.and_then(|company| {
            customers.resolve(company).map(|company| {
                (
                    format!("/customers/{}", company.id),
                    company.display_name.clone(),
                )
            })
        });
        let staff: Vec<StaffView> = customers
            .staff_of(row.id)
            .into_iter()
            .map(|person| StaffView {
                href: format!("/customers/{}", person.id),
                name: person.display_name.clone(),
                job_title: person.job_title.clone().unwrap_or_default(),
            })
            .collect();
        // An erased customer's channels keep their kind only: nothing to show.
        let channels: Vec<ChannelView> = row
            .channels
            .iter()
            .filter(|_| !row.erased)
            .map(|channel| {
                let id = channel.id.to_string();
                let typed = forms
                    .typed("change-channel")
                    .filter(|typed| typed.channel == id);
                ChannelView {
                    kind: tr.t(channel_message(channel.kind)),
                    value: channel.value.clone(),
                    href: channel_href(channel.kind, &channel.value),
                    label: channel.label.clone(),
                    primary: channel.primary,
                    edit_value: typed.map_or_else(|| channel.value.clone(), |t| t.value.clone()),
                    edit_label: typed.map_or_else(
                        || channel.label.clone().unwrap_or_default(),
                        |t| t.label.clone(),
                    ),
                    id,
                }
            })
            .collect();
        let rename = match (forms.typed("rename"), &row.name) {
            (Some(typed), PartyNameData::Person { .. }) => {
                (typed.first_name.clone(), typed.last_name.clone())
            }
            (Some(typed), PartyNameData::Company { .. }) => {
                (typed.name.clone(), typed.legal_name.clone())
            }
            (
                None,
                PartyNameData::Person {
                    first_name,
                    last_name,
                },
            ) => (first_name.clone(), last_name.clone().unwrap_or_default()),
            (None, PartyNameData::Company { name, legal_name }) => {
                (name.clone(), legal_name.clone().unwrap_or_default())
            }
        };
        let source_value = forms.typed("source").map_or_else(
            || row.source.clone().unwrap_or_default(),
            |typed| typed.source.clone(),
        );
        let typed_channel = forms.typed("add-channel");
        let new_channel = typed_channel.map_or_else(Default::default, |typed| {
            (typed.value.clone(), typed.label.clone())
        });
        let kind_codes: Vec<&'static str> =
            ChannelKind::ALL.iter().map(|kind| kind.code()).collect();
        let chosen_kind = typed_channel.map_or("email", |typed| typed.kind.as_str());
        let channel_kinds: Vec<Choice> = kind_codes
            .iter()
            .filter_map(|code| ChannelKind::from_code(code).map(|kind| (code, kind)))
            .map(|(code, kind)| Choice {
                value: code,
                label: tr.t(channel_message(kind)),
                selected: *code == chosen_kind,
            })
            .collect();
        let status = match row.status {
            _ if row.erased => "customer-status-erased",
            CustomerStatus::Active => "customer-status-active",
            CustomerStatus::Archived => "customer-status-archived",
            CustomerStatus::Merged { .. } => "customer-status-merged",
        };
        Some((
            row.id,
            CardPage {
                page,
                name: if row.erased {
                    tr.t("customer-erased")
                } else {
                    row.display_name.clone()
                },
                kind: kind_label(tr, row),
                job_title: row.job_title.clone(),
                company,
                status: tr.t(status),
                registered: format::date(viewer.lang, row.registered_at.date_naive()),
                source: row.source.clone(),
                tags: row.tags.iter().cloned().collect(),
                channels,
                staff,
                timeline: Vec::new(),
                timeline_note: None,
                action_base: format!("/customers/{}", row.id),
                party_id: row.id.to_string(),
                kinds: choices(tr, "interaction-kind", &KIND_CODES, &forms.log.kind),
                directions: choices(
                    tr,
                    "interaction-direction",
                    &DIRECTION_CODES,
                    &forms.log.direction,
                ),
                outcomes: choices(tr, "call-outcome", &OUTCOME_CODES, &forms.log.outcome),
                priorities: choices(tr, "task-priority", &PRIORITY_CODES, &forms.task.priority),
                erased: row.erased,
                can_export: viewer.allows(Module::Parties, Action::Export),
                can_erase: viewer.allows(Module::Parties, Action::Administer),
                can_add_person: !row.is_person()
                    && !row.erased
                    && viewer.allows(Module::Parties, Action::Create),
                can_edit: !row.erased
                    && !matches!(row.status, CustomerStatus::Merged { .. })
                    && viewer.allows(Module::Parties, Action::Edit),
                can_delete: !row.erased
                    && !matches!(row.status, CustomerStatus::Merged { .. })
                    && viewer.allows(Module::Parties, Action::Delete),
                can_open_deal: !row.erased && viewer.allows(Module::Sales, Action::Create),
                pipelines: Vec::new(),
                person: row.is_person(),
                archived: row.status == CustomerStatus::Archived,
                rename,
                source_value,
                custom_fields: row
                    .custom_fields
                    .iter()
                    .map(|(key, value)| (key.clone(), custom_text(tr, value)))
                    .collect(),
                owners: vec![super::forms::OwnedChoice {
                    value: row.owner.to_string(),
                    label: String::new(),
                    selected: true,
                }],
                branch_value: row
                    .branch
                    .map(|branch| branch.to_string())
                    .unwrap_or_default(),
                branches: Vec::new(),
                roles: (row.roles.customer, row.roles.supplier),
                roles_text: [
                    (row.roles.customer, "party-role-customer"),
                    (row.roles.supplier, "party-role-supplier"),
                ]
                .into_iter()
                .filter(|(held, _)| *held)
                .map(|(_, message)| tr.t(message))
                .collect::<Vec<_>>()
                .join(", "),
                channel_kinds,
                new_channel,
                erase_reasons: choices(
                    tr,
                    "erasure-reason",
                    &super::personal_data::REASON_CODES,
                    &forms.erase.reason,
                ),
                forms,
            },
        ))
    });
    let Some((party, mut card)) = card else {
        return not_found(viewer.clone(), back);
    };
    card.page.title = card.name.clone();
    // The owner's select: every active user, the current owner chosen.
    if let Some(current) = card.owners.first().map(|owner| owner.value.clone()) {
        card.owners = state.read_models.users.read(|users| {
            let mut owners: Vec<super::forms::OwnedChoice> = users
                .users()
                .filter(|(id, user)| !user.disabled || id.to_string() == current)
                .map(|(id, user)| super::forms::OwnedChoice {
                    selected: id.to_string() == current,
                    value: id.to_string(),
                    label: user.display_name.clone(),
                })
                .collect();
            owners.sort_by(|a, b| a.label.cmp(&b.label));
            // An owner the directory does not know stays chosen, so
            // saving the form never hands the customer to someone else.
            if !owners.iter().any(|owner| owner.selected) {
                owners.insert(
                    0,
                    super::forms::OwnedChoice {
                        value: current.clone(),
                        label: current.clone(),
                        selected: true,
                    },
                );
            }
            owners
        });
    }
    card.branches = super::branch_names::branch_choices(state, card.page.tr, &card.branch_value);
    if card.can_open_deal {
        let chosen = card.forms.deal.pipeline.clone();
        card.pipelines = state.read_models.pipeline_board.read(|board| {
            board
                .pipelines()
                .into_iter()
                .map(|pipeline| super::forms::OwnedChoice {
                    value: pipeline.id.to_string(),
                    label: pipeline.name.clone(),
                    selected: pipeline.id.to_string() == chosen,
                })
                .collect()
        });
    }
    let total = state.read_models.timelines.read(|timelines| {
        card.timeline = timelines
            .timeline(party, None, TIMELINE_ENTRIES_SHOWN)
            .into_iter()
            .map(|entry| EntryView {
                href: matches!(
                    entry.kind,
                    EntryKind::Call | EntryKind::Email | EntryKind::Meeting | EntryKind::Note
                )
                .then(|| format!("/interactions/{}", entry.source)),
                when: format::date_time(viewer.lang, entry.at),
                datetime: entry.at.to_rfc3339(),
                kind: tr.t(entry_message(entry.kind)),
                title: entry.title.to_string(),
            })
            .collect();
        timelines.len_of(party)
    });
    let shown = card.timeline.len();
    card.timeline_note = (total > shown).then(|| {
        tr.t1(
            "customer-timeline-more",
            "shown",
            &format::integer(viewer.lang, i64::try_from(shown).unwrap_or(i64::MAX)),
        )
    });
    (status, card).into_response()
}
