//! Step 2 in a real browser (headless Chromium over WebDriver): a 地域包括支援センター worker
//! records an intake for a new person and hands the case to 多機関協働; at another window
//! (the coordinator at 社会福祉協議会) a second intake written with variants (斎藤 for 齋藤,
//! half-width カナ, the birth date in 和暦) offers the first record as a 名寄せ candidate;
//! the coordinator picks it and refers the person to the 基幹相談支援センター, whose worker
//! accepts from the worklist; the person's timeline shows all of it. And the person picker:
//! a household member found as the worker types, chosen by keyboard, added; the consulter
//! of an intake searched and picked on the intake form.
//! Screenshots: `target/screenshots/step2-*.png`.

use crate::common::browser::{
    Field, assert_all, body_text, browser, click, click_xpath, fill, fill_form, goto, id_in_url,
    login, logout, screenshot, screenshot_full, text_of, wait_css, wait_for_title, wait_xpath,
};
use crate::common::{Engine, TestApp, spawn_app};
use fantoccini::Locator;
use fantoccini::key::Key;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intake_candidate_referral_and_acceptance_in_the_browser() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    let kikan = app.agency_id("daisen", "kikan_sodan").await;

    // 1. 高齢者包括支援センター: a new person, recorded through the intake form.
    login(&client, &app, "daisen.houkatsu").await;
    click(&client, "p.actions a[href='/intakes/new']").await;
    wait_for_title(&client, "相談を受け付ける").await;
    fill_form(
        &client,
        &[
            Field::Text("name", "齋藤 光子"),
            Field::Text("furigana", "サイトウ ミツコ"),
            Field::Text("birth_date", "S23.8.15"),
            Field::Select("sex", "female"),
            Field::Text("phone", "0187-00-0815"),
            Field::Text("address", "大仙市大曲字見本8-15"),
            Field::Select("district", "omagari"),
            Field::Tick("issues", "care"),
            Field::Tick("issues", "isolation"),
            Field::Tick("concerns", "family_relations"),
            Field::Tick("most_pressing", "issue-care"),
            Field::Tick("consent_to_share", "yes"),
            Field::Area("summary", "知的障がいのある長男(50代)と二人暮らし。自身の物忘れが増え、長男の今後の暮らしが心配と来所。"),
            Field::Select("outcome", "escalated"),
        ],
    )
    .await;
    screenshot_full(&client, "step2-1-intake-form.png").await;
    click(&client, "form.intake button[type=submit]").await;
    wait_for_title(&client, "齋藤 光子").await;
    let person = id_in_url(&client, "/persons/").await;
    let body = body_text(&client).await;
    assert_all(&body, &["サイトウ ミツコ", "多機関協働へ"]);
    screenshot(&client, "step2-2-person-first-intake.png").await;
    logout(&client).await;

    // 2. Another window (the coordinator at 社会福祉協議会, which 多機関協働 reaches): the
    //    same person written differently is offered as a candidate, with the reasons.
    login(&client, &app, "daisen.coordinator").await;
    goto(&client, &app, "/intakes/new").await;
    wait_for_title(&client, "相談を受け付ける").await;
    fill_form(
        &client,
        &[
            Field::Text("name", "斎藤 光子"),
            Field::Text("furigana", "ｻｲﾄｳ ﾐﾂｺ"),
            Field::Text("birth_date", "昭和23年8月15日"),
            Field::Select("channel", "phone"),
            Field::Select("consulter_kind", "community_volunteer"),
            Field::Text("consulter_name", "地区の民生委員"),
            Field::Tick("issues", "disability"),
            Field::Tick("issues", "care"),
            Field::Tick("concerns", "family_relations"),
            Field::Tick("most_pressing", "issue-care"),
            Field::Tick("consent_to_share", "yes"),
            Field::Area("summary", "民生委員から電話。長男の通所先が閉所し、日中は家で過ごしている。母は長男の生活の場を探したいと話している。"),
            Field::Select("outcome", "referred"),
            Field::Select("referred_to_agency_id", &kikan.to_string()),
            Field::Text("referral_reason", "長男(知的障がい)の日中活動と将来の生活の場について、母子一緒の相談をお願いしたい。"),
        ],
    )
    .await;
    click(&client, "form.intake button[type=submit]").await;
    wait_css(&client, "section.candidates").await;
    let candidates = text_of(&client, "section.candidates").await;
    assert_all(
        &candidates,
        &[
            "同じ方かもしれない記録があります",
            "齋藤 光子",
            "サイトウ ミツコ",
            "異体字・表記ゆれ",
            "フリガナ一致",
            "生年月日一致",
            "新しい方として登録",
        ],
    );
    screenshot(&client, "step2-3-candidates.png").await;

    // Picking the candidate records the intake (and its つなぎ) on the existing person.
    click(
        &client,
        &format!("input[name=person_choice][value='{person}']"),
    )
    .await;
    click(&client, "form.intake button[type=submit]").await;
    wait_for_title(&client, "齋藤 光子").await;
    assert_eq!(
        id_in_url(&client, "/persons/").await,
        person,
        "no second person"
    );
    let body = body_text(&client).await;
    assert!(body.contains("送付済"), "{body}");
    screenshot_full(&client, "step2-4-person-referred.png").await;
    logout(&client).await;

    // 3. 基幹相談支援センター: the referral is on the worklist; the worker accepts it.
    login(&client, &app, "daisen.kikan").await;
    let worklist = text_of(&client, "section.card:has(#worklist)").await;
    assert!(
        worklist.contains("齋藤 光子さん — 大仙市社会福祉協議会から"),
        "{worklist}"
    );
    screenshot(&client, "step2-5-kikan-worklist.png").await;
    click_xpath(
        &client,
        "//section[.//*[@id='worklist']]//a[contains(., '齋藤 光子さん')]",
    )
    .await;
    wait_css(&client, "section.sheet").await;
    let sheet = body_text(&client).await;
    assert_all(
        &sheet,
        &[
            "つなぐシート",
            "齋藤 光子",
            "送付済",
            "関係機関との情報共有に同意あり",
        ],
    );
    screenshot_full(&client, "step2-6-referral-sheet.png").await;
    click(&client, "form[action$='/accept'] button[type=submit]").await;
    wait_xpath(&client, "//dd/strong[text()='受理']").await;
    assert!(
        body_text(&client)
            .await
            .contains("受理 — 基幹相談支援センター 伊藤 由美")
    );

    // 4. The person's timeline: both intakes, the referral and its acceptance.
    client
        .find(Locator::LinkText("本人のページへ"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_title(&client, "齋藤 光子").await;
    let timeline = text_of(&client, "table.timeline").await;
    assert_eq!(timeline.matches("相談受付").count(), 2, "{timeline}");
    assert_all(
        &timeline,
        &[
            "高齢者包括支援センター",
            "大仙市社会福祉協議会 → 基幹相談支援センター",
            "【受理】",
            "多機関協働へ",
            "つなぎ",
        ],
    );
    screenshot_full(&client, "step2-7-timeline.png").await;
    client.close().await.unwrap();
}

/// A new app with a mother and her son recorded at 包括 (each in a household of their own):
/// the app and the two intakes' answers.
async fn mother_and_son() -> (TestApp, Value, Value) {
    let app = spawn_app(Engine::Sqlite).await.unwrap();
    let token = app.token("daisen.houkatsu").await;
    let mother = app
        .intake_of_new_person(&token, "小野寺 フミ", "オノデラ フミ")
        .await;
    let son = app
        .intake_of_new_person(&token, "小野寺 健太", "オノデラ ケンタ")
        .await;
    (app, mother, son)
}

/// The household page's person picker: typing a name shows the persons found without a
/// reload; ArrowDown reaches the first, Space picks him, and 「追加」 adds him.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn household_member_is_found_as_the_worker_types() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let (app, mother, son) = mother_and_son().await;
    let household = mother["household_id"].as_i64().unwrap();
    let son = son["person_id"].as_i64().unwrap();

    login(&client, &app, "daisen.houkatsu").await;
    let page = format!("/households/{household}");
    goto(&client, &app, &page).await;
    let field = client
        .find(Locator::Css("fieldset.picker input[name=pick_q]"))
        .await
        .unwrap();
    field.send_keys("おのでら").await.unwrap();
    let choice = format!("fieldset.picker input[name=person_id][value='{son}']");
    wait_css(&client, &choice).await;
    let results = text_of(&client, "fieldset.picker .picker-results").await;
    assert_all(
        &results,
        &[
            "人が見つかりました",
            "小野寺 健太",
            "オノデラ ケンタ",
            "昭和50年5月5日",
        ],
    );
    assert!(
        !results.contains("小野寺 フミ"),
        "a member already: {results}"
    );
    let url = client.current_url().await.unwrap();
    assert_eq!(url.path(), page);
    assert_eq!(url.query(), None, "no reload: {url}");
    screenshot(&client, "step2-8-household-picker.png").await;

    client
        .active_element()
        .await
        .unwrap()
        .send_keys(&Key::Down.to_string())
        .await
        .unwrap();
    client
        .active_element()
        .await
        .unwrap()
        .send_keys(" ")
        .await
        .unwrap();
    let picked = client
        .execute(
            "return document.activeElement.name + '=' + document.activeElement.value + ':' + document.activeElement.checked;",
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(picked, serde_json::json!(format!("person_id={son}:true")));
    fill_form(&client, &[Field::Select("relationship", "child")]).await;
    // 「追加」 (the 「検索」 inside the form belongs to the search form).
    click_xpath(
        &client,
        "//section[@id='add-member']//button[normalize-space()='追加']",
    )
    .await;
    wait_xpath(&client, &format!("//td/a[@href='/persons/{son}']")).await;
    let members = app.store.memberships_of(son).await.unwrap();
    assert!(
        members
            .iter()
            .any(|m| m.household_id == household && m.left_on.is_none()),
        "{members:?}"
    );
    client.close().await.unwrap();
}

/// The intake form's consulter picker: opened, the name typed, 「検索」 searches in place
/// (the form is not sent), the mother is picked and the intake saved with her record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consulter_is_picked_on_the_intake_form_in_the_browser() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let (app, mother, son) = mother_and_son().await;
    let (mother, son) = (
        mother["person_id"].as_i64().unwrap(),
        son["person_id"].as_i64().unwrap(),
    );

    login(&client, &app, "daisen.houkatsu").await;
    let form = format!("/intakes/new?person_id={son}");
    goto(&client, &app, &form).await;
    click(&client, "details.consulter summary").await;
    fill_form(
        &client,
        &[
            Field::Select("consulter_kind", "family"),
            Field::Text("consulter_relation", "母"),
            Field::Area("summary", "母から電話。長男が部屋から出てこない。"),
        ],
    )
    .await;
    fill(&client, "details.consulter input[name=pick_q]", "小野寺 フ").await;
    client
        .execute("window.notSent = 1;", Vec::new())
        .await
        .unwrap();
    click_xpath(
        &client,
        "//details[contains(@class,'consulter')]//button[normalize-space()='検索']",
    )
    .await;
    let choice = format!("input[name=consulter_person_id][value='{mother}']");
    wait_css(&client, &choice).await;
    // The same document: a reload (the form sent) would have dropped this mark.
    let kept = client
        .execute("return window.notSent === 1;", Vec::new())
        .await
        .unwrap();
    assert_eq!(kept, serde_json::json!(true), "the form was sent");
    click(&client, &choice).await;
    fill_form(
        &client,
        &[
            Field::Tick("consent_to_share", "yes"),
            Field::Tick("issues", "hikikomori"),
        ],
    )
    .await;
    click(&client, "form.intake button[type=submit]").await;
    wait_for_title(&client, "小野寺 健太").await;
    let consulter = app
        .scalar(&format!(
            "SELECT consulter_person_id FROM intake WHERE person_id = {son} ORDER BY id DESC LIMIT 1"
        ))
        .await;
    assert_eq!(consulter, mother);
    client.close().await.unwrap();
}
