//! kasane's web layer: server-rendered Japanese pages (`pages`, on the `ui` kit), the JSON
//! API (`api`), and the plumbing both share (`http`: errors, authentication, CSRF,
//! security headers, the request's unit of work).
//!
//! Handlers stay thin: authenticate (`http::auth`), call the application (`kasane_app`,
//! whose guard decides and audits), render or serialise. Pages and API never import each
//! other (tested).

use std::time::Duration;

use axum::Router;
use kasane_app::App;
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub mod api;
pub mod http;
pub mod pages;
pub mod ui;

/// How long a login lasts.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// A session unused this long ends (idle expiry).
    pub session_idle: Duration,
    /// A session ends this long after login, however active (absolute expiry).
    pub session_absolute: Duration,
    /// Mark cookies `Secure` (set when kasane is served over TLS, directly or behind a
    /// terminating proxy).
    pub secure_cookies: bool,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            session_idle: Duration::from_secs(30 * 60),
            session_absolute: Duration::from_secs(10 * 60 * 60),
            secure_cookies: false,
        }
    }
}

/// What every handler can reach: the application (inside a request, bound to that
/// request's unit of work — see `http::work`) and the login settings.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub settings: WebSettings,
}

impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.app
    }
}

/// The whole application: pages, API, assets, and the layers around them.
pub fn app(state: AppState) -> Router {
    use axum::middleware::from_fn_with_state;
    use http::admission::{Admission, admit};
    let work = from_fn_with_state(state.clone(), http::work::unit_of_work);
    // Admitted before a unit of work begins: a refused request costs no connection.
    let admission = Admission::new(state.app.capacity());
    let admit_page = from_fn_with_state(admission.clone(), admit::<http::error::PageError>);
    Router::new()
        .merge(
            pages::router()
                .layer(work.clone())
                .layer(admit_page.clone())
                .layer(axum::middleware::from_fn(http::auth::return_after_login)),
        )
        .merge(pages::own_units_router().layer(admit_page))
        .nest(
            "/api/v1",
            api::router().layer(work).layer(from_fn_with_state(
                admission,
                admit::<http::error::ApiError>,
            )),
        )
        .merge(pages::open_router())
        .merge(api::openapi::router())
        .layer(axum::middleware::from_fn(http::input::refuse_control_chars))
        .layer(axum::middleware::from_fn(http::input::answer_rejections))
        .layer(axum::middleware::from_fn(
            http::middleware::security_headers,
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(http::middleware::request_span))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Serves `app` on `listener` until Ctrl-C / SIGTERM.
pub async fn serve(listener: TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        // If the handler cannot be installed there is nothing to wait for.
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
