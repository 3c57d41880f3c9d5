//! Who is asking: built once per request (or per CLI command) and handed to every use case.

use kasane_domain::access;
use kasane_domain::identity::{Actor, AgencyId};
use kasane_store::municipality::{Agency, Municipality};
use kasane_store::user::User;

use crate::App;
use crate::error::AppResult;

/// The authenticated caller of a use case.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    /// What the access rule judges.
    pub actor: Actor,
    pub municipality: Municipality,
    pub agency: Agency,
    /// The municipality's 多機関協働事業者 (coordinating agency), if configured.
    pub coordinating_agency: Option<AgencyId>,
    /// The request's id, recorded with every audit entry.
    pub request_id: String,
}

impl Caller {
    /// Whether the caller is a coordinator (相談支援包括化推進員) of the coordinating agency:
    /// the rule's own test, decided once here for list filters and worklists.
    pub fn coordinates(&self) -> bool {
        access::coordinates(&self.actor, self.coordinating_agency)
    }
}

impl App {
    /// The caller that `user` is (their municipality, agency and whether they coordinate).
    pub async fn caller(&self, user: User, request_id: String) -> AppResult<Caller> {
        let municipality = self.store.municipality(user.municipality_id).await?;
        let agency = self
            .store
            .agency(user.municipality_id, user.agency_id)
            .await?;
        let coordinating_agency = self.store.coordinating_agency(municipality.id).await?;
        let actor = Actor {
            user_id: user.id,
            municipality_id: user.municipality_id,
            agency_id: user.agency_id,
            roles: user.roles(),
        };
        Ok(Caller {
            user,
            actor,
            municipality,
            agency,
            coordinating_agency,
            request_id,
        })
    }
}
