//! Administration over HTTP: the online backup, restored into a new data
//! folder and served again.

use super::*;

/// Runs every scenario of this file, for the contract check in `main.rs`.
pub(crate) fn scenarios() {
    an_online_backup_restores_to_a_server_with_the_same_answers();
}

/// Protects the backup an administrator takes from a running server: it
/// is complete (the head the server had), a position past the head is a
/// 400, and the data folder restored from it serves the very same
/// answers (orders, stock, KPIs, reports, parties) after rebuilding its
/// read models from the restored log.
#[tokio::test]
async fn an_online_backup_restores_to_a_server_with_the_same_answers() {
    let app = spawn_app().await;
    let shop = open_shop(&app).await;
    let order = confirmed_order(&app, &shop, "3").await;
    let shipped = app
        .send(
            app.client
                .post(format!("{}/api/v1/orders/{order}/ship", app.base)),
        )
        .await;
    assert_eq!(shipped.status, StatusCode::OK, "{:#}", shipped.body);
    app.settle().await;
    assert_eq!(app.get("/api/v1/admin/backup").await.status, StatusCode::OK);
    app.get("/api/v1/admin/backup?since=999999")
        .await
        .assert_problem(400);

    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("online.hcbak");
    let summary = app::backup::backup_online(&app.base, &app.token, 0, &file)
        .await
        .unwrap();
    assert_eq!(summary.header.last_position, app.state.log.head().position);
    assert_eq!(summary.header.head_hash, app.state.log.head().hash);
    let restored_folder = files.path().join("restored");
    let report = app::backup::restore(&[file], &restored_folder).unwrap();
    assert_eq!(report.hash, app.state.log.head().hash);

    let restored = spawn_app_in(&restored_folder).await;
    restored.settle().await;
    let today = Utc::now().date_naive();
    let month_start = today.with_day(1).unwrap();
    for path in [
        format!("/api/v1/orders/{order}"),
        format!("/api/v1/products/{}/stock", shop.product),
        format!("/api/v1/kpis?day={today}"),
        format!(
            "/api/v1/reports/sales?from={month_start}&to={today}&group_by=month&dimension=product&currency=EUR"
        ),
        "/api/v1/parties?limit=50".to_owned(),
    ] {
        let original = app.get(&path).await;
        assert_eq!(original.status, StatusCode::OK, "{path}");
        assert_eq!(restored.get(&path).await.body, original.body, "{path}");
    }
    restored.stop().await;
}
