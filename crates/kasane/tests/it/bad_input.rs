//! Step 6, bad input: control characters refused with a field-keyed 422 (PostgreSQL used
//! to answer 500 for a NUL), page numbers bounded, and every refusal answered as
//! problem+json by the API and as a Japanese page elsewhere — on both engines.

use crate::common::TestApp;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

both_engines!(
    a_control_character_in_any_field_is_a_422_and_nothing_is_written,
    page_numbers_are_bounded,
    refusals_are_problem_json_in_the_api,
    refusals_are_japanese_pages_elsewhere,
);

const PROBLEM: &str = "application/problem+json";

/// 神岡 トシ, whom 包括 registered (the newest person on its list is only a つなぐシート's,
/// which it may not write about before accepting).
async fn some_person(app: &TestApp, token: &str) -> i64 {
    let res = app
        .api_get(
            token,
            "/api/v1/persons?q=%E7%A5%9E%E5%B2%A1%20%E3%83%88%E3%82%B7",
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    v["persons"][0]["id"].as_i64().unwrap()
}

async fn a_control_character_in_any_field_is_a_422_and_nothing_is_written(app: TestApp) {
    let token = app.token("daisen.houkatsu").await;
    let person = some_person(&app, &token).await;
    let logs = app.scalar("SELECT COUNT(*) FROM support_log").await;
    for (field, bad) in [("body", "電話\u{0}した"), ("body", "\u{1b}[31m赤")] {
        let body =
            json!({ "occurred_on": "R7.4.1", "kind": "phone", field: bad, "person_id": person });
        let (status, v) = app
            .api_send(&token, Method::POST, "/api/v1/support-logs", Some(body))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["type"], "urn:kasane:problem:validation", "{v}");
        let said = v["errors"][0].as_str().unwrap();
        assert!(
            said.contains("「body」") && said.contains("制御文字"),
            "{said}"
        );
    }
    // Nested values are named by their path; line breaks and tabs are text.
    let body = json!({ "occurred_on": "R7.4.1", "kind": "phone", "body": "一行目\n\t二行目", "person_id": person });
    let (status, v) = app
        .api_send(&token, Method::POST, "/api/v1/support-logs", Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM support_log").await,
        logs + 1
    );
    // A search parameter, in the API and on the page.
    let res = app
        .api_get(&token, "/api/v1/persons?name=%E4%BD%90%00")
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = res.json().await.unwrap();
    assert!(v["errors"][0].as_str().unwrap().contains("「name」"), "{v}");
    let client = app.login("daisen.houkatsu").await;
    let (status, html) = app.get_text(&client, "/persons?name=%00").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("使えない文字"), "{html}");
    // A form: refused before the handler reads it.
    let res = app
        .post_login(&app.client(), "daisen.houkatsu\u{0}", "x")
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("「username」"));
}

async fn page_numbers_are_bounded(app: TestApp) {
    let token = app.token("daisen.houkatsu").await;
    for path in [
        "/api/v1/persons?page=9223372036854775807",
        "/api/v1/persons?page=0",
        "/api/v1/persons?page=-3",
        "/api/v1/cases?page=100001",
        "/api/v1/meetings?page=9223372036854775807",
        "/api/v1/worklist?list=incoming&page=9223372036854775807",
    ] {
        let res = app.api_get(&token, path).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        let v: Value = res.json().await.unwrap();
        assert!(
            v["errors"][0].as_str().unwrap().contains("ページ番号"),
            "{path}: {v}"
        );
    }
    let res = app.api_get(&token, "/api/v1/persons?page=100000").await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["persons"], json!([]), "beyond the last page: empty");
    let client = app.login("daisen.houkatsu").await;
    let (status, html) = app
        .get_text(&client, "/meetings?page=9223372036854775807")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("ページ番号"));
}

/// `req`'s status, and its body after checking it is problem+json of that status.
async fn problem(req: reqwest::RequestBuilder) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let res = req.send().await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    assert_eq!(headers["content-type"], PROBLEM, "{status}");
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["status"], status.as_u16(), "{v}");
    assert!(!v["title"].as_str().unwrap().is_empty());
    (status, v, headers)
}

async fn refusals_are_problem_json_in_the_api(app: TestApp) {
    let token = app.token("daisen.houkatsu").await;
    let c = Client::new();
    let get = |path: &str| c.get(app.url(path)).bearer_auth(&token);
    // A path parameter that is not an id, a query parameter of the wrong type.
    let (status, v, _) = problem(get("/api/v1/persons/abc")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["type"], "urn:kasane:problem:bad-request");
    let (status, _, _) = problem(get("/api/v1/persons?page=abc")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) = problem(get("/api/v1/no-such-thing")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let delete = c.delete(app.url("/api/v1/persons")).bearer_auth(&token);
    let (status, v, headers) = problem(delete).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(v["type"], "urn:kasane:problem:method-not-allowed");
    assert!(headers.contains_key("allow"), "{headers:?}");
    // 10 MB of JSON, refused on its declared length before a byte of it is read.
    let auth = format!("Bearer {token}");
    let (status, kind, body) =
        declared_body(&app, "/api/v1/support-logs", "application/json", &auth).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(kind, PROBLEM);
    assert!(
        body.contains("urn:kasane:problem:payload-too-large"),
        "{body}"
    );
    let post = c.post(app.url("/api/v1/support-logs")).bearer_auth(&token);
    let (status, v, _) = problem(post.body("body=x")).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{v}");
    let post = c.post(app.url("/api/v1/support-logs")).bearer_auth(&token);
    let (status, _, _) = problem(post.header("content-type", "application/json").body("{")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn refusals_are_japanese_pages_elsewhere(app: TestApp) {
    let client = app.login("daisen.houkatsu").await;
    let html_of = async |res: reqwest::Response| {
        let status = res.status();
        let kind = res.headers()["content-type"].to_str().unwrap().to_string();
        assert!(kind.starts_with("text/html"), "{status}: {kind}");
        (status, res.text().await.unwrap())
    };
    let (status, html) = html_of(client.get(app.url("/persons/abc")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        html.contains("リクエストの形式が正しくありません"),
        "{html}"
    );
    let (status, html) = html_of(client.get(app.url("/no-such-page")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("見つかりません"));
    let (status, html) = html_of(client.delete(app.url("/persons")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(html.contains("対応していません"));
    let form = "application/x-www-form-urlencoded";
    let (status, kind, html) = declared_body(&app, "/login", form, "").await;
    assert_eq!(status, 413);
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(html.contains("大きすぎます"), "{html}");
}

/// Sends only the head of a POST declaring a 10 MB body (a client about to send it), with
/// `authorization` if not empty: the answer's status, content type and body.
async fn declared_body(
    app: &TestApp,
    path: &str,
    content_type: &str,
    authorization: &str,
) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let url = reqwest::Url::parse(&app.url(path)).unwrap();
    let host = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
    let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    let auth = match authorization {
        "" => String::new(),
        a => format!("authorization: {a}\r\n"),
    };
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: {host}\r\ncontent-type: {content_type}\r\n\
         content-length: {}\r\n{auth}connection: close\r\n\r\n",
        10 * 1024 * 1024
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer);
    tokio::time::timeout(std::time::Duration::from_secs(10), read)
        .await
        .expect("answered without waiting for the body")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer).to_string();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let kind = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(str::to_string)
        })
        .unwrap_or_default();
    (status, kind, body.to_string())
}
