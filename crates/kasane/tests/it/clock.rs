//! The application's clock is injected (both engines): the same consent, read on its last
//! valid day and on the day after, is in force and then expired — the rule and the page see
//! the day the App's clock says, not the machine's.

use chrono::{NaiveDate, TimeDelta};
use reqwest::StatusCode;

use crate::common::TestApp;

both_engines!(a_consent_expires_by_the_apps_clock);

async fn a_consent_expires_by_the_apps_clock(app: TestApp) {
    let pick = "FROM consent c JOIN app_user u ON u.id = c.recorded_by_user_id \
                WHERE c.expires_on IS NOT NULL AND c.withdrawn_at IS NULL";
    let id = app.scalar(&format!("SELECT MIN(c.id) {pick}")).await;
    let username = app
        .text(&format!("SELECT u.username {pick} AND c.id = {id}"))
        .await;
    let last_day: NaiveDate = app
        .text(&format!(
            "SELECT CAST(expires_on AS TEXT) FROM consent WHERE id = {id}"
        ))
        .await
        .parse()
        .unwrap();
    let token = app.token(&username).await;
    for (day, expected) in [
        (last_day, "in_force"),
        (last_day + TimeDelta::days(1), "expired"),
    ] {
        let on_that_day = app.on_day(day).await;
        let res = on_that_day
            .api_get(&token, &format!("/api/v1/consents/{id}"))
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{day}");
        let v: serde_json::Value = res.json().await.unwrap();
        assert_eq!(v["state"]["code"], expected, "{day}: {v}");
    }
}
