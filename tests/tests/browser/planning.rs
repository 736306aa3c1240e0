//! The tasks, calendar and reports pages, and the dashboard's charts, in
//! the browser.

use super::*;

use domain::planning::Assignee;
use projections::models::tasks::DueWindow;

/// How an owner travels in the tasks page's query string.
fn owner_code(assignee: Assignee) -> String {
    match assignee {
        Assignee::User(user) => user.to_string(),
        Assignee::Group(group) => format!("group:{group}"),
    }
}

/// Whether an element matching `css` is on the page now, read by one
/// script so an htmx swap in between cannot fail the read.
async fn exists(client: &Client, css: &str) -> bool {
    client
        .execute(
            "return document.querySelector(arguments[0]) !== null;",
            vec![json!(css)],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap_or(false)
}

/// Completing a task with its row's button takes it off the open list
/// without a page load, and the completed list then holds it: it protects
/// the row form through `CommandHandler` to the `tasks` read model, and
/// the htmx swap of the list alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_completed_from_the_list_leaves_the_open_list() {
    let app = spawn_app().await;
    let (owner, task) = app.state.read_models.tasks.read(|tasks| {
        tasks
            .assignees()
            .into_iter()
            .find_map(|assignee| {
                let page = tasks.due_page(assignee, DueWindow::default(), None, 1);
                page.rows.first().map(|row| (assignee, row.id))
            })
            .expect("the demo has open tasks")
    });
    let url = format!("{}/tasks?owner={}&show=open", app.base, owner_code(owner));
    let base = app.base.clone();
    let owner = owner_code(owner);
    in_browser(&app, "task_complete", move |client| async move {
        client.goto(&url).await.unwrap();
        wait_for(&client, &format!("#task-list #task-{task}")).await;
        client
            .execute("window.hypercrmMarker = 'same page';", vec![])
            .await
            .unwrap();
        click(&client, &format!("#task-{task} .task-complete")).await;
        let started = Instant::now();
        while exists(&client, &format!("#task-{task}")).await {
            assert!(started.elapsed() < PAGE_WAIT, "the task is still open");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(exists(&client, "#task-results").await, "the list is back");
        let marker = client
            .execute("return window.hypercrmMarker;", vec![])
            .await
            .unwrap();
        assert_eq!(marker, json!("same page"), "the page was not reloaded");

        client
            .goto(&format!("{base}/tasks?owner={owner}&show=completed"))
            .await
            .unwrap();
        wait_for(&client, &format!("#task-{task} .task-reopen")).await;
    })
    .await;
}

/// A calendar entry stands on its day in the week view of one of its
/// attendees, with its time: it protects the wiring from the `calendar`
/// read model to the week and the week's arithmetic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_calendar_entry_shows_in_its_week() {
    let app = spawn_app().await;
    let entry = app.state.read_models.calendar.read(|calendar| {
        calendar.attendees().into_iter().find_map(|attendee| {
            let from = chrono::DateTime::<Utc>::MIN_UTC;
            let to = chrono::DateTime::<Utc>::MAX_UTC;
            calendar
                .agenda(&[attendee], from, to)
                .into_iter()
                .find(|row| row.starts_at.date_naive() == row.ends_at.date_naive())
                .map(|row| (attendee, row.clone()))
        })
    });
    let (attendee, entry) = entry.expect("the demo has calendar entries");
    let day = entry.starts_at.date_naive();
    let time = format!(
        "{}–{}",
        entry.starts_at.format("%H:%M"),
        entry.ends_at.format("%H:%M")
    );
    let url = format!(
        "{}/calendar?owner={}&week={day}",
        app.base,
        owner_code(attendee)
    );
    in_browser(&app, "calendar_week", move |client| async move {
        client.goto(&url).await.unwrap();
        let css = format!(r#"[data-day="{day}"] [data-entry="{}"]"#, entry.id);
        let shown = text_of(&client, &css).await;
        assert!(shown.contains(&entry.title), "{shown} names the entry");
        assert!(shown.contains(&time), "{shown} shows {time}");
        let days = client
            .find_all(Locator::Css("#week .week-day"))
            .await
            .unwrap();
        assert_eq!(days.len(), 7, "a week of days");
        // The week after holds none of this entry.
        click(&client, "#week-next").await;
        wait_for(
            &client,
            &format!(r#"[data-day="{}"]"#, day + chrono::Duration::days(7)),
        )
        .await;
        assert!(!exists(&client, &format!(r#"[data-entry="{}"]"#, entry.id)).await);
    })
    .await;
}

/// Sets a form field's value by script: date inputs take typed keys in
/// the browser's own locale order, a script sets what a user would pick.
async fn set_value(client: &Client, css: &str, value: &str) {
    wait_for(client, css).await;
    client
        .execute(
            "document.querySelector(arguments[0]).value = arguments[1];",
            vec![json!(css), json!(value)],
        )
        .await
        .unwrap();
}

/// A report for a year by month lists rows with a total, and its "Export
/// CSV" link downloads the same rows (one per table row, same periods)
/// as `text/csv` with a header row: it protects the report's wiring to
/// `Sales::report` and the export's promise to match the table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_by_month_shows_rows_and_its_csv_has_the_same_rows() {
    let app = spawn_app().await;
    let to = Utc::now().date_naive();
    let from = to - chrono::Duration::days(364);
    let url = format!("{}/reports", app.base);
    let base = app.base.clone();
    in_browser(&app, "report_csv", move |client| async move {
        client.goto(&url).await.unwrap();
        set_value(&client, "#report-from", &from.to_string()).await;
        set_value(&client, "#report-to", &to.to_string()).await;
        client
            .find(Locator::Css("#report-group"))
            .await
            .unwrap()
            .select_by_value("month")
            .await
            .unwrap();
        click(&client, "#report-submit").await;
        wait_for(&client, "#report-table tbody tr").await;
        let periods: Vec<String> = serde_json::from_value(
            client
                .execute(
                    "return Array.from(document.querySelectorAll('#report-table tbody tr'))\
                     .map(row => row.dataset.period);",
                    vec![],
                )
                .await
                .unwrap(),
        )
        .unwrap();
        assert!(
            periods.len() >= 2,
            "a year holds several months: {periods:?}"
        );
        assert!(!text_of(&client, "#report-total").await.is_empty());
        let debtors = client
            .find_all(Locator::Css("#ageing-customers tbody tr"))
            .await
            .unwrap()
            .len();
        assert!((1..=20).contains(&debtors), "{debtors} debtors listed");
        let href = client
            .find(Locator::Css("#report-csv"))
            .await
            .unwrap()
            .attr("href")
            .await
            .unwrap()
            .unwrap();
        assert!(href.contains("group_by=month"), "{href}");
        let response = get(format!("{base}{href}")).await.unwrap();
        assert_eq!(response.status(), 200);
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(header("content-type"), "text/csv; charset=utf-8");
        assert!(header("content-disposition").starts_with("attachment;"));
        let body = response.text().await.unwrap();
        let lines: Vec<&str> = body.lines().collect();
        assert!(lines[0].starts_with("Period start,"), "{}", lines[0]);
        let csv_periods: Vec<String> = lines[1..]
            .iter()
            .map(|line| line.split(',').next().unwrap().to_owned())
            .collect();
        assert_eq!(csv_periods, periods, "the same rows as the table");
    })
    .await;
}

/// A report whose start lies after its end is refused next to the end
/// field, and both dates stay as they were entered: it protects the
/// promise that forms never lose input.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reversed_report_period_is_shown_next_to_its_field_with_the_typing_kept() {
    let app = spawn_app().await;
    let url = format!("{}/reports", app.base);
    in_browser(&app, "report_bad_period", move |client| async move {
        client.goto(&url).await.unwrap();
        set_value(&client, "#report-from", "2026-03-01").await;
        set_value(&client, "#report-to", "2026-02-01").await;
        click(&client, "#report-submit").await;
        let error = text_of(&client, "#report-to-error").await;
        assert!(!error.is_empty());
        let to = client.find(Locator::Css("#report-to")).await.unwrap();
        assert_eq!(
            to.attr("aria-invalid").await.unwrap().as_deref(),
            Some("true")
        );
        assert_eq!(
            to.prop("value").await.unwrap().as_deref(),
            Some("2026-02-01")
        );
        let from = client.find(Locator::Css("#report-from")).await.unwrap();
        assert_eq!(
            from.prop("value").await.unwrap().as_deref(),
            Some("2026-03-01")
        );
        assert!(
            !exists(&client, "#report-table").await,
            "no report while the form asks for a fix"
        );
    })
    .await;
}

/// After choosing Arabic, the tasks, calendar and reports pages are right
/// to left with Arabic headings: it protects the new pages' strings and
/// the layout's `dir`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tasks_calendar_and_reports_pages_in_arabic_are_right_to_left() {
    let app = spawn_app().await;
    let base = app.base.clone();
    let headings = [
        ("/tasks", arabic("tasks-title")),
        ("/calendar", arabic("calendar-title")),
        ("/reports", arabic("reports-title")),
    ];
    in_browser(&app, "planning_arabic", move |client| async move {
        client.goto(&format!("{base}/tasks")).await.unwrap();
        choose_language(&client, "ar").await;
        wait_for(&client, r#"html[dir="rtl"][lang="ar"]"#).await;
        for (path, heading) in headings {
            client.goto(&format!("{base}{path}")).await.unwrap();
            wait_for(&client, r#"html[dir="rtl"][lang="ar"]"#).await;
            assert_eq!(text_of(&client, "h1").await, heading, "{path}");
            let direction = client
                .execute(
                    "return getComputedStyle(document.querySelector('main')).direction;",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(direction, json!("rtl"), "{path}");
        }
    })
    .await;
}

/// The dashboard draws the funnel (opened, each stage, won, lost), stock
/// value per warehouse with the total in its heading, and receivables in
/// five age buckets, and the page with its assets stays under 200 KB with
/// nothing fetched from elsewhere: it protects the charts' wiring to
/// `sales_funnel`, `stock` and `sales`, and the page weight promise.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_the_funnel_stock_and_ageing_charts() {
    let app = spawn_app().await;
    let to = Utc::now().date_naive();
    let from = to - chrono::Duration::days(364);
    let stages = app.state.read_models.pipeline_board.read(|board| {
        board
            .pipelines()
            .into_iter()
            .map(|row| row.stages.len())
            .collect::<Vec<_>>()
    });
    let warehouses = app
        .state
        .read_models
        .stock
        .read(|stock| stock.warehouses().len());
    assert!(warehouses > 0, "the demo has warehouses");
    let url = format!("{}/?from={from}&to={to}", app.base);
    in_browser(&app, "dashboard_charts", move |client| async move {
        client.goto(&url).await.unwrap();
        // The charts are refreshed every few seconds: count in one script.
        let count = |chart: &'static str| {
            let client = client.clone();
            async move {
                live_count(&client, &format!(r#"[data-chart="{chart}"] svg rect.hbar"#)).await
            }
        };
        let funnel = count("funnel").await;
        assert!(
            stages.iter().any(|stages| funnel == stages + 3),
            "opened, {funnel} rows for one of {stages:?} stages, won, lost"
        );
        assert_eq!(count("stock").await, warehouses.min(12));
        assert_eq!(count("ageing").await, 5);
        let heading = text_of(&client, "#chart-stock-heading").await;
        assert!(heading.chars().any(|c| c.is_ascii_digit()), "{heading}");
        // The sales chart still has one bar per day, none of the rows'.
        assert_eq!(live_count(&client, ".chart svg rect.bar").await, 365);
    })
    .await;

    let page = get(format!("{}/", app.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut bytes = page.len();
    for part in page.split('"').filter(|part| part.starts_with("/assets/")) {
        let asset = get(format!("{}{part}", app.base))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        bytes += asset.len();
    }
    eprintln!(
        "the dashboard weighs {bytes} bytes with its assets ({} of HTML)",
        page.len()
    );
    assert!(bytes < 200_000, "the dashboard weighs {bytes} bytes");
    for external in [r#"src="http"#, r#"href="http"#, r#"src="//"#, r#"href="//"#] {
        assert!(
            !page.contains(external),
            "nothing from elsewhere: {external}"
        );
    }
}

/// Without script a row's form posts and is sent back (303) to the list
/// it came from; posting it again with the version it showed is refused
/// as a conflict (422) on the list, and an unknown task is not found
/// (404) with nothing written: it protects the forms' plain-HTML path
/// and their error paths.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_form_without_script_redirects_back_and_a_stale_one_is_refused() {
    let app = spawn_app().await;
    let (owner, task, version) = app.state.read_models.tasks.read(|tasks| {
        tasks
            .assignees()
            .into_iter()
            .find_map(|assignee| {
                let page = tasks.due_page(assignee, DueWindow::default(), None, 1);
                page.rows.first().map(|row| (assignee, row.id, row.version))
            })
            .expect("the demo has open tasks")
    });
    let client = client_no_redirects(&app.base);
    let back = format!("/tasks?owner={}&show=open", owner_code(owner));
    let post = |path: String, command: Uuid, version: u64| {
        let client = client.clone();
        let body = format!(
            "command={command}&version={version}&back={}",
            back.replace('&', "%26")
                .replace('=', "%3D")
                .replace('?', "%3F")
        );
        let url = format!("{}{path}", app.base);
        async move {
            client
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let done = post(format!("/tasks/{task}/complete"), Uuid::now_v7(), version).await;
    assert_eq!(done.status(), 303);
    assert_eq!(
        done.headers()
            .get("location")
            .and_then(|value| value.to_str().ok()),
        Some(back.as_str())
    );
    let completed = app
        .state
        .read_models
        .tasks
        .read(|tasks| tasks.get(task).map(|row| row.status));
    assert_eq!(
        completed,
        Some(projections::models::tasks::TaskStatus::Completed)
    );

    // Reopening from a page that showed the open task is a stale action.
    let stale = post(format!("/tasks/{task}/reopen"), Uuid::now_v7(), version).await;
    assert_eq!(stale.status(), 422);
    let page = stale.text().await.unwrap();
    assert!(
        page.contains(r#"role="alert""#),
        "the conflict is explained"
    );

    let head = app.state.log.head().position;
    let unknown = post(
        format!("/tasks/{}/complete", Uuid::now_v7()),
        Uuid::now_v7(),
        0,
    )
    .await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(app.state.log.head().position, head, "nothing was written");
}

/// The text of the element with `id` in `page`, tags stripped: enough to
/// compare two answers of the server without a browser.
fn element_text(page: &str, id: &str) -> Option<String> {
    let start = page.find(&format!(r#"id="{id}""#))?;
    let rest = &page[start..];
    let end = rest.find("</tr>").or_else(|| rest.find("</p>"))?;
    let mut text = String::new();
    let mut in_tag = true;
    for character in rest[..end].chars() {
        match character {
            '<' => in_tag = true,
            '>' => in_tag = false,
            other if !in_tag => text.push(other),
            _ => {}
        }
    }
    Some(text)
}

/// A report "as known at" now has the live report's total and says how
/// far into the log it read; as known before the first event it is
/// empty; and a reversed period asked of the CSV export answers the form
/// with the error (400), not a file: it protects the knowledge-time path
/// through `known_at::read` and the export's error path.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_as_known_now_matches_the_live_one_and_before_the_log_is_empty() {
    let app = spawn_app().await;
    let to = Utc::now().date_naive();
    let from = to - chrono::Duration::days(364);
    let report = format!(
        "{}/reports?from={from}&to={to}&group_by=whole&dimension=company",
        app.base
    );
    let read = |url: String| async move {
        let response = get(url).await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    };
    let (status, live) = read(report.clone()).await;
    assert_eq!(status, 200);
    let live_total = element_text(&live, "report-total").unwrap();
    // A field holds whole seconds: the next one is after every event.
    let now = (Utc::now() + chrono::Duration::seconds(1))
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let (status, known) = read(format!("{report}&known_at={now}")).await;
    assert_eq!(status, 200);
    assert_eq!(element_text(&known, "report-total").unwrap(), live_total);
    let note = element_text(&known, "report-known-note").unwrap();
    let head = format::integer(
        Lang::En,
        i64::try_from(app.state.log.head().position).unwrap(),
    );
    assert!(
        note.contains(&head),
        "{note} names the log's position {head}"
    );

    let (status, before) = read(format!("{report}&known_at=2000-01-01T00:00")).await;
    assert_eq!(status, 200);
    assert!(
        before.contains(r#"id="report-empty""#),
        "nothing was known then"
    );

    let response = get(format!(
        "{}/reports/sales.csv?from=2026-03-01&to=2026-02-01",
        app.base
    ))
    .await
    .unwrap();
    assert_eq!(response.status(), 400);
    let page = response.text().await.unwrap();
    assert!(
        page.contains(r#"id="report-to-error""#),
        "the form explains"
    );
}

/// Before anything is recorded the tasks, calendar, reports and
/// dashboard pages answer 200 and say there is nothing yet, and the CSV
/// of no sales is the report page, not an error: it protects a fresh
/// installation's first look.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_planning_pages_render_on_an_empty_log() {
    let data = tempfile::tempdir().unwrap();
    let (log, keys) = app::personal::open_log(data.path(), Options::default()).unwrap();
    let state = api::AppState::start_on(log, keys, data.path(), api::AccessSettings::default())
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    api::auth::ensure_administrator(&state, Some(ADMIN_PASSWORD.to_owned()))
        .await
        .unwrap();
    let app = api::app(state);
    tokio::spawn(async move { api::serve_on(listener, app).await.unwrap() });
    let session = administrator_session(&base).await;
    SESSIONS.lock().unwrap().insert(base.clone(), session);
    let english = api::web::i18n::Tr::new(Lang::En);
    for (path, says) in [
        ("/tasks", english.t("tasks-none-open")),
        ("/calendar", english.t("calendar-nothing")),
        ("/reports", english.t("reports-no-sales")),
        ("/reports/sales.csv", english.t("reports-no-sales")),
        ("/", english.t("chart-funnel-none")),
    ] {
        let response = get(format!("{base}{path}")).await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let page = response.text().await.unwrap();
        assert!(page.contains(&says), "{path} says {says}");
    }
}
