//! Tenants and their configuration (agencies, districts, local names).

use kasane_domain::identity::{AgencyId, MunicipalityId};
use kasane_domain::municipality::MunicipalityConfig;
use serde::Serialize;
use sqlx::Connection;

use crate::{Store, StoreResult, now, on_pool};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct Municipality {
    pub id: MunicipalityId,
    pub code: String,
    pub lg_code: String,
    pub name: String,
    pub prefecture: String,
    pub programme_name: Option<String>,
    pub support_meeting_name: String,
    pub multilayer_meeting_name: String,
    #[serde(skip)]
    pub config_toml: String,
    pub referral_ack_days: i32,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct Agency {
    pub id: AgencyId,
    pub municipality_id: MunicipalityId,
    pub code: String,
    pub name: String,
    pub field: String,
    pub operation_mode: Option<String>,
    pub kind: String,
    pub is_coordinating: bool,
    pub hosts_support_meeting: bool,
    pub hosts_multilayer_meeting: bool,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct District {
    pub id: i64,
    pub municipality_id: MunicipalityId,
    pub code: String,
    pub name: String,
}

// One column list per table, so that every query decodes into the same struct.
macro_rules! select_municipality {
    () => {
        "SELECT id, code, lg_code, name, prefecture, programme_name, support_meeting_name, \
         multilayer_meeting_name, config_toml, referral_ack_days FROM municipality "
    };
}
macro_rules! select_agency {
    () => {
        "SELECT id, municipality_id, code, name, field, operation_mode, kind, is_coordinating, \
         hosts_support_meeting, hosts_multilayer_meeting FROM agency "
    };
}

impl Store {
    /// Creates or updates a municipality from its parsed configuration, in one
    /// transaction. Agencies and districts are upserted by code; ones no longer in the
    /// file are kept, since users and records may refer to them.
    pub async fn import_municipality(
        &self,
        cfg: &MunicipalityConfig,
        source: &str,
    ) -> StoreResult<MunicipalityId> {
        let imported_at = now();
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO municipality (code, lg_code, name, prefecture, programme_name, \
                 support_meeting_name, multilayer_meeting_name, config_toml, imported_at, \
                 referral_ack_days) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (code) DO UPDATE SET lg_code = excluded.lg_code, \
                 name = excluded.name, prefecture = excluded.prefecture, \
                 programme_name = excluded.programme_name, \
                 support_meeting_name = excluded.support_meeting_name, \
                 multilayer_meeting_name = excluded.multilayer_meeting_name, \
                 config_toml = excluded.config_toml, imported_at = excluded.imported_at, \
                 referral_ack_days = excluded.referral_ack_days \
                 RETURNING id",
            )
            .bind(&cfg.code)
            .bind(&cfg.lg_code)
            .bind(&cfg.name)
            .bind(&cfg.prefecture)
            .bind(&cfg.programme_name)
            .bind(&cfg.support_meeting.name)
            .bind(&cfg.multilayer_meeting.name)
            .bind(source)
            .bind(imported_at)
            .bind(
                i32::try_from(
                    cfg.referral_ack_days
                        .unwrap_or(kasane_domain::referral::DEFAULT_ACK_DAYS),
                )
                .unwrap_or(i32::MAX),
            )
            .fetch_one(&mut *tx)
            .await?;
            for a in &cfg.agencies {
                sqlx::query(
                    "INSERT INTO agency (municipality_id, code, name, field, operation_mode, \
                     kind, is_coordinating, hosts_support_meeting, hosts_multilayer_meeting) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     ON CONFLICT (municipality_id, code) DO UPDATE SET name = excluded.name, \
                     field = excluded.field, operation_mode = excluded.operation_mode, \
                     kind = excluded.kind, is_coordinating = excluded.is_coordinating, \
                     hosts_support_meeting = excluded.hosts_support_meeting, \
                     hosts_multilayer_meeting = excluded.hosts_multilayer_meeting",
                )
                .bind(id)
                .bind(&a.code)
                .bind(&a.name)
                .bind(a.field.code())
                .bind(a.operation_mode.map(|m| m.code()))
                .bind(a.kind.code())
                .bind(a.code == cfg.coordinating_agency)
                .bind(a.code == cfg.support_meeting.host_agency)
                .bind(a.code == cfg.multilayer_meeting.host_agency)
                .execute(&mut *tx)
                .await?;
            }
            for d in &cfg.districts {
                sqlx::query(
                    "INSERT INTO district (municipality_id, code, name) VALUES ($1, $2, $3) \
                     ON CONFLICT (municipality_id, code) DO UPDATE SET name = excluded.name",
                )
                .bind(id)
                .bind(&d.code)
                .bind(&d.name)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(id)
        })
    }

    pub async fn municipalities(&self) -> StoreResult<Vec<Municipality>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_municipality!(),
            "ORDER BY id"
        ))
        .fetch_all(&mut *p)
        .await)?)
    }

    pub async fn municipality(&self, id: MunicipalityId) -> StoreResult<Municipality> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_municipality!(),
            "WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(&mut *p)
        .await)?)
    }

    pub async fn municipality_by_code(&self, code: &str) -> StoreResult<Municipality> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_municipality!(),
            "WHERE code = $1"
        ))
        .bind(code)
        .fetch_one(&mut *p)
        .await)?)
    }

    /// A municipality's agencies. Always scoped by the tenant key.
    pub async fn agencies(&self, municipality_id: MunicipalityId) -> StoreResult<Vec<Agency>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_agency!(),
            "WHERE municipality_id = $1 ORDER BY id"
        ))
        .bind(municipality_id)
        .fetch_all(&mut *p)
        .await)?)
    }

    /// One agency, only if it belongs to `municipality_id`.
    pub async fn agency(
        &self,
        municipality_id: MunicipalityId,
        id: AgencyId,
    ) -> StoreResult<Agency> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_agency!(),
            "WHERE municipality_id = $1 AND id = $2"
        ))
        .bind(municipality_id)
        .bind(id)
        .fetch_one(&mut *p)
        .await)?)
    }

    /// An agency by id whatever its municipality; the caller must put it through the
    /// access rule before showing anything.
    pub async fn agency_any(&self, id: AgencyId) -> StoreResult<Option<Agency>> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_agency!(),
            "WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *p)
        .await)?)
    }

    pub async fn agency_by_code(
        &self,
        municipality_id: MunicipalityId,
        code: &str,
    ) -> StoreResult<Agency> {
        Ok(on_pool!(self, |p| sqlx::query_as(concat!(
            select_agency!(),
            "WHERE municipality_id = $1 AND code = $2"
        ))
        .bind(municipality_id)
        .bind(code)
        .fetch_one(&mut *p)
        .await)?)
    }

    pub async fn districts(&self, municipality_id: MunicipalityId) -> StoreResult<Vec<District>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT id, municipality_id, code, name FROM district \
             WHERE municipality_id = $1 ORDER BY id"
        )
        .bind(municipality_id)
        .fetch_all(&mut *p)
        .await)?)
    }
}
