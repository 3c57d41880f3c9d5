//! Pages: persons — search, the person page with its timeline, and 名寄せ links.

use axum::Router;
use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use kasane_domain::access::{Action, View};
use kasane_domain::identity::Role;
use kasane_domain::name::{kana_key, match_key};
use kasane_domain::wareki::{format_wareki, parse_date};
use kasane_store::person::{Person, PersonSearch};
use maud::{Markup, html};
use serde::Deserialize;

use crate::AppState;
use crate::http::auth::{Ctx, Page};
use crate::http::error::{AppError, PageError};
use crate::http::work::Work;
use crate::pages::timeline::{Timeline, timeline_table};
use crate::ui::fmt::{age_label, jst};
use crate::ui::layout::{empty, page};
use kasane_app::guard::{Object, PersonAccess, person_access, record, record_list, viewer};

pub const PAGE_SIZE: i64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/persons", get(search_page))
        .route("/persons/{id}", get(person_page))
        .route("/persons/{id}/link", post(link))
        .route("/persons/{id}/split", post(split))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// 氏名 (漢字 or カナ, partial, variant-tolerant)
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub phone: String,
    /// ISO or 和暦 (S47.3.5)
    #[serde(default)]
    pub birth_date: String,
    #[serde(default)]
    pub address: String,
    /// district code
    #[serde(default)]
    pub district: String,
    /// 1-based, 50 persons a page
    pub page: Option<i64>,
}

impl SearchQuery {
    pub fn is_empty(&self) -> bool {
        [
            &self.q,
            &self.phone,
            &self.birth_date,
            &self.address,
            &self.district,
        ]
        .iter()
        .all(|s| s.trim().is_empty())
    }

    /// The store search, or the input problems.
    pub fn to_search(&self, limit: i64) -> Result<PersonSearch, Vec<String>> {
        let text = |s: &str| Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_string);
        let birth_date = match text(&self.birth_date) {
            None => None,
            Some(s) => Some(parse_date(&s).map_err(|e| vec![format!("生年月日: {e}")])?),
        };
        let digits: String = self
            .phone
            .chars()
            .filter_map(|c| c.to_digit(10))
            .map(|d| char::from(b'0' + d as u8))
            .collect();
        Ok(PersonSearch {
            name_key: text(&self.q).map(|q| match_key(&q)),
            kana_key: text(&self.q).map(|q| kana_key(&q)),
            phone_digits: Some(digits).filter(|d| !d.is_empty()),
            birth_date,
            address: text(&self.address),
            district_code: text(&self.district),
            limit,
            offset: (self.page.unwrap_or(1).max(1) - 1) * limit,
        })
    }
}

/// 令和元年5月1日(52歳) — or a dash when unknown.
pub fn birth_label(p: &Person, today: NaiveDate) -> String {
    p.birth_date
        .map(|d| format!("{}({})", format_wareki(d), age_label(d, today)))
        .unwrap_or_else(|| "—".to_string())
}

/// Searches the persons the caller may see (the access rule's SQL twin filters in the
/// database), audited. `None` for a caller whose roles see no person data; input problems
/// are `AppError::Validation`.
pub async fn search(
    state: &AppState,
    ctx: &Ctx,
    q: &SearchQuery,
) -> Result<Option<(Vec<Person>, i64)>, AppError> {
    if !kasane_domain::access::may_see_person_data(&ctx.actor) {
        return Ok(None);
    }
    let s = q.to_search(PAGE_SIZE).map_err(AppError::Validation)?;
    let viewer = viewer(state, ctx);
    let found = state.store.search_persons(viewer, &s).await?;
    record_list(state, ctx, "person_search").await?;
    Ok(Some(found))
}

async fn search_page(
    Work(state): Work,
    Page(ctx): Page,
    Query(q): Query<SearchQuery>,
) -> Result<Markup, PageError> {
    let districts = state.store.districts(ctx.municipality.id).await?;
    let (results, problems) = if q.is_empty() {
        (None, Vec::new())
    } else {
        match search(&state, &ctx, &q).await {
            Ok(found) => (found, Vec::new()),
            Err(AppError::Validation(p)) => (None, p),
            Err(e) => return Err(e.into()),
        }
    };
    let body = html! {
        form.filters method="get" action="/persons" role="search" {
            label { "氏名・フリガナ" input type="search" name="q" value=(q.q) autofocus; }
            label { "電話番号" input type="text" name="phone" value=(q.phone) inputmode="tel"; }
            label { "生年月日" input type="text" name="birth_date" value=(q.birth_date) placeholder="S47.3.5"; }
            label { "住所" input type="text" name="address" value=(q.address); }
            label { "地区"
                select name="district" {
                    option value="" { "すべて" }
                    @for d in &districts { option value=(d.code) selected[q.district == d.code] { (d.name) } }
                }
            }
            button type="submit" { "検索" }
        }
        p { a.button href="/intakes/new" { "新しい相談を受け付ける" } }
        @if !problems.is_empty() { ul.errors role="alert" { @for p in &problems { li { (p) } } } }
        @match &results {
            None => @if problems.is_empty() { (empty("氏名(漢字・カナ、一部でも可)、電話番号、生年月日、住所、地区で検索できます。表記ゆれ(斎藤/齋藤、全角/半角)も見つかります。")) },
            Some((rows, total)) => {
                p { (total) "件" }
                @if rows.is_empty() {
                    (empty("該当する方は見つかりません(閲覧できる方のみ表示しています)。"))
                } @else {
                    table {
                        thead { tr { th { "氏名" } th { "フリガナ" } th { "生年月日" } th { "地区" } th { "更新" } } }
                        tbody {
                            @for p in rows {
                                tr {
                                    td { a href={ "/persons/" (p.id) } { (p.name) } }
                                    td { (p.furigana.as_deref().unwrap_or("")) }
                                    td { (birth_label(p, ctx.today)) }
                                    td { (district_name(&districts, p.district_code.as_deref())) }
                                    td { (jst(p.updated_at)) }
                                }
                            }
                        }
                    }
                    (pager(&q, *total))
                }
            }
        }
    };
    Ok(page(&ctx, "本人を探す", "/consultation", body))
}

fn pager(q: &SearchQuery, total: i64) -> Markup {
    let page_no = q.page.unwrap_or(1).max(1);
    let pages = (total + PAGE_SIZE - 1) / PAGE_SIZE;
    let link = |p: i64| {
        let qs = serde_urlencoded::to_string([
            ("q", q.q.as_str()),
            ("phone", q.phone.as_str()),
            ("birth_date", q.birth_date.as_str()),
            ("address", q.address.as_str()),
            ("district", q.district.as_str()),
        ])
        .unwrap_or_default();
        format!("/persons?{qs}&page={p}")
    };
    html! {
        nav.pager aria-label="ページ" {
            @if page_no > 1 { a href=(link(page_no - 1)) { "前へ" } }
            @if pages > 1 { span { (page_no) " / " (pages) } }
            @if page_no < pages { a href=(link(page_no + 1)) { "次へ" } }
        }
    }
}

pub fn district_name<'a>(
    districts: &'a [kasane_store::municipality::District],
    code: Option<&'a str>,
) -> &'a str {
    match code {
        Some(c) => districts
            .iter()
            .find(|d| d.code == c)
            .map_or(c, |d| d.name.as_str()),
        None => "",
    }
}

async fn person_page(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    Ok(render_person(&state, &ctx, id, None).await?)
}

/// A link the coordinator asked for that needs confirming (the pair was split before):
/// the person page shows it again with what was typed and the confirmation checkbox.
struct LinkRetry<'a> {
    other: i64,
    reason: &'a str,
    message: String,
}

async fn render_person(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    retry: Option<&LinkRetry<'_>>,
) -> Result<Response, AppError> {
    let PersonAccess { person, grant } = person_access(state, ctx, Action::Read, id).await?;
    if person.id != id {
        // A linked record: its canonical page shows the whole group.
        return Ok(Redirect::to(&format!("/persons/{}", person.id)).into_response());
    }
    if grant.view() == View::ReferralSheet {
        return Ok(referral_sheet_only(state, ctx, &person)
            .await?
            .into_response());
    }
    let districts = state.store.districts(ctx.municipality.id).await?;
    let timeline = Timeline::of_person(state, person.id).await?;
    let memberships = state.store.memberships_of(person.id).await?;
    let linked = state.store.linked_persons(person.id).await?;
    let agencies = state.store.agencies(ctx.municipality.id).await?;
    let writable = grant.view() == View::Full;
    let coordinator = ctx.actor.has(Role::Coordinator);
    let collaboration = crate::pages::cases::person_section(state, ctx, &person, grant).await?;
    let body = html! {
        p.muted { "閲覧の根拠: " (grant.basis().label()) "(" (grant.view().label()) ")" }
        section.card {
            h2 { "基本情報" }
            dl.facts {
                dt { "氏名" } dd { (person.name) }
                dt { "フリガナ" } dd { (person.furigana.as_deref().unwrap_or("")) }
                dt { "生年月日" } dd { (birth_label(&person, ctx.today)) }
                dt { "性別" } dd { (person.sex.as_deref().and_then(|s| s.parse::<kasane_domain::person::Sex>().ok()).map_or("", |s| s.label())) }
                dt { "住所" } dd { (person.address) }
                dt { "地区" } dd { (district_name(&districts, person.district_code.as_deref())) }
                dt { "電話" } dd { (person.phone.as_deref().unwrap_or("")) }
                dt { "住民宛名番号" } dd { (person.external_id.as_deref().unwrap_or("")) }
                dt { "備考" } dd { (person.note) }
            }
        }
        @if writable {
            section.card.actions {
                a.button href={ "/intakes/new?person_id=" (person.id) } { "この方の相談を受け付ける" }
                " "
                a.button href={ "/persons/" (person.id) "#refer" } { "つなぐ" }
                " "
                a.button href={ "/persons/" (person.id) "#log" } { "支援経過を記録" }
            }
        }
        section.card {
            h2 { "世帯" }
            @if memberships.is_empty() { (empty("世帯は登録されていません。")) }
            @else {
                table {
                    thead { tr { th { "世帯" } th { "続柄" } th { "期間" } } }
                    tbody {
                        @for m in &memberships {
                            tr {
                                td { a href={ "/households/" (m.household_id) } { "世帯 #" (m.household_id) } @if m.is_head { " (世帯主)" } }
                                td { (m.relationship.parse::<kasane_domain::household::Relationship>().map_or(m.relationship.as_str(), |r| r.label())) }
                                td { (format_wareki(m.joined_on)) "〜" @if let Some(l) = m.left_on { (format_wareki(l)) } }
                            }
                        }
                    }
                }
            }
        }
        section.card {
            h2 { "経過(相談・つなぎ・支援経過)" }
            (timeline_table(&timeline))
        }
        (collaboration)
        @if !linked.is_empty() || coordinator {
            section.card {
                h2 { "名寄せ(同一人物として結び付けた記録)" }
                @if linked.is_empty() { (empty("結び付けた記録はありません。")) }
                ul {
                    @for l in &linked {
                        li {
                            (l.name) " " (l.furigana.as_deref().unwrap_or("")) " " (birth_label(l, ctx.today)) " — 記録 #" (l.id)
                            @if coordinator && writable {
                                form.inline method="post" action={ "/persons/" (person.id) "/split" } {
                                    input type="hidden" name="csrf" value=(ctx.csrf_token());
                                    input type="hidden" name="other" value=(l.id);
                                    button type="submit" { "結び付けを解除(分離)" }
                                }
                            }
                        }
                    }
                }
                @if coordinator && writable {
                    @if let Some(r) = retry {
                        ul.errors role="alert" { li { (r.message) } }
                    }
                    form.inline #link method="post" action={ "/persons/" (person.id) "/link" } {
                        input type="hidden" name="csrf" value=(ctx.csrf_token());
                        label { "同一人物の記録番号 " input type="number" name="other" value=[retry.map(|r| r.other)] required; }
                        label { " 理由 " input type="text" name="reason" value=[retry.map(|r| r.reason)]; }
                        @if retry.is_some() {
                            label.check {
                                input type="checkbox" name="confirm_distinct" value="1" required autofocus;
                                " 以前に別人として解除したことを確認のうえ、同一人物として結び付ける"
                            }
                        }
                        button type="submit" { "この方に結び付ける" }
                    }
                }
            }
        }
        @if writable {
            (crate::pages::referrals::refer_form(ctx, person.id, &agencies))
            (crate::pages::support_logs::entry_form(ctx, Some(person.id), None))
        }
    };
    let status = if retry.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    Ok((status, page(ctx, &person.name, "/consultation", body)).into_response())
}

/// The referrals about a person waiting for the caller's agency to accept or decline them:
/// all a つなぎ受信 (referral_pending) view shows besides the sheet items.
pub async fn pending_referrals_to(
    state: &AppState,
    ctx: &Ctx,
    canonical_id: i64,
) -> Result<Vec<kasane_store::referral::Referral>, AppError> {
    Ok(state
        .store
        .referrals_of(canonical_id)
        .await?
        .into_iter()
        .filter(|r| r.to_agency_id == ctx.agency.id && r.status == "sent")
        .collect())
}

/// What an agency sees of a person whose referral it has not yet accepted.
async fn referral_sheet_only(
    state: &AppState,
    ctx: &Ctx,
    person: &Person,
) -> Result<Markup, AppError> {
    let pending = pending_referrals_to(state, ctx, person.id).await?;
    let body = html! {
        p.muted { "つなぎを受理するまでは、つなぐシートの項目のみ閲覧できます。" }
        ul { @for r in &pending { li { a href={ "/referrals/" (r.id) } { (r.from_agency_name) "からのつなぎ(" (jst(r.sent_at)) ")" } } } }
    };
    Ok(page(ctx, &person.name, "/consultation", body))
}

/// The answer to a link of a pair split before, until the caller confirms it.
pub const SPLIT_BEFORE: &str =
    "この2件は以前に別人として解除されています。もう一度結び付けるには確認してください。";

/// Links record `other` (with its group) to person `id`'s canonical record (coordinator;
/// both records stay). A pair split before is refused (`Conflict`, [`SPLIT_BEFORE`])
/// unless `confirm_distinct`. Returns the canonical id.
pub async fn link_records(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    other: i64,
    reason: &str,
    confirm_distinct: bool,
) -> Result<i64, AppError> {
    require_coordinator(ctx)?;
    let this = person_access(state, ctx, Action::Update, id).await?;
    let other = person_access(state, ctx, Action::Update, other).await?;
    if this.person.id == other.person.id {
        return Err(AppError::BadRequest(
            "すでに同じ本人として結び付いています".into(),
        ));
    }
    let relink = state
        .store
        .split_before(this.person.id, other.person.id)
        .await?;
    if relink && !confirm_distinct {
        return Err(AppError::Conflict(SPLIT_BEFORE.into()));
    }
    let reason = reason.trim();
    let audited_reason = if relink {
        format!("以前に別人として解除した記録を確認のうえ再結合: {reason}")
    } else {
        reason.to_string()
    };
    state
        .store
        .link_persons(
            ctx.municipality.id,
            this.person.id,
            other.person.id,
            ctx.user.id,
            reason,
        )
        .await?;
    let oid = format!("{}+{}", this.person.id, other.person.id);
    record(
        state,
        ctx,
        &this.grant,
        kasane_domain::audit::AuditAction::Update,
        Object {
            kind: "person_link",
            id: &oid,
        },
        &audited_reason,
    )
    .await?;
    Ok(this.person.id)
}

/// Undoes a link between person `id`'s canonical record and `other`: both stand alone
/// again and are never proposed again (coordinator). Returns the canonical id.
pub async fn split_records(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    other: i64,
) -> Result<i64, AppError> {
    require_coordinator(ctx)?;
    let this = person_access(state, ctx, Action::Update, id).await?;
    state
        .store
        .split_persons(ctx.municipality.id, this.person.id, other, ctx.user.id)
        .await?;
    let oid = format!("{}-{}", this.person.id, other);
    record(
        state,
        ctx,
        &this.grant,
        kasane_domain::audit::AuditAction::Update,
        Object {
            kind: "person_split",
            id: &oid,
        },
        "",
    )
    .await?;
    Ok(this.person.id)
}

#[derive(Deserialize)]
struct LinkForm {
    csrf: String,
    other: i64,
    #[serde(default)]
    reason: String,
    /// The checkbox shown when the pair was split before.
    #[serde(default)]
    confirm_distinct: Option<String>,
}

/// Links another record to this person (coordinator; both records stay). A pair split
/// before shows the person page again, with what was typed and a confirmation checkbox.
async fn link(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Form(form): Form<LinkForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    let confirmed = form.confirm_distinct.is_some();
    match link_records(&state, &ctx, id, form.other, &form.reason, confirmed).await {
        Ok(canonical) => Ok(Redirect::to(&format!("/persons/{canonical}")).into_response()),
        Err(AppError::Conflict(message)) if message == SPLIT_BEFORE => {
            let retry = LinkRetry {
                other: form.other,
                reason: &form.reason,
                message,
            };
            Ok(render_person(&state, &ctx, id, Some(&retry)).await?)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct SplitForm {
    csrf: String,
    other: i64,
}

/// Undoes a link: both records stand alone again and are never proposed again.
async fn split(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Form(form): Form<SplitForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    let canonical = split_records(&state, &ctx, id, form.other).await?;
    Ok(Redirect::to(&format!("/persons/{canonical}")).into_response())
}

pub fn require_coordinator(ctx: &Ctx) -> Result<(), AppError> {
    if ctx.actor.has(Role::Coordinator) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "名寄せの結び付け・解除は相談支援包括化推進員のみ行えます".into(),
        ))
    }
}
