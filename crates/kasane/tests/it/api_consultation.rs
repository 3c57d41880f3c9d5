//! Step 2 through the JSON API, on both engines: intake with 名寄せ candidates (409 until
//! the caller chooses), つなぎ with the つなぐシート view before accepting and the full view
//! after, a declined referral back on the sender's worklist, support log versions,
//! household signals, 名寄せ links, tenant isolation (404 everywhere), and the OpenAPI
//! document.

use crate::common::TestApp;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

both_engines!(
    intake_offers_candidates_until_the_caller_chooses,
    candidates_are_found_among_many_sharing_a_birth_date,
    referral_shows_the_sheet_until_accepted_and_a_decline_returns,
    another_municipality_gets_404_on_every_id,
    support_log_versions_and_household_signals,
    a_basis_on_one_member_shows_the_others_in_outline,
    coordinator_links_and_splits_records,
    split_pair_is_linked_again_only_when_confirmed,
    intake_is_recorded_on_a_household_of_the_person,
    openapi_lists_the_consultation_api,
);

async fn api_post(app: &TestApp, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    app.api_send(token, Method::POST, path, Some(body)).await
}

async fn get_json(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    let res = app.api_get(token, path).await;
    let status = res.status();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The 名寄せ prefilter is not crowded out by a common key: with 600 people of the city
/// sharing a birth date registered first, a new intake for the exact same person as a later
/// record is still offered that record (it was created a second time when the prefilter
/// took the first 200 records sharing any key).
async fn candidates_are_found_among_many_sharing_a_birth_date(app: TestApp) {
    let m = app.store.municipality_by_code("daisen").await.unwrap();
    let kikan = app.user("daisen.kikan").await;
    let today = kasane_app::Clock::today(&kasane_app::SystemClock);
    let surnames = [
        "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田",
        "山田", "山口", "松本", "井上", "木村", "林", "清水", "山崎", "森", "池田", "橋本", "阿部",
        "石川", "前田",
    ];
    let given = [
        "一郎", "二郎", "三郎", "四郎", "五郎", "花子", "幸子", "和子", "洋子", "正", "誠", "実",
        "茂", "清", "博", "進", "勇", "明", "隆", "修", "健", "豊", "弘", "勝",
    ];
    let crowd: Vec<_> = surnames
        .iter()
        .flat_map(|s| given.iter().map(move |g| format!("{s} {g}")))
        .map(|name| {
            kasane_app::consultation::person::PersonDraft {
                name,
                birth_date: "1950-04-01".into(),
                ..Default::default()
            }
            .parse(&[], today)
            .unwrap()
        })
        .collect();
    assert_eq!(crowd.len(), 600);
    app.store
        .create_persons(m.id, kikan.agency_id, kikan.id, &crowd)
        .await
        .unwrap();
    let houkatsu = app.token("daisen.houkatsu").await;
    let person = new_person("雄物 川子", "オモノ カワコ", "1950-04-01");
    let (first, _) = record(&app, &houkatsu, intake(person.clone(), "handled")).await;
    let (status, v) = api_post(
        &app,
        &houkatsu,
        "/api/v1/intakes",
        intake(person, "handled"),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "the duplicate is offered, not created: {v}"
    );
    let candidates = v["candidates"].as_array().unwrap();
    assert_eq!(
        candidates[0]["id"], first,
        "the exact match comes first: {v}"
    );
}

/// Posts a つなぎ step on a referral: `accept`, `decline`, `complete` or `acknowledge`.
async fn on_referral(
    app: &TestApp,
    token: &str,
    referral: i64,
    step: &str,
    body: Value,
) -> (StatusCode, Value) {
    let path = format!("/api/v1/referrals/{referral}/{step}");
    api_post(app, token, &path, body).await
}

/// Refers person `person` to agency `to`.
async fn refer(
    app: &TestApp,
    token: &str,
    person: i64,
    to: i64,
    reason: &str,
) -> (StatusCode, Value) {
    let path = format!("/api/v1/persons/{person}/referrals");
    api_post(
        app,
        token,
        &path,
        json!({ "to_agency_id": to, "reason": reason }),
    )
    .await
}

/// Links a record to person `on` (`body`: `other_id`, `reason`, `confirm_distinct`).
async fn link(app: &TestApp, token: &str, on: i64, body: Value) -> (StatusCode, Value) {
    api_post(app, token, &format!("/api/v1/persons/{on}/links"), body).await
}

/// Undoes the link of record `other` to person `on`.
async fn unlink(app: &TestApp, token: &str, on: i64, other: i64) -> (StatusCode, Value) {
    let path = format!("/api/v1/persons/{on}/links/{other}");
    app.api_send(token, Method::DELETE, &path, None).await
}

/// The OpenAPI document.
async fn openapi(app: &TestApp) -> Value {
    reqwest::get(app.url("/api/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A routine intake; `person` is merged in (a new person's fields, or `person_id`).
fn intake(person: Value, outcome: &str) -> Value {
    let mut body = json!({
        "channel": "phone",
        "consulter_kind": "family",
        "consulter_name": "長女",
        "consulter_relation": "長女",
        "issues": ["care", "isolation"],
        "concerns": ["care"],
        "consent_to_share": true,
        "summary": "一人での生活が難しくなってきたと長女から電話。",
        "urgency": "normal",
        "outcome": outcome,
    });
    for (k, v) in person.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

fn new_person(name: &str, furigana: &str, birth_date: &str) -> Value {
    json!({ "person": { "name": name, "furigana": furigana, "birth_date": birth_date,
                        "phone": "0187-00-0000", "district": "omagari" } })
}

/// Records an intake that must succeed; answers (person_id, intake_id).
async fn record(app: &TestApp, token: &str, body: Value) -> (i64, i64) {
    let (status, v) = api_post(app, token, "/api/v1/intakes", body).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    (
        v["person_id"].as_i64().unwrap(),
        v["intake_id"].as_i64().unwrap(),
    )
}

/// Records an intake about a new person who starts a household with it; answers
/// (person_id, intake_id, household_id).
async fn record_with_new_household(app: &TestApp, token: &str, person: Value) -> (i64, i64, i64) {
    let mut body = intake(person, "handled");
    body["new_household"] = json!(true);
    let (status, v) = api_post(app, token, "/api/v1/intakes", body).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let id = |key: &str| v[key].as_i64().unwrap();
    (id("person_id"), id("intake_id"), id("household_id"))
}

/// The first record of 齋藤 澄江 (by the 高齢者包括支援センター).
async fn saito(app: &TestApp, token: &str) -> (i64, i64) {
    record(
        app,
        token,
        intake(
            new_person("齋藤 澄江", "サイトウ スミエ", "S23.7.19"),
            "handled",
        ),
    )
    .await
}

async fn intake_offers_candidates_until_the_caller_chooses(app: TestApp) {
    let houkatsu = app.token("daisen.houkatsu").await;
    let kikan = app.token("daisen.kikan").await;
    let (p1, i1) = saito(&app, &houkatsu).await;

    // The same person written with the common 異体字, same birth date: 409 with the candidate.
    let variant = intake(
        new_person("斎藤 澄江", "サイトウ スミエ", "1948-07-19"),
        "handled",
    );
    let (status, v) = api_post(&app, &houkatsu, "/api/v1/intakes", variant.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["status"], 409);
    assert_eq!(v["type"], "urn:kasane:problem:person-candidates");
    let candidates = v["candidates"].as_array().unwrap();
    let c = candidates
        .iter()
        .find(|c| c["id"] == p1)
        .unwrap_or_else(|| panic!("first record offered: {v}"));
    assert_eq!(c["kind"], "visible");
    assert_eq!(c["name"], "齋藤 澄江");
    assert!(c["score"].as_u64().unwrap() > 0);
    assert!(c["reasons"].as_str().unwrap().contains("生年月日"), "{c}");

    // Another window of the same municipality learns nothing of the record, not even which
    // window knows the person (its name would reveal the field).
    let (status, v) = api_post(&app, &kikan, "/api/v1/intakes", variant.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    let candidates = v["candidates"].as_array().unwrap();
    assert!(
        candidates.iter().all(|c| c["kind"] == "elsewhere"),
        "the kikan has no basis for any of them: {v}"
    );
    for c in candidates {
        let mut keys: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["kind", "level"]);
    }
    assert!(!v.to_string().contains("センター"), "{v}");
    assert!(!v.to_string().contains("澄江"), "{v}");

    // Choosing the candidate records the intake on that person.
    let (person, i2) = record(
        &app,
        &houkatsu,
        intake(json!({ "person_id": p1 }), "handled"),
    )
    .await;
    assert_eq!(person, p1);
    assert_ne!(i2, i1);
    let (status, v) = get_json(&app, &houkatsu, &format!("/api/v1/intakes/{i2}")).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["person_id"], p1);
    assert_eq!(v["issues"], json!(["care", "isolation"]));
    assert_eq!(v["basis"], "involvement");

    // Or, judged a different person, a new record.
    let mut confirmed = variant;
    confirmed["confirm_new_person"] = json!(true);
    let (p2, _) = record(&app, &houkatsu, confirmed).await;
    assert_ne!(p2, p1);

    // An agency records only its own intakes; a refused one leaves no person behind.
    let mut foreign = intake(
        new_person("能登谷 律子", "ノトヤ リツコ", "S30.1.2"),
        "handled",
    );
    foreign["receiving_agency_id"] = json!(app.agency_id("daisen", "kikan_sodan").await);
    let (status, v) = api_post(&app, &houkatsu, "/api/v1/intakes", foreign).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    let denied = app
        .scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'denied' AND object_type = 'intake' \
             AND reason = '受付機関は自分の所属機関のみ指定できます'",
        )
        .await;
    assert_eq!(denied, 1, "the refusal is on record");
    let (_, v) = get_json(
        &app,
        &houkatsu,
        "/api/v1/persons?phone=0187000000&birth_date=S30.1.2",
    )
    .await;
    assert_eq!(v["persons"].as_array().map(Vec::len), Some(0), "{v}");
    assert_eq!(v["has_more"], false, "{v}");

    // Every problem at once, as 422 problem+json.
    let res = Client::new()
        .post(app.url("/api/v1/intakes"))
        .bearer_auth(&houkatsu)
        .json(&json!({ "person": { "name": "" }, "channel": "fax" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.headers()["content-type"],
        "application/problem+json",
        "errors are problem+json"
    );
    let v: Value = res.json().await.unwrap();
    assert!(v["errors"].as_array().unwrap().len() >= 3, "{v}");
    // A body that does not fit the schema is problem+json too.
    let (status, v) = api_post(&app, &houkatsu, "/api/v1/intakes", json!({ "issues": 3 })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["type"], "urn:kasane:problem:validation");

    // Search is variant-tolerant and shows only what the caller may see.
    let (status, v) = get_json(&app, &houkatsu, "/api/v1/persons?q=%E6%96%8E%E8%97%A4").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let ids: Vec<i64> = v["persons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert!(ids.contains(&p1) && ids.contains(&p2), "{v}");
    assert_eq!(v["has_more"], false, "one page holds them: {v}");
    let (_, v) = get_json(&app, &kikan, "/api/v1/persons?q=%E6%96%8E%E8%97%A4").await;
    assert!(
        !v["persons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == p1 || p["id"] == p2),
        "{v}"
    );
    let (status, v) = get_json(
        &app,
        &houkatsu,
        "/api/v1/persons?birth_date=%E6%98%A8%E6%97%A5",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
}

async fn referral_shows_the_sheet_until_accepted_and_a_decline_returns(app: TestApp) {
    let houkatsu = app.token("daisen.houkatsu").await;
    let kikan = app.token("daisen.kikan").await;
    let kikan_id = app.agency_id("daisen", "kikan_sodan").await;
    let (p1, i1) = saito(&app, &houkatsu).await;

    let (status, v) = refer(
        &app,
        &houkatsu,
        p1,
        kikan_id,
        "障がい福祉サービスの利用について相談したい",
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let r1 = v["id"].as_i64().unwrap();

    // Before accepting: the つなぐシート only.
    let (status, v) = get_json(&app, &kikan, &format!("/api/v1/persons/{p1}")).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["view"], "referral_sheet");
    assert_eq!(v["basis"], "referral_pending");
    assert_eq!(v["name"], "齋藤 澄江");
    assert_eq!(v["birth_date"], "1948-07-19");
    assert_eq!(v["phone"], "0187-00-0000");
    assert_eq!(v["pending_referral_ids"], json!([r1]));
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "basis",
            "birth_date",
            "id",
            "name",
            "pending_referral_ids",
            "phone",
            "view"
        ]
    );
    for path in [
        format!("/api/v1/persons/{p1}/timeline"),
        format!("/api/v1/intakes/{i1}"),
    ] {
        let (status, _) = get_json(&app, &kikan, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, sheet) = get_json(&app, &kikan, &format!("/api/v1/referrals/{r1}")).await;
    assert_eq!(status, StatusCode::OK, "{sheet}");
    assert_eq!(sheet["view"], "referral_sheet");
    assert_eq!(sheet["status"], "sent");
    assert_eq!(sheet["person"]["name"], "齋藤 澄江");
    assert_eq!(sheet["to_agency_name"], "基幹相談支援センター");
    // Sent from the person's page: no intake of its own, so the sheet carries the
    // sender's latest intake about the person (its consent to share, its 課題).
    assert_eq!(sheet["intake_id"], Value::Null);
    assert_eq!(sheet["sheet_intake_id"], i1);
    assert_eq!(sheet["consent_to_share"], true);
    assert_eq!(sheet["events"].as_array().unwrap().len(), 1);
    let (_, w) = get_json(&app, &kikan, "/api/v1/worklist").await;
    assert!(
        w["incoming"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == r1),
        "{w}"
    );
    // The sheet view shows neither the support log nor the person's other referrals.
    let (status, v) = api_post(
        &app,
        &houkatsu,
        "/api/v1/support-logs",
        json!({ "occurred_on": "R7.4.1", "kind": "phone", "body": "長女に電話", "person_id": p1 }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let s1 = v["id"].as_i64().unwrap();
    let shakyo = app.agency_id("daisen", "shakyo").await;
    let (status, v) = refer(&app, &houkatsu, p1, shakyo, "見守りの相談").await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let r_other = v["id"].as_i64().unwrap();
    for path in [
        format!("/api/v1/support-logs/{s1}"),
        format!("/api/v1/referrals/{r_other}"),
    ] {
        let (status, _) = get_json(&app, &kikan, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }

    // Only the receiver answers a referral.
    let (status, _) = on_referral(&app, &houkatsu, r1, "accept", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, v) = on_referral(&app, &kikan, r1, "accept", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "accepted");
    // Accepting twice is a conflict of states, not a second acceptance.
    let (status, _) = on_referral(&app, &kikan, r1, "accept", json!({})).await;
    assert!(status.is_client_error(), "{status}");

    // After accepting: the full view, the timeline, the intake.
    let (_, v) = get_json(&app, &kikan, &format!("/api/v1/persons/{p1}")).await;
    assert_eq!(v["view"], "full", "{v}");
    assert_eq!(v["basis"], "involvement");
    assert_eq!(v["record"]["furigana"], "サイトウ スミエ");
    assert!(v.get("pending_referral_ids").is_none());
    let (status, t) = get_json(&app, &kikan, &format!("/api/v1/persons/{p1}/timeline")).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    let sources: Vec<&str> = t["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["source"].as_str().unwrap())
        .collect();
    assert!(
        sources.contains(&"intake") && sources.contains(&"referral"),
        "{t}"
    );
    let (status, _) = get_json(&app, &kikan, &format!("/api/v1/intakes/{i1}")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, v) = on_referral(
        &app,
        &kikan,
        r1,
        "complete",
        json!({ "provided": "相談支援専門員につないだ", "helped": "yes" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "completed");

    // A declined referral goes back to the sender's worklist until acknowledged.
    let (p2, _) = record(
        &app,
        &houkatsu,
        intake(
            new_person("小野寺 誠", "オノデラ マコト", "S50.2.3"),
            "handled",
        ),
    )
    .await;
    let (_, v) = refer(&app, &houkatsu, p2, kikan_id, "就労の相談").await;
    let r2 = v["id"].as_i64().unwrap();
    let (status, v) = on_referral(
        &app,
        &kikan,
        r2,
        "decline",
        json!({ "reason": "対象外のため、自立相談支援機関へ" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "declined");
    assert!(v.get("person_name").is_none());
    // The decliner no longer sees the person.
    let (status, _) = get_json(&app, &kikan, &format!("/api/v1/persons/{p2}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, w) = get_json(&app, &houkatsu, "/api/v1/worklist").await;
    let back = w["returned"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == r2)
        .unwrap_or_else(|| panic!("declined referral on the sender's worklist: {w}"));
    assert_eq!(back["attention"]["code"], "declined");
    assert_eq!(back["person_name"], "小野寺 誠");
    let (status, sheet) = get_json(&app, &houkatsu, &format!("/api/v1/referrals/{r2}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sheet["decline_reason"], "対象外のため、自立相談支援機関へ");
    let (status, _) = on_referral(&app, &houkatsu, r2, "acknowledge", json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, w) = get_json(&app, &houkatsu, "/api/v1/worklist").await;
    assert!(
        !w["returned"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == r2),
        "{w}"
    );
}

async fn another_municipality_gets_404_on_every_id(app: TestApp) {
    let houkatsu = app.token("daisen.houkatsu").await;
    let kikan_id = app.agency_id("daisen", "kikan_sodan").await;
    let (p1, i1) = saito(&app, &houkatsu).await;
    let (_, v) = refer(&app, &houkatsu, p1, kikan_id, "相談").await;
    let r1 = v["id"].as_i64().unwrap();
    let (_, v) = api_post(
        &app,
        &houkatsu,
        "/api/v1/households",
        json!({ "person_id": p1 }),
    )
    .await;
    let h1 = v["id"].as_i64().unwrap();
    let (_, v) = api_post(
        &app,
        &houkatsu,
        "/api/v1/support-logs",
        json!({ "occurred_on": "R7.4.1", "kind": "visit", "body": "自宅を訪問", "person_id": p1 }),
    )
    .await;
    let s1 = v["id"].as_i64().unwrap();

    for user in ["yuzawa.houkatsu", "yuzawa.coordinator"] {
        let yuzawa = app.token(user).await;
        for path in [
            format!("/api/v1/persons/{p1}"),
            format!("/api/v1/persons/{p1}/timeline"),
            format!("/api/v1/intakes/{i1}"),
            format!("/api/v1/referrals/{r1}"),
            format!("/api/v1/households/{h1}"),
            format!("/api/v1/support-logs/{s1}"),
        ] {
            let (status, v) = get_json(&app, &yuzawa, &path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{user} {path}: {v}");
            assert_eq!(v["type"], "urn:kasane:problem:not-found");
        }
        for (path, body) in [
            (format!("/api/v1/referrals/{r1}/accept"), json!({})),
            (
                format!("/api/v1/referrals/{r1}/decline"),
                json!({ "reason": "x" }),
            ),
            (
                format!("/api/v1/referrals/{r1}/complete"),
                json!({ "provided": "x", "helped": "yes" }),
            ),
            (format!("/api/v1/referrals/{r1}/acknowledge"), json!({})),
            (
                format!("/api/v1/persons/{p1}/referrals"),
                json!({ "to_agency_id": kikan_id, "reason": "x" }),
            ),
            ("/api/v1/households".to_string(), json!({ "person_id": p1 })),
            (
                format!("/api/v1/households/{h1}/members"),
                json!({ "person_id": p1, "relationship": "head" }),
            ),
            (
                "/api/v1/support-logs".to_string(),
                json!({ "occurred_on": "R7.4.1", "kind": "note", "body": "x", "person_id": p1 }),
            ),
            (
                "/api/v1/intakes".to_string(),
                intake(json!({ "person_id": p1 }), "handled"),
            ),
        ] {
            let (status, v) = api_post(&app, &yuzawa, &path, body).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{user} POST {path}: {v}");
        }
        let (status, _) = app
            .api_send(
                &yuzawa,
                Method::PUT,
                &format!("/api/v1/support-logs/{s1}"),
                Some(
                    json!({ "version": 1, "occurred_on": "R7.4.1", "kind": "visit", "body": "改" }),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{user} PUT");
        // Nothing of 大仙市 in 湯沢市's search or worklist.
        let (status, v) = get_json(&app, &yuzawa, "/api/v1/persons?q=%E9%BD%8B%E8%97%A4").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            !v["persons"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["id"] == p1),
            "{v}"
        );
        assert!(!v.to_string().contains("澄江"), "{v}");
        let (_, w) = get_json(&app, &yuzawa, "/api/v1/worklist").await;
        assert!(!w.to_string().contains("澄江"), "{w}");
    }
    // Linking is the coordinator's; 湯沢市's coordinator does not find 大仙市's persons.
    let yuzawa = app.token("yuzawa.coordinator").await;
    let (status, _) = link(&app, &yuzawa, p1, json!({ "other_id": p1 })).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = unlink(&app, &yuzawa, p1, p1).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn support_log_versions_and_household_signals(app: TestApp) {
    let houkatsu = app.token("daisen.houkatsu").await;
    let (mother, _) = saito(&app, &houkatsu).await;
    let mut son = intake(
        new_person("齋藤 浩", "サイトウ ヒロシ", "S50.5.5"),
        "handled",
    );
    son["issues"] = json!(["hikikomori"]);
    son["concerns"] = json!(["hikikomori"]);
    let (son, _) = record(&app, &houkatsu, son).await;

    // Support log: every edit is a version; a stale version is refused.
    let (status, v) = api_post(
        &app,
        &houkatsu,
        "/api/v1/support-logs",
        json!({ "occurred_on": "R7.4.1", "kind": "visit", "body": "自宅を訪問した。", "person_id": mother }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let s1 = v["id"].as_i64().unwrap();
    let (status, v) = get_json(&app, &houkatsu, &format!("/api/v1/support-logs/{s1}")).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["version"], 1);
    assert_eq!(v["occurred_on"], "2025-04-01");
    let edit = |version: i64, body: &str| json!({ "version": version, "occurred_on": "R7.4.1", "kind": "visit", "body": body });
    let (status, v) = app
        .api_send(
            &houkatsu,
            Method::PUT,
            &format!("/api/v1/support-logs/{s1}"),
            Some(edit(1, "自宅を訪問した。長女も同席。")),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["version"], 2);
    assert_eq!(v["body"], "自宅を訪問した。長女も同席。");
    let versions = v["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["version"], 2, "newest first");
    assert_eq!(versions[1]["body"], "自宅を訪問した。");
    let (status, v) = app
        .api_send(
            &houkatsu,
            Method::PUT,
            &format!("/api/v1/support-logs/{s1}"),
            Some(edit(1, "自宅を訪問した。(別の職員の修正)")),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    // Another agency without a basis does not find it.
    let kikan = app.token("daisen.kikan").await;
    let (status, _) = get_json(&app, &kikan, &format!("/api/v1/support-logs/{s1}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Household: 80歳前後の母と50歳前後のひきこもりの子 → 8050, derived.
    let (status, v) = api_post(
        &app,
        &houkatsu,
        "/api/v1/households",
        json!({ "person_id": mother }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let h = v["id"].as_i64().unwrap();
    let (status, v) = api_post(
        &app,
        &houkatsu,
        &format!("/api/v1/households/{h}/members"),
        json!({ "person_id": son, "relationship": "child" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["members"].as_array().unwrap().len(), 2);
    let (status, v) = get_json(&app, &houkatsu, &format!("/api/v1/households/{h}")).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let s = v["signals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "household_8050")
        .unwrap_or_else(|| panic!("8050 derived: {v}"));
    assert!(!s["explanation"].as_str().unwrap().is_empty());
    assert_eq!(s["members"], json!([mother, son]));
    // Moving the son out keeps him in the history and the signal goes.
    let (_, v) = api_post(
        &app,
        &houkatsu,
        "/api/v1/households",
        json!({ "person_id": son, "label": "浩さんの世帯" }),
    )
    .await;
    assert!(v["id"].is_i64(), "{v}");
    let (_, v) = get_json(&app, &houkatsu, &format!("/api/v1/households/{h}")).await;
    assert_eq!(v["members"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["past_members"][0]["person_id"], son, "{v}");
    assert!(
        !v["signals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["code"] == "household_8050"),
        "{v}"
    );
    let (status, v) = api_post(
        &app,
        &houkatsu,
        &format!("/api/v1/households/{h}/members"),
        json!({ "person_id": son, "relationship": "no-such" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
}

/// ACCESS-MODEL's household outline: a basis on one member of a household shows the other
/// members' 続柄, name and age — never their birth dates or their own records (a consent
/// basis on one member used to return another member's birth date).
async fn a_basis_on_one_member_shows_the_others_in_outline(app: TestApp) {
    let houkatsu = app.token("daisen.houkatsu").await;
    let kikan = app.token("daisen.kikan").await;
    let (mother, _) = record(
        &app,
        &houkatsu,
        intake(
            new_person("外山 トキ", "トヤマ トキ", "1945-03-03"),
            "handled",
        ),
    )
    .await;
    let mut son_intake = intake(
        new_person("外山 浩二", "トヤマ コウジ", "1973-06-06"),
        "handled",
    );
    son_intake["summary"] = json!("基幹相談支援センターだけが知る息子の相談");
    let (son, _) = record(&app, &kikan, son_intake).await;
    let (status, v) = api_post(
        &app,
        &houkatsu,
        "/api/v1/households",
        json!({ "person_id": mother }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let h = v["id"].as_i64().unwrap();
    // The son joins his mother's household (recorded by the other window, which knows him).
    let m = app.store.municipality_by_code("daisen").await.unwrap();
    let kikan_user = app.user("daisen.kikan").await;
    let today = kasane_app::Clock::today(&kasane_app::SystemClock);
    let member = kasane_store::household::NewMember {
        household_id: h,
        person_id: son,
        relationship: "child",
        is_head: false,
        is_carer: false,
        joined_on: today,
    };
    app.store
        .add_member(m.id, kikan_user.id, &member)
        .await
        .unwrap();

    let (status, v) = get_json(&app, &houkatsu, &format!("/api/v1/households/{h}")).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let members = v["members"].as_array().unwrap();
    let of = |id: i64| members.iter().find(|x| x["person_id"] == id).unwrap();
    assert_eq!(of(mother)["in_full"], true);
    assert_eq!(of(mother)["birth_date"], "1945-03-03");
    let s = of(son);
    assert_eq!(s["in_full"], false, "{v}");
    assert_eq!(
        s["birth_date"],
        Value::Null,
        "no birth date in outline: {v}"
    );
    assert!(s["age"].as_u64().is_some_and(|a| a >= 52), "{v}");
    assert_eq!(s["name"], "外山 浩二");
    assert_eq!(s["relationship"], "child");
    // Not his record, nor his intake on the household's timeline.
    let (status, _) = get_json(&app, &houkatsu, &format!("/api/v1/persons/{son}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let client = app.login("daisen.houkatsu").await;
    let (status, html) = app.get_text(&client, &format!("/households/{h}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("外山 浩二") && html.contains("世帯の概要のみ"),
        "{html}"
    );
    assert!(
        !html.contains(&format!("href=\"/persons/{son}\"")),
        "no link to his record"
    );
    assert!(
        !html.contains("基幹相談支援センターだけが知る"),
        "his intake is not shown"
    );
    assert!(!html.contains("1973") && !html.contains("S48") && !html.contains("昭和48"));
    // The window that knows him sees him in full.
    let (_, v) = get_json(&app, &kikan, &format!("/api/v1/persons/{son}")).await;
    assert_eq!(v["id"], son, "{v}");
}

async fn coordinator_links_and_splits_records(app: TestApp) {
    let houkatsu = app.token("daisen.houkatsu").await;
    let coordinator = app.token("daisen.coordinator").await;
    // Escalated to 多機関協働: the coordinator's basis.
    let (p1, _) = record(
        &app,
        &houkatsu,
        intake(
            new_person("齋藤 澄江", "サイトウ スミエ", "S23.7.19"),
            "escalated",
        ),
    )
    .await;
    let mut other = intake(
        new_person("斎藤 澄江", "サイトウ スミエ", "S23.7.19"),
        "escalated",
    );
    other["confirm_new_person"] = json!(true);
    let (p2, _) = record(&app, &houkatsu, other).await;

    // Staff may not link.
    let (status, v) = link(&app, &houkatsu, p1, json!({ "other_id": p2 })).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");

    let (status, v) = link(
        &app,
        &coordinator,
        p1,
        json!({ "other_id": p2, "reason": "同一人物(異体字)" }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["person_id"], p1);
    assert_eq!(v["linked_ids"], json!([p2]));
    // The linked record answers as its canonical person, with the link listed.
    let (_, v) = get_json(&app, &coordinator, &format!("/api/v1/persons/{p2}")).await;
    assert_eq!(v["id"], p1, "{v}");
    assert_eq!(v["basis"], "coordination");
    assert_eq!(v["record"]["linked_records"][0]["id"], p2);

    let (status, v) = unlink(&app, &coordinator, p1, p2).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{v}");
    let (_, v) = get_json(&app, &coordinator, &format!("/api/v1/persons/{p2}")).await;
    assert_eq!(v["id"], p2, "{v}");
    // Splitting what is not linked finds nothing to split.
    let (status, _) = unlink(&app, &coordinator, p1, p2).await;
    assert!(status.is_client_error(), "{status}");
}

async fn split_pair_is_linked_again_only_when_confirmed(app: TestApp) {
    let houkatsu = app.token("daisen.houkatsu").await;
    let coordinator = app.token("daisen.coordinator").await;
    let mut ids = Vec::new();
    for name in ["齋藤 澄江", "斎藤 澄江", "齊藤 澄江"] {
        let mut body = intake(new_person(name, "サイトウ スミエ", "S23.7.19"), "escalated");
        body["confirm_new_person"] = json!(true);
        ids.push(record(&app, &houkatsu, body).await.0);
    }
    let (p1, p2, p3) = (ids[0], ids[1], ids[2]);
    let (status, v) = link(&app, &coordinator, p1, json!({ "other_id": p2 })).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (status, v) = unlink(&app, &coordinator, p1, p2).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{v}");

    // Either way round, and through a group the split record has joined since: 409.
    let (status, v) = link(&app, &coordinator, p3, json!({ "other_id": p2 })).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    for (on, other) in [(p1, p2), (p2, p1), (p1, p3), (p3, p1)] {
        let (status, v) = link(
            &app,
            &coordinator,
            on,
            json!({ "other_id": other, "reason": "再確認" }),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{on}+{other}: {v}");
        assert_eq!(v["type"], "urn:kasane:problem:conflict");
        assert_eq!(
            v["title"],
            "この2件は以前に別人として解除されています。もう一度結び付けるには確認してください。"
        );
    }
    let (_, v) = get_json(&app, &coordinator, &format!("/api/v1/persons/{p1}")).await;
    assert_eq!(v["id"], p1, "{v}");
    assert_eq!(v["record"]["linked_records"], json!([]), "{v}");

    // Confirmed: linked, and audited as a pair split before.
    let (status, v) = link(
        &app,
        &coordinator,
        p1,
        json!({ "other_id": p2, "reason": "再確認", "confirm_distinct": true }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["person_id"], p1);
    let mut linked = v["linked_ids"].as_array().unwrap().clone();
    linked.sort_by_key(|id| id.as_i64());
    assert_eq!(
        linked,
        [json!(p2), json!(p3)],
        "p3's whole group came along: {v}"
    );
    let m = app.store.municipality_by_code("daisen").await.unwrap();
    let (entries, _) = app
        .store
        .audit_entries(&kasane_store::audit::AuditFilter {
            municipality_id: m.id,
            object_type: Some("person_link".into()),
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(entries[0].username, "daisen.coordinator");
    assert_eq!(entries[0].basis, "coordination");
    assert!(
        entries[0].reason.contains("以前に別人として解除") && entries[0].reason.contains("再確認"),
        "{entries:?}"
    );
    // The schema documents the confirmation.
    let doc = openapi(&app).await;
    let field = &doc["components"]["schemas"]["LinkRequest"]["properties"]["confirm_distinct"];
    assert_eq!(field["type"], "boolean", "{field}");
    assert!(
        doc["paths"]["/api/v1/persons/{id}/links"]["post"]["responses"]["409"].is_object(),
        "409 documented"
    );
}

async fn intake_is_recorded_on_a_household_of_the_person(app: TestApp) {
    let houkatsu = app.token("daisen.houkatsu").await;
    // A new person with a new household, in one request: the person is its head.
    let saito = new_person("齋藤 澄江", "サイトウ スミエ", "S23.7.19");
    let (p1, i1, h1) = record_with_new_household(&app, &houkatsu, saito).await;
    let (status, v) = get_json(&app, &houkatsu, &format!("/api/v1/households/{h1}")).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["label"], "齋藤さんの世帯");
    assert_eq!(v["members"][0]["person_id"], p1);
    assert_eq!(v["members"][0]["is_head"], true);
    let (_, v) = get_json(&app, &houkatsu, &format!("/api/v1/intakes/{i1}")).await;
    assert_eq!(v["household_id"], h1, "{v}");

    // An existing person, on their household.
    let body = intake(json!({ "person_id": p1, "household_id": h1 }), "handled");
    let (status, v) = api_post(&app, &houkatsu, "/api/v1/intakes", body).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["household_id"], h1);
    let (_, v) = get_json(
        &app,
        &houkatsu,
        &format!("/api/v1/intakes/{}", v["intake_id"]),
    )
    .await;
    assert_eq!(v["household_id"], h1, "{v}");
    // Without one, none.
    let (status, v) = api_post(
        &app,
        &houkatsu,
        "/api/v1/intakes",
        intake(json!({ "person_id": p1 }), "handled"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["household_id"], Value::Null);

    // Refused with 422: another person's household, another municipality's, a missing one,
    // an existing household for a new person, a new household for a known one, both.
    let chiba = new_person("千葉 正男", "チバ マサオ", "S30.8.1");
    let (_, _, h_other) = record_with_new_household(&app, &houkatsu, chiba).await;
    let yuzawa = app.token("yuzawa.houkatsu").await;
    let mut sato = new_person("佐藤 花子", "サトウ ハナコ", "S40.1.1");
    sato["person"]["district"] = json!("");
    let (_, _, h_yuzawa) = record_with_new_household(&app, &yuzawa, sato).await;
    let not_theirs =
        "指定された世帯は、この方が現在属している世帯ではありません。世帯を選び直してください。";
    let mut new_with_household = intake(
        new_person("熊谷 静子", "クマガイ シズコ", "S25.3.3"),
        "handled",
    );
    new_with_household["household_id"] = json!(h1);
    let known_with_new = intake(json!({ "person_id": p1, "new_household": true }), "handled");
    let both = intake(
        json!({ "person_id": p1, "household_id": h1, "new_household": true }),
        "handled",
    );
    for (body, message) in [
        (
            intake(
                json!({ "person_id": p1, "household_id": h_other }),
                "handled",
            ),
            not_theirs,
        ),
        (
            intake(
                json!({ "person_id": p1, "household_id": h_yuzawa }),
                "handled",
            ),
            not_theirs,
        ),
        (
            intake(
                json!({ "person_id": p1, "household_id": 999_999 }),
                "handled",
            ),
            not_theirs,
        ),
        (
            new_with_household,
            "新しく登録する方は、既存の世帯を指定できません。新しい世帯を作るか、登録後に世帯の画面で追加してください。",
        ),
        (
            known_with_new,
            "新しい世帯は、新しく登録する方についてのみ作れます。登録済みの方の世帯は世帯の画面で作成・変更してください。",
        ),
        (
            both,
            "世帯の指定と新しい世帯の作成は、どちらか一方だけを選んでください。",
        ),
    ] {
        let (status, v) = api_post(&app, &houkatsu, "/api/v1/intakes", body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
        assert_eq!(v["type"], "urn:kasane:problem:validation");
        assert_eq!(v["errors"], json!([message]), "{body}: {v}");
    }
    // Nothing was recorded by the refused requests.
    assert_eq!(app.store.intakes_of(p1).await.unwrap().len(), 3);
    let (_, v) = get_json(&app, &houkatsu, "/api/v1/persons?birth_date=S25.3.3").await;
    assert_eq!(v["persons"].as_array().map(Vec::len), Some(0), "{v}");
    // The schema documents both fields.
    let doc = openapi(&app).await;
    let props = &doc["components"]["schemas"]["IntakeRequest"]["properties"];
    assert!(props["household_id"].is_object(), "{props}");
    assert_eq!(props["new_household"]["type"], "boolean", "{props}");
}

async fn openapi_lists_the_consultation_api(app: TestApp) {
    let doc = openapi(&app).await;
    let tags: Vec<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for tag in [
        "persons",
        "households",
        "intakes",
        "referrals",
        "support-logs",
        "worklist",
    ] {
        assert!(tags.contains(&tag), "tag {tag} in {tags:?}");
    }
    for (path, method, tag) in [
        ("/api/v1/persons", "get", "persons"),
        ("/api/v1/persons/{id}", "get", "persons"),
        ("/api/v1/persons/{id}/timeline", "get", "persons"),
        ("/api/v1/persons/{id}/links", "post", "persons"),
        ("/api/v1/persons/{id}/links/{other_id}", "delete", "persons"),
        ("/api/v1/intakes", "post", "intakes"),
        ("/api/v1/intakes/{id}", "get", "intakes"),
        ("/api/v1/persons/{id}/referrals", "post", "referrals"),
        ("/api/v1/referrals/{id}", "get", "referrals"),
        ("/api/v1/referrals/{id}/accept", "post", "referrals"),
        ("/api/v1/referrals/{id}/decline", "post", "referrals"),
        ("/api/v1/referrals/{id}/complete", "post", "referrals"),
        ("/api/v1/referrals/{id}/acknowledge", "post", "referrals"),
        ("/api/v1/worklist", "get", "worklist"),
        ("/api/v1/households", "post", "households"),
        ("/api/v1/households/{id}", "get", "households"),
        ("/api/v1/households/{id}/members", "post", "households"),
        ("/api/v1/support-logs", "post", "support-logs"),
        ("/api/v1/support-logs/{id}", "get", "support-logs"),
        ("/api/v1/support-logs/{id}", "put", "support-logs"),
    ] {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "missing {method} {path}");
        assert_eq!(op["tags"], json!([tag]), "{method} {path}");
        assert!(op["security"].is_array(), "{method} {path} is secured");
    }
    let schemas = &doc["components"]["schemas"];
    for schema in [
        "IntakeRequest",
        "CandidatesProblem",
        "PersonDetail",
        "ReferralSheet",
        "WorklistInfo",
        "HouseholdDetail",
        "EntryDetail",
    ] {
        assert!(schemas[schema].is_object(), "schema {schema}");
    }
    // The foundation's paths are still there.
    assert!(doc["paths"]["/api/v1/me"].is_object());
}
