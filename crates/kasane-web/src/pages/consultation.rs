//! Pages: the 相談支援 tab's home — the way to search and to a new intake, the 相談受付一覧
//! (filters, pages, exports) and the caller's 相談支援 worklist; what the municipality
//! configured for the pillar below.

use axum::Router;
use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kasane_app::admin::municipality::agencies;
use kasane_app::consultation::intake_list::{
    EXPORT_MAX, ExportFormat, IntakeList, PAGE_SIZE, export_intakes, list_intakes,
};
use kasane_app::consultation::worklist::Reading;
use kasane_app::worklist::read_worklist;
use kasane_domain::access::may_see_person_data;
use kasane_domain::intake::{Channel, Outcome};
use kasane_domain::municipality::{MunicipalityConfig, Pillar};
use kasane_store::municipality::Agency;
use maud::{Markup, html};

use crate::AppState;
use crate::http::auth::Page;
use crate::http::download::attachment;
use crate::http::error::{AppError, PageError};
use crate::http::work::Work;
use crate::pages::{home, municipality};
use crate::ui::fmt::jst;
use crate::ui::form::{form_status, problems};
use crate::ui::intake_list::{EncodingQuery, IntakeListQuery};
use crate::ui::layout::{empty, page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/consultation", get(consultation_page))
        .route("/consultation/intakes.csv", get(export_csv))
        .route("/consultation/intakes.xlsx", get(export_xlsx))
}

async fn consultation_page(
    Work(state): Work,
    Page(ctx): Page,
    Query(q): Query<IntakeListQuery>,
) -> Result<Response, PageError> {
    let configured = municipality::pillar_body(&state, &ctx, Pillar::Consultation).await?;
    if !may_see_person_data(&ctx.actor) {
        let body = html! { (configured) };
        return Ok(page(&ctx, "相談支援", "/consultation", body).into_response());
    }
    let (list, errors) = match list_intakes(&state, &ctx, q.criteria()).await {
        Ok(list) => (list, Vec::new()),
        Err(AppError::Validation(p)) => (None, p),
        Err(e) => return Err(e.into()),
    };
    let cfg = state.config(&ctx.municipality)?;
    let agencies = agencies(&state, &ctx).await?;
    let worklist = read_worklist(&state, &ctx, &Reading::Home).await?;
    let body = html! {
        p.actions {
            a.button href="/persons" { "本人を探す" } " "
            a.button href="/intakes/new" { "新しい相談を受け付ける" }
        }
        section.card aria-labelledby="intake-list" {
            h2 #intake-list { "相談受付一覧" }
            (filters(&q, &cfg, &agencies))
            (problems(&errors))
            @if let Some(list) = &list { (table(&q, &cfg, list)) }
        }
        section.card aria-labelledby="worklist" {
            h2 #worklist { "対応が必要な項目(相談支援)" }
            @if worklist.consultation.is_empty() {
                (empty("受信したつなぎ・期限切れ・多機関協働へ上がった相談などはありません。"))
            } @else {
                (home::consultation_section(&worklist))
            }
        }
        (configured)
    };
    Ok((
        form_status(&errors),
        page(&ctx, "相談支援", "/consultation", body),
    )
        .into_response())
}

fn filters(q: &IntakeListQuery, cfg: &MunicipalityConfig, agencies: &[Agency]) -> Markup {
    html! {
        form.filters method="get" action="/consultation" role="search" aria-label="相談受付の絞り込み" {
            label { "期間(から)" input type="text" name="from" value=(q.from) placeholder="R8.4.1" inputmode="numeric"; }
            label { "期間(まで)" input type="text" name="to" value=(q.to) placeholder="R8.4.30" inputmode="numeric"; }
            label { "受付機関"
                select name="agency" {
                    option value="" { "すべて" }
                    @for a in agencies { option value=(a.id) selected[q.agency == a.id.to_string()] { (a.name) } }
                }
            }
            label { "相談経路"
                select name="channel" {
                    option value="" { "すべて" }
                    @for c in Channel::ALL { option value=(c.code()) selected[q.channel == c.code()] { (c.label()) } }
                }
            }
            label { "課題"
                select name="issue" {
                    option value="" { "すべて" }
                    @for c in &cfg.issue_categories { option value=(c.code) selected[q.issue == c.code] { (c.name) } }
                }
            }
            label { "対応結果"
                select name="outcome" {
                    option value="" { "すべて" }
                    @for o in Outcome::ALL { option value=(o.code()) selected[q.outcome == o.code()] { (o.label()) } }
                }
            }
            button type="submit" { "絞り込む" }
            a href="/consultation" { "条件をクリア" }
        }
    }
}

fn table(q: &IntakeListQuery, cfg: &MunicipalityConfig, list: &IntakeList) -> Markup {
    let issue = |code: &str| {
        cfg.issue_category(code)
            .map_or_else(|| code.to_string(), |c| c.name.clone())
    };
    let filters = q.filters();
    html! {
        @if list.rows.is_empty() {
            (empty("条件に合う相談受付はありません(閲覧できる方の相談受付のみ表示しています)。"))
        } @else {
            table.intakes {
                thead { tr { th { "受付日時" } th { "本人" } th { "受付機関" } th { "相談経路" } th { "課題" } th { "対応結果" } th { "記録" } } }
                tbody {
                    @for r in &list.rows {
                        tr {
                            td { (jst(r.received_at)) }
                            td { a href={ "/persons/" (r.person_id) } { (r.person_name) } }
                            td { (r.receiving_agency_name) }
                            td { (r.channel.label()) }
                            td { @for c in &r.issues { span.badge { (issue(c)) } " " } }
                            td { (r.outcome.label()) }
                            td { a href={ "/intakes/" (r.id) } { "受付 #" (r.id) } }
                        }
                    }
                }
            }
            (pager(&filters, list))
        }
        p.actions.noprint {
            "この条件で出力: "
            a href={ "/consultation/intakes.csv?" (filters) } download { "CSV(UTF-8)" } " "
            a href={ "/consultation/intakes.csv?" (filters) "&encoding=cp932" } download { "CSV(Shift_JIS)" } " "
            a href={ "/consultation/intakes.xlsx?" (filters) } download { "Excel" }
        }
        p.muted {
            "出力は監査ログに記録されます。一度に" (EXPORT_MAX) "件まで。本人同意・支援会議による閲覧のみの方は出力に含まれません。"
        }
    }
}

/// The range shown and the neighbouring pages (nothing is counted: the last page is the
/// one without a next).
fn pager(filters: &str, list: &IntakeList) -> Markup {
    let first = (list.page - 1) * PAGE_SIZE + 1;
    let last = first - 1 + list.rows.len() as i64;
    html! {
        nav.pager aria-label="ページ" {
            @if list.page > 1 { a href={ "/consultation?" (filters) "&page=" (list.page - 1) } { "前へ" } }
            span { (first) "〜" (last) "件目" @if list.more { "(続きがあります)" } }
            @if list.more { a href={ "/consultation?" (filters) "&page=" (list.page + 1) } { "次へ" } }
        }
    }
}

async fn export_csv(
    Work(state): Work,
    Page(ctx): Page,
    Query(q): Query<IntakeListQuery>,
    Query(e): Query<EncodingQuery>,
) -> Result<Response, PageError> {
    let format = ExportFormat::csv(&e.encoding)?;
    Ok(attachment(
        export_intakes(&state, &ctx, q.criteria(), format).await?,
    ))
}

async fn export_xlsx(
    Work(state): Work,
    Page(ctx): Page,
    Query(q): Query<IntakeListQuery>,
) -> Result<Response, PageError> {
    Ok(attachment(
        export_intakes(&state, &ctx, q.criteria(), ExportFormat::Xlsx).await?,
    ))
}
