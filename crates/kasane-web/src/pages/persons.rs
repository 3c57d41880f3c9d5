//! Pages: persons — search, the person page with its timeline, and 名寄せ links.

use axum::Router;
use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use kasane_app::consultation::person::{
    PAGE_SIZE, PersonRead, SPLIT_BEFORE, Shown, districts, link_records, read_person, search,
    split_records,
};
use kasane_app::consultation::referral::referral_targets;
use kasane_app::timeline;
use kasane_domain::access::View;
use kasane_domain::identity::Role;
use kasane_domain::name::Furigana;
use kasane_domain::person_search::address_area;
use kasane_domain::wareki::format_wareki;
use kasane_store::person::Person;
use kasane_store::referral::Referral;
use maud::{Markup, html};
use serde::Deserialize;

use crate::AppState;
use crate::http::auth::{Ctx, Page};
use crate::http::error::{AppError, PageError};
use crate::http::work::Work;
use crate::pages::sections;
use crate::pages::timeline::timeline_table;
use crate::ui::fmt::{birth_label, district_name, jst};
use crate::ui::form::{Saved, form_status, problems};
use crate::ui::layout::{empty, page};
use crate::ui::picker::{PickField, PickQuery, PickRequest, find, picker, results_of, search_form};
use crate::ui::search::SearchQuery;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/persons", get(search_page))
        .route("/persons/pick", get(pick))
        .route("/persons/{id}", get(person_page))
        .route("/persons/{id}/link", post(link))
        .route("/persons/{id}/split", post(split))
}

async fn search_page(
    Work(state): Work,
    Page(ctx): Page,
    Query(q): Query<SearchQuery>,
) -> Result<Markup, PageError> {
    let districts = districts(&state, &ctx).await?;
    let (results, errors) = if q.is_empty() {
        (None, Vec::new())
    } else {
        match search(&state, &ctx, q.criteria()).await {
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
        p { a.button href=(new_intake_link(&q)) { "新しい相談を受け付ける" } }
        (problems(&errors))
        @match &results {
            None => @if errors.is_empty() { (empty("氏名(漢字・カナ。姓または名の最初の何文字かでも可)、電話番号、生年月日、住所、地区で検索できます。表記ゆれ(斎藤/齋藤、全角/半角、イチロー/イチロウ)も見つかります。")) },
            Some((rows, more)) => {
                @if rows.is_empty() {
                    (empty("該当する方は見つかりません(閲覧できる方のみ表示しています)。"))
                } @else {
                    table {
                        thead { tr { th { "氏名" } th { "フリガナ" } th { "生年月日" } th { "地区" } th { "住所(町名まで)" } th { "記録番号" } th { "更新" } } }
                        tbody {
                            @for p in rows {
                                tr {
                                    td { a href={ "/persons/" (p.id) } { (p.name) } }
                                    td { (p.furigana.as_deref().unwrap_or("")) }
                                    td { (birth_label(p, ctx.today)) }
                                    td { (district_name(&districts, p.district_code.as_deref())) }
                                    td.address-area { (address_area(&p.address).unwrap_or_default()) }
                                    td.record-number { (p.id) }
                                    td { (jst(p.updated_at)) }
                                }
                            }
                        }
                    }
                    (pager(&q, rows.len(), *more))
                }
            }
        }
    };
    Ok(page(&ctx, "本人を探す", "/consultation", body))
}

/// 「新しい相談を受け付ける」 with what was typed in the search: the name (also as the
/// フリガナ when it was typed in kana), the birth date and the phone.
fn new_intake_link(q: &SearchQuery) -> String {
    let furigana = Furigana::parse(&q.q)
        .map(|f| f.as_str().to_string())
        .unwrap_or_default();
    let fields = [
        ("name", q.q.trim()),
        ("furigana", furigana.as_str()),
        ("birth_date", q.birth_date.trim()),
        ("phone", q.phone.trim()),
    ];
    let typed: Vec<(&str, &str)> = fields.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    match serde_urlencoded::to_string(&typed) {
        Ok(qs) if !qs.is_empty() => format!("/intakes/new?{qs}"),
        _ => "/intakes/new".to_string(),
    }
}

/// The range shown and links to the neighbouring pages; the matches are not counted (a
/// count costs as much as the search), so the last page is the one without a next.
fn pager(q: &SearchQuery, shown: usize, more: bool) -> Markup {
    let page_no = kasane_app::page_number(q.page).unwrap_or(1);
    let first = (page_no - 1) * PAGE_SIZE + 1;
    let last = first - 1 + shown as i64;
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
            span { (first) "〜" (last) "件目" @if more { "(続きがあります)" } }
            @if more { a href=(link(page_no + 1)) { "次へ" } }
        }
    }
}

async fn person_page(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Query(saved): Query<Saved>,
    Query(pick): Query<PickQuery>,
) -> Result<Response, PageError> {
    Ok(render_person(&state, &ctx, id, None, &pick.pick_q, &saved).await?)
}

/// The person picker's results as the worker types (kasane.js): the same search and the
/// same markup as the picker's 「検索」 without the script.
async fn pick(
    Work(state): Work,
    Page(ctx): Page,
    Query(q): Query<PickRequest>,
) -> Result<Markup, PageError> {
    let found = find(&state, &ctx, &q.pick_q, &q.excluded()).await?;
    Ok(results_of(q.field, found.as_ref(), ctx.today))
}

/// A refused 名寄せ link, shown again on the person page with the reason typed.
struct LinkRetry<'a> {
    reason: &'a str,
    refusal: LinkRefusal,
}

enum LinkRefusal {
    /// The pair was split before (409): the record picked, and the confirmation checkbox.
    SplitBefore { other: i64, message: String },
    /// The form's problems (422; nobody picked): the picker again, marked.
    Invalid(Vec<String>),
}

/// The person page; `retry`: a link to confirm ([`LinkRetry`]), else `pick_q`: the 名寄せ
/// picker's search (`?pick_q=…`).
async fn render_person(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    retry: Option<&LinkRetry<'_>>,
    pick_q: &str,
    saved: &Saved,
) -> Result<Response, AppError> {
    let PersonRead { access, shown } = read_person(state, ctx, id).await?;
    let (person, grant) = (&access.person, access.grant);
    if person.id != id {
        // A linked record: its canonical page shows the whole group.
        return Ok(Redirect::to(&format!("/persons/{}", person.id)).into_response());
    }
    let (memberships, linked) = match shown {
        Shown::Sheet { pending } => {
            return Ok(referral_sheet_only(ctx, person, &pending).into_response());
        }
        Shown::Record {
            memberships,
            linked,
        } => (memberships, linked),
    };
    let districts = districts(state, ctx).await?;
    let timeline = timeline::of_person(state, &access).await?;
    let targets = referral_targets(state, ctx).await?;
    let writable = grant.view() == View::Full;
    let coordinator = ctx.actor.has(Role::Coordinator);
    // The person and the records already linked are no choice for the link.
    let unlinkable: Vec<i64> = std::iter::once(person.id)
        .chain(linked.iter().map(|l| l.id))
        .collect();
    let to_confirm = retry.and_then(|r| match &r.refusal {
        LinkRefusal::SplitBefore { other, message } => Some((*other, message)),
        LinkRefusal::Invalid(_) => None,
    });
    let problems_of_link = match retry.map(|r| &r.refusal) {
        Some(LinkRefusal::Invalid(errors)) => errors.as_slice(),
        _ => &[],
    };
    let candidates = if to_confirm.is_none() && coordinator && writable {
        find(state, ctx, pick_q, &unlinkable).await?
    } else {
        None
    };
    let others = sections::person(state, ctx, &access).await?;
    let body = html! {
        (saved.notice())
        p.muted { "閲覧の根拠: " (grant.basis().label()) "(" (grant.view().label()) ")" }
        section.card {
            h2 { "基本情報" }
            dl.facts {
                dt { "氏名" } dd { (person.name) }
                dt { "フリガナ" } dd { (person.furigana.as_deref().unwrap_or("")) }
                dt { "生年月日" } dd { (birth_label(person, ctx.today)) }
                dt { "性別" } dd { (person.sex.as_deref().and_then(|s| s.parse::<kasane_domain::person::Sex>().ok()).map_or("", |s| s.label())) }
                dt { "住所" } dd { (person.address) }
                dt { "地区" } dd { (district_name(&districts, person.district_code.as_deref())) }
                dt { "電話" } dd { (person.phone.as_deref().unwrap_or("")) }
                dt { "住民宛名番号" } dd { (person.external_id.as_deref().unwrap_or("")) }
                dt { "備考" } dd { (person.note) }
                dt { "版" } dd { "第" (person.version) "版" @if person.version > 1 { "(" a href="#history" { "修正履歴" } ")" } }
            }
        }
        @if writable {
            section.card.actions {
                a.button href={ "/intakes/new?person_id=" (person.id) } { "この方の相談を受け付ける" }
                " "
                a.button href={ "/persons/" (person.id) "/edit" } { "基本情報を修正" }
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
        (others)
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
                    @if let Some((_, message)) = to_confirm {
                        ul.errors role="alert" { li { (message) } }
                    }
                    (problems(problems_of_link))
                    (search_form(&format!("/persons/{}#link", person.id)))
                    form #link method="post" action={ "/persons/" (person.id) "/link" } {
                        input type="hidden" name="csrf" value=(ctx.csrf_token());
                        @if let Some((other, _)) = to_confirm {
                            input type="hidden" name="other" value=(other);
                            p { "結び付ける記録: 記録番号 " (other) }
                        } @else {
                            (picker(("同一人物の記録", problems_of_link), PickField::Other, pick_q, candidates.as_ref(), &unlinkable, None, ctx.today))
                        }
                        label { " 理由 " input type="text" name="reason" value=[retry.map(|r| r.reason)]; }
                        @if to_confirm.is_some() {
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
            (sections::person_forms(ctx, person.id, &targets))
        }
    };
    let status = match retry.map(|r| &r.refusal) {
        Some(LinkRefusal::SplitBefore { .. }) => StatusCode::CONFLICT,
        Some(LinkRefusal::Invalid(errors)) => form_status(errors),
        None => StatusCode::OK,
    };
    Ok((status, page(ctx, &person.name, "/consultation", body)).into_response())
}

/// What an agency sees of a person whose referral it has not yet accepted.
fn referral_sheet_only(ctx: &Ctx, person: &Person, pending: &[Referral]) -> Markup {
    let body = html! {
        p.muted { "つなぎを受理するまでは、つなぐシートの項目のみ閲覧できます。" }
        ul { @for r in pending { li { a href={ "/referrals/" (r.id) } { (r.from_agency_name) "からのつなぎ(" (jst(r.sent_at)) ")" } } } }
    };
    page(ctx, &person.name, "/consultation", body)
}

#[derive(Deserialize)]
struct LinkForm {
    csrf: String,
    /// The record picked; blank when nobody was (the picker's problem, not a bad request).
    #[serde(default)]
    other: String,
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
    let other = form.other.trim().parse().ok();
    let refusal = match link_records(&state, &ctx, id, other, &form.reason, confirmed).await {
        Ok((canonical, _)) => return Ok(saved(canonical)),
        Err(AppError::Conflict(message)) if message == SPLIT_BEFORE => match other {
            Some(other) => LinkRefusal::SplitBefore { other, message },
            None => return Err(AppError::Conflict(message).into()),
        },
        Err(AppError::Validation(errors)) => LinkRefusal::Invalid(errors),
        Err(e) => return Err(e.into()),
    };
    let retry = LinkRetry {
        reason: &form.reason,
        refusal,
    };
    Ok(render_person(&state, &ctx, id, Some(&retry), "", &Saved::default()).await?)
}

/// The person page after a link or a split, which confirms it (「記録しました」).
fn saved(canonical: i64) -> Response {
    Redirect::to(&format!("/persons/{canonical}?saved=1")).into_response()
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
    Ok(saved(canonical))
}
