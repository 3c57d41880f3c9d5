//! The integration harness: the real app on port 0 against a fresh database, on SQLite and
//! on PostgreSQL. PostgreSQL (and Chromium, in `browser`) are skipped loudly when absent,
//! and are a failure when `KASANE_STRICT=1`.
#![allow(dead_code)]

pub mod browser;
#[macro_use]
pub mod cli;

use std::future::Future;
use std::sync::Arc;

use kasane_store::Store;
use kasane_web::{AppState, WebSettings};
use reqwest::{Client, Method, Response, StatusCode, redirect};
use serde_json::Value;
use tokio::net::TcpListener;

pub const PASSWORD: &str = kasane::demo::DEMO_PASSWORD;

/// The tests' audit key, as 64 hex digits (the CLI tests pass it as `KASANE_AUDIT_KEY`).
pub const AUDIT_KEY_HEX: &str = "6b6173616e652074657374206175646974206b6579206f6e6c792120212121ff";

pub fn audit_key() -> kasane_domain::audit::AuditKey {
    kasane_domain::audit::AuditKey::parse_hex(AUDIT_KEY_HEX).unwrap()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub fn strict() -> bool {
    std::env::var("KASANE_STRICT").is_ok_and(|v| v == "1")
}

/// Says loudly that a test did not run; in strict mode, fails it instead.
pub fn skip(what: &str, why: &str) {
    if strict() {
        panic!("KASANE_STRICT=1: {what} is required but unavailable: {why}");
    }
    eprintln!(
        "\n!!!!!!!! SKIPPED: {what} unavailable ({why}) — set it up or this test proves nothing !!!!!!!!\n"
    );
}

/// The PostgreSQL server the tests create their databases on.
pub fn pg_admin_url() -> String {
    std::env::var("KASANE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// A fresh PostgreSQL database, dropped when the guard goes.
pub struct PgDatabase {
    pub url: String,
    name: String,
}

impl PgDatabase {
    pub async fn create() -> Option<PgDatabase> {
        let admin = pg_admin_url();
        let pool = match sqlx::PgPool::connect(&admin).await {
            Ok(p) => p,
            Err(e) => {
                skip("PostgreSQL", &e.to_string());
                return None;
            }
        };
        let name = format!("kasane_test_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&pool)
            .await
            .expect("create test database");
        pool.close().await;
        let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap().to_string();
        Some(PgDatabase {
            url: format!("{base}/{name}"),
            name,
        })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let admin = pg_admin_url();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Drop runs inside the test's runtime: use a thread with its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(pool) = sqlx::PgPool::connect(&admin).await {
                    let _ = sqlx::query(&sql).execute(&pool).await;
                }
            });
        })
        .join();
    }
}

/// A running kasane with the demo loaded.
pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub engine: Engine,
    pub db_url: String,
    _dir: Option<tempfile::TempDir>,
    _pg: Option<Arc<PgDatabase>>,
}

/// A fresh, migrated database of `engine` (None when skipped).
pub async fn fresh_database(
    engine: Engine,
) -> Option<(String, Option<tempfile::TempDir>, Option<Arc<PgDatabase>>)> {
    match engine {
        Engine::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("kasane.db").display());
            Some((url, Some(dir), None))
        }
        Engine::Postgres => {
            let pg = PgDatabase::create().await?;
            Some((pg.url.clone(), None, Some(Arc::new(pg))))
        }
    }
}

pub async fn spawn_app(engine: Engine) -> Option<TestApp> {
    spawn_app_with(engine, WebSettings::default()).await
}

pub async fn spawn_app_with(engine: Engine, settings: WebSettings) -> Option<TestApp> {
    let (db_url, dir, pg) = fresh_database(engine).await?;
    let store = Store::open(&db_url, audit_key()).await.unwrap();
    kasane::demo::load(&store).await.unwrap();
    let base = serve(&store, settings, Arc::new(kasane_app::SystemClock)).await;
    Some(TestApp {
        base,
        store,
        engine,
        db_url,
        _dir: dir,
        _pg: pg,
    })
}

/// Serves kasane on `store` with `clock` on a free port; answers its base URL.
async fn serve(store: &Store, settings: WebSettings, clock: Arc<dyn kasane_app::Clock>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState {
        app: kasane_app::App::new(store.clone(), clock),
        settings,
    };
    tokio::spawn(async move {
        kasane_web::serve(listener, state).await.unwrap();
    });
    base
}

impl TestApp {
    /// A second server on the same database whose clock stands at noon (JST) on `day`: the
    /// same records as seen on another date.
    pub async fn on_day(&self, day: chrono::NaiveDate) -> TestApp {
        let clock = Arc::new(kasane_app::FixedClock::on(day));
        TestApp {
            base: serve(&self.store, WebSettings::default(), clock).await,
            store: self.store.clone(),
            engine: self.engine,
            db_url: self.db_url.clone(),
            _dir: None,
            _pg: self._pg.clone(),
        }
    }
}

/// Runs `test` against a fresh app of `engine`.
pub async fn with_app<F, Fut>(engine: Engine, test: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    if let Some(app) = spawn_app(engine).await {
        test(app).await;
    }
}

/// Runs `$body` with `$pool` a pool on the test app's database (or on database `$url` of
/// `$engine`), whichever engine it is.
macro_rules! on_test_db {
    ($app:expr, |$pool:ident| $body:expr) => {
        on_test_db!($app.engine, &$app.db_url, |$pool| $body)
    };
    ($engine:expr, $url:expr, |$pool:ident| $body:expr) => {
        match $engine {
            Engine::Sqlite => {
                let $pool = sqlx::SqlitePool::connect($url).await.unwrap();
                let value = $body;
                $pool.close().await;
                value
            }
            Engine::Postgres => {
                let $pool = sqlx::PgPool::connect($url).await.unwrap();
                let value = $body;
                $pool.close().await;
                value
            }
        }
    };
}

/// Generates `<name>::sqlite` and `<name>::postgres` from one `async fn name(app: TestApp)`.
#[macro_export]
macro_rules! both_engines {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::common::with_app($crate::common::Engine::Sqlite, super::$name).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::common::with_app($crate::common::Engine::Postgres, super::$name).await;
            }
        }
    )*};
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
    pub fn client(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// The CSRF token of the login form (and sets its cookie on `client`).
    pub async fn login_csrf(&self, client: &Client) -> String {
        let html = client
            .get(self.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        hidden_csrf(&html)
    }

    pub async fn post_login(&self, client: &Client, username: &str, password: &str) -> Response {
        let csrf = self.login_csrf(client).await;
        client
            .post(self.url("/login"))
            .form(&[
                ("username", username),
                ("password", password),
                ("csrf", &csrf),
            ])
            .send()
            .await
            .unwrap()
    }

    /// A client logged in as `username` with the demo password.
    pub async fn login(&self, username: &str) -> Client {
        let client = self.client();
        let res = self.post_login(&client, username, PASSWORD).await;
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "login of {username} failed"
        );
        client
    }

    pub async fn get_text(&self, client: &Client, path: &str) -> (StatusCode, String) {
        let res = client.get(self.url(path)).send().await.unwrap();
        (res.status(), res.text().await.unwrap())
    }

    /// The CSRF token of the page at `path` (every page carries one, in the logout form).
    pub async fn page_csrf(&self, client: &Client, path: &str) -> String {
        let (status, html) = self.get_text(client, path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {html}");
        hidden_csrf(&html)
    }

    /// Posts a page form to `path`, the CSRF token first.
    pub async fn post_form<K: AsRef<str>, V: AsRef<str>>(
        &self,
        client: &Client,
        path: &str,
        csrf: &str,
        fields: &[(K, V)],
    ) -> Response {
        let mut pairs = vec![("csrf", csrf)];
        pairs.extend(fields.iter().map(|(k, v)| (k.as_ref(), v.as_ref())));
        client
            .post(self.url(path))
            .form(&pairs)
            .send()
            .await
            .unwrap()
    }

    /// The account `username` as stored.
    pub async fn user(&self, username: &str) -> kasane_store::user::User {
        self.store
            .user_by_username(username)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no user {username}"))
    }

    /// A personal access token for `username`.
    pub async fn token(&self, username: &str) -> String {
        let user = self
            .store
            .user_by_username(username)
            .await
            .unwrap()
            .unwrap();
        self.store.create_token(&user, "test").await.unwrap()
    }

    /// Sends `body` as JSON with the bearer token; answers the status and the JSON body
    /// (`Null` when there is none, the text as a string when it is not JSON).
    pub async fn api_send(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = Client::new()
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }

    pub async fn api_get(&self, token: &str, path: &str) -> Response {
        Client::new()
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// Runs raw SQL as someone with database access would (tampering, clock games).
    pub async fn raw_sql(&self, sql: &str) {
        on_test_db!(self, |pool| {
            sqlx::raw_sql(sql).execute(&pool).await.unwrap();
        })
    }

    /// An intake handled at the caller's window for a new person of 大仙市 (大曲 district)
    /// with a new household: the answer (`person_id`, `intake_id`, `household_id`).
    pub async fn intake_of_new_person(&self, token: &str, name: &str, furigana: &str) -> Value {
        let person = serde_json::json!({ "name": name, "furigana": furigana,
                                         "birth_date": "S50.5.5", "district": "omagari" });
        self.intake_of(token, person, "handled").await
    }

    /// An intake at the caller's window with `outcome` for a new person (`person`, as the
    /// API takes it, confirmed new whatever 名寄せ finds) with a new household: the answer.
    pub async fn intake_of(&self, token: &str, person: Value, outcome: &str) -> Value {
        let (status, v) = self
            .api_send(
                token,
                Method::POST,
                "/api/v1/intakes",
                Some(serde_json::json!({
                    "channel": "visit_in", "consulter_kind": "person", "summary": "来所相談。",
                    "urgency": "normal", "outcome": outcome, "issues": ["care"],
                    "consent_to_share": false, "new_household": true,
                    "confirm_new_person": true, "person": person,
                })),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        v
    }

    /// One number from raw SQL (a count, an id), as someone with database access reads it.
    pub async fn scalar(&self, sql: &str) -> i64 {
        on_test_db!(self, |pool| sqlx::query_scalar(sql)
            .fetch_one(&pool)
            .await
            .unwrap())
    }

    /// One text value from raw SQL.
    pub async fn text(&self, sql: &str) -> String {
        on_test_db!(self, |pool| sqlx::query_scalar(sql)
            .fetch_one(&pool)
            .await
            .unwrap())
    }

    pub async fn agency_id(&self, municipality: &str, code: &str) -> i64 {
        let m = self.store.municipality_by_code(municipality).await.unwrap();
        self.store.agency_by_code(m.id, code).await.unwrap().id
    }
}

/// Where a response redirects to (empty when it does not).
pub fn location(res: &Response) -> String {
    res.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The value of the first hidden `csrf` input in a page.
pub fn hidden_csrf(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("page has a csrf field") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}
