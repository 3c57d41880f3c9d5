//! The person search and the 名寄せ prefilter on a generated data set, on both engines:
//! every plan the search may read its rows by answers the same rows (and they are what
//! the search answers), paging reads on without a count, and after `ANALYZE` the plans
//! the engines choose read the large tables through their indexes.

use kasane_domain::identity::Actor;
use kasane_store::Store;
use kasane_store::case::{Case, CasePlan};
use kasane_store::person::{Person, PersonFields, PersonSearch, SearchPlan, Viewer};

use crate::access_twins::{self, listed_as_the_rule_says};
use crate::common::{Engine, TestApp};
use crate::generate::generate;

both_engines!(
    every_plan_answers_the_same_rows_on_their_indexes,
    the_case_list_plans_agree_on_their_indexes
);

/// The viewer of a generated staff member (`gen.daisen.<agency>`), as the app builds it.
async fn viewer(store: &Store, username: &str, today: chrono::NaiveDate) -> Viewer {
    viewer_and_actor(store, username, today).await.0
}

/// The viewer of a generated staff member, and the actor the rule judges.
async fn viewer_and_actor(
    store: &Store,
    username: &str,
    today: chrono::NaiveDate,
) -> (Viewer, Actor) {
    let user = store.user_by_username(username).await.unwrap().unwrap();
    access_twins::viewer_and_actor(store, &user, today).await
}

fn ids(rows: &[Person]) -> Vec<i64> {
    rows.iter().map(|p| p.id).collect()
}

/// A step that reads a large table whole to find the search's rows: SQLite's `SCAN person`
/// (not `… USING INDEX`) anywhere, PostgreSQL's `Seq Scan on person p` for the rows listed
/// (`p`), the name's and the involvements' sources (`q`), intakes and referrals.
/// PostgreSQL may compute a small correlated subquery (a group's linked records, `l`)
/// once, hashed, instead of probing it per row; at 20,000 persons a sequential read is
/// the cheaper way to do that, so those steps are not counted.
fn full_scan(engine: Engine, line: &str) -> bool {
    let line = line.trim_start_matches([' ', '-', '>']);
    match engine {
        Engine::Sqlite => {
            const LARGE: [&str; 5] = [
                "person",
                "intake",
                "referral",
                "support_log",
                "household_member",
            ];
            line.starts_with("SCAN ")
                && !line.contains("USING")
                && line
                    .split_whitespace()
                    .nth(1)
                    .is_some_and(|alias| LARGE.iter().any(|t| alias == *t || t.starts_with(alias)))
        }
        Engine::Postgres => {
            const DRIVING: [&str; 4] = ["person p ", "person q", "intake i", "referral r"];
            DRIVING
                .iter()
                .any(|source| line.starts_with(&format!("Seq Scan on {source}")))
        }
    }
}

async fn every_plan_answers_the_same_rows_on_their_indexes(app: TestApp) {
    generate(&app.db_url, 20_000, 7).await;
    app.raw_sql("ANALYZE").await;
    let store = &app.store;
    let today = kasane_app::Clock::today(&kasane_app::SystemClock);
    let many = viewer(store, "gen.daisen.shakai_fukushi_ka", today).await;
    let few = viewer(store, "gen.daisen.usachan_hiroba", today).await;
    let coordinator = viewer(store, "gen.daisen.shakyo", today).await;

    // Names as workers type them: the commonest family name, a rare one, a given name in
    // kana, and no name at all (a birth date).
    let common = app
        .text(
            "SELECT name_key FROM (SELECT substr(name_key, 1, 2) AS name_key, COUNT(*) AS n \
             FROM person GROUP BY substr(name_key, 1, 2)) t ORDER BY n DESC, name_key LIMIT 1",
        )
        .await;
    let rare = app
        .text("SELECT name_key FROM person WHERE note <> '' ORDER BY name_key DESC LIMIT 1")
        .await;
    let given_kana = app
        .text("SELECT given_kana_key FROM person WHERE given_kana_key <> '' ORDER BY id LIMIT 1")
        .await;
    let birth = app
        .text("SELECT CAST(birth_date AS TEXT) FROM person WHERE birth_date IS NOT NULL ORDER BY id LIMIT 1")
        .await;
    let searches = [
        PersonSearch {
            name_key: Some(common.clone()),
            ..PersonSearch::default()
        },
        PersonSearch {
            name_key: Some(rare.clone()),
            ..PersonSearch::default()
        },
        PersonSearch {
            name_key: Some(given_kana.clone()),
            kana_key: Some(given_kana.clone()),
            ..PersonSearch::default()
        },
        PersonSearch {
            birth_date: Some(birth.parse().unwrap()),
            ..PersonSearch::default()
        },
        PersonSearch::default(),
    ];

    let mut chosen = Vec::new();
    for (who, viewer) in [("many", many), ("few", few), ("coordinator", coordinator)] {
        for search in &searches {
            let all = PersonSearch {
                limit: 100_000,
                ..search.clone()
            };
            let (expected, more) = store.search_persons(viewer, &all).await.unwrap();
            assert!(!more);
            for plan in SearchPlan::ALL {
                let (rows, _) = store.search_persons_by(plan, viewer, &all).await.unwrap();
                assert_eq!(ids(&rows), ids(&expected), "{who} {plan:?} {search:?}");
            }
            // Pages follow each other without a count: the second starts where the first ended.
            let page = |n: i64| PersonSearch {
                limit: 20,
                offset: n * 20,
                ..search.clone()
            };
            let (first, more) = store.search_persons(viewer, &page(0)).await.unwrap();
            assert_eq!(more, expected.len() > 20, "{who} {search:?}");
            let (second, _) = store.search_persons(viewer, &page(1)).await.unwrap();
            let both: Vec<i64> = ids(&first).into_iter().chain(ids(&second)).collect();
            let head: Vec<i64> = ids(&expected).into_iter().take(40).collect();
            assert_eq!(both, head, "{who} {search:?}");

            let plan = store.search_plan(viewer, search).await.unwrap();
            chosen.push(plan);
            let lines = store.explain_search(plan, viewer, search).await.unwrap();
            assert!(
                !lines.iter().any(|l| full_scan(app.engine, l)),
                "{who} {plan:?} {search:?} reads a large table whole:\n{}",
                lines.join("\n")
            );
        }
    }
    // The data set makes the search choose each plan somewhere.
    for plan in SearchPlan::ALL {
        assert!(chosen.contains(&plan), "{plan:?} never chosen: {chosen:?}");
    }
    // The few see a handful, the many most.
    let everybody = PersonSearch {
        limit: 100_000,
        ..PersonSearch::default()
    };
    let (few_seen, _) = store.search_persons(few, &everybody).await.unwrap();
    let (many_seen, _) = store.search_persons(many, &everybody).await.unwrap();
    assert!(few_seen.len() <= 10 && many_seen.len() >= 10_000);

    // The 名寄せ prefilter: a copy of a generated person finds them, through the key indexes.
    let original = store
        .person_any(
            app.scalar("SELECT MAX(id) FROM person WHERE linked_to_person_id IS NULL")
                .await,
        )
        .await
        .unwrap()
        .unwrap();
    let copy = PersonFields {
        name_key: original.name_key.clone(),
        kana_key: original.kana_key.clone(),
        birth_date: original.birth_date,
        phone_digits: original.phone_digits.clone(),
        ..PersonFields::default()
    };
    let found = store
        .match_prefilter(original.municipality_id, &copy)
        .await
        .unwrap();
    assert_eq!(found.first().map(|p| p.id), Some(original.id));
    let lines = store
        .explain_prefilter(original.municipality_id, &copy)
        .await
        .unwrap();
    assert!(
        !lines.iter().any(|l| full_scan(app.engine, l)),
        "the prefilter reads a large table whole:\n{}",
        lines.join("\n")
    );
}

/// [`full_scan`], or the case list's own rows read whole: SQLite's `SCAN c`, PostgreSQL's
/// `Seq Scan on cases c`.
fn case_scan(engine: Engine, line: &str) -> bool {
    let step = line.trim_start_matches([' ', '-', '>']);
    full_scan(engine, line)
        || match engine {
            Engine::Sqlite => step == "SCAN c",
            Engine::Postgres => step.starts_with("Seq Scan on cases c "),
        }
}

fn case_ids(rows: &[Case]) -> Vec<i64> {
    rows.iter().map(|c| c.id).collect()
}

/// The case list on generated data: both plans answer the same cases, and a case is listed
/// exactly when `access::decide` lets the viewer read it (every fifth case checked; the
/// demo's every case in access_twins.rs); pages follow without a count; and after
/// `ANALYZE` the plan chosen reads the large tables through their indexes (`Recent` never
/// reads every case), with or without a status.
async fn the_case_list_plans_agree_on_their_indexes(app: TestApp) {
    generate(&app.db_url, 20_000, 7).await;
    app.raw_sql("ANALYZE").await;
    let store = &app.store;
    let today = kasane_app::Clock::today(&kasane_app::SystemClock);
    let every_fifth: Vec<i64> = on_test_db!(app, |pool| sqlx::query_scalar(
        "SELECT id FROM cases WHERE id % 5 = 0 ORDER BY id"
    )
    .fetch_all(&pool)
    .await
    .unwrap());
    assert!(
        every_fifth.len() > 50,
        "{} cases checked",
        every_fifth.len()
    );
    let mut chosen = Vec::new();
    for who in [
        "gen.daisen.shakai_fukushi_ka",
        "gen.daisen.usachan_hiroba",
        "gen.daisen.shakyo",
    ] {
        let (viewer, actor) = viewer_and_actor(store, who, today).await;
        for status in [None, Some("active")] {
            let (all, more) = store.list_cases(viewer, status, 100_000, 0).await.unwrap();
            assert!(!more);
            if status.is_none() {
                for &id in &every_fifth {
                    listed_as_the_rule_says(store, &actor, today, id, &all, who).await;
                }
            }
            for plan in CasePlan::ALL {
                let (rows, _) = store
                    .list_cases_by(plan, viewer, status, 100_000, 0)
                    .await
                    .unwrap();
                assert_eq!(case_ids(&rows), case_ids(&all), "{who} {plan:?} {status:?}");
            }
            // The plan chosen reads through indexes; newest first never reads every case.
            let plan = store.case_plan(viewer).await.unwrap();
            let lines = store.explain_cases(plan, viewer, status).await.unwrap();
            let scans = |l: &String| match plan {
                CasePlan::Recent => case_scan(app.engine, l),
                CasePlan::Involved => full_scan(app.engine, l),
            };
            assert!(
                !lines.iter().any(scans),
                "{who} {plan:?} {status:?} reads a large table whole:\n{}",
                lines.join("\n")
            );
            let (first, more) = store.list_cases(viewer, status, 20, 0).await.unwrap();
            assert_eq!(more, all.len() > 20, "{who} {status:?}");
            let (second, _) = store.list_cases(viewer, status, 20, 20).await.unwrap();
            let both: Vec<i64> = case_ids(&first)
                .into_iter()
                .chain(case_ids(&second))
                .collect();
            let head: Vec<i64> = case_ids(&all).into_iter().take(40).collect();
            assert_eq!(both, head, "{who} {status:?}");
        }
        chosen.push(store.case_plan(viewer).await.unwrap());
    }
    for plan in CasePlan::ALL {
        assert!(chosen.contains(&plan), "{plan:?} never chosen: {chosen:?}");
    }
    // A household's own support-log entries are read by their index, though almost every
    // entry is a person's: an index of NULLs looked useless to SQLite's statistics, and the
    // household page read every entry.
    let household: i64 = on_test_db!(app, |pool| sqlx::query_scalar(
        "SELECT MIN(id) FROM household"
    )
    .fetch_one(&pool)
    .await
    .unwrap());
    // (At 20,000 persons SQLite reads the old index too; at 1 M it read every entry:
    // BENCHMARKS.md.)
    let lines = store.explain_household_entries(household).await.unwrap();
    let whole = |l: &String| {
        let step = l.trim_start_matches([' ', '-', '>']);
        step == "SCAN s" || step.starts_with("Seq Scan on support_log s")
    };
    assert!(!lines.iter().any(whole), "{}", lines.join("\n"));
}
