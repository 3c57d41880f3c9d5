//! Persons: the draft every way a person arrives is validated from (a window's intake,
//! the API, a CSV import, the demo), the search, the person as the caller may see them,
//! and 名寄せ links.

use chrono::NaiveDate;
use kasane_domain::access::{self, Action, View};
use kasane_domain::audit::AuditAction;
use kasane_domain::identity::Role;
use kasane_domain::name::{Furigana, PersonName, given_kana_key, given_key, kana_key, match_key};
use kasane_domain::person::{FieldError, PersonFieldsInput, validate_person_fields};
use kasane_domain::person_search;
use kasane_domain::referral::ReferralStatus;
use kasane_domain::wareki::parse_date;
use kasane_store::household::Member;
use kasane_store::municipality::District;
use kasane_store::person::{Person, PersonFields, PersonSearch};
use kasane_store::referral::Referral;
use serde::Deserialize;

use crate::error::invalid;
use crate::guard::{
    Grant, Object, PersonAccess, forbid_role, person_access, record, record_list, viewer,
};
use crate::{App, AppError, AppResult, Caller};

/// A person as a worker types them (the intake form, the API's JSON, a CSV import row,
/// the demo): text fields, validated all at once into the record the store keeps.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct PersonDraft {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub furigana: String,
    #[serde(default)]
    pub birth_date: String,
    #[serde(default)]
    pub sex: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub district: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub external_id: String,
}

impl PersonDraft {
    /// Validates every field and derives the 名寄せ keys; all problems at once.
    pub fn parse(
        &self,
        districts: &[&str],
        today: NaiveDate,
    ) -> Result<PersonFields, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = PersonName::parse(&self.name).map_err(|e| FieldError {
            field: "name",
            message: e.to_string(),
        });
        let furigana = match self.furigana.trim() {
            "" => Ok(None),
            f => Furigana::parse(f).map(Some).map_err(|e| FieldError {
                field: "furigana",
                message: e.to_string(),
            }),
        };
        let input = PersonFieldsInput {
            birth_date: &self.birth_date,
            sex: &self.sex,
            address: &self.address,
            district: &self.district,
            phone: &self.phone,
            note: &self.note,
            external_id: &self.external_id,
        };
        let rest = validate_person_fields(&input, districts, today);
        let name = name.map_err(|e| errors.push(e)).ok();
        let furigana = furigana.map_err(|e| errors.push(e)).ok();
        let rest = rest.map_err(|e| errors.extend(e)).ok();
        match (name, furigana, rest) {
            (Some(name), Some(furigana), Some(f)) if errors.is_empty() => Ok(PersonFields {
                name_key: match_key(name.as_str()),
                kana_key: furigana.as_ref().map(|k| kana_key(k.as_str())),
                given_key: given_key(name.as_str()),
                given_kana_key: furigana.as_ref().and_then(|k| given_kana_key(k.as_str())),
                name: name.as_str().to_string(),
                furigana: furigana.map(|k| k.as_str().to_string()),
                birth_date: f.birth_date.map(|b| b.date()),
                sex: f.sex.map(|s| s.code().to_string()),
                address: f.address.unwrap_or_default(),
                district_code: f.district,
                phone_digits: f.phone.as_ref().map(|p| p.digits().to_string()),
                phone: f.phone.map(|p| p.as_str().to_string()),
                note: f.note.unwrap_or_default(),
                external_id: f.external_id.map(|e| e.as_str().to_string()),
            }),
            _ => Err(errors),
        }
    }
}

/// Persons a search answers per page.
pub const PAGE_SIZE: i64 = 50;

/// What a worker searches persons by: every given part must match.
#[derive(Debug, Clone, Copy, Default)]
pub struct Criteria<'a> {
    /// 氏名 (漢字 or カナ: the start of the family or the given name, variant-tolerant).
    pub name: &'a str,
    pub phone: &'a str,
    /// ISO or 和暦 (S47.3.5).
    pub birth_date: &'a str,
    pub address: &'a str,
    /// District code.
    pub district: &'a str,
    /// 1-based.
    pub page: Option<i64>,
}

impl Criteria<'_> {
    /// The store search, or the input problems. Every field is folded first
    /// (`person_search::fold`: 全角 digits and symbols as typed with the IME on), and a
    /// field that cannot be read is reported, never dropped (a phone with no digit would
    /// otherwise list everyone).
    fn to_search(self, limit: i64) -> Result<PersonSearch, Vec<String>> {
        let mut problems = Vec::new();
        let birth_date = match person_search::fold(self.birth_date) {
            None => None,
            Some(s) => parse_date(&s)
                .map_err(|e| problems.push(format!("生年月日: {e}")))
                .ok(),
        };
        let phone_digits = person_search::phone_digits(self.phone)
            .map_err(|e| problems.push(e.to_string()))
            .unwrap_or_default();
        let name = person_search::fold(self.name);
        let page = kasane_domain::text::page_number(self.page)
            .map_err(|e| problems.push(e))
            .unwrap_or(1);
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(PersonSearch {
            name_key: name.as_deref().map(match_key),
            kana_key: name.as_deref().map(kana_key),
            phone_digits,
            birth_date,
            address: person_search::fold(self.address),
            district_code: person_search::fold(self.district),
            limit,
            offset: (page - 1) * limit,
        })
    }
}

/// Searches the persons the caller may see (the access rule's SQL twin filters in the
/// database), audited: one page of them and whether another page follows. `None` for a caller whose roles see
/// no person data; input problems are `AppError::Validation`.
pub async fn search(
    app: &App,
    caller: &Caller,
    criteria: Criteria<'_>,
) -> AppResult<Option<(Vec<Person>, bool)>> {
    if !access::may_see_person_data(&caller.actor) {
        return Ok(None);
    }
    let s = criteria
        .to_search(PAGE_SIZE)
        .map_err(AppError::Validation)?;
    let found = app.store.search_persons(viewer(app, caller), &s).await?;
    record_list(app, caller, "person_search").await?;
    Ok(Some(found))
}

/// The municipality's districts, to choose and name a person's 地区 by.
pub async fn districts(app: &App, caller: &Caller) -> AppResult<Vec<District>> {
    Ok(app.store.districts(caller.municipality.id).await?)
}

/// A person as the caller may see them: the access (the canonical record of the 名寄せ
/// group and the grant) and what the grant's view shows besides.
pub struct PersonRead {
    pub access: PersonAccess,
    pub shown: Shown,
}

/// What a person's view shows beyond the record itself.
pub enum Shown {
    /// A つなぎ not yet accepted (つなぐシート view): the referrals about the person waiting
    /// for the caller's agency to accept or decline them.
    Sheet { pending: Vec<Referral> },
    /// Full or read-only: the household memberships (current and past) and the records
    /// linked to this one in 名寄せ.
    Record {
        memberships: Vec<Member>,
        linked: Vec<Person>,
    },
}

/// Reads person `id` (a linked record answers its canonical one) through the guard.
pub async fn read_person(app: &App, caller: &Caller, id: i64) -> AppResult<PersonRead> {
    let access = person_access(app, caller, Action::Read, id).await?;
    let canonical = access.person.id;
    let shown = if access.grant.view() == View::ReferralSheet {
        let pending = app
            .store
            .referrals_of(canonical)
            .await?
            .into_iter()
            .filter(|r| r.to_agency_id == caller.agency.id && r.status == ReferralStatus::Sent)
            .collect();
        Shown::Sheet { pending }
    } else {
        Shown::Record {
            memberships: app.store.memberships_of(canonical).await?,
            linked: app.store.linked_persons(canonical).await?,
        }
    };
    Ok(PersonRead { access, shown })
}

/// The answer to a link of a pair split before, until the caller confirms it.
pub const SPLIT_BEFORE: &str =
    "この2件は以前に別人として解除されています。もう一度結び付けるには確認してください。";

/// The 名寄せ link sent with no record picked: the picker's problem (its legend first).
pub const NOTHING_TO_LINK: &str =
    "同一人物の記録: 氏名・フリガナで検索して、一覧から選んでください";

/// Links record `other` (with its group) to person `id`'s canonical record (coordinator;
/// both records stay). A pair split before is refused (`Conflict`, [`SPLIT_BEFORE`])
/// unless `confirm_distinct`. Returns the canonical id and the records now linked to it.
pub async fn link_records(
    app: &App,
    caller: &Caller,
    id: i64,
    other: Option<i64>,
    reason: &str,
    confirm_distinct: bool,
) -> AppResult<(i64, Vec<Person>)> {
    app.unit(async |app| {
        require_coordinator(app, caller, "person_link").await?;
        let this = person_access(app, caller, Action::Update, id).await?;
        let other = other.ok_or_else(|| invalid(&[NOTHING_TO_LINK]))?;
        let other = person_access(app, caller, Action::Update, other).await?;
        link_granted(
            app,
            caller,
            &this.grant,
            (this.person.id, other.person.id),
            reason,
            confirm_distinct,
        )
        .await
    })
    .await
}

/// The link itself, once the guard granted it on both canonical records (`pair`: the one
/// kept canonical, then the other) — by the person rule ([`link_records`]) or a
/// 名寄せ確認依頼's `match_review` basis.
pub(crate) async fn link_granted(
    app: &App,
    caller: &Caller,
    grant: &Grant,
    pair: (i64, i64),
    reason: &str,
    confirm_distinct: bool,
) -> AppResult<(i64, Vec<Person>)> {
    app.unit(async |app| {
        let (this, other) = pair;
        if this == other {
            return Err(AppError::BadRequest(
                "すでに同じ本人として結び付いています".into(),
            ));
        }
        let relink = app.store.split_before(this, other).await?;
        if relink && !confirm_distinct {
            return Err(AppError::Conflict(SPLIT_BEFORE.into()));
        }
        let reason = reason.trim();
        let audited_reason = if relink {
            format!("以前に別人として解除した記録を確認のうえ再結合: {reason}")
        } else {
            reason.to_string()
        };
        app.store
            .link_persons(caller.municipality.id, this, other, caller.user.id, reason)
            .await?;
        let oid = format!("{this}+{other}");
        record(
            app,
            caller,
            grant,
            AuditAction::Update,
            Object {
                kind: "person_link",
                id: &oid,
            },
            &audited_reason,
        )
        .await?;
        let linked = app.store.linked_persons(this).await?;
        Ok((this, linked))
    })
    .await
}

/// Undoes a link between person `id`'s canonical record and `other`: both stand alone
/// again and are never proposed again (coordinator). Returns the canonical id.
pub async fn split_records(app: &App, caller: &Caller, id: i64, other: i64) -> AppResult<i64> {
    app.unit(async |app| {
        require_coordinator(app, caller, "person_split").await?;
        let this = person_access(app, caller, Action::Update, id).await?;
        app.store
            .split_persons(
                caller.municipality.id,
                this.person.id,
                other,
                caller.user.id,
            )
            .await?;
        let oid = format!("{}-{}", this.person.id, other);
        record(
            app,
            caller,
            &this.grant,
            AuditAction::Update,
            Object {
                kind: "person_split",
                id: &oid,
            },
            "",
        )
        .await?;
        Ok(this.person.id)
    })
    .await
}

/// The 名寄せ link and split (`kind`) are the coordinator's: anyone else is refused, audited.
async fn require_coordinator(app: &App, caller: &Caller, kind: &str) -> AppResult<()> {
    if caller.actor.has(Role::Coordinator) {
        Ok(())
    } else {
        let reason = "名寄せの結び付け・解除は相談支援包括化推進員のみ行えます";
        Err(forbid_role(app, caller, kind, reason).await)
    }
}
