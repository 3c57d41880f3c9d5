//! The OpenAPI document, served at `/api/openapi.json`.

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::AppState;
use crate::api::{
    cases, consents, corrections, escalations, households, intake_list, intakes, match_reviews,
    meeting_corrections, meetings, outreach, persons, referrals, role_corrections, staff,
    support_logs, support_plans, v1, worklist,
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

/// The whole document: the foundation's paths and every resource module's, with the code
/// lists and the statuses every operation can answer (see [`complete`]).
pub fn document() -> Value {
    let mut doc = serde_json::to_value(paths()).unwrap_or_default();
    complete(&mut doc);
    doc
}

fn paths() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(persons::Doc::openapi());
    doc.merge(intakes::Doc::openapi());
    doc.merge(intake_list::Doc::openapi());
    doc.merge(referrals::Doc::openapi());
    doc.merge(households::Doc::openapi());
    doc.merge(corrections::Doc::openapi());
    doc.merge(meeting_corrections::Doc::openapi());
    doc.merge(role_corrections::Doc::openapi());
    doc.merge(escalations::Doc::openapi());
    doc.merge(support_logs::Doc::openapi());
    doc.merge(cases::Doc::openapi());
    doc.merge(consents::Doc::openapi());
    doc.merge(meetings::Doc::openapi());
    doc.merge(support_plans::Doc::openapi());
    doc.merge(worklist::Doc::openapi());
    doc.merge(staff::Doc::openapi());
    doc.merge(match_reviews::Doc::openapi());
    doc.merge(outreach::Doc::openapi());
    doc
}

pub fn router() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(|| async { Json(document()) }))
}

fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|&t| code(t)).collect()
}

/// Which properties hold a code, and the codes: each list is the domain enum's, so the
/// document cannot drift from what the handlers accept.
fn code_fields() -> Vec<(&'static [&'static str], &'static str, Vec<&'static str>)> {
    use kasane_domain::assessment::Risk;
    use kasane_domain::audit::AuditAction;
    use kasane_domain::case::{CaseStatus, ClosureReason};
    use kasane_domain::consent::ConsentMethod;
    use kasane_domain::correction::LeaveReason;
    use kasane_domain::household::Relationship;
    use kasane_domain::identity::Role;
    use kasane_domain::intake::{Channel, ConcernItem, ConsulterKind, Outcome, Urgency};
    use kasane_domain::meeting::MeetingKind;
    use kasane_domain::municipality::AgencyKind;
    use kasane_domain::outreach::{
        AccompanimentKind, ContactMethod, ContactOutcome, EngagementStage, InformantKind, WhomMet,
    };
    use kasane_domain::person::Sex;
    use kasane_domain::plan::Progress;
    use kasane_domain::referral::{Helpfulness, ReferralStatus};
    use kasane_domain::support_log::EntryKind;
    let intake: &[&str] = &[
        "IntakeRequest",
        "IntakeDetail",
        "IntakeCorrectionRequest",
        "IntakeListItem",
    ];
    vec![
        (intake, "channel", codes(&Channel::ALL, Channel::code)),
        (
            intake,
            "consulter_kind",
            codes(&ConsulterKind::ALL, ConsulterKind::code),
        ),
        (intake, "urgency", codes(&Urgency::ALL, Urgency::code)),
        (intake, "outcome", codes(&Outcome::ALL, Outcome::code)),
        (&["BasisLostInfo"], "source", vec!["role", "plan_action"]),
        (
            &["IntakeEscalation"],
            "previous_outcome",
            codes(&Outcome::ALL, Outcome::code),
        ),
        (
            intake,
            "most_pressing",
            codes(&ConcernItem::ALL, ConcernItem::code),
        ),
        (
            intake,
            "concerns",
            codes(&ConcernItem::ALL, ConcernItem::code),
        ),
        (&["AssessmentSheet"], "risks", codes(&Risk::ALL, Risk::code)),
        (
            &["MeetingRequest", "MeetingSummary"],
            "kind",
            codes(&MeetingKind::ALL, MeetingKind::code),
        ),
        (
            &["ConsentRequest", "ConsentInfo"],
            "meeting_kinds",
            codes(&MeetingKind::ALL, MeetingKind::code),
        ),
        (
            &["ConsentRequest", "ConsentInfo"],
            "method",
            codes(&ConsentMethod::ALL, ConsentMethod::code),
        ),
        (
            &["EntryRequest", "EditRequest", "EntryDetail", "VersionInfo"],
            "kind",
            codes(&EntryKind::ALL, EntryKind::code),
        ),
        (
            &[
                "HouseholdMemberRequest",
                "HouseholdMemberInfo",
                "MembershipInfo",
            ],
            "relationship",
            codes(&Relationship::ALL, Relationship::code),
        ),
        (
            &["PersonDraft", "PersonRecord"],
            "sex",
            codes(&Sex::ALL, Sex::code),
        ),
        (
            &["MonitoringEntryRequest", "EntryInfo"],
            "progress",
            codes(&Progress::ALL, Progress::code),
        ),
        (
            &[
                "ReferralInfo",
                "ReferralSheet",
                "ReferralEventInfo",
                "WorklistReferral",
            ],
            "status",
            codes(&ReferralStatus::ALL, ReferralStatus::code),
        ),
        (
            &["CompleteRequest"],
            "helped",
            codes(&Helpfulness::ALL, Helpfulness::code),
        ),
        (
            &["CaseEventRequest"],
            "to",
            codes(&CaseStatus::ALL, CaseStatus::code),
        ),
        (
            &["CaseEventRequest"],
            "reason",
            codes(&ClosureReason::ALL, ClosureReason::code),
        ),
        (
            &["MembershipEndRequest"],
            "reason",
            codes(&LeaveReason::ALL, LeaveReason::code),
        ),
        (
            &["HouseholdMemberInfo"],
            "left_reason",
            codes(&LeaveReason::ALL, LeaveReason::code),
        ),
        (
            &["AgencyInfo"],
            "kind",
            codes(&AgencyKind::ALL, |k| k.code()),
        ),
        (
            &["StaffInfo", "StaffRequest", "StaffChangeRequest"],
            "roles",
            codes(&Role::ALL, Role::code),
        ),
        (
            &["AuditEntryInfo"],
            "action",
            codes(&AuditAction::ALL, AuditAction::code),
        ),
        (
            &["OutreachRequest"],
            "informant_kind",
            codes(&InformantKind::ALL, InformantKind::code),
        ),
        (
            &["InformationNoteRequest"],
            "source_kind",
            codes(&InformantKind::ALL, InformantKind::code),
        ),
        (
            &["ContactAttemptRequest"],
            "method",
            codes(&ContactMethod::ALL, ContactMethod::code),
        ),
        (
            &["ContactAttemptRequest"],
            "met",
            codes(&WhomMet::ALL, WhomMet::code),
        ),
        (
            &["ContactAttemptRequest"],
            "outcome",
            codes(&ContactOutcome::ALL, ContactOutcome::code),
        ),
        (
            &["StageRequest"],
            "to",
            codes(&EngagementStage::ALL, EngagementStage::code),
        ),
        (
            &["AccompanimentRequest"],
            "kind",
            codes(&AccompanimentKind::ALL, AccompanimentKind::code),
        ),
    ]
}

/// Statuses any operation may answer beside its own: the login check (401), the access
/// rule (403: a role, or a basis that only reads), the busy
/// server (503) and a fault (500); with path parameters, 404; with parameters or a body,
/// 400 (a value that cannot be read, like an id beyond 64 bits) and 422; with a body, 413
/// (too large) and 415 (not JSON). Each is problem+json.
const COMMON: [(&str, &str); 4] = [
    ("401", "ログインしていないか、トークンが無効です"),
    (
        "403",
        "この操作の権限がありません(役割、または閲覧のみの根拠)",
    ),
    ("503", "混み合っています(Retry-After の秒数の後にもう一度)"),
    ("500", "システムエラー"),
];

/// Adds the code lists ([`code_fields`]) and the statuses every operation can answer.
fn complete(doc: &mut Value) {
    for (schemas, property, list) in code_fields() {
        for schema in schemas {
            let Some(p) = doc.pointer_mut(&format!(
                "/components/schemas/{schema}/properties/{property}"
            )) else {
                continue;
            };
            let target = if p.get("type") == Some(&json!("array")) {
                &mut p["items"]
            } else {
                p
            };
            let mut values: Vec<Value> = list.iter().map(|c| json!(c)).collect();
            // An absent code (null) or an empty one (a form's unset field) stays allowed
            // where the field allows it.
            if target["type"]
                .as_array()
                .is_some_and(|t| t.contains(&json!("null")))
            {
                values.push(Value::Null);
            }
            target["enum"] = Value::Array(values);
        }
    }
    let problem = json!({ "application/problem+json": {
        "schema": { "$ref": "#/components/schemas/Problem" } } });
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for op in item.values_mut() {
            let has_body = op.get("requestBody").is_some();
            let has_params = op["parameters"].as_array().is_some_and(|p| !p.is_empty());
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            let mut add = |status: &str, description: &str| {
                responses.entry(status).or_insert_with(
                    || json!({ "description": description, "content": problem.clone() }),
                );
            };
            for (status, description) in COMMON {
                add(status, description);
            }
            if path.contains('{') {
                add(
                    "404",
                    "見つかりません(他の自治体の記録、根拠のない個人の記録を含む)",
                );
            }
            if has_params || has_body {
                add("400", "URL の値または送信内容を読み取れません");
                add("422", "入力内容に誤りがあります");
            }
            if has_body {
                add("413", "送信内容が大きすぎます");
                add("415", "JSON で送信してください");
            }
        }
    }
}
