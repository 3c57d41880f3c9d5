//! The application's errors: what a use case answers when it does not succeed. The web maps
//! each to a status and a Japanese page or problem+json; nothing here knows HTTP.

use kasane_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Also the answer for another municipality's object and for personal data the caller
    /// has no basis for: no existence leak.
    #[error("お探しのページまたは記録は見つかりません")]
    NotFound,
    /// The caller may know the object exists but lacks the permission.
    #[error("{0}")]
    Forbidden(String),
    #[error("ログインが必要です")]
    Unauthorized,
    /// The session ended by its idle or absolute limit: the login page says which.
    #[error("ログインの有効期限が切れました")]
    SessionExpired(crate::admin::session::SessionEnd),
    /// A request the use case cannot read (not a field problem).
    #[error("{0}")]
    BadRequest(String),
    /// Field problems, each a sentence a worker can act on.
    #[error("入力内容を確認してください")]
    Validation(Vec<String>),
    /// Someone already did it, or a unique constraint refused the write.
    #[error("{0}")]
    Conflict(String),
    /// Too busy now: answered quickly so the worker can try again (503, `Retry-After`).
    #[error("ただいま混み合っています。少し待ってからもう一度お試しください")]
    Unavailable,
    /// Details are logged, never shown.
    #[error("システムエラーが発生しました。時間をおいてもう一度お試しください")]
    Internal,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// Whether the unit of work that raised it keeps what it recorded: a refusal (the
    /// denial's audit entry must stay) or a login failure (its counter and audit entry).
    /// Every other error undoes the whole use case.
    pub fn keeps_work(&self) -> bool {
        matches!(
            self,
            AppError::NotFound
                | AppError::Forbidden(_)
                | AppError::Unauthorized
                | AppError::SessionExpired(_)
        )
    }
}

/// A list's page number from a query: 1 when absent, 422 below 1 or beyond
/// [`kasane_domain::text::MAX_PAGE`] (an offset that cannot overflow).
pub fn page_number(page: Option<i64>) -> AppResult<i64> {
    kasane_domain::text::page_number(page).map_err(|e| AppError::Validation(vec![e]))
}

/// The 409 of a save made from a version someone has since replaced (minutes, an
/// assessment): nothing is overwritten; the page shows both versions to reconcile.
pub const STALE: &str = "他の職員が先に保存しました。最新の内容と見比べて、必要なら反映してからもう一度保存してください";

/// Field errors as the 422 every form and the API answer.
pub fn invalid<E: ToString>(errors: &[E]) -> AppError {
    AppError::Validation(errors.iter().map(ToString::to_string).collect())
}

/// A store error meaning someone already did it (the conditional update found nothing to
/// change, or the store refused a duplicate): 409 with the store's message, or `msg`.
pub fn already(msg: &'static str) -> impl Fn(StoreError) -> AppError {
    move |e| match e {
        StoreError::NotFound => AppError::Conflict(msg.into()),
        StoreError::Invalid(m) => AppError::Conflict(m),
        e => e.into(),
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            e @ StoreError::Conflict(_) => AppError::Conflict(e.to_string()),
            StoreError::Invalid(m) => AppError::BadRequest(m),
            StoreError::Busy => AppError::Unavailable,
            other => {
                // The store's errors carry no personal data (values are bound, not formatted).
                tracing::error!(error = %other, source = ?std::error::Error::source(&other), "store error");
                AppError::Internal
            }
        }
    }
}
