//! What a request fails with: the application's error (`kasane_app::AppError`), or a
//! forged or expired form — the one failure only the web knows. A status per kind; answered
//! as a Japanese page or as `application/problem+json`, depending on where it was raised.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
pub use kasane_app::AppError;
use kasane_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// Seconds a busy answer asks the client to wait before trying again.
const RETRY_AFTER_SECS: &str = "2";

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error(
        "フォームの有効期限が切れたか、不正な送信です。ページを開き直してもう一度お試しください"
    )]
    Csrf,
    /// A request the router or an extractor refused before any handler ran (a bad path or
    /// query parameter, a method the route does not take, a body too large or of another
    /// type): its status, and what the refusal said (the API's `errors`; pages show only
    /// the Japanese title).
    #[error("{}", rejection_title(*.status))]
    Rejected {
        status: StatusCode,
        detail: Vec<String>,
    },
}

fn rejection_title(status: StatusCode) -> &'static str {
    match status {
        StatusCode::METHOD_NOT_ALLOWED => "この操作(HTTP メソッド)には対応していません",
        StatusCode::PAYLOAD_TOO_LARGE => "送信された内容が大きすぎます",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            "送信された内容の形式(Content-Type)には対応していません"
        }
        StatusCode::UNPROCESSABLE_ENTITY => "送信された項目が足りないか、形式が正しくありません",
        _ => "リクエストの形式が正しくありません(URL の値を確認してください)",
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        WebError::App(e.into())
    }
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::Rejected { status, .. } => *status,
            WebError::App(e) => match e {
                AppError::NotFound => StatusCode::NOT_FOUND,
                AppError::Forbidden(_) => StatusCode::FORBIDDEN,
                AppError::Unauthorized | AppError::SessionExpired(_) => StatusCode::UNAUTHORIZED,
                AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
                AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
                AppError::Conflict(_) => StatusCode::CONFLICT,
                AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                AppError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            },
        }
    }

    /// The problem type slug for problem+json.
    fn slug(&self) -> &'static str {
        match self {
            WebError::Csrf => "csrf",
            WebError::Rejected { status, .. } => match *status {
                StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
                StatusCode::PAYLOAD_TOO_LARGE => "payload-too-large",
                StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported-media-type",
                StatusCode::UNPROCESSABLE_ENTITY => "validation",
                _ => "bad-request",
            },
            WebError::App(e) => match e {
                AppError::NotFound => "not-found",
                AppError::Forbidden(_) => "forbidden",
                AppError::Unauthorized | AppError::SessionExpired(_) => "unauthorized",
                AppError::BadRequest(_) => "bad-request",
                AppError::Validation(_) => "validation",
                AppError::Conflict(_) => "conflict",
                AppError::Unavailable => "unavailable",
                AppError::Internal => "internal",
            },
        }
    }

    pub fn details(&self) -> &[String] {
        match self {
            WebError::App(AppError::Validation(v)) => v,
            WebError::Rejected { detail, .. } => detail,
            _ => &[],
        }
    }

    /// `response`, marked for the request's unit of work to undo unless the error keeps
    /// what was recorded (`AppError::keeps_work`: refusals and login failures); a busy
    /// answer says when to try again.
    fn mark(&self, mut response: Response) -> Response {
        let keeps = match self {
            WebError::App(e) => e.keeps_work(),
            WebError::Csrf | WebError::Rejected { .. } => false,
        };
        if !keeps {
            response.extensions_mut().insert(crate::http::work::Failed);
        }
        if matches!(self, WebError::App(AppError::Unavailable)) {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_static(RETRY_AFTER_SECS),
            );
        }
        response
    }
}

/// `error` as a request for `path` answers it, where no handler chose: problem+json under
/// `/api/`, a Japanese page elsewhere.
pub fn answer_for(path: &str, error: WebError) -> Response {
    if path.starts_with("/api/") {
        ApiError(error).into_response()
    } else {
        PageError(error).into_response()
    }
}

/// An error raised while rendering a page: answered as a Japanese HTML page.
#[derive(Debug)]
pub struct PageError(pub WebError);

impl<E: Into<WebError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self.0 {
            WebError::App(AppError::Unauthorized) => {
                return crate::http::auth::to_login(None);
            }
            WebError::App(AppError::SessionExpired(end)) => {
                return crate::http::auth::to_login(Some(end));
            }
            _ => {}
        }
        let markup = crate::ui::layout::error_page(&self.0);
        self.0.mark((self.0.status(), markup).into_response())
    }
}

/// An error raised by the JSON API: answered as RFC 9457 problem+json.
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

/// The body of every API error.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:kasane:problem:<slug>`
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// Field-level messages for validation errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let body = Problem {
            kind: format!("urn:kasane:problem:{}", self.0.slug()),
            title: self.0.to_string(),
            status: status.as_u16(),
            errors: self.0.details().to_vec(),
        };
        let json = serde_json::to_vec(&body).unwrap_or_default();
        self.0.mark(
            (
                status,
                [(axum::http::header::CONTENT_TYPE, "application/problem+json")],
                json,
            )
                .into_response(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_store_is_a_quick_503_with_retry_after_on_pages_and_the_api() {
        for response in [
            PageError::from(StoreError::Busy).into_response(),
            ApiError::from(StoreError::Busy).into_response(),
        ] {
            assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(response.headers()[header::RETRY_AFTER], RETRY_AFTER_SECS);
            assert!(
                response
                    .extensions()
                    .get::<crate::http::work::Failed>()
                    .is_some(),
                "its unit of work is undone"
            );
        }
        let internal = ApiError::from(AppError::Internal).into_response();
        assert!(internal.headers().get(header::RETRY_AFTER).is_none());
    }
}
