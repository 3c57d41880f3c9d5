//! kasane's application layer: the use cases, between the store and the adapters (the web
//! pages, the JSON API, the command line).
//!
//! - [`App`] holds the store, the clock and the parsed municipality configurations.
//! - [`Caller`] is who asks, built once per request.
//! - [`guard`] is the only caller of `access::decide` and of the audit append (but for the
//!   login, which has no caller yet: `admin::session`): a use case holds a
//!   [`guard::Grant`] only if the guard gave it one, and every denial is audited.
//! - A use case runs in one unit of work ([`App::unit`]): one database transaction holding
//!   its writes and its audit entries, committed when it succeeds (or is refused, so that
//!   the refusal stays on record) and undone otherwise.
//!
//! Use cases are grouped by capability, in the order they build on each other:
//! `consultation` < `collaboration` < `outreach` < `participation` < `community` <
//! `reporting`; `admin` (sessions, the municipality's configuration, the audit log) stands beside
//! them. A capability module may use those before it, never one after it (tested).
//! Nothing here knows HTTP.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use kasane_domain::identity::MunicipalityId;
use kasane_domain::municipality::{MunicipalityConfig, parse_config};
use kasane_store::Store;
use kasane_store::municipality::Municipality;

pub mod admin;
pub mod caller;
pub mod clock;
pub mod collaboration;
pub mod community;
pub mod consultation;
pub mod error;
pub mod guard;
pub mod outreach;
pub mod participation;
pub mod reporting;
pub mod timeline;
pub mod worklist;

pub use caller::Caller;
pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{AppError, AppResult, page_number};

/// The application: what every use case runs against. Cheap to clone.
#[derive(Debug, Clone)]
pub struct App {
    /// The store, bound to this unit of work's transaction inside [`App::unit`]. Private:
    /// the adapters reach data only through the use cases.
    pub(crate) store: Store,
    clock: Arc<dyn Clock>,
    configs: Arc<Mutex<HashMap<MunicipalityId, Parsed>>>,
    /// Whether this handle began its unit of work (and so ends it): a use case called from
    /// inside another joins the outer unit instead of committing it early.
    owns_work: bool,
}

/// A municipality configuration, parsed once, with the text it was parsed from (a
/// re-import changes the text, and the next call parses it again).
#[derive(Debug)]
struct Parsed {
    source: String,
    config: Arc<MunicipalityConfig>,
}

impl App {
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> App {
        App {
            store,
            clock,
            configs: Arc::default(),
            owns_work: false,
        }
    }

    /// On the real time.
    pub fn with_system_clock(store: Store) -> App {
        App::new(store, Arc::new(SystemClock))
    }

    /// A cheap round trip to the database, for the health check.
    pub async fn ping(&self) -> AppResult<()> {
        Ok(self.store.ping().await?)
    }

    /// How many units of work can hold a connection at once.
    pub fn capacity(&self) -> usize {
        self.store.capacity()
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Today in Japan.
    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    /// The municipality's configuration (meeting names, issue taxonomy, agencies), parsed
    /// once. It was validated when imported; a stored one that no longer parses is a 500.
    pub fn config(&self, municipality: &Municipality) -> AppResult<Arc<MunicipalityConfig>> {
        let mut configs = self.configs.lock().map_err(|_| AppError::Internal)?;
        if let Some(p) = configs.get(&municipality.id)
            && p.source == municipality.config_toml
        {
            return Ok(p.config.clone());
        }
        let config = Arc::new(parse_config(&municipality.config_toml).map_err(|e| {
            tracing::error!(error = %e, "stored municipality configuration no longer parses");
            AppError::Internal
        })?);
        configs.insert(
            municipality.id,
            Parsed {
                source: municipality.config_toml.clone(),
                config: config.clone(),
            },
        );
        Ok(config)
    }

    /// Begins a unit of work: the handle answered runs every query in one transaction.
    /// Inside a unit already, it joins that one.
    pub async fn begin(&self) -> AppResult<App> {
        self.enter(false).await
    }

    /// Begins a read unit ([`Store::begin_read`]): the handle answered reads in one
    /// read-only transaction, and what it audits is written when it ends — before
    /// [`App::end`] answers, so a read is on record before its data leaves. A use case that
    /// writes fails in it. Inside a unit already, it joins that one.
    pub async fn begin_read(&self) -> AppResult<App> {
        self.enter(true).await
    }

    async fn enter(&self, read: bool) -> AppResult<App> {
        if self.store.in_unit_of_work() {
            return Ok(App {
                owns_work: false,
                ..self.clone()
            });
        }
        let store = if read {
            self.store.begin_read().await?
        } else {
            self.store.begin().await?
        };
        Ok(App {
            store,
            owns_work: true,
            ..self.clone()
        })
    }

    /// Ends the unit of work this handle began: commits when `keep`, undoes everything
    /// otherwise. A handle that joined an outer unit leaves it to its owner.
    pub async fn end(&self, keep: bool) -> AppResult<()> {
        if !self.owns_work {
            return Ok(());
        }
        if keep {
            self.store.commit().await?;
        } else {
            self.store.rollback().await?;
        }
        Ok(())
    }

    /// Runs `use_case` as one read unit ([`App::begin_read`]): what it audits is on record
    /// when this answers.
    pub async fn read<T>(&self, use_case: impl AsyncFnOnce(&App) -> AppResult<T>) -> AppResult<T> {
        self.begin_read().await?.run(use_case).await
    }

    /// Runs `use_case` as one unit of work: its writes and audit entries are committed
    /// together when it succeeds or is refused (see [`AppError::keeps_work`]); on any other
    /// error nothing it did remains.
    pub async fn unit<T>(&self, use_case: impl AsyncFnOnce(&App) -> AppResult<T>) -> AppResult<T> {
        self.begin().await?.run(use_case).await
    }

    /// Runs `use_case` in the unit this handle began (or joined), and ends it.
    async fn run<T>(self, use_case: impl AsyncFnOnce(&App) -> AppResult<T>) -> AppResult<T> {
        let outcome = use_case(&self).await;
        let keep = match &outcome {
            Ok(_) => true,
            Err(e) => e.keeps_work(),
        };
        self.end(keep).await?;
        outcome
    }
}
