//! Corrections with history: a person's basic facts, an intake's record, the end of a
//! household membership. A save names the version it was made from; a save from an older
//! one is refused (409 with both versions to reconcile) instead of overwriting, and every
//! version stays readable with who saved it, when, and what changed. Each correction is
//! audited with the labels of the fields it changed (never their content).

use chrono::{DateTime, TimeDelta, Utc};
use kasane_domain::access::{Action, View};
use kasane_domain::audit::AuditAction;
use kasane_domain::correction::{Change, MembershipEndDraft, NO_CHANGE, changes, validate_end};
use kasane_domain::intake::{
    Channel, ConcernItem, ConsulterKind, IntakeDraft, IntakeRules, Urgency, validate,
};
use kasane_domain::municipality::MunicipalityConfig;
use kasane_domain::person::Sex;
use kasane_domain::wareki::{format_wareki, format_wareki_datetime};
use kasane_store::correction::{RecordVersion, Snapshots};
use kasane_store::person::{Person, PersonFields};
use serde::{Deserialize, Serialize};

use crate::consultation::intake::{
    IntakeRead, fill_consulter, own_intake, picked_consulter, read_intake,
};
use crate::consultation::person::PersonDraft;
use crate::error::STALE;
use crate::guard::{
    Grant, PersonAccess, forbid, household_to_update, not_found, person_access, record_on,
    within_sheet,
};
use crate::{App, AppError, AppResult, Caller};

/// One version of a record as a worker reads it: who saved it, when, and what it changed
/// (the first version lists everything it held).
#[derive(Debug, Clone)]
pub struct VersionView {
    pub version: i32,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    pub changes: Vec<Change>,
}

/// A person's fields as each version keeps them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct PersonSnapshot {
    name: String,
    furigana: Option<String>,
    birth_date: Option<chrono::NaiveDate>,
    sex: Option<String>,
    address: String,
    district_code: Option<String>,
    phone: Option<String>,
    note: String,
    external_id: Option<String>,
}

impl PersonSnapshot {
    fn of(p: &Person) -> PersonSnapshot {
        PersonSnapshot {
            name: p.name.clone(),
            furigana: p.furigana.clone(),
            birth_date: p.birth_date,
            sex: p.sex.clone(),
            address: p.address.clone(),
            district_code: p.district_code.clone(),
            phone: p.phone.clone(),
            note: p.note.clone(),
            external_id: p.external_id.clone(),
        }
    }

    fn of_fields(f: &PersonFields) -> PersonSnapshot {
        PersonSnapshot {
            name: f.name.clone(),
            furigana: f.furigana.clone(),
            birth_date: f.birth_date,
            sex: f.sex.clone(),
            address: f.address.clone(),
            district_code: f.district_code.clone(),
            phone: f.phone.clone(),
            note: f.note.clone(),
            external_id: f.external_id.clone(),
        }
    }

    /// The fields as the person page shows them, in its order.
    fn shown(&self, cfg: &MunicipalityConfig) -> Vec<(&'static str, String)> {
        let text = |s: &Option<String>| s.clone().unwrap_or_default();
        vec![
            ("氏名", self.name.clone()),
            ("フリガナ", text(&self.furigana)),
            (
                "生年月日",
                self.birth_date.map(format_wareki).unwrap_or_default(),
            ),
            (
                "性別",
                self.sex
                    .as_deref()
                    .and_then(|s| s.parse::<Sex>().ok())
                    .map_or("", Sex::label)
                    .to_string(),
            ),
            ("住所", self.address.clone()),
            (
                "地区",
                self.district_code
                    .as_deref()
                    .map(|c| {
                        cfg.districts
                            .iter()
                            .find(|d| d.code == c)
                            .map_or(c, |d| d.name.as_str())
                            .to_string()
                    })
                    .unwrap_or_default(),
            ),
            ("電話", text(&self.phone)),
            ("住民宛名番号", text(&self.external_id)),
            ("備考", self.note.clone()),
        ]
    }
}

/// The draft a person's correction form starts from: the record as it stands.
pub fn person_draft(p: &Person) -> PersonDraft {
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    PersonDraft {
        name: p.name.clone(),
        furigana: text(&p.furigana),
        birth_date: p.birth_date.map(|d| d.to_string()).unwrap_or_default(),
        sex: text(&p.sex),
        address: p.address.clone(),
        district: text(&p.district_code),
        phone: text(&p.phone),
        note: p.note.clone(),
        external_id: text(&p.external_id),
    }
}

/// A person the caller may correct: the full view (a つなぐシート or outline view is not
/// enough to change the record).
pub async fn person_to_correct(app: &App, caller: &Caller, id: i64) -> AppResult<PersonAccess> {
    let access = person_access(app, caller, Action::Read, id).await?;
    if access.grant.view() != View::Full {
        let reason = "この方の記録を修正する権限がありません";
        return Err(forbid(app, caller, "person", access.person.id, reason).await);
    }
    Ok(access)
}

/// Saves a correction of person `id` (its canonical record) made from `from_version`.
/// Returns the new version.
pub async fn correct_person(
    app: &App,
    caller: &Caller,
    id: i64,
    from_version: i32,
    draft: &PersonDraft,
) -> AppResult<i32> {
    app.unit(async |app| {
        // A write needs the full view: the rule refuses any other, audited.
        let access = person_access(app, caller, Action::Update, id).await?;
        let person = &access.person;
        let cfg = app.config(&caller.municipality)?;
        let districts: Vec<&str> = cfg.districts.iter().map(|d| d.code.as_str()).collect();
        let fields = draft
            .parse(&districts, app.today())
            .map_err(|e| AppError::Validation(e.into_iter().map(|e| e.message).collect()))?;
        let before = PersonSnapshot::of(person);
        let c = Correction::of(&before, &PersonSnapshot::of_fields(&fields), |s| {
            s.shown(&cfg)
        })?;
        let saved = app
            .store
            .correct_person(
                person.id,
                from_version,
                &fields,
                c.snapshots(),
                caller.user.id,
            )
            .await?;
        c.saved(app, caller, &access.grant, "person", person.id, saved)
            .await
    })
    .await
}

/// The versions of a person the caller was granted, newest first (empty when the record
/// was never corrected: the record itself is its only version).
pub async fn person_history(
    app: &App,
    caller: &Caller,
    access: &PersonAccess,
) -> AppResult<Vec<VersionView>> {
    let cfg = app.config(&caller.municipality)?;
    let kept = app.store.person_versions(access.person.id).await?;
    history::<PersonSnapshot>(&kept, |s| s.shown(&cfg))
}

/// [`person_history`] of person `id`, read through the access rule (the API).
pub async fn person_versions(app: &App, caller: &Caller, id: i64) -> AppResult<Vec<VersionView>> {
    let access = person_access(app, caller, Action::Read, id).await?;
    within_sheet(
        app,
        caller,
        &access.grant,
        "person_version",
        access.person.id,
    )
    .await?;
    person_history(app, caller, &access).await
}

/// An intake's fields as each version keeps them (what a correction may change).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct IntakeSnapshot {
    received_at: Option<DateTime<Utc>>,
    channel: String,
    consulter_kind: String,
    /// Absent from versions kept before consulters could be picked.
    #[serde(default)]
    consulter_person_id: Option<i64>,
    consulter_name: String,
    consulter_relation: String,
    issues: Vec<String>,
    concerns: Vec<String>,
    most_pressing: Option<String>,
    summary: String,
    urgency: String,
    immediate_action: String,
}

impl IntakeSnapshot {
    fn of(r: &IntakeRead) -> IntakeSnapshot {
        let i = &r.intake;
        IntakeSnapshot {
            received_at: Some(i.received_at),
            channel: i.channel.code().into(),
            consulter_kind: i.consulter_kind.code().into(),
            consulter_person_id: i.consulter_person_id,
            consulter_name: i.consulter_name.clone(),
            consulter_relation: i.consulter_relation.clone(),
            issues: r.issues.clone(),
            concerns: r.concerns.clone(),
            most_pressing: i.most_pressing.clone(),
            summary: i.summary.clone(),
            urgency: i.urgency.code().into(),
            immediate_action: i.immediate_action.clone(),
        }
    }

    fn shown(&self, cfg: &MunicipalityConfig) -> Vec<(&'static str, String)> {
        let coded = |code: &str, label: fn(&str) -> Option<&'static str>| {
            label(code).map_or_else(|| code.to_string(), str::to_string)
        };
        let concern = |c: &str| c.parse::<ConcernItem>().ok().map(ConcernItem::label);
        let issue_names: Vec<&str> = self
            .issues
            .iter()
            .map(|c| {
                cfg.issue_categories
                    .iter()
                    .find(|i| &i.code == c)
                    .map_or(c.as_str(), |i| i.name.as_str())
            })
            .collect();
        let mut concerns: Vec<String> = self.concerns.iter().map(|c| coded(c, concern)).collect();
        concerns.sort();
        vec![
            (
                "受付日時",
                self.received_at
                    .map(|t| format_wareki_datetime((t + TimeDelta::hours(9)).naive_utc()))
                    .unwrap_or_default(),
            ),
            (
                "相談経路",
                coded(&self.channel, |c| {
                    c.parse::<Channel>().ok().map(Channel::label)
                }),
            ),
            (
                "相談者",
                coded(&self.consulter_kind, |c| {
                    c.parse::<ConsulterKind>().ok().map(ConsulterKind::label)
                }),
            ),
            (
                "相談者の記録",
                self.consulter_person_id
                    .map(|id| format!("記録番号 {id}"))
                    .unwrap_or_default(),
            ),
            ("相談者の氏名", self.consulter_name.clone()),
            ("本人との関係", self.consulter_relation.clone()),
            ("課題", issue_names.join("・")),
            ("相談内容(チェック)", concerns.join("・")),
            (
                "最も困っていること(◎)",
                self.most_pressing
                    .as_deref()
                    .map(|c| coded(c, concern))
                    .unwrap_or_default(),
            ),
            ("相談の概要", self.summary.clone()),
            (
                "緊急度",
                coded(&self.urgency, |c| {
                    c.parse::<Urgency>().ok().map(Urgency::label)
                }),
            ),
            ("緊急対応の内容", self.immediate_action.clone()),
        ]
    }
}

/// The draft an intake's correction form starts from: the record as it stands (受付日時
/// in Japan time, as the form takes it).
pub fn intake_draft(r: &IntakeRead) -> IntakeDraft {
    let i = &r.intake;
    IntakeDraft {
        received_at: (i.received_at + TimeDelta::hours(9))
            .naive_utc()
            .format("%Y-%m-%dT%H:%M")
            .to_string(),
        receiving_agency_id: Some(i.receiving_agency_id),
        channel: i.channel.code().into(),
        consulter_kind: i.consulter_kind.code().into(),
        consulter_person_id: i.consulter_person_id,
        consulter_name: i.consulter_name.clone(),
        consulter_relation: i.consulter_relation.clone(),
        issues: r.issues.clone(),
        concerns: r.concerns.clone(),
        most_pressing: i.most_pressing.clone(),
        consent_to_share: Some(i.consent_to_share),
        summary: i.summary.clone(),
        urgency: i.urgency.code().into(),
        outcome: i.outcome.code().into(),
        referred_to_agency_id: i.referred_to_agency_id,
        immediate_action: i.immediate_action.clone(),
    }
}

/// An intake the caller may correct: read in full, and recorded by the caller's agency
/// (a window corrects its own records, like support-log entries).
pub async fn intake_to_correct(app: &App, caller: &Caller, id: i64) -> AppResult<IntakeRead> {
    let read = read_intake(app, caller, id).await?;
    own_intake(app, caller, &read.intake, "修正できます").await?;
    Ok(read)
}

/// Saves a correction of intake `id` made from `from_version`: the receiving agency, the
/// consent to share and the outcome stay as recorded (what followed rests on them), the
/// rest is validated like a new intake. Returns the new version.
pub async fn correct_intake(
    app: &App,
    caller: &Caller,
    id: i64,
    from_version: i32,
    draft: &IntakeDraft,
) -> AppResult<i32> {
    app.unit(async |app| {
        let read = read_intake(app, caller, id).await?;
        let access = person_access(app, caller, Action::Update, read.intake.person_id).await?;
        own_intake(app, caller, &read.intake, "修正できます").await?;
        let kept = intake_draft(&read);
        let draft = IntakeDraft {
            receiving_agency_id: kept.receiving_agency_id,
            consent_to_share: kept.consent_to_share,
            outcome: kept.outcome,
            referred_to_agency_id: kept.referred_to_agency_id,
            ..draft.clone()
        };
        let cfg = app.config(&caller.municipality)?;
        let rules = IntakeRules::from_config(
            &cfg,
            (app.now() + TimeDelta::hours(9)).naive_utc(),
            caller.agency.id,
        );
        // An unchanged 受付日時 is not checked against today again: an intake older than
        // the back-dating limit stays correctable.
        let unchanged = draft.received_at.trim() == kept.received_at;
        let draft = IntakeDraft {
            received_at: if unchanged {
                String::new()
            } else {
                draft.received_at
            },
            ..draft
        };
        let mut valid = validate(&draft, &rules).map_err(|e| crate::error::invalid(&e))?;
        let picked = valid.consulter_person_id;
        let consulter = picked_consulter(app, caller, picked, Some(access.person.id))
            .await?
            .map_err(|problem| AppError::Validation(vec![problem.into()]))?;
        fill_consulter(&mut valid, consulter.as_ref());
        let received_at = if unchanged {
            read.intake.received_at
        } else {
            (valid.received_at - TimeDelta::hours(9)).and_utc()
        };
        let before = IntakeSnapshot::of(&read);
        let after = IntakeSnapshot {
            received_at: Some(received_at),
            channel: valid.channel.code().into(),
            consulter_kind: valid.consulter_kind.code().into(),
            consulter_person_id: valid.consulter_person_id,
            consulter_name: valid.consulter_name.clone(),
            consulter_relation: valid.consulter_relation.clone(),
            issues: sorted(valid.issues.clone()),
            concerns: sorted(
                valid
                    .concerns
                    .iter()
                    .map(|c| c.code().to_string())
                    .collect(),
            ),
            most_pressing: valid.most_pressing.map(|c| c.code().to_string()),
            summary: valid.summary.clone(),
            urgency: valid.urgency.code().into(),
            immediate_action: valid.immediate_action.clone().unwrap_or_default(),
        };
        let c = Correction::of(&before, &after, |s| s.shown(&cfg))?;
        let saved = app
            .store
            .correct_intake(
                id,
                from_version,
                received_at,
                &valid,
                c.snapshots(),
                caller.user.id,
            )
            .await?;
        c.saved(app, caller, &access.grant, "intake", id, saved)
            .await
    })
    .await
}

/// The versions of an intake the caller has read, newest first (empty when never
/// corrected).
pub async fn intake_history(
    app: &App,
    caller: &Caller,
    read: &IntakeRead,
) -> AppResult<Vec<VersionView>> {
    let cfg = app.config(&caller.municipality)?;
    let kept = app.store.intake_versions(read.intake.id).await?;
    history::<IntakeSnapshot>(&kept, |s| s.shown(&cfg))
}

/// [`intake_history`] of intake `id`, read through the access rule (the API).
pub async fn intake_versions(app: &App, caller: &Caller, id: i64) -> AppResult<Vec<VersionView>> {
    let read = read_intake(app, caller, id).await?;
    intake_history(app, caller, &read).await
}

/// Ends member `member_id`'s membership of household `household_id` (死亡, 転出, 別居,
/// その他) from `from_version`: the row keeps its start and gains its end.
pub async fn end_membership(
    app: &App,
    caller: &Caller,
    household_id: i64,
    member_id: i64,
    from_version: i32,
    draft: &MembershipEndDraft,
) -> AppResult<()> {
    app.unit(async |app| {
        let (_, grant) = household_to_update(app, caller, household_id).await?;
        let members = app.store.household_members(household_id, false).await?;
        let Some(member) = members.iter().find(|m| m.id == member_id) else {
            return Err(not_found(app, caller, "household_member", member_id).await);
        };
        if member.left_on.is_some() {
            return Err(AppError::Conflict(
                "この方はすでに世帯から外れています".into(),
            ));
        }
        let end = validate_end(draft, member.joined_on, app.today())
            .map_err(|e| crate::error::invalid(&e))?;
        app.store
            .end_membership(household_id, member_id, from_version, &end, caller.user.id)
            .await?
            .ok_or_else(|| AppError::Conflict(STALE.into()))?;
        record_on(
            app,
            caller,
            &grant,
            AuditAction::Update,
            "household_member",
            member_id,
            end.reason.code(),
        )
        .await
    })
    .await
}

/// What a correction changes: the changed fields (refused when there are none) and both
/// snapshots to keep.
pub(crate) struct Correction {
    changed: Vec<Change>,
    before: String,
    after: String,
}

impl Correction {
    pub(crate) fn of<T: Serialize>(
        before: &T,
        after: &T,
        shown: impl Fn(&T) -> Vec<(&'static str, String)>,
    ) -> AppResult<Correction> {
        let changed = changes(&shown(before), &shown(after));
        if changed.is_empty() {
            return Err(AppError::Validation(vec![NO_CHANGE.into()]));
        }
        Ok(Correction {
            changed,
            before: to_json(before)?,
            after: to_json(after)?,
        })
    }

    pub(crate) fn snapshots(&self) -> Snapshots<'_> {
        Snapshots {
            before: &self.before,
            after: &self.after,
        }
    }

    /// The version the store saved, audited with the changed fields' labels (never their
    /// content); the 409 of a stale save when it saved none.
    pub(crate) async fn saved(
        &self,
        app: &App,
        caller: &Caller,
        grant: &Grant,
        kind: &str,
        id: i64,
        saved: Option<i32>,
    ) -> AppResult<i32> {
        let version = saved.ok_or_else(|| AppError::Conflict(STALE.into()))?;
        let labels: Vec<&str> = self.changed.iter().map(|c| c.field).collect();
        record_on(
            app,
            caller,
            grant,
            AuditAction::Update,
            kind,
            id,
            &labels.join("・"),
        )
        .await?;
        Ok(version)
    }
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn to_json<T: Serialize>(snapshot: &T) -> AppResult<String> {
    serde_json::to_string(snapshot).map_err(|e| {
        tracing::error!(error = %e, "a version snapshot did not serialise");
        AppError::Internal
    })
}

/// Kept versions (newest first) as a worker reads them: each against the one before it;
/// the first against nothing, so it lists what it held.
pub(crate) fn history<T: for<'de> Deserialize<'de> + Default>(
    kept: &[RecordVersion],
    shown: impl Fn(&T) -> Vec<(&'static str, String)>,
) -> AppResult<Vec<VersionView>> {
    let parsed: Vec<T> = kept
        .iter()
        .map(|v| {
            serde_json::from_str(&v.content).map_err(|e| {
                tracing::error!(error = %e, version = v.version, "a kept version did not parse");
                AppError::Internal
            })
        })
        .collect::<AppResult<_>>()?;
    let empty: Vec<(&'static str, String)> = shown(&T::default())
        .into_iter()
        .map(|(l, _)| (l, String::new()))
        .collect();
    Ok(kept
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let before = parsed.get(i + 1).map_or_else(|| empty.clone(), &shown);
            VersionView {
                version: v.version,
                recorded_by: v.recorded_by_name.clone(),
                recorded_at: v.recorded_at,
                changes: changes(&before, &shown(&parsed[i])),
            }
        })
        .collect())
}
