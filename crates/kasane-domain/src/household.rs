//! 世帯: members, their 続柄, and the household signals (8050, ヤングケアラー, 高齢独居,
//! 高齢夫婦のみ) that are computed from the members — never typed in, so they cannot go stale.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// 続柄 — a member's relation to the household head (世帯主), as on the 住民票.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    Head,
    Spouse,
    Child,
    Parent,
    Grandchild,
    Grandparent,
    Sibling,
    ChildInLaw,
    OtherRelative,
    Other,
}

impl Relationship {
    pub const ALL: [Relationship; 10] = [
        Relationship::Head,
        Relationship::Spouse,
        Relationship::Child,
        Relationship::Parent,
        Relationship::Grandchild,
        Relationship::Grandparent,
        Relationship::Sibling,
        Relationship::ChildInLaw,
        Relationship::OtherRelative,
        Relationship::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Relationship::Head => "head",
            Relationship::Spouse => "spouse",
            Relationship::Child => "child",
            Relationship::Parent => "parent",
            Relationship::Grandchild => "grandchild",
            Relationship::Grandparent => "grandparent",
            Relationship::Sibling => "sibling",
            Relationship::ChildInLaw => "child_in_law",
            Relationship::OtherRelative => "other_relative",
            Relationship::Other => "other",
        }
    }

    /// The Japanese label shown in the UI.
    pub fn label(self) -> &'static str {
        match self {
            Relationship::Head => "世帯主",
            Relationship::Spouse => "配偶者",
            Relationship::Child => "子",
            Relationship::Parent => "父母",
            Relationship::Grandchild => "孫",
            Relationship::Grandparent => "祖父母",
            Relationship::Sibling => "兄弟姉妹",
            Relationship::ChildInLaw => "子の配偶者",
            Relationship::OtherRelative => "その他親族",
            Relationship::Other => "その他",
        }
    }

    /// Generation relative to the head (parents +1, children −1); `None` when the 続柄 does
    /// not say. In-laws count with their spouse: 8050 is about the household's shape — an
    /// elderly generation with the one below it — not about blood.
    pub fn generation(self) -> Option<i8> {
        match self {
            Relationship::Grandparent => Some(2),
            Relationship::Parent => Some(1),
            Relationship::Head | Relationship::Spouse | Relationship::Sibling => Some(0),
            Relationship::Child | Relationship::ChildInLaw => Some(-1),
            Relationship::Grandchild => Some(-2),
            Relationship::OtherRelative | Relationship::Other => None,
        }
    }
}

impl fmt::Display for Relationship {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("不明な続柄です: {0}")]
pub struct UnknownRelationship(pub String);

impl FromStr for Relationship {
    type Err = UnknownRelationship;
    /// Accepts the code or the label.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        Relationship::ALL
            .into_iter()
            .find(|r| r.code() == t || r.label() == t)
            .ok_or_else(|| UnknownRelationship(t.to_string()))
    }
}

/// What the signal rules need to know about one household member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberFacts {
    pub person_id: i64,
    /// Age today; `None` when the birth date is unknown — such a member never triggers an
    /// age rule.
    pub age: Option<u32>,
    pub relationship: Relationship,
    /// Issue codes recorded for the member (`hikikomori`, `employment`, …).
    pub issues: Vec<String>,
    /// Recorded as caring for family (介護・世話をしている).
    pub is_carer: bool,
}

/// A household signal, shown as a badge on the household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    Household8050,
    YoungCarer,
    ElderlyAlone,
    ElderlyCouple,
}

impl Signal {
    pub const ALL: [Signal; 4] = [
        Signal::Household8050,
        Signal::YoungCarer,
        Signal::ElderlyAlone,
        Signal::ElderlyCouple,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Signal::Household8050 => "household_8050",
            Signal::YoungCarer => "young_carer",
            Signal::ElderlyAlone => "elderly_alone",
            Signal::ElderlyCouple => "elderly_couple",
        }
    }

    /// The Japanese label shown in the UI.
    pub fn label(self) -> &'static str {
        match self {
            Signal::Household8050 => "8050世帯",
            Signal::YoungCarer => "ヤングケアラー",
            Signal::ElderlyAlone => "高齢独居",
            Signal::ElderlyCouple => "高齢夫婦のみ",
        }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A signal with the members that raised it and why, in Japanese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignalEvidence {
    pub signal: Signal,
    /// Person ids, each once, in household order.
    pub members: Vec<i64>,
    /// E.g. `80歳の親と52歳の子(引きこもり)が同居`.
    pub explanation: String,
}

/// 8050: the parent generation is at least this old…
pub const ELDER_PARENT_MIN_AGE: u32 = 75;
/// …and lives with a child in this age range…
pub const MIDDLE_AGED_CHILD_AGES: std::ops::RangeInclusive<u32> = 40..=64;
/// …who has one of these issues (ひきこもり, 就労).
pub const CHILD_ISSUES_8050: [(&str, &str); 2] =
    [("hikikomori", "引きこもり"), ("employment", "就労")];
/// Without usable 続柄, a parent is assumed only at this age gap.
pub const PARENT_AGE_GAP: u32 = 18;
/// ヤングケアラー: under this age (児童福祉法の「児童」; older carers are 若者ケアラー).
pub const YOUNG_CARER_UNDER: u32 = 18;
/// 高齢者 for 高齢独居 / 高齢夫婦のみ.
pub const ELDERLY_AGE: u32 = 65;

/// The signals the household shows, at most one evidence per signal, in [`Signal::ALL`] order.
pub fn signals(members: &[MemberFacts]) -> Vec<SignalEvidence> {
    [
        household_8050(members),
        young_carer(members),
        elderly_alone(members),
        elderly_couple(members),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Whether `older` is plausibly `younger`'s parent: by 続柄 when both say a generation
/// (exactly one apart), otherwise by an age gap of [`PARENT_AGE_GAP`] years.
fn is_parent_of(older: &MemberFacts, younger: &MemberFacts) -> bool {
    match (
        older.relationship.generation(),
        younger.relationship.generation(),
    ) {
        (Some(o), Some(y)) => o - y == 1,
        _ => match (older.age, younger.age) {
            (Some(o), Some(y)) => o >= y + PARENT_AGE_GAP,
            _ => false,
        },
    }
}

fn household_8050(members: &[MemberFacts]) -> Option<SignalEvidence> {
    let mut ids = Vec::new();
    let mut parts = Vec::new();
    for child in members {
        let Some(child_age) = child.age.filter(|a| MIDDLE_AGED_CHILD_AGES.contains(a)) else {
            continue;
        };
        let issues: Vec<&str> = CHILD_ISSUES_8050
            .iter()
            .filter(|(code, _)| child.issues.iter().any(|i| i == code))
            .map(|(_, label)| *label)
            .collect();
        if issues.is_empty() {
            continue;
        }
        let parents: Vec<&MemberFacts> = members
            .iter()
            .filter(|p| p.person_id != child.person_id)
            .filter(|p| p.age.is_some_and(|a| a >= ELDER_PARENT_MIN_AGE))
            .filter(|p| is_parent_of(p, child))
            .collect();
        if parents.is_empty() {
            continue;
        }
        let parent_ages: Vec<String> = parents
            .iter()
            .filter_map(|p| p.age.map(|a| a.to_string()))
            .collect();
        parts.push(format!(
            "{}歳の親と{child_age}歳の子({})が同居",
            parent_ages.join("・"),
            issues.join("・")
        ));
        ids.extend(parents.iter().map(|p| p.person_id));
        ids.push(child.person_id);
    }
    evidence(Signal::Household8050, members, &ids, parts)
}

fn young_carer(members: &[MemberFacts]) -> Option<SignalEvidence> {
    let carers: Vec<&MemberFacts> = members
        .iter()
        .filter(|m| m.is_carer && m.age.is_some_and(|a| a < YOUNG_CARER_UNDER))
        .collect();
    let ids: Vec<i64> = carers.iter().map(|m| m.person_id).collect();
    let who: Vec<String> = carers.iter().map(|m| describe(m)).collect();
    if who.is_empty() {
        return None;
    }
    let part = format!("{}が家族の介護・世話をしている", who.join("、"));
    evidence(Signal::YoungCarer, members, &ids, vec![part])
}

fn elderly_alone(members: &[MemberFacts]) -> Option<SignalEvidence> {
    let [only] = members else { return None };
    let age = only.age.filter(|a| *a >= ELDERLY_AGE)?;
    evidence(
        Signal::ElderlyAlone,
        members,
        &[only.person_id],
        vec![format!("{age}歳の単身世帯")],
    )
}

fn elderly_couple(members: &[MemberFacts]) -> Option<SignalEvidence> {
    let [a, b] = members else { return None };
    let couple = matches!(
        (a.relationship, b.relationship),
        (Relationship::Head, Relationship::Spouse) | (Relationship::Spouse, Relationship::Head)
    );
    let elderly = |m: &MemberFacts| m.age.is_some_and(|age| age >= ELDERLY_AGE);
    if !(couple && elderly(a) && elderly(b)) {
        return None;
    }
    let part = format!("{}と{}のみの世帯", describe(a), describe(b));
    evidence(
        Signal::ElderlyCouple,
        members,
        &[a.person_id, b.person_id],
        vec![part],
    )
}

/// `16歳の孫`; callers only describe members whose age is known.
fn describe(m: &MemberFacts) -> String {
    match m.age {
        Some(age) => format!("{age}歳の{}", m.relationship.label()),
        None => m.relationship.label().to_string(),
    }
}

/// Builds the evidence with members deduplicated into household order; `None` if nothing fired.
fn evidence(
    signal: Signal,
    members: &[MemberFacts],
    ids: &[i64],
    parts: Vec<String>,
) -> Option<SignalEvidence> {
    if parts.is_empty() {
        return None;
    }
    Some(SignalEvidence {
        signal,
        members: members
            .iter()
            .map(|m| m.person_id)
            .filter(|id| ids.contains(id))
            .collect(),
        explanation: parts.join("、"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Relationship::*;

    fn m(id: i64, age: Option<u32>, rel: Relationship, issues: &[&str]) -> MemberFacts {
        MemberFacts {
            person_id: id,
            age,
            relationship: rel,
            issues: issues.iter().map(|s| s.to_string()).collect(),
            is_carer: false,
        }
    }

    fn carer(mut f: MemberFacts) -> MemberFacts {
        f.is_carer = true;
        f
    }

    fn codes(members: &[MemberFacts]) -> Vec<Signal> {
        signals(members).into_iter().map(|e| e.signal).collect()
    }

    fn has(members: &[MemberFacts], s: Signal) -> bool {
        codes(members).contains(&s)
    }

    #[test]
    fn signal_table() {
        use Signal::*;
        let cases: Vec<(&str, Vec<MemberFacts>, Signal, bool)> = vec![
            (
                "世帯主80・子52引きこもり",
                vec![
                    m(1, Some(80), Head, &[]),
                    m(2, Some(52), Child, &["hikikomori"]),
                ],
                Household8050,
                true,
            ),
            (
                "子が世帯主・父母が80",
                vec![
                    m(1, Some(50), Head, &["employment"]),
                    m(2, Some(82), Parent, &[]),
                ],
                Household8050,
                true,
            ),
            (
                "子39歳は対象外",
                vec![
                    m(1, Some(80), Head, &[]),
                    m(2, Some(39), Child, &["hikikomori"]),
                ],
                Household8050,
                false,
            ),
            (
                "子65歳は対象外",
                vec![
                    m(1, Some(90), Head, &[]),
                    m(2, Some(65), Child, &["hikikomori"]),
                ],
                Household8050,
                false,
            ),
            (
                "子40歳・親75歳は境界で対象",
                vec![
                    m(1, Some(75), Head, &[]),
                    m(2, Some(40), Child, &["employment"]),
                ],
                Household8050,
                true,
            ),
            (
                "親74歳は対象外",
                vec![
                    m(1, Some(74), Head, &[]),
                    m(2, Some(50), Child, &["hikikomori"]),
                ],
                Household8050,
                false,
            ),
            (
                "課題のない子は対象外",
                vec![
                    m(1, Some(80), Head, &[]),
                    m(2, Some(50), Child, &["health"]),
                ],
                Household8050,
                false,
            ),
            (
                "親の年齢不明は対象外",
                vec![
                    m(1, None, Head, &[]),
                    m(2, Some(50), Child, &["hikikomori"]),
                ],
                Household8050,
                false,
            ),
            (
                "夫婦(同世代)は親子ではない",
                vec![
                    m(1, Some(80), Head, &[]),
                    m(2, Some(60), Spouse, &["hikikomori"]),
                ],
                Household8050,
                false,
            ),
            (
                "祖父母と孫は二世代差で対象外",
                vec![
                    m(1, Some(45), Head, &["hikikomori"]),
                    m(2, Some(80), Grandparent, &[]),
                ],
                Household8050,
                false,
            ),
            (
                "続柄不明は年齢差18以上で親とみなす",
                vec![
                    m(1, Some(80), Head, &[]),
                    m(2, Some(55), OtherRelative, &["hikikomori"]),
                ],
                Household8050,
                true,
            ),
            (
                "続柄不明で年齢差17は対象外",
                vec![
                    m(1, Some(64), Other, &["hikikomori"]),
                    m(2, Some(80), Head, &[]),
                    m(3, Some(79), Spouse, &[]),
                ],
                Household8050,
                false,
            ),
            (
                "配偶者も親世代",
                vec![
                    m(1, Some(70), Head, &[]),
                    m(2, Some(77), Spouse, &[]),
                    m(3, Some(45), Child, &["hikikomori"]),
                ],
                Household8050,
                true,
            ),
            (
                "孫16歳が世話",
                vec![
                    m(1, Some(45), Head, &[]),
                    carer(m(2, Some(16), Grandchild, &[])),
                ],
                YoungCarer,
                true,
            ),
            (
                "子17歳が世話",
                vec![carer(m(1, Some(17), Child, &[]))],
                YoungCarer,
                true,
            ),
            (
                "18歳は対象外",
                vec![carer(m(1, Some(18), Child, &[]))],
                YoungCarer,
                false,
            ),
            (
                "年齢不明の世話役は対象外",
                vec![carer(m(1, None, Child, &[]))],
                YoungCarer,
                false,
            ),
            (
                "世話をしていない子は対象外",
                vec![m(1, Some(12), Child, &[])],
                YoungCarer,
                false,
            ),
            (
                "65歳の独居",
                vec![m(1, Some(65), Head, &[])],
                ElderlyAlone,
                true,
            ),
            (
                "64歳の独居は対象外",
                vec![m(1, Some(64), Head, &[])],
                ElderlyAlone,
                false,
            ),
            (
                "年齢不明の独居は対象外",
                vec![m(1, None, Head, &[])],
                ElderlyAlone,
                false,
            ),
            (
                "二人世帯は独居ではない",
                vec![m(1, Some(80), Head, &[]), m(2, Some(50), Child, &[])],
                ElderlyAlone,
                false,
            ),
            (
                "高齢夫婦",
                vec![m(1, Some(78), Head, &[]), m(2, Some(65), Spouse, &[])],
                ElderlyCouple,
                true,
            ),
            (
                "配偶者が先でも夫婦",
                vec![m(1, Some(70), Spouse, &[]), m(2, Some(72), Head, &[])],
                ElderlyCouple,
                true,
            ),
            (
                "一方が64歳",
                vec![m(1, Some(78), Head, &[]), m(2, Some(64), Spouse, &[])],
                ElderlyCouple,
                false,
            ),
            (
                "高齢の兄弟は夫婦ではない",
                vec![m(1, Some(78), Head, &[]), m(2, Some(75), Sibling, &[])],
                ElderlyCouple,
                false,
            ),
            (
                "三人世帯は夫婦のみではない",
                vec![
                    m(1, Some(78), Head, &[]),
                    m(2, Some(76), Spouse, &[]),
                    m(3, Some(90), Parent, &[]),
                ],
                ElderlyCouple,
                false,
            ),
            (
                "配偶者の年齢不明",
                vec![m(1, Some(78), Head, &[]), m(2, None, Spouse, &[])],
                ElderlyCouple,
                false,
            ),
        ];
        for (name, members, signal, expected) in cases {
            assert_eq!(
                has(&members, signal),
                expected,
                "{name}: {:?}",
                signals(&members)
            );
        }
    }

    #[test]
    fn empty_household_has_no_signals() {
        assert!(signals(&[]).is_empty());
    }

    #[test]
    fn explanation_and_members_for_8050() {
        let members = [
            m(10, Some(80), Head, &[]),
            m(11, Some(78), Spouse, &[]),
            m(12, Some(52), Child, &["hikikomori", "health"]),
            m(13, Some(48), Child, &["employment", "hikikomori"]),
            m(14, Some(20), Grandchild, &[]),
        ];
        let all = signals(&members);
        assert_eq!(all.len(), 1, "{all:?}");
        let e = &all[0];
        assert_eq!(e.signal, Signal::Household8050);
        assert_eq!(e.members, [10, 11, 12, 13]);
        assert_eq!(
            e.explanation,
            "80・78歳の親と52歳の子(引きこもり)が同居、80・78歳の親と48歳の子(引きこもり・就労)が同居"
        );

        let simple = signals(&[
            m(1, Some(80), Head, &[]),
            m(2, Some(52), Child, &["hikikomori"]),
        ]);
        assert_eq!(
            simple[0].explanation,
            "80歳の親と52歳の子(引きこもり)が同居"
        );
        assert_eq!(simple[0].members, [1, 2]);
    }

    #[test]
    fn explanations_for_other_signals() {
        let yc = signals(&[
            m(1, Some(45), Head, &[]),
            carer(m(2, Some(16), Grandchild, &[])),
            carer(m(3, Some(14), Child, &[])),
            carer(m(4, Some(40), Spouse, &[])),
        ]);
        assert_eq!(yc.len(), 1);
        assert_eq!(yc[0].signal, Signal::YoungCarer);
        assert_eq!(yc[0].members, [2, 3]);
        assert_eq!(
            yc[0].explanation,
            "16歳の孫、14歳の子が家族の介護・世話をしている"
        );

        let alone = signals(&[m(7, Some(88), Head, &[])]);
        assert_eq!(alone[0].signal, Signal::ElderlyAlone);
        assert_eq!(alone[0].explanation, "88歳の単身世帯");
        assert_eq!(alone[0].members, [7]);

        let couple = signals(&[m(1, Some(78), Head, &[]), m(2, Some(76), Spouse, &[])]);
        assert_eq!(couple.len(), 1);
        assert_eq!(couple[0].signal, Signal::ElderlyCouple);
        assert_eq!(
            couple[0].explanation,
            "78歳の世帯主と76歳の配偶者のみの世帯"
        );
    }

    #[test]
    fn several_signals_come_in_fixed_order() {
        let members = [
            m(1, Some(80), Head, &[]),
            m(2, Some(50), Child, &["hikikomori"]),
            carer(m(3, Some(15), Grandchild, &[])),
        ];
        assert_eq!(codes(&members), [Signal::Household8050, Signal::YoungCarer]);
    }

    #[test]
    fn relationship_codes_and_labels() {
        for r in Relationship::ALL {
            assert_eq!(r.code().parse::<Relationship>().unwrap(), r);
            assert_eq!(r.label().parse::<Relationship>().unwrap(), r);
        }
        assert_eq!(ChildInLaw.label(), "子の配偶者");
        assert!("いとこ".parse::<Relationship>().is_err());
        assert_eq!(Signal::Household8050.label(), "8050世帯");
        assert_eq!(Signal::ElderlyCouple.label(), "高齢夫婦のみ");
    }
}
