//! 相談受付一覧 (both engines): the list shows only intakes whose record the caller may open
//! (another agency without a basis does not see the row, a pending つなぎ does not make it
//! visible, another municipality never), its filters (期間 in 和暦 or ISO, 受付機関,
//! 相談経路, 課題, 対応結果), newest first, bounded pages (422), the 相談支援 tab's page; and
//! the export — CSV in UTF-8 with a BOM and in CP932, XLSX — read back and compared with
//! the list, audited as an export (the file and each person in it).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::TestApp;

both_engines!(
    intake_list_filters_pages_and_orders,
    intake_list_follows_the_access_rule,
    intake_list_exports_read_back_and_audited
);

/// An intake at the caller's window, received at `received_at` (JST), about `person`
/// (`{"person_id": …}` or `{"person": {…}, "confirm_new_person": true}`).
fn body(person: Value, received_at: &str, channel: &str, issues: &[&str], outcome: &str) -> Value {
    let mut b = json!({
        "received_at": received_at, "channel": channel, "consulter_kind": "person",
        "issues": issues, "consent_to_share": true, "summary": "来所して相談。",
        "urgency": "normal", "outcome": outcome,
    });
    for (k, v) in person.as_object().unwrap() {
        b[k] = v.clone();
    }
    b
}

fn new_person(name: &str, furigana: &str) -> Value {
    json!({ "person": { "name": name, "furigana": furigana, "birth_date": "S40.2.3",
                        "district": "omagari" }, "confirm_new_person": true })
}

async fn post(app: &TestApp, token: &str, b: Value) -> (i64, i64) {
    let (status, v) = app
        .api_send(token, Method::POST, "/api/v1/intakes", Some(b))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    (
        v["person_id"].as_i64().unwrap(),
        v["intake_id"].as_i64().unwrap(),
    )
}

async fn list(app: &TestApp, token: &str, query: &str) -> (StatusCode, Value) {
    app.api_send(
        token,
        Method::GET,
        &format!("/api/v1/intakes?{query}"),
        None,
    )
    .await
}

fn ids(v: &Value) -> Vec<i64> {
    v["intakes"]
        .as_array()
        .unwrap_or_else(|| panic!("{v}"))
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

/// The same records served on the last day of 2019: an intake may be back-dated a year
/// at most, and the demo's records are dated around today, so 2019 is this test's alone.
async fn in_2019(app: &TestApp) -> TestApp {
    app.on_day(chrono::NaiveDate::from_ymd_opt(2019, 12, 31).unwrap())
        .await
}

/// Three intakes of 2019 (令和元年) at the 高齢者包括支援センター, none elsewhere then
/// (`app` serves on a day of 2019): answers their ids, oldest first, and the person of
/// the first.
async fn three_of_2019(app: &TestApp, token: &str) -> ([i64; 3], i64) {
    let (p, a) = post(
        app,
        token,
        body(
            new_person("一覧 太郎", "イチラン タロウ"),
            "R1.5.7 10:00",
            "visit_in",
            &["care"],
            "handled",
        ),
    )
    .await;
    let (_, b) = post(
        app,
        token,
        body(
            json!({ "person_id": p }),
            "2019-06-10 09:30",
            "phone",
            &["care", "isolation"],
            "info_only",
        ),
    )
    .await;
    let (_, c) = post(
        app,
        token,
        body(
            new_person("一覧 花子", "イチラン ハナコ"),
            "R1.6.20 15:00",
            "phone",
            &["isolation"],
            "handled",
        ),
    )
    .await;
    ([a, b, c], p)
}

async fn intake_list_filters_pages_and_orders(app: TestApp) {
    let token = app.token("daisen.houkatsu").await;
    let past = in_2019(&app).await;
    let ([a, b, c], person) = three_of_2019(&past, &token).await;
    let year = "from=R1.5.1&to=2019-12-31";
    let (status, v) = list(&app, &token, year).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    // Newest first.
    assert_eq!(ids(&v), vec![c, b, a], "{v}");
    assert_eq!(v["has_more"], false);
    assert_eq!(v["page"], 1);
    assert_eq!(v["intakes"][1]["issues"], json!(["care", "isolation"]));
    assert_eq!(v["intakes"][1]["person_id"], person);
    let houkatsu = app.agency_id("daisen", "houkatsu").await;
    assert_eq!(v["intakes"][0]["receiving_agency_id"], houkatsu);

    for (filter, expected) in [
        ("from=R1.6.1&to=R1.6.30", vec![c, b]),
        ("from=2019-05-07&to=2019-05-07", vec![a]),
        ("from=R1.6.11&to=R1.6.19", vec![]),
        ("channel=phone", vec![c, b]),
        ("issue=care", vec![b, a]),
        ("issue=isolation&channel=phone&outcome=handled", vec![c]),
        ("outcome=info_only", vec![b]),
        (&format!("agency={houkatsu}"), vec![c, b, a]),
    ] {
        let query = if filter.starts_with("from=") {
            filter.to_string()
        } else {
            format!("{year}&{filter}")
        };
        let (status, v) = list(&app, &token, &query).await;
        assert_eq!(status, StatusCode::OK, "{query}: {v}");
        assert_eq!(ids(&v), expected, "{query}");
    }
    let other = app.agency_id("daisen", "kikan_sodan").await;
    let (_, v) = list(&app, &token, &format!("{year}&agency={other}")).await;
    assert_eq!(ids(&v), Vec::<i64>::new());

    // Bad filters and pages beyond the bound: 422 with the problem.
    for query in [
        "page=0",
        "page=100001",
        "from=R1.13.1",
        "from=2019-06-01&to=2019-05-01",
        "channel=fax",
        "outcome=maybe",
        "issue=no_such_issue",
        "agency=999999",
        "agency=abc",
    ] {
        let (status, v) = list(&app, &token, query).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {v}");
        assert_eq!(v["type"], "urn:kasane:problem:validation", "{query}: {v}");
    }

    // 51 intakes in February 2019 (平成31年): a page of 50, then one.
    for n in 0..51 {
        let at = format!("2019-02-01 {:02}:{:02}", 8 + n / 60, n % 60);
        post(
            &past,
            &token,
            body(
                json!({ "person_id": person }),
                &at,
                "visit_in",
                &["care"],
                "handled",
            ),
        )
        .await;
    }
    let span = "from=H31.2.1&to=H31.2.28";
    let (_, first) = list(&app, &token, span).await;
    assert_eq!(ids(&first).len(), 50);
    assert_eq!(first["has_more"], true);
    let (_, second) = list(&app, &token, &format!("{span}&page=2")).await;
    assert_eq!(ids(&second).len(), 1);
    assert_eq!(second["has_more"], false);
    assert_eq!(second["page"], 2);
    assert!(!ids(&first).contains(&ids(&second)[0]));

    // The 相談支援 tab: search and intake links, the list in 和暦, the pager, exports.
    let client = app.login("daisen.houkatsu").await;
    let (status, html) = app
        .get_text(&client, &format!("/consultation?{year}&channel=phone"))
        .await;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        "<h1>相談支援</h1>",
        "href=\"/persons\"",
        "href=\"/intakes/new\"",
        "相談受付一覧",
        "令和元年6月20日 15:00",
        "令和元年6月10日 09:30",
        "一覧 花子",
        &format!("href=\"/intakes/{c}\""),
        "/consultation/intakes.csv?",
        "encoding=cp932",
        "/consultation/intakes.xlsx?",
        "対応が必要な項目(相談支援)",
        "包括的相談窓口",
    ] {
        assert!(html.contains(expected), "lacks {expected}");
    }
    assert!(!html.contains("令和元年5月7日"), "a visit_in intake listed");
    let (_, html) = app
        .get_text(&client, "/consultation?from=R1.6.11&to=R1.6.19")
        .await;
    assert!(html.contains("条件に合う相談受付はありません"));
    let (status, html) = app.get_text(&client, "/consultation?page=0").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("ページ番号は1から"));
    let (_, html) = app
        .get_text(&client, &format!("/consultation?{span}"))
        .await;
    assert!(html.contains("1〜50件目(続きがあります)") && html.contains("page=2"));

    // The served OpenAPI document describes the list and both exports with their types.
    let doc: Value = reqwest::get(app.url("/api/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = &doc["paths"];
    let params: Vec<&str> = paths["/api/v1/intakes"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        params,
        [
            "from", "to", "agency", "channel", "issue", "outcome", "page"
        ]
    );
    let ok = |path: &str| paths[path]["get"]["responses"]["200"]["content"].clone();
    assert!(
        ok("/api/v1/intakes/export.csv")["text/csv"].is_object(),
        "{doc}"
    );
    assert!(
        ok("/api/v1/intakes/export.xlsx")
            ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
            .is_object()
    );
    for status in ["403", "422"] {
        assert!(paths["/api/v1/intakes/export.csv"]["get"]["responses"][status].is_object());
    }

    // Roles without person data: the pillar's page, no list; an empty API list.
    let community = app.login("daisen.community").await;
    let (status, html) = app.get_text(&community, "/consultation").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("相談受付一覧") && html.contains("包括的相談窓口"));
    let admin = app.token("daisen.admin").await;
    let (status, v) = list(&app, &admin, "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&v), Vec::<i64>::new());
}

async fn intake_list_follows_the_access_rule(app: TestApp) {
    let token = app.token("daisen.houkatsu").await;
    let past = in_2019(&app).await;
    let ([a, b, c], _) = three_of_2019(&past, &token).await;
    let year = "from=H31.1.1&to=R1.12.31";
    // Another window without a basis, and another municipality: no row.
    let kikan = app.token("daisen.kikan").await;
    let (_, v) = list(&app, &kikan, year).await;
    assert_eq!(ids(&v), Vec::<i64>::new(), "{v}");
    for user in ["yuzawa.houkatsu", "yuzawa.coordinator"] {
        let t = app.token(user).await;
        let (_, v) = list(&app, &t, year).await;
        assert_eq!(ids(&v), Vec::<i64>::new(), "{user}: {v}");
    }
    // A つなぎ to the 基幹相談支援センター about the person of `c`: pending, it shows the
    // つなぐシート only — the intake stays out of the list (its page is refused).
    let kikan_id = app.agency_id("daisen", "kikan_sodan").await;
    let person_c = app
        .scalar(&format!("SELECT person_id FROM intake WHERE id = {c}"))
        .await;
    let mut referral = body(
        json!({ "person_id": person_c }),
        "R1.7.1 11:00",
        "phone",
        &["disability"],
        "referred",
    );
    referral["referred_to_agency_id"] = json!(kikan_id);
    referral["referral_reason"] = json!("障がいの相談");
    let (_, d) = post(&past, &token, referral).await;
    let (_, v) = list(&app, &kikan, year).await;
    assert_eq!(ids(&v), Vec::<i64>::new(), "pending: {v}");
    let (status, _) = app
        .api_send(&kikan, Method::GET, &format!("/api/v1/intakes/{d}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Accepted: involved, so every intake about that person shows, and opens.
    let r = app
        .scalar(&format!("SELECT id FROM referral WHERE intake_id = {d}"))
        .await;
    let (status, v) = app
        .api_send(
            &kikan,
            Method::POST,
            &format!("/api/v1/referrals/{r}/accept"),
            Some(json!({})),
        )
        .await;
    assert!(status.is_success(), "{v}");
    let (_, v) = list(&app, &kikan, year).await;
    assert_eq!(ids(&v), vec![d, c], "accepted: {v}");
    for id in [d, c] {
        let (status, _) = app
            .api_send(&kikan, Method::GET, &format!("/api/v1/intakes/{id}"), None)
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    // The receiving window sees all four; the other persons' intakes stay out for kikan.
    let (_, v) = list(&app, &token, year).await;
    assert_eq!(ids(&v), vec![d, c, b, a]);

    // Every listed row opens, for every staff user of both municipalities, and every
    // intake that opens is listed (the list is the rule's twin; access_twins.rs checks
    // the same over generated situations).
    crate::access_twins::intake_list_agrees(&app).await;
}

/// The CSV rows (header first) of an export's text.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

async fn download(res: reqwest::Response) -> (String, String, Vec<u8>) {
    assert_eq!(res.status(), StatusCode::OK);
    let header = |h: &str| {
        res.headers()
            .get(h)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    let (ct, cd) = (header("content-type"), header("content-disposition"));
    (ct, cd, res.bytes().await.unwrap().to_vec())
}

async fn intake_list_exports_read_back_and_audited(app: TestApp) {
    let token = app.token("daisen.houkatsu").await;
    let past = in_2019(&app).await;
    let ([a, b, c], _) = three_of_2019(&past, &token).await;
    // A name only CP932's extensions hold (髙), and one Shift_JIS cannot hold at all (𠮷).
    let (_, d) = post(
        &past,
        &token,
        body(
            new_person("髙橋 𠮷男", "タカハシ ヨシオ"),
            "R1.8.1 09:00",
            "email",
            &["care"],
            "handled",
        ),
    )
    .await;
    let query = "from=H31.1.1&to=R1.12.31";
    let (_, listed) = list(&app, &token, query).await;
    assert_eq!(ids(&listed), vec![d, c, b, a]);

    let (ct, cd, bytes) = download(
        app.api_get(&token, &format!("/api/v1/intakes/export.csv?{query}"))
            .await,
    )
    .await;
    assert_eq!(ct, "text/csv; charset=utf-8");
    assert!(cd.starts_with("attachment; filename=\"intakes-"), "{cd}");
    // 相談受付一覧 in UTF-8, percent-encoded (RFC 5987).
    assert!(
        cd.contains("filename*=UTF-8''%E7%9B%B8%E8%AB%87%E5%8F%97%E4%BB%98%E4%B8%80%E8%A6%A7_R"),
        "{cd}"
    );
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "a BOM");
    let utf8 = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let rows = csv_rows(&utf8);
    assert_eq!(
        rows[0],
        kasane_app::consultation::intake_list::HEADERS.map(String::from)
    );
    assert_eq!(rows.len(), 5, "{utf8}");
    let listed_rows = listed["intakes"].as_array().unwrap();
    for (row, item) in rows[1..].iter().zip(listed_rows) {
        assert_eq!(row[0], item["id"].as_i64().unwrap().to_string());
        assert_eq!(row[2], item["receiving_agency_name"].as_str().unwrap());
        assert_eq!(row[4], item["person_name"].as_str().unwrap());
        assert_eq!(row[10], "同意あり");
    }
    assert_eq!(
        rows[1][1..9].to_vec(),
        [
            "令和元年8月1日 09:00",
            "高齢者包括支援センター",
            "メール",
            "髙橋 𠮷男",
            "タカハシ ヨシオ",
            "昭和40年2月3日",
            "介護",
            "単独対応",
        ]
        .map(String::from)
        .to_vec(),
        "{utf8}"
    );
    assert_eq!(rows[3][7], "介護・社会的孤立");
    assert_eq!(rows[3][3], "電話");

    // CP932: the same text, 𠮷 as 〓.
    let (ct, _, sjis) = download(
        app.api_get(
            &token,
            &format!("/api/v1/intakes/export.csv?{query}&encoding=cp932"),
        )
        .await,
    )
    .await;
    assert_eq!(ct, "text/csv; charset=Shift_JIS");
    let (decoded, _, had_errors) = encoding_rs::SHIFT_JIS.decode(&sjis);
    assert!(!had_errors);
    assert_eq!(decoded, utf8.replace('𠮷', "〓"));

    // XLSX: the same cells.
    let (ct, cd, xlsx) = download(
        app.api_get(&token, &format!("/api/v1/intakes/export.xlsx?{query}"))
            .await,
    )
    .await;
    assert_eq!(
        ct,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(cd.contains(".xlsx"), "{cd}");
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
    let sheet = book.worksheet_range("相談受付一覧").unwrap();
    let cells: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(cells, rows);

    // The page's export is the same file, and a bad encoding is 422.
    let client = app.login("daisen.houkatsu").await;
    let res = client
        .get(app.url(&format!("/consultation/intakes.csv?{query}")))
        .send()
        .await
        .unwrap();
    let (_, _, page_bytes) = download(res).await;
    assert_eq!(page_bytes, bytes);
    let res = app
        .api_get(&token, "/api/v1/intakes/export.csv?encoding=latin1")
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Audited: each export once as a file (filter and count), each person in it once per
    // export, with the basis.
    let (files, n) = exports(&app, "daisen.houkatsu", "export", "intake_list", None).await;
    assert_eq!(n, 4, "{files:?}");
    assert!(
        files
            .iter()
            .all(|e| e.reason.contains("from=H31.1.1 to=R1.12.31") && e.reason.contains("件数=4")),
        "{files:?}"
    );
    let person_d = app
        .scalar(&format!("SELECT person_id FROM intake WHERE id = {d}"))
        .await;
    let id = person_d.to_string();
    let (persons, n) = exports(&app, "daisen.houkatsu", "export", "person", Some(&id)).await;
    assert_eq!(n, 4, "{persons:?}");
    assert!(persons.iter().all(|e| e.basis == "involvement"));

    // No person data, no export: 403, and the refusal audited.
    let admin = app.token("daisen.admin").await;
    let res = app
        .api_get(&admin, &format!("/api/v1/intakes/export.csv?{query}"))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let (_, n) = exports(&app, "daisen.admin", "denied", "intake_list", None).await;
    assert_eq!(n, 1);
}

/// 大仙市's audit entries of `username` with `action` on `object_type` (and `object_id`).
async fn exports(
    app: &TestApp,
    username: &str,
    action: &str,
    object_type: &str,
    object_id: Option<&str>,
) -> (Vec<kasane_domain::audit::AuditEntry>, i64) {
    let m = app.store.municipality_by_code("daisen").await.unwrap().id;
    app.store
        .audit_entries(&kasane_store::audit::AuditFilter {
            municipality_id: m,
            username: Some(username.into()),
            action: Some(action.into()),
            object_type: Some(object_type.into()),
            object_id: object_id.map(str::to_string),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap()
}
