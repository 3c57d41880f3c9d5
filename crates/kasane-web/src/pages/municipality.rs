//! The municipality's configuration as workers see it: agencies, local names of meetings
//! and programmes, districts, the pillars, and the implementation plan.

use axum::extract::Path;
use kasane_domain::municipality::{AgencyKind, MunicipalityConfig, Pillar};
use maud::{Markup, html};

use crate::AppState;
use crate::http::auth::{Ctx, Page};
use crate::http::error::PageError;
use crate::http::work::Work;
use crate::ui::fmt::fiscal_year;
use crate::ui::layout::{empty, page};
use kasane_app::admin::municipality::{agency, config, municipality};

pub async fn municipality_page(Work(state): Work, Page(ctx): Page) -> Result<Markup, PageError> {
    let view = municipality(&state, &ctx).await?;
    let (cfg, agencies) = (view.config, view.agencies);
    let agency_link = |code: &str| -> Markup {
        match agencies.iter().find(|a| a.code == code) {
            Some(a) => html! { a href={ "/agencies/" (a.id) } { (a.name) } },
            None => html! { (code) },
        }
    };
    let body = html! {
        section.card {
            h2 { "事業と会議の名称" }
            dl.facts {
                @if let Some(p) = &cfg.programme_name { dt { "事業名" } dd { (p) } }
                dt { "多機関協働事業者" } dd { (agency_link(&cfg.coordinating_agency)) }
                dt { "支援会議(法106条の6)" }
                dd { (cfg.support_meeting.name) " — 主催: " (agency_link(&cfg.support_meeting.host_agency)) }
                dt { "重層的支援会議" }
                dd { (cfg.multilayer_meeting.name) " — 主催: " (agency_link(&cfg.multilayer_meeting.host_agency)) }
            }
        }
        @if let Some(p) = &cfg.population {
            section.card {
                h2 { "人口・世帯(" (kasane_domain::wareki::format_wareki(p.as_of)) "時点)" }
                dl.facts {
                    dt { "人口" } dd { (p.total) "人(うち65歳以上 " (p.aged_65_plus) "人)" }
                    dt { "世帯数" } dd { (p.households) "世帯" }
                    dt { "高齢化率" } dd { (p.ageing_rate_percent) "%" }
                    dt { "面積" } dd { (p.area_km2) " km²" }
                }
            }
        }
        @for kind in [AgencyKind::ComprehensiveWindow, AgencyKind::Administration, AgencyKind::NearbyPlace] {
            section.card {
                h2 { (kind.label()) }
                (agency_table(&cfg, &agencies, kind))
            }
        }
        section.card {
            h2 { "地区" }
            @if cfg.districts.is_empty() { (empty("地区が登録されていません。")) }
            ul.inline { @for d in &cfg.districts { li { (d.name) } } }
        }
        section.card {
            h2 { "課題の分類" }
            ul.inline { @for c in &cfg.issue_categories { li { (c.name) span.muted { "(" (c.field.label()) ")" } } } }
        }
    };
    Ok(page(&ctx, "自治体情報", "/municipality", body))
}

fn agency_table(
    cfg: &MunicipalityConfig,
    agencies: &[kasane_store::municipality::Agency],
    kind: AgencyKind,
) -> Markup {
    let rows: Vec<_> = cfg.agencies.iter().filter(|a| a.kind == kind).collect();
    if rows.is_empty() {
        return empty("登録されていません。");
    }
    html! {
        table {
            thead { tr { th { "名称" } th { "分野" } th { "実施方式" } th { "人員配置" } th { "備考" } } }
            tbody {
                @for a in rows {
                    tr {
                        td {
                            @match agencies.iter().find(|s| s.code == a.code) {
                                Some(s) => a href={ "/agencies/" (s.id) } { (a.name) },
                                None => (a.name),
                            }
                        }
                        td { (a.field.label()) }
                        td { (a.operation_mode.map_or("—", |m| m.label())) }
                        td {
                            @for s in &a.staffing { (s.profession) " " (s.count) "人 " }
                        }
                        td { (a.note.as_deref().unwrap_or("")) }
                    }
                }
            }
        }
    }
}

pub async fn agency_page(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
) -> Result<Markup, PageError> {
    // Looked up whatever its municipality, then judged: another municipality's agency is
    // answered exactly like a missing one.
    let agency = agency(&state, &ctx, id).await?;
    let cfg = config(&state, &ctx).await?;
    let detail = cfg.agency(&agency.code);
    let body = html! {
        section.card {
            dl.facts {
                dt { "分野" } dd { (detail.map_or("", |d| d.field.label())) }
                dt { "種別" } dd { (detail.map_or("", |d| d.kind.label())) }
                dt { "実施方式" } dd { (detail.and_then(|d| d.operation_mode).map_or("—", |m| m.label())) }
                @if let Some(dep) = detail.and_then(|d| d.department.as_deref()) { dt { "担当課" } dd { (dep) } }
                @if let Some(n) = detail.and_then(|d| d.sites) { dt { "箇所数" } dd { (n) } }
                dt { "人員配置" }
                dd {
                    @match detail.filter(|d| !d.staffing.is_empty()) {
                        Some(d) => { @for s in &d.staffing { (s.profession) " " (s.count) "人 " } },
                        None => "記載なし",
                    }
                }
                dt { "役割" }
                dd {
                    @if agency.is_coordinating { span.badge { "多機関協働事業者" } " " }
                    @if agency.hosts_support_meeting { span.badge { (cfg.support_meeting.name) "を主催" } " " }
                    @if agency.hosts_multilayer_meeting { span.badge { (cfg.multilayer_meeting.name) "を主催" } }
                    @if detail.is_some_and(|d| d.holds_records()) { " 相談を受け止め記録を持つ窓口" }
                    @else { " 気づいてつなぐ場所(記録は持ちません)" }
                }
                @if let Some(n) = detail.and_then(|d| d.note.as_deref()) { dt { "備考" } dd { (n) } }
            }
        }
        p { a href="/municipality" { "自治体情報へ戻る" } }
    };
    Ok(page(&ctx, &agency.name, "/municipality", body))
}

/// A pillar's page: what the municipality has configured for it and its plan items.
pub async fn pillar_page(
    state: AppState,
    ctx: Ctx,
    pillar: Pillar,
    path: &'static str,
) -> Result<Markup, PageError> {
    let configured = pillar_body(&state, &ctx, pillar).await?;
    let body = html! {
        (configured)
        p.muted { "この分野の個別記録の機能は、今後のステップで追加されます。" }
    };
    Ok(page(&ctx, pillar.label(), path, body))
}

/// What the municipality has configured for a pillar (its windows, figures and plan
/// items): the body of its page, and the foot of the 相談支援 tab.
pub async fn pillar_body(state: &AppState, ctx: &Ctx, pillar: Pillar) -> Result<Markup, PageError> {
    let cfg = config(state, ctx).await?;
    let figures: Vec<_> = cfg
        .seed_figures
        .iter()
        .filter(|f| f.pillar == pillar)
        .collect();
    let schedule: Vec<_> = cfg.schedule_for(pillar).collect();
    let body = html! {
        @match pillar {
            Pillar::Consultation => section.card {
                h2 { "包括的相談窓口" }
                ul { @for a in cfg.agencies.iter().filter(|a| a.kind == AgencyKind::ComprehensiveWindow) { li { (a.name) span.muted { "(" (a.field.label()) ")" } } } }
                h2 { "身近な相談場所" }
                ul { @for a in cfg.agencies.iter().filter(|a| a.kind == AgencyKind::NearbyPlace) { li { (a.name) } } }
            },
            Pillar::Collaboration => section.card {
                dl.facts {
                    dt { "多機関協働事業者" } dd { (cfg.coordinating().map_or("", |a| a.name.as_str())) }
                    dt { "支援会議(法106条の6)" } dd { (cfg.support_meeting.name) }
                    dt { "重層的支援会議" } dd { (cfg.multilayer_meeting.name) }
                }
            },
            _ => {}
        }
        section.card {
            h2 { "実績・規模(計画・事例資料より)" }
            @if figures.is_empty() { (empty("この分野の数値は登録されていません。")) }
            @else { (figure_table(&figures)) }
        }
        section.card {
            h2 { "実施計画の取組" }
            @if schedule.is_empty() { (empty("実施計画の年度別スケジュールは登録されていません。")) }
            @else {
                ul { @for i in &schedule { li { (i.item) "(" (fiscal_year(i.from_fiscal_year)) "〜" (fiscal_year(i.to_fiscal_year)) ")" } } }
            }
        }
    };
    Ok(body)
}

fn figure_table(figures: &[&kasane_domain::municipality::SeedFigure]) -> Markup {
    html! {
        table {
            thead { tr { th { "項目" } th.num { "数値" } th { "年度" } } }
            tbody {
                @for f in figures {
                    tr {
                        td { (f.label) }
                        td.num { (f.value) (f.unit) }
                        td { (f.fiscal_year.map(fiscal_year).unwrap_or_default()) }
                    }
                }
            }
        }
    }
}

/// 統計・計画: the seed figures later reports compare against, and the plan schedule.
pub async fn statistics_page(Work(state): Work, Page(ctx): Page) -> Result<Markup, PageError> {
    let cfg = config(&state, &ctx).await?;
    let figures: Vec<_> = cfg.seed_figures.iter().collect();
    let body = html! {
        section.card {
            h2 { "基準となる数値(計画・事例資料より)" }
            @if figures.is_empty() { (empty("数値は登録されていません。")) } @else { (figure_table(&figures)) }
        }
        section.card {
            h2 { "実施計画 年度別スケジュール" }
            @match cfg.schedule_span() {
                None => (empty("実施計画の年度別スケジュールは登録されていません。")),
                Some((from, to)) => table.schedule {
                    thead { tr { th { "区分" } th { "取組" } @for y in from..=to { th { (fiscal_year(y)) } } } }
                    tbody {
                        @for i in &cfg.plan_schedule {
                            tr {
                                td { (i.pillar.label()) }
                                td { (i.item) }
                                @for y in from..=to { td.mark { @if i.covers(y) { "●" } } }
                            }
                        }
                    }
                },
            }
        }
    };
    Ok(page(&ctx, "統計・計画", "/statistics", body))
}
