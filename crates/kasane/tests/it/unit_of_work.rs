//! One use case, one transaction (on both engines): an intake that fails in its last
//! statement — after its new person, household and membership rows are written — leaves
//! no person, no household and no audit entry behind; the same intake without the failure
//! records all of them. And a request whose client leaves takes its statement with it.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{Engine, TestApp};

both_engines!(
    an_intake_that_fails_part_way_leaves_no_trace,
    a_request_whose_client_leaves_cancels_its_statement,
);

/// Makes every INSERT INTO intake fail, as a constraint violation would.
async fn fail_intakes(app: &TestApp) {
    app.raw_sql(match app.engine {
        Engine::Sqlite => {
            "CREATE TRIGGER injected_failure BEFORE INSERT ON intake \
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
        }
        Engine::Postgres => {
            "CREATE FUNCTION injected_failure() RETURNS trigger AS $$ \
             BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql; \
             CREATE TRIGGER injected_failure BEFORE INSERT ON intake \
             FOR EACH ROW EXECUTE FUNCTION injected_failure();"
        }
    })
    .await;
}

async fn counts(app: &TestApp) -> [i64; 4] {
    [
        app.scalar("SELECT COUNT(*) FROM person").await,
        app.scalar("SELECT COUNT(*) FROM household").await,
        app.scalar("SELECT COUNT(*) FROM household_member").await,
        app.scalar("SELECT COUNT(*) FROM audit_log").await,
    ]
}

async fn an_intake_that_fails_part_way_leaves_no_trace(app: TestApp) {
    let token = app.token("daisen.houkatsu").await;
    let body = json!({
        "channel": "phone",
        "consulter_kind": "family",
        "consulter_name": "長女",
        "consulter_relation": "長女",
        "issues": ["care", "isolation"],
        "concerns": ["care"],
        "consent_to_share": true,
        "summary": "一人での生活が難しくなってきたと長女から電話。",
        "urgency": "normal",
        "outcome": "handled",
        "person": { "name": "試験 失敗子", "furigana": "シケン シッパイコ",
                    "birth_date": "S40.1.1", "district": "omagari" },
        "new_household": true,
    });
    fail_intakes(&app).await;
    let before = counts(&app).await;
    let (status, v) = app
        .api_send(&token, Method::POST, "/api/v1/intakes", Some(body.clone()))
        .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{v}");
    assert_eq!(
        counts(&app).await,
        before,
        "persons, households, members and audit entries are as before the failed intake"
    );
    let named = app
        .scalar("SELECT COUNT(*) FROM person WHERE name = '試験 失敗子'")
        .await;
    assert_eq!(named, 0);

    // Without the failure the same intake writes all of it, with its audit entries.
    app.raw_sql(match app.engine {
        Engine::Sqlite => "DROP TRIGGER injected_failure",
        Engine::Postgres => "DROP TRIGGER injected_failure ON intake",
    })
    .await;
    let (status, v) = app
        .api_send(&token, Method::POST, "/api/v1/intakes", Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let after = counts(&app).await;
    assert_eq!(after[0], before[0] + 1, "one person");
    assert_eq!(after[1], before[1] + 1, "one household");
    assert_eq!(after[2], before[2] + 1, "its head");
    assert!(
        after[3] >= before[3] + 3,
        "person, household and intake audited"
    );
}

/// Makes reading api_token (every token request's first query) take hours.
async fn slow_tokens(app: &TestApp) {
    app.raw_sql(match app.engine {
        Engine::Sqlite => {
            "ALTER TABLE api_token RENAME TO api_token_t; \
             CREATE VIEW api_token AS SELECT t.* FROM api_token_t t WHERE \
             (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c \
              WHERE x < 100000000000) SELECT max(x) FROM c) > 0;"
        }
        Engine::Postgres => {
            "ALTER TABLE api_token RENAME TO api_token_t; \
             CREATE VIEW api_token AS SELECT t.* FROM api_token_t t \
             WHERE (SELECT true FROM pg_sleep(3600));"
        }
    })
    .await;
}

async fn a_request_whose_client_leaves_cancels_its_statement(app: TestApp) {
    let token = app.token("daisen.houkatsu").await;
    slow_tokens(&app).await;
    // A write request: on SQLite it holds the one writer while its statement runs.
    let gone = reqwest::Client::new()
        .post(app.url("/api/v1/intakes"))
        .bearer_auth(&token)
        .json(&json!({}))
        .timeout(std::time::Duration::from_millis(500))
        .send()
        .await;
    assert!(gone.is_err(), "the client gave up: {gone:?}");

    // Undoing the slow view needs the write lock on SQLite (within its 5 s busy timeout),
    // so it succeeds only if the abandoned statement was interrupted; on PostgreSQL the
    // backend's statement disappears from pg_stat_activity.
    if app.engine == Engine::Postgres {
        let mut running = 1;
        for _ in 0..100 {
            running = app
                .scalar(
                    "SELECT COUNT(*) FROM pg_stat_activity WHERE state = 'active' \
                     AND query LIKE '%api_token%' AND pid <> pg_backend_pid()",
                )
                .await;
            if running == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(running, 0, "the abandoned statement was cancelled");
    }
    app.raw_sql("DROP VIEW api_token; ALTER TABLE api_token_t RENAME TO api_token;")
        .await;
    // (By a session: the server's writer compiled its statements on api_token while it was
    // a view, and SQLite does not recompile them for a schema changed under it.)
    let client = app.login("daisen.houkatsu").await;
    let (status, _) = app.get_text(&client, "/collaboration").await;
    assert_eq!(status, StatusCode::OK, "the server serves on");
}
