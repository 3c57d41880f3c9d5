//! The municipality's configuration as its users read it: agencies, districts, meeting
//! names, the issue taxonomy, the 実施計画's figures. No personal data; every user of the
//! municipality reads it, and another municipality's agency is answered like a missing one.

use std::sync::Arc;

use kasane_domain::access::{Action, Subject};
use kasane_domain::identity::MunicipalityId;
use kasane_domain::municipality::MunicipalityConfig;
use kasane_store::municipality::{Agency, District};

use crate::guard::{Object, authorize, not_found};
use crate::{App, AppResult, Caller};

/// Decides reading configuration object `kind` `id` of municipality `of`.
async fn read(
    app: &App,
    caller: &Caller,
    kind: &str,
    id: i64,
    of: MunicipalityId,
) -> AppResult<()> {
    let subject = Subject::MunicipalityConfig {
        municipality_id: of,
    };
    let id = id.to_string();
    authorize(
        app,
        caller,
        Action::Read,
        &subject,
        Object { kind, id: &id },
    )
    .await?;
    Ok(())
}

/// The caller's municipality's configuration (meeting names, the 実施計画's figures…).
pub async fn config(app: &App, caller: &Caller) -> AppResult<Arc<MunicipalityConfig>> {
    let mid = caller.municipality.id;
    read(app, caller, "municipality", mid, mid).await?;
    app.config(&caller.municipality)
}

/// The caller's municipality: its parsed configuration, agencies and districts.
pub struct MunicipalityView {
    pub config: Arc<MunicipalityConfig>,
    pub agencies: Vec<Agency>,
    pub districts: Vec<District>,
}

pub async fn municipality(app: &App, caller: &Caller) -> AppResult<MunicipalityView> {
    let mid = caller.municipality.id;
    Ok(MunicipalityView {
        config: config(app, caller).await?,
        agencies: app.store.agencies(mid).await?,
        districts: app.store.districts(mid).await?,
    })
}

/// The caller's municipality's agencies (相談支援機関 and 身近な相談場所).
pub async fn agencies(app: &App, caller: &Caller) -> AppResult<Vec<Agency>> {
    let mid = caller.municipality.id;
    read(app, caller, "agency", mid, mid).await?;
    Ok(app.store.agencies(mid).await?)
}

/// One agency, looked up whatever its municipality and then judged: another
/// municipality's agency is answered exactly like a missing one.
pub async fn agency(app: &App, caller: &Caller, id: i64) -> AppResult<Agency> {
    let Some(agency) = app.store.agency_any(id).await? else {
        return Err(not_found(app, caller, "agency", id).await);
    };
    read(app, caller, "agency", id, agency.municipality_id).await?;
    Ok(agency)
}
