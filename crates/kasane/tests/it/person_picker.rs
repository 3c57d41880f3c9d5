//! The person picker (both engines): a household member and the record to link in 名寄せ
//! are chosen from a search by name — the page's 「検索」 (`?pick_q=…`, without the script)
//! and `GET /persons/pick` (as the worker types) — never typed as a 記録番号; only persons the
//! user may see are offered, and every search is audited as the person search is. The
//! consulter of an intake is picked the same way, on the intake form and its correction.

use kasane_store::audit::AuditFilter;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{TestApp, location};

both_engines!(
    household_member_is_picked_from_a_search,
    nayose_link_is_picked_from_a_search,
    picker_offers_only_whom_the_user_may_see,
    consulter_is_picked_on_the_intake_form,
);

const HOUKATSU: &str = "daisen.houkatsu";
const KIKAN: &str = "daisen.kikan";
const COORDINATOR: &str = "daisen.coordinator";

/// An intake about a new person at `username`'s window (a new household; with `outcome`
/// 「多機関協働へ」 the coordinator sees them): the answer of the API.
async fn new_person(app: &TestApp, username: &str, name: &str, kana: &str, outcome: &str) -> Value {
    let token = app.token(username).await;
    let person = json!({ "name": name, "furigana": kana, "birth_date": "S50.5.5",
                         "address": "大仙市大曲通町1-2" });
    app.intake_of(&token, person, outcome).await
}

/// The ids a page offers as radio buttons named `field`.
fn offered(html: &str, field: &str) -> Vec<i64> {
    let marker = format!("type=\"radio\" name=\"{field}\" value=\"");
    html.match_indices(&marker)
        .filter_map(|(at, _)| {
            html[at + marker.len()..]
                .split('"')
                .next()
                .and_then(|id| id.parse().ok())
        })
        .collect()
}

/// How many person searches `username` has on record.
async fn searches_by(app: &TestApp, username: &str) -> i64 {
    let user = app.user(username).await;
    let (_, total) = app
        .store
        .audit_entries(&AuditFilter {
            municipality_id: user.municipality_id,
            username: Some(username.into()),
            object_type: Some("person_search".into()),
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    total
}

async fn post(app: &TestApp, client: &Client, path: &str, fields: &[(&str, &str)]) -> String {
    let token = app.page_csrf(client, "/").await;
    let res = app.post_form(client, path, &token, fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
    location(&res)
}

async fn household_member_is_picked_from_a_search(app: TestApp) {
    let mother = new_person(&app, HOUKATSU, "小野寺 フミ", "オノデラ フミ", "handled").await;
    let son = new_person(&app, HOUKATSU, "小野寺 健太", "オノデラ ケンタ", "handled").await;
    let (mother_id, son_id) = (
        mother["person_id"].as_i64().unwrap(),
        son["person_id"].as_i64().unwrap(),
    );
    let household = mother["household_id"].as_i64().unwrap();
    let houkatsu = app.login(HOUKATSU).await;
    let page = format!("/households/{household}");

    // Nothing to type a number into; before a search nothing is searched (or audited).
    let before = searches_by(&app, HOUKATSU).await;
    let (status, html) = app.get_text(&houkatsu, &page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("type=\"number\""), "{html}");
    assert!(html.contains("氏名・フリガナ"), "{html}");
    assert_eq!(searches_by(&app, HOUKATSU).await, before);

    // 「検索」 without the script: the page again, with the persons found (by kana, folded
    // as the person search folds it), the current member left out.
    let (status, html) = app
        .get_text(&houkatsu, &format!("{page}?pick_q=ｵﾉﾃﾞﾗ"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let ids = offered(&html, "person_id");
    assert!(ids.contains(&son_id) && !ids.contains(&mother_id), "{html}");
    assert!(html.contains("小野寺 健太") && html.contains("オノデラ ケンタ"));
    assert!(
        html.contains("昭和50年5月5日"),
        "the 和暦 birth date: {html}"
    );
    assert!(html.contains("大曲通町"), "the address to the 町名: {html}");
    assert_eq!(searches_by(&app, HOUKATSU).await, before + 1);

    // As the worker types: the same results, the same audit.
    let (status, fragment) = app
        .get_text(
            &houkatsu,
            &format!("/persons/pick?pick_q=小野&field=person_id&exclude={mother_id}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let ids = offered(&fragment, "person_id");
    assert!(
        ids.contains(&son_id) && !ids.contains(&mother_id),
        "{fragment}"
    );
    assert!(!fragment.contains("<html"), "a fragment: {fragment}");
    assert!(fragment.contains("人が見つかりました"), "{fragment}");
    assert_eq!(searches_by(&app, HOUKATSU).await, before + 2);
    let (_, none) = app
        .get_text(
            &houkatsu,
            "/persons/pick?pick_q=存在しない名前&field=person_id",
        )
        .await;
    assert!(none.contains("該当する方がいません"), "{none}");
    assert!(offered(&none, "person_id").is_empty());

    // Choosing him adds him: the use case gets the id it always read.
    let to = post(
        &app,
        &houkatsu,
        &format!("{page}/members"),
        &[
            ("person_id", &son_id.to_string()),
            ("relationship", "child"),
            ("joined_on", ""),
        ],
    )
    .await;
    assert_eq!(to, format!("{page}?saved=1"));
    let (_, html) = app.get_text(&houkatsu, &page).await;
    assert!(
        html.contains(&format!("href=\"/persons/{son_id}\"")),
        "{html}"
    );
    // Now a member, he is no longer offered.
    let (_, html) = app
        .get_text(&houkatsu, &format!("{page}?pick_q=小野寺"))
        .await;
    let ids = offered(&html, "person_id");
    assert!(
        !ids.contains(&son_id) && !ids.contains(&mother_id),
        "{html}"
    );
}

async fn nayose_link_is_picked_from_a_search(app: TestApp) {
    let a = new_person(&app, HOUKATSU, "高橋 ミサ", "タカハシ ミサ", "escalated").await;
    let b = new_person(&app, KIKAN, "髙橋 美佐", "タカハシ ミサ", "escalated").await;
    let (a, b) = (
        a["person_id"].as_i64().unwrap(),
        b["person_id"].as_i64().unwrap(),
    );
    let coordinator = app.login(COORDINATOR).await;
    let page = format!("/persons/{a}");
    let (status, html) = app.get_text(&coordinator, &page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("type=\"number\" name=\"other\""), "{html}");

    // The other record is offered; the person themself is not.
    let before = searches_by(&app, COORDINATOR).await;
    let (_, html) = app
        .get_text(&coordinator, &format!("{page}?pick_q=たかはし"))
        .await;
    assert_eq!(offered(&html, "other"), vec![b], "{html}");
    assert_eq!(searches_by(&app, COORDINATOR).await, before + 1);
    let (_, fragment) = app
        .get_text(
            &coordinator,
            &format!("/persons/pick?pick_q=高橋&field=other&exclude={a}"),
        )
        .await;
    assert_eq!(offered(&fragment, "other"), vec![b], "{fragment}");

    let to = post(
        &app,
        &coordinator,
        &format!("{page}/link"),
        &[("other", &b.to_string()), ("reason", "本人に確認")],
    )
    .await;
    assert_eq!(to, format!("{page}?saved=1"));
    let linked = app.store.person_any(b).await.unwrap().unwrap();
    assert_eq!(linked.linked_to_person_id, Some(a));
    // Linked, the group is one person: nobody left to offer.
    let (_, html) = app
        .get_text(&coordinator, &format!("{page}?pick_q=たかはし"))
        .await;
    assert!(offered(&html, "other").is_empty(), "{html}");
}

async fn picker_offers_only_whom_the_user_may_see(app: TestApp) {
    let theirs = new_person(&app, HOUKATSU, "佐々木 ヨシ", "ササキ ヨシ", "handled").await;
    let theirs = theirs["person_id"].as_i64().unwrap();
    let houkatsu = app.login(HOUKATSU).await;
    let (_, html) = app
        .get_text(&houkatsu, "/persons/pick?pick_q=佐々木&field=person_id")
        .await;
    assert!(offered(&html, "person_id").contains(&theirs), "{html}");

    // Another agency of 大仙市 without a basis, and 湯沢市's staff, on their own household
    // pages and as they type: never offered, and their searches are on record.
    for user in [KIKAN, "yuzawa.houkatsu"] {
        let own = new_person(&app, user, "佐々木 一", "ササキ ハジメ", "handled").await;
        let (own_id, household) = (
            own["person_id"].as_i64().unwrap(),
            own["household_id"].as_i64().unwrap(),
        );
        let client = app.login(user).await;
        let before = searches_by(&app, user).await;
        let (status, html) = app
            .get_text(&client, &format!("/households/{household}?pick_q=ササキ"))
            .await;
        assert_eq!(status, StatusCode::OK, "{user}");
        assert!(
            !offered(&html, "person_id").contains(&theirs),
            "{user}: {html}"
        );
        assert!(!html.contains("佐々木 ヨシ"), "{user}: {html}");
        let (_, fragment) = app
            .get_text(&client, "/persons/pick?pick_q=佐々木&field=person_id")
            .await;
        assert_eq!(
            offered(&fragment, "person_id"),
            vec![own_id],
            "{user}: {fragment}"
        );
        assert!(!fragment.contains("佐々木 ヨシ"), "{user}: {fragment}");
        assert_eq!(searches_by(&app, user).await, before + 2, "{user}");
    }
    // Admin and auditor see no person data: nobody is offered.
    for user in ["daisen.admin", "daisen.auditor"] {
        let client = app.login(user).await;
        let (status, html) = app
            .get_text(&client, "/persons/pick?pick_q=佐々木&field=person_id")
            .await;
        assert_eq!(status, StatusCode::OK, "{user}");
        assert!(offered(&html, "person_id").is_empty(), "{user}: {html}");
    }
}

/// The intake of `person` at `token`'s window with a family consulter `consulter` (and the
/// rest of the body as the API takes it): the status and the answer.
async fn intake_with_consulter(
    app: &TestApp,
    token: &str,
    person: i64,
    kind: &str,
    consulter: i64,
) -> (StatusCode, Value) {
    let body = json!({
        "person_id": person, "channel": "phone", "consulter_kind": kind,
        "consulter_person_id": consulter, "consulter_relation": "母", "summary": "母から電話。",
        "urgency": "normal", "outcome": "handled", "issues": ["hikikomori"],
        "consent_to_share": true,
    });
    app.api_send(token, Method::POST, "/api/v1/intakes", Some(body))
        .await
}

async fn get_json(app: &TestApp, token: &str, path: &str) -> Value {
    let (status, v) = app.api_send(token, Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK, "{path}: {v}");
    v
}

async fn consulter_is_picked_on_the_intake_form(app: TestApp) {
    let mother = new_person(&app, HOUKATSU, "小野寺 フミ", "オノデラ フミ", "handled").await;
    let son = new_person(&app, HOUKATSU, "小野寺 健太", "オノデラ ケンタ", "handled").await;
    let hidden = new_person(&app, KIKAN, "小野寺 サチ", "オノデラ サチ", "handled").await;
    let (mother, son, hidden) = (
        mother["person_id"].as_i64().unwrap(),
        son["person_id"].as_i64().unwrap(),
        hidden["person_id"].as_i64().unwrap(),
    );
    let houkatsu = app.login(HOUKATSU).await;
    let form = format!("/intakes/new?person_id={son}");
    let (status, html) = app.get_text(&houkatsu, &form).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("相談者が登録済みの方なら選ぶ"), "{html}");

    // 「検索」 without the script sends the form back: everything typed is kept, nothing
    // is saved, and the mother is offered (the son, whom the intake is about, is not; nor
    // the record only another window may see).
    let intakes = app.scalar("SELECT COUNT(*) FROM intake").await;
    let token = app.page_csrf(&houkatsu, &form).await;
    let son_id = son.to_string();
    let typed = [
        ("person_id", son_id.as_str()),
        ("channel", "phone"),
        ("consulter_kind", "family"),
        ("consulter_relation", "母"),
        ("summary", "母から電話。長男が部屋から出てこない。"),
        ("pick_q", "おのでら"),
        ("pick_search", "1"),
    ];
    let res = app
        .post_form(&houkatsu, "/intakes/new", &token, &typed)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("母から電話。長男が部屋から出てこない。"),
        "{html}"
    );
    let ids = offered(&html, "consulter_person_id");
    assert!(
        ids.contains(&mother) && !ids.contains(&son) && !ids.contains(&hidden),
        "{html}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM intake").await, intakes);

    // Picked and saved: the intake links the mother's record and takes her name.
    let mut picked: Vec<(&str, &str)> = typed[..5].to_vec();
    let mother_id = mother.to_string();
    picked.extend([
        ("consulter_person_id", mother_id.as_str()),
        ("consent_to_share", "yes"),
        ("issues", "hikikomori"),
        ("urgency", "normal"),
        ("outcome", "handled"),
    ]);
    let res = app
        .post_form(&houkatsu, "/intakes/new", &token, &picked)
        .await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        res.text().await.unwrap()
    );
    let intake = app
        .scalar(&format!(
            "SELECT MAX(id) FROM intake WHERE person_id = {son}"
        ))
        .await;
    let api = app.token(HOUKATSU).await;
    let read = get_json(&app, &api, &format!("/api/v1/intakes/{intake}")).await;
    assert_eq!(read["consulter_person_id"], json!(mother), "{read}");
    assert_eq!(read["consulter_name"], "小野寺 フミ", "{read}");
    let (_, html) = app.get_text(&houkatsu, &format!("/intakes/{intake}")).await;
    assert!(
        html.contains(&format!("href=\"/persons/{mother}\">小野寺 フミ")),
        "{html}"
    );
    // The correction form shows her as picked, and keeps her unless unpicked.
    let (_, html) = app
        .get_text(&houkatsu, &format!("/intakes/{intake}/edit"))
        .await;
    assert!(
        html.contains(&format!(
            "name=\"consulter_person_id\" value=\"{mother}\" checked"
        )),
        "{html}"
    );

    // Refused, each with its message: a record the window may not see (answered as a
    // missing one), the person themself, and 本人 with a pick. (A 422 undoes its request's
    // unit, so nothing of a refused intake stays, its reads included.)
    for (kind, consulter, message) in [
        ("family", hidden, "選んだ相談者の記録を確認できません"),
        ("family", 999_999, "選んだ相談者の記録を確認できません"),
        ("family", son, "相談者が「本人」のときは"),
        ("person", mother, "相談者が「本人」のときは"),
    ] {
        let (status, v) = intake_with_consulter(&app, &api, son, kind, consulter).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{kind} {consulter}: {v}"
        );
        assert!(v.to_string().contains(message), "{kind} {consulter}: {v}");
    }
    let (status, v) = intake_with_consulter(&app, &api, son, "family", mother).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");

    // A correction unpicks her: the link is gone, the history says so.
    let read = get_json(&app, &api, &format!("/api/v1/intakes/{intake}")).await;
    let body = json!({
        "version": read["version"], "received_at": "", "channel": "phone",
        "consulter_kind": "family", "consulter_name": "小野寺 フミ", "consulter_relation": "母",
        "issues": ["hikikomori"], "summary": read["summary"], "urgency": "normal",
    });
    let (status, v) = app
        .api_send(
            &api,
            Method::PUT,
            &format!("/api/v1/intakes/{intake}"),
            Some(body),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let read = get_json(&app, &api, &format!("/api/v1/intakes/{intake}")).await;
    assert_eq!(read["consulter_person_id"], Value::Null, "{read}");
    let kept = get_json(&app, &api, &format!("/api/v1/intakes/{intake}/versions")).await;
    assert!(kept.to_string().contains("相談者の記録"), "{kept}");
}
