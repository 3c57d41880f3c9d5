//! The consent to share asked at an intake (相談受付時の情報共有への同意), as the person
//! page shows it beside — and apart from — the formal 本人同意 records: the intake's is a
//! yes/no noted by the window, the 本人同意 a record with its agencies, scope and expiry.

use chrono::{DateTime, Utc};
use kasane_domain::access::View;

use crate::guard::Grant;
use crate::{App, AppResult};

/// What the latest intake about a person recorded of the consent to share.
#[derive(Debug, Clone)]
pub struct IntakeConsent {
    pub intake_id: i64,
    pub consent_to_share: bool,
    pub received_at: DateTime<Utc>,
    pub agency_name: String,
}

/// The latest intake's consent to share about the person (canonical record
/// `canonical_id`) the caller was granted beyond a つなぐシート (the grant is the proof;
/// the intake itself is not opened, so nothing more is audited). `None` without an intake.
pub async fn latest_intake_consent(
    app: &App,
    grant: &Grant,
    canonical_id: i64,
) -> AppResult<Option<IntakeConsent>> {
    if grant.view() == View::ReferralSheet {
        return Ok(None);
    }
    Ok(app
        .store
        .intakes_of(canonical_id)
        .await?
        .into_iter()
        .next()
        .map(|i| IntakeConsent {
            intake_id: i.id,
            consent_to_share: i.consent_to_share,
            received_at: i.received_at,
            agency_name: i.receiving_agency_name,
        }))
}
