//! The person search as a query string: read by the search page and by
//! `GET /api/v1/persons` (documented there through `IntoParams`).

use kasane_app::consultation::person::Criteria;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// 氏名 (漢字 or カナ, partial, variant-tolerant)
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub phone: String,
    /// ISO or 和暦 (S47.3.5)
    #[serde(default)]
    pub birth_date: String,
    #[serde(default)]
    pub address: String,
    /// district code
    #[serde(default)]
    pub district: String,
    /// 1-based, 50 persons a page
    pub page: Option<i64>,
}

impl SearchQuery {
    pub fn is_empty(&self) -> bool {
        [
            &self.q,
            &self.phone,
            &self.birth_date,
            &self.address,
            &self.district,
        ]
        .iter()
        .all(|s| s.trim().is_empty())
    }

    pub fn criteria(&self) -> Criteria<'_> {
        Criteria {
            name: &self.q,
            phone: &self.phone,
            birth_date: &self.birth_date,
            address: &self.address,
            district: &self.district,
            page: self.page,
        }
    }
}
