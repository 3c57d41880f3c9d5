//! Households (世帯): members with 続柄 and history, and the derived signals (8050,
//! ヤングケアラー, 高齢独居/高齢夫婦のみ: computed, never typed).

use kasane_domain::access::Action;
use kasane_domain::audit::AuditAction;
use kasane_domain::household::{
    MemberFacts, Relationship, SignalEvidence, UnknownRelationship, signals,
};
use kasane_domain::person::BirthDate;
use kasane_domain::wareki::parse_date;
use kasane_store::household::{Household, Member, NewMember};

use crate::guard::within_sheet;
use crate::guard::{
    Grant, Object, household_access, household_to_update, members_in_full, person_access, record,
};
use crate::{App, AppError, AppResult, Caller};

/// The derived signals of a household's current members (their issue codes read at once).
async fn household_signals(
    app: &App,
    household_id: i64,
    members: &[Member],
) -> AppResult<Vec<SignalEvidence>> {
    let today = app.today();
    let codes = app.store.member_issue_codes(household_id).await?;
    let facts = members
        .iter()
        .filter(|m| m.left_on.is_none())
        .map(|m| MemberFacts {
            person_id: m.person_id,
            age: m
                .birth_date
                .and_then(|b| BirthDate::new(b, today).ok())
                .map(|b| b.age_on(today)),
            relationship: m.relationship.parse().unwrap_or(Relationship::Other),
            issues: codes
                .iter()
                .filter(|(member, _)| *member == m.person_id)
                .map(|(_, code)| code.clone())
                .collect(),
            is_carer: m.is_carer,
        })
        .collect::<Vec<_>>();
    Ok(signals(&facts))
}

/// Starts a household with person `person_id` as its head. Returns the household id.
pub async fn create_household(
    app: &App,
    caller: &Caller,
    person_id: i64,
    label: &str,
) -> AppResult<i64> {
    app.unit(async |app| {
        let access = person_access(app, caller, Action::Update, person_id).await?;
        let p = &access.person;
        let head = NewHead {
            person_id: p.id,
            name: &p.name,
            address: &p.address,
            district_code: p.district_code.as_deref(),
        };
        start_household(app, caller, head, label, &access.grant).await
    })
    .await
}

/// The person who starts a household, as its head.
pub struct NewHead<'a> {
    pub person_id: i64,
    pub name: &'a str,
    pub address: &'a str,
    pub district_code: Option<&'a str>,
}

/// Creates a household at the head's address (labelled 「〇〇さんの世帯」 unless `label`
/// says otherwise) with them as its head from today, audited with the head's `grant`.
pub(crate) async fn start_household(
    app: &App,
    caller: &Caller,
    head: NewHead<'_>,
    label: &str,
    grant: &Grant,
) -> AppResult<i64> {
    let label = match label.trim() {
        "" => format!(
            "{}さんの世帯",
            head.name.split(' ').next().unwrap_or(head.name)
        ),
        l => l.to_string(),
    };
    let id = app
        .store
        .create_household(
            caller.municipality.id,
            caller.agency.id,
            &label,
            head.address,
            head.district_code,
        )
        .await?;
    app.store
        .add_member(
            caller.municipality.id,
            caller.user.id,
            &NewMember {
                household_id: id,
                person_id: head.person_id,
                relationship: Relationship::Head.code(),
                is_head: true,
                is_carer: false,
                joined_on: app.today(),
            },
        )
        .await?;
    let oid = id.to_string();
    record(
        app,
        caller,
        grant,
        AuditAction::Create,
        Object {
            kind: "household",
            id: &oid,
        },
        "",
    )
    .await?;
    Ok(id)
}

/// A member to add, as the page form or the API sends it.
#[derive(Debug, Clone, Copy)]
pub struct MemberInput<'a> {
    /// None when nobody was picked: a problem of the form, not a malformed request.
    pub person_id: Option<i64>,
    /// 続柄: code or label.
    pub relationship: &'a str,
    pub is_head: bool,
    pub is_carer: bool,
    /// ISO or 和暦; empty means today.
    pub joined_on: &'a str,
}

/// The problem of a member form sent with nobody picked.
const NOBODY_PICKED: &str = "追加する方: 氏名・フリガナで検索して、一覧から選んでください";

/// The problem of a member form naming someone who is a member already.
const ALREADY_A_MEMBER: &str = "追加する方: すでにこの世帯の世帯員です。続柄などを改めるときは、世帯から外してから追加し直してください";

/// Adds (or moves) a person into a household; the old membership is ended, not erased.
pub async fn add_member(
    app: &App,
    caller: &Caller,
    household_id: i64,
    m: MemberInput<'_>,
) -> AppResult<()> {
    app.unit(async |app| {
        let (_, grant) = household_to_update(app, caller, household_id).await?;
        let relationship: Relationship = m
            .relationship
            .parse()
            .map_err(|e: UnknownRelationship| AppError::BadRequest(e.to_string()))?;
        // Every problem at once, in the form's order.
        let mut errors = Vec::new();
        if m.person_id.is_none() {
            errors.push(NOBODY_PICKED.to_string());
        }
        let joined_on = match m.joined_on.trim() {
            "" => Some(app.today()),
            s => parse_date(s)
                .map_err(|e| errors.push(format!("転入日: {e}")))
                .ok(),
        };
        let (Some(person_id), Some(joined_on)) = (m.person_id, joined_on) else {
            return Err(AppError::Validation(errors));
        };
        // The member must be someone this agency may write about too.
        let person = person_access(app, caller, Action::Update, person_id)
            .await?
            .person;
        // A second current membership of the same household would count the person twice.
        let memberships = app.store.memberships_of(person.id).await?;
        if memberships
            .iter()
            .any(|h| h.household_id == household_id && h.left_on.is_none())
        {
            return Err(AppError::Validation(vec![ALREADY_A_MEMBER.into()]));
        }
        app.store
            .add_member(
                caller.municipality.id,
                caller.user.id,
                &NewMember {
                    household_id,
                    person_id: person.id,
                    relationship: relationship.code(),
                    is_head: m.is_head,
                    is_carer: m.is_carer,
                    joined_on,
                },
            )
            .await?;
        let oid = household_id.to_string();
        record(
            app,
            caller,
            &grant,
            AuditAction::Update,
            Object {
                kind: "household",
                id: &oid,
            },
            "member",
        )
        .await
    })
    .await
}

/// A household as the caller may see it: its members now and before, and the signals.
pub struct HouseholdView {
    pub household: Household,
    pub grant: Grant,
    pub current: Vec<MemberView>,
    pub past: Vec<MemberView>,
    pub signals: Vec<SignalEvidence>,
}

/// A member as the caller sees them: in full with a basis on the member's own record;
/// otherwise the household outline (ACCESS-MODEL) — 続柄, name and age, the birth date
/// withheld (`member.birth_date` is `None`) and the member's own records not shown.
#[derive(Debug, Clone)]
pub struct MemberView {
    pub member: Member,
    pub age: Option<u32>,
    pub in_full: bool,
}

/// Loads a household the caller may read in full (a つなぐシート view shows only the
/// outline on the sheet, not the household record).
pub async fn load_household(app: &App, caller: &Caller, id: i64) -> AppResult<HouseholdView> {
    let (household, grant) = household_access(app, caller, Action::Read, id).await?;
    within_sheet(app, caller, &grant, "household", household.id).await?;
    let (past, current): (Vec<Member>, Vec<Member>) = app
        .store
        .household_members(id, false)
        .await?
        .into_iter()
        .partition(|m| m.left_on.is_some());
    let signals = household_signals(app, id, &current).await?;
    let ids: Vec<i64> = current.iter().chain(&past).map(|m| m.person_id).collect();
    let full = members_in_full(app, caller, &ids).await?;
    let today = app.today();
    let view = |members: Vec<Member>| -> Vec<MemberView> {
        members
            .into_iter()
            .map(|mut member| {
                let in_full = full.contains(&member.person_id);
                let age = member
                    .birth_date
                    .and_then(|d| BirthDate::new(d, today).ok())
                    .map(|b| b.age_on(today));
                if !in_full {
                    member.birth_date = None;
                    member.left_reason = None;
                    member.left_note.clear();
                }
                MemberView {
                    member,
                    age,
                    in_full,
                }
            })
            .collect()
    };
    Ok(HouseholdView {
        household,
        grant,
        current: view(current),
        past: view(past),
        signals,
    })
}
