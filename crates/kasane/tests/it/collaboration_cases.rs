//! Step 3 (多機関協働): cases, assessment and consent through the real API and pages, on both
//! engines — the status machine (illegal moves refused, every move recorded with who and
//! why), closure and reopening, hand-over distinct from closure, who sees a case (involved
//! agencies; consent naming an agency, until it is withdrawn; nobody else, nor another
//! municipality), assessment versions and the printable sheets.

use crate::common::{TestApp, hidden_csrf, location};
use kasane_store::audit::AuditFilter;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

both_engines!(
    status_moves_follow_the_path_and_are_recorded,
    closed_case_is_reopened_only_with_a_reason,
    handover_needs_another_lead_and_ends_coordination,
    only_involved_agencies_see_the_case,
    consent_gives_read_access_until_withdrawn,
    consent_in_force_offers_the_multilayer_meeting,
    assessment_versions_are_kept_and_printable,
    case_pages_open_a_case_and_keep_a_refused_move,
    openapi_lists_the_collaboration_api,
    escalated_intake_waits_on_the_coordinators_worklist,
    a_persons_consent_outside_a_case,
    an_expired_consent_gives_nothing,
    ending_an_involvement_asks_for_confirmation_and_a_reason,
    suspending_and_withdrawing_a_consent_are_confirmed_first,
);

const COORDINATOR: &str = "daisen.coordinator";
const HOUKATSU: &str = "daisen.houkatsu";
const KIKAN: &str = "daisen.kikan";
const JIRITSU: &str = "daisen.jiritsu";

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// A caller of the JSON API with a personal access token.
struct Caller<'a> {
    app: &'a TestApp,
    token: String,
}

impl Caller<'_> {
    /// Answers the status and the JSON body (`Null` when there is none).
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.app.api_send(&self.token, method, path, body).await
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }

    /// Posts a status event on a case.
    async fn event(&self, case: i64, body: Value) -> (StatusCode, Value) {
        self.post(&format!("/api/v1/cases/{case}/events"), body)
            .await
    }

    async fn case(&self, case: i64) -> (StatusCode, Value) {
        self.get(&format!("/api/v1/cases/{case}")).await
    }
}

async fn caller<'a>(app: &'a TestApp, username: &str) -> Caller<'a> {
    Caller {
        app,
        token: app.token(username).await,
    }
}

/// The problem's field messages, joined (for `contains`).
fn messages(v: &Value) -> String {
    v["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|m| m.as_str().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(" / ")
        })
        .unwrap_or_default()
}

/// A consultation escalated to 多機関協働 by the 地域包括支援センター about a new person (or
/// `person_id`); answers (person_id, intake_id).
async fn escalated_intake(houkatsu: &Caller<'_>, person: Value) -> (i64, i64) {
    let mut body = json!({
        "channel": "home_visit",
        "consulter_kind": "family",
        "consulter_name": "母",
        "consulter_relation": "母",
        "issues": ["hikikomori", "care"],
        "concerns": ["care"],
        "consent_to_share": true,
        "summary": "84歳の母の介護と、長男のひきこもり。複数の機関での支援が必要。",
        "urgency": "normal",
        "outcome": "escalated",
    });
    for (k, v) in person.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (status, v) = houkatsu.post("/api/v1/intakes", body).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    (
        v["person_id"].as_i64().unwrap(),
        v["intake_id"].as_i64().unwrap(),
    )
}

fn son() -> Value {
    json!({ "person": { "name": "仙北 拓也", "furigana": "センボク タクヤ",
        "birth_date": "S46.2.3", "phone": "0187-11-2233", "district": "kamioka" } })
}

/// An escalated intake and the case the coordinator opens from it (lead: the coordinating
/// agency); `agencies` are involved. Answers (person_id, case_id).
async fn opened_case(app: &TestApp, agencies: &[&str]) -> (i64, i64) {
    let houkatsu = caller(app, HOUKATSU).await;
    let coordinator = caller(app, COORDINATOR).await;
    let (person, intake) = escalated_intake(&houkatsu, son()).await;
    let mut ids = Vec::new();
    for code in agencies {
        ids.push(app.agency_id("daisen", code).await);
    }
    let (status, v) = coordinator
        .post(
            "/api/v1/cases",
            json!({ "intake_id": intake, "agencies": ids, "summary": "8050世帯への多機関協働" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    (person, v["id"].as_i64().unwrap())
}

/// A browser-like session and its CSRF token.
async fn session(app: &TestApp, username: &str) -> (Client, String) {
    let client = app.login(username).await;
    let csrf = app.page_csrf(&client, "/").await;
    (client, csrf)
}

/// Posts a page form (the CSRF token first); answers the status, the redirect target and
/// the page.
async fn submit(
    app: &TestApp,
    (client, csrf): &(Client, String),
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let res = app.post_form(client, path, csrf, fields).await;
    (res.status(), location(&res), res.text().await.unwrap())
}

/// Audit entries of one object type in 大仙市, newest first.
async fn audited(app: &TestApp, object_type: &str) -> Vec<kasane_domain::audit::AuditEntry> {
    let m = app.store.municipality_by_code("daisen").await.unwrap();
    app.store
        .audit_entries(&AuditFilter {
            municipality_id: m.id,
            object_type: Some(object_type.into()),
            limit: 20,
            ..Default::default()
        })
        .await
        .unwrap()
        .0
}

fn consent_body(agencies: &[i64]) -> Value {
    json!({
        "consenter": "person",
        "consented_on": "2026-11-01",
        "method": "written",
        "agencies": agencies,
        "meeting_kinds": ["multilayer_meeting"],
        "information": "氏名・生年月日・住所・連絡先、相談の内容、心身の状況、世帯の状況、支援の経過",
    })
}

// ---------------------------------------------------------------------------
// Status
// ---------------------------------------------------------------------------

async fn status_moves_follow_the_path_and_are_recorded(app: TestApp) {
    let coordinator = caller(&app, COORDINATOR).await;
    let (person, case) = opened_case(&app, &["kikan_sodan"]).await;

    let (status, v) = coordinator.case(case).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["person_id"], person);
    assert_eq!(v["status"]["code"], "intake");
    assert_eq!(v["lead_agency_name"], "大仙市社会福祉協議会");
    assert_eq!(v["kinds"][0]["code"], "collaboration");
    assert_eq!(v["may_manage"], true);
    assert!(
        v["agencies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["agency_name"] == "基幹相談支援センター" && a["left_at"].is_null()),
        "{v}"
    );
    assert_eq!(v["events"][0]["event"]["code"], "open");

    // Skipping a step is refused with the domain's message.
    let (status, v) = coordinator
        .event(case, json!({ "event": "advance", "to": "active" }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["type"], "urn:kasane:problem:validation");
    let m = messages(&v);
    assert!(m.contains("「受付」から「支援中」へは移せません"), "{m}");
    assert!(m.contains("次は「アセスメント」です"), "{m}");
    // Closing is not an advance.
    let (status, _) = coordinator
        .event(case, json!({ "event": "advance", "to": "closed" }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, v) = coordinator
        .event(case, json!({ "event": "jump", "note": "x" }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(messages(&v).contains("不明な操作です"), "{v}");

    // The main path, one step at a time.
    for to in ["assessment", "planning", "active"] {
        let (status, v) = coordinator
            .event(case, json!({ "event": "advance", "to": to }))
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        assert_eq!(v["status"]["code"], to);
    }
    // A suspension says why, and resumes where it left.
    let (status, v) = coordinator.event(case, json!({ "event": "suspend" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(messages(&v).contains("中断の理由を入力してください"), "{v}");
    let (status, v) = coordinator
        .event(
            case,
            json!({ "event": "suspend", "note": "母の入院のため" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["status"]["code"], "suspended");
    assert_eq!(v["suspended_from"], "active");
    let (status, v) = coordinator
        .event(case, json!({ "event": "resume", "note": "母が退院" }))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["status"]["code"], "active");

    // An involved agency that is not the lead reads but does not move the case.
    let kikan = caller(&app, KIKAN).await;
    let (status, v) = kikan.case(case).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["basis"], "involvement");
    assert_eq!(v["may_manage"], false);
    let (status, v) = kikan
        .event(case, json!({ "event": "advance", "to": "monitoring" }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    assert!(v["title"].as_str().unwrap().contains("主担当機関"), "{v}");

    // Every move is in the history with who, from → to and why.
    let (_, v) = coordinator.case(case).await;
    let events = v["events"].as_array().unwrap();
    let moves: Vec<(&str, &str, &str)> = events
        .iter()
        .filter(|e| !e["from_status"].is_null())
        .map(|e| {
            (
                e["from_status"].as_str().unwrap(),
                e["to_status"].as_str().unwrap(),
                e["note"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        moves,
        vec![
            ("intake", "assessment", ""),
            ("assessment", "planning", ""),
            ("planning", "active", ""),
            ("active", "suspended", "母の入院のため"),
            ("suspended", "active", "母が退院"),
        ]
    );
    assert!(
        events
            .iter()
            .all(|e| e["user_name"] == "佐々木 美穂" && e["agency_name"] == "大仙市社会福祉協議会"),
        "{v}"
    );
}

async fn closed_case_is_reopened_only_with_a_reason(app: TestApp) {
    let coordinator = caller(&app, COORDINATOR).await;
    let houkatsu = caller(&app, HOUKATSU).await;
    let (_, case) = opened_case(&app, &[]).await;

    let (status, v) = coordinator
        .event(case, json!({ "event": "close", "note": "目標を達成" }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(messages(&v).contains("終結の理由を選んでください"), "{v}");
    let (status, v) = coordinator
        .event(
            case,
            json!({ "event": "close", "reason": "goal_achieved", "note": "  " }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(messages(&v).contains("終結の理由を入力してください"), "{v}");
    let (status, v) = coordinator
        .event(
            case,
            json!({ "event": "close", "reason": "goal_achieved", "note": "長男が就労し、母の介護体制も整った" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["status"]["code"], "closed");
    assert_eq!(v["closure_reason"], "goal_achieved");

    // The closure is audited with its reason code only.
    let closure = audited(&app, "case_closure").await;
    assert_eq!(closure.len(), 1);
    assert_eq!(closure[0].reason, "goal_achieved");
    assert_eq!(closure[0].object_id, case.to_string());
    assert_eq!(closure[0].basis, "involvement");

    // Closed: the lead's involvement and 多機関協働 ended — the history stays readable.
    let (status, v) = coordinator.case(case).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["view"], "read_only");
    assert_eq!(v["closure_reason"]["label"], "目標達成");
    assert_eq!(v["may_reopen"], true);
    assert_eq!(houkatsu.case(case).await.1["may_reopen"], false);
    let page = app.login(COORDINATOR).await;
    let (_, html) = app.get_text(&page, &format!("/cases/{case}")).await;
    assert!(html.contains("ケースを再開する(終結の取消し)"), "{html}");
    assert!(html.contains("関与終了(ケース終結)"), "{html}");
    // Closed: no write basis is left, so nothing but a reopen moves it — and only the
    // former lead or the coordinating agency's coordinator may reopen.
    let (status, _) = coordinator
        .event(
            case,
            json!({ "event": "advance", "to": "active", "note": "x" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, v) = houkatsu
        .event(case, json!({ "event": "reopen", "note": "再度の相談" }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    let (status, v) = coordinator.event(case, json!({ "event": "reopen" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        messages(&v).contains("再開(終結の取消し)の理由を入力してください"),
        "{v}"
    );
    let (status, v) = coordinator
        .event(
            case,
            json!({ "event": "reopen", "note": "母が再入院し、長男が一人に" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["status"]["code"], "assessment");
    assert!(v["closure_reason"].is_null(), "{v}");

    let (_, v) = coordinator.case(case).await;
    assert_eq!(v["view"], "full");
    let events = v["events"].as_array().unwrap();
    let close = events
        .iter()
        .find(|e| e["event"]["code"] == "close")
        .unwrap();
    assert_eq!(close["from_status"], "intake");
    assert_eq!(close["to_status"], "closed");
    assert_eq!(
        close["note"],
        "[goal_achieved] 長男が就労し、母の介護体制も整った"
    );
    let reopen = events
        .iter()
        .find(|e| e["event"]["code"] == "reopen")
        .unwrap();
    assert_eq!(reopen["from_status"], "closed");
    assert_eq!(reopen["note"], "母が再入院し、長男が一人に");
    assert_eq!(reopen["user_name"], "佐々木 美穂");
}

async fn handover_needs_another_lead_and_ends_coordination(app: TestApp) {
    let coordinator = caller(&app, COORDINATOR).await;
    let houkatsu = caller(&app, HOUKATSU).await;
    let (_, case) = opened_case(&app, &[]).await;
    let shakyo = app.agency_id("daisen", "shakyo").await;
    let houkatsu_id = app.agency_id("daisen", "houkatsu").await;
    let handover = format!("/api/v1/cases/{case}/handover");
    let lead = format!("/api/v1/cases/{case}/lead");

    // Refused while the coordinating agency is the lead.
    let (status, v) = coordinator
        .post(&handover, json!({ "note": "役割分担に合意" }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        messages(&v).contains("主担当機関が多機関協働事業者のままです"),
        "{v}"
    );
    // Only the lead agency or 多機関協働 changes the lead.
    let (status, v) = houkatsu
        .call(
            Method::PUT,
            &lead,
            Some(json!({ "agency_id": houkatsu_id })),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    let (status, v) = coordinator
        .call(
            Method::PUT,
            &lead,
            Some(json!({ "agency_id": houkatsu_id })),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{v}");
    let (_, v) = coordinator.case(case).await;
    assert_eq!(v["lead_agency_id"], houkatsu_id);
    assert!(
        v["agencies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["agency_id"] == shakyo && a["left_at"].is_null()),
        "the previous lead stays involved: {v}"
    );

    // The new lead ends the coordinating agency's involvement: 多機関協働 still coordinates.
    let (status, v) = houkatsu
        .call(
            Method::DELETE,
            &format!("/api/v1/cases/{case}/agencies/{shakyo}"),
            Some(json!({ "reason": " " })),
        )
        .await;
    // A reason is required: nothing ends without one.
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (status, v) = houkatsu
        .call(
            Method::DELETE,
            &format!("/api/v1/cases/{case}/agencies/{shakyo}"),
            Some(json!({ "reason": "役割分担に合意し包括が主担当" })),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{v}");
    let (_, v) = coordinator.case(case).await;
    assert_eq!(v["basis"], "coordination");
    assert_eq!(v["view"], "full");
    assert_eq!(v["may_manage"], true);
    assert!(v["coordination_ended_at"].is_null());

    let (status, v) = coordinator.post(&handover, json!({ "note": " " })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(messages(&v).contains("引継ぎの内容"), "{v}");
    let (status, v) = coordinator
        .post(
            &handover,
            json!({ "note": "支援会議で役割分担に合意。包括が主担当で継続" }),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{v}");

    // The case goes on with its lead; the hand-over is recorded apart from closure.
    let (_, v) = houkatsu.case(case).await;
    assert_eq!(v["status"]["code"], "intake");
    assert!(!v["coordination_ended_at"].is_null(), "{v}");
    assert_eq!(
        v["handover_note"],
        "支援会議で役割分担に合意。包括が主担当で継続"
    );
    assert!(v["closure_reason"].is_null());
    assert!(
        v["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event"]["code"] == "handover" && e["user_name"] == "佐々木 美穂"),
        "{v}"
    );
    let (status, _) = houkatsu
        .post(&handover, json!({ "note": "もう一度" }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // The coordinator, with no other basis left, reads the history only.
    let (status, v) = coordinator.case(case).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["basis"], "involvement");
    assert_eq!(v["view"], "read_only");
    assert_eq!(v["may_manage"], false);
    let (status, v) = coordinator
        .event(case, json!({ "event": "advance", "to": "assessment" }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    let (status, _) = coordinator
        .post(
            &format!("/api/v1/cases/{case}/assessments"),
            json!({ "version": 0, "wishes": "x" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The lead agency's page says so.
    let page = session(&app, HOUKATSU).await;
    let (status, html) = app.get_text(&page.0, &format!("/cases/{case}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("主担当機関へ引継ぎ済み"), "{html}");
    assert!(html.contains("包括が主担当で継続"));
}

async fn only_involved_agencies_see_the_case(app: TestApp) {
    let (person, case) = opened_case(&app, &["kikan_sodan"]).await;
    let path = format!("/api/v1/cases/{case}");
    let page = format!("/cases/{case}");

    // The involved agency: API and page.
    let kikan = caller(&app, KIKAN).await;
    let (status, v) = kikan.get(&path).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["subject_name"], "仙北 拓也");
    let (_, v) = kikan.get("/api/v1/cases").await;
    assert!(
        v["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == case),
        "{v}"
    );
    let s = session(&app, KIKAN).await;
    let (status, html) = app.get_text(&s.0, &page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("仙北 拓也"));
    assert!(!html.contains("状態を変える"), "not the lead: no moves");

    // A window of the same municipality with no basis: not found, not listed.
    let jiritsu = caller(&app, JIRITSU).await;
    let (status, v) = jiritsu.get(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
    let (status, _) = jiritsu.get(&format!("/api/v1/cases/{case}/consents")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, v) = jiritsu.get("/api/v1/cases").await;
    assert!(
        !v["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == case),
        "{v}"
    );
    let s = session(&app, JIRITSU).await;
    let (status, html) = app.get_text(&s.0, &page).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!html.contains("仙北"));
    let (status, _) = app
        .get_text(&s.0, &format!("/cases/{case}/assessment/print"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Another municipality, even its coordinator; and roles without person data.
    for user in ["yuzawa.coordinator", "daisen.admin"] {
        let other = caller(&app, user).await;
        let (status, v) = other.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{user}: {v}");
        let (status, _) = other
            .event(case, json!({ "event": "advance", "to": "assessment" }))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{user}");
    }
    let s = session(&app, "yuzawa.coordinator").await;
    let (status, _) = app.get_text(&s.0, &page).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .get_text(&s.0, &format!("/cases/new?person_id={person}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The list filters by status; an unknown status is a 422.
    let coordinator = caller(&app, COORDINATOR).await;
    let (_, v) = coordinator.get("/api/v1/cases?status=intake").await;
    assert!(
        v["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == case),
        "{v}"
    );
    assert_eq!(v["page"], 1);
    let (_, v) = coordinator.get("/api/v1/cases?status=closed").await;
    assert!(
        !v["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == case),
        "{v}"
    );
    let (status, v) = coordinator.get("/api/v1/cases?status=done").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    // The case list page keeps the municipality's collaboration facts on top.
    let s = session(&app, COORDINATOR).await;
    let (status, html) = app.get_text(&s.0, "/collaboration").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("「つながる・ささえる」ネットワーク会議"));
    assert!(html.contains("「つながる・ささえる」支援会議"));
    assert!(html.contains(&format!("/cases/{case}\"")), "{html}");
    assert!(html.contains("令和"), "和暦 dates");
    let (_, html) = app.get_text(&s.0, "/collaboration?status=closed").await;
    assert!(!html.contains(&format!("/cases/{case}\"")));
}

// ---------------------------------------------------------------------------
// Consent
// ---------------------------------------------------------------------------

async fn consent_gives_read_access_until_withdrawn(app: TestApp) {
    let coordinator = caller(&app, COORDINATOR).await;
    let jiritsu = caller(&app, JIRITSU).await;
    let (person, case) = opened_case(&app, &[]).await;
    let jiritsu_id = app.agency_id("daisen", "jiritsu_sodan").await;
    let consents = format!("/api/v1/cases/{case}/consents");

    // Every problem at once, in Japanese.
    let (status, v) = coordinator
        .post(
            &consents,
            json!({ "consenter": "proxy", "consented_on": "2099-01-01", "method": "fax",
                    "agencies": [], "information": " " }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let m = messages(&v);
    for expected in [
        "代理人の氏名を入力してください",
        "同意日に未来の日付は入力できません",
        "情報を共有する機関を1つ以上選んでください",
        "共有する情報を入力してください",
        "同意の方法",
    ] {
        assert!(m.contains(expected), "{expected} in {m}");
    }
    let (status, v) = coordinator
        .post(&consents, json!({ "agencies": "all" }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    let (status, v) = coordinator
        .post(&consents, consent_body(&[jiritsu_id]))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let consent = v["id"].as_i64().unwrap();

    // The agency the consent names reads the case — read only.
    let (status, v) = jiritsu.case(case).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["basis"], "consent");
    assert_eq!(v["view"], "read_only");
    let (status, v) = jiritsu.get(&format!("/api/v1/consents/{consent}")).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["state"]["code"], "in_force");
    assert_eq!(v["agency_ids"], json!([jiritsu_id]));
    assert_eq!(v["meeting_kinds"], json!(["multilayer_meeting"]));
    let (status, v) = jiritsu
        .event(case, json!({ "event": "advance", "to": "assessment" }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    let (status, _) = jiritsu.post(&consents, consent_body(&[jiritsu_id])).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = jiritsu
        .post(
            &format!("/api/v1/consents/{consent}/withdraw"),
            json!({ "note": "x" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let s = session(&app, JIRITSU).await;
    let (status, html) = app.get_text(&s.0, &format!("/cases/{case}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("本人同意(閲覧のみ)"), "{html}");
    assert!(!html.contains("撤回を記録"));

    // Withdrawal needs its circumstances and takes effect at once.
    let withdraw = format!("/api/v1/consents/{consent}/withdraw");
    let (status, v) = coordinator.post(&withdraw, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(messages(&v).contains("撤回の経緯を入力してください"), "{v}");
    let (status, v) = coordinator
        .post(&withdraw, json!({ "note": "本人から電話で撤回の申出" }))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["state"]["code"], "withdrawn");
    assert!(
        v["state"]["label"]
            .as_str()
            .unwrap()
            .starts_with("撤回済み")
    );
    let (status, _) = coordinator
        .post(&withdraw, json!({ "note": "もう一度" }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, _) = jiritsu.case(case).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = jiritsu.get(&format!("/api/v1/consents/{consent}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get_text(&s.0, &format!("/cases/{case}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Audited with the code only; the circumstances stay in the record.
    let entries = audited(&app, "consent_withdrawal").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].reason, "withdrawn");
    assert_eq!(entries[0].object_id, consent.to_string());

    // Listed on the case and the person with their state.
    let (_, v) = coordinator.get(&consents).await;
    assert_eq!(v[0]["withdrawal_note"], "本人から電話で撤回の申出");
    let c = session(&app, COORDINATOR).await;
    let (_, html) = app.get_text(&c.0, &format!("/cases/{case}")).await;
    assert!(html.contains("撤回済み("), "{html}");
    let (_, html) = app.get_text(&c.0, &format!("/persons/{person}")).await;
    assert!(html.contains("撤回済み("), "{html}");
    assert!(html.contains(&format!("/cases/{case}\"")), "{html}");

    // The printable consent form, for signature.
    let (status, html) = app
        .get_text(&c.0, &format!("/consents/{consent}/print"))
        .await;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        "個人情報の共有に関する同意書",
        "仙北 拓也",
        "昭和46年2月3日",
        "自立相談支援機関",
        "「つながる・ささえる」支援会議",
        "本人署名",
        "代理人氏名",
        "令和8年11月1日から",
        "この同意は撤回済み(",
    ] {
        assert!(html.contains(expected), "{expected} in {html}");
    }
}

async fn consent_in_force_offers_the_multilayer_meeting(app: TestApp) {
    use kasane_domain::meeting::{MeetingKind, ValidMeeting};
    let (_, case) = opened_case(&app, &[]).await;
    let s = session(&app, COORDINATOR).await;
    let notice = "同意が得られました。重層的支援会議へ移すことができます";

    // On a 支援会議's agenda, without consent: no offer.
    let m = app.store.municipality_by_code("daisen").await.unwrap();
    let user = app
        .store
        .user_by_username(COORDINATOR)
        .await
        .unwrap()
        .unwrap();
    let meeting = app
        .store
        .create_meeting(
            m.id,
            &ValidMeeting {
                kind: MeetingKind::Support,
                held_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 10).unwrap(),
                host_agency_id: app.agency_id("daisen", "shakai_fukushi_ka").await,
                place: String::new(),
                next_review_on: None,
                note: String::new(),
            },
            user.id,
        )
        .await
        .unwrap();
    app.store
        .add_to_agenda(m.id, meeting, case, user.id)
        .await
        .unwrap();
    let (_, html) = app.get_text(&s.0, &format!("/cases/{case}")).await;
    assert!(!html.contains(notice));

    // The consent form shows the municipality's local meeting names.
    let (status, html) = app
        .get_text(&s.0, &format!("/cases/{case}/consents/new"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("「つながる・ささえる」支援会議(重層的支援会議)"));
    assert!(html.contains("「つながる・ささえる」ネットワーク会議(支援会議)"));
    // A refused form keeps what was typed.
    let kikan_id = app.agency_id("daisen", "kikan_sodan").await.to_string();
    let form = format!("/cases/{case}/consents/new");
    let mut fields = vec![
        ("consenter", "proxy"),
        ("proxy_name", "仙北 ハル"),
        ("consented_on", "R8.11.1"),
        ("method", "written"),
        ("agencies", &kikan_id),
        ("meeting_kinds", "multilayer_meeting"),
        ("information", "相談の内容"),
    ];
    let (status, _, html) = submit(&app, &s, &form, &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("代理人の続柄を入力してください"), "{html}");
    assert!(html.contains("仙北 ハル"));
    fields.push(("proxy_relation", "母"));
    let (status, to, _) = submit(&app, &s, &form, &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(to, format!("/cases/{case}?saved=1#consents"));

    let (_, html) = app.get_text(&s.0, &format!("/cases/{case}")).await;
    assert!(html.contains(notice), "{html}");
    assert!(html.contains(&format!("/cases/{case}/move-to-multilayer")));
    assert!(html.contains("仙北 ハル(母)"));
}

// ---------------------------------------------------------------------------
// Assessment
// ---------------------------------------------------------------------------

async fn assessment_versions_are_kept_and_printable(app: TestApp) {
    let coordinator = caller(&app, COORDINATOR).await;
    let (_, case) = opened_case(&app, &["kikan_sodan"]).await;
    let path = format!("/api/v1/cases/{case}/assessments");

    let (status, v) = coordinator
        .post(
            &path,
            json!({ "version": 0, "housing": "持ち家", "issues": ["gambling"] }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let m = messages(&v);
    assert!(m.contains("本人の思い・望みを入力してください"), "{m}");
    assert!(m.contains("不明な課題の分野です: 「gambling」"), "{m}");

    let first = json!({
        "version": 0,
        "wishes": "母の介護を自分でも続けたい。働けるようになりたい。",
        "household": "84歳の母と二人暮らし",
        "housing": "持ち家(築40年)",
        "risks": ["lonely_death"],
        "risk_note": "母の入院時に長男が孤立するおそれ",
        "issues": ["hikikomori", "care"],
    });
    let (status, v) = coordinator.post(&path, first.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["version"], 1);
    let mut second = first.clone();
    second["housing"] = json!("持ち家(築40年)。冬季の雪下ろしが困難");
    second["strengths"] = json!("母を思う気持ちが強い");
    second["version"] = json!(1);
    // An involved agency writes the next version.
    let kikan = caller(&app, KIKAN).await;
    let (status, v) = kikan.post(&path, second.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["version"], 2);
    // Saved again from version 1 (the coordinator's form was opened before): refused,
    // version 2 stays as it was.
    second["housing"] = json!("賃貸");
    let (status, v) = coordinator.post(&path, second.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    // Nor from a version that does not exist yet (or a garbled one): no gap, no version 0.
    for version in [7, -1] {
        second["version"] = json!(version);
        let (status, _) = coordinator.post(&path, second.clone()).await;
        assert_eq!(status, StatusCode::CONFLICT, "from version {version}");
    }
    assert!(
        v["title"]
            .as_str()
            .unwrap()
            .contains("他の職員が先に保存しました"),
        "{v}"
    );

    let (status, v) = coordinator.get(&path).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let versions = v.as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["version"], 2);
    assert_eq!(versions[0]["author_agency_name"], "基幹相談支援センター");
    assert_eq!(
        versions[0]["changed_sections"],
        json!(["住まい", "強み(ストレングス)"])
    );
    assert_eq!(versions[1]["sheet"]["housing"], "持ち家(築40年)");
    assert_eq!(versions[1]["sheet"]["risks"], json!(["lonely_death"]));

    let s = session(&app, COORDINATOR).await;
    let (status, html) = app
        .get_text(&s.0, &format!("/cases/{case}/assessment/versions"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("第2版") && html.contains("第1版"));
    assert!(html.contains("住まい・強み(ストレングス)"), "{html}");
    let (status, html) = app
        .get_text(&s.0, &format!("/cases/{case}/assessment/print"))
        .await;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        "アセスメントシート",
        "仙北 拓也",
        "昭和46年2月3日",
        "第2版",
        "伊藤 由美",
        "冬季の雪下ろしが困難",
        "孤立死",
        "引きこもり",
        "令和",
        "data-print",
    ] {
        assert!(html.contains(expected), "{expected} in {html}");
    }
    let (status, html) = app
        .get_text(&s.0, &format!("/cases/{case}/assessment/print?version=1"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("第1版") && !html.contains("雪下ろし"));

    // The page form keeps what was typed when refused, and saves a third version.
    let (status, _, html) = submit(
        &app,
        &s,
        &format!("/cases/{case}/assessment"),
        &[
            ("version", "2"),
            ("housing", "公営住宅へ転居予定"),
            ("risks", "abuse"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("本人の思い・望みを入力してください"));
    assert!(html.contains("公営住宅へ転居予定"));
    // From an older version: the newest beside what was sent, the form keeping what was
    // sent and now based on the newest.
    let (status, _, html) = submit(
        &app,
        &s,
        &format!("/cases/{case}/assessment"),
        &[
            ("version", "1"),
            ("wishes", "古い版から"),
            ("housing", "賃貸"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("他の職員が先に保存しました"), "{html}");
    assert!(html.contains("最新の版(第2版"), "{html}");
    assert!(html.contains("冬季の雪下ろしが困難") && html.contains("古い版から"));
    assert!(html.contains(r#"name="version" value="2""#), "{html}");
    let (status, to, _) = submit(
        &app,
        &s,
        &format!("/cases/{case}/assessment"),
        &[
            ("version", "2"),
            ("wishes", "働きたい"),
            ("issues", "employment"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(to, format!("/cases/{case}/assessment/versions?saved=1"));
    let (_, v) = coordinator.get(&path).await;
    assert_eq!(v.as_array().unwrap().len(), 3);
}

// ---------------------------------------------------------------------------
// Pages
// ---------------------------------------------------------------------------

async fn case_pages_open_a_case_and_keep_a_refused_move(app: TestApp) {
    let houkatsu = caller(&app, HOUKATSU).await;
    let (person, intake) = escalated_intake(&houkatsu, son()).await;

    // Only a coordinator opens cases.
    let h = session(&app, HOUKATSU).await;
    let (status, html) = app
        .get_text(&h.0, &format!("/cases/new?person_id={person}"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("相談支援包括化推進員"), "{html}");
    let (_, html) = app.get_text(&h.0, &format!("/persons/{person}")).await;
    assert!(!html.contains("/cases/new"));

    // The coordinator sees the escalated intake waiting for a case on the person page.
    let s = session(&app, COORDINATOR).await;
    let (status, html) = app.get_text(&s.0, &format!("/persons/{person}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("/cases/new?intake_id={intake}")),
        "{html}"
    );
    let (_, html) = app.get_text(&s.0, &format!("/intakes/{intake}")).await;
    assert!(
        html.contains(&format!("/cases/new?intake_id={intake}")),
        "{html}"
    );
    let (status, html) = app
        .get_text(&s.0, &format!("/cases/new?intake_id={intake}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("仙北 拓也") && html.contains("多機関協働"));
    let kikan_id = app.agency_id("daisen", "kikan_sodan").await.to_string();
    let intake_s = intake.to_string();
    let (status, _, html) = submit(
        &app,
        &s,
        "/cases/new",
        &[
            ("intake_id", &intake_s),
            ("kinds", "collaboration"),
            ("kinds", "fishing"),
            ("summary", "8050"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("不明な支援の種類です"), "{html}");
    let (status, to, _) = submit(
        &app,
        &s,
        "/cases/new",
        &[
            ("intake_id", &intake_s),
            ("kinds", "collaboration"),
            ("kinds", "outreach"),
            ("agencies", &kikan_id),
            ("summary", "8050世帯"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let case: i64 = to
        .strip_prefix("/cases/")
        .and_then(|rest| rest.strip_suffix("?saved=1"))
        .unwrap()
        .parse()
        .unwrap();
    // One case per escalated intake.
    let (status, _, _) = submit(&app, &s, "/cases/new", &[("intake_id", &intake_s)]).await;
    assert_eq!(status, StatusCode::CONFLICT);

    let (status, html) = app.get_text(&s.0, &format!("/cases/{case}")).await;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        "仙北 拓也",
        "受付",
        "アウトリーチ",
        "基幹相談支援センター",
        "多機関協働 関与中",
        "「アセスメント」へ進める",
        "終結する",
        "目標達成",
        "ケース開始",
    ] {
        assert!(html.contains(expected), "{expected} in {html}");
    }

    // An illegal move shows the page again with the message and what was typed.
    let path = format!("/cases/{case}/events");
    let (status, _, html) = submit(
        &app,
        &s,
        &path,
        &[("event", "advance:active"), ("note", "急ぎたい")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("「受付」から「支援中」へは移せません"),
        "{html}"
    );
    assert!(html.contains("急ぎたい"));
    let (status, _, html) = submit(
        &app,
        &s,
        &path,
        &[("event", "close"), ("reason", ""), ("note", "転居のため")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("終結の理由を選んでください"));
    assert!(html.contains("転居のため"));
    let (status, to, _) = submit(&app, &s, &path, &[("event", "advance:assessment")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(to, format!("/cases/{case}?saved=1"));
    let (status, _, _) = submit(&app, &s, &path, &[("event", "advance:planning")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let (_, html) = app.get_text(&s.0, &format!("/cases/{case}")).await;
    assert!(html.contains("受付 → アセスメント"), "{html}");
    assert!(html.contains("アセスメント → プラン作成"));
    assert!(html.contains("佐々木 美穂(大仙市社会福祉協議会)"));
    let (_, html) = app.get_text(&s.0, &format!("/persons/{person}")).await;
    assert!(html.contains(&format!("/cases/{case}\"")), "{html}");
    assert!(!html.contains(&format!("/cases/new?intake_id={intake}")));
    let (_, html) = app.get_text(&s.0, &format!("/intakes/{intake}")).await;
    assert!(html.contains(&format!("/cases/{case}\"")), "{html}");
}

async fn openapi_lists_the_collaboration_api(app: TestApp) {
    let res = Client::new()
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    let doc: Value = res.json().await.unwrap();
    for path in [
        "/api/v1/cases",
        "/api/v1/cases/{id}",
        "/api/v1/cases/{id}/events",
        "/api/v1/cases/{id}/agencies",
        "/api/v1/cases/{id}/agencies/{agency_id}",
        "/api/v1/cases/{id}/lead",
        "/api/v1/cases/{id}/handover",
        "/api/v1/cases/{id}/assessments",
        "/api/v1/cases/{id}/consents",
        "/api/v1/persons/{id}/consents",
        "/api/v1/worklist",
        "/api/v1/consents/{id}",
        "/api/v1/consents/{id}/withdraw",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    let tags: Vec<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for tag in ["cases", "assessments", "consents"] {
        assert!(tags.contains(&tag), "{tag} in {tags:?}");
    }
    for schema in ["EscalationInfo", "DueMonitoringInfo"] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} in the worklist schema"
        );
    }
    for schema in [
        "CaseInfo",
        "CaseEventRequest",
        "AssessmentSheet",
        "ConsentRequest",
    ] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
}

/// An escalated intake waits on the coordinating agency's worklist until a case is opened
/// from it; other windows' worklists do not show it.
async fn escalated_intake_waits_on_the_coordinators_worklist(app: TestApp) {
    let houkatsu = caller(&app, HOUKATSU).await;
    let (_, intake) = escalated_intake(&houkatsu, son()).await;
    let open_link = format!("/cases/new?intake_id={intake}");
    let coordinator = app.login(COORDINATOR).await;
    let (_, home) = app.get_text(&coordinator, "/").await;
    assert!(home.contains("多機関協働へ上がった相談"), "{home}");
    assert!(home.contains("仙北 拓也さん"), "{home}");
    assert!(home.contains(&open_link), "{home}");
    let kikan = app.login(KIKAN).await;
    let (_, home) = app.get_text(&kikan, "/").await;
    assert!(!home.contains(&open_link), "{home}");
    let (status, w) = caller(&app, COORDINATOR)
        .await
        .get("/api/v1/worklist")
        .await;
    assert_eq!(status, StatusCode::OK);
    let waiting = w["escalations"].as_array().unwrap();
    assert!(
        waiting
            .iter()
            .any(|e| e["intake_id"] == intake && e["person_name"] == "仙北 拓也"),
        "{w}"
    );
    let (_, w) = caller(&app, KIKAN).await.get("/api/v1/worklist").await;
    assert_eq!(w["escalations"], json!([]), "{w}");

    let (status, v) = caller(&app, COORDINATOR)
        .await
        .post(
            "/api/v1/cases",
            json!({ "intake_id": intake, "summary": "8050" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (_, home) = app.get_text(&coordinator, "/").await;
    assert!(!home.contains(&open_link), "{home}");
}

/// A consent recorded on the person (no case yet) by the intake window: the agency it
/// names reads it (and the person) read only; others get 404.
async fn a_persons_consent_outside_a_case(app: TestApp) {
    let houkatsu = caller(&app, HOUKATSU).await;
    let kikan = caller(&app, KIKAN).await;
    let jiritsu = caller(&app, JIRITSU).await;
    let (person, _) = escalated_intake(&houkatsu, son()).await;
    let kikan_id = app.agency_id("daisen", "kikan_sodan").await;
    let path = format!("/api/v1/persons/{person}/consents");

    let (status, _) = kikan.get(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, v) = houkatsu.post(&path, consent_body(&[kikan_id])).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (status, v) = kikan.get(&path).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v[0]["state"]["code"], "in_force", "{v}");
    assert_eq!(v[0]["case_id"], Value::Null);
    let (status, _) = kikan.post(&path, consent_body(&[kikan_id])).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = jiritsu.get(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// A consent whose last day was yesterday (Japan time) gives the agency it names nothing:
/// not the person page, not a search hit, not the API — on both engines' date handling.
async fn an_expired_consent_gives_nothing(app: TestApp) {
    let houkatsu = caller(&app, HOUKATSU).await;
    let kikan = caller(&app, KIKAN).await;
    let (person, _) = escalated_intake(&houkatsu, son()).await;
    let kikan_id = app.agency_id("daisen", "kikan_sodan").await;
    let today = kasane_app::Clock::today(&kasane_app::SystemClock);
    let day = |days: i64| (today - chrono::TimeDelta::days(days)).to_string();
    let path = format!("/api/v1/persons/{person}/consents");
    let mut body = consent_body(&[kikan_id]);
    body["consented_on"] = json!(day(10));
    body["expires_on"] = json!(day(1));
    let (status, v) = houkatsu.post(&path, body).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (_, v) = houkatsu.get(&path).await;
    assert_eq!(v[0]["state"]["code"], "expired", "{v}");

    let (status, _) = kikan.get(&format!("/api/v1/persons/{person}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let page = app.login(KIKAN).await;
    let (_, found) = app.get_text(&page, "/persons?q=仙北 拓也").await;
    assert!(!found.contains(&format!("/persons/{person}")), "{found}");

    // Valid through today: the same consent ending today still counts.
    let mut body = consent_body(&[kikan_id]);
    body["consented_on"] = json!(day(10));
    body["expires_on"] = json!(day(0));
    let (status, v) = houkatsu.post(&path, body).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (status, _) = kikan.get(&format!("/api/v1/persons/{person}")).await;
    assert_eq!(status, StatusCode::OK);
    let (_, found) = app.get_text(&page, "/persons?q=仙北 拓也").await;
    assert!(found.contains(&format!("/persons/{person}")), "{found}");
}

/// 関与を終了 is a page of its own (the case page links to it, no button acts at once); it
/// asks for the reason, refuses none (422, nothing ended), and the case's history keeps it.
async fn ending_an_involvement_asks_for_confirmation_and_a_reason(app: TestApp) {
    let houkatsu = caller(&app, HOUKATSU).await;
    let coordinator = caller(&app, COORDINATOR).await;
    let (_, intake) = escalated_intake(&houkatsu, son()).await;
    let (status, v) = coordinator
        .post(
            "/api/v1/cases",
            json!({ "intake_id": intake, "summary": "8050" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let case = v["id"].as_i64().unwrap();
    let kikan = app.agency_id("daisen", "kikan_sodan").await;
    let (status, v) = coordinator
        .post(
            &format!("/api/v1/cases/{case}/agencies"),
            json!({ "agency_id": kikan }),
        )
        .await;
    assert!(status.is_success(), "{status} {v}");
    let involved = |v: &Value| {
        v["agencies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["agency_id"] == kikan && a["left_at"].is_null())
    };

    let client = app.login(COORDINATOR).await;
    let path = format!("/cases/{case}/agencies/{kikan}/end");
    let (_, page) = app.get_text(&client, &format!("/cases/{case}")).await;
    assert!(page.contains(&format!("href=\"{path}\"")), "{page}");
    assert!(!page.contains(&format!("action=\"{path}\"")), "{page}");
    let (status, confirm) = app.get_text(&client, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        confirm.contains("基幹相談支援センターの関与を終了する"),
        "{confirm}"
    );

    let csrf = hidden_csrf(&confirm);
    let res = app
        .post_form(&client, &path, &csrf, &[("reason", " ")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("関与を終了する理由を入力してください")
    );
    assert!(involved(&coordinator.case(case).await.1));

    let res = app
        .post_form(
            &client,
            &path,
            &csrf,
            &[("reason", "障害福祉サービスの利用が終わった")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("/cases/{case}?saved=1"));
    assert!(!involved(&coordinator.case(case).await.1));
    let (_, page) = app
        .get_text(&client, &format!("/cases/{case}?saved=1"))
        .await;
    assert!(page.contains("記録しました"), "{page}");
    assert!(
        page.contains("理由: 障害福祉サービスの利用が終わった"),
        "{page}"
    );
}

/// 中断 and 同意の撤回 on the pages: the first post only asks to confirm (nothing changes),
/// the confirmed one acts; a withdrawal without its 経緯 is asked again (422).
async fn suspending_and_withdrawing_a_consent_are_confirmed_first(app: TestApp) {
    let houkatsu = caller(&app, HOUKATSU).await;
    let coordinator = caller(&app, COORDINATOR).await;
    let (_, intake) = escalated_intake(&houkatsu, son()).await;
    let (_, v) = coordinator
        .post(
            "/api/v1/cases",
            json!({ "intake_id": intake, "summary": "8050" }),
        )
        .await;
    let case = v["id"].as_i64().unwrap();
    let kikan = app.agency_id("daisen", "kikan_sodan").await;
    let (status, v) = coordinator
        .post(
            &format!("/api/v1/cases/{case}/consents"),
            consent_body(&[kikan]),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let consent = v["id"].as_i64().unwrap();
    let client = app.login(COORDINATOR).await;
    let csrf = app.page_csrf(&client, &format!("/cases/{case}")).await;
    let status_of = async |c: &Caller<'_>| c.case(case).await.1["status"]["code"].clone();

    let events = format!("/cases/{case}/events");
    let sent = [("event", "suspend"), ("note", "母の入院のため")];
    let res = app.post_form(&client, &events, &csrf, &sent).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("中断してよろしいですか"), "{html}");
    assert!(html.contains("母の入院のため"), "{html}");
    assert_eq!(status_of(&coordinator).await, "intake");
    let mut confirmed = sent.to_vec();
    confirmed.push(("confirm", "1"));
    let res = app.post_form(&client, &events, &csrf, &confirmed).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(status_of(&coordinator).await, "suspended");

    let withdraw = format!("/consents/{consent}/withdraw");
    let in_force = async || {
        coordinator
            .get(&format!("/api/v1/consents/{consent}"))
            .await
            .1["withdrawn_at"]
            .is_null()
    };
    let res = app
        .post_form(&client, &withdraw, &csrf, &[("note", "本人から電話")])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("同意の撤回を記録してよろしいですか"),
        "{html}"
    );
    assert!(in_force().await);
    let res = app
        .post_form(
            &client,
            &withdraw,
            &csrf,
            &[("note", " "), ("confirm", "1")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(in_force().await);
    let res = app
        .post_form(
            &client,
            &withdraw,
            &csrf,
            &[("note", "本人から電話"), ("confirm", "1")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("/cases/{case}?saved=1#consents"));
    assert!(!in_force().await);
}
