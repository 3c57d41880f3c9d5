//! 支援経過記録 (support log): dated entries on a person and/or household. Edits keep every
//! version; this module checks an entry and says what an edit changed, so the version
//! history can show it and an edit that changes nothing is refused rather than stored.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::intake::{FieldError, coded_enum, parse_choice, required_text};
use crate::wareki;

coded_enum! {
    /// 記録の種別.
    pub enum EntryKind("記録の種別") {
        Visit => ("visit", "訪問"),
        Phone => ("phone", "電話"),
        Accompaniment => ("accompaniment", "同行"),
        Meeting => ("meeting", "会議"),
        Note => ("note", "メモ"),
    }
}

pub const BODY_MAX_CHARS: usize = 8000;

/// A support-log entry as the form submits it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EntryDraft {
    /// ISO or 和暦 (`2025-04-01`, `R7.4.1`, `令和7年4月1日`).
    pub occurred_on: String,
    pub kind: String,
    pub body: String,
    pub person_id: Option<i64>,
    pub household_id: Option<i64>,
}

/// A checked entry; also one version of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidEntry {
    pub occurred_on: NaiveDate,
    pub kind: EntryKind,
    /// Trimmed at both ends.
    pub body: String,
    pub person_id: Option<i64>,
    pub household_id: Option<i64>,
}

/// Checks an entry, reporting every problem at once. `today` is the municipality's local
/// date; an activity cannot be recorded before it happened.
pub fn validate(draft: &EntryDraft, today: NaiveDate) -> Result<ValidEntry, Vec<FieldError>> {
    let mut errors = Vec::new();

    let occurred_on = if draft.occurred_on.trim().is_empty() {
        errors.push(FieldError::new("occurred_on", "日付を入力してください"));
        None
    } else {
        match wareki::parse_date(&draft.occurred_on) {
            Ok(d) if d > today => {
                errors.push(FieldError::new("occurred_on", "未来の日付は記録できません"));
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                errors.push(FieldError::new("occurred_on", e.to_string()));
                None
            }
        }
    };

    let kind = parse_choice::<EntryKind>("kind", "記録の種別", &draft.kind)
        .map_err(|e| errors.push(e))
        .ok();

    let body = draft.body.trim().to_string();
    if let Err(e) = required_text("body", "記録の内容", &body, BODY_MAX_CHARS) {
        errors.push(e);
    }

    if draft.person_id.is_none() && draft.household_id.is_none() {
        errors.push(FieldError::new(
            "person_id",
            "本人または世帯の少なくとも一方を選んでください",
        ));
    }

    match (occurred_on, kind) {
        (Some(occurred_on), Some(kind)) if errors.is_empty() => Ok(ValidEntry {
            occurred_on,
            kind,
            body,
            person_id: draft.person_id,
            household_id: draft.household_id,
        }),
        _ => Err(errors),
    }
}

/// The Japanese name of a [`ValidEntry`] field, for the version history.
pub fn field_label(field: &str) -> &'static str {
    match field {
        "occurred_on" => "日付",
        "kind" => "種別",
        "body" => "内容",
        "person_id" => "本人",
        "household_id" => "世帯",
        _ => "その他",
    }
}

/// The fields an edit changed, in form order; empty when nothing changed.
pub fn changed_fields(old: &ValidEntry, new: &ValidEntry) -> Vec<&'static str> {
    // Destructured so that a field added to ValidEntry cannot be forgotten here.
    let ValidEntry {
        occurred_on,
        kind,
        body,
        person_id,
        household_id,
    } = old;
    [
        ("occurred_on", *occurred_on != new.occurred_on),
        ("kind", *kind != new.kind),
        ("body", *body != new.body),
        ("person_id", *person_id != new.person_id),
        ("household_id", *household_id != new.household_id),
    ]
    .into_iter()
    .filter_map(|(field, changed)| changed.then_some(field))
    .collect()
}

/// An edit that would store an identical version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("変更がありません")]
pub struct NoChange;

/// Checks an edit: the changed fields, or [`NoChange`] — a version identical to the last
/// would clutter the history and hide the edits that mattered.
pub fn check_edit(old: &ValidEntry, new: &ValidEntry) -> Result<Vec<&'static str>, NoChange> {
    let changed = changed_fields(old, new);
    if changed.is_empty() {
        Err(NoChange)
    } else {
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 2).unwrap()
    }

    fn draft() -> EntryDraft {
        EntryDraft {
            occurred_on: "2025-06-02".into(),
            kind: "visit".into(),
            body: " 自宅を訪問。本人とは会えず、母と面談。 ".into(),
            person_id: Some(7),
            household_id: None,
        }
    }

    fn fields(r: Result<ValidEntry, Vec<FieldError>>) -> Vec<&'static str> {
        r.err()
            .unwrap_or_default()
            .iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn kinds_round_trip() {
        for k in EntryKind::ALL {
            assert_eq!(k.code().parse::<EntryKind>(), Ok(k));
        }
        assert_eq!(EntryKind::Accompaniment.label(), "同行");
        assert!("call".parse::<EntryKind>().is_err());
    }

    #[test]
    fn valid_entry_is_accepted() {
        let v = validate(&draft(), today()).unwrap();
        assert_eq!(v.occurred_on, today());
        assert_eq!(v.kind, EntryKind::Visit);
        assert_eq!(v.body, "自宅を訪問。本人とは会えず、母と面談。");
    }

    #[test]
    fn dates_in_iso_and_wareki() {
        let mut d = draft();
        for (input, ymd) in [
            ("R7.6.1", (2025, 6, 1)),
            ("令和7年5月31日", (2025, 5, 31)),
            ("2025/6/2", (2025, 6, 2)),
        ] {
            d.occurred_on = input.into();
            let want = NaiveDate::from_ymd_opt(ymd.0, ymd.1, ymd.2).unwrap();
            assert_eq!(validate(&d, today()).unwrap().occurred_on, want, "{input}");
        }
        for bad in ["", "2025-06-03", "平成31年5月1日", "きのう"] {
            d.occurred_on = bad.into();
            assert_eq!(fields(validate(&d, today())), ["occurred_on"], "{bad}");
        }
        d.occurred_on = "2025-06-03".into();
        assert_eq!(
            validate(&d, today()).unwrap_err()[0].message,
            "未来の日付は記録できません"
        );
    }

    #[test]
    fn person_or_household_and_body_limits() {
        let mut d = draft();
        d.person_id = None;
        assert_eq!(fields(validate(&d, today())), ["person_id"]);
        d.household_id = Some(3);
        assert!(validate(&d, today()).is_ok());
        d.body = "あ".repeat(BODY_MAX_CHARS);
        assert!(validate(&d, today()).is_ok());
        d.body = "あ".repeat(BODY_MAX_CHARS + 1);
        assert_eq!(fields(validate(&d, today())), ["body"]);
    }

    #[test]
    fn every_error_is_collected() {
        assert_eq!(
            fields(validate(&EntryDraft::default(), today())),
            ["occurred_on", "kind", "body", "person_id"]
        );
    }

    #[test]
    fn edits_report_what_changed_and_refuse_no_change() {
        let old = validate(&draft(), today()).unwrap();
        assert_eq!(changed_fields(&old, &old), Vec::<&str>::new());
        assert_eq!(check_edit(&old, &old), Err(NoChange));
        assert_eq!(NoChange.to_string(), "変更がありません");

        let mut new = old.clone();
        new.body.push_str("次回は来週訪問。");
        new.kind = EntryKind::Phone;
        new.household_id = Some(3);
        assert_eq!(
            check_edit(&old, &new),
            Ok(vec!["kind", "body", "household_id"])
        );
        assert_eq!(
            changed_fields(&old, &new)
                .into_iter()
                .map(field_label)
                .collect::<Vec<_>>(),
            ["種別", "内容", "世帯"]
        );

        // Whitespace-only edits are no change: the body is trimmed before comparison.
        let mut d = draft();
        d.body = format!("{}\n\n", d.body);
        let same = validate(&d, today()).unwrap();
        assert_eq!(check_edit(&old, &same), Err(NoChange));
    }
}
