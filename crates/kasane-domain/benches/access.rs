//! `access::decide` on realistic facts: a person known to several windows (registered,
//! intakes, an accepted and a pending referral, a case with its lead and involved agencies,
//! consents, 多機関協働), asked by each kind of actor; and a long-served person with 40
//! intakes. Run with `cargo bench -p kasane-domain`.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use kasane_domain::access::{
    Action, ConsentFact, CoordinationFact, Involvement, InvolvementKind, PersonFacts, Subject,
    decide,
};
use kasane_domain::identity::{Actor, AgencyId, Role, Roles};

const TODAY: Option<NaiveDate> = NaiveDate::from_ymd_opt(2026, 12, 1);

fn involvement(agency_id: AgencyId, kind: InvolvementKind, active: bool) -> Involvement {
    Involvement {
        agency_id,
        kind,
        active,
    }
}

/// Agencies: 1 registered, 2 took an intake, 3 accepted a referral, 4 leads the case,
/// 5 was involved (ended), 6 has a referral pending, 7 coordinates, 8 holds a consent.
fn facts(extra_intakes: usize) -> PersonFacts {
    let mut f = PersonFacts::new(1);
    f.involvements = vec![
        involvement(1, InvolvementKind::Registered, true),
        involvement(2, InvolvementKind::Intake, true),
        involvement(3, InvolvementKind::ReferralAccepted, true),
        involvement(4, InvolvementKind::CaseLead, true),
        involvement(5, InvolvementKind::CaseInvolved, false),
    ];
    f.involvements.extend(
        (0..extra_intakes)
            .map(|i| involvement(20 + i as AgencyId % 10, InvolvementKind::Intake, true)),
    );
    f.pending_referrals = vec![6];
    f.consents = vec![
        ConsentFact {
            agencies: vec![8, 9],
            meeting: true,
            withdrawn: false,
            expires_on: NaiveDate::from_ymd_opt(2027, 3, 31),
        },
        ConsentFact {
            agencies: vec![10],
            meeting: false,
            withdrawn: true,
            expires_on: None,
        },
    ];
    f.coordination = Some(CoordinationFact {
        coordinating_agency: 7,
        ended: false,
    });
    f
}

fn actor(agency_id: AgencyId, role: Role) -> Actor {
    Actor {
        user_id: 100 + agency_id,
        municipality_id: 1,
        agency_id,
        roles: Roles::new([role]),
    }
}

fn bench(c: &mut Criterion) {
    let Some(today) = TODAY else { return };
    let person = facts(0);
    let served = facts(40);
    let staff = |agency| actor(agency, Role::Staff);
    let cases = [
        (
            "involved staff, read (full)",
            staff(4),
            Action::Read,
            &person,
        ),
        (
            "consent only, read (read-only)",
            staff(8),
            Action::Read,
            &person,
        ),
        (
            "pending referral, read (つなぐシート)",
            staff(6),
            Action::Read,
            &person,
        ),
        (
            "stranger, read (not found)",
            staff(11),
            Action::Read,
            &person,
        ),
        (
            "stranger, 45 involvements (not found)",
            staff(11),
            Action::Read,
            &served,
        ),
        (
            "coordinator, update",
            actor(7, Role::Coordinator),
            Action::Update,
            &person,
        ),
    ];
    for (name, actor, action, facts) in cases {
        let subject = Subject::Person(facts);
        c.bench_function(&format!("decide: {name}"), |b| {
            b.iter(|| decide(black_box(&actor), action, black_box(&subject), today))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
