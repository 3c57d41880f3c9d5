//! One error enum, a status per variant; answered as a Japanese page or as
//! `application/problem+json`, depending on where it was raised.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kasane_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Also the answer for another municipality's object: no existence leak.
    #[error("お探しのページまたは記録は見つかりません")]
    NotFound,
    #[error("{0}")]
    Forbidden(String),
    #[error("ログインが必要です")]
    Unauthorized,
    #[error("{0}")]
    BadRequest(String),
    #[error("入力内容を確認してください")]
    Validation(Vec<String>),
    #[error("{0}")]
    Conflict(String),
    #[error(
        "フォームの有効期限が切れたか、不正な送信です。ページを開き直してもう一度お試しください"
    )]
    Csrf,
    #[error("ログインの失敗が続いたため、しばらくログインできません。時間をおいてお試しください")]
    TooManyRequests,
    /// Details are logged, never shown.
    #[error("システムエラーが発生しました。時間をおいてもう一度お試しください")]
    Internal,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem type slug for problem+json.
    fn slug(&self) -> &'static str {
        match self {
            AppError::NotFound => "not-found",
            AppError::Forbidden(_) => "forbidden",
            AppError::Unauthorized => "unauthorized",
            AppError::BadRequest(_) => "bad-request",
            AppError::Validation(_) => "validation",
            AppError::Conflict(_) => "conflict",
            AppError::Csrf => "csrf",
            AppError::TooManyRequests => "too-many-requests",
            AppError::Internal => "internal",
        }
    }

    pub fn details(&self) -> &[String] {
        match self {
            AppError::Validation(v) => v,
            _ => &[],
        }
    }
}

impl From<kasane_app::AppError> for AppError {
    fn from(e: kasane_app::AppError) -> Self {
        use kasane_app::AppError as A;
        match e {
            A::NotFound => AppError::NotFound,
            A::Forbidden(m) => AppError::Forbidden(m),
            A::Unauthorized => AppError::Unauthorized,
            A::BadRequest(m) => AppError::BadRequest(m),
            A::Validation(v) => AppError::Validation(v),
            A::Conflict(m) => AppError::Conflict(m),
            A::TooManyRequests => AppError::TooManyRequests,
            A::Internal => AppError::Internal,
        }
    }
}

impl AppError {
    /// Whether the request's unit of work keeps what it recorded (see
    /// `kasane_app::AppError::keeps_work`): refusals and login failures do; the rest undo.
    fn keeps_work(&self) -> bool {
        matches!(
            self,
            AppError::NotFound
                | AppError::Forbidden(_)
                | AppError::Unauthorized
                | AppError::TooManyRequests
        )
    }

    /// `response`, marked for the unit of work to undo when this error does not keep it.
    fn mark(&self, mut response: Response) -> Response {
        if !self.keeps_work() {
            response.extensions_mut().insert(crate::http::work::Failed);
        }
        response
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            e @ StoreError::Conflict(_) => AppError::Conflict(e.to_string()),
            StoreError::Invalid(m) => AppError::BadRequest(m),
            other => {
                // The store's errors carry no personal data (values are bound, not formatted).
                tracing::error!(error = %other, source = ?std::error::Error::source(&other), "store error");
                AppError::Internal
            }
        }
    }
}

/// An error raised while rendering a page: answered as a Japanese HTML page.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if matches!(self.0, AppError::Unauthorized) {
            return Redirect::to("/login").into_response();
        }
        let markup = crate::ui::layout::error_page(&self.0);
        self.0.mark((self.0.status(), markup).into_response())
    }
}

/// An error raised by the JSON API: answered as RFC 9457 problem+json.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
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
