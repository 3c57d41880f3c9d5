//! The 相談受付一覧's filters as a query string: read by the list page, its exports and
//! `GET /api/v1/intakes` (documented there through `IntoParams`).

use kasane_app::consultation::intake_list::ListCriteria;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IntakeListQuery {
    /// 期間の始め(受付日、日本時間): ISO `2026-04-01` or 和暦 `R8.4.1`
    #[serde(default)]
    pub from: String,
    /// 期間の終わり(その日を含む): ISO or 和暦
    #[serde(default)]
    pub to: String,
    /// 受付機関: an agency id of the caller's municipality
    #[serde(default)]
    pub agency: String,
    /// 相談経路: visit_in, phone, home_visit, email, referral_in, outreach
    #[serde(default)]
    pub channel: String,
    /// 課題: a code of the municipality's issue taxonomy
    #[serde(default)]
    pub issue: String,
    /// 対応結果: handled, referred, escalated, info_only
    #[serde(default)]
    pub outcome: String,
    /// 1-based, 50 intakes a page (exports ignore it)
    pub page: Option<i64>,
}

impl IntakeListQuery {
    pub fn criteria(&self) -> ListCriteria<'_> {
        ListCriteria {
            from: &self.from,
            to: &self.to,
            agency: &self.agency,
            channel: &self.channel,
            issue: &self.issue,
            outcome: &self.outcome,
            page: self.page,
        }
    }

    /// The filters (not the page) as a query string, for the pager and the export links.
    pub fn filters(&self) -> String {
        serde_urlencoded::to_string([
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
            ("agency", self.agency.as_str()),
            ("channel", self.channel.as_str()),
            ("issue", self.issue.as_str()),
            ("outcome", self.outcome.as_str()),
        ])
        .unwrap_or_default()
    }
}

/// The CSV export's encoding parameter.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EncodingQuery {
    /// utf-8 (BOM付き、既定) or cp932 (Shift_JIS)
    #[serde(default)]
    pub encoding: String,
}
