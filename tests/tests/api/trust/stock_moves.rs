//! Finding 5: a storekeeper's transfer into another branch's warehouse
//! was refused after its departure was written (the goods left and stayed
//! in transit), and storekeepers could add lines to, confirm and ship
//! orders from another branch's warehouse.

use super::*;

/// A storekeeper of the north branch, the north and south warehouses,
/// and a product with ten units in each.
struct Branches {
    stu: Person,
    north: Uuid,
    south: Uuid,
    shop: Shop,
}

async fn branches(app: &TestApp) -> Branches {
    let (north_branch, south_branch) = (Uuid::now_v7(), Uuid::now_v7());
    let stu = person(app, "stu", Role::Storekeeper, Some(north_branch)).await;
    let shop = open_shop(app).await;
    let mut warehouses = Vec::new();
    for (name, branch) in [("North", north_branch), ("South", south_branch)] {
        let warehouse = app
            .write(
                "/api/v1/warehouses",
                json!({"name": name, "branch": branch}),
            )
            .await
            .id;
        app.write(
            "/api/v1/stock/receipts",
            json!({"product": shop.product, "warehouse": warehouse, "quantity": "10", "unit_cost": "2"}),
        )
        .await;
        warehouses.push(warehouse);
    }
    app.settle().await;
    Branches {
        stu,
        north: warehouses[0],
        south: warehouses[1],
        shop,
    }
}

/// Protects "all checks before the first event": a transfer into another
/// branch's warehouse is refused with nothing written, and one within the
/// branch's reach still goes through.
#[tokio::test]
async fn a_refused_transfer_moves_no_stock() {
    let app = spawn_app().await;
    let branches = branches(&app).await;
    let transfer = |to: Uuid| {
        json_as(
            &app,
            &branches.stu.token,
            reqwest::Method::POST,
            "/api/v1/stock/transfers",
            Some(
                json!({"product": branches.shop.product, "from": branches.north,
                        "to": to, "quantity": "4"}),
            ),
        )
    };
    let head = app.state.log.head().position;
    let (status, out_of_reach) = transfer(branches.south).await;
    let nowhere = Uuid::now_v7();
    let (missing_status, missing) = transfer(nowhere).await;
    assert_alike(
        (status, &out_of_reach, branches.south),
        (missing_status, &missing, nowhere),
    );
    assert_eq!(
        app.state.log.head().position,
        head,
        "no departure was written"
    );
    app.settle().await;
    let (_, stock) = json_as(
        &app,
        &app.token,
        reqwest::Method::GET,
        &format!("/api/v1/products/{}/stock", branches.shop.product),
        None,
    )
    .await;
    // Ten in the shop's own warehouse and ten in each branch's: none left.
    assert_eq!(dec(&stock["on_hand"]), Decimal::from(30), "{stock:#}");
}

/// Protects branch scope on every path that moves stock: a storekeeper
/// cannot add a line to, confirm or ship an order of another branch's
/// warehouse, and still can in their own.
#[tokio::test]
async fn a_storekeeper_moves_no_stock_of_another_branch_through_an_order() {
    let app = spawn_app().await;
    let branches = branches(&app).await;
    let draft = |warehouse: Uuid| {
        app.write(
            "/api/v1/orders",
            json!({"party": branches.shop.party, "price_list": branches.shop.price_list,
                   "warehouse": warehouse}),
        )
    };
    let line = json!({"product": branches.shop.product, "quantity": "2"});
    let theirs = draft(branches.south).await.id;
    let as_stu = |path: String, body: Value| {
        json_as(
            &app,
            &branches.stu.token,
            reqwest::Method::POST,
            path,
            Some(body),
        )
    };
    let head = app.state.log.head().position;
    let (status, _) = as_stu(format!("/api/v1/orders/{theirs}/lines"), line.clone()).await;
    assert_eq!(status, 404, "a line");
    app.write(&format!("/api/v1/orders/{theirs}/lines"), line.clone())
        .await;
    let head_after_line = app.state.log.head().position;
    assert!(head_after_line > head);
    let (status, _) = as_stu(format!("/api/v1/orders/{theirs}/confirm"), json!({})).await;
    assert_eq!(status, 404, "a confirmation");
    app.write(&format!("/api/v1/orders/{theirs}/confirm"), json!({}))
        .await;
    app.settle().await;
    let head = app.state.log.head().position;
    let (status, _) = as_stu(format!("/api/v1/orders/{theirs}/ship"), json!({})).await;
    assert_eq!(status, 404, "a shipment");
    assert_eq!(app.state.log.head().position, head, "nothing was shipped");

    let mine = draft(branches.north).await.id;
    let (status, body) = as_stu(format!("/api/v1/orders/{mine}/lines"), line).await;
    assert_eq!(status, 200, "{body:#}");
}
