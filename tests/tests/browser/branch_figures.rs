//! Figures per branch (issue 17): the head office sees the branches side
//! by side on the dashboard, by name; a branch chosen on the dashboard or
//! in the reports limits every figure to it; a branch id that does not
//! read is refused next to its select; the same in Arabic.

use chrono::Datelike;
use projections::models::sales::{Period, ReportCurrency, ReportQuery};

use super::catalog::choose;
use super::*;

/// The demo's first named branch that sold something, with its name as
/// pages show it.
fn a_selling_branch(app: &TestApp) -> (domain::ids::BranchId, String) {
    let sold = app
        .state
        .read_models
        .sales
        .read(|sales| sales.branches_with_figures());
    app.state.read_models.users.read(|users| {
        sold.into_iter()
            .flatten()
            .find_map(|id| {
                users
                    .branch(id)
                    .map(|row| (id, format!("{} ({})", row.name, row.code)))
            })
            .expect("the demo sells in named branches")
    })
}

/// Protects the dashboard's branch view: the side-by-side row of a branch
/// shows what the sales model counts for it, and choosing the branch
/// makes every card that branch's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_branches_side_by_side_and_one_branch_alone() {
    let app = spawn_app().await;
    let (branch, name) = a_selling_branch(&app);
    let to = Utc::now().date_naive();
    let from = to - chrono::Duration::days(364);
    let (kpis, company) = (
        app.state
            .read_models
            .sales
            .read(|sales| sales.branch_kpis_over(Some(branch), from, to)),
        app.state
            .read_models
            .director_kpis
            .read(|kpis| kpis.over(from, to)),
    );
    assert!(
        kpis.orders > 0 && kpis.orders < company.orders,
        "the branch sold part of the year's orders: {} of {}",
        kpis.orders,
        company.orders
    );
    let expected_orders = format::integer(Lang::En, kpis.orders);
    let base = app.base.clone();
    in_browser(&app, "dashboard_branches", move |client| async move {
        client
            .goto(&format!("{base}/?from={from}&to={to}"))
            .await
            .unwrap();
        let row = format!(r#"#branches-table tr[data-branch="{branch}"]"#);
        wait_for(&client, &row).await;
        assert_eq!(text_of(&client, &format!("{row} th")).await, name);
        // The fourth figure: orders in the period.
        assert_eq!(
            text_of(&client, &format!("{row} td:nth-of-type(4)")).await,
            expected_orders
        );

        choose(&client, "#period-branch", &branch.to_string()).await;
        click(&client, ".period-form button[type=submit]").await;
        wait_for_text(&client, "#period-heading", &name).await;
        assert_eq!(
            text_of(&client, r#"[data-kpi="orders-period"] .value"#).await,
            expected_orders
        );
        assert!(
            client.find(Locator::Css("#branches-table")).await.is_err(),
            "one branch alone has no side-by-side table"
        );

        // A branch id that does not read: said next to the select.
        client.goto(&format!("{base}/?branch=north")).await.unwrap();
        wait_for(&client, "#period-branch-error").await;
        let select = client.find(Locator::Css("#period-branch")).await.unwrap();
        assert_eq!(
            select.attr("aria-invalid").await.unwrap().as_deref(),
            Some("true")
        );

        client.goto(&format!("{base}/")).await.unwrap();
        choose_language(&client, "ar").await;
        wait_for(&client, "html[dir=rtl]").await;
        wait_for_text(&client, "#branches-heading", "الفروع").await;
    })
    .await;
}

/// Protects the reports' branch filter: the report of a branch counts
/// its orders only and says whose it is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_of_one_branch_counts_its_orders_only() {
    let app = spawn_app().await;
    let (branch, name) = a_selling_branch(&app);
    let today = Utc::now().date_naive();
    let from = today.with_day(1).unwrap() - chrono::Months::new(11);
    // The page counts every currency in the company's unless asked.
    let orders = |branch| {
        app.state.read_models.sales.read(|sales| {
            sales
                .report(&ReportQuery {
                    from,
                    to: today,
                    currency: ReportCurrency::Company,
                    period: Period::Whole,
                    dimension: None,
                    branch,
                })
                .first()
                .map_or(0, |row| row.figures.orders)
        })
    };
    let (of_branch, of_company) = (orders(Some(branch)), orders(None));
    assert!(of_branch > 0 && of_branch < of_company);
    let expected = format::integer(Lang::En, of_branch);
    let base = app.base.clone();
    in_browser(&app, "report_of_a_branch", move |client| async move {
        client.goto(&format!("{base}/reports")).await.unwrap();
        choose(&client, "#report-group", "whole").await;
        choose(&client, "#report-branch", &branch.to_string()).await;
        click(&client, "#report-submit").await;
        wait_for_text(&client, "#report-heading", &name).await;
        wait_for_text(&client, "#ageing-heading", &name).await;
        // The first figure of the total row: orders.
        assert_eq!(
            text_of(&client, "#report-total td:nth-of-type(1)").await,
            expected
        );
    })
    .await;
}
