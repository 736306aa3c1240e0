//! The driver's page, made for a phone: today's stops of the vehicles the
//! signed-in user drives (every vehicle's, for a planner who reaches
//! them all), in the order driven, each with its address and window and
//! the buttons the driver presses: on the way, delivered (who took the
//! goods), failed (why).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::access::{Action, Module, Permission};
use domain::fleet::{DeliveryCommand, DeliveryStatus};
use domain::ids::DeliveryId;
use domain::values::Label;
use serde::Deserialize;

use super::fleet::{address_of, status_message, window_text};
use super::forms::{self, FormErrors};
use super::i18n::Tr;
use super::{Page, Section, Viewer, format};
use crate::AppState;

/// A stop of the driver's day.
#[derive(Debug)]
pub struct DriverStop {
    pub id: String,
    pub vehicle: String,
    pub customer: String,
    pub address: String,
    pub window: String,
    pub load: String,
    pub status: String,
    pub status_code: &'static str,
    pub open: bool,
    pub on_the_way: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "driver.html")]
pub struct DriverPage {
    page: Page,
    day: String,
    stops: Vec<DriverStop>,
    command: String,
    failed_stop: String,
    errors: FormErrors,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct StopForm {
    #[serde(default)]
    pub command: String,
    #[serde(default)]
    pub receiver: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub reason: String,
}

fn render(state: &AppState, viewer: &Viewer, failed_stop: &str, errors: FormErrors) -> Response {
    let lang = viewer.lang;
    let tr = Tr::new(lang);
    let page = Page::new(
        viewer,
        Section::Catalog,
        "driver-title",
        "/driver".to_owned(),
    );
    let today = state.app.now().date_naive();
    let caller = viewer.caller().ok();
    let read = Permission::new(Module::Inventory, Action::Read);
    let visible = |id: DeliveryId| {
        caller.as_ref().is_some_and(|caller| {
            app::access::in_reach(
                &state.commands,
                caller,
                read,
                app::access::Kind::Delivery,
                id.as_uuid(),
            )
        })
    };
    let planned = state.read_models.deliveries.read(|deliveries| {
        deliveries
            .routes_on(today)
            .into_iter()
            .flat_map(|(vehicle, _)| {
                let name = deliveries
                    .vehicle(vehicle)
                    .map(|row| format!("{} · {}", row.name, row.plate))
                    .unwrap_or_default();
                deliveries
                    .day_plan(vehicle, today)
                    .1
                    .into_iter()
                    .map(move |(id, row)| (id, row.clone(), name.clone()))
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
    });
    let stops = planned
        .into_iter()
        .filter(|(id, _, _)| visible(*id))
        .map(|(id, row, vehicle)| DriverStop {
            id: id.to_string(),
            vehicle,
            customer: super::orders::customer_name(state, row.party),
            address: address_of(state, row.party),
            window: window_text(row.window),
            load: format!(
                "{} kg · {} m³",
                format::quantity(lang, row.weight_kg),
                format::quantity(lang, row.volume_m3)
            ),
            status: tr.t(status_message(row.status)),
            status_code: row.status.key(),
            open: row.status.pending(),
            on_the_way: row.status == DeliveryStatus::OnTheWay,
        })
        .collect();
    let status = errors.status();
    let page = DriverPage {
        day: format::date(lang, today),
        stops,
        command: state.app.new_id().to_string(),
        failed_stop: failed_stop.to_owned(),
        errors,
        page,
    };
    (status, page).into_response()
}

/// `GET /driver`.
pub async fn page(State(state): State<AppState>, viewer: Viewer) -> Response {
    render(&state, &viewer, "", FormErrors::default())
}

/// `POST /driver/{delivery}/{depart,deliver,fail}`.
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((raw, action)): Path<(String, String)>,
    Form(form): Form<StopForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Some(delivery) = raw.trim().parse::<DeliveryId>().ok() else {
        return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found");
    };
    let mut errors = FormErrors::default();
    let command = match action.as_str() {
        "depart" => DeliveryCommand::Depart,
        "deliver" => match Label::parse("receiver", &form.receiver) {
            Ok(receiver) => DeliveryCommand::Deliver {
                receiver,
                note: Label::parse_optional("note", Some(&form.note))
                    .ok()
                    .flatten(),
            },
            Err(_) => {
                errors.add("receiver", tr.t("driver-receiver-needed"));
                return render(&state, &viewer, &raw, errors);
            }
        },
        "fail" => match Label::parse("reason", &form.reason) {
            Ok(reason) => DeliveryCommand::Fail { reason },
            Err(_) => {
                errors.add("reason", tr.t("driver-reason-needed"));
                return render(&state, &viewer, &raw, errors);
            }
        },
        _ => return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found"),
    };
    let result = match viewer.caller() {
        Ok(caller) => {
            // One page carries one id; each stop's action is its own.
            let page_command = forms::command_id(&state.app, &form.command);
            let run = app::Run {
                command_id: uuid::Uuid::new_v5(
                    &page_command,
                    format!("{action}/{delivery}").as_bytes(),
                ),
                expected_version: None,
            };
            state
                .app
                .deliveries()
                .record(&caller, run, delivery, command, None)
                .await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(executed) => forms::redirect_after(&state, executed.last_position, "/driver").await,
        Err(error) => {
            let errors = FormErrors::from_command(tr, &error, &[]);
            render(&state, &viewer, &raw, errors)
        }
    }
}
