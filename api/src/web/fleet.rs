//! The fleet's pages: the vehicles and zones (registered and defined
//! here), a vehicle's day as a printable route sheet (its stops in order,
//! their load against the capacity), and planning a shipment's delivery
//! from its order's page.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, NaiveTime};
use domain::access::{Action, Module};
use domain::catalog::UnitPrice;
use domain::fleet::vehicle::{Vehicle, VehicleCommand, VehicleDetails};
use domain::fleet::zone::{Zone, ZoneCommand, ZoneDetails};
use domain::fleet::{DeliveryStatus, Window};
use domain::ids::{DeliveryId, OrderId, ShipmentId, VehicleId, ZoneId};
use domain::values::Label;
use serde::Deserialize;

use super::forms::{self, FormErrors, OwnedChoice};
use super::i18n::{Lang, Tr};
use super::{Page, Section, Viewer, format};
use crate::AppState;

pub(crate) fn status_message(status: DeliveryStatus) -> &'static str {
    match status {
        DeliveryStatus::Planned => "delivery-status-planned",
        DeliveryStatus::Loaded => "delivery-status-loaded",
        DeliveryStatus::OnTheWay => "delivery-status-on-the-way",
        DeliveryStatus::Delivered => "delivery-status-delivered",
        DeliveryStatus::Failed => "delivery-status-failed",
        DeliveryStatus::Returned => "delivery-status-returned",
    }
}

pub(crate) fn window_text(window: Option<Window>) -> String {
    window
        .map(|window| {
            format!(
                "{}–{}",
                window.from.format("%H:%M"),
                window.to.format("%H:%M")
            )
        })
        .unwrap_or_default()
}

/// A vehicle of the list.
#[derive(Debug)]
pub struct VehicleView {
    pub id: String,
    pub plate: String,
    pub name: String,
    pub capacity: String,
    pub retired: bool,
    pub today_href: String,
}

/// A zone of the list.
#[derive(Debug)]
pub struct ZoneView {
    pub name: String,
    pub cost: String,
    pub windows: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "fleet.html")]
pub struct FleetPage {
    page: Page,
    vehicles: Vec<VehicleView>,
    zones: Vec<ZoneView>,
    can_create: bool,
    form: FleetForm,
    failed: String,
    errors: FormErrors,
    command: String,
}

/// The fleet page's forms, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct FleetForm {
    #[serde(default)]
    pub command: String,
    #[serde(default)]
    pub plate: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub capacity_kg: String,
    #[serde(default)]
    pub capacity_m3: String,
    #[serde(default)]
    pub zone_name: String,
    #[serde(default)]
    pub cost: String,
    #[serde(default)]
    pub window_from: String,
    #[serde(default)]
    pub window_to: String,
}

fn kg_m3(lang: Lang, kg: rust_decimal::Decimal, m3: rust_decimal::Decimal) -> String {
    format!(
        "{} kg · {} m³",
        format::quantity(lang, kg),
        format::quantity(lang, m3)
    )
}

fn render(
    state: &AppState,
    viewer: &Viewer,
    failed: &str,
    form: FleetForm,
    errors: FormErrors,
) -> Response {
    let page = Page::new(viewer, Section::Catalog, "fleet-title", "/fleet".to_owned());
    let lang = viewer.lang;
    let today = state.app.now().date_naive();
    let company = state.app.currency().company_currency().ok().flatten();
    let (vehicles, zones) = state.read_models.deliveries.read(|deliveries| {
        let vehicles = deliveries
            .vehicles()
            .map(|(id, row)| VehicleView {
                id: id.to_string(),
                plate: row.plate.clone(),
                name: row.name.clone(),
                capacity: kg_m3(lang, row.capacity_kg, row.capacity_m3),
                retired: row.retired,
                today_href: format!("/fleet/day?vehicle={id}&day={today}"),
            })
            .collect();
        let zones = deliveries
            .zones()
            .filter(|(_, row)| !row.retired)
            .map(|(_, row)| ZoneView {
                name: row.name.clone(),
                cost: match company {
                    Some(currency) => format::money(lang, row.cost, currency),
                    None => format::quantity(lang, row.cost),
                },
                windows: row
                    .windows
                    .iter()
                    .map(|window| window_text(Some(*window)))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect();
        (vehicles, zones)
    });
    let status = errors.status();
    let page = FleetPage {
        vehicles,
        zones,
        can_create: viewer.allows(Module::Inventory, Action::Create),
        command: forms::command_id(&state.app, &form.command).to_string(),
        form,
        failed: failed.to_owned(),
        errors,
        page,
    };
    (status, page).into_response()
}

/// `GET /fleet`.
pub async fn page(State(state): State<AppState>, viewer: Viewer) -> Response {
    render(
        &state,
        &viewer,
        "",
        FleetForm::default(),
        FormErrors::default(),
    )
}

/// `POST /fleet/{vehicle,zone}`: registers a vehicle or defines a zone.
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(action): Path<String>,
    Form(form): Form<FleetForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let mut errors = FormErrors::default();
    let caller = match viewer.caller() {
        Ok(caller) => caller,
        Err(_) => {
            return super::refused_page(StatusCode::FORBIDDEN, viewer.lang, "refused-forbidden");
        }
    };
    let command_id = forms::command_id(&state.app, &form.command);
    let run = app::Run {
        command_id,
        expected_version: None,
    };
    let number = |field: &'static str, text: &str, errors: &mut FormErrors| {
        let value = format::parse_decimal(text.trim());
        if value.is_none() {
            errors.add(field, tr.t("form-positive-number"));
        }
        value.unwrap_or_default()
    };
    let result = match action.as_str() {
        "vehicle" => {
            let plate = Label::parse("plate", &form.plate);
            if plate.is_err() {
                errors.add("plate", tr.t("form-one-line"));
            }
            let name = Label::parse("name", &form.name);
            if name.is_err() {
                errors.add("name", tr.t("form-one-line"));
            }
            let capacity_kg = number("capacity_kg", &form.capacity_kg, &mut errors);
            let capacity_m3 = number("capacity_m3", &form.capacity_m3, &mut errors);
            let (Ok(plate), Ok(name), true) = (plate, name, errors.is_empty()) else {
                return render(&state, &viewer, "vehicle", form, errors);
            };
            if state
                .read_models
                .deliveries
                .read(|deliveries| deliveries.plate_taken(plate.as_str(), None))
            {
                errors.add("plate", tr.t("fleet-plate-taken"));
                return render(&state, &viewer, "vehicle", form, errors);
            }
            let id = VehicleId::from_uuid(domain::ids::derived(command_id, b"vehicle"));
            let command = VehicleCommand::Register {
                details: VehicleDetails {
                    plate,
                    name,
                    capacity_kg,
                    capacity_m3,
                },
                driver: None,
                branch: caller.branch,
            };
            state
                .app
                .execute::<Vehicle, _>(&caller, run, id, command, None)
                .await
        }
        "zone" => {
            let name = Label::parse("name", &form.zone_name);
            if name.is_err() {
                errors.add("zone_name", tr.t("form-one-line"));
            }
            let cost = format::parse_decimal(form.cost.trim())
                .and_then(|cost| UnitPrice::parse("cost", cost).ok());
            if cost.is_none() {
                errors.add("cost", tr.t("form-positive-number"));
            }
            let window = match (form.window_from.trim(), form.window_to.trim()) {
                ("", "") => Ok(None),
                (from, to) => parse_window(from, to).map(Some).ok_or(()),
            };
            if window.is_err() {
                errors.add("window", tr.t("fleet-window-invalid"));
            }
            let (Ok(name), Some(cost), Ok(window)) = (name, cost, window) else {
                return render(&state, &viewer, "zone", form, errors);
            };
            let id = ZoneId::from_uuid(domain::ids::derived(command_id, b"zone"));
            let command = ZoneCommand::Define(ZoneDetails {
                name,
                cost,
                windows: window.into_iter().collect(),
            });
            state
                .app
                .execute::<Zone, _>(&caller, run, id, command, None)
                .await
        }
        _ => return super::refused_page(StatusCode::NOT_FOUND, viewer.lang, "refused-not-found"),
    };
    match result {
        Ok(executed) => forms::redirect_after(&state, executed.last_position, "/fleet").await,
        Err(error) => {
            let errors = FormErrors::from_command(
                tr,
                &error,
                &[
                    ("capacity_kg", "capacity_kg"),
                    ("capacity_m3", "capacity_m3"),
                ],
            );
            render(&state, &viewer, &action, form, errors)
        }
    }
}

/// A window as typed (`09:00`, `12:00`).
pub(crate) fn parse_window(from: &str, to: &str) -> Option<Window> {
    let time = |text: &str| NaiveTime::parse_from_str(text, "%H:%M").ok();
    Window::parse("window", time(from)?, time(to)?).ok()
}

/// A stop of a route sheet.
#[derive(Debug)]
pub struct StopView {
    pub number: usize,
    pub order_href: String,
    pub order: String,
    pub customer: String,
    pub address: String,
    pub window: String,
    pub load: String,
    pub status: String,
    pub status_code: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "fleet_day.html")]
pub struct DayPage {
    page: Page,
    day_value: String,
    vehicles: Vec<OwnedChoice>,
    load: String,
    capacity: String,
    over: bool,
    stops: Vec<StopView>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DayQuery {
    #[serde(default)]
    vehicle: String,
    #[serde(default)]
    day: String,
}

/// The customer's postal addresses, one line.
pub(crate) fn address_of(state: &AppState, party: domain::ids::PartyId) -> String {
    match state.app.load::<domain::parties::Party>(party) {
        Ok((Some(found), _)) => found
            .channels
            .iter()
            .filter(|channel| channel.kind == domain::channel::ChannelKind::PostalAddress)
            .map(|channel| channel.value.clone())
            .collect::<Vec<_>>()
            .join("; "),
        _ => String::new(),
    }
}

/// `GET /fleet/day?vehicle&day`: a vehicle's day as a route sheet.
pub async fn day(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<DayQuery>,
) -> Response {
    let lang = viewer.lang;
    let tr = Tr::new(lang);
    let today = state.app.now().date_naive();
    let day = query.day.trim().parse::<NaiveDate>().unwrap_or(today);
    let vehicles: Vec<(VehicleId, String)> = state.read_models.deliveries.read(|deliveries| {
        deliveries
            .vehicles()
            .filter(|(_, row)| !row.retired)
            .map(|(id, row)| (id, format!("{} · {}", row.name, row.plate)))
            .collect()
    });
    let chosen = query
        .vehicle
        .trim()
        .parse::<VehicleId>()
        .ok()
        .or_else(|| vehicles.first().map(|(id, _)| *id));
    let mut page = Page::new(
        &viewer,
        Section::Catalog,
        "fleet-day-title",
        format!(
            "/fleet/day?vehicle={}&day={day}",
            chosen.map(|id| id.to_string()).unwrap_or_default()
        ),
    );
    let mut stops = Vec::new();
    let (mut load, mut capacity, mut over, mut name) =
        (String::new(), String::new(), false, String::new());
    if let Some(vehicle) = chosen {
        let found = state.read_models.deliveries.read(|deliveries| {
            let row = deliveries.vehicle(vehicle)?.clone();
            let (route, stops) = deliveries.day_plan(vehicle, day);
            let stops: Vec<_> = stops
                .into_iter()
                .map(|(id, row)| (id, row.clone()))
                .collect();
            Some((row, route, stops))
        });
        if let Some((row, route, planned)) = found {
            name = format!("{} · {}", row.name, row.plate);
            load = kg_m3(lang, route.load_kg, route.load_m3);
            capacity = kg_m3(lang, row.capacity_kg, row.capacity_m3);
            over = route.load_kg > row.capacity_kg || route.load_m3 > row.capacity_m3;
            stops = planned
                .into_iter()
                .enumerate()
                .map(|(index, (_, stop))| StopView {
                    number: index + 1,
                    order_href: format!("/orders/{}", stop.order),
                    order: super::orders::order_label(&state, stop.order),
                    customer: super::orders::customer_name(&state, stop.party),
                    address: address_of(&state, stop.party),
                    window: window_text(stop.window),
                    load: kg_m3(lang, stop.weight_kg, stop.volume_m3),
                    status: tr.t(status_message(stop.status)),
                    status_code: stop.status.key(),
                })
                .collect();
        }
    }
    page.title = tr.t2(
        "fleet-day-heading",
        "vehicle",
        &name,
        "day",
        &format::date(lang, day),
    );
    DayPage {
        day_value: day.to_string(),
        vehicles: vehicles
            .into_iter()
            .map(|(id, label)| OwnedChoice {
                selected: Some(id) == chosen,
                value: id.to_string(),
                label,
            })
            .collect(),
        load,
        capacity,
        over,
        stops,
        page,
    }
    .into_response()
}

/// The plan-a-delivery form of an order's page, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PlanForm {
    #[serde(default)]
    pub command: String,
    #[serde(default)]
    pub shipment: String,
    #[serde(default)]
    pub vehicle: String,
    #[serde(default)]
    pub day: String,
    #[serde(default)]
    pub zone: String,
    #[serde(default)]
    pub window_from: String,
    #[serde(default)]
    pub window_to: String,
    #[serde(default)]
    pub weight_kg: String,
    #[serde(default)]
    pub volume_m3: String,
    /// "on": book it even over the vehicle's capacity.
    #[serde(default)]
    pub allow_over: String,
}

/// `POST /orders/{id}/deliveries`: plans a shipment's delivery, then
/// shows the order (with why, when refused).
pub async fn plan(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Form(form): Form<PlanForm>,
) -> Response {
    let tr = Tr::new(viewer.lang);
    let Some(order) = raw.trim().parse::<OrderId>().ok() else {
        return super::orders::order_not_found(&viewer, &raw);
    };
    let mut errors = FormErrors::default();
    let shipment = form.shipment.trim().parse::<ShipmentId>().ok();
    let vehicle = form.vehicle.trim().parse::<VehicleId>().ok();
    if vehicle.is_none() {
        errors.add("delivery_vehicle", tr.t("form-choose"));
    }
    let day = form.day.trim().parse::<NaiveDate>().ok();
    if day.is_none() {
        errors.add("delivery_day", tr.t("form-date"));
    }
    let zone = match form.zone.trim() {
        "" => Ok(None),
        raw => raw.parse::<ZoneId>().map(Some).map_err(|_| ()),
    };
    let window = match (form.window_from.trim(), form.window_to.trim()) {
        ("", "") => Ok(None),
        (from, to) => parse_window(from, to).map(Some).ok_or(()),
    };
    if window.is_err() {
        errors.add("delivery_window", tr.t("fleet-window-invalid"));
    }
    let measure = |text: &str| match text.trim() {
        "" => Some(rust_decimal::Decimal::ZERO),
        text => format::parse_decimal(text)
            .and_then(|value| domain::fleet::load_measure("load", value).ok()),
    };
    let (weight, volume) = (measure(&form.weight_kg), measure(&form.volume_m3));
    if weight.is_none() {
        errors.add("delivery_weight", tr.t("form-positive-number"));
    }
    if volume.is_none() {
        errors.add("delivery_volume", tr.t("form-positive-number"));
    }
    let (
        Some(shipment),
        Some(vehicle),
        Some(day),
        Ok(zone),
        Ok(window),
        Some(weight_kg),
        Some(volume_m3),
        true,
    ) = (
        shipment,
        vehicle,
        day,
        zone,
        window,
        weight,
        volume,
        errors.is_empty(),
    )
    else {
        if errors.is_empty() {
            errors.form = Some(tr.t("form-not-found"));
        }
        return super::orders::show_with(&state, &viewer, &raw, errors).await;
    };
    let result = match viewer.caller() {
        Ok(caller) => {
            let run = app::Run {
                command_id: forms::command_id(&state.app, &form.command),
                expected_version: None,
            };
            let new = app::deliveries::NewDelivery {
                order,
                shipment,
                vehicle,
                day,
                window,
                zone,
                weight_kg,
                volume_m3,
                cost: None,
                allow_over: form.allow_over == "on",
            };
            state.app.deliveries().plan(&caller, run, new).await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(planned) => {
            forms::redirect_after(
                &state,
                planned.executed.last_position,
                &format!("/orders/{order}"),
            )
            .await
        }
        Err(error) => {
            let errors = FormErrors::from_command(tr, &error, &[]);
            super::orders::show_with(&state, &viewer, &raw, errors).await
        }
    }
}

/// A delivery of an order, on its page.
#[derive(Debug)]
pub struct OrderDeliveryView {
    pub id: String,
    pub day: String,
    pub vehicle: String,
    pub day_href: String,
    pub window: String,
    pub status: String,
    pub status_code: &'static str,
    pub cost: String,
}

/// What an order's page shows of its deliveries: those planned, the
/// shipments still to plan, and the choices of the plan form.
#[derive(Debug, Default)]
pub struct OrderDeliveries {
    pub planned: Vec<OrderDeliveryView>,
    pub unplanned: Vec<OwnedChoice>,
    pub vehicles: Vec<OwnedChoice>,
    pub zones: Vec<OwnedChoice>,
    pub today: String,
}

/// The deliveries part of `order`'s page.
pub(crate) fn of_order(
    state: &AppState,
    lang: Lang,
    order: OrderId,
    shipments: &[ShipmentId],
) -> OrderDeliveries {
    let tr = Tr::new(lang);
    state.read_models.deliveries.read(|deliveries| {
        let planned: Vec<OrderDeliveryView> = deliveries
            .of_order(order)
            .into_iter()
            .map(|(id, row)| {
                let vehicle = deliveries
                    .vehicle(row.vehicle)
                    .map(|vehicle| format!("{} · {}", vehicle.name, vehicle.plate))
                    .unwrap_or_default();
                OrderDeliveryView {
                    id: id.to_string(),
                    day: format::date(lang, row.day),
                    vehicle,
                    day_href: format!("/fleet/day?vehicle={}&day={}", row.vehicle, row.day),
                    window: window_text(row.window),
                    status: tr.t(status_message(row.status)),
                    status_code: row.status.key(),
                    cost: format::money(lang, row.cost, row.currency),
                }
            })
            .collect();
        let unplanned = shipments
            .iter()
            .filter(|shipment| {
                deliveries
                    .get(DeliveryId::for_shipment(**shipment))
                    .is_none()
            })
            .enumerate()
            .map(|(index, shipment)| OwnedChoice {
                value: shipment.to_string(),
                label: tr.t1("delivery-shipment", "number", &(index + 1).to_string()),
                selected: index == 0,
            })
            .collect();
        OrderDeliveries {
            planned,
            unplanned,
            vehicles: deliveries
                .vehicles()
                .filter(|(_, row)| !row.retired)
                .map(|(id, row)| OwnedChoice {
                    value: id.to_string(),
                    label: format!("{} · {}", row.name, row.plate),
                    selected: false,
                })
                .collect(),
            zones: std::iter::once(OwnedChoice {
                value: String::new(),
                label: tr.t("delivery-no-zone"),
                selected: true,
            })
            .chain(
                deliveries
                    .zones()
                    .filter(|(_, row)| !row.retired)
                    .map(|(id, row)| OwnedChoice {
                        value: id.to_string(),
                        label: row.name.clone(),
                        selected: false,
                    }),
            )
            .collect(),
            today: state.app.now().date_naive().to_string(),
        }
    })
}
