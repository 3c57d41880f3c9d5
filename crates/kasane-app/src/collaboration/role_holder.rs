//! When an agency given a role (役割分担) or a plan action loses the basis its access rested
//! on — a 本人同意 withdrawn or expired, the case taken off a 支援会議's agenda — it can no
//! longer read the case it is to act on. Nobody is told by the access rule itself: the
//! coordinator's worklist lists each such role, so the roles or the consent can be revisited.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use kasane_domain::access::may_see_person_data;
use kasane_store::role_holder::RoleHolder;

use crate::consultation::worklist::{Reading, Rows};
use crate::guard::{agency_may_read, may_read};
use crate::{App, AppResult, Caller};

/// The worklist list's code.
pub const LIST: &str = "basis_lost";

/// Role holders read a chunk at a time.
const CHUNK: i64 = 100;

/// Roles and plan actions whose agency can no longer read the case, on cases the caller (a
/// coordinator of the coordinating agency) reads — decided once per case, unaudited like
/// the other worklist rows' choice; the worklist's reading is audited once.
pub async fn basis_lost_worklist(
    app: &App,
    caller: &Caller,
    reading: &Reading,
) -> AppResult<Rows<RoleHolder>> {
    let Some(win) = reading.window(LIST) else {
        return Ok(Rows::default());
    };
    if !caller.coordinates() || !may_see_person_data(&caller.actor) {
        return Ok(Rows::default());
    }
    let want = usize::try_from(win.through()).unwrap_or(0);
    let mut facts = HashMap::new();
    let mut out = Vec::new();
    let mut read = 0;
    while out.len() < want {
        let rows = app
            .store
            .role_holders_outside(caller.municipality.id, (CHUNK, read))
            .await?;
        let last = rows.len() < usize::try_from(CHUNK).unwrap_or(0);
        read += CHUNK;
        for row in rows {
            if out.len() == want {
                break;
            }
            let f = match facts.entry(row.case_id) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => e.insert(match app.store.case_any(row.case_id).await? {
                    Some(case) => Some(app.store.case_facts(&case).await?),
                    None => None,
                }),
            };
            let lost = f.as_ref().is_some_and(|f| {
                may_read(app, caller, f) && !agency_may_read(app, row.agency_id, f)
            });
            if lost {
                out.push(row);
            }
        }
        if last {
            break;
        }
    }
    Ok(win.cut(out))
}
