//! Two layers over every route, so that no later route or field can forget them:
//! - what no field may hold (control characters, `kasane_domain::text`) is refused with a
//!   field-keyed 422 before any handler runs: in the query string, and in a form's or a
//!   JSON body's values;
//! - what the router and axum's extractors refuse (a bad path or query parameter, an
//!   unknown route, a method the route does not take, a body too large or of another type)
//!   is answered like every other error — problem+json under `/api/`, a Japanese page
//!   elsewhere — instead of axum's plain text or empty body.

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use kasane_domain::text::{forbidden_char, forbidden_char_message, is_forbidden};
use serde_json::Value;

use crate::http::error::{AppError, WebError, answer_for};

/// The largest body read: axum's default limit for its extractors, which still apply.
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// How much of a refusal's plain-text body is kept as its detail.
const DETAIL_LIMIT: usize = 1024;

/// The body's kind, by its content type: only these carry typed fields.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fields {
    Form,
    Json,
}

fn fields_of(req: &Request) -> Option<Fields> {
    let kind = req.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    let kind = kind.split(';').next()?.trim().to_ascii_lowercase();
    match kind.as_str() {
        "application/x-www-form-urlencoded" => Some(Fields::Form),
        "application/json" | "application/problem+json" => Some(Fields::Json),
        _ => None,
    }
}

/// Refuses a request whose query or body holds a control character (field-keyed 422).
pub async fn refuse_control_chars(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let mut problems = Vec::new();
    if let Some(query) = req.uri().query() {
        check_pairs(query.as_bytes(), &mut problems);
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let req = match fields_of(&req) {
        None => req,
        // Refused before a byte of it is read.
        Some(_) if declared.is_some_and(|n| n > BODY_LIMIT) => return too_large(&path),
        Some(kind) => {
            let (parts, body) = req.into_parts();
            let Ok(bytes) = to_bytes(body, BODY_LIMIT).await else {
                return too_large(&path);
            };
            match kind {
                Fields::Form => check_pairs(&bytes, &mut problems),
                Fields::Json => check_json(&bytes, &mut problems),
            }
            Request::from_parts(parts, Body::from(bytes))
        }
    };
    if !problems.is_empty() {
        return answer_for(&path, AppError::Validation(problems).into());
    }
    next.run(req).await
}

fn too_large(path: &str) -> Response {
    let status = StatusCode::PAYLOAD_TOO_LARGE;
    let detail = Vec::new();
    answer_for(path, WebError::Rejected { status, detail })
}

/// Urlencoded pairs (a query string or a form body); one that does not decode is left to
/// the extractor, which refuses it.
fn check_pairs(raw: &[u8], problems: &mut Vec<String>) {
    let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(raw) else {
        return;
    };
    for (key, value) in &pairs {
        if let Some(c) = forbidden_char(key).or_else(|| forbidden_char(value)) {
            problems.push(forbidden_char_message(&field_name(key), c));
        }
    }
}

fn check_json(raw: &Bytes, problems: &mut Vec<String>) {
    if let Ok(value) = serde_json::from_slice::<Value>(raw) {
        check_value(&value, "", problems);
    }
}

/// Every string of `value` (keys too), named by its path (`members[2].name`).
fn check_value(value: &Value, at: &str, problems: &mut Vec<String>) {
    match value {
        Value::String(s) => {
            if let Some(c) = forbidden_char(s) {
                problems.push(forbidden_char_message(&field_name(at), c));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_value(item, &format!("{at}[{i}]"), problems);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let path = if at.is_empty() {
                    key.clone()
                } else {
                    format!("{at}.{key}")
                };
                if let Some(c) = forbidden_char(key) {
                    problems.push(forbidden_char_message(&field_name(&path), c));
                }
                check_value(item, &path, problems);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// A field's name fit to show: its own control characters made visible.
fn field_name(key: &str) -> String {
    let shown: String = key
        .chars()
        .take(64)
        .map(|c| if is_forbidden(c) { '�' } else { c })
        .collect();
    if shown.is_empty() {
        "(本文)".into()
    } else {
        shown
    }
}

/// Answers a refusal by the router or an extractor (a client error in plain text or with
/// no body at all: kasane's own errors are pages or problem+json) the way kasane answers
/// every error, keeping its headers (such as `Allow`).
pub async fn answer_rejections(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let response = next.run(req).await;
    let status = response.status();
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if !status.is_client_error() || !plain {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = to_bytes(body, DETAIL_LIMIT).await.unwrap_or_default();
    let error = match status {
        StatusCode::NOT_FOUND => AppError::NotFound.into(),
        _ => WebError::Rejected {
            status,
            // axum's words (English, naming the parameter) help an API client; a page
            // shows the Japanese title only.
            detail: match String::from_utf8_lossy(&text).trim() {
                detail if path.starts_with("/api/") && !detail.is_empty() => {
                    vec![detail.to_string()]
                }
                _ => Vec::new(),
            },
        },
    };
    let mut answered = answer_for(&path, error);
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answered.headers_mut().entry(name).or_insert(value.clone());
        }
    }
    answered
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems_of_pairs(raw: &str) -> Vec<String> {
        let mut p = Vec::new();
        check_pairs(raw.as_bytes(), &mut p);
        p
    }

    fn problems_of_json(raw: &str) -> Vec<String> {
        let mut p = Vec::new();
        check_json(&Bytes::from(raw.to_string()), &mut p);
        p
    }

    #[test]
    fn control_characters_are_found_in_every_field_and_named() {
        assert!(problems_of_pairs("name=%E4%BD%90%E8%97%A4&note=a%0D%0Ab%09c").is_empty());
        assert_eq!(
            problems_of_pairs("name=ok&address=x%00y"),
            vec![forbidden_char_message("address", '\0')]
        );
        assert!(problems_of_json(r#"{"body":"一行目\n二行目","n":1,"x":null}"#).is_empty());
        assert_eq!(
            problems_of_json(
                r#"{"members":[{"name":"ok"},{"name":"a\u0000"}],"k":{"v":"\u001b"}}"#
            ),
            vec![
                forbidden_char_message("k.v", '\u{1b}'),
                forbidden_char_message("members[1].name", '\0'),
            ]
        );
        assert_eq!(
            problems_of_json(r#"["\u0007"]"#),
            vec![forbidden_char_message("[0]", '\u{7}')]
        );
        // Keys too, shown without the character itself.
        assert_eq!(
            problems_of_pairs("a%00b=1"),
            vec![forbidden_char_message("a�b", '\0')]
        );
        // What does not parse is the extractor's to refuse.
        assert!(problems_of_json("{not json").is_empty());
    }
}
