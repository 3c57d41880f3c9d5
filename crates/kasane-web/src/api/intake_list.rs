//! `/api/v1`: the list of 相談受付 the caller may open (the access rule's SQL twin on each
//! intake's person), filtered and paginated, and its exports (CSV in UTF-8 or CP932,
//! XLSX), each audited as an export. The same use cases as the 相談受付一覧 page.

use axum::extract::Query;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use kasane_app::consultation::intake_list::{
    ExportFormat, PAGE_SIZE, export_intakes, list_intakes,
};
use kasane_store::intake_list::IntakeLine;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::http::auth::Api;
use crate::http::download::attachment;
use crate::http::error::{ApiError, Problem};
use crate::http::work::Work;
use crate::ui::intake_list::{EncodingQuery, IntakeListQuery};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/intakes", get(list))
        .route("/intakes/export.csv", get(export_csv))
        .route("/intakes/export.xlsx", get(export_xlsx))
}

/// An intake in the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntakeListItem {
    pub id: i64,
    /// The canonical record of the person's 名寄せ group.
    pub person_id: i64,
    pub person_name: String,
    pub person_furigana: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub received_at: DateTime<Utc>,
    pub receiving_agency_id: i64,
    pub receiving_agency_name: String,
    pub channel: String,
    pub urgency: String,
    pub outcome: String,
    /// The consent to share given at the intake (not the formal 本人同意).
    pub consent_to_share: bool,
    /// Issue codes of the municipality's taxonomy.
    pub issues: Vec<String>,
}

impl From<IntakeLine> for IntakeListItem {
    fn from(r: IntakeLine) -> Self {
        IntakeListItem {
            id: r.id,
            person_id: r.person_id,
            person_name: r.person_name,
            person_furigana: r.person_furigana,
            birth_date: r.birth_date,
            received_at: r.received_at,
            receiving_agency_id: r.receiving_agency_id,
            receiving_agency_name: r.receiving_agency_name,
            channel: r.channel.code().to_string(),
            urgency: r.urgency.code().to_string(),
            outcome: r.outcome.code().to_string(),
            consent_to_share: r.consent_to_share,
            issues: r.issues,
        }
    }
}

/// One page of the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntakeListPage {
    /// Whether another page follows (nothing is counted).
    pub has_more: bool,
    pub page: i64,
    pub page_size: i64,
    pub intakes: Vec<IntakeListItem>,
}

/// The intakes the caller may open (never one whose record would be refused), newest
/// first, 50 a page; empty for roles that see no person data.
#[utoipa::path(get, path = "/api/v1/intakes", tag = "intakes",
    params(IntakeListQuery),
    responses((status = 200, body = IntakeListPage),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn list(
    Work(state): Work,
    Api(ctx): Api,
    Query(q): Query<IntakeListQuery>,
) -> Result<Json<IntakeListPage>, ApiError> {
    let found = list_intakes(&state, &ctx, q.criteria()).await?;
    let (intakes, has_more, page) = match found {
        Some(l) => (l.rows, l.more, l.page),
        None => (Vec::new(), false, kasane_app::page_number(q.page)?),
    };
    Ok(Json(IntakeListPage {
        has_more,
        page,
        page_size: PAGE_SIZE,
        intakes: intakes.into_iter().map(IntakeListItem::from).collect(),
    }))
}

/// The filtered list (every page, at most 10,000 rows) as CSV with Japanese headers and
/// 和暦 dates: UTF-8 with a BOM, or `encoding=cp932` (Shift_JIS). Audited as an export;
/// rows of persons seen on a read-only basis are left out. 403 for roles that see no
/// person data.
#[utoipa::path(get, path = "/api/v1/intakes/export.csv", tag = "intakes",
    params(IntakeListQuery, EncodingQuery),
    responses(
        (status = 200, description = "CSV(Content-Disposition: attachment; filename*=UTF-8''…)",
            content((String = "text/csv"))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn export_csv(
    Work(state): Work,
    Api(ctx): Api,
    Query(q): Query<IntakeListQuery>,
    Query(e): Query<EncodingQuery>,
) -> Result<Response, ApiError> {
    let format = ExportFormat::csv(&e.encoding)?;
    Ok(attachment(
        export_intakes(&state, &ctx, q.criteria(), format).await?,
    ))
}

/// The filtered list as an Excel workbook (XLSX), like the CSV export.
#[utoipa::path(get, path = "/api/v1/intakes/export.xlsx", tag = "intakes",
    params(IntakeListQuery),
    responses(
        (status = 200, description = "XLSX(Content-Disposition: attachment; filename*=UTF-8''…)",
            content((String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn export_xlsx(
    Work(state): Work,
    Api(ctx): Api,
    Query(q): Query<IntakeListQuery>,
) -> Result<Response, ApiError> {
    Ok(attachment(
        export_intakes(&state, &ctx, q.criteria(), ExportFormat::Xlsx).await?,
    ))
}

#[derive(OpenApi)]
#[openapi(
    paths(list, export_csv, export_xlsx),
    components(schemas(IntakeListItem, IntakeListPage))
)]
pub struct Doc;
