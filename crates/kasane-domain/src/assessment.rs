//! アセスメント (`assessment`): a structured picture of the situation, in sections, kept in
//! versions (a new version never overwrites the previous one). The person's own words come
//! first: a sheet without 本人の思い・望み is refused — if they could not be heard, the
//! worker writes so.

use serde::{Deserialize, Serialize};

use crate::intake::{FieldError, coded_enum, max_chars, parse_choice, required_text};

coded_enum! {
    /// リスク — the risks the sheet asks about explicitly.
    pub enum Risk("リスク") {
        Abuse => ("abuse", "虐待"),
        Suicide => ("suicide", "自殺"),
        LonelyDeath => ("lonely_death", "孤立死"),
    }
}

/// The text sections of the sheet, in print order: (field, label).
pub const SECTIONS: [(&str, &str); 10] = [
    ("wishes", "本人の思い・望み"),
    ("household", "世帯の状況"),
    ("health", "健康・障がい"),
    ("income_debt", "収入・債務"),
    ("housing", "住まい"),
    ("daily_life", "日常生活"),
    ("social_ties", "社会とのつながり"),
    ("strengths", "強み(ストレングス)"),
    ("risk_note", "リスクの状況"),
    ("agencies_involved", "すでに関わっている機関"),
];

pub const SECTION_MAX_CHARS: usize = 4000;

/// An assessment as the form submits it: sections by field name, risks and issue codes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AssessmentDraft {
    pub wishes: String,
    pub household: String,
    pub health: String,
    pub income_debt: String,
    pub housing: String,
    pub daily_life: String,
    pub social_ties: String,
    pub strengths: String,
    pub risk_note: String,
    pub agencies_involved: String,
    pub risks: Vec<String>,
    /// The municipality's issue codes (課題の分野).
    pub issues: Vec<String>,
}

impl AssessmentDraft {
    /// The text of section `field` (one of [`SECTIONS`]).
    pub fn section(&self, field: &str) -> &str {
        match field {
            "wishes" => &self.wishes,
            "household" => &self.household,
            "health" => &self.health,
            "income_debt" => &self.income_debt,
            "housing" => &self.housing,
            "daily_life" => &self.daily_life,
            "social_ties" => &self.social_ties,
            "strengths" => &self.strengths,
            "risk_note" => &self.risk_note,
            "agencies_involved" => &self.agencies_involved,
            _ => "",
        }
    }
}

/// A checked sheet: the draft with every text trimmed, risks parsed and issues known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidAssessment {
    pub sheet: AssessmentDraft,
    pub risks: Vec<Risk>,
}

/// Checks a sheet against the municipality's issue codes, reporting every problem at once.
pub fn validate(
    d: &AssessmentDraft,
    known_issues: &[&str],
) -> Result<ValidAssessment, Vec<FieldError>> {
    let mut sheet = AssessmentDraft {
        wishes: d.wishes.trim().into(),
        household: d.household.trim().into(),
        health: d.health.trim().into(),
        income_debt: d.income_debt.trim().into(),
        housing: d.housing.trim().into(),
        daily_life: d.daily_life.trim().into(),
        social_ties: d.social_ties.trim().into(),
        strengths: d.strengths.trim().into(),
        risk_note: d.risk_note.trim().into(),
        agencies_involved: d.agencies_involved.trim().into(),
        risks: Vec::new(),
        issues: Vec::new(),
    };
    let mut errors: Vec<FieldError> = SECTIONS
        .iter()
        .filter_map(|(field, label)| {
            let text = sheet.section(field);
            match *field {
                "wishes" => required_text("wishes", label, text, SECTION_MAX_CHARS),
                _ => max_chars(field, label, text, SECTION_MAX_CHARS),
            }
            .err()
        })
        .collect();
    let mut risks = Vec::new();
    for raw in &d.risks {
        match parse_choice::<Risk>("risks", "リスク", raw) {
            Ok(r) if !risks.contains(&r) => risks.push(r),
            Ok(_) => {}
            Err(e) => errors.push(e),
        }
    }
    risks.sort();
    for code in &d.issues {
        let code = code.trim();
        if !known_issues.contains(&code) {
            errors.push(FieldError::new(
                "issues",
                format!("不明な課題の分野です: 「{code}」"),
            ));
        } else if !sheet.issues.iter().any(|c| c == code) {
            sheet.issues.push(code.to_string());
        }
    }
    if !risks.is_empty() && sheet.risk_note.is_empty() {
        errors.push(FieldError::new(
            "risk_note",
            "リスクを選んだときは、その状況を入力してください",
        ));
    }
    sheet.risks = risks.iter().map(|r| r.code().to_string()).collect();
    match errors.is_empty() {
        true => Ok(ValidAssessment { sheet, risks }),
        false => Err(errors),
    }
}

/// The sections whose text differs between two versions, by label (for the history).
pub fn changed_sections(old: &AssessmentDraft, new: &AssessmentDraft) -> Vec<&'static str> {
    let mut changed: Vec<&'static str> = SECTIONS
        .iter()
        .filter(|(field, _)| old.section(field) != new.section(field))
        .map(|(_, label)| *label)
        .collect();
    if old.risks != new.risks {
        changed.push("リスク");
    }
    if old.issues != new.issues {
        changed.push("課題の分野");
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUES: [&str; 3] = ["hikikomori", "care", "debt"];

    #[test]
    fn the_persons_own_words_come_first() {
        let d = AssessmentDraft::default();
        let errors = validate(&d, &ISSUES).unwrap_err();
        assert_eq!(errors[0].message, "本人の思い・望みを入力してください");
    }

    #[test]
    fn risks_need_their_circumstances_and_issues_must_be_known() {
        let d = AssessmentDraft {
            wishes: "  母の介護を続けたい  ".into(),
            risks: vec!["suicide".into(), "abuse".into(), "abuse".into()],
            issues: vec!["care".into(), "gambling".into()],
            ..AssessmentDraft::default()
        };
        let messages: Vec<String> = validate(&d, &ISSUES)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            messages,
            vec![
                "不明な課題の分野です: 「gambling」",
                "リスクを選んだときは、その状況を入力してください"
            ]
        );
        let d = AssessmentDraft {
            risk_note: "母への暴言あり".into(),
            issues: vec!["care".into(), "hikikomori".into(), "care".into()],
            ..d
        };
        let v = validate(&d, &ISSUES).unwrap();
        assert_eq!(v.sheet.wishes, "母の介護を続けたい");
        assert_eq!(v.risks, vec![Risk::Abuse, Risk::Suicide]);
        assert_eq!(v.sheet.risks, vec!["abuse", "suicide"]);
        assert_eq!(v.sheet.issues, vec!["care", "hikikomori"]);
    }

    #[test]
    fn the_history_names_changed_sections() {
        let old = AssessmentDraft {
            wishes: "a".into(),
            ..AssessmentDraft::default()
        };
        let new = AssessmentDraft {
            wishes: "a".into(),
            housing: "持ち家".into(),
            risks: vec!["abuse".into()],
            ..AssessmentDraft::default()
        };
        assert_eq!(changed_sections(&old, &new), vec!["住まい", "リスク"]);
        assert!(changed_sections(&old, &old).is_empty());
    }
}
