//! The demo's 多機関協働 records (step 3): cases in every status, a 支援会議 and a
//! 重層的支援会議 with minutes and role assignments in each municipality, consents, plans
//! in versions, monitoring (one overdue) and an evaluation. Written through the domain's
//! validation and the store, as the pages would, each step at its moment (see the demo's
//! records): a case is opened after the intakes it follows, discussed at meetings on their
//! day, shared in the 重層的支援会議 only after the consent, planned before the meeting
//! that approves the plan.

use anyhow::{Result, anyhow};
use kasane_domain::assessment::{self, AssessmentDraft};
use kasane_domain::case::{self, CaseEvent, CaseStatus, ClosureReason};
use kasane_domain::consent::{self, ConsentDraft};
use kasane_domain::identity::AgencyId;
use kasane_domain::intake::FieldError;
use kasane_domain::meeting::{self, MeetingDraft, MeetingKind, RoleDraft};
use kasane_domain::municipality::parse_config;
use kasane_domain::plan::{self, ActionDraft, EvaluationDraft, PlanDraft, Progress};
use kasane_store::as_of;
use kasane_store::case::{CaseMove, NewCase};

use super::{Records, Worker};

/// Turns the domain's field errors into one demo-loading error.
fn invalid(what: &str, errors: Vec<FieldError>) -> anyhow::Error {
    let messages: Vec<String> = errors.into_iter().map(|e| e.message).collect();
    anyhow!("デモの{what}: {}", messages.join("、"))
}

/// Who a case is about.
pub(super) enum Subject {
    Person(i64),
    Household(i64),
}

/// One plan action: (what, agency, staff name, frequency).
type Action<'a> = (&'a str, AgencyId, &'a str, &'a str);

impl Records<'_> {
    fn iso(&self, days_from_today: i64) -> String {
        self.on(-days_from_today).to_string()
    }

    pub(super) async fn open_case(
        &self,
        by: Worker,
        subject: Subject,
        intake_id: Option<i64>,
        kinds: &[&str],
        summary: &str,
    ) -> Result<i64> {
        let (person_id, household_id) = match subject {
            Subject::Person(p) => (Some(p), None),
            Subject::Household(h) => (None, Some(h)),
        };
        Ok(self
            .store
            .create_case(&NewCase {
                municipality_id: self.municipality,
                person_id,
                household_id,
                lead_agency_id: by.agency,
                intake_id,
                kinds,
                summary,
                user_id: by.user,
                agency_id: by.agency,
            })
            .await?)
    }

    /// Applies `event` through the domain's state machine, as the case page would.
    pub(super) async fn move_case(
        &self,
        by: Worker,
        case_id: i64,
        event: CaseEvent,
        note: &str,
    ) -> Result<()> {
        let c = self
            .store
            .case_any(case_id)
            .await?
            .ok_or_else(|| anyhow!("デモのケース {case_id} がありません"))?;
        let from = c.status;
        let suspended_from = c.suspended_from.as_deref().and_then(|s| s.parse().ok());
        let to = case::apply(from, &event, suspended_from, note)?;
        let closure = match &event {
            CaseEvent::Close { reason } => Some(reason.code()),
            _ => None,
        };
        self.store
            .move_case(
                self.municipality,
                &CaseMove {
                    case_id,
                    event: event.code(),
                    from_status: from.code(),
                    to_status: to.code(),
                    suspended_from: (to == CaseStatus::Suspended).then_some(from.code()),
                    closure_reason: closure,
                    note,
                    user_id: by.user,
                    agency_id: by.agency,
                },
            )
            .await?;
        Ok(())
    }

    /// Advances a case along the main path from where it is up to `until`.
    pub(super) async fn advance_to(
        &self,
        by: Worker,
        case_id: i64,
        until: CaseStatus,
    ) -> Result<()> {
        let current = self.store.case_any(case_id).await?.map(|c| c.status);
        let mut status = current.unwrap_or(CaseStatus::Intake);
        while status != until {
            let next = status
                .next()
                .ok_or_else(|| anyhow!("デモのケースを{}に進められません", until.label()))?;
            self.move_case(by, case_id, CaseEvent::Advance { to: next }, "")
                .await?;
            status = next;
        }
        Ok(())
    }

    pub(super) async fn assess(
        &self,
        by: Worker,
        case_id: i64,
        draft: AssessmentDraft,
    ) -> Result<()> {
        let toml = self
            .store
            .municipality(self.municipality)
            .await?
            .config_toml;
        let cfg = parse_config(&toml)?;
        let valid = assessment::validate(&draft, &cfg.issue_codes())
            .map_err(|e| invalid("アセスメント", e))?;
        let sheet = serde_json::to_string(&valid.sheet)?;
        let newest = self
            .store
            .assessments(case_id)
            .await?
            .first()
            .map_or(0, |a| a.version);
        self.store
            .add_assessment(
                self.municipality,
                case_id,
                newest,
                &sheet,
                by.user,
                by.agency,
            )
            .await?
            .ok_or_else(|| anyhow!("アセスメントの版が進んでいます"))?;
        Ok(())
    }

    /// A written consent of the person, given `days_ago`, valid for a year, covering the
    /// 重層的支援会議 and naming `agencies`.
    pub(super) async fn consent(
        &self,
        by: Worker,
        (person_id, case_id): (i64, i64),
        days_ago: i64,
        agencies: &[AgencyId],
    ) -> Result<i64> {
        let known = self.agency_ids().await?;
        let draft = ConsentDraft {
            consenter: "person".into(),
            consented_on: self.on(days_ago).to_string(),
            method: "written".into(),
            agencies: agencies.to_vec(),
            meeting_kinds: vec!["multilayer_meeting".into()],
            information: consent::DEFAULT_INFORMATION.into(),
            expires_on: self.on(days_ago - 365).to_string(),
            ..ConsentDraft::default()
        };
        let valid =
            consent::validate(&draft, &known, self.today).map_err(|e| invalid("同意", e))?;
        let given = self.store.create_consent(
            self.municipality,
            person_id,
            Some(case_id),
            &valid,
            by.user,
            by.agency,
        );
        Ok(as_of(self.at(days_ago, 11, 0), given).await?)
    }

    async fn agency_ids(&self) -> Result<Vec<AgencyId>> {
        Ok(self
            .store
            .agencies(self.municipality)
            .await?
            .into_iter()
            .map(|a| a.id)
            .collect())
    }

    /// A meeting held `days_ago`, hosted by `host`, with members, scheduled a week before;
    /// those marked `true` acknowledged confidentiality when it began.
    pub(super) async fn meeting(
        &self,
        by: Worker,
        kind: MeetingKind,
        days_ago: i64,
        host: AgencyId,
        members: &[(AgencyId, &str, bool)],
    ) -> Result<i64> {
        let valid = meeting::validate_meeting(&MeetingDraft {
            kind: kind.code().into(),
            held_on: self.on(days_ago).to_string(),
            host_agency_id: Some(host),
            place: "市役所 会議室".into(),
            next_review_on: self.on(days_ago - 90).to_string(),
            note: String::new(),
        })
        .map_err(|e| invalid("会議", e))?;
        // The host takes part, bound by confidentiality like every member.
        let host_member = (!members.iter().any(|(a, _, _)| *a == host)).then_some((host, "", true));
        let everyone: Vec<_> = members.iter().chain(host_member.iter()).collect();
        let id = as_of(self.at(days_ago + 7, 9, 0), async {
            let id = self
                .store
                .create_meeting(self.municipality, &valid, by.user)
                .await?;
            for &&(agency, attendee, _) in &everyone {
                self.store
                    .add_meeting_member(self.municipality, id, agency, attendee)
                    .await?;
            }
            anyhow::Ok(id)
        })
        .await?;
        for &&(agency, _, acknowledged) in &everyone {
            if acknowledged {
                let acknowledgement = self.store.acknowledge_member(id, agency, by.user);
                as_of(self.at(days_ago, 13, 0), acknowledgement).await?;
            }
        }
        Ok(id)
    }

    /// Puts a case on the agenda with its minutes; yields the agenda item.
    pub(super) async fn discuss(
        &self,
        by: Worker,
        (meeting_id, case_id): (i64, i64),
        discussion: &str,
        decisions: &str,
    ) -> Result<i64> {
        meeting::check_minutes(discussion, decisions).map_err(|e| invalid("会議録", e))?;
        let item = self
            .store
            .add_to_agenda(self.municipality, meeting_id, case_id, by.user)
            .await?;
        // A new agenda item: its minutes start at version 0.
        self.store
            .record_minutes(item, 0, discussion, decisions, by.user)
            .await?
            .ok_or_else(|| anyhow!("会議録の版が進んでいます"))?;
        Ok(item)
    }

    pub(super) async fn assign(
        &self,
        by: Worker,
        (meeting_id, case_id): (i64, i64),
        agency: AgencyId,
        (staff_name, task, due_in_days): (&str, &str, i64),
    ) -> Result<()> {
        let known = self.agency_ids().await?;
        let valid = meeting::validate_role(
            &RoleDraft {
                agency_id: Some(agency),
                staff_name: staff_name.into(),
                task: task.into(),
                due_on: self.iso(due_in_days),
            },
            &known,
        )
        .map_err(|e| invalid("役割分担", e))?;
        self.store
            .add_role_assignment(self.municipality, meeting_id, case_id, &valid, by.user)
            .await?;
        Ok(())
    }

    /// A plan version from `start_days_ago` for 180 days, drafted three days before it
    /// starts, with monitoring dates given in days from today (negative: past).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn plan(
        &self,
        by: Worker,
        case_id: i64,
        (person_goal, long_term_goal, short_term_goal): (&str, &str, &str),
        start_days_ago: i64,
        monitoring_in_days: &[i64],
        actions: &[Action<'_>],
    ) -> Result<i64> {
        let known = self.agency_ids().await?;
        let draft = PlanDraft {
            person_goal: person_goal.into(),
            long_term_goal: long_term_goal.into(),
            short_term_goal: short_term_goal.into(),
            period_start: self.on(start_days_ago).to_string(),
            period_end: self.on(start_days_ago - 180).to_string(),
            monitoring_dates: monitoring_in_days.iter().map(|d| self.iso(*d)).collect(),
            actions: actions
                .iter()
                .map(|&(what, agency, staff, frequency)| ActionDraft {
                    what: what.into(),
                    agency_id: Some(agency),
                    staff_name: staff.into(),
                    staff_user_id: None,
                    by_when: String::new(),
                    frequency: frequency.into(),
                })
                .collect(),
            revises: None,
        };
        let valid = plan::validate(&draft, &known).map_err(|e| invalid("支援プラン", e))?;
        let drafted =
            self.store
                .create_plan(self.municipality, case_id, &valid, by.user, by.agency);
        Ok(as_of(self.at(start_days_ago + 3, 10, 0), drafted).await?)
    }

    /// Records the plan's first open monitoring round, on its due day, with every action at
    /// `progress`.
    pub(super) async fn monitor(
        &self,
        by: Worker,
        plan_id: i64,
        progress: Progress,
        note: &str,
    ) -> Result<()> {
        let round = self
            .store
            .monitorings(plan_id)
            .await?
            .into_iter()
            .find(|m| m.done_at.is_none())
            .ok_or_else(|| anyhow!("デモのプラン {plan_id} に未実施のモニタリングがありません"))?;
        let entries: Vec<(i64, Progress, String)> = self
            .store
            .plan_actions(plan_id)
            .await?
            .into_iter()
            .map(|a| (a.id, progress, note.to_string()))
            .collect();
        let days_ago = (self.today - round.due_on).num_days();
        let recorded = self
            .store
            .record_monitoring(self.municipality, round.id, &entries, by.user);
        as_of(self.at(days_ago, 14, 0), recorded).await?;
        Ok(())
    }

    pub(super) async fn evaluate(&self, by: Worker, plan_id: i64, note: &str) -> Result<()> {
        let valid = plan::validate_evaluation(&EvaluationDraft {
            person_goal: "achieved".into(),
            long_term_goal: "achieved".into(),
            short_term_goal: "achieved".into(),
            note: note.into(),
            next_step: "closure".into(),
        })
        .map_err(|e| invalid("評価", e))?;
        self.store
            .record_evaluation(self.municipality, plan_id, &valid, by.user)
            .await?;
        Ok(())
    }
}

/// The 大仙市 persons and households the cases are about.
pub(super) struct DaisenIds {
    pub kamioka: i64,
    pub ichiro: i64,
    pub nakasen: i64,
    pub masao: i64,
    pub nangai: i64,
    pub masaru: i64,
    pub ken: i64,
    pub sachiko: i64,
    pub sachiko_intake: i64,
}

/// 大仙市: the 8050 household walked through 支援会議 → consent → 重層的支援会議 with roles
/// for three agencies and an approved plan (active); 渡邉さん in assessment; the 中仙 young
/// carer household in planning; 協和さん in monitoring with an overdue round and a revised
/// plan; 南外さん closed after evaluation; 太田さん suspended.
pub(super) async fn daisen(r: &Records<'_>, ids: DaisenIds) -> Result<()> {
    let shakyo = r.worker("daisen.coordinator").await?;
    let fukushi = r.worker("daisen.fukushi").await?;
    let jiritsu = r.worker("daisen.jiritsu").await?;
    let kikan = r.worker("daisen.kikan").await?;
    let houkatsu = r.agency("houkatsu").await?;
    let (kikan_sodan, jiritsu_sodan) = (kikan.agency, jiritsu.agency);
    let everyone = [
        (shakyo.agency, "佐々木(社協)", true),
        (houkatsu, "高橋(包括)", true),
        (kikan_sodan, "伊藤(基幹)", true),
        (jiritsu_sodan, "工藤(自立相談)", false),
    ];

    // 8050: 神岡さんの世帯, opened after the outreach referral was accepted.
    let kamioka = as_of(
        r.at(31, 10, 0),
        r.open_case(
            shakyo,
            Subject::Household(ids.kamioka),
            None,
            &["collaboration", "outreach"],
            "84歳の母の介護と、ひきこもり状態の54歳の長男。母の年金のみで生活。",
        ),
    )
    .await?;
    as_of(r.at(31, 10, 5), async {
        for agency in [houkatsu, kikan_sodan] {
            r.store
                .add_case_agency(r.municipality, kamioka, agency, shakyo.user, shakyo.agency)
                .await?;
        }
        anyhow::Ok(())
    })
    .await?;
    as_of(
        r.at(30, 14, 0),
        r.advance_to(shakyo, kamioka, CaseStatus::Assessment),
    )
    .await?;
    as_of(
        r.at(30, 15, 0),
        r.assess(
            shakyo,
            kamioka,
            AssessmentDraft {
                wishes: "(長男)「母の世話は自分がしたい。でも外に出るのはまだ怖い」".into(),
                household: "母(84)と長男(54)の二人暮らし。親族は県外に妹。".into(),
                health: "母は腰痛で歩行が不安定。長男は通院歴なし、睡眠が不規則。".into(),
                income_debt: "母の年金(月約9万円)のみ。滞納なし。".into(),
                housing: "持ち家(築45年)。冬の除雪が負担。".into(),
                daily_life: "買い物は長男が夜間に。母の入浴は週1回程度。".into(),
                social_ties: "民生委員の見守りのみ。長男は10年ほど外部と接触なし。".into(),
                strengths: "長男は料理が得意で母思い。釣りの話題で会話が弾む。".into(),
                risk_note: "母の転倒と、母が入院した場合の長男の孤立(孤立死の危険)。".into(),
                agencies_involved: "高齢者包括支援センター、社会福祉協議会(アウトリーチ)".into(),
                risks: vec!["lonely_death".into()],
                issues: vec!["care".into(), "hikikomori".into(), "household_8050".into()],
            },
        ),
    )
    .await?;
    let network = r
        .meeting(shakyo, MeetingKind::Support, 28, fukushi.agency, &everyone)
        .await?;
    let on_support = as_of(r.at(28, 15, 0), r
        .discuss(
            fukushi,
            (network, kamioka),
            "本人同意はまだ得られていないが、母の転倒リスクと長男の孤立が重なるため、法106条の6に基づき情報を共有。",
            "社協がアウトリーチを継続し、本人に重層的支援会議での共有について同意を打診する。",
        ))
        .await?;
    r.consent(
        shakyo,
        (ids.ichiro, kamioka),
        20,
        &[shakyo.agency, houkatsu, kikan_sodan, jiritsu_sodan],
    )
    .await?;
    // Consent obtained: the case moves from the 支援会議 to the 重層的支援会議.
    as_of(
        r.at(20, 11, 30),
        r.store.remove_from_agenda(on_support, shakyo.user),
    )
    .await?;
    let shien = r
        .meeting(
            shakyo,
            MeetingKind::Multilayer,
            14,
            shakyo.agency,
            &everyone,
        )
        .await?;
    as_of(r.at(14, 15, 0), r.discuss(
        shakyo,
        (shien, kamioka),
        "本人の同意を得て、支援プラン案の適切性を協議。母の介護サービス開始と並行して、長男の居場所づくりを進める。",
        "プラン案を承認。役割分担は下記のとおり。次回は3か月後に評価。",
    ))
    .await?;
    for (agency, staff, task, due) in [
        (
            shakyo.agency,
            "佐々木",
            "長男への訪問(週1回)と居場所の情報提供",
            30,
        ),
        (houkatsu, "高橋", "母の要介護認定と介護サービスの調整", 14),
        (
            kikan_sodan,
            "伊藤",
            "長男の障がい福祉サービス利用の検討",
            60,
        ),
    ] {
        let assigned = r.assign(shakyo, (shien, kamioka), agency, (staff, task, due));
        as_of(r.at(14, 15, 10), assigned).await?;
    }
    // The plan is drafted before the meeting approves it, and the case is active the day
    // after.
    as_of(
        r.at(16, 9, 0),
        r.advance_to(shakyo, kamioka, CaseStatus::Planning),
    )
    .await?;
    let kamioka_plan = r
        .plan(
            shakyo,
            kamioka,
            (
                "母と一緒にこの家で暮らし続けたい",
                "長男が週に1回は外出できる居場所を持つ",
                "母の介護サービスを整え、長男の負担を減らす",
            ),
            13,
            &[20, 50, 110],
            &[
                (
                    "長男への訪問と居場所の情報提供",
                    shakyo.agency,
                    "佐々木",
                    "週1回",
                ),
                ("母の介護サービス調整", houkatsu, "高橋", "月1回"),
                ("障がい福祉サービスの検討", kikan_sodan, "伊藤", "随時"),
            ],
        )
        .await?;
    as_of(
        r.at(14, 15, 20),
        r.store.approve_plan(kamioka_plan, shien, shakyo.user),
    )
    .await?;
    as_of(
        r.at(13, 9, 0),
        r.advance_to(shakyo, kamioka, CaseStatus::Active),
    )
    .await?;

    // 渡邉さん: the escalated intake, in assessment.
    let sachiko = as_of(r.at(74, 10, 0), async {
        let case = r
            .open_case(
                shakyo,
                Subject::Person(ids.sachiko),
                Some(ids.sachiko_intake),
                &["collaboration"],
                "要介護3の夫を一人で介護。介護費用の負担と公共料金の滞納。",
            )
            .await?;
        r.advance_to(shakyo, case, CaseStatus::Assessment).await?;
        anyhow::Ok(case)
    })
    .await?;
    as_of(
        r.at(70, 15, 0),
        r.assess(
            shakyo,
            sachiko,
            AssessmentDraft {
                wishes: "「夫を施設に入れずに、家でみてあげたい」".into(),
                income_debt: "年金生活。電気・水道料金を2か月滞納。".into(),
                issues: vec!["care".into(), "poverty".into(), "debt".into()],
                ..AssessmentDraft::default()
            },
        ),
    )
    .await?;

    // 中仙さんの世帯 (ヤングケアラー): planning. 基幹 saw it in the mother's support, weeks
    // before the school called.
    let nakasen = as_of(
        r.at(32, 10, 0),
        r.open_case(
            shakyo,
            Subject::Household(ids.nakasen),
            None,
            &["collaboration"],
            "中学生の長女が母と弟の世話を担っている。基幹相談支援センターからの相談。",
        ),
    )
    .await?;
    as_of(
        r.at(30, 10, 0),
        r.advance_to(shakyo, nakasen, CaseStatus::Planning),
    )
    .await?;
    as_of(
        r.at(28, 15, 10),
        r.discuss(
            shakyo,
            (network, nakasen),
            "基幹相談支援センター(母の相談支援)から情報提供。本人・母の同意は未取得。",
            "子ども支援課と社協で家庭訪問し、同意を打診する。",
        ),
    )
    .await?;

    // 協和さん: monitoring, with a revised plan and an overdue round.
    let masao = as_of(r.at(96, 10, 0), async {
        let case = r
            .open_case(
                jiritsu,
                Subject::Person(ids.masao),
                None,
                &["collaboration"],
                "一人暮らし。収入減少で家賃を滞納、就労の意欲あり。",
            )
            .await?;
        r.store
            .add_case_agency(
                r.municipality,
                case,
                kikan_sodan,
                jiritsu.user,
                jiritsu.agency,
            )
            .await?;
        anyhow::Ok(case)
    })
    .await?;
    r.consent(
        jiritsu,
        (ids.masao, masao),
        70,
        &[jiritsu_sodan, kikan_sodan, shakyo.agency],
    )
    .await?;
    // An earlier 重層的支援会議 approved 協和さん's first plan.
    let spring = r
        .meeting(
            shakyo,
            MeetingKind::Multilayer,
            62,
            shakyo.agency,
            &everyone,
        )
        .await?;
    as_of(
        r.at(62, 15, 0),
        r.discuss(
            shakyo,
            (spring, masao),
            "家計改善と就労準備の両面から支援する。",
            "自立相談支援機関を主担当とし、基幹相談支援センターが通院同行を担う。",
        ),
    )
    .await?;
    as_of(
        r.at(63, 9, 0),
        r.advance_to(jiritsu, masao, CaseStatus::Active),
    )
    .await?;
    let first = r
        .plan(
            jiritsu,
            masao,
            (
                "仕事を見つけて家賃を払えるようにしたい",
                "安定した就労",
                "家計の見直し",
            ),
            60,
            &[-30],
            &[("家計相談", jiritsu_sodan, "工藤", "月2回")],
        )
        .await?;
    as_of(
        r.at(62, 15, 20),
        r.store.approve_plan(first, spring, shakyo.user),
    )
    .await?;
    r.monitor(
        jiritsu,
        first,
        Progress::InProgress,
        "家計表の作成を継続中。",
    )
    .await?;
    as_of(
        r.at(30, 14, 30),
        r.advance_to(jiritsu, masao, CaseStatus::Monitoring),
    )
    .await?;
    r.plan(
        jiritsu,
        masao,
        (
            "仕事を見つけて家賃を払えるようにしたい",
            "安定した就労",
            "就労準備支援事業に週2回通う",
        ),
        25,
        &[-5, 40],
        &[
            ("就労準備支援事業の利用", jiritsu_sodan, "工藤", "週2回"),
            ("通院同行", kikan_sodan, "伊藤", "月1回"),
        ],
    )
    .await?;

    // 南外さん: closed after evaluation.
    let nangai = as_of(
        r.at(210, 10, 0),
        r.open_case(
            shakyo,
            Subject::Household(ids.nangai),
            None,
            &["collaboration"],
            "高齢夫婦のみの世帯。夫の退院後の生活の立て直し。",
        ),
    )
    .await?;
    r.consent(
        shakyo,
        (ids.masaru, nangai),
        200,
        &[shakyo.agency, houkatsu],
    )
    .await?;
    as_of(
        r.at(193, 9, 0),
        r.advance_to(shakyo, nangai, CaseStatus::Active),
    )
    .await?;
    let nangai_plan = r
        .plan(
            shakyo,
            nangai,
            (
                "夫婦で自宅での生活を続けたい",
                "在宅生活の安定",
                "退院後の介護サービス開始",
            ),
            190,
            &[-100],
            &[("介護サービスの調整", houkatsu, "高橋", "月1回")],
        )
        .await?;
    r.monitor(
        shakyo,
        nangai_plan,
        Progress::Done,
        "訪問介護と配食が始まった。",
    )
    .await?;
    as_of(
        r.at(100, 14, 30),
        r.advance_to(shakyo, nangai, CaseStatus::Monitoring),
    )
    .await?;
    // Closed as the plan's period ended; the wife's new consultation is 包括's (the intake
    // the day after).
    as_of(r.at(15, 10, 0), async {
        r.evaluate(
            shakyo,
            nangai_plan,
            "在宅生活が安定し、包括の通常の支援で見守れる。",
        )
        .await?;
        r.move_case(
            shakyo,
            nangai,
            CaseEvent::Close {
                reason: ClosureReason::GoalAchieved,
            },
            "評価の結果、目標を達成。包括の見守りへ移行。",
        )
        .await
    })
    .await?;

    // 太田さん: suspended while in hospital.
    let ken = as_of(
        r.at(8, 10, 0),
        r.open_case(
            shakyo,
            Subject::Person(ids.ken),
            None,
            &["collaboration"],
            "債務と住まいの問題。",
        ),
    )
    .await?;
    as_of(
        r.at(5, 10, 0),
        r.advance_to(shakyo, ken, CaseStatus::Active),
    )
    .await?;
    as_of(
        r.at(2, 10, 0),
        r.move_case(
            shakyo,
            ken,
            CaseEvent::Suspend,
            "本人の入院のため(退院予定は未定)",
        ),
    )
    .await?;
    Ok(())
}

/// The 湯沢市 persons and households the cases are about.
pub(super) struct YuzawaIds {
    pub inakawa: i64,
    pub koji: i64,
    pub ogachi: i64,
    pub misaki: i64,
    pub kazuo: i64,
    pub miyo: i64,
}

/// 湯沢市: the 稲川 8050 household through 支援会議 and 重層的支援会議 (planning); the 雄勝
/// young-carer household active under an approved plan; 三関さん just opened (intake);
/// 皆瀬さん closed (連絡不通).
pub(super) async fn yuzawa(r: &Records<'_>, ids: YuzawaIds) -> Result<()> {
    let coordinator = r.worker("yuzawa.coordinator").await?;
    let houkatsu = r.worker("yuzawa.houkatsu").await?;
    let kikan = r.worker("yuzawa.kikan").await?;
    let members = [
        (coordinator.agency, "菅原(推進員)", true),
        (houkatsu.agency, "阿部(包括)", true),
        (kikan.agency, "齋藤(基幹)", true),
    ];
    // Opened the day after 包括's intakes; the 支援会議 first, the 重層的支援会議 once the son
    // consented.
    let inakawa = as_of(r.at(7, 10, 0), async {
        let case = r
            .open_case(
                coordinator,
                Subject::Household(ids.inakawa),
                None,
                &["collaboration", "outreach"],
                "高齢の母と、就労していない50代の息子の世帯。",
            )
            .await?;
        r.store
            .add_case_agency(
                r.municipality,
                case,
                houkatsu.agency,
                coordinator.user,
                coordinator.agency,
            )
            .await?;
        anyhow::Ok(case)
    })
    .await?;
    let support = r
        .meeting(
            coordinator,
            MeetingKind::Support,
            6,
            coordinator.agency,
            &members,
        )
        .await?;
    let item = as_of(
        r.at(6, 15, 0),
        r.discuss(
            coordinator,
            (support, inakawa),
            "ケアマネジャーからの情報をもとに、世帯の状況を共有(本人同意前)。",
            "推進員が包括と同行訪問し、本人の同意を打診する。",
        ),
    )
    .await?;
    r.consent(
        coordinator,
        (ids.koji, inakawa),
        4,
        &[coordinator.agency, houkatsu.agency, kikan.agency],
    )
    .await?;
    as_of(r.at(4, 11, 30), async {
        r.store.remove_from_agenda(item, coordinator.user).await?;
        r.advance_to(coordinator, inakawa, CaseStatus::Planning)
            .await
    })
    .await?;
    let multilayer = r
        .meeting(
            coordinator,
            MeetingKind::Multilayer,
            3,
            coordinator.agency,
            &members,
        )
        .await?;
    as_of(r.at(3, 15, 0), async {
        r.discuss(
            coordinator,
            (multilayer, inakawa),
            "本人同意を得て、プラン案を協議。",
            "次回までにプラン案を作成する。",
        )
        .await?;
        r.assign(
            coordinator,
            (multilayer, inakawa),
            kikan.agency,
            ("齋藤", "息子の相談支援と就労系サービスの情報提供", 30),
        )
        .await
    })
    .await?;

    // 雄勝さんの世帯 (ヤングケアラー): active under a plan the 重層的支援会議 approved.
    let kodomo = r.worker("yuzawa.kodomo").await?;
    let ogachi = as_of(r.at(26, 10, 0), async {
        let case = r
            .open_case(
                kodomo,
                Subject::Household(ids.ogachi),
                None,
                &["collaboration"],
                "母の療養中、高校生の長男が家事と弟の世話を担っている。",
            )
            .await?;
        r.store
            .add_case_agency(
                r.municipality,
                case,
                coordinator.agency,
                kodomo.user,
                kodomo.agency,
            )
            .await?;
        anyhow::Ok(case)
    })
    .await?;
    r.consent(
        kodomo,
        (ids.misaki, ogachi),
        12,
        &[kodomo.agency, coordinator.agency, kikan.agency],
    )
    .await?;
    as_of(
        r.at(3, 15, 10),
        r.discuss(
            coordinator,
            (multilayer, ogachi),
            "長男の負担を減らすため、家事援助と学習支援を組み合わせる。",
            "子ども家庭センターを主担当とし、プランを承認。",
        ),
    )
    .await?;
    as_of(
        r.at(5, 9, 0),
        r.advance_to(kodomo, ogachi, CaseStatus::Planning),
    )
    .await?;
    let ogachi_plan = r
        .plan(
            kodomo,
            ogachi,
            (
                "(長男)部活を続けたい。(母)子どもに頼りすぎないようにしたい",
                "長男が学業と部活に専念できる",
                "家事援助の利用開始と、長男の相談相手を作る",
            ),
            2,
            &[30, 90],
            &[
                ("家事援助サービスの調整", kodomo.agency, "佐藤", "週2回"),
                (
                    "母の療養に関する障がい福祉サービスの相談",
                    kikan.agency,
                    "齋藤",
                    "月1回",
                ),
            ],
        )
        .await?;
    as_of(
        r.at(3, 15, 20),
        r.store
            .approve_plan(ogachi_plan, multilayer, coordinator.user),
    )
    .await?;
    as_of(
        r.at(2, 9, 0),
        r.advance_to(kodomo, ogachi, CaseStatus::Active),
    )
    .await?;

    as_of(
        r.at(2, 11, 0),
        r.open_case(
            coordinator,
            Subject::Person(ids.kazuo),
            None,
            &["collaboration"],
            "地域包括からの相談。金銭管理に不安。",
        ),
    )
    .await?;

    let miyo = as_of(r.at(23, 10, 0), async {
        let case = r
            .open_case(
                coordinator,
                Subject::Person(ids.miyo),
                None,
                &["collaboration"],
                "一人暮らし。民生委員からの相談。",
            )
            .await?;
        r.advance_to(coordinator, case, CaseStatus::Assessment)
            .await?;
        anyhow::Ok(case)
    })
    .await?;
    as_of(
        r.at(1, 16, 0),
        r.move_case(
            coordinator,
            miyo,
            CaseEvent::Close {
                reason: ClosureReason::NoContact,
            },
            "この3週間、訪問・電話とも応答なし。民生委員の見守りを継続。",
        ),
    )
    .await?;
    Ok(())
}
