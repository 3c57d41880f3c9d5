//! `kasane gen`: the generated records are what the app itself would write, the same seed
//! gives the same persons, and who sees what is as the benchmarks expect. (Not `gen.rs`:
//! `gen` is reserved in Rust 2024.)

use reqwest::StatusCode;

use crate::common::cli::{kasane, text};
use crate::common::{Engine, TestApp, fresh_database};

/// Runs `$name(engine)` on SQLite and on PostgreSQL.
macro_rules! on_engines {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::common::Engine::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::common::Engine::Postgres).await
            }
        }
    )*};
}

on_engines!(
    two_thousand_persons_in_every_state,
    same_seed_same_persons,
    the_indexes_dropped_for_the_load_come_back
);
both_engines!(generated_records_open_in_the_app);

/// `kasane gen` on `db`, off the async worker threads (the binary runs its own runtime).
pub(crate) async fn generate(db: &str, persons: u32, seed: u32) -> (String, String) {
    let db = db.to_string();
    let out = tokio::task::spawn_blocking(move || {
        kasane(
            &[
                "gen",
                "--municipality",
                "daisen",
                "--persons",
                &persons.to_string(),
                "--seed",
                &seed.to_string(),
            ],
            &db,
        )
    })
    .await
    .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    (stdout, stderr)
}

async fn scalar(engine: Engine, url: &str, sql: &str) -> i64 {
    on_test_db!(engine, url, |pool| sqlx::query_scalar(sql)
        .fetch_one(&pool)
        .await
        .unwrap())
}

async fn texts(engine: Engine, url: &str, sql: &str) -> Vec<String> {
    on_test_db!(engine, url, |pool| sqlx::query_scalar(sql)
        .fetch_all(&pool)
        .await
        .unwrap())
}

/// Persons `usachan_hiroba` is involved with, by every way involvement is recorded.
const FEW_INVOLVED: &str = "SELECT COUNT(DISTINCT pid) FROM ( \
     SELECT p.id AS pid FROM person p JOIN agency a ON a.id = p.created_by_agency_id WHERE a.code = 'usachan_hiroba' \
     UNION SELECT i.person_id FROM intake i JOIN agency a ON a.id = i.receiving_agency_id WHERE a.code = 'usachan_hiroba' \
     UNION SELECT r.person_id FROM referral r JOIN agency a ON a.id IN (r.to_agency_id, r.from_agency_id) WHERE a.code = 'usachan_hiroba' \
     UNION SELECT c.person_id FROM cases c JOIN agency a ON a.id = c.lead_agency_id WHERE a.code = 'usachan_hiroba' \
     UNION SELECT c.person_id FROM cases c JOIN case_agency ca ON ca.case_id = c.id JOIN agency a ON a.id = ca.agency_id WHERE a.code = 'usachan_hiroba' \
     UNION SELECT co.person_id FROM consent co JOIN consent_agency cg ON cg.consent_id = co.id JOIN agency a ON a.id = cg.agency_id WHERE a.code = 'usachan_hiroba' \
     ) AS x";

async fn two_thousand_persons_in_every_state(engine: Engine) {
    let Some((url, _dir, _pg)) = fresh_database(engine).await else {
        return;
    };
    let (stdout, _) = generate(&url, 2000, 1).await;
    assert!(stdout.contains("本人 2,000 件"), "{stdout}");
    assert!(
        stdout.contains("usachan_hiroba が関わる本人は 3 人"),
        "{stdout}"
    );
    let n = |sql: &'static str| scalar(engine, &url, sql);
    assert_eq!(n("SELECT COUNT(*) FROM person").await, 2000);
    let logs = n("SELECT COUNT(*) FROM support_log").await;
    assert!((16_000..=24_000).contains(&logs), "{logs} support logs");
    assert!(n("SELECT COUNT(*) FROM support_log_version").await >= logs);
    assert_eq!(n("SELECT COUNT(DISTINCT status) FROM referral").await, 4);
    assert_eq!(n("SELECT COUNT(DISTINCT status) FROM cases").await, 7);
    assert_eq!(n("SELECT COUNT(DISTINCT kind) FROM meeting").await, 2);
    let many = n(
        "SELECT COUNT(*) FROM person p JOIN agency a ON a.id = p.created_by_agency_id \
                  WHERE a.code = 'shakai_fukushi_ka'",
    )
    .await;
    assert!(many * 2 >= 2000, "shakai_fukushi_ka registers {many}");
    assert_eq!(n(FEW_INVOLVED).await, 3);
    // Every person was first received where they were registered.
    assert_eq!(
        n(
            "SELECT COUNT(*) FROM person p WHERE NOT EXISTS (SELECT 1 FROM intake i \
           WHERE i.person_id = p.id AND i.receiving_agency_id = p.created_by_agency_id)"
        )
        .await,
        0
    );
    // 名寄せ work: linked records, split pairs, and consents withdrawn or expired.
    assert!(n("SELECT COUNT(*) FROM person WHERE linked_to_person_id IS NOT NULL").await > 0);
    assert!(n("SELECT COUNT(*) FROM person_distinct").await > 0);
    assert!(n("SELECT COUNT(*) FROM consent WHERE withdrawn_at IS NOT NULL").await > 0);
    assert!(
        n("SELECT COUNT(*) FROM consent WHERE expires_on < CURRENT_DATE").await > 0,
        "some consents have expired"
    );
    assert!(n("SELECT COUNT(*) FROM monitoring WHERE done_at IS NOT NULL").await > 0);
    assert!(n("SELECT COUNT(*) FROM evaluation").await > 0);
    // The keys are the app's: the same name written with 異体字 has the same key.
    let rows = texts(engine, &url, "SELECT name || '|' || name_key FROM person").await;
    for row in &rows {
        let (name, key) = row.split_once('|').unwrap();
        assert_eq!(kasane_domain::name::match_key(name), key, "{name}");
    }
    assert!(
        n(
            "SELECT COUNT(*) FROM person a JOIN person b ON b.linked_to_person_id = a.id \
           WHERE (a.name <> b.name OR b.furigana IS NULL OR b.birth_date IS NULL) \
           AND a.name_key = b.name_key"
        )
        .await
            > 0,
        "some linked records are written differently"
    );
    // The app's own writes go on after the generated ids (PostgreSQL's sequences moved).
    let (stdout, _) = generate(&url, 10, 2).await;
    assert!(stdout.contains("本人 10 件"), "{stdout}");
    assert_eq!(n("SELECT COUNT(*) FROM person").await, 2010);
}

/// Every index of the schema, by name.
async fn indexes(engine: Engine, url: &str) -> Vec<String> {
    let sql = match engine {
        Engine::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name",
        Engine::Postgres => {
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname"
        }
    };
    texts(engine, url, sql).await
}

async fn the_indexes_dropped_for_the_load_come_back(engine: Engine) {
    let Some((url, _dir, _pg)) = fresh_database(engine).await else {
        return;
    };
    let store = kasane_store::Store::open(&url, crate::common::audit_key())
        .await
        .unwrap();
    store.close().await;
    let schema = indexes(engine, &url).await;
    assert!(
        schema.contains(&"person_name_key".to_string()),
        "{schema:?}"
    );
    let (stdout, _) = generate(&url, 200, 1).await;
    assert!(stdout.contains("索引"), "{stdout}");
    assert_eq!(indexes(engine, &url).await, schema);
    let left = "SELECT COUNT(*) FROM bulk_dropped_index";
    assert_eq!(scalar(engine, &url, left).await, 0);
    // A load cut off after the drop: the next open builds them again.
    let store = kasane_store::Store::open_bulk(&url, crate::common::audit_key())
        .await
        .unwrap();
    let dropped = store.bulk_drop_indexes().await.unwrap();
    store.close().await;
    let during = indexes(engine, &url).await;
    assert_eq!(during.len() + dropped, schema.len(), "{during:?}");
    assert!(!during.contains(&"person_name_key".to_string()));
    assert_eq!(scalar(engine, &url, left).await, dropped as i64);
    let store = kasane_store::Store::open(&url, crate::common::audit_key())
        .await
        .unwrap();
    store.close().await;
    assert_eq!(indexes(engine, &url).await, schema);
    assert_eq!(scalar(engine, &url, left).await, 0);
}

async fn digest(engine: Engine, url: &str) -> Vec<String> {
    texts(
        engine,
        url,
        "SELECT p.name || '|' || COALESCE(p.furigana, '') || '|' || p.name_key || '|' || \
         COALESCE(p.kana_key, '') || '|' || COALESCE(CAST(p.birth_date AS TEXT), '') || '|' || \
         COALESCE(p.external_id, '') || '|' || a.code || '|' || \
         CAST(COALESCE(p.linked_to_person_id, 0) AS TEXT) \
         FROM person p JOIN agency a ON a.id = p.created_by_agency_id ORDER BY p.id",
    )
    .await
}

async fn same_seed_same_persons(engine: Engine) {
    let Some((first, _d1, _p1)) = fresh_database(engine).await else {
        return;
    };
    let Some((second, _d2, _p2)) = fresh_database(engine).await else {
        return;
    };
    generate(&first, 600, 7).await;
    generate(&second, 600, 7).await;
    let a = digest(engine, &first).await;
    assert_eq!(a.len(), 600);
    let b = digest(engine, &second).await;
    let first_difference = a.iter().zip(&b).find(|(x, y)| x != y);
    assert_eq!(first_difference, None);
    assert_eq!(a.len(), b.len());
    let logs = "SELECT COUNT(*) FROM support_log";
    assert_eq!(
        scalar(engine, &first, logs).await,
        scalar(engine, &second, logs).await
    );
    // Another seed, other persons.
    let Some((third, _d3, _p3)) = fresh_database(engine).await else {
        return;
    };
    generate(&third, 600, 8).await;
    assert!(
        a != digest(engine, &third).await,
        "another seed, other persons"
    );
}

/// Generated records open in the app like any other: a worker of the registering window
/// sees the person's page, the coordinator a generated case, and the visible counts are
/// what the benchmarks rely on.
async fn generated_records_open_in_the_app(app: TestApp) {
    generate(&app.db_url, 1500, 3).await;
    let fukushi = app.agency_id("daisen", "shakai_fukushi_ka").await;
    let person = app
        .scalar(&format!(
            "SELECT MIN(id) FROM person WHERE note = '生成された架空の人物です。' \
             AND linked_to_person_id IS NULL AND created_by_agency_id = {fukushi}"
        ))
        .await;
    let name = app
        .text(&format!("SELECT name FROM person WHERE id = {person}"))
        .await;
    let client = app.login("daisen.fukushi").await;
    let (status, html) = app.get_text(&client, &format!("/persons/{person}")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(&name), "{name}");

    let case = app
        .scalar(
            "SELECT MIN(c.id) FROM cases c JOIN person p ON p.id = c.person_id \
             WHERE p.note = '生成された架空の人物です。' AND c.status = 'active' \
             AND c.coordination_ended_at IS NULL",
        )
        .await;
    let coordinator = app.login("daisen.coordinator").await;
    let (status, html) = app.get_text(&coordinator, &format!("/cases/{case}")).await;
    assert_eq!(status, StatusCode::OK, "{html}");

    // The generated staff of the two windows: one sees many, the other only a handful.
    assert_eq!(visible(&app, "gen.daisen.usachan_hiroba").await, 3);
    let many = visible(&app, "gen.daisen.shakai_fukushi_ka").await;
    assert!(many >= 750, "{many}");
}

/// How many persons `username` finds with an empty search, page by page through the API.
async fn visible(app: &TestApp, username: &str) -> i64 {
    let token = app.token(username).await;
    let mut seen = 0;
    for page in 1.. {
        let res = app
            .api_get(&token, &format!("/api/v1/persons?page={page}"))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let v: serde_json::Value = res.json().await.unwrap();
        seen += v["persons"].as_array().unwrap().len() as i64;
        if v["has_more"] == false {
            break;
        }
    }
    seen
}
