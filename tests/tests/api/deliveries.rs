//! The fleet and deliveries through the real server: a van and a zone, a
//! shipment's delivery planned on the van's day at the zone's cost, a
//! second stop over the capacity refused until the planner goes over, the
//! day's stops reordered, a delivery moved, loaded, on its way and
//! delivered with the proof, another failed and its goods returned; the
//! late and failed lists; every refusal as documented; a driver reaching
//! only the deliveries of the van they drive.

use super::access::{as_user, register, token_of};
use super::*;
use domain::access::Role;

/// Runs every scenario of this file, for the contract check in `main.rs`.
pub(crate) fn scenarios() {
    a_shipment_is_delivered_by_a_van_within_its_capacity();
    deliveries_refuse_bad_requests_and_out_of_reach_records();
}

/// Ships an order of `units` bolts; answers the order and its shipment.
async fn shipped(app: &TestApp, shop: &Shop, units: &str) -> (Uuid, Uuid) {
    let order = confirmed_order(app, shop, units).await;
    app.settle().await;
    let shipped = app
        .send(
            app.client
                .post(format!("{}/api/v1/orders/{order}/ship", app.base)),
        )
        .await;
    assert_eq!(shipped.status, StatusCode::OK, "{:#}", shipped.body);
    app.settle().await;
    let read = app.get(&format!("/api/v1/orders/{order}")).await;
    let shipment = read.body["shipments"][0].as_str().unwrap().parse().unwrap();
    (order, shipment)
}

async fn van(app: &TestApp, plate: &str, driver: Option<Uuid>) -> Uuid {
    app.write(
        "/api/v1/vehicles",
        json!({"plate": plate, "name": "Van", "capacity_kg": "1000", "capacity_m3": "8",
               "driver": driver}),
    )
    .await
    .id
}

fn tomorrow() -> chrono::NaiveDate {
    Utc::now().date_naive() + Duration::days(1)
}

fn plan(order: Uuid, shipment: Uuid, vehicle: Uuid, zone: Option<Uuid>, kg: &str) -> Value {
    json!({"order": order, "shipment": shipment, "vehicle": vehicle, "day": tomorrow(),
           "window": {"from": "09:00", "to": "12:00"}, "zone": zone,
           "weight_kg": kg, "volume_m3": "1"})
}

/// Protects the delivery flow end to end through the API.
#[tokio::test]
async fn a_shipment_is_delivered_by_a_van_within_its_capacity() {
    let app = spawn_app().await;
    let shop = open_shop(&app).await;
    let (order, shipment) = shipped(&app, &shop, "2").await;
    let (other_order, other_shipment) = shipped(&app, &shop, "1").await;
    let first = van(&app, "A 100 AA", None).await;
    let second = van(&app, "B 200 BB", None).await;
    let zone = app
        .write(
            "/api/v1/zones",
            json!({"name": "City", "cost": "12.50",
                   "windows": [{"from": "13:00", "to": "17:00"}, {"from": "09:00", "to": "12:00"}]}),
        )
        .await;
    let zones = app
        .get(&format!("/api/v1/zones?wait_for={}", zone.position))
        .await;
    let zone = zone.id;
    assert_eq!(
        zones.body[0]["windows"][0]["from"], "09:00",
        "{:#}",
        zones.body
    );

    let planned = app
        .post(
            "/api/v1/deliveries",
            plan(order, shipment, first, Some(zone), "700"),
        )
        .await;
    assert_eq!(planned.status, StatusCode::CREATED, "{:#}", planned.body);
    let delivery = planned.written().id;
    let over = app
        .post(
            "/api/v1/deliveries",
            plan(other_order, other_shipment, first, None, "400"),
        )
        .await;
    over.assert_problem(422);
    assert_eq!(over.body["rule"], "route.over_capacity");
    let mut allowed = plan(other_order, other_shipment, first, None, "400");
    allowed["allow_over_capacity"] = json!(true);
    allowed["cost"] = json!("3");
    let other = app.write("/api/v1/deliveries", allowed).await.id;
    let again = app
        .post(
            "/api/v1/deliveries",
            plan(order, shipment, second, None, "1"),
        )
        .await;
    again.assert_problem(422);
    assert_eq!(again.body["rule"], "delivery.already_planned");

    app.settle().await;
    let day = app
        .get(&format!(
            "/api/v1/vehicles/{first}/day-plan?day={}",
            tomorrow()
        ))
        .await;
    assert_eq!(day.status, StatusCode::OK, "{:#}", day.body);
    assert_eq!(dec(&day.body["load_kg"]), Decimal::from(1100));
    assert_eq!(day.body["over_capacity"], true);
    let stops: Vec<&str> = day.body["stops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|stop| stop["id"].as_str().unwrap())
        .collect();
    assert_eq!(stops, [delivery.to_string(), other.to_string()]);
    assert_eq!(dec(&day.body["stops"][0]["cost"]), dec(&json!("12.50")));
    let reordered = app
        .post_with(
            &format!("/api/v1/vehicles/{first}/day-plan/order"),
            json!({"day": tomorrow(), "stops": [other, delivery]}),
            &[("if-match", &format!("\"{}\"", day.body["version"]))],
        )
        .await;
    assert_eq!(reordered.status, StatusCode::OK, "{:#}", reordered.body);

    // The first delivery moves to the second van, then is delivered.
    app.write(
        &format!("/api/v1/deliveries/{delivery}/move"),
        json!({"vehicle": second, "day": tomorrow()}),
    )
    .await;
    app.settle().await;
    let first_day = app
        .get(&format!(
            "/api/v1/vehicles/{first}/day-plan?day={}",
            tomorrow()
        ))
        .await;
    assert_eq!(first_day.body["stops"].as_array().unwrap().len(), 1);
    assert_eq!(dec(&first_day.body["load_kg"]), Decimal::from(400));
    for action in ["load", "depart"] {
        app.write(
            &format!("/api/v1/deliveries/{delivery}/{action}"),
            json!({}),
        )
        .await;
    }
    app.write(
        &format!("/api/v1/deliveries/{delivery}/deliver"),
        json!({"receiver": "Anna at reception", "note": "Back door"}),
    )
    .await;
    app.settle().await;
    let read = app.get(&format!("/api/v1/deliveries/{delivery}")).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.body["status"], "delivered");
    assert_eq!(read.body["receiver"], "Anna at reception");
    assert_eq!(read.body["vehicle"], second.to_string());

    // The other fails and its goods come back.
    app.write(
        &format!("/api/v1/deliveries/{other}/fail"),
        json!({"reason": "Nobody at the address"}),
    )
    .await;
    app.settle().await;
    let failed = app.get("/api/v1/deliveries?only=failed").await;
    assert_eq!(failed.body[0]["id"], other.to_string(), "{:#}", failed.body);
    app.write(&format!("/api/v1/deliveries/{other}/return"), json!({}))
        .await;
    let after_return = app
        .post(
            &format!("/api/v1/deliveries/{other}/deliver"),
            json!({"receiver": "Late"}),
        )
        .await;
    after_return.assert_problem(422);
    for action in ["load", "depart"] {
        app.post(
            &format!("/api/v1/deliveries/{delivery}/{action}"),
            json!({}),
        )
        .await
        .assert_problem(422);
    }
    app.post(
        &format!("/api/v1/deliveries/{delivery}/fail"),
        json!({"reason": "after all"}),
    )
    .await
    .assert_problem(422);
    app.settle().await;
    let failed = app.get("/api/v1/deliveries?only=failed").await;
    assert_eq!(failed.body.as_array().unwrap().len(), 0);
    let of_order = app.get(&format!("/api/v1/deliveries?order={order}")).await;
    assert_eq!(of_order.body[0]["id"], delivery.to_string());
    let late = app.get("/api/v1/deliveries?only=late").await;
    assert_eq!(late.status, StatusCode::OK);
    assert_eq!(
        late.body.as_array().unwrap().len(),
        0,
        "tomorrow's are not late"
    );
    let vehicles = app.get("/api/v1/vehicles").await;
    assert_eq!(vehicles.body.as_array().unwrap().len(), 2);
}

/// Protects the refusals and the reach: bad values by field, missing
/// records, stale versions, rules by name; a driver records only the
/// deliveries of the van they drive, and plans nothing.
#[tokio::test]
async fn deliveries_refuse_bad_requests_and_out_of_reach_records() {
    let app = spawn_app().await;
    let shop = open_shop(&app).await;
    let (order, shipment) = shipped(&app, &shop, "1").await;
    let nobody = Uuid::now_v7();
    let dan = register(&app, "dan", &["driver"], None).await;
    let vehicle = van(&app, "D 1", Some(dan)).await;
    let taken = app
        .post(
            "/api/v1/vehicles",
            json!({"plate": "d-1", "name": "Again", "capacity_kg": "1", "capacity_m3": "1"}),
        )
        .await;
    taken.assert_problem(422);
    assert_eq!(taken.body["rule"], "vehicle.plate_taken");
    let empty = app
        .post(
            "/api/v1/vehicles",
            json!({"plate": "E 1", "name": "Empty", "capacity_kg": "0", "capacity_m3": "1"}),
        )
        .await;
    empty.assert_problem(400);
    assert_eq!(empty.field(), "capacity_kg");
    app.post(
        "/api/v1/vehicles",
        json!({"plate": "E 2", "name": "Ghost", "capacity_kg": "1", "capacity_m3": "1",
               "branch": nobody}),
    )
    .await;
    let bad_window = app
        .post(
            "/api/v1/zones",
            json!({"name": "Z", "cost": "1", "windows": [{"from": "12:00", "to": "09:00"}]}),
        )
        .await;
    bad_window.assert_problem(400);
    assert_eq!(bad_window.field(), "windows[0]");
    let zone = app
        .write("/api/v1/zones", json!({"name": "Z", "cost": "1"}))
        .await
        .id;
    let stale = [("if-match", "\"99\"")];
    for (path, body) in [
        (
            format!("/api/v1/vehicles/{vehicle}/change"),
            json!({"plate": "D 1", "name": "Van", "capacity_kg": "5", "capacity_m3": "5"}),
        ),
        (
            format!("/api/v1/vehicles/{vehicle}/driver"),
            json!({"driver": null}),
        ),
        (format!("/api/v1/vehicles/{vehicle}/retire"), json!({})),
        (
            format!("/api/v1/zones/{zone}/change"),
            json!({"name": "Z2", "cost": "2"}),
        ),
        (format!("/api/v1/zones/{zone}/retire"), json!({})),
    ] {
        app.post_with(&path, body.clone(), &stale)
            .await
            .assert_problem(412);
        let missing = path
            .replace(&vehicle.to_string(), &nobody.to_string())
            .replace(&zone.to_string(), &nobody.to_string());
        app.post(&missing, body.clone()).await.assert_problem(404);
        app.post(&path, json!({"unknown": 1}))
            .await
            .assert_problem(400);
    }
    let other_van = van(&app, "D 2", None).await;
    app.write(
        &format!("/api/v1/vehicles/{other_van}/change"),
        json!({"plate": "D 2", "name": "Van two", "capacity_kg": "900", "capacity_m3": "6"}),
    )
    .await;
    app.write(
        &format!("/api/v1/vehicles/{other_van}/driver"),
        json!({"driver": dan}),
    )
    .await;
    let change_to_taken = app
        .post(
            &format!("/api/v1/vehicles/{other_van}/change"),
            json!({"plate": "D 1", "name": "Van", "capacity_kg": "5", "capacity_m3": "5"}),
        )
        .await;
    change_to_taken.assert_problem(422);

    let bad = app
        .post(
            "/api/v1/deliveries",
            json!({"order": order, "shipment": shipment, "vehicle": vehicle,
                   "day": tomorrow(), "weight_kg": "-1"}),
        )
        .await;
    bad.assert_problem(400);
    assert_eq!(bad.field(), "weight_kg");
    app.post(
        "/api/v1/deliveries",
        plan(order, nobody, vehicle, None, "1"),
    )
    .await
    .assert_problem(404);
    let delivery = app
        .write(
            "/api/v1/deliveries",
            plan(order, shipment, vehicle, Some(zone), "1"),
        )
        .await
        .id;
    app.get(&format!("/api/v1/deliveries/{nobody}"))
        .await
        .assert_problem(404);
    app.get(&format!("/api/v1/deliveries/{}", fuzz::MALFORMED_ID))
        .await
        .assert_problem(400);
    app.get("/api/v1/deliveries?only=soon")
        .await
        .assert_problem(400);
    app.get(&format!(
        "/api/v1/vehicles/{nobody}/day-plan?day={}",
        tomorrow()
    ))
    .await
    .assert_problem(404);
    app.get(&format!("/api/v1/vehicles/{vehicle}/day-plan?day=soon"))
        .await
        .assert_problem(400);
    app.get("/api/v1/vehicles?wait_for=x")
        .await
        .assert_problem(400);
    app.get("/api/v1/zones?wait_for=x")
        .await
        .assert_problem(400);
    let wrong_stops = app
        .post(
            &format!("/api/v1/vehicles/{vehicle}/day-plan/order"),
            json!({"day": tomorrow(), "stops": [nobody]}),
        )
        .await;
    wrong_stops.assert_problem(400);
    app.post(
        &format!("/api/v1/vehicles/{vehicle}/day-plan/order"),
        json!({"day": tomorrow(), "stops": [delivery]}),
    )
    .await;
    app.post_with(
        &format!("/api/v1/vehicles/{vehicle}/day-plan/order"),
        json!({"day": tomorrow(), "stops": [delivery]}),
        &stale,
    )
    .await
    .assert_problem(412);
    app.post(
        &format!("/api/v1/vehicles/{nobody}/day-plan/order"),
        json!({"day": tomorrow(), "stops": []}),
    )
    .await
    .assert_problem(404);
    let not_failed = app
        .post(&format!("/api/v1/deliveries/{delivery}/return"), json!({}))
        .await;
    not_failed.assert_problem(422);
    assert_eq!(not_failed.body["rule"], "delivery.wrong_status");
    for (action, body) in [
        ("move", json!({"vehicle": vehicle, "day": tomorrow()})),
        ("load", json!({})),
        ("depart", json!({})),
        ("deliver", json!({"receiver": "A"})),
        ("fail", json!({"reason": "x"})),
        ("return", json!({})),
    ] {
        let path = format!("/api/v1/deliveries/{delivery}/{action}");
        app.post_with(&path, body.clone(), &stale)
            .await
            .assert_problem(412);
        app.post(&format!("/api/v1/deliveries/{nobody}/{action}"), body)
            .await
            .assert_problem(404);
        app.post(&path, json!({"unknown": 1}))
            .await
            .assert_problem(400);
    }
    let retired = app
        .post(
            &format!("/api/v1/deliveries/{delivery}/move"),
            json!({"vehicle": nobody, "day": tomorrow()}),
        )
        .await;
    retired.assert_problem(404);
    app.write(&format!("/api/v1/vehicles/{other_van}/retire"), json!({}))
        .await;
    let to_retired = app
        .post(
            &format!("/api/v1/deliveries/{delivery}/move"),
            json!({"vehicle": other_van, "day": tomorrow()}),
        )
        .await;
    to_retired.assert_problem(422);
    app.post(
        &format!("/api/v1/vehicles/{other_van}/driver"),
        json!({"driver": null}),
    )
    .await
    .assert_problem(422);
    app.write(
        &format!("/api/v1/zones/{zone}/change"),
        json!({"name": "Z4", "cost": "2"}),
    )
    .await;
    app.write(&format!("/api/v1/zones/{zone}/retire"), json!({}))
        .await;
    app.post(
        &format!("/api/v1/zones/{zone}/change"),
        json!({"name": "Z3", "cost": "1"}),
    )
    .await
    .assert_problem(422);

    // Dan drives the van: he records its delivery; another driver cannot.
    let token = token_of(&app, dan, &[Role::Driver]).await;
    let post = reqwest::Method::POST;
    let (status, body) = as_user(
        &app,
        &token,
        post.clone(),
        &format!("/api/v1/deliveries/{delivery}/deliver"),
        Some(json!({"receiver": "Front desk"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let eve = register(&app, "eve", &["driver"], None).await;
    let eve_token = token_of(&app, eve, &[Role::Driver]).await;
    let (status, _) = as_user(
        &app,
        &eve_token,
        reqwest::Method::GET,
        &format!("/api/v1/deliveries/{delivery}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, body) = as_user(
        &app,
        &eve_token,
        reqwest::Method::GET,
        "/api/v1/deliveries?only=late",
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = as_user(
        &app,
        &token,
        post,
        "/api/v1/deliveries",
        Some(plan(order, shipment, vehicle, None, "1")),
    )
    .await;
    assert_eq!(status, 403, "a driver plans nothing");
}
