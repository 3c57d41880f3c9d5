//! Pages: the one intake form every window uses (相談受付), with 名寄せ candidates, and the
//! intake record page.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use kasane_app::consultation::intake::{
    Candidate, HouseholdChoice, IntakeRead, IntakeResult, IntakeSubmission, current_households,
    known_person, picked_consulter, read_intake, submit_intake,
};
use kasane_app::consultation::person::PersonDraft;
use kasane_app::consultation::referral::referral_targets;
use kasane_domain::intake::{
    Channel, ChecklistRow, ConcernItem, ConsulterKind, IntakeDraft, Outcome, Urgency, checklist,
    most_pressing_of_row,
};
use kasane_domain::match_review::{ELSEWHERE_NOTICE, REQUESTED_NOTICE};
use kasane_domain::municipality::MunicipalityConfig;
use kasane_domain::person::Sex;
use kasane_domain::person_match::MatchLevel;
use kasane_store::person::Person;
use maud::{Markup, html};
use serde::Deserialize;

use crate::AppState;
use crate::http::auth::{Ctx, Page};
use crate::http::error::{AppError, PageError};
use crate::http::work::Work;
use crate::pages::sections;
use crate::ui::fmt::birth_label;
use crate::ui::fmt::jst;
use crate::ui::form::{Saved, form_status, problems};
use crate::ui::layout::page;
use crate::ui::picker::{Found, IN_FORM_SEARCH, PickField, find, picker};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/intakes/new", get(new_page).post(submit))
        .route("/intakes/{id}", get(intake_page))
}

/// The whole intake form. Lists arrive as repeated fields (`issues=a&issues=b`).
#[derive(Debug, Default, Clone)]
pub struct IntakeForm {
    pub csrf: String,
    pub person_id: Option<i64>,
    /// `""` (not decided yet), `"new"`, or the id of a candidate the worker picked.
    pub person_choice: String,
    pub person: PersonDraft,
    pub draft: IntakeDraft,
    pub referral_reason: String,
    /// The household select of a known person: `None` until the form is sent (then the
    /// person's only current household is preselected), `""` for 「世帯を指定しない」.
    pub household_id: Option<String>,
    /// A new person: 「この方を世帯主として新しい世帯を作る」.
    pub new_household: bool,
    /// The consulter picker's search, and whether its 「検索」 sent the form (no save).
    pub pick_q: String,
    pub pick_search: bool,
}

impl IntakeForm {
    /// Parses `application/x-www-form-urlencoded` pairs; repeated keys collect.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> IntakeForm {
        let mut f = IntakeForm::default();
        let id = |v: &str| v.trim().parse::<i64>().ok();
        for (k, v) in pairs {
            match k.as_str() {
                "csrf" => f.csrf = v,
                "person_id" => f.person_id = id(&v),
                "person_choice" => f.person_choice = v,
                "name" => f.person.name = v,
                "furigana" => f.person.furigana = v,
                "birth_date" => f.person.birth_date = v,
                "sex" => f.person.sex = v,
                "address" => f.person.address = v,
                "district" => f.person.district = v,
                "phone" => f.person.phone = v,
                "note" => f.person.note = v,
                "external_id" => f.person.external_id = v,
                "received_at" => f.draft.received_at = v,
                "channel" => f.draft.channel = v,
                "consulter_kind" => f.draft.consulter_kind = v,
                "consulter_person_id" => f.draft.consulter_person_id = id(&v),
                "pick_q" => f.pick_q = v,
                IN_FORM_SEARCH => f.pick_search = true,
                "consulter_name" => f.draft.consulter_name = v,
                "consulter_relation" => f.draft.consulter_relation = v,
                "issues" => f.draft.issues.push(v),
                "concerns" => f.draft.concerns.push(v),
                "most_pressing" if !v.is_empty() => {
                    f.draft.most_pressing = Some(most_pressing_of_row(&v));
                }
                "consent_to_share" => {
                    f.draft.consent_to_share = match v.as_str() {
                        "yes" => Some(true),
                        "no" => Some(false),
                        _ => None,
                    }
                }
                "summary" => f.draft.summary = v,
                "urgency" => f.draft.urgency = v,
                "outcome" => f.draft.outcome = v,
                "referred_to_agency_id" => f.draft.referred_to_agency_id = id(&v),
                "referral_reason" => f.referral_reason = v,
                "immediate_action" => f.draft.immediate_action = v,
                "household_id" => f.household_id = Some(v),
                "new_household" => f.new_household = true,
                _ => {}
            }
        }
        f.draft.tick_concerns_of_issues();
        f
    }

    /// The household as chosen on the form.
    pub fn household(&self) -> HouseholdChoice {
        let id = self
            .household_id
            .as_deref()
            .and_then(|v| v.trim().parse().ok());
        HouseholdChoice::from_parts(id, self.new_household)
    }
}

/// The form's query: the person it is started for, or what the search had typed.
#[derive(Deserialize)]
struct NewQuery {
    person_id: Option<i64>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    furigana: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    phone: String,
}

async fn new_page(
    Work(state): Work,
    Page(ctx): Page,
    Query(q): Query<NewQuery>,
) -> Result<Markup, PageError> {
    let mut form = IntakeForm::default();
    form.draft.received_at = jst(state.now());
    form.draft.channel = Channel::VisitIn.code().to_string();
    form.draft.consulter_kind = ConsulterKind::Person.code().to_string();
    form.draft.urgency = Urgency::Normal.code().to_string();
    form.draft.outcome = Outcome::Handled.code().to_string();
    form.person.name = q.name;
    form.person.furigana = q.furigana;
    form.person.birth_date = q.birth_date;
    form.person.phone = q.phone;
    let known = match q.person_id {
        Some(id) => Some(known_person(&state, &ctx, id).await?),
        None => None,
    };
    form.person_id = known.as_ref().map(|p| p.id);
    Ok(render_form(&state, &ctx, &form, known.as_ref(), &[], &[]).await?)
}

async fn submit(
    Work(state): Work,
    Page(ctx): Page,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> Result<Response, PageError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::BadRequest("フォームの内容を読み取れません".into()))?;
    let mut form = IntakeForm::from_pairs(pairs);
    ctx.check_csrf(&form.csrf)?;
    if form.pick_search {
        // The consulter picker's 「検索」 without the script: the form again, nothing saved.
        let known = match form.person_id {
            Some(id) => Some(known_person(&state, &ctx, id).await?),
            None => None,
        };
        return Ok(render_form(&state, &ctx, &form, known.as_ref(), &[], &[])
            .await?
            .into_response());
    }
    let submission = IntakeSubmission {
        // An existing person (chosen now or before) needs no person fields.
        person_id: form.person_id.or_else(|| form.person_choice.parse().ok()),
        person: &form.person,
        // Candidates are shown once; any choice made on them (「新しい方」 too) ends that.
        confirm_new_person: !form.person_choice.is_empty(),
        draft: &form.draft,
        referral_reason: &form.referral_reason,
        household: form.household(),
    };
    match submit_intake(&state, &ctx, &submission).await? {
        IntakeResult::Saved(saved) if saved.review_requested => {
            Ok(review_requested(&ctx, saved.person_id).into_response())
        }
        IntakeResult::Saved(saved) => {
            Ok(Redirect::to(&format!("/persons/{}?saved=1", saved.person_id)).into_response())
        }
        IntakeResult::Invalid { errors, known } => Ok((
            form_status(&errors),
            render_form(&state, &ctx, &form, known.as_deref(), &errors, &[]).await?,
        )
            .into_response()),
        IntakeResult::Candidates(candidates) => {
            form.person_choice.clear();
            Ok(render_form(&state, &ctx, &form, None, &[], &candidates)
                .await?
                .into_response())
        }
    }
}

/// The intake is saved and a 名寄せ確認依頼 sent: the worker is told so, and nothing else.
fn review_requested(ctx: &Ctx, person_id: i64) -> Markup {
    page(
        ctx,
        "相談受付",
        "/consultation",
        html! {
            section.card role="status" {
                p.notice { "記録しました。" }
                p { (REQUESTED_NOTICE) }
                p { a href={ "/persons/" (person_id) } { "本人の記録へ" } }
            }
        },
    )
}

/// One 名寄せ candidate on the form: a choice when the worker may see the record.
fn candidate_choice(c: &Candidate, ctx: &Ctx) -> Markup {
    html! {
        @match c {
            Candidate::Visible { person, score, reasons, .. } => label.candidate {
                input type="radio" name="person_choice" value=(person.id) required;
                " " strong { (person.name) } " " (person.furigana.as_deref().unwrap_or("")) " " (birth_label(person, ctx.today))
                " — 一致度 " (score) "(" (reasons) ")"
            },
            Candidate::Elsewhere { .. } => p.elsewhere { (ELSEWHERE_NOTICE) },
        }
    }
}

fn checked(list: &[String], code: &str) -> bool {
    list.iter().any(|c| c == code)
}

async fn render_form(
    state: &AppState,
    ctx: &Ctx,
    form: &IntakeForm,
    known: Option<&Person>,
    errors: &[String],
    candidates: &[Candidate],
) -> Result<Markup, AppError> {
    let cfg = state.config(&ctx.municipality)?;
    let targets = referral_targets(state, ctx).await?;
    let households = match known {
        Some(k) => current_households(state, k.id).await?,
        None => Vec::new(),
    };
    // Until the form is sent, a person's only current household is preselected.
    let chosen_household: Option<i64> = match &form.household_id {
        None if households.len() == 1 => Some(households[0].id),
        None => None,
        Some(v) => v.trim().parse().ok(),
    };
    let d = &form.draft;
    let p = &form.person;
    let exclude: Vec<i64> = known.map(|k| k.id).into_iter().collect();
    let consulter = consulter_pick(state, ctx, d, &form.pick_q, &exclude).await?;
    let body = html! {
        (problems(errors))
        form.intake method="post" action="/intakes/new" {
            input type="hidden" name="csrf" value=(ctx.csrf_token());
            @if let Some(k) = known {
                input type="hidden" name="person_id" value=(k.id);
                section.card {
                    h2 { "本人" }
                    p { strong { (k.name) } " " (k.furigana.as_deref().unwrap_or("")) " " (birth_label(k, ctx.today)) }
                    label { "世帯"
                        select name="household_id" {
                            option value="" selected[chosen_household.is_none()] { "世帯を指定しない" }
                            @for h in &households {
                                option value=(h.id) selected[chosen_household == Some(h.id)] { (h.label) "(世帯 #" (h.id) ")" }
                            }
                        }
                    }
                    @if households.is_empty() { p.muted { "この方は現在どの世帯にも属していません。" } }
                }
            } @else {
                @if !candidates.is_empty() {
                    section.card.candidates {
                        h2 { "同じ方かもしれない記録があります(名寄せ)" }
                        p { "同じ方であれば選んでください。違う場合は「新しい方として登録」を選んでください。有力候補は氏名と生年月日が一致する記録、参考候補は一部だけが一致する記録(生年月日が近いなど)です。" }
                        @for level in [MatchLevel::Strong, MatchLevel::Reference] {
                            @let shown: Vec<&Candidate> = candidates.iter().filter(|c| c.level() == level).collect();
                            @if !shown.is_empty() {
                                h3.candidate-level { (level.label()) }
                                @for c in shown.iter().filter(|c| matches!(c, Candidate::Visible { .. })) { (candidate_choice(c, ctx)) }
                            }
                        }
                        @if let Some(c) = candidates.iter().find(|c| matches!(c, Candidate::Elsewhere { .. })) { (candidate_choice(c, ctx)) }
                        label.candidate { input type="radio" name="person_choice" value="new" required; " 新しい方として登録" }
                    }
                }
                section.card {
                    h2 { "本人" }
                    div.grid { (person_identity_fields(p)) }
                    @let other_typed = [&p.sex, &p.address, &p.district, &p.external_id, &p.note].iter().any(|v| !v.is_empty());
                    details.more open[other_typed] {
                        summary { "性別・住所・地区・住民宛名番号・備考" }
                        div.grid { (person_other_fields(&cfg, p)) }
                    }
                    label.check { input type="checkbox" name="new_household" value="1" checked[form.new_household]; "この方を世帯主として新しい世帯を作る" }
                }
            }
            section.card {
                h2 { "相談受付" }
                (record_fields(ctx, &cfg, d, &consulter))
                fieldset {
                    legend { "関係機関との情報共有への本人同意(必須)" }
                    label.check { input type="radio" name="consent_to_share" value="yes" checked[d.consent_to_share == Some(true)] required; "同意あり" }
                    label.check { input type="radio" name="consent_to_share" value="no" checked[d.consent_to_share == Some(false)]; "同意なし" }
                }
                label.block { "相談の概要(必須)" textarea name="summary" rows="5" required { (d.summary) } }
                label.block { "緊急対応の内容(虐待・自殺・DV の課題があるときは必須)" textarea name="immediate_action" rows="2" { (d.immediate_action) } }
                div.grid {
                    label { "緊急度"
                        select name="urgency" { @for u in Urgency::ALL { option value=(u.code()) selected[d.urgency == u.code()] { (u.label()) } } }
                    }
                    label { "対応結果"
                        select name="outcome" { @for o in Outcome::ALL { option value=(o.code()) selected[d.outcome == o.code()] { (o.label()) } } }
                    }
                    label { "つなぎ先(つなぎの場合)"
                        select name="referred_to_agency_id" {
                            option value="" { "—" }
                            @for a in &targets {
                                option value=(a.id) selected[d.referred_to_agency_id == Some(a.id)] { (a.name) }
                            }
                        }
                    }
                    label { "つなぐ理由" input type="text" name="referral_reason" value=(form.referral_reason); }
                }
            }
            // Sticky: 「記録する」 stays in view however long the form grows.
            div.submit-bar { button type="submit" { "記録する" } }
        }
    };
    Ok(page(ctx, "相談を受け付ける", "/consultation", body))
}

/// A person's fields as typed: the new person on the intake form, and a correction.
pub fn person_fields(cfg: &MunicipalityConfig, p: &PersonDraft) -> Markup {
    html! {
        div.grid {
            (person_identity_fields(p))
            (person_other_fields(cfg, p))
        }
    }
}

/// What a routine intake asks of a new person, in the order a caller gives it.
fn person_identity_fields(p: &PersonDraft) -> Markup {
    html! {
        label { "氏名(必須)" input type="text" name="name" value=(p.name) required autocomplete="off"; }
        label { "フリガナ" input type="text" name="furigana" value=(p.furigana) autocomplete="off"; }
        label { "生年月日(例: S47.3.5)" input type="text" name="birth_date" value=(p.birth_date); }
        label { "電話" input type="tel" name="phone" value=(p.phone); }
    }
}

/// The rest of a person's fields (the intake form folds them away until needed).
fn person_other_fields(cfg: &MunicipalityConfig, p: &PersonDraft) -> Markup {
    html! {
        label { "性別"
            select name="sex" {
                option value="" { "未記入" }
                @for s in Sex::ALL { option value=(s.code()) selected[p.sex == s.code()] { (s.label()) } }
            }
        }
        label { "住所" input type="text" name="address" value=(p.address); }
        label { "地区"
            select name="district" {
                option value="" { "未記入" }
                @for dd in &cfg.districts { option value=(dd.code) selected[p.district == dd.code] { (dd.name) } }
            }
        }
        label { "住民宛名番号" input type="text" name="external_id" value=(p.external_id); }
        label { "備考" input type="text" name="note" value=(p.note); }
    }
}

/// The consulter picker's state on a form: the consulter picked (read through the use case,
/// like any person), the search typed and what it found.
pub struct ConsulterPick {
    chosen: Option<Person>,
    q: String,
    found: Option<Found>,
    exclude: Vec<i64>,
}

/// Reads the picked consulter of `d` (one no longer to be seen is shown as not picked; the
/// save says why) and searches `q`, leaving out `exclude` (the intake's person).
pub async fn consulter_pick(
    state: &AppState,
    ctx: &Ctx,
    d: &IntakeDraft,
    q: &str,
    exclude: &[i64],
) -> Result<ConsulterPick, AppError> {
    let chosen = picked_consulter(state, ctx, d.consulter_person_id, None)
        .await?
        .ok()
        .flatten();
    Ok(ConsulterPick {
        chosen,
        q: q.to_string(),
        found: find(state, ctx, q, exclude).await?,
        exclude: exclude.to_vec(),
    })
}

/// The fields that describe what the window recorded (when, how, who consulted, 課題, the
/// 標準様式 checklist with ◎): the intake form's and its correction's.
pub fn record_fields(
    ctx: &Ctx,
    cfg: &MunicipalityConfig,
    d: &IntakeDraft,
    consulter: &ConsulterPick,
) -> Markup {
    let picking = consulter.chosen.is_some() || !consulter.q.is_empty();
    html! {
        div.grid {
            label { "受付日時(例: R7.4.1 10:30。空欄は現在)" input type="text" name="received_at" value=(d.received_at) inputmode="text" autocomplete="off"; }
            label { "受付機関" input type="text" value=(ctx.agency.name) disabled; }
            label { "相談経路"
                select name="channel" { @for c in Channel::ALL { option value=(c.code()) selected[d.channel == c.code()] { (c.label()) } } }
            }
            label { "相談者"
                select name="consulter_kind" { @for c in ConsulterKind::ALL { option value=(c.code()) selected[d.consulter_kind == c.code()] { (c.label()) } } }
            }
            label { "相談者氏名" input type="text" name="consulter_name" value=(d.consulter_name); }
            label { "本人との関係" input type="text" name="consulter_relation" value=(d.consulter_relation); }
        }
        // Folded away: most consulters are the person, or not registered.
        details.more.consulter open[picking] {
            summary { "相談者が登録済みの方なら選ぶ(家族など)" }
            (picker(("相談者", &[]), PickField::ConsulterPersonId, &consulter.q, consulter.found.as_ref(), &consulter.exclude, consulter.chosen.as_ref(), ctx.today))
        }
        (checklist_fields(cfg, d))
    }
}

/// The single checklist (課題 and 標準様式 相談内容 in one, [`checklist`]) with its ◎. The
/// script makes the boxes one tab stop (arrow keys move, Space ticks) and the ◎ a second
/// (arrow keys move among the ticked rows only); without it every box is a tab stop.
fn checklist_fields(cfg: &MunicipalityConfig, d: &IntakeDraft) -> Markup {
    let rows = checklist(cfg, &d.issues, &d.concerns);
    let ticked = |r: ChecklistRow| match r {
        ChecklistRow::Issue { code, .. } => checked(&d.issues, code),
        ChecklistRow::Concern(c) => checked(&d.concerns, c.code()),
    };
    // ◎ is a 相談内容 item: shown on the first ticked row of that item.
    let main = rows
        .iter()
        .copied()
        .find(|r| ticked(*r) && d.most_pressing.as_deref() == Some(r.concern().code()));
    html! {
        fieldset.checklist data-checklist {
            legend { "課題・相談内容(該当をチェックし、最も困っていること1つに◎)" }
            p.note id="checklist-help" { "矢印キーで項目を移動し、スペースでチェックします。◎ は Tab で移り、矢印キーでチェックした項目から選びます。" }
            table.checklist {
                thead { tr { th scope="col" { "該当" } th scope="col" { "◎" } th scope="col" { "項目" } th scope="col" { "標準様式" } } }
                tbody {
                    @for r in &rows {
                        @let (name, value, label) = match *r {
                            ChecklistRow::Issue { code, name, .. } => ("issues", code.to_string(), name.to_string()),
                            ChecklistRow::Concern(c) => ("concerns", c.code().to_string(), c.label().to_string()),
                        };
                        @let id = format!("ck-{}", r.key());
                        tr {
                            td { input type="checkbox" id=(id) name=(name) value=(value) checked[ticked(*r)] aria-describedby="checklist-help"; }
                            td { input type="radio" name="most_pressing" value=(r.key()) checked[main == Some(*r)] aria-label={ (label) "を最も困っていることにする(◎)" }; }
                            td { label for=(id) { (label) } }
                            td.muted { (r.concern().label()) }
                        }
                    }
                }
            }
        }
    }
}

async fn intake_page(
    Work(state): Work,
    Page(ctx): Page,
    Path(id): Path<i64>,
    Query(saved): Query<Saved>,
) -> Result<Markup, PageError> {
    let read = read_intake(&state, &ctx, id).await?;
    let corrections = sections::intake(&state, &ctx, &read).await?;
    let IntakeRead {
        intake,
        access,
        issues,
        concerns,
    } = read;
    let cfg = state.config(&ctx.municipality)?;
    let issue_names: BTreeMap<&str, &str> = cfg
        .issue_categories
        .iter()
        .map(|c| (c.code.as_str(), c.name.as_str()))
        .collect();
    let label = |code: &str, f: &dyn Fn(&str) -> Option<&'static str>| {
        f(code).map_or(code.to_string(), str::to_string)
    };
    let case_link = sections::intake_outcome(&state, &ctx, &intake, &access).await?;
    let body = html! {
        (saved.notice())
        section.card {
            dl.facts {
                dt { "本人" } dd { a href={ "/persons/" (access.person.id) } { (access.person.name) } }
                @if let Some(h) = intake.household_id { dt { "世帯" } dd { a href={ "/households/" (h) } { "世帯 #" (h) } } }
                dt { "受付日時" } dd { (jst(intake.received_at)) }
                dt { "受付機関" } dd { (intake.receiving_agency_name) }
                dt { "相談経路" } dd { (intake.channel.label()) }
                dt { "相談者" } dd {
                    (intake.consulter_kind.label()) " "
                    @match intake.consulter_person_id {
                        Some(c) => a href={ "/persons/" (c) } { (intake.consulter_name) },
                        None => (intake.consulter_name),
                    }
                    " " (intake.consulter_relation)
                }
                dt { "課題" } dd { @for i in &issues { span.badge { (issue_names.get(i.as_str()).copied().unwrap_or(i)) } " " } }
                dt { "相談内容" } dd {
                    @for c in &concerns {
                        span.badge { @if intake.most_pressing.as_deref() == Some(c.as_str()) { "◎" } (label(c, &|c| c.parse::<ConcernItem>().ok().map(ConcernItem::label))) } " "
                    }
                }
                dt { "本人同意" } dd { @if intake.consent_to_share { "同意あり" } @else { "同意なし" } }
                dt { "概要" } dd.pre { (intake.summary) }
                @if !intake.immediate_action.is_empty() { dt { "緊急対応" } dd.pre { (intake.immediate_action) } }
                dt { "緊急度" } dd { (intake.urgency.label()) }
                dt { "対応結果" } dd { (intake.outcome.label()) " " (case_link) }
                dt { "版" } dd { "第" (intake.version) "版" }
            }
        }
        (corrections)
    };
    Ok(page(&ctx, "相談受付の記録", "/consultation", body))
}
