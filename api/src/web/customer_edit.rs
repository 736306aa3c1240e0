//! Changing a customer from its card (issue 17): names, source, tags,
//! contact channels (add, change, remove, make primary), archive and
//! restore. Each is a small form posting to
//! `/customers/{id}/edit/{action}`; a success goes back to the card, a
//! failure shows the card again with the typing kept and the error next
//! to the field of the form that failed. Every change is one command of
//! the party, through `App::execute` (which checks the customer is in the
//! caller's reach).

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::channel::{Channel, ChannelKind};
use domain::ids::{ChannelId, PartyId, derived};
use domain::parties::{CustomValue, FieldKey, Party, PartyCommand, PartyName, PartyNameData};
use domain::values::{Label, Tag};
use serde::Deserialize;

use super::Viewer;
use super::customer_actions::{CardForms, known_party};
use super::customers::render_card;
use super::forms::{self, FormErrors};
use super::i18n::Tr;
use crate::AppState;

/// The actions, by the last segment of their path.
pub const ACTIONS: [&str; 15] = [
    "rename",
    "source",
    "tag",
    "untag",
    "add-channel",
    "change-channel",
    "remove-channel",
    "primary",
    "archive",
    "restore",
    "owner",
    "branch",
    "field",
    "clear-field",
    "roles",
];

/// Every edit form's fields; each form sends the ones it has.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct EditForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub legal_name: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub tag: String,
    /// The channel changed, removed or made primary.
    #[serde(default)]
    pub channel: String,
    /// A new channel's kind, by code.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub reason: String,
    /// The user who now manages the customer.
    #[serde(default)]
    pub owner: String,
    /// The customer's branch (its id; blank for none).
    #[serde(default)]
    pub branch: String,
    /// A custom field's key and value.
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub field_value: String,
    /// The roles form's checkboxes: present ("on") when ticked.
    #[serde(default)]
    pub role_customer: String,
    #[serde(default)]
    pub role_supplier: String,
    #[serde(default)]
    pub command: String,
}

/// A custom value as typed: a number, a day (YYYY-MM-DD), yes or no, or
/// else text.
fn custom_value(raw: &str) -> Option<CustomValue> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    if let Ok(day) = chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return Some(CustomValue::Date(day));
    }
    if let Some(number) = super::format::parse_decimal(raw) {
        return Some(CustomValue::Number(number));
    }
    Some(match raw.to_lowercase().as_str() {
        "yes" | "true" => CustomValue::Flag(true),
        "no" | "false" => CustomValue::Flag(false),
        _ => CustomValue::Text(raw.to_owned()),
    })
}

/// An edit form shown again after a failure: which one, as typed, and
/// its errors.
#[derive(Debug)]
pub struct EditShown {
    pub action: String,
    pub form: EditForm,
    pub errors: FormErrors,
}

impl EditShown {
    /// Whether the failed form is `action` (for the channel forms: about
    /// `channel`), to show its errors there.
    pub fn is(&self, action: &str) -> bool {
        self.action == action
    }

    pub fn is_about(&self, action: &str, channel: &str) -> bool {
        self.action == action && self.form.channel == channel
    }
}

fn required(errors: &mut FormErrors, tr: Tr, field: &'static str, raw: &str) -> Option<Label> {
    Label::parse(field, raw)
        .map_err(|_| errors.add(field, tr.t("form-required-line")))
        .ok()
}

fn optional(errors: &mut FormErrors, tr: Tr, field: &'static str, raw: &str) -> Option<Label> {
    Label::parse_optional(field, Some(raw))
        .map_err(|_| errors.add(field, tr.t("form-one-line")))
        .ok()
        .flatten()
}

/// The message for a bad value of a channel of `kind`.
fn channel_message(kind: ChannelKind) -> &'static str {
    match kind {
        ChannelKind::Email => "form-email",
        ChannelKind::WorkPhone | ChannelKind::MobilePhone => "form-phone",
        _ => "form-invalid",
    }
}

/// What the party looks like to the forms: its names and channels.
struct Current {
    name: PartyNameData,
    channels: Vec<(ChannelId, ChannelKind)>,
}

fn current(state: &AppState, party: PartyId) -> Option<Current> {
    state.read_models.customers.read(|customers| {
        customers.get(party).map(|row| Current {
            name: row.name.clone(),
            channels: row
                .channels
                .iter()
                .map(|channel| (channel.id, channel.kind))
                .collect(),
        })
    })
}

/// The form parsed into the party's command, or its errors.
fn parse(
    tr: Tr,
    action: &str,
    form: &EditForm,
    current: &Current,
    command_id: uuid::Uuid,
) -> Result<PartyCommand, FormErrors> {
    let mut errors = FormErrors::default();
    let channel_of = |errors: &mut FormErrors| {
        let found = form.channel.parse::<ChannelId>().ok().and_then(|id| {
            current
                .channels
                .iter()
                .find(|(channel, _)| *channel == id)
                .copied()
        });
        if found.is_none() {
            errors.form = Some(tr.t("form-not-found"));
        }
        found
    };
    let command = match action {
        "rename" => match &current.name {
            PartyNameData::Company { .. } => {
                let name = required(&mut errors, tr, "name", &form.name);
                let legal_name = optional(&mut errors, tr, "legal_name", &form.legal_name);
                name.map(|name| PartyCommand::Rename {
                    name: PartyName::Company { name, legal_name },
                })
            }
            PartyNameData::Person { .. } => {
                let first_name = required(&mut errors, tr, "first_name", &form.first_name);
                let last_name = optional(&mut errors, tr, "last_name", &form.last_name);
                first_name.map(|first_name| PartyCommand::Rename {
                    name: PartyName::Person {
                        first_name,
                        last_name,
                    },
                })
            }
        },
        "source" => {
            let source = optional(&mut errors, tr, "source", &form.source);
            errors.is_empty().then_some(PartyCommand::SetSource(source))
        }
        "tag" | "untag" => match Tag::parse("tag", &form.tag) {
            Ok(tag) if action == "tag" => Some(PartyCommand::Tag(tag)),
            Ok(tag) => Some(PartyCommand::Untag(tag)),
            Err(_) => {
                errors.add("tag", tr.t("form-tags"));
                None
            }
        },
        "add-channel" => {
            let kind = ChannelKind::from_code(&form.kind);
            if kind.is_none() {
                errors.add("kind", tr.t("form-choose"));
            }
            let label = optional(&mut errors, tr, "label", &form.label);
            kind.and_then(|kind| match Channel::parse(kind, &form.value) {
                Ok(channel) => Some(PartyCommand::AddChannel {
                    channel_id: ChannelId::from_uuid(derived(command_id, b"channel")),
                    channel,
                    label,
                }),
                Err(_) => {
                    errors.add("value", tr.t(channel_message(kind)));
                    None
                }
            })
        }
        "change-channel" => {
            let label = optional(&mut errors, tr, "label", &form.label);
            channel_of(&mut errors).and_then(|(channel_id, kind)| {
                match Channel::parse(kind, &form.value) {
                    Ok(channel) => Some(PartyCommand::ChangeChannel {
                        channel_id,
                        channel,
                        label,
                    }),
                    Err(_) => {
                        errors.add("value", tr.t(channel_message(kind)));
                        None
                    }
                }
            })
        }
        "roles" => {
            let roles = domain::parties::PartyRoles {
                customer: !form.role_customer.is_empty(),
                supplier: !form.role_supplier.is_empty(),
            };
            if roles.customer || roles.supplier {
                Some(PartyCommand::SetRoles(roles))
            } else {
                errors.add("roles", tr.t("party-roles-one"));
                None
            }
        }
        "remove-channel" => channel_of(&mut errors)
            .map(|(channel_id, _)| PartyCommand::RemoveChannel { channel_id }),
        "primary" => {
            channel_of(&mut errors).map(|(channel_id, _)| PartyCommand::MakePrimary { channel_id })
        }
        "archive" => {
            let reason = optional(&mut errors, tr, "reason", &form.reason);
            errors
                .is_empty()
                .then_some(PartyCommand::Archive { reason })
        }
        "restore" => Some(PartyCommand::Restore),
        "owner" => match form.owner.parse::<domain::ids::UserId>() {
            Ok(owner) => Some(PartyCommand::AssignOwner(owner)),
            Err(_) => {
                errors.add("owner", tr.t("form-choose"));
                None
            }
        },
        "branch" => match form.branch.trim() {
            "" => Some(PartyCommand::MoveToBranch(None)),
            raw => match raw.parse::<domain::ids::BranchId>() {
                Ok(branch) => Some(PartyCommand::MoveToBranch(Some(branch))),
                Err(_) => {
                    errors.add("branch", tr.t("form-branch"));
                    None
                }
            },
        },
        "field" | "clear-field" => {
            let key = FieldKey::parse("key", &form.key)
                .map_err(|_| errors.add("key", tr.t("form-field-key")))
                .ok();
            if action == "clear-field" {
                key.map(|key| PartyCommand::ClearCustomField { key })
            } else {
                let value = custom_value(&form.field_value);
                if value.is_none() {
                    errors.add("field_value", tr.t("form-required-line"));
                }
                key.zip(value)
                    .map(|(key, value)| PartyCommand::SetCustomField { key, value })
            }
        }
        _ => None,
    };
    match command {
        Some(command) if errors.is_empty() => Ok(command),
        _ => {
            if errors.is_empty() {
                errors.form = Some(tr.t("form-invalid"));
            }
            Err(errors)
        }
    }
}

/// The card again with the failed form as typed and its errors.
async fn shown_again(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    action: &str,
    form: EditForm,
    errors: FormErrors,
) -> Response {
    let mut forms = CardForms::blank(&state.app);
    forms.edit = Some(EditShown {
        action: action.to_owned(),
        form,
        errors,
    });
    render_card(
        state,
        viewer.clone(),
        id,
        forms,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// `POST /customers/{id}/edit/{action}`.
pub async fn edit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<EditForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let party = known_party(&state, &id);
    let current = party.and_then(|party| current(&state, party).map(|current| (party, current)));
    let (Some((party, current)), true) = (current, ACTIONS.contains(&action.as_str())) else {
        return render_card(
            &state,
            viewer.clone(),
            &id,
            CardForms::blank(&state.app),
            StatusCode::NOT_FOUND,
        )
        .await;
    };
    // One id per page for its edit forms; each form's command derives
    // from it and what the form is about, so a resubmitted form changes
    // nothing twice and two forms of one page do not collide.
    let command_id = derived(
        forms::command_id(&state.app, &form.command),
        format!("{action}:{}:{}:{}", form.channel, form.tag, form.key).as_bytes(),
    );
    let command = match parse(tr, &action, &form, &current, command_id) {
        Ok(command) => command,
        Err(errors) => return shown_again(&state, &viewer, &id, &action, form, errors).await,
    };
    let run = app::Run {
        command_id,
        expected_version: None,
    };
    let result = forms::execute_as::<Party, _>(&state, &viewer, run, party, command).await;
    match result {
        Ok(executed) => {
            let location = format!("/customers/{party}");
            forms::redirect_after(&state, executed.last_position, &location).await
        }
        Err(error) => {
            let errors = FormErrors::from_command(
                tr,
                &error,
                &[
                    ("name", "name"),
                    ("legal_name", "legal_name"),
                    ("first_name", "first_name"),
                    ("last_name", "last_name"),
                    ("source", "source"),
                    ("tag", "tag"),
                    ("channel", "value"),
                    ("value", "value"),
                    ("label", "label"),
                    ("reason", "reason"),
                    ("key", "key"),
                    ("value", "field_value"),
                ],
            );
            shown_again(&state, &viewer, &id, &action, form, errors).await
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::web::i18n::Lang;

    fn person() -> Current {
        Current {
            name: PartyNameData::Person {
                first_name: "Ann".into(),
                last_name: None,
            },
            channels: vec![(
                ChannelId::from_uuid(uuid::Uuid::from_u128(7)),
                ChannelKind::Email,
            )],
        }
    }

    /// A person is renamed by first and last name; a blank first name is
    /// refused on its field.
    #[test]
    fn a_person_is_renamed_by_first_and_last_name() {
        let form = EditForm {
            first_name: "Anna".into(),
            last_name: "Berg".into(),
            ..EditForm::default()
        };
        let command = parse(
            Tr::new(Lang::En),
            "rename",
            &form,
            &person(),
            uuid::Uuid::nil(),
        );
        assert!(matches!(
            command,
            Ok(PartyCommand::Rename {
                name: PartyName::Person { .. }
            })
        ));
        let blank = EditForm::default();
        let errors = parse(
            Tr::new(Lang::En),
            "rename",
            &blank,
            &person(),
            uuid::Uuid::nil(),
        )
        .unwrap_err();
        assert!(errors.get("first_name").is_some());
    }

    /// A changed email is checked as an email; a channel the party does
    /// not have is not found.
    #[test]
    fn a_channel_change_is_checked_as_its_kind() {
        let form = EditForm {
            channel: uuid::Uuid::from_u128(7).to_string(),
            value: "not an address".into(),
            ..EditForm::default()
        };
        let errors = parse(
            Tr::new(Lang::En),
            "change-channel",
            &form,
            &person(),
            uuid::Uuid::nil(),
        )
        .unwrap_err();
        assert!(errors.get("value").is_some());
        let elsewhere = EditForm {
            channel: uuid::Uuid::from_u128(8).to_string(),
            value: "ann@example.org".into(),
            ..EditForm::default()
        };
        let errors = parse(
            Tr::new(Lang::En),
            "remove-channel",
            &elsewhere,
            &person(),
            uuid::Uuid::nil(),
        )
        .unwrap_err();
        assert!(errors.form.is_some());
    }
}
