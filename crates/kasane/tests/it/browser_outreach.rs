//! Step 8 in a real browser (headless Chromium over WebDriver), through the pages only:
//!
//! 1. 社会福祉協議会's coordinator records a 民生委員's call about a man nobody has seen for
//!    weeks (an intake), and from the intake's page begins アウトリーチ: the form comes
//!    with the 民生委員 as 情報提供者 and what the call said.
//! 2. Three visits reaching nobody (置き手紙), 70, 55 and 40 days ago: the home page's
//!    worklist shows the case as overdue and three attempts in a row reaching nobody.
//! 3. A visit today that meets him; the stage moves to 接触 on it — and the worklist no
//!    longer shows the case.
//! 4. The team's view at 768 px (a tablet before a visit: nothing wider than the window)
//!    and the 訪問予定表 as it prints.
//!
//! Screenshots: `target/screenshots/step8-*.png`.

use chrono::{TimeDelta, Utc};
use fantoccini::{Client, Locator};
use kasane_domain::wareki::format_wareki;

use crate::common::browser::{
    Field, WINDOW, assert_all, body_text, browser, click, fill_form, goto, id_in_url, js_u32,
    login, screenshot, screenshot_full, screenshot_print, wait_css, wait_for_title, wait_xpath,
};
use crate::common::{Engine, spawn_app};

const NAME: &str = "花館 静夫";

/// Types `text` into the input `css` in place of what it held.
async fn retype(client: &Client, css: &str, text: &str) {
    let el = client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    el.clear().await.unwrap();
    el.send_keys(text).await.unwrap();
}

/// Records a visit on the outreach case's attempt form, `days_ago` days ago at 14:00 (now
/// when 0), meeting `met`.
async fn visit(client: &Client, app: &crate::common::TestApp, case: i64, days_ago: i64, met: &str) {
    goto(client, app, &format!("/outreach/{case}")).await;
    click(client, "#attempts a.button").await;
    wait_for_title(client, &format!("接触を記録する({NAME})")).await;
    if days_ago > 0 {
        let day = (Utc::now() + TimeDelta::hours(9) - TimeDelta::days(days_ago)).date_naive();
        retype(
            client,
            "input[name=attempted_at]",
            &format!("{} 14:00", format_wareki(day)),
        )
        .await;
    }
    let (outcome, seen) = match met {
        "nobody" => (
            "not_met",
            "雨戸は閉まったまま。郵便受けにチラシがたまっている。",
        ),
        _ => (
            "met",
            "玄関先で本人と10分ほど話せた。釣りの話題で表情が和らいだ。",
        ),
    };
    fill_form(
        client,
        &[
            Field::Select("method", "visit"),
            Field::Tick("met", met),
            Field::Tick("outcome", outcome),
            Field::Text("left_behind", "置き手紙"),
            Field::Area("observations", seen),
        ],
    )
    .await;
    click(client, "div.submit-bar button[type=submit]").await;
    wait_xpath(
        client,
        "//p[contains(@class,'notice') and contains(., '記録しました')]",
    )
    .await;
}

/// The outreach list of the home page's worklist (empty when it is not shown).
async fn worklist_outreach(client: &Client, app: &crate::common::TestApp) -> String {
    goto(client, app, "/").await;
    wait_css(client, "#worklist").await;
    match client.find(Locator::Css("ul.outreach-alerts")).await {
        Ok(list) => list.text().await.unwrap(),
        Err(_) => String::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_volunteers_call_to_a_first_contact_in_the_browser() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = spawn_app(Engine::Sqlite).await.unwrap();

    // 1. The 民生委員's call, recorded as an intake; アウトリーチ begun from it.
    login(&client, &app, "daisen.coordinator").await;
    goto(&client, &app, "/intakes/new").await;
    wait_for_title(&client, "相談を受け付ける").await;
    let summary =
        "民生委員から電話。母の死後、一人暮らしの長男を数週間見かけない。昼も雨戸が閉まったまま。";
    fill_form(
        &client,
        &[
            Field::Text("name", NAME),
            Field::Text("furigana", "ハナダテ シズオ"),
            Field::Text("birth_date", "S43.2.3"),
            Field::Select("sex", "male"),
            Field::Text("address", "大仙市花館字見本3"),
            Field::Select("district", "omagari"),
            Field::Select("channel", "phone"),
            Field::Select("consulter_kind", "community_volunteer"),
            Field::Text("consulter_name", "地区の民生委員(花館地区)"),
            Field::Tick("issues", "hikikomori"),
            Field::Tick("issues", "isolation"),
            Field::Tick("most_pressing", "issue-hikikomori"),
            Field::Tick("consent_to_share", "no"),
            Field::Area("summary", summary),
            Field::Select("outcome", "handled"),
        ],
    )
    .await;
    click(&client, "form.intake button[type=submit]").await;
    wait_for_title(&client, NAME).await;
    let intake = app.scalar("SELECT MAX(id) FROM intake").await;
    goto(&client, &app, &format!("/intakes/{intake}")).await;
    wait_css(&client, "a[href^='/outreach/new?intake_id=']").await;
    click(&client, "a[href^='/outreach/new?intake_id=']").await;
    wait_for_title(&client, "アウトリーチを始める").await;
    let prefilled = client
        .execute(
            "return [document.querySelector('select[name=informant_kind]').value, \
                     document.querySelector('input[name=informant]').value, \
                     document.querySelector('textarea[name=known]').value];",
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(
        prefilled,
        serde_json::json!(["minsei_iin", "地区の民生委員(花館地区)", summary]),
        "the form starts from the intake"
    );
    screenshot_full(&client, "step8-1-open.png").await;
    click(&client, "form[action='/outreach/new'] button[type=submit]").await;
    wait_xpath(
        &client,
        "//p[contains(@class,'notice') and contains(., '記録しました')]",
    )
    .await;
    let case = id_in_url(&client, "/outreach/").await;
    assert_all(
        &body_text(&client).await,
        &["未接触", "地区の民生委員(花館地区)"],
    );

    // 2. Three visits reaching nobody: overdue, and three in a row.
    assert!(!worklist_outreach(&client, &app).await.contains(NAME));
    for days_ago in [70, 55, 40] {
        visit(&client, &app, case, days_ago, "nobody").await;
    }
    let before = worklist_outreach(&client, &app).await;
    assert_all(&before, &[NAME, "日超過", "3回続けて会えず"]);
    screenshot_full(&client, "step8-2-worklist-before.png").await;
    // No contact reached anyone: the stage does not move.
    goto(&client, &app, &format!("/outreach/{case}")).await;
    assert_all(
        &body_text(&client).await,
        &["本人か家族に会えた接触の記録がまだありません"],
    );

    // 3. A visit that meets him, and the stage moves on it.
    visit(&client, &app, case, 0, "person").await;
    fill_form(&client, &[Field::Select("to", "contacted")]).await;
    click(&client, "#stage form button[type=submit]").await;
    wait_xpath(&client, "//p[contains(., '現在:')]/strong[.='接触']").await;
    let history = body_text(&client).await;
    assert_all(&history, &["未接触 → 接触", "接触記録 #"]);
    screenshot_full(&client, "step8-3-case.png").await;
    let after = worklist_outreach(&client, &app).await;
    assert!(
        !after.contains(NAME),
        "the alerts end with the contact: {after}"
    );

    // 4. The team's view at 768 px, and the 訪問予定表 as it prints.
    client.set_window_size(768, 1024).await.unwrap();
    goto(&client, &app, "/outreach").await;
    wait_css(&client, "table.team").await;
    let wide = js_u32(&client, "return document.documentElement.scrollWidth;").await;
    let inner = js_u32(&client, "return window.innerWidth;").await;
    assert!(
        wide <= inner,
        "the team's view fits 768 px: {wide} > {inner}"
    );
    assert_all(&body_text(&client).await, &[NAME, "接触", "訪問予定表"]);
    screenshot(&client, "step8-4-team-768.png").await;
    client.set_window_size(WINDOW.0, WINDOW.1).await.unwrap();
    goto(&client, &app, "/outreach/schedule").await;
    wait_css(&client, "table.schedule").await;
    let sheet = body_text(&client).await;
    assert_all(&sheet, &[NAME, "大仙市花館字見本3", "接触"]);
    assert!(
        !sheet.contains("雨戸が閉まったまま"),
        "what is known stays off the sheet"
    );
    screenshot_print(&client, "step8-5-schedule-print.png").await;
}
