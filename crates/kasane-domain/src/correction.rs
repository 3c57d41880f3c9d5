//! Corrections with history: what changed between two versions of a record (a person, an
//! intake), and the end of a household membership (date and reason). A correction never
//! overwrites: the store keeps every version and a save names the version it was made from.

use chrono::NaiveDate;

use crate::intake::{FieldError, coded_enum, parse_choice};
use crate::wareki::parse_date;

/// One field that differs between two versions, as a worker reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The field's Japanese label (氏名, 住所…).
    pub field: &'static str,
    pub before: String,
    pub after: String,
}

/// The fields that differ between two versions given as (label, shown value) in form
/// order; a label only one side has counts as a change from or to "".
pub fn changes(before: &[(&'static str, String)], after: &[(&'static str, String)]) -> Vec<Change> {
    let value = |side: &[(&'static str, String)], label: &str| {
        side.iter()
            .find(|(l, _)| *l == label)
            .map_or_else(String::new, |(_, v)| v.clone())
    };
    let mut labels: Vec<&'static str> = after.iter().map(|(l, _)| *l).collect();
    for (l, _) in before {
        if !labels.contains(l) {
            labels.push(l);
        }
    }
    labels
        .into_iter()
        .filter_map(|field| {
            let (before, after) = (value(before, field), value(after, field));
            (before != after).then_some(Change {
                field,
                before,
                after,
            })
        })
        .collect()
}

/// A correction that changes nothing: refused, so the history holds only real changes.
pub const NO_CHANGE: &str = "変更がありません。修正する項目を書き換えてから保存してください";

coded_enum! {
    /// Why a member left the household (世帯から外れた理由).
    pub enum LeaveReason("世帯から外れた理由") {
        Death => ("death", "死亡"),
        MovedOut => ("moved_out", "転出"),
        Separated => ("separated", "別居"),
        Other => ("other", "その他"),
    }
}

/// The end of a membership as typed: the date (ISO or 和暦), the reason code, a note.
#[derive(Debug, Clone, Default)]
pub struct MembershipEndDraft {
    pub left_on: String,
    pub reason: String,
    pub note: String,
}

/// A membership end that may be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipEnd {
    pub left_on: NaiveDate,
    pub reason: LeaveReason,
    /// Trimmed; required for その他.
    pub note: String,
}

/// Most characters a membership end's note holds.
pub const MAX_END_NOTE_CHARS: usize = 500;

/// Checks a membership end against the day the member joined and today: every problem at
/// once. The date may not precede joining nor lie in the future; その他 needs a note.
pub fn validate_end(
    draft: &MembershipEndDraft,
    joined_on: NaiveDate,
    today: NaiveDate,
) -> Result<MembershipEnd, Vec<FieldError>> {
    let mut errors = Vec::new();
    let left_on = match draft.left_on.trim() {
        "" => {
            errors.push(FieldError::new(
                "left_on",
                "世帯から外れた日を入力してください",
            ));
            None
        }
        s => match parse_date(s) {
            Ok(d) if d < joined_on => {
                errors.push(FieldError::new(
                    "left_on",
                    "世帯から外れた日は、世帯に加わった日より後の日付にしてください",
                ));
                None
            }
            Ok(d) if d > today => {
                errors.push(FieldError::new(
                    "left_on",
                    "世帯から外れた日に未来の日付は入力できません",
                ));
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                errors.push(FieldError::new("left_on", format!("世帯から外れた日: {e}")));
                None
            }
        },
    };
    let reason = parse_choice::<LeaveReason>("reason", "世帯から外れた理由", &draft.reason)
        .map_err(|e| errors.push(e))
        .ok();
    let note = draft.note.trim().to_string();
    if note.chars().count() > MAX_END_NOTE_CHARS {
        errors.push(FieldError::new(
            "note",
            format!("補足は{MAX_END_NOTE_CHARS}文字以内で入力してください"),
        ));
    } else if reason == Some(LeaveReason::Other) && note.is_empty() {
        errors.push(FieldError::new(
            "note",
            "理由が「その他」のときは補足を入力してください",
        ));
    }
    match (left_on, reason) {
        (Some(left_on), Some(reason)) if errors.is_empty() => Ok(MembershipEnd {
            left_on,
            reason,
            note,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn end(left_on: &str, reason: &str, note: &str) -> Result<MembershipEnd, Vec<&'static str>> {
        validate_end(
            &MembershipEndDraft {
                left_on: left_on.into(),
                reason: reason.into(),
                note: note.into(),
            },
            d(2020, 4, 1),
            d(2026, 12, 1),
        )
        .map_err(|e| e.iter().map(|e| e.field).collect())
    }

    #[test]
    fn a_membership_ends_on_a_past_date_after_joining_with_a_reason() {
        let ok = |left_on: &str, reason, note: &str, on: NaiveDate| {
            assert_eq!(
                end(left_on, reason, note),
                Ok(MembershipEnd {
                    left_on: on,
                    reason: reason.parse().unwrap(),
                    note: note.trim().into()
                }),
                "{left_on} {reason}"
            );
        };
        ok("2026-11-30", "death", "", d(2026, 11, 30));
        ok("R8.12.1", "moved_out", " 県外へ ", d(2026, 12, 1));
        ok("2020-04-01", "separated", "", d(2020, 4, 1));
        ok("R2.5.1", "other", "施設入所", d(2020, 5, 1));

        let refused: &[(&str, &str, &str, &[&str])] = &[
            ("", "death", "", &["left_on"]),
            ("2020-03-31", "death", "", &["left_on"]),
            ("2026-12-02", "death", "", &["left_on"]),
            ("昨日", "death", "", &["left_on"]),
            ("2026-11-30", "", "", &["reason"]),
            ("2026-11-30", "gone", "", &["reason"]),
            ("2026-11-30", "other", "  ", &["note"]),
            ("", "", "", &["left_on", "reason"]),
        ];
        for (left_on, reason, note, fields) in refused {
            assert_eq!(
                end(left_on, reason, note),
                Err(fields.to_vec()),
                "{left_on} {reason}"
            );
        }
        let long = "あ".repeat(MAX_END_NOTE_CHARS + 1);
        assert_eq!(end("2026-11-30", "death", &long), Err(vec!["note"]));
    }

    #[test]
    fn changes_are_the_fields_that_differ_in_form_order() {
        let v = |pairs: &[(&'static str, &str)]| -> Vec<(&'static str, String)> {
            pairs.iter().map(|(l, s)| (*l, s.to_string())).collect()
        };
        let before = v(&[("氏名", "佐藤 一郎"), ("住所", "大仙市大曲1"), ("電話", "")]);
        let after = v(&[
            ("氏名", "佐藤 一郎"),
            ("住所", "大仙市大曲2"),
            ("電話", "0187"),
        ]);
        assert_eq!(
            changes(&before, &after),
            vec![
                Change {
                    field: "住所",
                    before: "大仙市大曲1".into(),
                    after: "大仙市大曲2".into()
                },
                Change {
                    field: "電話",
                    before: "".into(),
                    after: "0187".into()
                },
            ]
        );
        assert!(changes(&before, &before).is_empty());
        // A field one side lacks is a change from or to nothing.
        let fewer = v(&[("氏名", "佐藤 一郎")]);
        let got: Vec<_> = changes(&before, &fewer)
            .into_iter()
            .map(|c| c.field)
            .collect();
        assert_eq!(got, ["住所"]);
    }
}
