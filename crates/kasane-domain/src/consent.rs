//! 本人同意 (`consent`): who agreed, when, how, to share what with which agencies and
//! meetings, until when. A withdrawal takes effect at once: the access rule reads only
//! consents in force ([`crate::access::ConsentFact::is_in_force`]).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::identity::AgencyId;
use crate::intake::{FieldError, coded_enum, date_field, max_chars, parse_choice, required_text};
use crate::meeting::MeetingKind;

coded_enum! {
    /// 同意した人.
    pub enum Consenter("同意者") {
        Person => ("person", "本人"),
        Proxy => ("proxy", "代理人"),
    }
}

coded_enum! {
    /// 同意の方法.
    pub enum ConsentMethod("同意の方法") {
        Written => ("written", "書面"),
        Oral => ("oral", "口頭"),
    }
}

/// What the consent form lists by default as the information shared.
pub const DEFAULT_INFORMATION: &str =
    "氏名・生年月日・住所・連絡先、相談の内容、心身の状況、世帯の状況、支援の経過";
pub const TEXT_MAX_CHARS: usize = 2000;
pub const NAME_MAX_CHARS: usize = 100;

/// A consent as the form submits it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsentDraft {
    pub consenter: String,
    /// 代理人の氏名 and 続柄, when the consenter is a proxy.
    pub proxy_name: String,
    pub proxy_relation: String,
    /// ISO or 和暦.
    pub consented_on: String,
    pub method: String,
    /// Agencies the person agrees to share with.
    pub agencies: Vec<AgencyId>,
    /// Meeting kinds the consent covers (`support_meeting`, `multilayer_meeting`).
    pub meeting_kinds: Vec<String>,
    /// What may be shared.
    pub information: String,
    /// Last valid day, ISO or 和暦; empty = no expiry.
    pub expires_on: String,
    pub note: String,
}

/// A checked consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidConsent {
    pub consenter: Consenter,
    pub proxy_name: String,
    pub proxy_relation: String,
    pub consented_on: NaiveDate,
    pub method: ConsentMethod,
    pub agencies: Vec<AgencyId>,
    pub meeting_kinds: Vec<MeetingKind>,
    pub information: String,
    pub expires_on: Option<NaiveDate>,
    pub note: String,
}

impl ValidConsent {
    /// Whether the consent lets the case be discussed at the 重層的支援会議.
    pub fn covers_multilayer_meeting(&self) -> bool {
        self.meeting_kinds.contains(&MeetingKind::Multilayer)
    }
}

/// Checks a consent, reporting every problem at once. `known_agencies` are the
/// municipality's agencies; `today` the local date (a consent is not recorded ahead).
pub fn validate(
    d: &ConsentDraft,
    known_agencies: &[AgencyId],
    today: NaiveDate,
) -> Result<ValidConsent, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut check = |r: Result<(), FieldError>| {
        if let Err(e) = r {
            errors.push(e);
        }
    };
    let consenter = parse_choice::<Consenter>("consenter", "同意者", &d.consenter);
    let proxy_name = d.proxy_name.trim().to_string();
    let proxy_relation = d.proxy_relation.trim().to_string();
    if consenter == Ok(Consenter::Proxy) {
        check(required_text(
            "proxy_name",
            "代理人の氏名",
            &proxy_name,
            NAME_MAX_CHARS,
        ));
        check(required_text(
            "proxy_relation",
            "代理人の続柄",
            &proxy_relation,
            NAME_MAX_CHARS,
        ));
    }
    let consented_on = date_field("consented_on", "同意日", &d.consented_on, true);
    if let Ok(Some(day)) = consented_on
        && day > today
    {
        check(Err(FieldError::new(
            "consented_on",
            "同意日に未来の日付は入力できません",
        )));
    }
    let method = parse_choice::<ConsentMethod>("method", "同意の方法", &d.method);
    let mut agencies = d.agencies.clone();
    agencies.sort_unstable();
    agencies.dedup();
    if agencies.is_empty() {
        check(Err(FieldError::new(
            "agencies",
            "情報を共有する機関を1つ以上選んでください",
        )));
    }
    if agencies.iter().any(|a| !known_agencies.contains(a)) {
        check(Err(FieldError::new(
            "agencies",
            "この自治体にない機関が含まれています",
        )));
    }
    let mut meeting_kinds = Vec::new();
    for raw in &d.meeting_kinds {
        match parse_choice::<MeetingKind>("meeting_kinds", "会議の種類", raw) {
            Ok(k) if !meeting_kinds.contains(&k) => meeting_kinds.push(k),
            Ok(_) => {}
            Err(e) => check(Err(e)),
        }
    }
    meeting_kinds.sort();
    let information = d.information.trim().to_string();
    check(required_text(
        "information",
        "共有する情報",
        &information,
        TEXT_MAX_CHARS,
    ));
    let expires_on = date_field("expires_on", "有効期限", &d.expires_on, false);
    if let (Ok(Some(from)), Ok(Some(until))) = (&consented_on, &expires_on)
        && until < from
    {
        check(Err(FieldError::new(
            "expires_on",
            "有効期限が同意日より前になっています",
        )));
    }
    let note = d.note.trim().to_string();
    check(max_chars("note", "備考", &note, TEXT_MAX_CHARS));

    match (consenter, consented_on, method, expires_on) {
        (Ok(consenter), Ok(Some(consented_on)), Ok(method), Ok(expires_on))
            if errors.is_empty() =>
        {
            Ok(ValidConsent {
                consenter,
                proxy_name: if consenter == Consenter::Proxy {
                    proxy_name
                } else {
                    String::new()
                },
                proxy_relation: if consenter == Consenter::Proxy {
                    proxy_relation
                } else {
                    String::new()
                },
                consented_on,
                method,
                agencies,
                meeting_kinds,
                information,
                expires_on,
                note,
            })
        }
        (consenter, consented_on, method, expires_on) => {
            errors.extend(consenter.err());
            errors.extend(consented_on.err());
            errors.extend(method.err());
            errors.extend(expires_on.err());
            Err(errors)
        }
    }
}

/// A withdrawal needs no reason from the person, but the worker records how it was
/// expressed; an empty note is refused so the record says something.
pub fn check_withdrawal(note: &str, already_withdrawn: bool) -> Result<(), FieldError> {
    if already_withdrawn {
        return Err(FieldError::new("note", "この同意はすでに撤回されています"));
    }
    required_text("note", "撤回の経緯", note.trim(), TEXT_MAX_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
    }

    fn draft() -> ConsentDraft {
        ConsentDraft {
            consenter: "person".into(),
            consented_on: "R8.5.20".into(),
            method: "written".into(),
            agencies: vec![3, 1, 3],
            meeting_kinds: vec!["multilayer_meeting".into()],
            information: DEFAULT_INFORMATION.into(),
            expires_on: "2027-03-31".into(),
            ..ConsentDraft::default()
        }
    }

    #[test]
    fn a_written_consent_of_the_person() {
        let c = validate(&draft(), &[1, 2, 3], today()).unwrap();
        assert_eq!(c.agencies, vec![1, 3]);
        assert_eq!(
            c.consented_on,
            NaiveDate::from_ymd_opt(2026, 5, 20).unwrap()
        );
        assert!(c.covers_multilayer_meeting());
        assert_eq!(c.expires_on, NaiveDate::from_ymd_opt(2027, 3, 31));
    }

    #[test]
    fn a_proxy_needs_name_and_relation() {
        let d = ConsentDraft {
            consenter: "proxy".into(),
            ..draft()
        };
        let errors = validate(&d, &[1, 2, 3], today()).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["proxy_name", "proxy_relation"]);
        let d = ConsentDraft {
            consenter: "proxy".into(),
            proxy_name: "大仙 花子".into(),
            proxy_relation: "母".into(),
            ..draft()
        };
        assert_eq!(
            validate(&d, &[1, 2, 3], today()).unwrap().proxy_relation,
            "母"
        );
    }

    #[test]
    fn every_problem_at_once() {
        let d = ConsentDraft {
            consenter: String::new(),
            consented_on: "2026-07-01".into(),
            method: "fax".into(),
            agencies: vec![9],
            meeting_kinds: vec!["tea_party".into()],
            information: " ".into(),
            expires_on: "2026-01-01".into(),
            ..ConsentDraft::default()
        };
        let errors = validate(&d, &[1, 2], today()).unwrap_err();
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        for expected in [
            "同意者を選んでください",
            "同意日に未来の日付は入力できません",
            "この自治体にない機関が含まれています",
            "共有する情報を入力してください",
            "有効期限が同意日より前になっています",
        ] {
            assert!(
                messages.iter().any(|m| m == expected),
                "{expected} in {messages:?}"
            );
        }
        assert!(
            messages.iter().any(|m| m.contains("同意の方法")),
            "{messages:?}"
        );
        assert!(
            messages.iter().any(|m| m.contains("会議の種類")),
            "{messages:?}"
        );
        let none = ConsentDraft {
            agencies: vec![],
            ..draft()
        };
        assert_eq!(
            validate(&none, &[1], today()).unwrap_err()[0].message,
            "情報を共有する機関を1つ以上選んでください"
        );
    }

    #[test]
    fn withdrawal_is_recorded_once_with_its_circumstances() {
        assert!(check_withdrawal("本人から電話で撤回の申出", false).is_ok());
        assert!(check_withdrawal("", false).is_err());
        assert_eq!(
            check_withdrawal("x", true).unwrap_err().message,
            "この同意はすでに撤回されています"
        );
    }
}
