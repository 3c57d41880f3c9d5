//! Forms everywhere (#11), on both engines: a refused form comes back with what was typed,
//! its problems above it and the field marked (a household member sent with nobody picked,
//! or one who is a member already: the page 422, the API's field-keyed 422 from the same
//! use case); every page form's save
//! lands on a page that confirms it (「記録しました」), and every one refused first comes
//! back the same way (422, its problems above it, what was typed still in it).

use reqwest::{Client, Method, StatusCode};
use serde_json::json;

use crate::common::{TestApp, location};

both_engines!(
    a_member_sent_with_nobody_picked_is_shown_again,
    every_page_form_refuses_with_its_problems_and_confirms_its_save,
);

const HOUKATSU: &str = "daisen.houkatsu";
const KIKAN: &str = "daisen.kikan";
const COORDINATOR: &str = "daisen.coordinator";
const NOBODY: &str = "追加する方: 氏名・フリガナで検索して、一覧から選んでください";

fn today() -> String {
    days_from_today(0)
}

/// The day `days` from today in Japan, as `YYYY-MM-DD`.
fn days_from_today(days: i64) -> String {
    let today = kasane_app::Clock::today(&kasane_app::SystemClock);
    (today + chrono::TimeDelta::days(days)).to_string()
}

/// Posts a page form (the CSRF token of `form_page`); answers the status, where it
/// redirects (empty when it does not) and the body.
async fn send(
    app: &TestApp,
    client: &Client,
    form_page: &str,
    action: &str,
    fields: &[(&str, String)],
) -> (StatusCode, String, String) {
    let csrf = app.page_csrf(client, form_page).await;
    let res = app.post_form(client, action, &csrf, fields).await;
    let (status, to) = (res.status(), location(&res));
    (status, to, res.text().await.unwrap())
}

/// Posts a page form that saves: it must redirect to a page that says 「記録しました」.
/// Answers where it redirected.
async fn saved(
    app: &TestApp,
    client: &Client,
    (form_page, action): (&str, &str),
    fields: &[(&str, String)],
) -> String {
    let (status, to, body) = send(app, client, form_page, action, fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{action}: {body}");
    let (status, page) = app.get_text(client, &to).await;
    assert_eq!(status, StatusCode::OK, "{action} → {to}: {page}");
    assert!(
        page.contains("記録しました"),
        "{action} → {to} does not confirm the save: {page}"
    );
    to
}

/// Posts a page form that is refused: it must come back as its form (422) with the
/// problems above it and `kept`, something that was typed, still in it.
async fn refused(
    app: &TestApp,
    client: &Client,
    (form_page, action): (&str, &str),
    fields: &[(&str, String)],
    kept: &str,
) {
    let (status, to, body) = send(app, client, form_page, action, fields).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{action} → {to}: {body}"
    );
    assert!(
        body.contains("入力内容を確認してください"),
        "{action}: no problems shown: {body}"
    );
    assert!(body.contains(kept), "{action}: {kept} was lost: {body}");
    assert!(body.contains("<form"), "{action}: not its form: {body}");
}

/// The fields with `key` set to `value` instead.
fn with<'a>(fields: &[(&'a str, String)], key: &str, value: &str) -> Vec<(&'a str, String)> {
    fields
        .iter()
        .map(|(k, v)| (*k, if *k == key { value.into() } else { v.clone() }))
        .collect()
}

/// The id in a path such as `/referrals/12?saved=1` after `prefix`.
fn id_after(path: &str, prefix: &str) -> i64 {
    path.strip_prefix(prefix)
        .and_then(|rest| rest.split(['?', '/', '#']).next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("{path}: expected {prefix}<id>"))
}

async fn a_member_sent_with_nobody_picked_is_shown_again(app: TestApp) {
    let token = app.token(HOUKATSU).await;
    let created = app
        .intake_of_new_person(&token, "選択 ミツ", "センタク ミツ")
        .await;
    let household = created["household_id"].as_i64().unwrap();
    let page = format!("/households/{household}");
    let client = app.login(HOUKATSU).await;
    let members = format!("SELECT COUNT(*) FROM household_member WHERE household_id = {household}");
    let before = app.scalar(&members).await;

    // The page: 422, the household page again with the problem above the member form, the
    // picker marked, and what was typed (続柄, 介護・世話, 転入日) still in the form.
    let (status, to, html) = send(
        &app,
        &client,
        &page,
        &format!("{page}/members"),
        &[
            ("relationship", "grandchild".into()),
            ("is_carer", "1".into()),
            ("joined_on", "R7.4.1".into()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{to}: {html}");
    assert!(html.contains(NOBODY), "{html}");
    assert!(
        html.contains("入力内容を確認してください(入力した内容は残っています)"),
        "{html}"
    );
    assert!(
        html.contains("世帯員を追加する"),
        "the household page: {html}"
    );
    assert!(
        html.contains(r#"<option value="grandchild" selected>"#),
        "the 続柄 kept: {html}"
    );
    assert!(
        html.contains(r#"name="is_carer" value="1" checked"#),
        "{html}"
    );
    assert!(
        html.contains(r#"value="R7.4.1""#),
        "the 転入日 kept: {html}"
    );
    let picker = html
        .split("<fieldset")
        .find(|f| f.starts_with(r#" class="picker" data-picker="person_id""#))
        .and_then(|f| f.split('>').next())
        .unwrap_or_else(|| panic!("the picker: {html}"));
    assert!(
        picker.contains(r#"aria-invalid="true""#),
        "the picker marked: {picker}"
    );
    // With a 転入日 that is no date too: both problems, in the form's order.
    let (status, _, html) = send(
        &app,
        &client,
        &page,
        &format!("{page}/members"),
        &[
            ("relationship", "child".into()),
            ("joined_on", "いつか".into()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (nobody, date) = (html.find(NOBODY), html.find("転入日: "));
    assert!(
        nobody.is_some() && date.is_some() && nobody < date,
        "in field order: {html}"
    );
    assert_eq!(app.scalar(&members).await, before, "nothing added");

    // The API: the same problem from the same use case, field-keyed, in problem+json.
    let path = format!("/api/v1/households/{household}/members");
    for body in [
        json!({ "relationship": "child" }),
        json!({ "person_id": null, "relationship": "child" }),
    ] {
        let (status, v) = app.api_send(&token, Method::POST, &path, Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["type"], "urn:kasane:problem:validation", "{v}");
        assert_eq!(v["errors"], json!([NOBODY]), "{v}");
    }
    assert_eq!(app.scalar(&members).await, before, "nothing added");
    // Someone who is a member already is not added a second time.
    let member = json!({ "person_id": created["person_id"], "relationship": "child" });
    let (status, v) = app
        .api_send(&token, Method::POST, &path, Some(member))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["errors"][0]
            .as_str()
            .unwrap()
            .starts_with("追加する方: すでにこの世帯の世帯員です"),
        "{v}"
    );
    assert_eq!(app.scalar(&members).await, before, "nothing added");
}

/// The page forms that save, one after another, each landing on a page that confirms it:
/// a person's and an intake's correction, a household member added and ended, a support
/// log entered and corrected, a referral sent and answered, a consent recorded, a case
/// opened, an agency involved, its assessment, a meeting with its member, agenda and
/// minutes, a support plan and its evaluation.
async fn every_page_form_refuses_with_its_problems_and_confirms_its_save(app: TestApp) {
    let token = app.token(HOUKATSU).await;
    let person = json!({ "name": "保存 ハナ", "furigana": "ホゾン ハナ",
                         "birth_date": "S30.4.1", "district": "omagari" });
    let created = app.intake_of(&token, person, "escalated").await;
    let (person, intake, household) = (
        created["person_id"].as_i64().unwrap(),
        created["intake_id"].as_i64().unwrap(),
        created["household_id"].as_i64().unwrap(),
    );
    let son = app
        .intake_of_new_person(&token, "保存 太一", "ホゾン タイチ")
        .await["person_id"]
        .as_i64()
        .unwrap();
    let kikan_agency = app.agency_id("daisen", "kikan_sodan").await.to_string();
    let houkatsu = app.login(HOUKATSU).await;
    let person_page = format!("/persons/{person}");
    let household_page = format!("/households/{household}");

    // 相談支援: an intake by the page form, corrections, the household, the support log,
    // a referral, a consent.
    let intake_form = ("/intakes/new", "/intakes/new");
    let fields = [
        ("name", "受付 ミツ".to_string()),
        ("furigana", "ウケツケ ミツ".into()),
        ("birth_date", "S26.8.9".into()),
        ("district", "omagari".into()),
        ("channel", "phone".into()),
        ("consulter_kind", "person".into()),
        ("urgency", "normal".into()),
        ("outcome", "handled".into()),
        ("consent_to_share", "yes".into()),
        ("issues", "care".into()),
        ("most_pressing", "issue-care".into()),
        ("summary", "夫の介護について電話で相談".into()),
    ];
    let wrong = with(&fields, "birth_date", "S26.2.30");
    refused(
        &app,
        &houkatsu,
        intake_form,
        &wrong,
        "夫の介護について電話で相談",
    )
    .await;
    let to = saved(&app, &houkatsu, intake_form, &fields).await;
    assert!(to.starts_with("/persons/"), "{to}");

    let edit = format!("/persons/{person}/edit");
    let fields = [
        ("version", "1".into()),
        ("name", "保存 ハナ".into()),
        ("furigana", "ホゾン ハナ".into()),
        ("birth_date", "S30.4.1".into()),
        ("district", "omagari".into()),
        ("address", "大仙市大曲花園町1-1".into()),
    ];
    let wrong = with(&fields, "birth_date", "S30.13.40");
    refused(
        &app,
        &houkatsu,
        (&edit, &edit),
        &wrong,
        "大仙市大曲花園町1-1",
    )
    .await;
    saved(&app, &houkatsu, (&edit, &edit), &fields).await;
    let edit = format!("/intakes/{intake}/edit");
    let fields = [
        ("version", "1".into()),
        ("received_at", String::new()),
        ("channel", "visit_in".into()),
        ("consulter_kind", "person".into()),
        ("issues", "care".into()),
        ("summary", "来所相談。訂正した概要".into()),
        ("urgency", "normal".into()),
    ];
    let wrong = with(&fields, "received_at", "きのうの朝");
    refused(
        &app,
        &houkatsu,
        (&edit, &edit),
        &wrong,
        "来所相談。訂正した概要",
    )
    .await;
    saved(&app, &houkatsu, (&edit, &edit), &fields).await;
    let to = saved(
        &app,
        &houkatsu,
        (&household_page, &format!("{household_page}/members")),
        &[
            ("person_id", son.to_string()),
            ("relationship", "child".into()),
        ],
    )
    .await;
    assert_eq!(to, format!("{household_page}?saved=1"));
    let (_, h) = app
        .api_send(
            &token,
            Method::GET,
            &format!("/api/v1/households/{household}"),
            None,
        )
        .await;
    let member = h["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["person_id"] == son)
        .unwrap_or_else(|| panic!("the son a member: {h}"));
    let end = format!(
        "{household_page}/members/{}/end",
        member["id"].as_i64().unwrap()
    );
    let fields = [
        ("version", member["version"].to_string()),
        ("left_on", member["joined_on"].as_str().unwrap().into()),
        ("reason", "moved_out".into()),
        ("note", "県外の就職先へ".into()),
    ];
    let wrong = with(&fields, "left_on", "先月");
    refused(&app, &houkatsu, (&end, &end), &wrong, "県外の就職先へ").await;
    saved(&app, &houkatsu, (&end, &end), &fields).await;
    let entry = |body: &str| {
        vec![
            ("occurred_on", today()),
            ("kind", "visit".to_string()),
            ("body", body.to_string()),
        ]
    };
    let mut fields = entry("自宅を訪問した");
    fields.push(("person_id", person.to_string()));
    let to = saved(&app, &houkatsu, (&person_page, "/support-logs"), &fields).await;
    assert_eq!(to, format!("{person_page}?saved=1"));
    let log = app
        .scalar(&format!(
            "SELECT MAX(id) FROM support_log WHERE person_id = {person}"
        ))
        .await;
    let log_page = format!("/support-logs/{log}");
    let mut fields = entry("自宅を訪問し、長男と面談した");
    fields.push(("version", "1".into()));
    let wrong = with(&fields, "occurred_on", "あした");
    refused(
        &app,
        &houkatsu,
        (&log_page, &log_page),
        &wrong,
        "自宅を訪問し、長男と面談した",
    )
    .await;
    saved(&app, &houkatsu, (&log_page, &log_page), &fields).await;
    let refer = (person_page.as_str(), format!("{person_page}/referrals"));
    let fields = [
        ("to_agency_id", kikan_agency.clone()),
        ("reason", "障がいの有無について判断を仰ぎたい".into()),
    ];
    let wrong = with(&fields, "reason", " ");
    refused(&app, &houkatsu, (refer.0, &refer.1), &wrong, "つなぐ").await;
    let to = saved(&app, &houkatsu, (refer.0, &refer.1), &fields).await;
    let referral = format!("/referrals/{}", id_after(&to, "/referrals/"));
    let kikan = app.login(KIKAN).await;
    saved(
        &app,
        &kikan,
        (&referral, &format!("{referral}/accept")),
        &[],
    )
    .await;
    let consent = format!("{person_page}/consents/new");
    let fields = [
        ("consenter", "person".into()),
        ("consented_on", today()),
        ("method", "written".into()),
        ("agencies", kikan_agency.clone()),
        ("meeting_kinds", "multilayer_meeting".into()),
        ("information", "相談の内容と世帯の状況".into()),
    ];
    let wrong = with(&fields, "consented_on", "いつか");
    refused(
        &app,
        &houkatsu,
        (&consent, &consent),
        &wrong,
        "相談の内容と世帯の状況",
    )
    .await;
    saved(&app, &houkatsu, (&consent, &consent), &fields).await;

    // 多機関協働: the case, its assessment, a meeting, a plan and its evaluation.
    let coordinator = app.login(COORDINATOR).await;
    let open = (format!("/cases/new?intake_id={intake}"), "/cases/new");
    let fields = [
        ("intake_id", intake.to_string()),
        ("kinds", "collaboration".into()),
        ("summary", "8050世帯の複合課題".into()),
    ];
    let wrong = with(&fields, "kinds", "");
    refused(
        &app,
        &coordinator,
        (&open.0, open.1),
        &wrong,
        "8050世帯の複合課題",
    )
    .await;
    let to = saved(&app, &coordinator, (&open.0, open.1), &fields).await;
    let case = id_after(&to, "/cases/");
    let case_page = format!("/cases/{case}");
    saved(
        &app,
        &coordinator,
        (&case_page, &format!("{case_page}/agencies")),
        &[("agency_id", kikan_agency.clone())],
    )
    .await;
    let assessment = format!("{case_page}/assessment");
    let fields = [
        ("version", "0".into()),
        ("wishes", "家で暮らしたい".into()),
        ("household", "長男と二人暮らし".into()),
    ];
    let wrong = with(&fields, "wishes", "");
    refused(
        &app,
        &coordinator,
        (&assessment, &assessment),
        &wrong,
        "長男と二人暮らし",
    )
    .await;
    saved(&app, &coordinator, (&assessment, &assessment), &fields).await;
    let fields = [
        ("kind", "support_meeting".into()),
        ("held_on", today()),
        ("place", "大曲庁舎".into()),
    ];
    let new_meeting = ("/meetings/new", "/meetings/new");
    let wrong = with(&fields, "held_on", "来週");
    refused(&app, &coordinator, new_meeting, &wrong, "大曲庁舎").await;
    let to = saved(&app, &coordinator, new_meeting, &fields).await;
    let meeting = format!("/meetings/{}", id_after(&to, "/meetings/"));
    let members = format!("{meeting}/members");
    let nobody = [("agency_id", String::new())];
    refused(
        &app,
        &coordinator,
        (&meeting, &members),
        &nobody,
        "構成機関",
    )
    .await;
    saved(
        &app,
        &coordinator,
        (&meeting, &members),
        &[("agency_id", kikan_agency.clone())],
    )
    .await;
    let agenda = format!("{meeting}/agenda");
    let no_case = [("case_id", String::new())];
    refused(&app, &coordinator, (&meeting, &agenda), &no_case, "議題").await;
    saved(
        &app,
        &coordinator,
        (&meeting, &agenda),
        &[("case_id", case.to_string())],
    )
    .await;
    let item = app
        .scalar(&format!(
            "SELECT id FROM meeting_agenda WHERE case_id = {case}"
        ))
        .await;
    let minutes = format!("{meeting}/agenda/{item}/minutes");
    let fields = [
        ("version", "0".into()),
        ("discussion", "世帯の状況を共有".into()),
        ("decisions", "基幹が長男を訪問".into()),
    ];
    let wrong = [
        ("version", "0".into()),
        ("discussion", " ".into()),
        ("decisions", String::new()),
    ];
    refused(
        &app,
        &coordinator,
        (&meeting, &minutes),
        &wrong,
        "協議の内容",
    )
    .await;
    saved(&app, &coordinator, (&meeting, &minutes), &fields).await;
    let user = app.user(COORDINATOR).await;
    let new_plan = format!("{case_page}/support-plans/new");
    let fields = [
        ("person_goal", "家で暮らしたい".into()),
        ("long_term_goal", "長男が外出できる".into()),
        ("short_term_goal", "介護サービスを整える".into()),
        ("period_start", today()),
        ("period_end", days_from_today(90)),
        ("monitoring_dates", days_from_today(30)),
        ("a_what", "介護保険の申請支援".into()),
        ("a_agency_id", user.agency_id.to_string()),
        ("a_staff_name", String::new()),
        ("a_staff_user_id", user.id.to_string()),
        ("a_by_when", String::new()),
        ("a_frequency", String::new()),
    ];
    let wrong = with(&fields, "period_end", "R1.1.1");
    refused(
        &app,
        &coordinator,
        (&new_plan, &new_plan),
        &wrong,
        "長男が外出できる",
    )
    .await;
    let to = saved(&app, &coordinator, (&new_plan, &new_plan), &fields).await;
    let plan = id_after(&to, "/support-plans/");
    let round = app
        .scalar(&format!(
            "SELECT MIN(id) FROM monitoring WHERE plan_id = {plan}"
        ))
        .await;
    let action = app
        .scalar(&format!(
            "SELECT MIN(id) FROM plan_action WHERE plan_id = {plan}"
        ))
        .await;
    let monitoring = format!("/monitoring/{round}");
    let (progress, note) = (format!("progress_{action}"), format!("note_{action}"));
    let fields = [
        (progress.as_str(), "in_progress".to_string()),
        (note.as_str(), "申請書を一緒に記入した".into()),
    ];
    let wrong = with(&fields, &progress, "somewhat");
    refused(
        &app,
        &coordinator,
        (&monitoring, &monitoring),
        &wrong,
        "申請書を一緒に記入した",
    )
    .await;
    saved(&app, &coordinator, (&monitoring, &monitoring), &fields).await;
    let evaluation = format!("/support-plans/{plan}/evaluation");
    let fields = [
        ("person_goal", "partly".into()),
        ("long_term_goal", "not_achieved".into()),
        ("short_term_goal", "achieved".into()),
        ("note", "介護サービスは整った".into()),
        ("next_step", "new_plan".into()),
    ];
    let wrong = with(&fields, "person_goal", "");
    refused(
        &app,
        &coordinator,
        (&evaluation, &evaluation),
        &wrong,
        "介護サービスは整った",
    )
    .await;
    saved(&app, &coordinator, (&evaluation, &evaluation), &fields).await;

    // 名寄せ: the coordinator's link sent with nobody picked.
    let link = format!("{person_page}/link");
    let nobody = [
        ("other", String::new()),
        ("reason", "同じ方と確認した".into()),
    ];
    refused(
        &app,
        &coordinator,
        (&person_page, &link),
        &nobody,
        "同じ方と確認した",
    )
    .await;
}
