//! 名寄せ candidates and the person search (#11), on both engines: the best candidate is
//! offered first whatever its id among hundreds sharing a key, candidates come in two
//! levels with their reasons, a name typed in kana is compared with the フリガナ, near-miss
//! birth dates are 参考候補, the stored keys are recomputed when the rules change, and the
//! search folds 全角 input and shows what tells namesakes apart.

use kasane_app::consultation::person::PersonDraft;
use kasane_domain::name::{KEY_VERSION, given_kana_key, given_key, kana_key, match_key};
use kasane_store::person::{BLOCK, PersonFields};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::TestApp;

both_engines!(
    the_best_candidate_comes_first_among_hundreds_sharing_its_keys,
    a_name_in_kana_and_near_miss_birth_dates_are_offered,
    the_intake_page_shows_both_levels_with_their_reasons,
    stored_keys_are_recomputed_when_the_rules_change,
    search_folds_full_width_input_and_tells_namesakes_apart,
);

fn intake(person: Value) -> Value {
    json!({
        "channel": "phone", "consulter_kind": "person", "issues": ["care"],
        "consent_to_share": true, "summary": "電話で相談。", "urgency": "normal",
        "outcome": "handled", "person": person,
    })
}

/// Posts an intake; the status and the answer.
async fn post_intake(app: &TestApp, token: &str, person: Value) -> (StatusCode, Value) {
    app.api_send(token, Method::POST, "/api/v1/intakes", Some(intake(person)))
        .await
}

/// Records an intake about a new person that must offer no candidate; the person's id.
async fn register(app: &TestApp, token: &str, person: Value) -> i64 {
    let (status, v) = post_intake(app, token, person).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    v["person_id"].as_i64().unwrap()
}

/// The candidates a new person's intake is answered with (409).
async fn candidates(app: &TestApp, token: &str, person: Value) -> Vec<Value> {
    let (status, v) = post_intake(app, token, person).await;
    assert_eq!(status, StatusCode::CONFLICT, "candidates expected: {v}");
    v["candidates"].as_array().unwrap().clone()
}

/// `pairs` as a query string, encoded as a form is.
fn form_encoded(pairs: &[(&str, &str)]) -> String {
    let mut url = reqwest::Url::parse("http://kasane.invalid/").unwrap();
    url.query_pairs_mut().extend_pairs(pairs);
    url.query().unwrap_or_default().to_string()
}

/// Persons registered in bulk by `username`'s agency, as an import writes them.
async fn bulk(app: &TestApp, username: &str, people: &[(&str, &str, &str)]) {
    let m = app.store.municipality_by_code("daisen").await.unwrap();
    let user = app.user(username).await;
    let today = kasane_app::Clock::today(&kasane_app::SystemClock);
    let fields: Vec<PersonFields> = people
        .iter()
        .map(|(name, furigana, birth_date)| {
            PersonDraft {
                name: name.to_string(),
                furigana: furigana.to_string(),
                birth_date: birth_date.to_string(),
                ..Default::default()
            }
            .parse(&[], today)
            .unwrap()
        })
        .collect();
    app.store
        .create_persons(m.id, user.agency_id, user.id, &fields)
        .await
        .unwrap();
}

/// 600 people share 雄物 川子's birth date, half of them registered after her, and 250
/// namesakes of the same reading born years apart follow her too: her name's, her
/// reading's and her birth date's blocks all hold more newer records than their bound, yet
/// the exact duplicate is offered first, as 有力候補, before the 参考候補 sorted by score.
async fn the_best_candidate_comes_first_among_hundreds_sharing_its_keys(app: TestApp) {
    let houkatsu = app.token("daisen.houkatsu").await;
    let surnames = [
        "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤",
    ];
    let given = [
        "一郎", "二郎", "三郎", "四郎", "五郎", "花子", "幸子", "和子", "洋子", "正", "誠", "実",
        "茂", "清", "博", "進", "勇", "明", "隆", "修", "健", "豊", "弘", "勝", "守", "栄", "勉",
        "武", "昭", "浩",
    ];
    let crowd: Vec<String> = surnames
        .iter()
        .flat_map(|s| given.iter().map(move |g| format!("{s} {g}")))
        .collect();
    assert_eq!(crowd.len(), 300);
    let born = "1950-04-01";
    let older: Vec<(&str, &str, &str)> = crowd.iter().map(|n| (n.as_str(), "", born)).collect();
    bulk(&app, "daisen.houkatsu", &older).await;
    let kawako = json!({ "name": "雄物 川子", "furigana": "オモノ カワコ", "birth_date": born });
    let target = register(&app, &houkatsu, kawako.clone()).await;
    bulk(&app, "daisen.houkatsu", &older).await;
    // Born years apart, and never in a year a slip makes of 1950 (1905, 1590…).
    let years: Vec<String> = (0..250)
        .map(|i| format!("{}-04-01", 1910 + i % 30))
        .collect();
    let namesakes: Vec<(&str, &str, &str)> = years
        .iter()
        .map(|y| ("雄物 川子", "オモノ カワコ", y.as_str()))
        .collect();
    assert!(namesakes.len() > BLOCK && older.len() > BLOCK);
    bulk(&app, "daisen.houkatsu", &namesakes).await;
    // 参考候補: a slip in the day (04-10), and the name without a birth date.
    bulk(
        &app,
        "daisen.houkatsu",
        &[
            ("雄物 川子", "オモノ カワコ", "1950-04-10"),
            ("雄物 川子", "", ""),
        ],
    )
    .await;
    let sharing = app
        .scalar("SELECT COUNT(*) FROM person WHERE birth_date = '1950-04-01'")
        .await;
    assert!(sharing >= 600, "{sharing} share the birth date");

    let found = candidates(&app, &houkatsu, kawako).await;
    assert_eq!(
        found[0]["id"], target,
        "the exact duplicate first: {found:?}"
    );
    assert_eq!(found[0]["level"], "strong");
    assert_eq!(
        found[0]["reasons"], "氏名一致・フリガナ一致・生年月日一致",
        "{found:?}"
    );
    assert!(
        found[1..].iter().all(|c| c["level"] == "reference"),
        "one strong candidate: {found:?}"
    );
    assert_eq!(
        found.len(),
        3,
        "the namesakes born years apart are not offered"
    );
    assert_eq!(
        found[1]["reasons"],
        "氏名一致・フリガナ一致・生年月日が近い"
    );
    assert_eq!(found[2]["reasons"], "氏名一致");
    let scores: Vec<i64> = found.iter().map(|c| c["score"].as_i64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
}

/// 渡邉 幸子 (ワタナベ サチコ) is found when her name is typed in kana, as 有力候補 with the
/// same birth date; swapped digits, a swapped day and month, and one day apart are 参考候補
/// 「生年月日が近い」.
async fn a_name_in_kana_and_near_miss_birth_dates_are_offered(app: TestApp) {
    let houkatsu = app.token("daisen.houkatsu").await;
    let sachiko = register(
        &app,
        &houkatsu,
        json!({ "name": "渡邉 幸子", "furigana": "ワタナベ サチコ", "birth_date": "1952-03-21" }),
    )
    .await;
    let ichiro = register(
        &app,
        &houkatsu,
        json!({ "name": "小松 一郎", "furigana": "コマツ イチロウ", "birth_date": "1960-10-01" }),
    )
    .await;

    let kana = candidates(
        &app,
        &houkatsu,
        json!({ "name": "わたなべ さちこ", "birth_date": "1952-03-21" }),
    )
    .await;
    assert_eq!(kana[0]["id"], sachiko);
    assert_eq!(kana[0]["level"], "strong");
    assert_eq!(kana[0]["reasons"], "氏名(かな)とフリガナ一致・生年月日一致");

    for (person, who, reasons) in [
        (
            json!({ "name": "わたなべ さちこ", "birth_date": "1952-03-12" }),
            sachiko,
            "氏名(かな)とフリガナ一致・生年月日が近い",
        ),
        (
            json!({ "name": "渡辺 幸子", "furigana": "ワタナベ サチコ", "birth_date": "1952-03-12" }),
            sachiko,
            "異体字・表記ゆれ・フリガナ一致・生年月日が近い",
        ),
        (
            // The long vowel folds too: イチロー is イチロウ.
            json!({ "name": "小松 一郎", "furigana": "コマツ イチロー", "birth_date": "1960-01-10" }),
            ichiro,
            "氏名一致・フリガナ一致・生年月日が近い",
        ),
        (
            json!({ "name": "小松 一郎", "birth_date": "1960-09-30" }),
            ichiro,
            "氏名一致・生年月日が近い",
        ),
    ] {
        let found = candidates(&app, &houkatsu, person.clone()).await;
        assert_eq!(found[0]["id"], who, "{person}: {found:?}");
        assert_eq!(found[0]["level"], "reference", "{person}");
        assert_eq!(found[0]["reasons"], reasons, "{person}");
    }
    // A birth date farther off is another person: no candidate.
    register(
        &app,
        &houkatsu,
        json!({ "name": "小松 一郎", "birth_date": "1960-10-05" }),
    )
    .await;
}

/// The intake page lists 有力候補 and 参考候補 apart, each candidate with its reasons.
async fn the_intake_page_shows_both_levels_with_their_reasons(app: TestApp) {
    bulk(
        &app,
        "daisen.houkatsu",
        &[
            ("渡邉 幸子", "ワタナベ サチコ", "1952-03-21"),
            ("渡邉 幸子", "ワタナベ サチコ", "1952-03-12"),
        ],
    )
    .await;
    let client = app.login("daisen.houkatsu").await;
    let csrf = app.page_csrf(&client, "/intakes/new").await;
    let res = app
        .post_form(
            &client,
            "/intakes/new",
            &csrf,
            &[
                ("name", "わたなべ さちこ"),
                ("birth_date", "S27.3.21"),
                ("channel", "phone"),
                ("consulter_kind", "person"),
                ("issues", "care"),
                ("consent_to_share", "yes"),
                ("summary", "電話で相談。"),
                ("urgency", "normal"),
                ("outcome", "handled"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    let heading = |level: &str| format!("<h3 class=\"candidate-level\">{level}</h3>");
    let strong = html
        .find(&heading("有力候補"))
        .unwrap_or_else(|| panic!("a 有力候補 heading: {html}"));
    let reference = html.find(&heading("参考候補")).expect("a 参考候補 heading");
    assert!(strong < reference, "strong candidates first");
    let first = &html[strong..reference];
    assert!(
        first.contains("氏名(かな)とフリガナ一致・生年月日一致"),
        "{first}"
    );
    assert!(html[reference..].contains("生年月日が近い"));
}

/// Rows keyed under older rules (or by hand) get the current keys at the next migrate,
/// and the version is recorded so that the migrate after does nothing.
async fn stored_keys_are_recomputed_when_the_rules_change(app: TestApp) {
    let houkatsu = app.token("daisen.houkatsu").await;
    let people = [
        ("ヴィクトル 一郎", "ヴィクトル イチロー"),
        ("濵田 ユーコ", "ハマダ ユーコ"),
        ("佐藤花子", "サトウハナコ"),
    ];
    let mut ids = Vec::new();
    for (name, furigana) in people {
        let id = register(
            &app,
            &houkatsu,
            json!({ "name": name, "furigana": furigana, "birth_date": "1970-01-01" }),
        )
        .await;
        ids.push(id);
    }
    assert_eq!(
        app.scalar("SELECT version FROM person_key_version").await,
        KEY_VERSION
    );
    // As an older kasane stored them.
    app.raw_sql(
        "UPDATE person SET name_key = 'stale', kana_key = 'stale', given_key = 'stale', \
         given_kana_key = NULL; UPDATE person_key_version SET version = 1",
    )
    .await;
    app.store.migrate().await.unwrap();
    assert_eq!(
        app.scalar("SELECT version FROM person_key_version").await,
        KEY_VERSION
    );
    for (id, (name, furigana)) in ids.iter().zip(people) {
        let p = app.store.person_any(*id).await.unwrap().unwrap();
        assert_eq!(p.name_key, match_key(name), "{name}");
        assert_eq!(p.kana_key, Some(kana_key(furigana)), "{name}");
        let expected_given = given_key(name).or_else(|| name.contains(' ').then(String::new));
        assert_eq!(p.given_key, expected_given, "{name}");
        assert_eq!(p.given_kana_key, given_kana_key(furigana), "{name}");
    }
    assert_eq!(
        app.store.rekey_persons().await.unwrap(),
        0,
        "nothing left once the version is current"
    );
    // The re-keyed rows are found by the folded spellings.
    let found = candidates(
        &app,
        &houkatsu,
        json!({ "name": "浜田 ゆうこ", "furigana": "ハマダ ユウコ", "birth_date": "1970-01-01" }),
    )
    .await;
    assert_eq!(found[0]["id"], ids[1]);
}

/// The search reads 全角 digits and symbols in every field, folds long vowels in kana,
/// refuses a phone with no digit instead of listing everyone, shows 地区, the address up to
/// the 町名, the birth date and the 記録番号, and carries what was typed into a new intake.
async fn search_folds_full_width_input_and_tells_namesakes_apart(app: TestApp) {
    let houkatsu = app.token("daisen.houkatsu").await;
    let person = |birth_date: &str, phone: &str, address: &str| {
        json!({ "name": "小松 一郎", "furigana": "コマツ イチロウ", "birth_date": birth_date,
                "phone": phone, "address": address, "district": "omagari" })
    };
    let first = register(
        &app,
        &houkatsu,
        person("S47.3.5", "090-1234-5678", "秋田県大仙市大曲花園町1-1"),
    )
    .await;
    // A namesake born elsewhere in the year: offered no candidate, told apart in the list.
    let (status, v) = post_intake(
        &app,
        &houkatsu,
        person("S47.8.20", "0187-62-0000", "秋田県大仙市大曲丸子町２－３"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let second = v["person_id"].as_i64().unwrap();

    let search = |query: &str| {
        let app = &app;
        let token = houkatsu.clone();
        let path = format!("/api/v1/persons?{query}");
        async move { app.api_send(&token, Method::GET, &path, None).await }
    };
    let ids = |v: &Value| -> Vec<i64> {
        v["persons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_i64().unwrap())
            .collect()
    };
    let enc = |s: &str| form_encoded(&[("v", s)])[2..].to_string();
    for (query, expected) in [
        (format!("phone={}", enc("０９０−１２３４")), vec![first]),
        (format!("birth_date={}", enc("Ｓ４７．３．５")), vec![first]),
        (format!("q={}", enc("コマツ イチロー")), vec![second, first]),
        (format!("q={}", enc("ｺﾏﾂ ｲﾁﾛｰ")), vec![second, first]),
        (format!("address={}", enc("花園町１")), vec![first]),
        (format!("address={}", enc("丸子町2-3")), vec![second]),
    ] {
        let (status, v) = search(&query).await;
        assert_eq!(status, StatusCode::OK, "{query}: {v}");
        assert_eq!(ids(&v), expected, "{query}");
    }
    let (status, v) = search(&format!("phone={}", enc("なし"))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    let (_, v) = search(&format!("q={}", enc("小松"))).await;
    let areas: Vec<&str> = v["persons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["address_area"].as_str().unwrap())
        .collect();
    assert_eq!(areas, ["秋田県大仙市大曲丸子町", "秋田県大仙市大曲花園町"]);

    let client = app.login("daisen.houkatsu").await;
    let (status, html) = app
        .get_text(&client, &format!("/persons?q={}", enc("こまつ いちろー")))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("秋田県大仙市大曲花園町") && !html.contains("花園町1-1"));
    assert!(html.contains(&format!("<td class=\"record-number\">{first}</td>")));
    assert!(html.contains("大曲"), "the 地区");
    let link = format!(
        "/intakes/new?{}",
        form_encoded(&[("name", "こまつ いちろー"), ("furigana", "コマツ イチロー")])
    );
    assert!(
        html.contains(&link.replace('&', "&amp;")),
        "the typed name and kana go to the intake form"
    );
    let (status, form) = app.get_text(&client, &link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        form.contains("value=\"こまつ いちろー\"") && form.contains("value=\"コマツ イチロー\"")
    );
}
