//! Step 3 meetings, plans, monitoring and evaluation over real HTTP, on both engines:
//! a 支援会議 member (acknowledged) reads an agenda case without consent and loses it when
//! the case leaves the agenda; an unacknowledged member never reads it; 支援会議 minutes
//! are hidden from non-members; a 重層的支援会議 refuses a case without consent and takes
//! it once a consent covering the meeting is recorded (and the move from the 支援会議);
//! plan versions are kept; approval only by a 重層的支援会議 with the case on its agenda;
//! overdue monitoring on the responsible staff's and the coordinator's worklists until
//! recorded; an evaluation is recorded once.

use crate::common::{TestApp, hidden_csrf, location};
use kasane_domain::consent::{ConsentDraft, validate as validate_consent};
use kasane_store::case::NewCase;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

both_engines!(
    support_meeting_member_reads_agenda_cases_only_while_on_the_agenda,
    members_bring_their_own_cases_and_the_host_runs_its_agenda,
    multilayer_meeting_needs_consent_and_takes_the_case_over,
    plan_versions_are_kept_and_approved_by_a_multilayer_meeting,
    overdue_monitoring_is_on_worklists_until_recorded,
    evaluation_is_recorded_once,
    meetings_and_plans_of_another_municipality_are_not_found,
    openapi_lists_the_meetings_and_plans_api,
    pages_take_a_case_through_a_meeting_a_plan_and_its_evaluation,
    minutes_keep_every_version_and_refuse_a_stale_save,
    conflicting_saves_lose_nothing_and_never_fail,
    meetings_are_corrected_with_versions_by_whoever_runs_them,
    roles_are_corrected_with_versions_by_whoever_runs_the_meeting,
);

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    app.api_send(token, Method::POST, path, Some(body)).await
}

async fn get(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    app.api_send(token, Method::GET, path, None).await
}

/// Posts what must be created (201): its id.
async fn created(app: &TestApp, token: &str, path: &str, body: Value) -> i64 {
    let (status, v) = post(app, token, path, body).await;
    assert_eq!(status, StatusCode::CREATED, "{path}: {v}");
    v["id"].as_i64().unwrap()
}

fn today() -> chrono::NaiveDate {
    kasane_app::Clock::today(&kasane_app::SystemClock)
}

/// The day `days` from today in Japan (negative: past), as `YYYY-MM-DD`.
fn days_from_today(days: i64) -> String {
    (today() + chrono::TimeDelta::days(days)).to_string()
}

/// The demo's users and agencies of 大仙市.
struct Daisen {
    coordinator: String,
    houkatsu: String,
    kikan: String,
    jiritsu: String,
    municipality_id: i64,
    houkatsu_agency: i64,
    kikan_agency: i64,
    jiritsu_agency: i64,
    shakyo_agency: i64,
}

async fn daisen(app: &TestApp) -> Daisen {
    Daisen {
        coordinator: app.token("daisen.coordinator").await,
        houkatsu: app.token("daisen.houkatsu").await,
        kikan: app.token("daisen.kikan").await,
        jiritsu: app.token("daisen.jiritsu").await,
        municipality_id: app.store.municipality_by_code("daisen").await.unwrap().id,
        houkatsu_agency: app.agency_id("daisen", "houkatsu").await,
        kikan_agency: app.agency_id("daisen", "kikan_sodan").await,
        jiritsu_agency: app.agency_id("daisen", "jiritsu_sodan").await,
        shakyo_agency: app.agency_id("daisen", "shakyo").await,
    }
}

/// A person known only to the 高齢者包括支援センター (an intake there) with an open case
/// led by it: (person_id, case_id).
async fn case_of_new_person(app: &TestApp, d: &Daisen, name: &str) -> (i64, i64) {
    let (status, v) = post(
        app,
        &d.houkatsu,
        "/api/v1/intakes",
        json!({
            "person": { "name": name, "furigana": "テスト", "birth_date": "S30.4.1",
                        "phone": "0187-00-1111", "district": "omagari" },
            "channel": "phone", "consulter_kind": "family", "consulter_name": "長女",
            "consulter_relation": "長女", "issues": ["care", "hikikomori"], "concerns": ["care"],
            "consent_to_share": false, "summary": "母の介護と長男のひきこもりの相談。",
            "urgency": "normal", "outcome": "handled", "confirm_new_person": true,
        }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let person_id = v["person_id"].as_i64().unwrap();
    let intake_id = v["intake_id"].as_i64().unwrap();
    let user = app.user("daisen.houkatsu").await;
    let case_id = app
        .store
        .create_case(&NewCase {
            municipality_id: d.municipality_id,
            person_id: Some(person_id),
            household_id: None,
            lead_agency_id: d.houkatsu_agency,
            intake_id: Some(intake_id),
            kinds: &["collaboration"],
            summary: "8050世帯の複合課題",
            user_id: user.id,
            agency_id: d.houkatsu_agency,
        })
        .await
        .unwrap();
    (person_id, case_id)
}

/// Records the person's consent naming `agencies`, covering the 重層的支援会議.
async fn record_consent(app: &TestApp, d: &Daisen, person_id: i64, agencies: Vec<i64>) {
    let known: Vec<i64> = app
        .store
        .agencies(d.municipality_id)
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    let valid = validate_consent(
        &ConsentDraft {
            consenter: "person".into(),
            consented_on: today().to_string(),
            method: "written".into(),
            agencies,
            meeting_kinds: vec!["multilayer_meeting".into()],
            information: "相談の内容、世帯の状況".into(),
            ..ConsentDraft::default()
        },
        &known,
        today(),
    )
    .unwrap();
    let user = app.user("daisen.coordinator").await;
    app.store
        .create_consent(
            d.municipality_id,
            person_id,
            None,
            &valid,
            user.id,
            d.shakyo_agency,
        )
        .await
        .unwrap();
}

async fn create_meeting(app: &TestApp, token: &str, kind: &str) -> i64 {
    let body =
        json!({ "kind": kind, "held_on": today().to_string(), "place": "大仙市役所 会議室" });
    created(app, token, "/api/v1/meetings", body).await
}

async fn add_member(app: &TestApp, token: &str, meeting: i64, agency: i64) {
    let (status, v) = post(
        app,
        token,
        &format!("/api/v1/meetings/{meeting}/members"),
        json!({ "agency_id": agency, "attendee_name": "担当者" }),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{v}");
}

async fn acknowledge(app: &TestApp, token: &str, meeting: i64, agency: i64) -> StatusCode {
    post(
        app,
        token,
        &format!("/api/v1/meetings/{meeting}/members/{agency}/acknowledge"),
        json!({}),
    )
    .await
    .0
}

async fn add_agenda(app: &TestApp, token: &str, meeting: i64, case: i64) -> (StatusCode, Value) {
    post(
        app,
        token,
        &format!("/api/v1/meetings/{meeting}/agenda"),
        json!({ "case_id": case }),
    )
    .await
}

/// Whether `token`'s user may read the case (its plan list answers 200, else 404).
async fn reads_case(app: &TestApp, token: &str, case: i64) -> bool {
    let (status, v) = get(app, token, &format!("/api/v1/cases/{case}/support-plans")).await;
    match status {
        StatusCode::OK => true,
        StatusCode::NOT_FOUND => false,
        other => panic!("unexpected {other}: {v}"),
    }
}

/// A support meeting hosted as configured (社会福祉課), run by the coordinator, with the
/// coordinating agency itself a member that acknowledged.
async fn support_meeting(app: &TestApp, d: &Daisen) -> i64 {
    let meeting = create_meeting(app, &d.coordinator, "support_meeting").await;
    add_member(app, &d.coordinator, meeting, d.shakyo_agency).await;
    assert_eq!(
        acknowledge(app, &d.coordinator, meeting, d.shakyo_agency).await,
        StatusCode::NO_CONTENT
    );
    meeting
}

/// The 支援会議's host (社会福祉課, involved in no case) runs its own agenda: a member agency
/// brings a case of its own once it has acknowledged confidentiality — not one it only
/// reads (403) nor one it does not see (404) — and the host, an acknowledged member, then
/// reads it, records its minutes and takes it off the agenda.
async fn members_bring_their_own_cases_and_the_host_runs_its_agenda(app: TestApp) {
    let d = daisen(&app).await;
    let host = app.token("daisen.fukushi").await;
    let host_agency = app.agency_id("daisen", "shakai_fukushi_ka").await;
    let (person, case) = case_of_new_person(&app, &d, "強首 辰雄").await;
    // 基幹 reads the case on the person's consent only (read only).
    record_consent(&app, &d, person, vec![d.kikan_agency]).await;
    let meeting = create_meeting(&app, &host, "support_meeting").await;
    assert_eq!(
        acknowledge(&app, &host, meeting, host_agency).await,
        StatusCode::NO_CONTENT
    );
    for agency in [d.houkatsu_agency, d.kikan_agency, d.jiritsu_agency] {
        add_member(&app, &host, meeting, agency).await;
    }
    for (token, agency) in [(&d.kikan, d.kikan_agency), (&d.jiritsu, d.jiritsu_agency)] {
        assert_eq!(
            acknowledge(&app, token, meeting, agency).await,
            StatusCode::NO_CONTENT
        );
    }
    // The host sees no case of its own to put on: nothing is offered.
    let host_client = app.login("daisen.fukushi").await;
    let meeting_page = format!("/meetings/{meeting}");
    let (_, page) = app.get_text(&host_client, &meeting_page).await;
    assert!(
        !page.contains(&format!("<option value=\"{case}\">")),
        "{page}"
    );

    // Before acknowledging, the 包括 may not bring its case; it is not offered either.
    let houkatsu = app.login("daisen.houkatsu").await;
    let (_, page) = app.get_text(&houkatsu, &meeting_page).await;
    assert!(
        !page.contains(&format!("<option value=\"{case}\">")),
        "{page}"
    );
    let denied = "SELECT COUNT(*) FROM audit_log WHERE action = 'denied'";
    let before = app.scalar(denied).await;
    let (status, v) = add_agenda(&app, &d.houkatsu, meeting, case).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    assert!(v.to_string().contains("守秘義務"), "{v}");
    assert_eq!(
        app.scalar(denied).await,
        before + 1,
        "the refusal is audited"
    );
    // An agency that only reads the case (consent) may not bring it; one that does not see
    // it is told nothing.
    let (status, _) = add_agenda(&app, &d.kikan, meeting, case).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = add_agenda(&app, &d.jiritsu, meeting, case).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!reads_case(&app, &d.jiritsu, case).await);
    assert!(!reads_case(&app, &host, case).await);

    // Acknowledged, the 包括 is offered its case and brings it (through the page).
    assert_eq!(
        acknowledge(&app, &d.houkatsu, meeting, d.houkatsu_agency).await,
        StatusCode::NO_CONTENT
    );
    let (_, page) = app.get_text(&houkatsu, &meeting_page).await;
    assert!(
        page.contains(&format!("<option value=\"{case}\">")),
        "{page}"
    );
    assert!(page.contains("議題として提出できます"), "{page}");
    let (_, page) = app
        .get_text(&app.login("daisen.kikan").await, &meeting_page)
        .await;
    assert!(
        !page.contains(&format!("<option value=\"{case}\">")),
        "{page}"
    );
    submit_ok(
        &app,
        &houkatsu,
        &meeting_page,
        &format!("/meetings/{meeting}/agenda"),
        &[("case_id", case.to_string())],
    )
    .await;
    let (_, m) = get(&app, &host, &format!("/api/v1/meetings/{meeting}")).await;
    assert_eq!(m["agenda"][0]["case_id"], case, "{m}");
    assert_eq!(m["agenda"][0]["subject_name"], "強首 辰雄", "{m}");
    let item = m["agenda"][0]["id"].as_i64().unwrap();
    // The bringing is audited as a write on the case, on the 包括's own basis.
    let user = app.user("daisen.houkatsu").await;
    assert_eq!(
        app.text(&format!(
            "SELECT basis FROM audit_log WHERE user_id = {} AND object_type = 'meeting_agenda' \
             AND object_id = '{item}'",
            user.id
        ))
        .await,
        "involvement"
    );

    // The host reads the case now, records the minutes and runs the agenda. A refused
    // role comes back on the meeting page (422) with the problem and what was typed.
    assert!(reads_case(&app, &host, case).await);
    let csrf = app.page_csrf(&host_client, &meeting_page).await;
    let res = app
        .post_form(
            &host_client,
            &format!("/meetings/{meeting}/roles"),
            &csrf,
            &[
                ("case_id", case.to_string()),
                ("agency_id", d.houkatsu_agency.to_string()),
                ("staff_name", "伊藤 太郎".into()),
                ("due_on", "令和99年".into()),
                ("task", "母への訪問".into()),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("入力内容を確認してください"), "{html}");
    assert!(html.contains("期限"), "{html}");
    assert!(
        html.contains("value=\"伊藤 太郎\"") && html.contains("母への訪問"),
        "{html}"
    );
    assert!(html.contains("<details class=\"noprint\" open"), "{html}");
    let res = app
        .post_form(
            &host_client,
            &format!("/meetings/{meeting}/agenda"),
            &csrf,
            &[("case_id", "")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("議題にするケースを選んでください"), "{html}");
    assert!(html.contains("強首 辰雄"), "the meeting page again: {html}");
    assert!(reads_case(&app, &d.jiritsu, case).await);
    let (status, v) = app
        .api_send(
            &host,
            Method::PUT,
            &format!("/api/v1/meetings/{meeting}/agenda/{item}/minutes"),
            Some(json!({ "version": 0, "discussion": "本人の状況を共有", "decisions": "包括が訪問" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, _) = app
        .api_send(
            &d.houkatsu,
            Method::DELETE,
            &format!("/api/v1/meetings/{meeting}/agenda/{item}"),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a member brings, the host removes"
    );
    let (status, _) = app
        .api_send(
            &host,
            Method::DELETE,
            &format!("/api/v1/meetings/{meeting}/agenda/{item}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(!reads_case(&app, &host, case).await);
    assert!(!reads_case(&app, &d.jiritsu, case).await);
}

async fn support_meeting_member_reads_agenda_cases_only_while_on_the_agenda(app: TestApp) {
    let d = daisen(&app).await;
    let (_, case) = case_of_new_person(&app, &d, "角間川 正志").await;
    let meeting = support_meeting(&app, &d).await;
    let (_, m) = get(&app, &d.coordinator, &format!("/api/v1/meetings/{meeting}")).await;
    assert_eq!(m["kind"], "support_meeting");
    assert_eq!(m["name"], "「つながる・ささえる」ネットワーク会議");
    assert_eq!(m["host_agency_name"], "社会福祉課");
    // The host is registered as a member; it acknowledges like any other.
    assert_eq!(m["members"][0]["agency_name"], "社会福祉課", "{m}");
    assert_eq!(m["members"][0]["acknowledged_at"], Value::Null);

    // Only managers manage: a member agency's staff may not add members.
    add_member(&app, &d.coordinator, meeting, d.kikan_agency).await;
    add_member(&app, &d.coordinator, meeting, d.jiritsu_agency).await;
    let (status, _) = post(
        &app,
        &d.kikan,
        &format!("/api/v1/meetings/{meeting}/members"),
        json!({ "agency_id": d.houkatsu_agency }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A member acknowledges for its own agency, not for another.
    assert_eq!(
        acknowledge(&app, &d.jiritsu, meeting, d.kikan_agency).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        acknowledge(&app, &d.kikan, meeting, d.kikan_agency).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        acknowledge(&app, &d.kikan, meeting, d.kikan_agency).await,
        StatusCode::CONFLICT
    );

    // Not on the agenda yet: no member reads the case.
    assert!(!reads_case(&app, &d.kikan, case).await);
    let (status, v) = add_agenda(&app, &d.coordinator, meeting, case).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let item = v["id"].as_i64().unwrap();
    let (status, _) = add_agenda(&app, &d.coordinator, meeting, case).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "already on agenda"
    );

    // On the agenda: the acknowledged member reads it without any consent; the member that
    // has not acknowledged does not.
    assert!(reads_case(&app, &d.kikan, case).await);
    assert!(!reads_case(&app, &d.jiritsu, case).await);
    let (_, m) = get(&app, &d.kikan, &format!("/api/v1/meetings/{meeting}")).await;
    assert_eq!(m["agenda"][0]["subject_name"], "角間川 正志", "{m}");
    let (status, m) = get(&app, &d.jiritsu, &format!("/api/v1/meetings/{meeting}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(m["agenda"][0]["subject_name"], Value::Null, "{m}");

    // Minutes: recorded by the manager, read by acknowledged members only.
    let (status, v) = app.api_send(&d.coordinator,
        Method::PUT,
        &format!("/api/v1/meetings/{meeting}/agenda/{item}/minutes"),
        Some(json!({ "version": 0, "discussion": "母の介護負担と長男の状況を共有", "decisions": "基幹が長男に訪問" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["version"], 1);
    let (status, v) = post(
        &app,
        &d.coordinator,
        &format!("/api/v1/meetings/{meeting}/roles"),
        json!({ "case_id": case, "agency_id": d.kikan_agency, "staff_name": "伊藤",
                "task": "長男への訪問", "due_on": "" }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (_, m) = get(&app, &d.kikan, &format!("/api/v1/meetings/{meeting}")).await;
    assert_eq!(
        m["agenda"][0]["minutes"]["decisions"], "基幹が長男に訪問",
        "{m}"
    );
    assert_eq!(
        m["agenda"][0]["minutes"]["roles"][0]["task"],
        "長男への訪問"
    );
    let (_, m) = get(&app, &d.jiritsu, &format!("/api/v1/meetings/{meeting}")).await;
    assert_eq!(m["agenda"][0]["minutes"], Value::Null, "{m}");
    // The lead agency reads the case but is no member: the closed meeting does not exist
    // for it, nor its minutes.
    assert!(reads_case(&app, &d.houkatsu, case).await);
    let (status, _) = get(&app, &d.houkatsu, &format!("/api/v1/meetings/{meeting}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let houkatsu = app.login("daisen.houkatsu").await;
    let (status, _) = app
        .get_text(&houkatsu, &format!("/meetings/{meeting}/print"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The page shows the member the case and the minutes; the unacknowledged member a
    // placeholder and the acknowledgement button.
    let kikan = app.login("daisen.kikan").await;
    let (_, page) = app.get_text(&kikan, &format!("/meetings/{meeting}")).await;
    assert!(page.contains("角間川 正志"), "{page}");
    assert!(page.contains("基幹が長男に訪問"));
    let jiritsu = app.login("daisen.jiritsu").await;
    let (_, page) = app
        .get_text(&jiritsu, &format!("/meetings/{meeting}"))
        .await;
    assert!(page.contains("閲覧できないケース"), "{page}");
    assert!(!page.contains("角間川"));
    assert!(page.contains("守秘義務を確認しました"));

    // Off the agenda: the member's access ends at once.
    let (status, _) = app
        .api_send(
            &d.kikan,
            Method::DELETE,
            &format!("/api/v1/meetings/{meeting}/agenda/{item}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only managers remove");
    let (status, _) = app
        .api_send(
            &d.coordinator,
            Method::DELETE,
            &format!("/api/v1/meetings/{meeting}/agenda/{item}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(!reads_case(&app, &d.kikan, case).await);
    let (status, _) = app
        .get_text(&kikan, &format!("/cases/{case}/support-plans"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, page) = app.get_text(&kikan, &format!("/meetings/{meeting}")).await;
    assert!(!page.contains("角間川"), "{page}");
    assert!(page.contains("閲覧できないケース"));
}

async fn multilayer_meeting_needs_consent_and_takes_the_case_over(app: TestApp) {
    let d = daisen(&app).await;
    let (person, case) = case_of_new_person(&app, &d, "神宮寺 ハナ").await;
    let support = support_meeting(&app, &d).await;
    let (status, _) = add_agenda(&app, &d.coordinator, support, case).await;
    assert_eq!(status, StatusCode::CREATED);

    let multilayer = create_meeting(&app, &d.coordinator, "multilayer_meeting").await;
    let (_, m) = get(
        &app,
        &d.coordinator,
        &format!("/api/v1/meetings/{multilayer}"),
    )
    .await;
    assert_eq!(m["name"], "「つながる・ささえる」支援会議");
    assert_eq!(m["host_agency_name"], "大仙市社会福祉協議会");
    // Staff of another agency cannot register a meeting hosted elsewhere.
    let (status, _) = post(
        &app,
        &d.kikan,
        "/api/v1/meetings",
        json!({ "kind": "multilayer_meeting", "held_on": "R8.6.10" }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Without consent: refused with the domain's message.
    let (status, v) = add_agenda(&app, &d.coordinator, multilayer, case).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["errors"][0].as_str().unwrap().contains("本人同意"), "{v}");
    // The move is not offered yet.
    let coordinator = app.login("daisen.coordinator").await;
    let (_, page) = app
        .get_text(&coordinator, &format!("/cases/{case}/move-to-multilayer"))
        .await;
    assert!(!page.contains("name=\"meeting_id\""), "{page}");
    let (_, m) = get(&app, &d.coordinator, &format!("/api/v1/meetings/{support}")).await;
    assert_eq!(m["agenda"][0]["offer_move_to_multilayer"], false);

    // With a consent covering the meeting: offered, and the move takes the case from the
    // 支援会議's agenda onto the 重層的支援会議's.
    record_consent(&app, &d, person, vec![d.houkatsu_agency, d.shakyo_agency]).await;
    let (_, m) = get(&app, &d.coordinator, &format!("/api/v1/meetings/{support}")).await;
    assert_eq!(m["agenda"][0]["offer_move_to_multilayer"], true, "{m}");
    let (_, page) = app
        .get_text(&coordinator, &format!("/cases/{case}/move-to-multilayer"))
        .await;
    assert!(page.contains(&format!("value=\"{multilayer}\"")), "{page}");
    let res = app
        .post_form(
            &coordinator,
            &format!("/cases/{case}/move-to-multilayer"),
            &hidden_csrf(&page),
            &[("meeting_id", multilayer.to_string())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, m) = get(&app, &d.coordinator, &format!("/api/v1/meetings/{support}")).await;
    assert!(m["agenda"][0]["removed_at"].is_string(), "{m}");
    let (_, m) = get(
        &app,
        &d.coordinator,
        &format!("/api/v1/meetings/{multilayer}"),
    )
    .await;
    assert_eq!(m["agenda"][0]["case_id"], case, "{m}");
    assert_eq!(m["agenda"][0]["subject_name"], "神宮寺 ハナ");
    // Already there.
    let (status, _) = add_agenda(&app, &d.coordinator, multilayer, case).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // A second case, consent recorded first: added directly.
    let (person2, case2) = case_of_new_person(&app, &d, "刈和野 一").await;
    record_consent(&app, &d, person2, vec![d.houkatsu_agency]).await;
    let (status, v) = add_agenda(&app, &d.coordinator, multilayer, case2).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");

    // A participant the consent does not name is flagged on the meeting page (and kasane
    // shares nothing of the case with it).
    add_member(&app, &d.coordinator, multilayer, d.jiritsu_agency).await;
    let (_, page) = app
        .get_text(&coordinator, &format!("/meetings/{multilayer}"))
        .await;
    assert!(page.contains("同意の範囲外"), "{page}");
    assert!(
        page.contains("本人同意が共有先にしていない構成機関: 自立相談支援機関"),
        "{page}"
    );
    // A role given to an agency that cannot read the case is marked on the page.
    assert!(!page.contains("ケースを閲覧できません"), "{page}");
    for agency in [d.houkatsu_agency, d.jiritsu_agency] {
        let (status, v) = post(
            &app,
            &d.coordinator,
            &format!("/api/v1/meetings/{multilayer}/roles"),
            json!({ "case_id": case, "agency_id": agency, "task": "見守り訪問" }),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
    }
    let (_, page) = app
        .get_text(&coordinator, &format!("/meetings/{multilayer}"))
        .await;
    assert_eq!(
        page.matches("ケースを閲覧できません(関与機関への追加か本人同意が必要)")
            .count(),
        1,
        "only 自立相談支援機関 is marked: {page}"
    );
}

fn plan_body(goal: &str, start: &str, end: &str, dates: &[&str], actions: Value) -> Value {
    json!({
        "person_goal": goal,
        "long_term_goal": "長男が家の外に居場所を持つ",
        "short_term_goal": "母の介護サービスを整える",
        "period_start": start,
        "period_end": end,
        "monitoring_dates": dates,
        "actions": actions,
    })
}

async fn create_plan(app: &TestApp, token: &str, case: i64, body: Value) -> i64 {
    created(
        app,
        token,
        &format!("/api/v1/cases/{case}/support-plans"),
        body,
    )
    .await
}

async fn plan_versions_are_kept_and_approved_by_a_multilayer_meeting(app: TestApp) {
    let d = daisen(&app).await;
    let (person, case) = case_of_new_person(&app, &d, "豊川 トメ").await;
    let start = today().to_string();
    let end = days_from_today(180);
    let mon = days_from_today(60);
    let actions = json!([
        { "what": "介護保険の申請支援", "agency_id": d.houkatsu_agency, "staff_name": "高橋", "by_when": "" },
        { "what": "", "agency_id": null },
    ]);
    // Invalid: every problem at once, 422.
    let (status, v) = post(
        &app,
        &d.houkatsu,
        &format!("/api/v1/cases/{case}/support-plans"),
        plan_body("", &start, &end, &[], json!([])),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["errors"].as_array().unwrap().len() >= 3, "{v}");
    // A responsible user must be staff of the action's agency.
    let kikan_user = app.user("daisen.kikan").await;
    let (status, v) = post(
        &app,
        &d.houkatsu,
        &format!("/api/v1/cases/{case}/support-plans"),
        plan_body(
            "家で暮らしたい",
            &start,
            &end,
            &[&mon],
            json!([{ "what": "訪問", "agency_id": d.houkatsu_agency, "staff_user_id": kikan_user.id }]),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    let v1 = create_plan(
        &app,
        &d.houkatsu,
        case,
        plan_body("母と家で暮らしたい", &start, &end, &[&mon], actions.clone()),
    )
    .await;
    // A revision names the version it revises; one of an older version is refused.
    let mut revision = plan_body(
        "母と家で暮らし続けたい(見直し)",
        &start,
        &end,
        &[&mon],
        actions,
    );
    let (status, v) = app
        .api_send(
            &d.houkatsu,
            Method::POST,
            &format!("/api/v1/cases/{case}/support-plans"),
            Some(revision.clone()),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a revision must name its version: {v}"
    );
    revision["revises"] = json!(1);
    let v2 = create_plan(&app, &d.houkatsu, case, revision.clone()).await;
    let (status, _) = app
        .api_send(
            &d.houkatsu,
            Method::POST,
            &format!("/api/v1/cases/{case}/support-plans"),
            Some(revision),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "version 1 was revised already"
    );
    let (_, list) = get(
        &app,
        &d.houkatsu,
        &format!("/api/v1/cases/{case}/support-plans"),
    )
    .await;
    assert_eq!(list["versions"].as_array().unwrap().len(), 2, "{list}");
    assert_eq!(list["versions"][0]["version"], 2);
    let (status, p1) = get(&app, &d.houkatsu, &format!("/api/v1/support-plans/{v1}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(p1["person_goal"], "母と家で暮らしたい");
    assert_eq!(p1["latest"], false);
    assert_eq!(p1["actions"].as_array().unwrap().len(), 1);
    let (_, p2) = get(&app, &d.houkatsu, &format!("/api/v1/support-plans/{v2}")).await;
    assert_eq!(p2["latest"], true);
    assert_eq!(p2["version"], 2);
    let houkatsu = app.login("daisen.houkatsu").await;
    let (status, page) = app
        .get_text(&houkatsu, &format!("/support-plans/{v1}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("旧版"), "{page}");
    assert!(page.contains("母と家で暮らしたい"));
    let (_, page) = app
        .get_text(&houkatsu, &format!("/support-plans/{v2}/print"))
        .await;
    assert!(page.contains("支援プラン(第2版)"), "{page}");
    assert!(page.contains("令和"), "和暦 on the sheet");
    // The revision form starts from the newest version.
    let (_, page) = app
        .get_text(&houkatsu, &format!("/cases/{case}/support-plans/new"))
        .await;
    assert!(page.contains("母と家で暮らし続けたい(見直し)"), "{page}");
    // Someone without a basis on the case: 404, and no plan.
    let (status, _) = get(&app, &d.jiritsu, &format!("/api/v1/support-plans/{v2}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Approval: not by a 支援会議, not by a 重層的支援会議 without the case on its agenda,
    // not by someone who does not manage the meeting.
    let support = support_meeting(&app, &d).await;
    add_agenda(&app, &d.coordinator, support, case).await;
    let approve = |meeting: i64, plan: i64, token: String| {
        let app = &app;
        async move {
            post(
                app,
                &token,
                &format!("/api/v1/support-plans/{plan}/approve"),
                json!({ "meeting_id": meeting }),
            )
            .await
        }
    };
    let (status, v) = approve(support, v2, d.coordinator.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let multilayer = create_meeting(&app, &d.coordinator, "multilayer_meeting").await;
    let (status, v) = approve(multilayer, v2, d.coordinator.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["errors"][0].as_str().unwrap().contains("議題"), "{v}");
    record_consent(&app, &d, person, vec![d.houkatsu_agency]).await;
    let (status, _) = add_agenda(&app, &d.coordinator, multilayer, case).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = approve(multilayer, v2, d.houkatsu.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not host, not member");
    let (status, _) = approve(multilayer, v1, d.coordinator.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "旧版");
    let (status, _) = post(
        &app,
        &d.houkatsu,
        &format!("/api/v1/support-plans/{v1}/evaluation"),
        json!({ "person_goal": "achieved", "long_term_goal": "achieved",
                "short_term_goal": "achieved", "note": "x", "next_step": "closure" }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "旧版 is read only");
    let (status, v) = approve(multilayer, v2, d.coordinator.clone()).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{v}");
    let (status, _) = approve(multilayer, v2, d.coordinator.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "once");
    let (_, p2) = get(&app, &d.houkatsu, &format!("/api/v1/support-plans/{v2}")).await;
    assert_eq!(p2["approved_meeting_id"], multilayer);
    let (_, page) = app
        .get_text(&houkatsu, &format!("/support-plans/{v2}"))
        .await;
    assert!(
        page.contains("「つながる・ささえる」支援会議"),
        "local name of the approving meeting: {page}"
    );
}

async fn overdue_monitoring_is_on_worklists_until_recorded(app: TestApp) {
    let d = daisen(&app).await;
    let (person, case) = case_of_new_person(&app, &d, "北楢岡 キヨ").await;
    // 基幹 reads the case on the person's consent; 自立相談 has no basis at all.
    record_consent(&app, &d, person, vec![d.kikan_agency]).await;
    let kikan_user = app.user("daisen.kikan").await;
    let start = days_from_today(-100);
    let end = days_from_today(200);
    let overdue_on = days_from_today(-10);
    let later_on = days_from_today(100);
    let plan = create_plan(
        &app,
        &d.houkatsu,
        case,
        plan_body(
            "家で暮らしたい",
            &start,
            &end,
            &[&overdue_on, &later_on],
            json!([
                { "what": "長男への訪問", "agency_id": d.kikan_agency, "staff_name": "伊藤",
                  "staff_user_id": kikan_user.id, "frequency": "月2回" },
                { "what": "家計の相談", "agency_id": d.jiritsu_agency },
            ]),
        ),
    )
    .await;
    let (_, p) = get(
        &app,
        &d.houkatsu,
        &format!("/api/v1/support-plans/{plan}/monitoring"),
    )
    .await;
    assert_eq!(p[0]["state"], "overdue", "{p}");
    assert_eq!(p[1]["state"], "later");
    let monitoring = p[0]["id"].as_i64().unwrap();

    let due_ids = |v: &Value| -> Vec<i64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|m| m["monitoring_id"].as_i64().unwrap())
            .collect()
    };
    // The named staff and the coordinator see it, overdue; 自立相談 (named agency without a
    // basis on the case) does not — no names leak.
    let (_, v) = get(&app, &d.kikan, "/api/v1/monitoring/due").await;
    let line = v
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["monitoring_id"] == monitoring)
        .unwrap_or_else(|| panic!("on the named staff's worklist: {v}"));
    assert_eq!(line["state"], "overdue");
    assert_eq!(line["subject_name"], "北楢岡 キヨ");
    let (_, v) = get(&app, &d.coordinator, "/api/v1/monitoring/due").await;
    assert!(due_ids(&v).contains(&monitoring), "{v}");
    let (_, v) = get(&app, &d.jiritsu, "/api/v1/monitoring/due").await;
    assert!(!due_ids(&v).contains(&monitoring), "{v}");
    // The one worklist endpoint carries it too.
    let (_, w) = get(&app, &d.kikan, "/api/v1/worklist").await;
    assert!(due_ids(&w["monitoring"]).contains(&monitoring), "{w}");
    let (_, w) = get(&app, &d.jiritsu, "/api/v1/worklist").await;
    assert!(!due_ids(&w["monitoring"]).contains(&monitoring), "{w}");
    let kikan = app.login("daisen.kikan").await;
    let (_, home) = app.get_text(&kikan, "/").await;
    assert!(home.contains("北楢岡 キヨさん — モニタリング"), "{home}");
    assert!(home.contains("期日超過"));
    let coordinator = app.login("daisen.coordinator").await;
    let (_, home) = app.get_text(&coordinator, "/").await;
    assert!(home.contains("北楢岡 キヨさん — モニタリング"), "{home}");
    let jiritsu = app.login("daisen.jiritsu").await;
    let (_, home) = app.get_text(&jiritsu, "/").await;
    assert!(!home.contains("北楢岡"), "{home}");

    // Recording: read-only consent basis cannot; the lead agency records every action.
    let (_, p) = get(&app, &d.houkatsu, &format!("/api/v1/support-plans/{plan}")).await;
    let actions: Vec<i64> = p["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    let entries = json!({ "entries": [
        { "action_id": actions[0], "progress": "in_progress", "note": "月2回訪問中" },
        { "action_id": actions[1], "progress": "not_done", "note": "" },
    ]});
    let (status, _) = post(
        &app,
        &d.kikan,
        &format!("/api/v1/monitoring/{monitoring}"),
        entries.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, v) = post(
        &app,
        &d.houkatsu,
        &format!("/api/v1/monitoring/{monitoring}"),
        entries,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not_done needs a note: {v}"
    );
    // The form page, then the round through it.
    let houkatsu = app.login("daisen.houkatsu").await;
    let (status, page) = app
        .get_text(&houkatsu, &format!("/monitoring/{monitoring}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("期日超過"), "{page}");
    let res = app
        .post_form(
            &houkatsu,
            &format!("/monitoring/{monitoring}"),
            &hidden_csrf(&page),
            &[
                (format!("progress_{}", actions[0]), "done".to_string()),
                (format!("note_{}", actions[0]), "訪問できた".to_string()),
                (format!("progress_{}", actions[1]), "not_done".to_string()),
                (
                    format!("note_{}", actions[1]),
                    "本人の体調不良で延期".to_string(),
                ),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Gone from every worklist; the plan shows it done.
    let (_, v) = get(&app, &d.kikan, "/api/v1/monitoring/due").await;
    assert!(!due_ids(&v).contains(&monitoring), "{v}");
    let (_, v) = get(&app, &d.coordinator, "/api/v1/monitoring/due").await;
    assert!(!due_ids(&v).contains(&monitoring), "{v}");
    let (_, home) = app.get_text(&kikan, "/").await;
    assert!(!home.contains("北楢岡"), "{home}");
    let (_, p) = get(
        &app,
        &d.houkatsu,
        &format!("/api/v1/support-plans/{plan}/monitoring"),
    )
    .await;
    assert_eq!(p[0]["state"], "done", "{p}");
    assert_eq!(p[0]["entries"][1]["progress"], "not_done");
    let (status, _) = post(
        &app,
        &d.houkatsu,
        &format!("/api/v1/monitoring/{monitoring}"),
        json!({ "entries": [] }),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "recorded once");
}

async fn evaluation_is_recorded_once(app: TestApp) {
    let d = daisen(&app).await;
    let (_, case) = case_of_new_person(&app, &d, "土川 ミツ").await;
    let start = days_from_today(-180);
    let end = days_from_today(-1);
    let mon = days_from_today(-90);
    let plan = create_plan(
        &app,
        &d.houkatsu,
        case,
        plan_body(
            "家で暮らしたい",
            &start,
            &end,
            &[&mon],
            json!([{ "what": "介護保険の申請支援", "agency_id": d.houkatsu_agency }]),
        ),
    )
    .await;
    let path = format!("/api/v1/support-plans/{plan}/evaluation");
    let (status, v) = post(&app, &d.houkatsu, &path, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["errors"].as_array().unwrap().len(), 5, "{v}");
    let body = json!({ "person_goal": "achieved", "long_term_goal": "partly",
        "short_term_goal": "achieved", "note": "母の介護サービスが整った", "next_step": "closure" });
    let (status, _) = post(&app, &d.kikan, &path, body.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no basis");
    let (status, v) = post(&app, &d.houkatsu, &path, body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (status, _) = post(&app, &d.houkatsu, &path, body).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, p) = get(&app, &d.houkatsu, &format!("/api/v1/support-plans/{plan}")).await;
    assert_eq!(p["evaluation"]["long_term_goal"], "partly", "{p}");
    assert_eq!(p["evaluation"]["next_step"], "closure");
    // The page leads to the next step: the case's closure.
    let houkatsu = app.login("daisen.houkatsu").await;
    let (_, page) = app
        .get_text(&houkatsu, &format!("/support-plans/{plan}/evaluation"))
        .await;
    assert!(page.contains("ケースの終結を記録する"), "{page}");
    assert!(page.contains(&format!("/cases/{case}#status")));
    assert!(page.contains("一部達成"));
}

async fn meetings_and_plans_of_another_municipality_are_not_found(app: TestApp) {
    let d = daisen(&app).await;
    let (_, case) = case_of_new_person(&app, &d, "大曲 タロウ").await;
    let meeting = support_meeting(&app, &d).await;
    let mon = days_from_today(30);
    let end = days_from_today(60);
    let plan = create_plan(
        &app,
        &d.houkatsu,
        case,
        plan_body(
            "家で暮らしたい",
            &today().to_string(),
            &end,
            &[&mon],
            json!([{ "what": "訪問", "agency_id": d.houkatsu_agency }]),
        ),
    )
    .await;
    let yuzawa = app.token("yuzawa.coordinator").await;
    for path in [
        format!("/api/v1/meetings/{meeting}"),
        format!("/api/v1/support-plans/{plan}"),
        format!("/api/v1/cases/{case}/support-plans"),
        format!("/api/v1/support-plans/{plan}/monitoring"),
    ] {
        let (status, _) = get(&app, &yuzawa, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = add_agenda(&app, &yuzawa, meeting, case).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = get(&app, &yuzawa, "/api/v1/meetings").await;
    assert!(
        !list["meetings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == meeting),
        "{list}"
    );
    // The meeting list of 大仙市's coordinator shows it, with the kind filter.
    let (_, list) = get(
        &app,
        &d.coordinator,
        "/api/v1/meetings?kind=support_meeting",
    )
    .await;
    assert!(
        list["meetings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == meeting)
    );
    let (_, list) = get(
        &app,
        &d.coordinator,
        "/api/v1/meetings?kind=multilayer_meeting",
    )
    .await;
    assert!(
        !list["meetings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == meeting)
    );
    let coordinator = app.login("daisen.coordinator").await;
    let (status, page) = app.get_text(&coordinator, "/meetings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("「つながる・ささえる」ネットワーク会議"),
        "{page}"
    );
    assert!(page.contains("令和"));
}

async fn openapi_lists_the_meetings_and_plans_api(app: TestApp) {
    let doc: Value = Client::new()
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tags: Vec<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for tag in ["meetings", "support-plans", "monitoring"] {
        assert!(tags.contains(&tag), "tag {tag} in {tags:?}");
    }
    for (path, method, tag) in [
        ("/api/v1/meetings", "get", "meetings"),
        ("/api/v1/meetings", "post", "meetings"),
        ("/api/v1/meetings/{id}", "get", "meetings"),
        ("/api/v1/meetings/{id}/members", "post", "meetings"),
        (
            "/api/v1/meetings/{id}/members/{agency_id}/acknowledge",
            "post",
            "meetings",
        ),
        ("/api/v1/meetings/{id}/agenda", "post", "meetings"),
        (
            "/api/v1/meetings/{id}/agenda/{item_id}",
            "delete",
            "meetings",
        ),
        (
            "/api/v1/meetings/{id}/agenda/{item_id}/minutes",
            "put",
            "meetings",
        ),
        (
            "/api/v1/meetings/{id}/agenda/{item_id}/minutes/versions",
            "get",
            "meetings",
        ),
        ("/api/v1/meetings/{id}/roles", "post", "meetings"),
        ("/api/v1/cases/{id}/support-plans", "get", "support-plans"),
        ("/api/v1/cases/{id}/support-plans", "post", "support-plans"),
        ("/api/v1/support-plans/{id}", "get", "support-plans"),
        (
            "/api/v1/support-plans/{id}/approve",
            "post",
            "support-plans",
        ),
        ("/api/v1/support-plans/{id}/monitoring", "get", "monitoring"),
        ("/api/v1/monitoring/{id}", "post", "monitoring"),
        (
            "/api/v1/support-plans/{id}/evaluation",
            "post",
            "monitoring",
        ),
        ("/api/v1/monitoring/due", "get", "monitoring"),
    ] {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "missing {method} {path}");
        assert_eq!(op["tags"], json!([tag]), "{method} {path}");
        assert!(op["security"].is_array(), "{method} {path} is secured");
    }
}

/// Posts a page form with the page's CSRF token; answers the status and the redirect.
async fn submit(
    app: &TestApp,
    client: &Client,
    form_page: &str,
    action: &str,
    fields: &[(&str, String)],
) -> (StatusCode, String) {
    let csrf = app.page_csrf(client, form_page).await;
    let res = app.post_form(client, action, &csrf, fields).await;
    let status = res.status();
    let location = location(&res);
    let body = res.text().await.unwrap();
    (status, if location.is_empty() { body } else { location })
}

/// Posts a page form that must be accepted (a redirect); answers where to.
async fn submit_ok(
    app: &TestApp,
    client: &Client,
    form_page: &str,
    action: &str,
    fields: &[(&str, String)],
) -> String {
    let (status, location) = submit(app, client, form_page, action, fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{action}: {location}");
    location
}

async fn pages_take_a_case_through_a_meeting_a_plan_and_its_evaluation(app: TestApp) {
    let d = daisen(&app).await;
    let (_, case) = case_of_new_person(&app, &d, "協和 ヨシ").await;
    let coordinator = app.login("daisen.coordinator").await;

    // A 支援会議 through the form: the host comes from the configuration.
    let (status, page) = app.get_text(&coordinator, "/meetings/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("社会福祉課"), "{page}");
    let (status, bad) = submit(
        &app,
        &coordinator,
        "/meetings/new",
        "/meetings/new",
        &[
            ("kind", "support_meeting".into()),
            ("held_on", "平成31年5月1日".into()),
        ],
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "re-rendered with the problem"
    );
    assert!(bad.contains("class=\"errors\""), "{bad}");
    let location = submit_ok(
        &app,
        &coordinator,
        "/meetings/new",
        "/meetings/new",
        &[
            ("kind", "support_meeting".into()),
            ("held_on", "R8.6.10".into()),
            ("place", "大曲庁舎".into()),
        ],
    )
    .await;
    let meeting: i64 = location
        .trim_start_matches("/meetings/")
        .trim_end_matches("?saved=1")
        .parse()
        .unwrap();
    let meeting_page = location;
    let shakyo = d.shakyo_agency.to_string();
    submit_ok(
        &app,
        &coordinator,
        &meeting_page,
        &format!("/meetings/{meeting}/members"),
        &[
            ("agency_id", shakyo.clone()),
            ("attendee_name", "佐々木".into()),
        ],
    )
    .await;
    submit_ok(
        &app,
        &coordinator,
        &meeting_page,
        &format!("/meetings/{meeting}/members/{shakyo}/acknowledge"),
        &[],
    )
    .await;
    let (_, page) = app.get_text(&coordinator, &meeting_page).await;
    assert!(
        page.contains(&format!("<option value=\"{case}\">")),
        "the case is offered: {page}"
    );
    submit_ok(
        &app,
        &coordinator,
        &meeting_page,
        &format!("/meetings/{meeting}/agenda"),
        &[("case_id", case.to_string())],
    )
    .await;
    let (_, m) = get(&app, &d.coordinator, &format!("/api/v1/meetings/{meeting}")).await;
    let item = m["agenda"][0]["id"].as_i64().unwrap();
    submit_ok(
        &app,
        &coordinator,
        &meeting_page,
        &format!("/meetings/{meeting}/agenda/{item}/minutes"),
        &[
            ("version", "0".into()),
            ("discussion", "長男の状況を共有".into()),
            ("decisions", "包括が母を訪問".into()),
        ],
    )
    .await;
    submit_ok(
        &app,
        &coordinator,
        &meeting_page,
        &format!("/meetings/{meeting}/roles"),
        &[
            ("case_id", case.to_string()),
            ("agency_id", d.houkatsu_agency.to_string()),
            ("staff_name", "高橋".into()),
            ("task", "母の介護保険の申請支援".into()),
            ("due_on", "R8.7.1".into()),
        ],
    )
    .await;
    let (_, print) = app
        .get_text(&coordinator, &format!("/meetings/{meeting}/print"))
        .await;
    for expected in [
        "会議録",
        "「つながる・ささえる」ネットワーク会議",
        "令和8年6月10日",
        "包括が母を訪問",
        "母の介護保険の申請支援",
        "令和8年7月1日",
        "第106条の6",
    ] {
        assert!(print.contains(expected), "{expected}: {print}");
    }

    // A plan through the form (spare rows left blank), then its evaluation.
    let houkatsu = app.login("daisen.houkatsu").await;
    let new_plan = format!("/cases/{case}/support-plans/new");
    let start = today().to_string();
    let end = days_from_today(90);
    let mon = days_from_today(30);
    let houkatsu_user = app.user("daisen.houkatsu").await;
    let mut fields = vec![
        ("person_goal", "母と家で暮らしたい".to_string()),
        ("long_term_goal", "長男が外出できる".into()),
        ("short_term_goal", "母の介護サービスを整える".into()),
        ("period_start", start),
        ("period_end", end),
        ("monitoring_dates", mon),
        ("monitoring_dates", String::new()),
    ];
    for (what, agency, user) in [
        (
            "介護保険の申請支援",
            d.houkatsu_agency.to_string(),
            houkatsu_user.id.to_string(),
        ),
        ("", String::new(), String::new()),
    ] {
        fields.extend([
            ("a_what", what.to_string()),
            ("a_agency_id", agency),
            ("a_staff_name", String::new()),
            ("a_staff_user_id", user),
            ("a_by_when", String::new()),
            ("a_frequency", String::new()),
        ]);
    }
    let location = submit_ok(&app, &houkatsu, &new_plan, &new_plan, &fields).await;
    let plan: i64 = location
        .trim_start_matches("/support-plans/")
        .trim_end_matches("?saved=1")
        .parse()
        .unwrap();
    let (_, p) = get(&app, &d.houkatsu, &format!("/api/v1/support-plans/{plan}")).await;
    assert_eq!(p["actions"].as_array().unwrap().len(), 1, "{p}");
    assert_eq!(p["actions"][0]["staff_user_id"], houkatsu_user.id);
    let eval = format!("/support-plans/{plan}/evaluation");
    submit_ok(
        &app,
        &houkatsu,
        &eval,
        &eval,
        &[
            ("person_goal", "partly".into()),
            ("long_term_goal", "not_achieved".into()),
            ("short_term_goal", "achieved".into()),
            ("note", "介護サービスは整ったが長男の外出は未だ".into()),
            ("next_step", "new_plan".into()),
        ],
    )
    .await;
    let (_, page) = app.get_text(&houkatsu, &eval).await;
    assert!(page.contains("新しいプランを作成する"), "{page}");
    assert!(page.contains(&new_plan));
}

/// Two managers edit the same minutes: the second save, made from the version both read,
/// is refused (409) and overwrites nothing; every version stays readable; the page shows
/// the newest beside what was sent and a form to save again from the newest.
async fn minutes_keep_every_version_and_refuse_a_stale_save(app: TestApp) {
    let d = daisen(&app).await;
    let (_, case) = case_of_new_person(&app, &d, "版木 守").await;
    let meeting = support_meeting(&app, &d).await;
    let (status, v) = add_agenda(&app, &d.coordinator, meeting, case).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let item = v["id"].as_i64().unwrap();
    let path = format!("/api/v1/meetings/{meeting}/agenda/{item}/minutes");
    let save = |version: i64, discussion: &str| {
        let (app, token, path) = (&app, d.coordinator.clone(), path.clone());
        let body = json!({ "version": version, "discussion": discussion, "decisions": "継続" });
        async move { app.api_send(&token, Method::PUT, &path, Some(body)).await }
    };
    let (status, v) = save(0, "第一稿").await;
    assert_eq!((status, v["version"].as_i64()), (StatusCode::OK, Some(1)));
    let (status, v) = save(1, "第二稿").await;
    assert_eq!((status, v["version"].as_i64()), (StatusCode::OK, Some(2)));
    // From version 1 again: someone's form was opened before 第二稿.
    let (status, v) = save(1, "古い画面から").await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["type"], "urn:kasane:problem:conflict");
    let (_, m) = get(&app, &d.coordinator, &format!("/api/v1/meetings/{meeting}")).await;
    assert_eq!(m["agenda"][0]["minutes"]["discussion"], "第二稿", "{m}");
    assert_eq!(m["agenda"][0]["minutes"]["version"], 2);
    let (status, v) = get(&app, &d.coordinator, &format!("{path}/versions")).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let texts: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["discussion"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["第二稿", "第一稿"]);
    // An agency that is not a member reads no history (as it reads no minutes).
    let (status, _) = get(&app, &d.houkatsu, &format!("{path}/versions")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The page: a stale save is shown beside the newest, the form based on the newest.
    let coordinator = app.login("daisen.coordinator").await;
    let meeting_page = format!("/meetings/{meeting}");
    let (status, html) = submit(
        &app,
        &coordinator,
        &meeting_page,
        &format!("/meetings/{meeting}/agenda/{item}/minutes"),
        &[
            ("version", "1".into()),
            ("discussion", "紙のメモから".into()),
            ("decisions", "".into()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("最新の会議録(第2版)"), "{html}");
    assert!(
        html.contains("第二稿") && html.contains("紙のメモから"),
        "{html}"
    );
    assert!(html.contains(r#"name="version" value="2""#), "{html}");
    let (_, html) = app
        .get_text(
            &coordinator,
            &format!("/meetings/{meeting}/agenda/{item}/minutes/versions"),
        )
        .await;
    assert!(html.contains("第2版") && html.contains("第1版") && html.contains("第一稿"));
}

/// Clients at once, each saving the same minutes and the same assessment from the version
/// it last saw: 1,200 conflicting saves on each engine. Every save answers 200/201 or 409
/// (never 5xx: SQLite's single writer queues them); every accepted save was made from the
/// version before it and is in the history as sent — nothing was overwritten unseen.
async fn conflicting_saves_lose_nothing_and_never_fail(app: TestApp) {
    const CLIENTS: usize = 8;
    const ATTEMPTS: usize = 75; // per client and record: 8 × 75 × 2 = 1,200
    let d = daisen(&app).await;
    let (_, case) = case_of_new_person(&app, &d, "競合 試験").await;
    let meeting = support_meeting(&app, &d).await;
    let (_, v) = add_agenda(&app, &d.coordinator, meeting, case).await;
    let item = v["id"].as_i64().unwrap();
    let minutes = format!("/api/v1/meetings/{meeting}/agenda/{item}/minutes");
    let assessments = format!("/api/v1/cases/{case}/assessments");
    let tokens = [d.coordinator.clone(), d.houkatsu.clone()];

    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let race = Race {
            base: app.base.clone(),
            store: app.store.clone(),
            // The host manages the minutes; both the host and the lead agency assess.
            minutes_token: d.coordinator.clone(),
            sheet_token: tokens[c % 2].clone(),
            minutes: minutes.clone(),
            meeting: format!("/api/v1/meetings/{meeting}"),
            assessments: assessments.clone(),
            case,
        };
        clients.push(tokio::spawn(race.run(c, ATTEMPTS)));
    }
    let mut results = Vec::new();
    for client in clients {
        results.push(client.await.unwrap());
    }
    let conflicts: usize = results.iter().map(|(_, n)| n).sum();
    let accepted: Vec<Accepted> = results.into_iter().flat_map(|(a, _)| a).collect();
    assert_eq!(accepted.len() + conflicts, CLIENTS * ATTEMPTS * 2);
    assert!(conflicts > 0, "the saves did conflict");

    let (_, history) = get(&app, &d.coordinator, &format!("{minutes}/versions")).await;
    let kept_minutes: std::collections::HashMap<i64, String> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_i64().unwrap(),
                v["discussion"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let kept_sheets: std::collections::HashMap<i64, String> = app
        .store
        .assessments(case)
        .await
        .unwrap()
        .into_iter()
        .map(|a| {
            let sheet: Value = serde_json::from_str(&a.sheet).unwrap();
            (
                i64::from(a.version),
                sheet["wishes"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (record, kept) in [("minutes", &kept_minutes), ("assessment", &kept_sheets)] {
        let mine: Vec<_> = accepted.iter().filter(|a| a.0 == record).collect();
        // One accepted save per version, each from the one before: none saved unseen over
        // another.
        assert_eq!(
            mine.len(),
            kept.len(),
            "{record}: every version is an accepted save"
        );
        for (_, from, new, text) in mine {
            assert_eq!(*new, from + 1, "{record}: saved from the version before");
            assert_eq!(kept.get(new), Some(text), "{record} v{new} kept as sent");
        }
    }
    eprintln!(
        "lost updates ({:?}): {} saves, {} accepted, {} refused with 409, 0 overwritten, 0 5xx",
        app.engine,
        CLIENTS * ATTEMPTS * 2,
        accepted.len(),
        conflicts
    );
}

/// One client of [`conflicting_saves_lose_nothing_and_never_fail`].
struct Race {
    base: String,
    store: kasane_store::Store,
    minutes_token: String,
    sheet_token: String,
    minutes: String,
    meeting: String,
    assessments: String,
    case: i64,
}

/// An accepted save: record, from version, answered version, text.
type Accepted = (&'static str, i64, i64, String);

impl Race {
    async fn send(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let res = Client::new()
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// Saves both records `attempts` times each from the version last seen; re-reads the
    /// version after a 409. Answers the accepted saves and the number refused.
    async fn run(self, c: usize, attempts: usize) -> (Vec<Accepted>, usize) {
        let mut accepted = Vec::new();
        let (mut conflicts, mut known_minutes, mut known_sheet) = (0, 0i64, 0i64);
        for i in 0..attempts {
            let text = format!("client {c} attempt {i}");
            let body = json!({ "version": known_minutes, "discussion": text, "decisions": "" });
            let (status, v) = self
                .send(&self.minutes_token, Method::PUT, &self.minutes, body)
                .await;
            match status {
                StatusCode::OK => {
                    let new = v["version"].as_i64().unwrap();
                    accepted.push(("minutes", known_minutes, new, text.clone()));
                    known_minutes = new;
                }
                StatusCode::CONFLICT => {
                    conflicts += 1;
                    let res = Client::new()
                        .get(format!("{}{}", self.base, self.meeting))
                        .bearer_auth(&self.minutes_token)
                        .send()
                        .await
                        .unwrap();
                    let m: Value = res.json().await.unwrap();
                    known_minutes = m["agenda"][0]["minutes"]["version"].as_i64().unwrap();
                }
                other => panic!("minutes save answered {other}: {v}"),
            }
            let body = json!({ "version": known_sheet, "wishes": text });
            let (status, v) = self
                .send(&self.sheet_token, Method::POST, &self.assessments, body)
                .await;
            match status {
                StatusCode::CREATED => {
                    let new = v["version"].as_i64().unwrap();
                    accepted.push(("assessment", known_sheet, new, text));
                    known_sheet = new;
                }
                StatusCode::CONFLICT => {
                    conflicts += 1;
                    known_sheet = self
                        .store
                        .assessments(self.case)
                        .await
                        .unwrap()
                        .first()
                        .map_or(0, |a| i64::from(a.version));
                }
                other => panic!("assessment save answered {other}: {v}"),
            }
        }
        (accepted, conflicts)
    }
}

/// A meeting is corrected by whoever runs it (開催日, 場所, 次回の見直し日, 備考) from the
/// version it was shown at: a stale save is refused (409) and shown beside the newest on the
/// page, nothing changed or a review before the meeting is a 422, a member agency is refused
/// (403) and anyone else does not find it (404); every version is kept and the change audited.
async fn meetings_are_corrected_with_versions_by_whoever_runs_them(app: TestApp) {
    let d = daisen(&app).await;
    let meeting = support_meeting(&app, &d).await;
    add_member(&app, &d.coordinator, meeting, d.houkatsu_agency).await;
    let path = format!("/api/v1/meetings/{meeting}");
    let (_, m) = get(&app, &d.coordinator, &path).await;
    assert_eq!(m["version"], 1, "{m}");
    let held = days_from_today(-1);
    let body = |version: i64, place: &str, next: &str| {
        json!({ "version": version, "held_on": held, "place": place,
                "next_review_on": next, "note": "" })
    };
    let put = |token: String, body: Value| {
        let (app, path) = (&app, path.clone());
        async move { app.api_send(&token, Method::PUT, &path, Some(body)).await }
    };
    let next = days_from_today(30);
    let (status, v) = put(
        d.coordinator.clone(),
        body(1, "大仙市役所 第2会議室", &next),
    )
    .await;
    assert_eq!(
        (status, v["version"].as_i64()),
        (StatusCode::OK, Some(2)),
        "{v}"
    );
    let (_, m) = get(&app, &d.coordinator, &path).await;
    assert_eq!(m["place"], "大仙市役所 第2会議室", "{m}");
    assert_eq!(m["held_on"], held.as_str(), "{m}");
    assert_eq!(m["kind"], "support_meeting", "the kind stays: {m}");

    // From version 1 again (a form opened before the save), nothing changed, a review
    // before the meeting: each refused, nothing saved.
    let (status, v) = put(d.coordinator.clone(), body(1, "古い画面から", "")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    let (status, v) = put(
        d.coordinator.clone(),
        body(2, "大仙市役所 第2会議室", &next),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let before = days_from_today(-30);
    let (status, v) = put(d.coordinator.clone(), body(2, "会議室", &before)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v.to_string().contains("次回の見直し日が開催日より前"),
        "{v}"
    );
    // A member attends but does not run it; another agency does not see it at all.
    let (status, v) = put(d.houkatsu.clone(), body(2, "包括から", "")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    let (status, v) = put(d.kikan.clone(), body(2, "基幹から", "")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
    let yuzawa = app.token("yuzawa.coordinator").await;
    let (status, v) = put(yuzawa, body(2, "湯沢から", "")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
    let (_, m) = get(&app, &d.coordinator, &path).await;
    assert_eq!(
        (m["version"].as_i64(), m["place"].as_str()),
        (Some(2), Some("大仙市役所 第2会議室"))
    );

    let (kept, changed) = versions_kept(&app, &d.coordinator, &path).await;
    assert_eq!(kept.as_array().map(Vec::len), Some(2), "{kept}");
    assert_eq!(changed, ["開催日", "開催場所", "次回の見直し日"], "{kept}");
    let audited = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'update' AND object_type = 'meeting' \
             AND object_id = '{meeting}' AND reason = '開催日・開催場所・次回の見直し日'"
        ))
        .await;
    assert_eq!(audited, 1, "the labels, never the content");

    // The page: the form from the newest version, a stale save beside the newest (409), a
    // save confirmed on the meeting page with its history.
    let coordinator = app.login("daisen.coordinator").await;
    let edit = format!("/meetings/{meeting}/edit");
    let (status, html) = app.get_text(&coordinator, &edit).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("第2版から"), "{html}");
    let fields = |version: &str, place: &str| {
        vec![
            ("version", version.to_string()),
            ("held_on", held.clone()),
            ("place", place.to_string()),
            ("next_review_on", String::new()),
            ("note", "資料は当日配布".to_string()),
        ]
    };
    let (status, html) = submit(
        &app,
        &coordinator,
        &edit,
        &edit,
        &fields("1", "紙のメモから"),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        html.contains("大仙市役所 第2会議室") && html.contains("紙のメモから"),
        "{html}"
    );
    assert!(html.contains(r#"name="version" value="2""#), "{html}");
    let to = submit_ok(
        &app,
        &coordinator,
        &edit,
        &edit,
        &fields("2", "大仙市役所 第3会議室"),
    )
    .await;
    assert_eq!(to, format!("/meetings/{meeting}?saved=1"));
    let (_, html) = app.get_text(&coordinator, &to).await;
    assert!(
        html.contains("記録しました") && html.contains("修正履歴"),
        "{html}"
    );
    assert!(
        html.contains("大仙市役所 第3会議室") && html.contains("資料は当日配布"),
        "{html}"
    );
    // A member's page offers no correction.
    let houkatsu = app.login("daisen.houkatsu").await;
    let (status, html) = app
        .get_text(&houkatsu, &format!("/meetings/{meeting}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("会議の記録を修正する"), "{html}");
    let (status, _) = app.get_text(&houkatsu, &edit).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// The versions kept of the record at `path` (`…/versions` answers 200), and the fields
/// the newest changed.
async fn versions_kept(app: &TestApp, token: &str, path: &str) -> (Value, Vec<String>) {
    let (status, kept) = get(app, token, &format!("{path}/versions")).await;
    assert_eq!(status, StatusCode::OK, "{kept}");
    let changed = kept[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap().to_string())
        .collect();
    (kept, changed)
}

/// Assigns a role for `case` at `meeting` (as the coordinator, who runs it): its id.
async fn assign(app: &TestApp, d: &Daisen, meeting: i64, case: i64, task: &str) -> i64 {
    let body = json!({ "case_id": case, "agency_id": d.houkatsu_agency, "task": task });
    let path = format!("/api/v1/meetings/{meeting}/roles");
    created(app, &d.coordinator, &path, body).await
}

/// A role assignment (役割分担) is corrected by whoever runs its meeting (担当機関, 担当者,
/// 役割, 期限) from the version it was shown at: a stale save is refused (409) and shown
/// beside the newest on the page, nothing changed or a missing 役割 is a 422 (the page marks
/// the field), a member agency is refused (403) and anyone else — or a role of another
/// meeting — is not found (404); every version is kept and the change audited by its labels.
async fn roles_are_corrected_with_versions_by_whoever_runs_the_meeting(app: TestApp) {
    let d = daisen(&app).await;
    let (_, case) = case_of_new_person(&app, &d, "役割 直子").await;
    let meeting = support_meeting(&app, &d).await;
    add_member(&app, &d.coordinator, meeting, d.houkatsu_agency).await;
    let (status, v) = add_agenda(&app, &d.coordinator, meeting, case).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let role = assign(&app, &d, meeting, case, "母の介護保険の申請支援").await;
    let (_, m) = get(&app, &d.coordinator, &format!("/api/v1/meetings/{meeting}")).await;
    assert_eq!(m["agenda"][0]["minutes"]["roles"][0]["version"], 1, "{m}");

    let path = format!("/api/v1/meetings/{meeting}/roles/{role}");
    let due = days_from_today(14);
    let body = |version: i64, agency: i64, staff: &str, task: &str| {
        json!({ "version": version, "agency_id": agency, "staff_name": staff,
                "task": task, "due_on": due })
    };
    let put = |token: String, body: Value| {
        let (app, path) = (&app, path.clone());
        async move { app.api_send(&token, Method::PUT, &path, Some(body)).await }
    };
    let task = "母の介護保険の申請支援";
    let (status, v) = put(d.coordinator.clone(), body(1, d.kikan_agency, "山田", task)).await;
    assert_eq!(
        (status, v["version"].as_i64()),
        (StatusCode::OK, Some(2)),
        "{v}"
    );

    // From version 1 again, nothing changed, no 役割: each refused, nothing saved.
    let (status, v) = put(
        d.coordinator.clone(),
        body(1, d.kikan_agency, "古い画面から", task),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["type"], "urn:kasane:problem:conflict");
    let (status, v) = put(d.coordinator.clone(), body(2, d.kikan_agency, "山田", task)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (status, v) = put(d.coordinator.clone(), body(2, d.kikan_agency, "山田", "")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v.to_string().contains("役割: "), "{v}");
    // A member attends but does not run it; another agency and another municipality do not
    // see it; a role of another meeting is not this meeting's.
    let (status, v) = put(d.houkatsu.clone(), body(2, d.kikan_agency, "包括", task)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    let (status, v) = put(d.jiritsu.clone(), body(2, d.kikan_agency, "自立", task)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
    let yuzawa = app.token("yuzawa.coordinator").await;
    let (status, v) = put(yuzawa, body(2, d.kikan_agency, "湯沢", task)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
    let other = support_meeting(&app, &d).await;
    add_agenda(&app, &d.coordinator, other, case).await;
    let elsewhere = assign(&app, &d, other, case, "別の会議の役割").await;
    let (status, v) = app
        .api_send(
            &d.coordinator,
            Method::PUT,
            &format!("/api/v1/meetings/{meeting}/roles/{elsewhere}"),
            Some(body(1, d.kikan_agency, "山田", task)),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
    let (_, m) = get(&app, &d.coordinator, &format!("/api/v1/meetings/{meeting}")).await;
    let r = &m["agenda"][0]["minutes"]["roles"][0];
    assert_eq!(
        (r["version"].as_i64(), r["staff_name"].as_str()),
        (Some(2), Some("山田")),
        "{m}"
    );
    assert_eq!(r["agency_id"].as_i64(), Some(d.kikan_agency), "{m}");

    let (kept, changed) = versions_kept(&app, &d.coordinator, &path).await;
    assert_eq!(kept.as_array().map(Vec::len), Some(2), "{kept}");
    assert_eq!(changed, ["担当機関", "担当者", "期限"], "{kept}");
    assert_eq!(kept[1]["version"], 1, "the role as assigned: {kept}");
    let audited = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'update' \
             AND object_type = 'role_assignment' AND object_id = '{role}' \
             AND reason = '担当機関・担当者・期限'"
        ))
        .await;
    assert_eq!(audited, 1, "the labels, never the content");
    // The history is read as the minutes are: not by a member that has not acknowledged.
    let (status, _) = get(&app, &d.houkatsu, &format!("{path}/versions")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = get(&app, &d.jiritsu, &format!("{path}/versions")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The page: the form from the newest version with its history, a stale save beside the
    // newest (409), a missing 役割 marked (422), a save confirmed on the meeting page.
    let coordinator = app.login("daisen.coordinator").await;
    let edit = format!("/meetings/{meeting}/roles/{role}/edit");
    let (status, html) = app.get_text(&coordinator, &edit).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("第2版から") && html.contains("修正履歴"),
        "{html}"
    );
    let fields = |version: &str, staff: &str, task: &str| {
        vec![
            ("version", version.to_string()),
            ("agency_id", d.kikan_agency.to_string()),
            ("staff_name", staff.to_string()),
            ("task", task.to_string()),
            ("due_on", due.clone()),
        ]
    };
    let (status, html) = submit(
        &app,
        &coordinator,
        &edit,
        &edit,
        &fields("1", "紙のメモから", task),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        html.contains("最新の版") && html.contains("山田") && html.contains("紙のメモから"),
        "{html}"
    );
    assert!(html.contains(r#"name="version" value="2""#), "{html}");
    let (status, html) = submit(&app, &coordinator, &edit, &edit, &fields("2", "佐藤", "")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains(r#"name="task" rows="2" required aria-invalid="true""#),
        "{html}"
    );
    assert!(
        html.contains(r#"value="佐藤""#),
        "what was typed stays: {html}"
    );
    let to = submit_ok(
        &app,
        &coordinator,
        &edit,
        &edit,
        &fields("2", "佐藤", "母の介護保険の申請と通院の付き添い"),
    )
    .await;
    assert_eq!(to, format!("/meetings/{meeting}?saved=1"));
    let (_, html) = app.get_text(&coordinator, &to).await;
    assert!(
        html.contains("記録しました") && html.contains("通院の付き添い"),
        "{html}"
    );
    assert!(
        html.contains(&format!(r#"href="{edit}""#)) && html.contains("履歴(第3版まで)"),
        "{html}"
    );
    // A member's page offers no correction, and its form is refused.
    let houkatsu = app.login("daisen.houkatsu").await;
    let (status, html) = app
        .get_text(&houkatsu, &format!("/meetings/{meeting}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains(&edit), "{html}");
    let (status, _) = app.get_text(&houkatsu, &edit).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
