//! The API's JSON request bodies: each body type read as `api::Body` reads it
//! (`axum::Json::from_bytes`, whose rejection text becomes the problem+json), then the
//! pure domain validation its handler runs next, with the handler's own field mapping.
//! Never panics; a rejection always has words for the caller.
#![no_main]

use std::collections::BTreeSet;

use axum::Json;
use chrono::NaiveDate;
use kasane_app::collaboration::case::{NewCaseInput, parse_event};
use kasane_app::consultation::person::PersonDraft;
use kasane_domain::intake::{IntakeDraft, IntakeRules};
use kasane_domain::meeting::{
    MeetingDraft, RoleDraft, check_minutes, validate_meeting, validate_role,
};
use kasane_domain::plan::{ActionDraft, EvaluationDraft, MonitoringDraft, PlanDraft};
use kasane_domain::support_log::EntryDraft;
use kasane_domain::wareki::parse_date;
use kasane_domain::{assessment, consent, intake, plan, support_log};
use kasane_web::api::{
    cases, consents, households, intakes, meetings, persons, referrals, support_logs, support_plans,
};
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;

const AGENCIES: [i64; 3] = [1, 2, 3];

fn today() -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(2026, 6, 1)
}

/// The body as `api::Body` reads it; a rejection must say something.
fn body<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    match Json::<T>::from_bytes(bytes) {
        Ok(Json(value)) => Some(value),
        Err(rejection) => {
            assert!(!rejection.body_text().is_empty());
            None
        }
    }
}

fn entry(
    occurred_on: String,
    kind: String,
    body: String,
    person_id: Option<i64>,
    household_id: Option<i64>,
) {
    let Some(today) = today() else { return };
    let draft = EntryDraft {
        occurred_on,
        kind,
        body,
        person_id,
        household_id,
    };
    let _ = support_log::validate(&draft, today);
}

fn intake_request(req: intakes::IntakeRequest) {
    let Some(now) = today().and_then(|d| d.and_hms_opt(10, 0, 0)) else {
        return;
    };
    if let Some(person) = &req.person {
        let _ = person.parse(&["omagari"], now.date());
    }
    // As `IntakeRequest::draft` (private) maps it.
    let draft = IntakeDraft {
        received_at: req.received_at,
        receiving_agency_id: req.receiving_agency_id,
        channel: req.channel,
        consulter_kind: req.consulter_kind,
        consulter_name: req.consulter_name,
        consulter_relation: req.consulter_relation,
        issues: req.issues,
        concerns: req.concerns,
        most_pressing: req.most_pressing,
        consent_to_share: req.consent_to_share,
        summary: req.summary,
        urgency: req.urgency,
        outcome: req.outcome,
        referred_to_agency_id: req.referred_to_agency_id,
        immediate_action: req.immediate_action,
    };
    let rules = IntakeRules::new(["hikikomori", "isolation", "care"], now, 1);
    let _ = intake::validate(&draft, &rules);
    let _: BTreeSet<String> = rules.issue_codes;
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    let Some(today) = today() else { return };
    match which % 29 {
        0 => {
            if let Some(r) = body::<persons::LinkRequest>(bytes) {
                let _ = r.reason.trim();
            }
        }
        1 => {
            if let Some(r) = body::<cases::CaseEventRequest>(bytes) {
                let _ = parse_event(&r.event, &r.to, &r.reason);
            }
        }
        2 => drop(body::<cases::AgencyRequest>(bytes)),
        3 => drop(body::<cases::HandoverRequest>(bytes)),
        4 => {
            if let Some(r) = body::<cases::AssessmentRequest>(bytes) {
                let _ = assessment::validate(&r.sheet, &["hikikomori", "isolation"]);
            }
        }
        5 => drop(body::<NewCaseInput>(bytes)),
        6 => drop(body::<referrals::ReferralRequest>(bytes)),
        7 => drop(body::<referrals::DeclineRequest>(bytes)),
        8 => drop(body::<referrals::CompleteRequest>(bytes)),
        9 => {
            if let Some(r) = body::<support_logs::EntryRequest>(bytes) {
                entry(r.occurred_on, r.kind, r.body, r.person_id, r.household_id);
            }
        }
        10 => {
            if let Some(r) = body::<support_logs::EditRequest>(bytes) {
                entry(r.occurred_on, r.kind, r.body, None, None);
            }
        }
        11 => {
            if let Some(r) = body::<meetings::MeetingRequest>(bytes) {
                let _ = validate_meeting(&MeetingDraft {
                    kind: r.kind,
                    held_on: r.held_on,
                    host_agency_id: r.host_agency_id,
                    place: r.place,
                    next_review_on: r.next_review_on,
                    note: r.note,
                });
            }
        }
        12 => drop(body::<meetings::MemberRequest>(bytes)),
        13 => drop(body::<meetings::AgendaRequest>(bytes)),
        14 => {
            if let Some(r) = body::<meetings::MinutesRequest>(bytes) {
                let _ = check_minutes(&r.discussion, &r.decisions);
            }
        }
        15 => {
            if let Some(r) = body::<meetings::RoleRequest>(bytes) {
                let draft = RoleDraft {
                    agency_id: r.agency_id,
                    staff_name: r.staff_name,
                    task: r.task,
                    due_on: r.due_on,
                };
                let _ = validate_role(&draft, &AGENCIES);
            }
        }
        16 => drop(body::<households::HouseholdRequest>(bytes)),
        17 => {
            if let Some(r) = body::<households::HouseholdMemberRequest>(bytes) {
                let _ = parse_date(r.joined_on.as_deref().unwrap_or(""));
            }
        }
        18 => {
            if let Some(r) = body::<consents::ConsentBody>(bytes) {
                let _ = consent::validate(&r.draft, &AGENCIES, today);
            }
        }
        19 => {
            if let Some(r) = body::<consents::WithdrawRequest>(bytes) {
                let _ = consent::check_withdrawal(&r.note, false);
            }
        }
        20 => {
            if let Some(r) = body::<intakes::IntakeRequest>(bytes) {
                intake_request(r);
            }
        }
        21 => {
            if let Some(r) = body::<support_plans::PlanRequest>(bytes) {
                let draft = PlanDraft {
                    person_goal: r.person_goal,
                    long_term_goal: r.long_term_goal,
                    short_term_goal: r.short_term_goal,
                    period_start: r.period_start,
                    period_end: r.period_end,
                    monitoring_dates: r.monitoring_dates,
                    actions: r
                        .actions
                        .into_iter()
                        .map(|a| ActionDraft {
                            what: a.what,
                            agency_id: a.agency_id,
                            staff_name: a.staff_name,
                            staff_user_id: a.staff_user_id,
                            by_when: a.by_when,
                            frequency: a.frequency,
                        })
                        .collect(),
                };
                let _ = plan::validate(&draft, &AGENCIES);
            }
        }
        22 => drop(body::<support_plans::ApproveRequest>(bytes)),
        23 => {
            if let Some(r) = body::<support_plans::MonitoringRequest>(bytes) {
                let entries: Vec<MonitoringDraft> = r
                    .entries
                    .into_iter()
                    .map(|e| MonitoringDraft {
                        action_id: e.action_id,
                        progress: e.progress,
                        note: e.note,
                    })
                    .collect();
                let _ = plan::validate_monitoring(&entries, &[1, 2]);
            }
        }
        24 => {
            if let Some(r) = body::<support_plans::EvaluationRequest>(bytes) {
                let _ = plan::validate_evaluation(&EvaluationDraft {
                    person_goal: r.person_goal,
                    long_term_goal: r.long_term_goal,
                    short_term_goal: r.short_term_goal,
                    note: r.note,
                    next_step: r.next_step,
                });
            }
        }
        25 => {
            if let Some(p) = body::<PersonDraft>(bytes) {
                let _ = p.parse(&["omagari", "kamioka"], today);
            }
        }
        26 => drop(body::<cases::AssessmentSheet>(bytes)),
        27 => drop(body::<consents::ConsentRequest>(bytes)),
        _ => drop(body::<serde_json::Value>(bytes)),
    }
});
