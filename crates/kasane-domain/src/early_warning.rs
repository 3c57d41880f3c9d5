//! 複合課題の可能性: a person whom several windows met within a year, or whose issues span
//! several fields, probably needs 多機関協働 — even if no single window sees it. Pure: the
//! caller gathers the person's contacts (相談受付, 支援経過記録, つなぎ) from every agency the
//! access rule lets the system consult, and decides who may see the result.

use std::fmt;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::identity::AgencyId;
use crate::municipality::Field;

/// The look-back window, in months, ending on (and including) today.
pub const WINDOW_MONTHS: u32 = 12;
/// Distinct agencies within the window that raise [`WarningReason::MultipleAgencies`].
pub const MIN_AGENCIES: usize = 2;
/// Distinct fields within the window that raise [`WarningReason::MultipleFields`].
pub const MIN_FIELDS: usize = 3;

/// Which kind of record a contact comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactSource {
    Intake,
    SupportLog,
    Referral,
}

impl ContactSource {
    pub fn code(self) -> &'static str {
        match self {
            ContactSource::Intake => "intake",
            ContactSource::SupportLog => "support_log",
            ContactSource::Referral => "referral",
        }
    }

    /// The Japanese label shown in the UI.
    pub fn label(self) -> &'static str {
        match self {
            ContactSource::Intake => "相談受付",
            ContactSource::SupportLog => "支援経過記録",
            ContactSource::Referral => "つなぎ",
        }
    }
}

impl fmt::Display for ContactSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One time an agency dealt with the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub agency_id: AgencyId,
    pub agency_name: String,
    pub on: NaiveDate,
    /// Fields of the issues recorded on the contact.
    pub fields: Vec<Field>,
    pub source: ContactSource,
    /// Id of the intake, support-log entry or referral, for linking back.
    pub record_id: i64,
}

/// Why a warning was raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningReason {
    MultipleAgencies,
    MultipleFields,
}

impl WarningReason {
    pub fn code(self) -> &'static str {
        match self {
            WarningReason::MultipleAgencies => "multiple_agencies",
            WarningReason::MultipleFields => "multiple_fields",
        }
    }

    /// The Japanese label shown in the UI.
    pub fn label(self) -> &'static str {
        match self {
            WarningReason::MultipleAgencies => "複数機関が対応",
            WarningReason::MultipleFields => "複数分野の課題",
        }
    }
}

impl fmt::Display for WarningReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An agency that met the person within the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgencySeen {
    pub id: AgencyId,
    pub name: String,
}

/// 「複合課題の可能性」 with what it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// In the order of [`WarningReason`]; never empty.
    pub reasons: Vec<WarningReason>,
    /// Distinct agencies within the window, by first contact.
    pub agencies: Vec<AgencySeen>,
    /// Distinct fields within the window (without [`Field::Other`]), in [`Field::ALL`] order.
    pub fields: Vec<Field>,
    /// The contacts that count, oldest first.
    pub evidence: Vec<Contact>,
    /// E.g. `12か月以内に2機関(高齢者包括支援センター、基幹相談支援センター)が対応・3分野(高齢、障がい、生活困窮)の課題`.
    pub summary: String,
}

/// The first day of the window ending on `today`: the same day 12 months earlier (clamped to
/// the month's end, so 2025-02-28 looks back to 2024-02-28 and 2024-02-29 to 2023-02-28).
pub fn window_start(today: NaiveDate) -> NaiveDate {
    today
        .checked_sub_months(Months::new(WINDOW_MONTHS))
        .unwrap_or(NaiveDate::MIN)
}

/// Whether the person's recent contacts suggest 複合課題. Contacts before the window or dated
/// after `today` (typos, scheduled visits) do not count.
///
/// [`Field::Other`] is not counted as a field: it is "none of the four" or "cross-field", so
/// counting it would turn 高齢 + 障がい + その他 into three fields when it is two.
pub fn assess(contacts: &[Contact], today: NaiveDate) -> Option<Warning> {
    let start = window_start(today);
    let mut recent: Vec<&Contact> = contacts
        .iter()
        .filter(|c| (start..=today).contains(&c.on))
        .collect();
    recent.sort_by_key(|c| (c.on, c.record_id));

    let mut agencies: Vec<AgencySeen> = Vec::new();
    for c in &recent {
        if !agencies.iter().any(|a| a.id == c.agency_id) {
            agencies.push(AgencySeen {
                id: c.agency_id,
                name: c.agency_name.clone(),
            });
        }
    }
    let fields: Vec<Field> = Field::ALL
        .into_iter()
        .filter(|f| *f != Field::Other && recent.iter().any(|c| c.fields.contains(f)))
        .collect();

    let many_agencies = agencies.len() >= MIN_AGENCIES;
    let many_fields = fields.len() >= MIN_FIELDS;
    let mut reasons = Vec::new();
    let mut summary = Vec::new();
    if many_agencies {
        reasons.push(WarningReason::MultipleAgencies);
        let names: Vec<&str> = agencies.iter().map(|a| a.name.as_str()).collect();
        summary.push(format!("{}機関({})が対応", names.len(), names.join("、")));
    }
    if many_fields {
        reasons.push(WarningReason::MultipleFields);
        let labels: Vec<&str> = fields.iter().map(|f| f.label()).collect();
        summary.push(format!("{}分野({})の課題", labels.len(), labels.join("、")));
    }
    if reasons.is_empty() {
        return None;
    }

    // Every recent contact shows an agency's involvement; for fields alone, only the
    // contacts that carry a counted field are evidence.
    let evidence = recent
        .into_iter()
        .filter(|c| many_agencies || c.fields.iter().any(|f| fields.contains(f)))
        .cloned()
        .collect();
    Some(Warning {
        reasons,
        agencies,
        fields,
        evidence,
        summary: format!("{WINDOW_MONTHS}か月以内に{}", summary.join("・")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Field::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn today() -> NaiveDate {
        d(2025, 6, 15)
    }

    fn agency_name(id: AgencyId) -> &'static str {
        match id {
            1 => "高齢者包括支援センター",
            2 => "基幹相談支援センター",
            3 => "自立相談支援機関",
            _ => "子ども家庭センター",
        }
    }

    fn c(record_id: i64, agency_id: AgencyId, on: NaiveDate, fields: &[Field]) -> Contact {
        Contact {
            agency_id,
            agency_name: agency_name(agency_id).to_string(),
            on,
            fields: fields.to_vec(),
            source: ContactSource::Intake,
            record_id,
        }
    }

    fn ids(w: &Warning) -> Vec<i64> {
        w.evidence.iter().map(|c| c.record_id).collect()
    }

    #[test]
    fn nothing_without_contacts() {
        assert_eq!(assess(&[], today()), None);
    }

    #[test]
    fn two_agencies_within_the_window() {
        let contacts = [
            c(1, 1, d(2025, 1, 10), &[Elderly]),
            c(2, 2, d(2025, 5, 1), &[Disability]),
        ];
        let w = assess(&contacts, today()).unwrap();
        assert_eq!(w.reasons, [WarningReason::MultipleAgencies]);
        assert_eq!(ids(&w), [1, 2]);
        assert_eq!(
            w.summary,
            "12か月以内に2機関(高齢者包括支援センター、基幹相談支援センター)が対応"
        );
    }

    #[test]
    fn same_agency_twice_is_one_agency() {
        let contacts = [
            c(1, 1, d(2025, 1, 10), &[Elderly]),
            c(2, 1, d(2025, 5, 1), &[Elderly, Poverty]),
        ];
        assert_eq!(assess(&contacts, today()), None);
    }

    #[test]
    fn window_boundary_is_exactly_twelve_months_inclusive() {
        let edge = c(1, 1, d(2024, 6, 15), &[Elderly]);
        let day_before = c(1, 1, d(2024, 6, 14), &[Elderly]);
        let recent = c(2, 2, d(2025, 6, 15), &[Disability]);
        assert!(assess(&[edge, recent.clone()], today()).is_some());
        assert_eq!(assess(&[day_before, recent], today()), None);
    }

    #[test]
    fn window_start_clamps_leap_days() {
        assert_eq!(window_start(d(2024, 2, 29)), d(2023, 2, 28));
        assert_eq!(window_start(d(2025, 2, 28)), d(2024, 2, 28));
        assert_eq!(window_start(d(2025, 3, 1)), d(2024, 3, 1));
    }

    #[test]
    fn old_and_future_contacts_are_ignored() {
        let contacts = [
            c(1, 1, d(2023, 1, 10), &[Elderly, Disability, Poverty]),
            c(2, 2, d(2025, 6, 1), &[Disability]),
            c(3, 3, d(2025, 6, 16), &[Poverty, Child]),
        ];
        assert_eq!(assess(&contacts, today()), None);
    }

    #[test]
    fn three_fields_at_one_agency_trigger() {
        let contacts = [
            c(1, 3, d(2024, 9, 1), &[Poverty]),
            c(2, 3, d(2025, 2, 1), &[Elderly, Other]),
            c(3, 3, d(2025, 3, 1), &[Other]),
            c(4, 3, d(2025, 4, 1), &[Disability]),
        ];
        let w = assess(&contacts, today()).unwrap();
        assert_eq!(w.reasons, [WarningReason::MultipleFields]);
        assert_eq!(w.fields, [Elderly, Disability, Poverty]);
        // The その他-only contact is not evidence for the field count.
        assert_eq!(ids(&w), [1, 2, 4]);
        assert_eq!(w.summary, "12か月以内に3分野(高齢、障がい、生活困窮)の課題");
    }

    #[test]
    fn other_is_not_a_third_field() {
        let contacts = [
            c(1, 1, d(2025, 1, 1), &[Elderly, Other]),
            c(2, 1, d(2025, 2, 1), &[Disability]),
        ];
        assert_eq!(assess(&contacts, today()), None);
    }

    #[test]
    fn both_reasons_with_full_summary() {
        let contacts = [
            c(5, 2, d(2025, 3, 1), &[Disability]),
            c(4, 1, d(2024, 8, 1), &[Elderly]),
            c(6, 1, d(2025, 4, 1), &[Poverty]),
            c(7, 9, d(2020, 1, 1), &[Child]),
        ];
        let w = assess(&contacts, today()).unwrap();
        assert_eq!(
            w.reasons,
            [
                WarningReason::MultipleAgencies,
                WarningReason::MultipleFields
            ]
        );
        assert_eq!(ids(&w), [4, 5, 6]);
        let agencies: Vec<AgencyId> = w.agencies.iter().map(|a| a.id).collect();
        assert_eq!(agencies, [1, 2]);
        assert_eq!(
            w.summary,
            "12か月以内に2機関(高齢者包括支援センター、基幹相談支援センター)が対応・3分野(高齢、障がい、生活困窮)の課題"
        );
    }

    #[test]
    fn contacts_without_fields_still_count_for_agencies() {
        let mut referral = c(2, 4, d(2025, 6, 15), &[]);
        referral.source = ContactSource::Referral;
        let contacts = [c(1, 1, d(2025, 6, 1), &[]), referral];
        let w = assess(&contacts, today()).unwrap();
        assert_eq!(w.reasons, [WarningReason::MultipleAgencies]);
        assert!(w.fields.is_empty());
        assert_eq!(ids(&w), [1, 2]);
        assert_eq!(ContactSource::Referral.label(), "つなぎ");
        assert_eq!(WarningReason::MultipleFields.label(), "複数分野の課題");
    }
}
