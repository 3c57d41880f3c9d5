//! Requests to the server under test: logging in the way a browser does (the login form's
//! double-submit CSRF cookie and token, then the session cookie), and one request as a
//! repeatable [`Op`].

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, HeaderMap, HeaderValue, SET_COOKIE};
use reqwest::{Client, Method, StatusCode, redirect};

use crate::load::{Op, Outcome, op};

/// A request still unanswered after this counts as a timeout, so that one pathological
/// query cannot hold the whole run.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

const LOGIN_CSRF_COOKIE: &str = "kasane_login_csrf";
const SESSION_COOKIE: &str = "kasane_session";

pub fn client() -> Result<Client> {
    Ok(Client::builder()
        .redirect(redirect::Policy::none())
        .pool_max_idle_per_host(256)
        .timeout(REQUEST_TIMEOUT)
        .build()?)
}

/// `name=value` of the cookie `name` among a response's Set-Cookie headers.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

/// The value of the hidden `csrf` input of a page.
fn hidden_csrf(html: &str) -> Option<String> {
    let marker = r#"name="csrf" value=""#;
    let start = html.find(marker)? + marker.len();
    let len = html[start..].find('"')?;
    Some(html[start..start + len].to_string())
}

/// The login form's CSRF cookie (`name=value`) and token, as `GET /login` hands them out.
pub async fn login_csrf(client: &Client, base: &str) -> Result<(String, String)> {
    let res = client.get(format!("{base}/login")).send().await?;
    let jar = cookie(res.headers(), LOGIN_CSRF_COOKIE).context("GET /login set no CSRF cookie")?;
    let html = res.text().await?;
    let token = hidden_csrf(&html).context("GET /login has no csrf field")?;
    Ok((jar, token))
}

/// The login form's body.
pub fn login_body(username: &str, password: &str, csrf: &str) -> String {
    [
        ("username", username),
        ("password", password),
        ("csrf", csrf),
    ]
    .iter()
    .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
    .collect::<Vec<_>>()
    .join("&")
}

/// Percent-encodes everything but the unreserved characters (RFC 3986).
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Logs in through the form; answers the session cookie (`kasane_session=…`).
pub async fn login(client: &Client, base: &str, username: &str, password: &str) -> Result<String> {
    let (jar, token) = login_csrf(client, base).await?;
    let res = client
        .post(format!("{base}/login"))
        .header(COOKIE, &jar)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(login_body(username, password, &token))
        .send()
        .await?;
    if res.status() != StatusCode::SEE_OTHER {
        bail!("login of {username} answered {}", res.status());
    }
    cookie(res.headers(), SESSION_COOKIE)
        .with_context(|| format!("login of {username} set no session"))
}

/// How a request authenticates.
#[derive(Clone)]
pub enum Auth {
    None,
    /// A Cookie header value.
    Cookie(String),
    /// An API token.
    Bearer(String),
}

/// A request to repeat.
#[derive(Clone)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub auth: Auth,
    /// (content type, body)
    pub body: Option<(&'static str, String)>,
    /// The status that counts as done (200, 303 for a login, 409 for 名寄せ candidates).
    pub expect: StatusCode,
}

impl Request {
    pub fn get(path: impl Into<String>, auth: Auth) -> Request {
        Request {
            method: Method::GET,
            path: path.into(),
            auth,
            body: None,
            expect: StatusCode::OK,
        }
    }

    /// Sends the request once; the status and the body's size.
    pub async fn send(&self, client: &Client, base: &str) -> Result<(StatusCode, usize)> {
        let mut req = client.request(self.method.clone(), format!("{base}{}", self.path));
        match &self.auth {
            Auth::None => {}
            Auth::Cookie(c) => req = req.header(COOKIE, c),
            Auth::Bearer(t) => {
                req = req.header(
                    AUTHORIZATION,
                    HeaderValue::from_str(&format!("Bearer {t}"))?,
                )
            }
        }
        if let Some((content_type, body)) = &self.body {
            req = req.header(CONTENT_TYPE, *content_type).body(body.clone());
        }
        let res = req.send().await?;
        let status = res.status();
        let bytes = res.bytes().await?.len();
        Ok((status, bytes))
    }

    pub fn into_op(self, client: Client, base: Arc<str>) -> Op {
        let req = Arc::new(self);
        op(move || {
            let (req, client, base) = (req.clone(), client.clone(), base.clone());
            async move {
                match req.send(&client, &base).await {
                    Ok((status, _)) if status == req.expect => Outcome::Done,
                    Ok((status, _)) => Outcome::Unexpected(status.as_u16().to_string()),
                    Err(e)
                        if e.downcast_ref::<reqwest::Error>()
                            .is_some_and(|e| e.is_timeout()) =>
                    {
                        Outcome::Unexpected("timeout".into())
                    }
                    Err(_) => Outcome::Unexpected("error".into()),
                }
            }
        })
    }
}
