//! The OpenAPI document, served at `/api/openapi.json`.

use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::AppState;
use crate::api::{
    cases, consents, households, intakes, meetings, persons, referrals, support_logs,
    support_plans, v1, worklist,
};
use crate::http::error::Problem;

#[derive(OpenApi)]
#[openapi(
    info(title = "kasane API", description = "重層的支援体制整備事業 支援記録システム kasane の JSON API"),
    paths(v1::me, v1::municipality, v1::agencies, v1::agency, v1::audit),
    components(schemas(Problem, v1::Me, v1::UserInfo, v1::MunicipalityInfo, v1::MunicipalityDetail,
        v1::AgencyInfo, v1::DistrictInfo, v1::AuditPage, v1::AuditEntryInfo)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "identity", description = "ログイン中の職員"),
        (name = "municipality", description = "自治体・相談支援機関・地区"),
        (name = "audit", description = "監査ログ(監査担当のみ)"),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("個人用アクセストークン(kasane user token で発行)"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("kasane_session"))),
        );
    }
}

/// The whole document: the foundation's paths and every resource module's.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(persons::Doc::openapi());
    doc.merge(intakes::Doc::openapi());
    doc.merge(referrals::Doc::openapi());
    doc.merge(households::Doc::openapi());
    doc.merge(support_logs::Doc::openapi());
    doc.merge(cases::Doc::openapi());
    doc.merge(consents::Doc::openapi());
    doc.merge(meetings::Doc::openapi());
    doc.merge(support_plans::Doc::openapi());
    doc.merge(worklist::Doc::openapi());
    doc
}

pub fn router() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(|| async { Json(document()) }))
}
