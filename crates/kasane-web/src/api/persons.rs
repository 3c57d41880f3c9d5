//! `/api/v1`: persons (step 2) — search, the person as the access rule lets the caller see
//! them, the timeline, and 名寄せ links. Every read goes through `guard::person_access` (or
//! the search's SQL twin of the rule) and is audited with its basis.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use kasane_app::consultation::person::{
    PAGE_SIZE, PersonRead, Shown, link_records, read_person, search as search_persons,
    split_records,
};
use kasane_app::timeline::person_timeline;
use kasane_domain::person_search::address_area;
use kasane_store::person::Person;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::api::{Body, created};
use crate::http::auth::Api;
use crate::http::error::{ApiError, Problem};
use crate::http::work::Work;
use crate::ui::search::SearchQuery;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/persons", get(search))
        .route("/persons/{id}", get(person))
        .route("/persons/{id}/timeline", get(timeline))
        .route("/persons/{id}/links", post(link))
        .route(
            "/persons/{id}/links/{other_id}",
            axum::routing::delete(split),
        )
}

/// A person in a search result.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonSummary {
    pub id: i64,
    pub name: String,
    pub furigana: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub district_code: Option<String>,
    /// The address up to the 町名 (no 丁目・番地), to tell namesakes apart.
    pub address_area: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl From<Person> for PersonSummary {
    fn from(p: Person) -> Self {
        PersonSummary {
            id: p.id,
            name: p.name,
            furigana: p.furigana,
            birth_date: p.birth_date,
            district_code: p.district_code,
            address_area: address_area(&p.address),
            updated_at: p.updated_at,
        }
    }
}

/// One page of search results: only persons the caller may see.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonSearchPage {
    /// Whether another page follows (the matches are not counted: a count costs as much
    /// as the whole search).
    pub has_more: bool,
    pub page: i64,
    pub page_size: i64,
    pub persons: Vec<PersonSummary>,
}

/// A household membership of the person (current and past).
#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipInfo {
    pub household_id: i64,
    /// 続柄 code: head, spouse, child, parent, …
    pub relationship: String,
    pub is_head: bool,
    pub is_carer: bool,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
}

/// A record linked to the person in 名寄せ (it stays; it points at this one).
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkedRecord {
    pub id: i64,
    pub name: String,
    pub furigana: Option<String>,
    pub birth_date: Option<NaiveDate>,
}

/// The fields beyond the つなぐシート: present for the `full` and `read_only` views.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonRecord {
    pub furigana: Option<String>,
    /// male, female, other
    pub sex: Option<String>,
    pub address: String,
    pub district_code: Option<String>,
    pub note: String,
    /// 住民宛名番号 / 住登外宛名番号
    pub external_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The record's version: a correction (`PUT`) names it; an older one gets 409.
    pub version: i32,
    pub households: Vec<MembershipInfo>,
    pub linked_records: Vec<LinkedRecord>,
}

/// A person as the caller may see them. `id` is the canonical record of the person's
/// 名寄せ group (asking for a linked record answers its canonical one).
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonDetail {
    pub id: i64,
    /// full, referral_sheet (a つなぎ not yet accepted), read_only
    pub view: String,
    /// The access basis: involvement, referral_pending, consent, support_meeting,
    /// coordination, emergency.
    pub basis: String,
    pub name: String,
    pub birth_date: Option<NaiveDate>,
    pub phone: Option<String>,
    /// `referral_sheet` view only: the referrals waiting for the caller's agency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_referral_ids: Option<Vec<i64>>,
    /// Absent for the `referral_sheet` view.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<PersonRecord>,
}

/// One item of a person's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    /// intake, referral, support_log
    pub source: String,
    pub record_id: i64,
    /// 相談受付, つなぎ, 支援経過
    pub label: String,
    pub agency: String,
    pub text: String,
}

/// A person's timeline: intakes, referrals and support log entries, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonTimeline {
    pub person_id: i64,
    pub items: Vec<TimelineEntry>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LinkRequest {
    /// The record found to be the same person.
    pub other_id: i64,
    #[serde(default)]
    pub reason: String,
    /// The two records (or records of their groups) were split before, i.e. judged to be
    /// different persons: such a link is refused with 409 unless this is `true`.
    #[serde(default)]
    pub confirm_distinct: bool,
}

/// The person's 名寄せ group after a link.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkResult {
    pub person_id: i64,
    pub linked_ids: Vec<i64>,
}

/// Persons the caller may see, matching every given part (name part: the start of the family or given name, 漢字 or カナ,
/// variant-tolerant). 50 a page, newest first.
#[utoipa::path(get, path = "/api/v1/persons", tag = "persons",
    params(SearchQuery),
    responses((status = 200, body = PersonSearchPage),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn search(
    Work(state): Work,
    Api(ctx): Api,
    Query(q): Query<SearchQuery>,
) -> Result<Json<PersonSearchPage>, ApiError> {
    let (persons, has_more) = search_persons(&state, &ctx, q.criteria())
        .await?
        .unwrap_or_default();
    Ok(Json(PersonSearchPage {
        has_more,
        page: kasane_app::page_number(q.page)?,
        page_size: PAGE_SIZE,
        persons: persons.into_iter().map(PersonSummary::from).collect(),
    }))
}

/// A person. With a つなぎ not yet accepted (`referral_sheet` view) only name, birth date,
/// phone and the waiting referrals; 404 without any basis, or for another municipality.
#[utoipa::path(get, path = "/api/v1/persons/{id}", tag = "persons",
    params(("id" = i64, Path, description = "person id")),
    responses((status = 200, body = PersonDetail),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn person(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<PersonDetail>, ApiError> {
    let PersonRead { access, shown } = read_person(&state, &ctx, id).await?;
    let (person, grant) = (access.person, access.grant);
    let (pending_referral_ids, record) = match shown {
        Shown::Sheet { pending } => (Some(pending.into_iter().map(|r| r.id).collect()), None),
        Shown::Record {
            memberships,
            linked,
        } => {
            let households = memberships
                .into_iter()
                .map(|m| MembershipInfo {
                    household_id: m.household_id,
                    relationship: m.relationship,
                    is_head: m.is_head,
                    is_carer: m.is_carer,
                    joined_on: m.joined_on,
                    left_on: m.left_on,
                })
                .collect();
            let linked_records = linked
                .into_iter()
                .map(|l| LinkedRecord {
                    id: l.id,
                    name: l.name,
                    furigana: l.furigana,
                    birth_date: l.birth_date,
                })
                .collect();
            let record = PersonRecord {
                furigana: person.furigana.clone(),
                sex: person.sex.clone(),
                address: person.address.clone(),
                district_code: person.district_code.clone(),
                note: person.note.clone(),
                external_id: person.external_id.clone(),
                created_at: person.created_at,
                updated_at: person.updated_at,
                version: person.version,
                households,
                linked_records,
            };
            (None, Some(record))
        }
    };
    Ok(Json(PersonDetail {
        id: person.id,
        view: grant.view().code().to_string(),
        basis: grant.basis().code().to_string(),
        name: person.name,
        birth_date: person.birth_date,
        phone: person.phone,
        pending_referral_ids,
        record,
    }))
}

/// The person's timeline. Not part of the つなぐシート: 404 for the `referral_sheet` view.
#[utoipa::path(get, path = "/api/v1/persons/{id}/timeline", tag = "persons",
    params(("id" = i64, Path, description = "person id")),
    responses((status = 200, body = PersonTimeline),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn timeline(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
) -> Result<Json<PersonTimeline>, ApiError> {
    let (access, t) = person_timeline(&state, &ctx, id).await?;
    Ok(Json(PersonTimeline {
        person_id: access.person.id,
        items: t
            .0
            .into_iter()
            .map(|i| TimelineEntry {
                at: i.at,
                source: i.source.to_string(),
                record_id: i.record_id,
                label: i.kind.to_string(),
                agency: i.agency,
                text: i.text,
            })
            .collect(),
    }))
}

/// Links another record (and its group) to this person: 名寄せ by the coordinator. Both
/// records stay; the link is audited and can be undone. A pair split before answers 409
/// until `confirm_distinct` is `true`.
#[utoipa::path(post, path = "/api/v1/persons/{id}/links", tag = "persons",
    params(("id" = i64, Path, description = "person id")),
    request_body = LinkRequest,
    responses((status = 201, body = LinkResult),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn link(
    Work(state): Work,
    Api(ctx): Api,
    Path(id): Path<i64>,
    Body(req): Body<LinkRequest>,
) -> Result<Response, ApiError> {
    let (canonical, linked) = link_records(
        &state,
        &ctx,
        id,
        Some(req.other_id),
        &req.reason,
        req.confirm_distinct,
    )
    .await?;
    let linked_ids = linked.into_iter().map(|p| p.id).collect();
    Ok(created(LinkResult {
        person_id: canonical,
        linked_ids,
    }))
}

/// Undoes a link (split): both records stand alone again and are never proposed as a
/// match again (coordinator).
#[utoipa::path(delete, path = "/api/v1/persons/{id}/links/{other_id}", tag = "persons",
    params(("id" = i64, Path, description = "person id"),
        ("other_id" = i64, Path, description = "the linked record")),
    responses((status = 204, description = "split"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("token" = []), ("session" = [])))]
pub async fn split(
    Work(state): Work,
    Api(ctx): Api,
    Path((id, other_id)): Path<(i64, i64)>,
) -> Result<Response, ApiError> {
    split_records(&state, &ctx, id, other_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(OpenApi)]
#[openapi(
    paths(search, person, timeline, link, split),
    components(schemas(PersonSummary, PersonSearchPage, PersonDetail, PersonRecord,
        MembershipInfo, LinkedRecord, PersonTimeline, TimelineEntry, LinkRequest, LinkResult)),
    tags((name = "persons", description = "本人の検索・閲覧・経過・名寄せ"))
)]
pub struct Doc;
