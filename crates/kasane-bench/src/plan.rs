//! What is measured: each endpoint as a repeatable request, its target picked from the
//! database (read-only) and confirmed by the server itself (the first candidate that
//! answers 200 to the user), and its **floor** — the store reads the endpoint's handler
//! makes, run in this process against the same database, without HTTP, session, audit or
//! rendering.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Context, Result};
use chrono::{NaiveDate, NaiveTime, TimeDelta, Utc};
use kasane_domain::early_warning::window_start;
use kasane_domain::identity::{AgencyId, MunicipalityId, Role, verify_password};
use kasane_domain::name::{kana_key, match_key};
use kasane_domain::person_match::{MatchInput, is_candidate, score};
use kasane_domain::plan::DUE_SOON_DAYS;
use kasane_domain::referral::{DEFAULT_ACK_DAYS, overdue_before};
use kasane_store::person::{Person, PersonFields, PersonSearch, Viewer};
use kasane_store::referral::ReferralQueue;
use kasane_store::user::User;
use kasane_store::{Store, StoreResult};
use reqwest::{Client, Method, StatusCode};
use serde_json::json;

use crate::db::Db;
use crate::http::{Auth, Request, login, login_body, login_csrf, urlencode};
use crate::load::{Op, Outcome, op};

/// One row of the table.
pub struct Row {
    pub name: String,
    pub request: Request,
    pub floor: Option<Op>,
}

/// A bench user, logged in.
pub struct Who {
    pub user: User,
    pub viewer: Viewer,
    pub cookie: Auth,
}

pub struct Ctx {
    pub client: Client,
    pub base: Arc<str>,
    /// The floor's store: a pool of its own on the same database.
    pub store: Store,
    pub db: Db,
    pub password: String,
    /// An API token of the "sees many" user.
    pub token: String,
    pub many: Who,
    pub few: Who,
    pub coordinator: Who,
}

/// Today in Japan, as the server counts it.
pub fn today() -> NaiveDate {
    (Utc::now() + TimeDelta::hours(9)).date_naive()
}

impl Ctx {
    pub async fn who(
        store: &Store,
        client: &Client,
        base: &str,
        username: &str,
        password: &str,
    ) -> Result<Who> {
        let user = store
            .user_by_username(username)
            .await?
            .with_context(|| format!("no user {username} (run.sh adds it)"))?;
        let coordinating = store.coordinating_agency(user.municipality_id).await?;
        let viewer = Viewer {
            municipality_id: user.municipality_id,
            agency_id: user.agency_id,
            coordinates: user.roles().has(Role::Coordinator)
                && coordinating == Some(user.agency_id),
            today: today(),
        };
        let cookie = Auth::Cookie(login(client, base, username, password).await?);
        Ok(Who {
            user,
            viewer,
            cookie,
        })
    }

    /// The first of `ids` whose page `path(id)` answers 200 to `auth`.
    async fn visible(
        &self,
        ids: Vec<i64>,
        path: impl Fn(i64) -> String,
        auth: &Auth,
    ) -> Result<Option<i64>> {
        let mut seen = std::collections::HashSet::new();
        for id in ids.into_iter().filter(|id| seen.insert(*id)).take(40) {
            let (status, _) = Request::get(path(id), auth.clone())
                .send(&self.client, &self.base)
                .await?;
            if status == StatusCode::OK {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    /// The first of `ids` whose page `/{kind}/{id}` the "sees many" user may see, or else
    /// the first of `any` (a query ignoring its bind) the coordinator may see.
    async fn target(
        &self,
        kind: &str,
        ids: Vec<i64>,
        any: &str,
    ) -> Result<Option<(i64, &'static str, &Who)>> {
        let path = |id| format!("/{kind}/{id}");
        if let Some(id) = self.visible(ids, path, &self.many.cookie).await? {
            return Ok(Some((id, "sees many", &self.many)));
        }
        let any = self.db.ids(any, 0).await?;
        Ok(self
            .visible(any, path, &self.coordinator.cookie)
            .await?
            .map(|id| (id, "coordinator", &self.coordinator)))
    }

    async fn ids(&self, queries: &[&str], agency: AgencyId) -> Result<Vec<i64>> {
        let mut out = Vec::new();
        for q in queries {
            out.extend(self.db.ids(q, agency).await?);
        }
        Ok(out)
    }
}

/// The store result as an outcome.
fn counted<T>(r: StoreResult<T>) -> Outcome {
    match r {
        Ok(_) => Outcome::Done,
        Err(e) => Outcome::Unexpected(format!("floor: {e}")),
    }
}

/// The most common surname and the most common two-kana start of a reading among `rows`:
/// a search a window really types, and a broad one.
fn common_terms(rows: &[(String, Option<String>)]) -> (String, String) {
    fn most(it: impl Iterator<Item = String>, fallback: &str) -> String {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for s in it {
            *counts.entry(s).or_default() += 1;
        }
        counts
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
            .map_or_else(|| fallback.to_string(), |(s, _)| s)
    }
    let surname = most(
        rows.iter()
            .filter_map(|(n, _)| n.split_whitespace().next().map(str::to_string)),
        "佐藤",
    );
    let kana = most(
        rows.iter()
            .filter_map(|(_, f)| f.as_deref())
            .map(|f| {
                f.chars()
                    .filter(|c| !c.is_whitespace())
                    .take(2)
                    .collect::<String>()
            })
            .filter(|s| s.chars().count() == 2),
        "サト",
    );
    (surname, kana)
}

/// The store search the page runs for `q`.
fn name_search(q: &str) -> PersonSearch {
    PersonSearch {
        name_key: Some(match_key(q)),
        kana_key: Some(kana_key(q)),
        limit: 50,
        ..PersonSearch::default()
    }
}

/// The plan the search chooses for `q` as `viewer`, and the engine's plan for it (after
/// the run's ANALYZE), as a note for the report.
async fn search_plan_note(store: &Store, viewer: Viewer, q: &str, who: &str) -> Result<String> {
    let search = name_search(q);
    let plan = store.search_plan(viewer, &search).await?;
    let lines = store.explain_search(plan, viewer, &search).await?;
    Ok(format!(
        "search 「{q}」 as {who}: plan `{plan:?}`\n\n  ```\n  {}\n  ```",
        lines.join("\n  ")
    ))
}

fn search_floor(store: &Store, viewer: Viewer, q: &str) -> Op {
    let search = name_search(q);
    let store = store.clone();
    op(move || {
        let (store, search) = (store.clone(), search.clone());
        async move {
            counted(
                read(&store, async |s: Store| {
                    s.search_persons(viewer, &search).await
                })
                .await,
            )
        }
    })
}

fn fields_of(p: &Person) -> PersonFields {
    PersonFields {
        name: p.name.clone(),
        furigana: p.furigana.clone(),
        name_key: p.name_key.clone(),
        kana_key: p.kana_key.clone(),
        given_key: p.given_key.clone(),
        given_kana_key: p.given_kana_key.clone(),
        birth_date: p.birth_date,
        sex: p.sex.clone(),
        address: p.address.clone(),
        district_code: p.district_code.clone(),
        phone: p.phone.clone(),
        phone_digits: p.phone_digits.clone(),
        note: String::new(),
        external_id: None,
    }
}

fn input(p: &Person) -> MatchInput<'_> {
    MatchInput {
        name: &p.name,
        furigana: p.furigana.as_deref(),
        birth_date: p.birth_date,
        external_id: p.external_id.as_deref(),
        phone: p.phone.as_deref(),
    }
}

/// 名寄せ: the prefilter, the domain's score, and the access facts of every candidate
/// (to show it or only "known to another window"), as `submit_intake` does.
async fn candidates(
    store: Store,
    (mid, new): (MunicipalityId, Arc<Person>),
) -> StoreResult<Vec<i64>> {
    let new = &*new;
    let fields = fields_of(new);
    let mut out = Vec::new();
    for p in store.match_prefilter(mid, &fields).await? {
        if is_candidate(&score(&input(new), &input(&p))) {
            store.person_facts(p.municipality_id, p.id).await?;
            out.push(p.id);
        }
    }
    Ok(out)
}

/// The store reads of the person page: the guard's facts, the record, its memberships,
/// links and districts, the timeline's three lists and the cases section.
async fn person_page(store: Store, (mid, id): (MunicipalityId, i64)) -> StoreResult<()> {
    store.person_any(id).await?;
    store.person_facts(mid, id).await?;
    store.memberships_of(id).await?;
    store.linked_persons(id).await?;
    store.districts(mid).await?;
    timeline_lists(&store, id).await?;
    store.cases_of_person(id).await?;
    Ok(())
}

async fn timeline_lists(store: &Store, id: i64) -> StoreResult<()> {
    store.intakes_of(id).await?;
    store.referrals_of(id).await?;
    store.support_logs_of_person(id).await?;
    Ok(())
}

async fn timeline(store: Store, (mid, id): (MunicipalityId, i64)) -> StoreResult<()> {
    store.person_any(id).await?;
    store.person_facts(mid, id).await?;
    timeline_lists(&store, id).await?;
    Ok(())
}

/// The household page: the record, its facts, members, cases, and each current member's
/// timeline lists.
async fn household_page(store: Store, (mid, id): (MunicipalityId, i64)) -> StoreResult<()> {
    store.household_any(id).await?;
    store.household_facts(mid, id).await?;
    store.household_members(id, false).await?;
    store.cases_of_household(id).await?;
    for m in store.household_members(id, true).await? {
        timeline_lists(&store, m.person_id).await?;
    }
    Ok(())
}

async fn case_page(store: Store, id: i64) -> StoreResult<()> {
    if let Some(case) = store.case_any(id).await? {
        store.case_facts(&case).await?;
    }
    Ok(())
}

/// The worklist's lists: referrals, monitoring due, and for a coordinator the escalations,
/// every overdue referral and the early-warning candidates.
async fn worklist(store: Store, who: (i64, Viewer, bool)) -> StoreResult<()> {
    let (user_id, v, coordinator) = who;
    let (m, a) = (v.municipality_id, v.agency_id);
    // The home page's first rows of each list (and the one more that tells of the rest).
    let rows = 11;
    let overdue = overdue_before(Utc::now(), DEFAULT_ACK_DAYS);
    for q in [
        ReferralQueue::Incoming(a),
        ReferralQueue::ToComplete(a),
        ReferralQueue::SentBefore(a, overdue),
        ReferralQueue::DeclinedUnseen(a),
    ] {
        store.referral_queue(m, q, rows, 0).await?;
    }
    let staff = (!v.coordinates).then_some((user_id, a));
    store
        .due_monitorings(m, v.today + TimeDelta::days(DUE_SOON_DAYS), staff, (50, 0))
        .await?;
    if v.coordinates {
        store.escalations_waiting(m, rows, 0).await?;
    }
    if coordinator {
        store
            .referral_queue(m, ReferralQueue::AllSentBefore(overdue), rows, 0)
            .await?;
        let since = window_start(v.today).and_time(NaiveTime::MIN).and_utc() - TimeDelta::hours(9);
        store.early_warning_candidates(m, since, None, 50).await?;
    }
    Ok(())
}

async fn ping(store: Store, (): ()) -> StoreResult<()> {
    store.ping().await
}

async fn case_list(store: Store, v: Viewer) -> StoreResult<Vec<kasane_store::case::Case>> {
    store.list_cases(v, None, 50, 0).await.map(|(rows, _)| rows)
}

/// The login's reads and its password check (argon2, on the runtime as the server does).
async fn login_check(store: Store, (u, pw): (Arc<str>, Arc<str>)) -> StoreResult<Vec<User>> {
    let user = store.user_by_username(&u).await?;
    Ok(user
        .filter(|user| verify_password(&pw, &user.password_hash))
        .into_iter()
        .collect())
}

/// A floor: `f(store, arg)` repeated, `f` an async store read, in a read transaction as
/// the server reads (on SQLite: on a reader, not the one writer).
macro_rules! floor {
    ($store:expr, $arg:expr, $f:path) => {{
        let store = $store.clone();
        let arg = $arg;
        op(move || {
            let (store, arg) = (store.clone(), arg.clone());
            async move { counted(read(&store, async |s: Store| $f(s, arg).await).await) }
        })
    }};
}

/// `f` on `store` in a read transaction.
async fn read<T>(store: &Store, f: impl AsyncFnOnce(Store) -> StoreResult<T>) -> StoreResult<T> {
    let unit = store.begin_read().await?;
    let out = f(unit.clone()).await?;
    unit.commit().await?;
    Ok(out)
}

/// Every row, and notes on what could not be measured.
pub async fn rows(ctx: &Ctx) -> Result<(Vec<Row>, Vec<String>)> {
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let store = &ctx.store;
    let many = &ctx.many;
    let mid = many.user.municipality_id;
    let bearer = Auth::Bearer(ctx.token.clone());

    rows.push(Row {
        name: "GET /healthz (ceiling)".into(),
        request: Request::get("/healthz", Auth::None),
        floor: Some(floor!(store, (), ping)),
    });

    // Search terms from the records the "sees many" agency registered.
    let names = ctx
        .db
        .names(
            "SELECT name, furigana FROM person WHERE created_by_agency_id = $1 \
             AND linked_to_person_id IS NULL ORDER BY id LIMIT 5000",
            many.user.agency_id,
        )
        .await?;
    let (surname, kana) = common_terms(&names);
    notes.push(format!("search terms: kanji 「{surname}」, kana 「{kana}」 (the most common among the records of the \"sees many\" agency)"));
    // The searches go last: the slowest rows, and a timed-out one restarts the server.
    let mut searches = Vec::new();
    for (label, q) in [("kana", &kana), ("kanji", &surname)] {
        for (who_label, who) in [("sees many", many), ("sees few", &ctx.few)] {
            notes.push(search_plan_note(store, who.viewer, q, who_label).await?);
            searches.push(Row {
                name: format!("search {label} · HTML · {who_label}"),
                request: Request::get(format!("/persons?q={}", urlencode(q)), who.cookie.clone()),
                floor: Some(search_floor(store, who.viewer, q)),
            });
        }
    }
    searches.push(Row {
        name: "search kana · API · sees many".into(),
        request: Request::get(
            format!("/api/v1/persons?q={}", urlencode(&kana)),
            bearer.clone(),
        ),
        floor: Some(search_floor(store, many.viewer, &kana)),
    });

    // The person: one the "sees many" agency registered, with the most intakes.
    let person_ids = ctx
        .ids(
            &[
                "SELECT i.person_id FROM intake i JOIN person p ON p.id = i.person_id \
                 WHERE p.created_by_agency_id = $1 AND p.linked_to_person_id IS NULL \
                 GROUP BY i.person_id ORDER BY COUNT(*) DESC, i.person_id LIMIT 20",
                "SELECT id FROM person WHERE created_by_agency_id = $1 \
                 AND linked_to_person_id IS NULL ORDER BY id LIMIT 20",
            ],
            many.user.agency_id,
        )
        .await?;
    match ctx
        .visible(person_ids, |id| format!("/persons/{id}"), &many.cookie)
        .await?
    {
        None => {
            notes.push("no person visible to the \"sees many\" user: person rows skipped".into())
        }
        Some(id) => {
            let person = store.person_any(id).await?.context("the person vanished")?;
            notes.push(format!(
                "person {id}, 名寄せ as a new intake of 「{}」",
                person.name
            ));
            let lines = store
                .explain_prefilter(person.municipality_id, &fields_of(&person))
                .await?;
            notes.push(format!(
                "名寄せ prefilter plan:\n\n  ```\n  {}\n  ```",
                lines.join("\n  ")
            ));
            let body = json!({
                "person": {
                    "name": person.name,
                    "furigana": person.furigana,
                    "birth_date": person.birth_date.map(|d| d.to_string()),
                },
                "channel": "phone",
                "consulter_kind": "family",
                "consulter_name": "長女",
                "consulter_relation": "長女",
                "issues": ["care"],
                "concerns": ["care"],
                "consent_to_share": true,
                "summary": "ベンチマーク: 名寄せ候補の確認",
                "urgency": "normal",
                "outcome": "handled",
            });
            let person = Arc::new(person);
            rows.push(Row {
                name: "名寄せ candidates · POST /api/v1/intakes (409)".into(),
                request: Request {
                    method: Method::POST,
                    path: "/api/v1/intakes".into(),
                    auth: bearer.clone(),
                    body: Some(("application/json", body.to_string())),
                    // The candidates are answered before anything is written.
                    expect: StatusCode::CONFLICT,
                },
                floor: Some(floor!(store, (mid, person.clone()), candidates)),
            });
            rows.push(Row {
                name: "person page".into(),
                request: Request::get(format!("/persons/{id}"), many.cookie.clone()),
                floor: Some(floor!(store, (mid, id), person_page)),
            });
            rows.push(Row {
                name: "person timeline · API".into(),
                request: Request::get(format!("/api/v1/persons/{id}/timeline"), bearer.clone()),
                floor: Some(floor!(store, (mid, id), timeline)),
            });
        }
    }

    let household_ids = ctx
        .ids(
            &[
                "SELECT hm.household_id FROM household_member hm JOIN person p ON p.id = hm.person_id \
                 WHERE p.created_by_agency_id = $1 AND hm.left_on IS NULL \
                 GROUP BY hm.household_id ORDER BY COUNT(*) DESC, hm.household_id LIMIT 20",
                "SELECT household_id FROM cases WHERE household_id IS NOT NULL AND lead_agency_id = $1 \
                 ORDER BY id LIMIT 20",
            ],
            many.user.agency_id,
        )
        .await?;
    let household = ctx
        .target(
            "households",
            household_ids,
            "SELECT id FROM household WHERE $1 = $1 ORDER BY id LIMIT 40",
        )
        .await?;
    match household {
        None => notes.push("no household visible to the bench users: household row skipped".into()),
        Some((id, label, who)) => {
            notes.push(format!("household {id} (as {label})"));
            rows.push(Row {
                name: format!("household page · {label}"),
                request: Request::get(format!("/households/{id}"), who.cookie.clone()),
                floor: Some(floor!(store, (mid, id), household_page)),
            });
        }
    }

    for (label, who) in [("sees many", many), ("coordinator", &ctx.coordinator)] {
        let viewer = who.viewer;
        rows.push(Row {
            name: format!("case list · {label}"),
            request: Request::get("/collaboration", who.cookie.clone()),
            floor: Some(floor!(store, viewer, case_list)),
        });
    }
    let case_ids = ctx
        .ids(
            &[
                "SELECT id FROM cases WHERE lead_agency_id = $1 ORDER BY id LIMIT 20",
                "SELECT case_id FROM case_agency WHERE agency_id = $1 ORDER BY case_id LIMIT 20",
            ],
            many.user.agency_id,
        )
        .await?;
    let case = ctx
        .target(
            "cases",
            case_ids,
            "SELECT id FROM cases WHERE status <> 'closed' AND $1 = $1 ORDER BY id LIMIT 40",
        )
        .await?;
    match case {
        None => notes.push("no case visible to the bench users: case page row skipped".into()),
        Some((id, label, who)) => {
            notes.push(format!("case {id} (as {label})"));
            rows.push(Row {
                name: format!("case page · {label}"),
                request: Request::get(format!("/cases/{id}"), who.cookie.clone()),
                floor: Some(floor!(store, id, case_page)),
            });
        }
    }

    for (label, who) in [("sees many", many), ("coordinator", &ctx.coordinator)] {
        let arg = (
            who.user.id,
            who.viewer,
            who.user.roles().has(Role::Coordinator),
        );
        rows.push(Row {
            name: format!("worklist `/` · {label}"),
            request: Request::get("/", who.cookie.clone()),
            floor: Some(floor!(store, arg, worklist)),
        });
    }

    // Last: every login leaves a session row behind.
    let (jar, token) = login_csrf(&ctx.client, &ctx.base).await?;
    let username: Arc<str> = many.user.username.as_str().into();
    let password: Arc<str> = ctx.password.as_str().into();
    rows.push(Row {
        name: "login · POST /login".into(),
        request: Request {
            method: Method::POST,
            path: "/login".into(),
            auth: Auth::Cookie(jar),
            body: Some((
                "application/x-www-form-urlencoded",
                login_body(&username, &password, &token),
            )),
            expect: StatusCode::SEE_OTHER,
        },
        floor: Some(floor!(store, (username, password), login_check)),
    });
    rows.extend(searches);
    Ok((rows, notes))
}
