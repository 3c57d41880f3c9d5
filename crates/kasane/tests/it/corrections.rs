//! Corrections with history (both engines): a person, an intake and a household membership
//! are corrected from a named version; a save from an older one is 409 and overwrites
//! nothing; every version stays readable with what it changed; each correction is audited
//! with the changed fields' labels only.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{TestApp, location};

both_engines!(
    a_person_correction_keeps_every_version,
    a_stale_person_correction_is_refused_on_the_page_with_both_versions,
    concurrent_corrections_from_one_version_save_once,
    an_intake_correction_keeps_versions_and_only_its_window_corrects,
    a_membership_ends_with_a_date_and_a_reason
);

fn person_body(version: i64, address: &str) -> Value {
    json!({
        "version": version, "name": "訂正 太郎", "furigana": "テイセイ タロウ",
        "birth_date": "S50.5.5", "district": "omagari", "address": address,
    })
}

async fn new_person(app: &TestApp, token: &str) -> (i64, Value) {
    let v = app
        .intake_of_new_person(token, "訂正 太郎", "テイセイ タロウ")
        .await;
    (v["person_id"].as_i64().unwrap(), v)
}

async fn versions(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let (status, v) = app.api_send(token, Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v.as_array().unwrap().clone()
}

async fn a_person_correction_keeps_every_version(app: TestApp) {
    let token = app.token("daisen.houkatsu").await;
    let (id, _) = new_person(&app, &token).await;
    let path = format!("/api/v1/persons/{id}");
    let (_, person) = app.api_send(&token, Method::GET, &path, None).await;
    assert_eq!(person["record"]["version"], 1);
    // Never corrected: the record is its only version.
    assert!(
        versions(&app, &token, &format!("{path}/versions"))
            .await
            .is_empty()
    );

    let (status, v) = app
        .api_send(
            &token,
            Method::PUT,
            &path,
            Some(person_body(1, "大仙市大曲1-1")),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["version"], 2);
    let (status, v) = app
        .api_send(
            &token,
            Method::PUT,
            &path,
            Some(person_body(2, "大仙市大曲2-2")),
        )
        .await;
    assert_eq!((status, v["version"].clone()), (StatusCode::OK, json!(3)));

    // From version 2 again: refused, the newest stays.
    let (status, v) = app
        .api_send(&token, Method::PUT, &path, Some(person_body(2, "上書き")))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    let (_, person) = app.api_send(&token, Method::GET, &path, None).await;
    assert_eq!(person["record"]["address"], "大仙市大曲2-2");
    assert_eq!(person["record"]["version"], 3);

    // Nothing changed: 422, no version.
    let (status, v) = app
        .api_send(
            &token,
            Method::PUT,
            &path,
            Some(person_body(3, "大仙市大曲2-2")),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    // Bad input: 422 with the field's message, nothing saved.
    let mut bad = person_body(3, "x");
    bad["birth_date"] = json!("2999-01-01");
    let (status, _) = app.api_send(&token, Method::PUT, &path, Some(bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let kept = versions(&app, &token, &format!("{path}/versions")).await;
    let numbers: Vec<i64> = kept
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [3, 2, 1]);
    assert_eq!(
        kept[0]["changes"],
        json!([{ "field": "住所", "before": "大仙市大曲1-1", "after": "大仙市大曲2-2" }])
    );
    assert_eq!(
        kept[1]["changes"],
        json!([{ "field": "住所", "before": "", "after": "大仙市大曲1-1" }])
    );
    // Version 1 is the record as registered, by its author.
    let first: Vec<&str> = kept[2]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(first, ["氏名", "フリガナ", "生年月日", "地区"]);
    assert!(
        kept.iter()
            .all(|v| v["recorded_by"].as_str().unwrap() != "")
    );

    // Audited as updates naming the fields, never their content.
    let audited = |reason: &str| {
        format!(
            "SELECT COUNT(*) FROM audit_log WHERE object_type = 'person' AND action = 'update' \
             AND object_id = '{id}' AND reason {reason}"
        )
    };
    assert_eq!(app.scalar(&audited("= '住所'")).await, 2);
    assert_eq!(app.scalar(&audited("LIKE '%大曲%'")).await, 0);

    // Another agency without a basis: not found, like every unpermitted record.
    let other = app.token("daisen.kikan").await;
    let (status, _) = app
        .api_send(&other, Method::PUT, &path, Some(person_body(3, "他機関")))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .api_send(&other, Method::GET, &format!("{path}/versions"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn a_stale_person_correction_is_refused_on_the_page_with_both_versions(app: TestApp) {
    let token = app.token("daisen.houkatsu").await;
    let (id, _) = new_person(&app, &token).await;
    let client = app.login("daisen.houkatsu").await;
    let form_path = format!("/persons/{id}/edit");
    let (status, html) = app.get_text(&client, &form_path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("基本情報を修正する(第1版から"), "{html}");
    let csrf = crate::common::hidden_csrf(&html);
    let fields = |version: &'static str, address: &'static str| {
        vec![
            ("version", version),
            ("name", "訂正 太郎"),
            ("furigana", "テイセイ タロウ"),
            ("birth_date", "S50.5.5"),
            ("district", "omagari"),
            ("address", address),
        ]
    };
    let res = app
        .post_form(&client, &form_path, &csrf, &fields("1", "大仙市大曲3-3"))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("/persons/{id}?saved=1"));
    let (_, html) = app.get_text(&client, &location(&res)).await;
    assert!(html.contains("記録しました"), "{html}");
    assert!(html.contains("修正履歴"), "{html}");
    assert!(html.contains("第2版"), "{html}");

    // The same form sent again (from version 1): 409, both versions shown, what was typed kept.
    let res = app
        .post_form(&client, &form_path, &csrf, &fields("1", "大仙市大曲4-4"))
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("他の職員が先に保存しました"), "{html}");
    assert!(
        html.contains("大仙市大曲3-3") && html.contains("大仙市大曲4-4"),
        "{html}"
    );
    assert!(
        html.contains("第2版から"),
        "the form is now based on the newest: {html}"
    );
    // A field problem re-renders the form with the message and the typed values.
    let res = app
        .post_form(
            &client,
            &form_path,
            &csrf,
            &[("version", "2"), ("name", ""), ("address", "残る住所")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("入力内容を確認してください") && html.contains("残る住所"),
        "{html}"
    );
    let (_, person) = app
        .api_send(&token, Method::GET, &format!("/api/v1/persons/{id}"), None)
        .await;
    assert_eq!(person["record"]["address"], "大仙市大曲3-3");
}

async fn concurrent_corrections_from_one_version_save_once(app: TestApp) {
    let token = app.token("daisen.houkatsu").await;
    let (id, _) = new_person(&app, &token).await;
    let path = format!("/api/v1/persons/{id}");
    // Twenty clients at once, each sending its own address from version 1.
    let url = app.url(&path);
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (url, token) = (url.clone(), token.clone());
            tokio::spawn(async move {
                reqwest::Client::new()
                    .put(url)
                    .bearer_auth(token)
                    .json(&person_body(1, &format!("住所{i}")))
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let stale = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((ok, stale), (1, 19), "{statuses:?}");
    let kept = versions(&app, &token, &format!("{path}/versions")).await;
    assert_eq!(kept.len(), 2, "version 1 and the one save");
}

async fn an_intake_correction_keeps_versions_and_only_its_window_corrects(app: TestApp) {
    let token = app.token("daisen.houkatsu").await;
    let (_, created) = new_person(&app, &token).await;
    let intake = created["intake_id"].as_i64().unwrap();
    let path = format!("/api/v1/intakes/{intake}");
    let (_, before) = app.api_send(&token, Method::GET, &path, None).await;
    assert_eq!(before["version"], 1);
    let body = |version: i64, summary: &str| {
        json!({
            "version": version, "received_at": "", "channel": "phone", "consulter_kind": "family",
            "consulter_name": "訂正 花子", "consulter_relation": "母", "issues": ["care", "isolation"],
            "concerns": ["housing", "income"], "most_pressing": "income", "summary": summary,
            "urgency": "high",
        })
    };
    let (status, v) = app
        .api_send(
            &token,
            Method::PUT,
            &path,
            Some(body(1, "電話で母から相談。")),
        )
        .await;
    assert_eq!(
        (status, v["version"].clone()),
        (StatusCode::OK, json!(2)),
        "{v}"
    );
    let (_, after) = app.api_send(&token, Method::GET, &path, None).await;
    assert_eq!(after["summary"], "電話で母から相談。");
    assert_eq!(after["channel"], "phone");
    assert_eq!(after["issues"], json!(["care", "isolation"]));
    assert_eq!(after["most_pressing"], "income");
    // What followed rests on these: they stay.
    for kept in ["outcome", "consent_to_share", "receiving_agency_id"] {
        assert_eq!(after[kept], before[kept], "{kept}");
    }
    let (status, _) = app
        .api_send(&token, Method::PUT, &path, Some(body(1, "古い版から")))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let kept = versions(&app, &token, &format!("{path}/versions")).await;
    assert_eq!(kept.len(), 2);
    let changed: Vec<&str> = kept[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert!(
        changed.contains(&"相談経路") && changed.contains(&"相談の概要"),
        "{changed:?}"
    );

    // The coordinator may read the person but did not receive the intake: 403.
    let coordinator = app.token("daisen.coordinator").await;
    let (status, v) = app
        .api_send(
            &coordinator,
            Method::PUT,
            &path,
            Some(body(2, "別の窓口から")),
        )
        .await;
    assert!(
        status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
        "{status} {v}"
    );

    // The page: the intake shows its history and the way to correct it.
    let client = app.login("daisen.houkatsu").await;
    let (status, html) = app.get_text(&client, &format!("/intakes/{intake}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("修正履歴") && html.contains("この相談受付を修正する"),
        "{html}"
    );
    let (status, html) = app
        .get_text(&client, &format!("/intakes/{intake}/edit"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("第2版から"), "{html}");
}

async fn a_membership_ends_with_a_date_and_a_reason(app: TestApp) {
    let token = app.token("daisen.houkatsu").await;
    let (_, created) = new_person(&app, &token).await;
    let household = created["household_id"].as_i64().unwrap();
    let path = format!("/api/v1/households/{household}");
    let (_, h) = app.api_send(&token, Method::GET, &path, None).await;
    let member = &h["members"][0];
    let (member_id, version) = (
        member["id"].as_i64().unwrap(),
        member["version"].as_i64().unwrap(),
    );
    let end = format!("{path}/members/{member_id}/end");

    let (status, v) = app
        .api_send(
            &token,
            Method::POST,
            &end,
            Some(json!({ "version": version, "left_on": "", "reason": "other" })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (status, v) = app
        .api_send(
            &token,
            Method::POST,
            &end,
            Some(json!({ "version": version, "left_on": "R7.1.1", "reason": "moved_out" })),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "before joining: {v}"
    );

    // Through the page: the end form is the confirmation step.
    let client = app.login("daisen.houkatsu").await;
    let (status, html) = app
        .get_text(&client, &format!("/households/{household}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("世帯から外す"), "{html}");
    let form = format!("/households/{household}/members/{member_id}/end");
    let csrf = app.page_csrf(&client, &form).await;
    // The day the member joined (today, for a new household) is the earliest allowed.
    let today = member["joined_on"].as_str().unwrap().to_string();
    let res = app
        .post_form(
            &client,
            &form,
            &csrf,
            &[
                ("version", version.to_string().as_str()),
                ("left_on", today.as_str()),
                ("reason", "moved_out"),
                ("note", "県外へ転居"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.get_text(&client, &location(&res)).await;
    assert!(
        html.contains("記録しました") && html.contains("転出") && html.contains("県外へ転居"),
        "{html}"
    );

    // Ended once: a second end (from the same or any version) is 409.
    let (status, _) = app
        .api_send(
            &token,
            Method::POST,
            &end,
            Some(json!({ "version": version, "left_on": today, "reason": "death" })),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, h) = app.api_send(&token, Method::GET, &path, None).await;
    let past = h["past_members"].as_array().unwrap();
    assert_eq!(past.len(), 1, "{h}");
    assert_eq!(past[0]["left_reason"], "moved_out");
    assert_eq!(past[0]["left_on"], today);
    assert!(h["members"].as_array().unwrap().is_empty(), "{h}");
}
