//! 支援プラン (`support_plan`), モニタリング (`monitoring`) and 評価 (`evaluation`).
//!
//! A plan states the person's goal in their own words, long- and short-term goals, the
//! actions (what, which agency/staff, by when, how often), its period and monitoring
//! dates. A revision is a new version; the old one stays readable. Each monitoring date
//! is due on the responsible staff's and the coordinator's worklist from a week before,
//! and overdue after the day. At the end of the period each goal is evaluated, with the
//! next step: a new plan, closure, or hand-over to the lead agency.

use chrono::{NaiveDate, TimeDelta};
use serde::{Deserialize, Serialize};

use crate::identity::AgencyId;
use crate::intake::{FieldError, coded_enum, date_field, max_chars, parse_choice, required_text};

pub const TEXT_MAX_CHARS: usize = 2000;
pub const SHORT_MAX_CHARS: usize = 200;
/// A plan longer than this is not a plan but a wish; the seeds review at least yearly.
pub const MAX_PERIOD_DAYS: i64 = 366;
/// Days before a monitoring date from which it shows as due.
pub const DUE_SOON_DAYS: i64 = 7;

/// One action of a plan, as the form submits it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ActionDraft {
    pub what: String,
    pub agency_id: Option<AgencyId>,
    /// 担当者 (free text; the responsible kasane user, if any, is `staff_user_id`).
    pub staff_name: String,
    pub staff_user_id: Option<i64>,
    /// ISO or 和暦; empty = for the whole period.
    pub by_when: String,
    /// 頻度, e.g. 「週1回」.
    pub frequency: String,
}

/// A plan as the form submits it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanDraft {
    /// 本人の望み, in the person's own words.
    pub person_goal: String,
    pub long_term_goal: String,
    pub short_term_goal: String,
    pub period_start: String,
    pub period_end: String,
    /// ISO or 和暦 dates.
    pub monitoring_dates: Vec<String>,
    pub actions: Vec<ActionDraft>,
    /// The version this draft revises (the case's newest when the form was opened);
    /// `None` for a case's first plan. A revision of an older one is refused (409).
    pub revises: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidAction {
    pub what: String,
    pub agency_id: AgencyId,
    pub staff_name: String,
    pub staff_user_id: Option<i64>,
    pub by_when: Option<NaiveDate>,
    pub frequency: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidPlan {
    pub person_goal: String,
    pub long_term_goal: String,
    pub short_term_goal: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// Sorted, without duplicates, within the period.
    pub monitoring_dates: Vec<NaiveDate>,
    pub actions: Vec<ValidAction>,
}

/// Checks a plan against the municipality's agencies, reporting every problem at once.
/// An action row left entirely blank is ignored (the form offers spare rows).
pub fn validate(d: &PlanDraft, known_agencies: &[AgencyId]) -> Result<ValidPlan, Vec<FieldError>> {
    let mut errors = Vec::new();
    let person_goal = d.person_goal.trim().to_string();
    let long_term_goal = d.long_term_goal.trim().to_string();
    let short_term_goal = d.short_term_goal.trim().to_string();
    for r in [
        required_text("person_goal", "本人の望み", &person_goal, TEXT_MAX_CHARS),
        required_text(
            "long_term_goal",
            "長期目標",
            &long_term_goal,
            TEXT_MAX_CHARS,
        ),
        required_text(
            "short_term_goal",
            "短期目標",
            &short_term_goal,
            TEXT_MAX_CHARS,
        ),
    ] {
        errors.extend(r.err());
    }
    let start = date_field("period_start", "プランの開始日", &d.period_start, true);
    let end = date_field("period_end", "プランの終了日", &d.period_end, true);
    let period = match (&start, &end) {
        (Ok(Some(s)), Ok(Some(e))) if e < s => {
            errors.push(FieldError::new(
                "period_end",
                "終了日が開始日より前になっています",
            ));
            None
        }
        (Ok(Some(s)), Ok(Some(e))) if (*e - *s).num_days() > MAX_PERIOD_DAYS => {
            errors.push(FieldError::new(
                "period_end",
                "プランの期間は1年以内にしてください(見直しは新しい版で行います)",
            ));
            None
        }
        (Ok(Some(s)), Ok(Some(e))) => Some((*s, *e)),
        _ => None,
    };
    errors.extend(start.err());
    errors.extend(end.err());

    let mut monitoring_dates = Vec::new();
    for raw in d.monitoring_dates.iter().filter(|r| !r.trim().is_empty()) {
        match date_field("monitoring_dates", "モニタリング日", raw, true) {
            Ok(Some(day)) => match period {
                Some((s, e)) if day < s || day > e => errors.push(FieldError::new(
                    "monitoring_dates",
                    format!("モニタリング日({raw})がプランの期間外です"),
                )),
                _ => monitoring_dates.push(day),
            },
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    monitoring_dates.sort_unstable();
    monitoring_dates.dedup();
    if monitoring_dates.is_empty() {
        errors.push(FieldError::new(
            "monitoring_dates",
            "モニタリング日を1つ以上入力してください",
        ));
    }

    let mut actions = Vec::new();
    for (i, a) in d.actions.iter().enumerate() {
        let row = i + 1;
        let what = a.what.trim().to_string();
        let blank = what.is_empty()
            && a.agency_id.is_none()
            && a.staff_name.trim().is_empty()
            && a.by_when.trim().is_empty()
            && a.frequency.trim().is_empty();
        if blank {
            continue;
        }
        let mut row_error = |message: String| {
            errors.push(FieldError::new(
                "actions",
                format!("支援内容{row}: {message}"),
            ))
        };
        if let Err(e) = required_text("actions", "支援の内容", &what, TEXT_MAX_CHARS) {
            row_error(e.message);
        }
        match a.agency_id {
            None => row_error("担当機関を選んでください".into()),
            Some(id) if !known_agencies.contains(&id) => {
                row_error("この自治体にない機関です".into())
            }
            Some(_) => {}
        }
        let staff_name = a.staff_name.trim().to_string();
        let frequency = a.frequency.trim().to_string();
        for r in [
            max_chars("actions", "担当者", &staff_name, SHORT_MAX_CHARS),
            max_chars("actions", "頻度", &frequency, SHORT_MAX_CHARS),
        ] {
            if let Err(e) = r {
                row_error(e.message);
            }
        }
        let by_when = match date_field("actions", "期限", &a.by_when, false) {
            Ok(d) => d,
            Err(e) => {
                row_error(e.message);
                None
            }
        };
        if let Some(agency_id) = a.agency_id {
            actions.push(ValidAction {
                what,
                agency_id,
                staff_name,
                staff_user_id: a.staff_user_id,
                by_when,
                frequency,
            });
        }
    }
    if actions.is_empty() && !errors.iter().any(|e| e.field == "actions") {
        errors.push(FieldError::new(
            "actions",
            "支援の内容を1つ以上入力してください",
        ));
    }
    match period {
        Some((period_start, period_end)) if errors.is_empty() => Ok(ValidPlan {
            person_goal,
            long_term_goal,
            short_term_goal,
            period_start,
            period_end,
            monitoring_dates,
            actions,
        }),
        _ => Err(errors),
    }
}

coded_enum! {
    /// モニタリングの結果 — per action.
    pub enum Progress("実施状況") {
        Done => ("done", "実施済"),
        InProgress => ("in_progress", "実施中"),
        NotDone => ("not_done", "未実施"),
    }
}

/// Where a monitoring date stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Due {
    /// More than [`DUE_SOON_DAYS`] ahead: not on the worklist yet.
    Later,
    /// Within a week, or today.
    Due,
    /// The day has passed without a monitoring.
    Overdue,
    Done,
}

impl Due {
    pub fn label(self) -> &'static str {
        match self {
            Due::Later => "予定",
            Due::Due => "期日が近い",
            Due::Overdue => "期日超過",
            Due::Done => "実施済",
        }
    }

    /// Whether it belongs on a worklist.
    pub fn needs_attention(self) -> bool {
        matches!(self, Due::Due | Due::Overdue)
    }
}

pub fn due(due_on: NaiveDate, done: bool, today: NaiveDate) -> Due {
    if done {
        Due::Done
    } else if today > due_on {
        Due::Overdue
    } else if due_on - today <= TimeDelta::days(DUE_SOON_DAYS) {
        Due::Due
    } else {
        Due::Later
    }
}

/// One monitoring entry against an action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MonitoringDraft {
    pub action_id: i64,
    pub progress: String,
    pub note: String,
}

/// Checks a monitoring round: one entry per action of the plan, each with a progress.
/// `not_done` needs a note (why, and what now).
pub fn validate_monitoring(
    entries: &[MonitoringDraft],
    action_ids: &[i64],
) -> Result<Vec<(i64, Progress, String)>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for (i, id) in action_ids.iter().enumerate() {
        let row = i + 1;
        let Some(e) = entries.iter().find(|e| e.action_id == *id) else {
            errors.push(FieldError::new(
                "progress",
                format!("支援内容{row}: 実施状況を選んでください"),
            ));
            continue;
        };
        let note = e.note.trim().to_string();
        match parse_choice::<Progress>("progress", "実施状況", &e.progress) {
            Ok(Progress::NotDone) if note.is_empty() => errors.push(FieldError::new(
                "note",
                format!("支援内容{row}: 未実施の理由と今後の対応を入力してください"),
            )),
            Ok(p) => match max_chars("note", "所見", &note, TEXT_MAX_CHARS) {
                Ok(()) => out.push((*id, p, note)),
                Err(err) => errors.push(FieldError::new(
                    "note",
                    format!("支援内容{row}: {}", err.message),
                )),
            },
            Err(err) => errors.push(FieldError::new(
                "progress",
                format!("支援内容{row}: {}", err.message),
            )),
        }
    }
    if entries.iter().any(|e| !action_ids.contains(&e.action_id)) {
        errors.push(FieldError::new(
            "progress",
            "このプランにない支援内容が含まれています",
        ));
    }
    match errors.is_empty() {
        true => Ok(out),
        false => Err(errors),
    }
}

coded_enum! {
    /// 評価する目標.
    pub enum Goal("目標") {
        Person => ("person_goal", "本人の望み"),
        LongTerm => ("long_term_goal", "長期目標"),
        ShortTerm => ("short_term_goal", "短期目標"),
    }
}

coded_enum! {
    /// 評価の結果.
    pub enum Achievement("評価") {
        Achieved => ("achieved", "達成"),
        Partly => ("partly", "一部達成"),
        NotAchieved => ("not_achieved", "未達成"),
    }
}

coded_enum! {
    /// 評価の後の進め方.
    pub enum NextStep("今後の方針") {
        NewPlan => ("new_plan", "新しいプランを作成"),
        Closure => ("closure", "終結"),
        Handover => ("handover", "主担当機関へ引継ぎ"),
    }
}

/// An evaluation as the form submits it: one result per goal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EvaluationDraft {
    pub person_goal: String,
    pub long_term_goal: String,
    pub short_term_goal: String,
    pub note: String,
    pub next_step: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidEvaluation {
    pub results: Vec<(Goal, Achievement)>,
    pub note: String,
    pub next_step: NextStep,
}

pub fn validate_evaluation(d: &EvaluationDraft) -> Result<ValidEvaluation, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut results = Vec::new();
    for (goal, raw) in [
        (Goal::Person, &d.person_goal),
        (Goal::LongTerm, &d.long_term_goal),
        (Goal::ShortTerm, &d.short_term_goal),
    ] {
        match parse_choice::<Achievement>(goal.code(), &format!("{}の評価", goal.label()), raw) {
            Ok(a) => results.push((goal, a)),
            Err(e) => errors.push(e),
        }
    }
    let note = d.note.trim().to_string();
    errors.extend(required_text("note", "評価の所見", &note, TEXT_MAX_CHARS).err());
    let next_step = parse_choice::<NextStep>("next_step", "今後の方針", &d.next_step);
    match next_step {
        Ok(next_step) if errors.is_empty() => Ok(ValidEvaluation {
            results,
            note,
            next_step,
        }),
        next_step => {
            errors.extend(next_step.err());
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn draft() -> PlanDraft {
        PlanDraft {
            revises: None,
            person_goal: "母と一緒に家で暮らし続けたい".into(),
            long_term_goal: "本人が外出できる場所を持つ".into(),
            short_term_goal: "母の介護サービスを整える".into(),
            period_start: "R8.6.1".into(),
            period_end: "R8.11.30".into(),
            monitoring_dates: vec![
                "2026-08-31".into(),
                "R8.7.31".into(),
                "".into(),
                "2026-07-31".into(),
            ],
            actions: vec![
                ActionDraft {
                    what: "介護保険の申請".into(),
                    agency_id: Some(2),
                    staff_name: "佐藤".into(),
                    by_when: "R8.6.30".into(),
                    ..ActionDraft::default()
                },
                ActionDraft::default(),
            ],
        }
    }

    #[test]
    fn a_plan_with_sorted_monitoring_dates_and_blank_rows_ignored() {
        let p = validate(&draft(), &[1, 2]).unwrap();
        assert_eq!(p.monitoring_dates, vec![day(2026, 7, 31), day(2026, 8, 31)]);
        assert_eq!(p.actions.len(), 1);
        assert_eq!(p.actions[0].by_when, Some(day(2026, 6, 30)));
    }

    #[test]
    fn every_problem_at_once() {
        let d = PlanDraft {
            person_goal: " ".into(),
            period_end: "R8.5.1".into(),
            monitoring_dates: vec!["R8.12.31".into()],
            actions: vec![ActionDraft {
                what: "x".into(),
                agency_id: Some(9),
                ..ActionDraft::default()
            }],
            ..draft()
        };
        let messages: Vec<String> = validate(&d, &[1, 2])
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            messages,
            vec![
                "本人の望みを入力してください",
                "終了日が開始日より前になっています",
                "支援内容1: この自治体にない機関です",
            ]
        );
        let d = PlanDraft {
            monitoring_dates: vec!["R9.1.5".into()],
            actions: vec![],
            ..draft()
        };
        let messages: Vec<String> = validate(&d, &[2])
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            messages,
            vec![
                "モニタリング日(R9.1.5)がプランの期間外です",
                "モニタリング日を1つ以上入力してください",
                "支援の内容を1つ以上入力してください",
            ]
        );
        let long = PlanDraft {
            period_end: "2027-12-31".into(),
            ..draft()
        };
        assert!(
            validate(&long, &[2]).unwrap_err()[0]
                .message
                .contains("1年以内")
        );
    }

    #[test]
    fn monitoring_turns_due_a_week_ahead_and_overdue_after_the_day() {
        let on = day(2026, 7, 31);
        assert_eq!(due(on, false, day(2026, 7, 23)), Due::Later);
        assert_eq!(due(on, false, day(2026, 7, 24)), Due::Due);
        assert_eq!(due(on, false, on), Due::Due);
        assert_eq!(due(on, false, day(2026, 8, 1)), Due::Overdue);
        assert_eq!(due(on, true, day(2026, 9, 1)), Due::Done);
        assert!(Due::Overdue.needs_attention() && !Due::Done.needs_attention());
    }

    #[test]
    fn a_monitoring_round_covers_every_action() {
        let ok = [
            MonitoringDraft {
                action_id: 1,
                progress: "done".into(),
                note: String::new(),
            },
            MonitoringDraft {
                action_id: 2,
                progress: "not_done".into(),
                note: "本人の体調不良で延期".into(),
            },
        ];
        assert_eq!(validate_monitoring(&ok, &[1, 2]).unwrap().len(), 2);
        let missing = [MonitoringDraft {
            action_id: 2,
            progress: "not_done".into(),
            note: String::new(),
        }];
        let messages: Vec<String> = validate_monitoring(&missing, &[1, 2])
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            messages,
            vec![
                "支援内容1: 実施状況を選んでください",
                "支援内容2: 未実施の理由と今後の対応を入力してください",
            ]
        );
        let foreign = [MonitoringDraft {
            action_id: 7,
            progress: "done".into(),
            note: String::new(),
        }];
        assert!(validate_monitoring(&foreign, &[]).is_err());
    }

    #[test]
    fn an_evaluation_judges_every_goal_and_names_the_next_step() {
        let d = EvaluationDraft {
            person_goal: "achieved".into(),
            long_term_goal: "partly".into(),
            short_term_goal: "achieved".into(),
            note: "母の介護サービスが整った".into(),
            next_step: "closure".into(),
        };
        let e = validate_evaluation(&d).unwrap();
        assert_eq!(e.next_step, NextStep::Closure);
        assert_eq!(e.results[1], (Goal::LongTerm, Achievement::Partly));
        let errors = validate_evaluation(&EvaluationDraft::default()).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            vec![
                "person_goal",
                "long_term_goal",
                "short_term_goal",
                "note",
                "next_step"
            ]
        );
    }
}
