//! The demo's アウトリーチ records (step 8): in each municipality, outreach cases at every
//! engagement stage, opened from a 民生委員's or a neighbour's information, with their
//! attempts (a team visit with another agency's staff among them), information notes,
//! stage moves on evidence (one back, 関係が途切れた), 伴走支援, a hand-over — and the
//! alerts a worklist shows: overdue with attempts reaching nobody, a 安否 concern, a stage
//! that has not moved for months. Written through the domain's validation and the store,
//! each step at its moment, as the pages would. The cases' lead is the coordinator's agency
//! (the outreach team), so the other windows' worklists stay as the earlier steps left them.

use anyhow::{Result, anyhow};
use kasane_app::outreach::local;
use kasane_app::outreach::rhythm::attempt_facts;
use kasane_domain::intake::{Channel, ConsulterKind, FieldError, Outcome};
use kasane_domain::outreach::{
    AccompanimentDraft, AttemptDraft, EngagementStage, NoteDraft, OpeningDraft, check_move,
    evidence_since, validate_accompaniment, validate_attempt, validate_note, validate_opening,
};
use kasane_domain::wareki::format_wareki;
use kasane_store::as_of;
use kasane_store::case::NewCase;
use kasane_store::intake::NewIntake;
use kasane_store::outreach::{Recorder, StageMove};

use super::{Records, Someone, Worker, codes};

fn invalid(what: &str, errors: Vec<FieldError>) -> anyhow::Error {
    let messages: Vec<String> = errors.into_iter().map(|e| e.message).collect();
    anyhow!("デモの{what}: {}", messages.join("、"))
}

/// One attempt: (days ago, hour, method, staff, met, outcome, observations, safety concern,
/// next planned in days from the attempt).
struct Visit<'a> {
    days_ago: i64,
    method: &'a str,
    staff: &'a [Worker],
    met: &'a str,
    outcome: &'a str,
    left: &'a str,
    seen: &'a str,
    concern: bool,
    next_in: Option<i64>,
}

/// A visit reaching nobody, a note left at the door.
fn nobody<'a>(days_ago: i64, staff: &'a [Worker], seen: &'a str) -> Visit<'a> {
    Visit {
        days_ago,
        method: "visit",
        staff,
        met: "nobody",
        outcome: "not_met",
        left: "置き手紙",
        seen,
        concern: false,
        next_in: Some(14),
    }
}

/// A visit that met the person.
fn met<'a>(days_ago: i64, staff: &'a [Worker], seen: &'a str) -> Visit<'a> {
    Visit {
        days_ago,
        method: "visit",
        staff,
        met: "person",
        outcome: "met",
        left: "",
        seen,
        concern: false,
        next_in: Some(14),
    }
}

impl Records<'_> {
    fn recorder(&self, by: Worker) -> Recorder {
        Recorder {
            municipality_id: self.municipality,
            user_id: by.user,
            agency_id: by.agency,
        }
    }

    /// A person the 民生委員 (or a neighbour) told the window about, the intake that
    /// recorded it, and the outreach case opened from it `days_ago` days ago.
    async fn outreach_case(
        &self,
        by: Worker,
        someone: Someone<'_>,
        (days_ago, informant_kind, informant): (i64, &str, &str),
        (known, issues): (&str, &[&str]),
        involved: &[i64],
    ) -> Result<i64> {
        let person = self
            .person(by, someone.clone(), self.at(days_ago + 1, 10, 0))
            .await?;
        let (intake, _) = self
            .record(
                by,
                NewIntake {
                    channel: Channel::Phone,
                    consulter_kind: if informant_kind == "neighbour" {
                        ConsulterKind::Neighbour
                    } else {
                        ConsulterKind::CommunityVolunteer
                    },
                    consulter_name: informant.to_string(),
                    summary: known.to_string(),
                    issues: codes(issues),
                    outcome: Outcome::Handled,
                    consent_to_share: false,
                    ..self.intake(by, person, None, self.at(days_ago + 1, 10, 30))
                },
            )
            .await?;
        let opening = validate_opening(&OpeningDraft {
            informant_kind: informant_kind.to_string(),
            informant: informant.to_string(),
            known: known.to_string(),
            interval_days: None,
        })
        .map_err(|e| invalid("アウトリーチ", e))?;
        as_of(self.at(days_ago, 9, 30), async {
            let id = self
                .store
                .create_outreach_case(
                    &NewCase {
                        municipality_id: self.municipality,
                        person_id: Some(person),
                        household_id: None,
                        lead_agency_id: by.agency,
                        intake_id: None,
                        kinds: &["outreach"],
                        summary: "",
                        user_id: by.user,
                        agency_id: by.agency,
                    },
                    Some(intake),
                    &opening,
                )
                .await?;
            for agency in involved {
                self.store
                    .add_case_agency(self.municipality, id, *agency, by.user, by.agency)
                    .await?;
            }
            anyhow::Ok(id)
        })
        .await
    }

    /// Records `v` as its first staff member would, at 14:00 on its day.
    async fn visit(&self, case_id: i64, v: Visit<'_>) -> Result<i64> {
        let at = self.at(v.days_ago, 14, 0);
        let local = local(at);
        let by = v
            .staff
            .first()
            .copied()
            .ok_or_else(|| anyhow!("デモの接触に職員がいません"))?;
        let draft = AttemptDraft {
            attempted_at: local.format("%Y-%m-%d %H:%M").to_string(),
            method: v.method.to_string(),
            staff: v.staff.iter().map(|w| w.user).collect(),
            met: v.met.to_string(),
            outcome: v.outcome.to_string(),
            left: v.left.to_string(),
            observations: v.seen.to_string(),
            safety_concern: v.concern,
            next_planned_on: v
                .next_in
                .map(|d| format_wareki(self.on(v.days_ago - d)))
                .unwrap_or_default(),
        };
        let valid = validate_attempt(&draft, local).map_err(|e| invalid("接触記録", e))?;
        let staff: Vec<(i64, i64)> = v.staff.iter().map(|w| (w.user, w.agency)).collect();
        let written =
            self.store
                .create_contact_attempt(self.recorder(by), case_id, &valid, at, &staff);
        Ok(as_of(self.at(v.days_ago, 17, 0), written).await?)
    }

    /// Moves the stage to `to` `days_ago` days ago (at 17:30), through the domain's rule:
    /// forward on the attempt that reached someone since the last move.
    async fn move_stage(
        &self,
        by: Worker,
        case_id: i64,
        to: EngagementStage,
        (days_ago, reason): (i64, &str),
    ) -> Result<()> {
        let o = self
            .store
            .outreach_any(case_id)
            .await?
            .ok_or_else(|| anyhow!("デモのアウトリーチ {case_id} がありません"))?;
        let last = self
            .store
            .outreach_stage_events(case_id)
            .await?
            .last()
            .map(|e| local(e.occurred_at));
        let facts = attempt_facts(&self.store.attempt_facts(case_id).await?);
        let evidence = evidence_since(&facts, last);
        let direction = check_move(o.stage, to, reason, evidence)
            .map_err(|e| invalid("関係構築段階", vec![e]))?;
        let change = StageMove {
            case_id,
            from: o.stage,
            to,
            direction: direction.code(),
            reason,
            evidence_attempt_id: match direction {
                kasane_domain::outreach::Direction::Forward => evidence,
                kasane_domain::outreach::Direction::Back => None,
            },
        };
        let moved = self.store.move_outreach_stage(self.recorder(by), &change);
        Ok(as_of(self.at(days_ago, 17, 30), moved).await?)
    }

    async fn note(
        &self,
        by: Worker,
        case_id: i64,
        days_ago: i64,
        (source_kind, source, body): (&str, &str, &str),
    ) -> Result<()> {
        let valid = validate_note(
            &NoteDraft {
                noted_on: self.on(days_ago).to_string(),
                source_kind: source_kind.to_string(),
                source: source.to_string(),
                body: body.to_string(),
            },
            self.today,
        )
        .map_err(|e| invalid("情報収集", e))?;
        let written = self
            .store
            .create_information_note(self.recorder(by), case_id, &valid);
        as_of(self.at(days_ago, 16, 0), written).await?;
        Ok(())
    }

    async fn accompany(
        &self,
        by: Worker,
        case_id: i64,
        days_ago: i64,
        (kind, body): (&str, &str),
    ) -> Result<()> {
        let valid = validate_accompaniment(
            &AccompanimentDraft {
                occurred_on: self.on(days_ago).to_string(),
                kind: kind.to_string(),
                body: body.to_string(),
            },
            self.today,
        )
        .map_err(|e| invalid("伴走支援", e))?;
        let written = self
            .store
            .create_accompaniment(self.recorder(by), case_id, &valid);
        as_of(self.at(days_ago, 17, 10), written).await?;
        Ok(())
    }
}

fn someone<'a>(
    (name, furigana): (&'a str, &'a str),
    (age, sex): (i32, &'a str),
    (address, district): (&'a str, &'a str),
) -> Someone<'a> {
    Someone {
        name,
        furigana,
        age,
        birthday: (7, 1),
        sex,
        address,
        district,
        phone: "",
    }
}

/// 大仙市: the 社会福祉協議会's outreach team (アウトリーチ等を通じた継続的支援事業 on
/// commission), with 基幹相談支援センター on a team visit.
pub(super) async fn daisen(r: &Records<'_>) -> Result<()> {
    let team = r.worker("daisen.coordinator").await?;
    let kikan = r.worker("daisen.kikan").await?;
    let jiritsu = r.worker("daisen.jiritsu").await?;
    let both = [team, kikan];
    let alone = [team];
    let minsei = "地区の民生委員(藤木地区)";

    // 未接触, overdue: three visits reaching nobody, the last 40 days ago.
    let mamoru = r
        .outreach_case(
            team,
            someone(("藤木 守", "フジキ マモル"), (58, "male"), ("大仙市大曲藤木字見本5", "omagari")),
            (75, "minsei_iin", minsei),
            ("母の死後、一人暮らし。昼も雨戸が閉まったまま。近所づきあいはなく、民生委員の声かけにも応答がない。", &["hikikomori", "isolation"]),
            &[kikan.agency],
        )
        .await?;
    r.note(
        team,
        mamoru,
        74,
        (
            "minsei_iin",
            minsei,
            "夜には台所の明かりがつく。食料品の宅配が週に一度届いている。",
        ),
    )
    .await?;
    r.visit(
        mamoru,
        nobody(
            70,
            &both,
            "雨戸は閉まったまま。郵便受けにチラシがたまっている。",
        ),
    )
    .await?;
    r.visit(
        mamoru,
        nobody(55, &alone, "電気メーターは回っている。玄関前に宅配の箱。"),
    )
    .await?;
    r.visit(mamoru, nobody(40, &both, "置き手紙は取り込まれていた。"))
        .await?;

    // 接触, with a 安否 concern at the last visit (reaching his sister).
    let toyo = r
        .outreach_case(
            team,
            someone(
                ("四ツ屋 トヨ", "ヨツヤ トヨ"),
                (86, "female"),
                ("大仙市四ツ屋字見本8", "nishisenboku"),
            ),
            (60, "neighbour", "隣家の方"),
            (
                "一人暮らし。最近、庭先で見かけない。物忘れが増えたと近所の方が心配している。",
                &["care", "isolation"],
            ),
            &[],
        )
        .await?;
    r.visit(toyo, nobody(58, &alone, "呼び鈴に応答なし。"))
        .await?;
    r.visit(
        toyo,
        met(
            45,
            &alone,
            "玄関先で本人と5分ほど話せた。訪問を嫌がる様子はない。",
        ),
    )
    .await?;
    r.move_stage(team, toyo, EngagementStage::Contacted, (45, ""))
        .await?;
    r.visit(
        toyo,
        Visit {
            met: "family",
            outcome: "partial",
            concern: true,
            ..met(
                6,
                &alone,
                "本人は奥で休んでいると妹。郵便物が1週間分たまり、冷蔵庫の食品が傷んでいた。",
            )
        },
    )
    .await?;

    // 関係構築 for more than six months; the last visit came before the six-month mark.
    let takuya = r
        .outreach_case(
            team,
            someone(
                ("長野 拓也", "ナガノ タクヤ"),
                (36, "male"),
                ("大仙市長野字見本2", "nakasen"),
            ),
            (300, "minsei_iin", "地区の民生委員(長野地区)"),
            (
                "高校卒業後から自宅にこもりがち。両親は70代で、将来を心配している。",
                &["hikikomori", "household_8050"],
            ),
            &[],
        )
        .await?;
    r.visit(
        takuya,
        met(
            290,
            &alone,
            "母と面談。本人は自室から出てこなかったが、手紙は受け取った。",
        ),
    )
    .await?;
    r.move_stage(team, takuya, EngagementStage::Contacted, (290, ""))
        .await?;
    r.visit(
        takuya,
        met(
            201,
            &alone,
            "本人と初めて玄関で話す。ゲームの話題に乗ってくれた。",
        ),
    )
    .await?;
    r.move_stage(team, takuya, EngagementStage::Rapport, (200, ""))
        .await?;
    r.visit(
        takuya,
        met(
            20,
            &alone,
            "月1回の訪問は続いている。外出の話はまだ避ける。",
        ),
    )
    .await?;

    // 支援受入: accepting support after a break in the relationship (back, then forward).
    let mika = r
        .outreach_case(
            team,
            someone(
                ("高梨 美香", "タカナシ ミカ"),
                (44, "female"),
                ("大仙市高梨字見本11", "ota"),
            ),
            (120, "minsei_iin", "地区の民生委員(高梨地区)"),
            (
                "離職後、家賃の滞納がある様子。本人は相談をためらっている。",
                &["poverty", "employment"],
            ),
            &[jiritsu.agency],
        )
        .await?;
    r.note(
        team,
        mika,
        110,
        (
            "agency",
            "自立相談支援機関",
            "以前、家計相談の予約をしたが来所しなかった。",
        ),
    )
    .await?;
    r.visit(mika, met(110, &alone, "玄関で短く話す。")).await?;
    r.move_stage(team, mika, EngagementStage::Contacted, (110, ""))
        .await?;
    r.move_stage(
        team,
        mika,
        EngagementStage::Unreached,
        (80, "転居の噂があり、3回続けて不在。関係が途切れた。"),
    )
    .await?;
    r.visit(
        mika,
        met(
            60,
            &[team, jiritsu],
            "在宅。自立相談の職員と同行し、家計の話を聞けた。",
        ),
    )
    .await?;
    r.move_stage(team, mika, EngagementStage::Contacted, (60, ""))
        .await?;
    r.visit(mika, met(40, &alone, "ハローワークの話に関心を示した。"))
        .await?;
    r.move_stage(team, mika, EngagementStage::Rapport, (40, ""))
        .await?;
    r.visit(mika, met(10, &alone, "家計相談を受けることに同意した。"))
        .await?;
    r.move_stage(team, mika, EngagementStage::AcceptingSupport, (10, ""))
        .await?;
    r.accompany(
        team,
        mika,
        5,
        ("city_office", "市役所で住居確保給付金の申請に同行。"),
    )
    .await?;

    // 支援機関へつなぎ済: handed over to 自立相談支援機関 by a つなぎ it accepted.
    let goro = r
        .outreach_case(
            team,
            someone(
                ("戸地谷 五郎", "トジヤ ゴロウ"),
                (63, "male"),
                ("大仙市戸地谷字見本4", "kamioka"),
            ),
            (200, "neighbour", "近所の方"),
            (
                "家の周りにごみがたまり、近所から相談。本人は体調が悪そう。",
                &["health", "housing"],
            ),
            &[],
        )
        .await?;
    r.visit(
        goro,
        met(
            190,
            &alone,
            "本人と話す。腰を痛めて片付けができないとのこと。",
        ),
    )
    .await?;
    r.move_stage(team, goro, EngagementStage::Contacted, (190, ""))
        .await?;
    r.visit(
        goro,
        met(
            150,
            &alone,
            "片付けの手伝いを申し出ると、受け入れてくれた。",
        ),
    )
    .await?;
    r.move_stage(team, goro, EngagementStage::Rapport, (150, ""))
        .await?;
    r.accompany(team, goro, 120, ("clinic", "整形外科の受診に同行。"))
        .await?;
    r.visit(goro, met(100, &alone, "生活費の相談をしたいと本人から。"))
        .await?;
    r.move_stage(team, goro, EngagementStage::AcceptingSupport, (100, ""))
        .await?;
    let o = r
        .store
        .outreach_any(goro)
        .await?
        .and_then(|o| o.person_id)
        .ok_or_else(|| anyhow!("デモの戸地谷さんがいません"))?;
    let sent = r.store.create_referral(
        r.municipality,
        o,
        team.agency,
        jiritsu.agency,
        "アウトリーチで関係ができ、本人が家計と仕事の相談を希望。自立相談支援機関へつなぐ。",
        team.user,
    );
    let referral = as_of(r.at(95, 10, 0), sent).await?;
    r.accept(jiritsu, referral, r.at(94, 9, 0)).await?;
    r.visit(
        goro,
        met(
            94,
            &[team, jiritsu],
            "自立相談の職員と一緒に訪問し、引き継いだ。",
        ),
    )
    .await?;
    r.move_stage(team, goro, EngagementStage::Connected, (94, ""))
        .await?;
    let handed = r.store.create_outreach_handover(
        r.recorder(team),
        goro,
        (Some(referral), None),
        "家計・就労の相談は自立相談支援機関が担当。アウトリーチは月1回の見守りを続ける。",
    );
    as_of(r.at(94, 17, 45), handed).await?;
    Ok(())
}

/// 湯沢市: 福祉課地域福祉班 (相談支援包括化推進員) with the 基幹相談支援センター.
pub(super) async fn yuzawa(r: &Records<'_>) -> Result<()> {
    let team = r.worker("yuzawa.coordinator").await?;
    let kikan = r.worker("yuzawa.kikan").await?;
    let alone = [team];

    // 未接触, overdue.
    let kiyoshi = r
        .outreach_case(
            team,
            someone(
                ("秋ノ宮 清", "アキノミヤ キヨシ"),
                (52, "male"),
                ("湯沢市秋の宮字見本3", "ogachi"),
            ),
            (65, "minsei_iin", "地区の民生委員(秋の宮地区)"),
            (
                "両親の死後、一人で暮らす。集落の行事に出てこなくなった。",
                &["hikikomori", "isolation"],
            ),
            &[kikan.agency],
        )
        .await?;
    r.note(
        team,
        kiyoshi,
        64,
        (
            "minsei_iin",
            "地区の民生委員(秋の宮地区)",
            "冬の除雪がされていないと近所から。",
        ),
    )
    .await?;
    r.visit(
        kiyoshi,
        nobody(60, &[team, kikan], "雪囲いがされていない。"),
    )
    .await?;
    r.visit(kiyoshi, nobody(45, &alone, "車は車庫にある。"))
        .await?;

    // 支援受入: regular visits, nothing due.
    let ayumi = r
        .outreach_case(
            team,
            someone(
                ("岩崎 あゆみ", "イワサキ アユミ"),
                (29, "female"),
                ("湯沢市岩崎字見本7", "yuzawa"),
            ),
            (90, "neighbour", "近所の方"),
            (
                "大学を中退して帰郷後、外出していない様子。母が近所の方に相談した。",
                &["hikikomori"],
            ),
            &[],
        )
        .await?;
    r.visit(
        ayumi,
        met(85, &alone, "母と面談。本人とはドア越しにあいさつ。"),
    )
    .await?;
    r.move_stage(team, ayumi, EngagementStage::Contacted, (85, ""))
        .await?;
    r.visit(
        ayumi,
        met(30, &alone, "本人と30分話せた。絵を描いているとのこと。"),
    )
    .await?;
    r.move_stage(team, ayumi, EngagementStage::Rapport, (30, ""))
        .await?;
    r.visit(
        ayumi,
        met(
            8,
            &alone,
            "居場所(地域活動支援センター)に行ってみたいと本人から。",
        ),
    )
    .await?;
    r.move_stage(team, ayumi, EngagementStage::AcceptingSupport, (8, ""))
        .await?;
    r.accompany(
        team,
        ayumi,
        3,
        ("gathering_place", "地域活動支援センターの見学に同行。"),
    )
    .await?;

    // 関係構築: monthly visits, nothing due.
    let ken = r
        .outreach_case(
            team,
            someone(
                ("駒形 健", "コマガタ ケン"),
                (40, "male"),
                ("湯沢市駒形町字見本6", "yuzawa"),
            ),
            (100, "minsei_iin", "地区の民生委員(駒形地区)"),
            (
                "父の介護のため離職し、そのまま自宅にこもっている。",
                &["hikikomori", "care"],
            ),
            &[],
        )
        .await?;
    r.visit(ken, met(70, &alone, "本人と玄関で話す。")).await?;
    r.move_stage(team, ken, EngagementStage::Contacted, (70, ""))
        .await?;
    r.visit(ken, met(40, &alone, "父の介護の話を30分。"))
        .await?;
    r.move_stage(team, ken, EngagementStage::Rapport, (40, ""))
        .await?;
    r.visit(ken, met(15, &alone, "次回も来てほしいと本人から。"))
        .await?;

    // 接触: the daughter answered; nothing due.
    let mitsu = r
        .outreach_case(
            team,
            someone(
                ("横堀 ミツ", "ヨコボリ ミツ"),
                (81, "female"),
                ("湯沢市横堀字見本9", "inakawa"),
            ),
            (55, "minsei_iin", "地区の民生委員(横堀地区)"),
            ("娘と二人暮らし。娘は介護で仕事を辞めたらしい。", &["care"]),
            &[],
        )
        .await?;
    r.visit(mitsu, nobody(50, &alone, "不在。")).await?;
    r.visit(
        mitsu,
        Visit {
            met: "family",
            ..met(35, &alone, "娘と話す。母の介護の大変さを話してくれた。")
        },
    )
    .await?;
    r.move_stage(team, mitsu, EngagementStage::Contacted, (35, ""))
        .await?;
    r.visit(
        mitsu,
        Visit {
            method: "phone",
            left: "",
            ..met(12, &alone, "本人と電話で話す。")
        },
    )
    .await?;

    // 支援受入, then 支援機関へつなぎ済: handed over to 基幹相談支援センター.
    let makoto = r
        .outreach_case(
            team,
            someone(
                ("院内 誠", "インナイ マコト"),
                (47, "male"),
                ("湯沢市上院内字見本1", "ogachi"),
            ),
            (130, "agency", "湯沢市社会福祉協議会総合相談室"),
            (
                "障害者手帳はないが、就労が続かない。家族が支援を望んでいる。",
                &["disability", "employment"],
            ),
            &[],
        )
        .await?;
    r.visit(makoto, met(120, &alone, "本人と面談。")).await?;
    r.move_stage(team, makoto, EngagementStage::Contacted, (120, ""))
        .await?;
    r.visit(makoto, met(90, &alone, "作業所の見学に関心。"))
        .await?;
    r.move_stage(team, makoto, EngagementStage::Rapport, (90, ""))
        .await?;
    r.visit(
        makoto,
        met(60, &alone, "障害福祉サービスの相談をしたいと本人から。"),
    )
    .await?;
    r.move_stage(team, makoto, EngagementStage::AcceptingSupport, (60, ""))
        .await?;
    let person = r
        .store
        .outreach_any(makoto)
        .await?
        .and_then(|o| o.person_id)
        .ok_or_else(|| anyhow!("デモの院内さんがいません"))?;
    let sent = r.store.create_referral(
        r.municipality,
        person,
        team.agency,
        kikan.agency,
        "アウトリーチで関係ができ、本人が障害福祉サービスの相談を希望。",
        team.user,
    );
    let referral = as_of(r.at(58, 10, 0), sent).await?;
    r.accept(kikan, referral, r.at(57, 9, 0)).await?;
    r.visit(
        makoto,
        met(57, &[team, kikan], "基幹の職員と訪問し、引き継いだ。"),
    )
    .await?;
    r.move_stage(team, makoto, EngagementStage::Connected, (57, ""))
        .await?;
    let handed = r.store.create_outreach_handover(
        r.recorder(team),
        makoto,
        (Some(referral), None),
        "サービス等利用計画の作成は基幹相談支援センターが担当。",
    );
    as_of(r.at(57, 17, 45), handed).await?;
    Ok(())
}
