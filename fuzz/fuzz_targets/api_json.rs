//! The API's JSON request bodies: each body type read as `api::Body` reads it
//! (`axum::Json::from_bytes`, whose rejection text becomes the problem+json), then the
//! pure domain validation its handler runs next, through the handler's own conversion.
//! Never panics; a rejection always has words for the caller.
#![no_main]

use std::collections::BTreeSet;

use axum::Json;
use chrono::NaiveDate;
use kasane_app::collaboration::case::{NewCaseInput, parse_event};
use kasane_app::consultation::person::PersonDraft;
use kasane_domain::intake::IntakeRules;
use kasane_domain::meeting::{
    MeetingDraft, RoleDraft, check_minutes, validate_meeting, validate_role,
};
use kasane_domain::plan::{EvaluationDraft, PlanDraft};
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

fn entry(draft: EntryDraft) {
    let Some(today) = today() else { return };
    let _ = support_log::validate(&draft, today);
}

fn intake_request(req: intakes::IntakeRequest) {
    let Some(now) = today().and_then(|d| d.and_hms_opt(10, 0, 0)) else {
        return;
    };
    if let Some(person) = &req.person {
        let _ = person.parse(&["omagari"], now.date());
    }
    let draft = req.draft();
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
                entry(r.into());
            }
        }
        10 => {
            if let Some(r) = body::<support_logs::EditRequest>(bytes) {
                entry(r.into());
            }
        }
        11 => {
            if let Some(r) = body::<meetings::MeetingRequest>(bytes) {
                let _ = validate_meeting(&MeetingDraft::from(r));
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
                let _ = validate_role(&RoleDraft::from(r), &AGENCIES);
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
                let draft = PlanDraft::from(r);
                let _ = plan::validate(&draft, &AGENCIES);
            }
        }
        22 => drop(body::<support_plans::ApproveRequest>(bytes)),
        23 => {
            if let Some(r) = body::<support_plans::MonitoringRequest>(bytes) {
                let _ = plan::validate_monitoring(&r.drafts(), &[1, 2]);
            }
        }
        24 => {
            if let Some(r) = body::<support_plans::EvaluationRequest>(bytes) {
                let _ = plan::validate_evaluation(&EvaluationDraft::from(r));
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
