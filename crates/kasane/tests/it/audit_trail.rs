//! The audit trail against someone with write access to the database but not the audit
//! key, on both engines: each attack below passed `kasane audit verify` before the chain
//! was keyed and checkpointed (measured for #10); each is now refused by a guard or
//! detected by verify — with a checkpoint where the key alone cannot tell.

use kasane_domain::audit::{AuditAction, AuditKey, ChainBreak, Checkpoint};
use kasane_store::Store;
use kasane_store::audit::NewAuditEntry;

use crate::common::{Engine, TestApp, audit_key};

both_engines!(
    every_column_of_an_entry_is_under_the_mac,
    a_cut_tail_with_its_head_set_back_is_detected,
    a_chain_deleted_with_its_head_is_detected,
    a_chain_rewritten_from_an_entry_on_is_detected,
    truncate_delete_and_rewind_are_refused_and_detected,
    a_new_person_is_audited_by_its_own_id,
);

/// daisen's chain: its id is the municipality's.
async fn daisen_chain(app: &TestApp) -> i64 {
    app.scalar("SELECT id FROM municipality WHERE code = 'daisen'")
        .await
}

/// A few entries on daisen's chain, whoever else writes.
async fn some_entries(app: &TestApp, n: usize) {
    for _ in 0..n {
        app.login("daisen.houkatsu").await;
    }
}

async fn verify(app: &TestApp, checkpoint: Option<&Checkpoint>) -> Result<i64, ChainBreak> {
    app.store.verify_audit(checkpoint).await.unwrap()
}

async fn checkpoint(app: &TestApp) -> Checkpoint {
    app.store.audit_checkpoint().await.unwrap().unwrap()
}

/// `before` entries, the head then, `after` more, and a checkpoint with `chain`'s seq in it.
async fn history(
    app: &TestApp,
    chain: i64,
    before: usize,
    after: usize,
) -> ((i64, String, String), Checkpoint, i64) {
    some_entries(app, before).await;
    let earlier = head(app, chain).await;
    some_entries(app, after).await;
    let taken = checkpoint(app).await;
    let seq = taken.head(chain).unwrap().seq;
    (earlier, taken, seq)
}

/// The head row of `chain`: seq, hash, MAC — as someone reading the database sees it.
async fn head(app: &TestApp, chain: i64) -> (i64, String, String) {
    let seq = app
        .scalar(&format!(
            "SELECT last_seq FROM audit_chain WHERE chain_id = {chain}"
        ))
        .await;
    let hash = app
        .text(&format!(
            "SELECT last_hash FROM audit_chain WHERE chain_id = {chain}"
        ))
        .await;
    let mac = app
        .text(&format!(
            "SELECT last_mac FROM audit_chain WHERE chain_id = {chain}"
        ))
        .await;
    (seq, hash, mac)
}

async fn set_head(app: &TestApp, chain: i64, (seq, hash, mac): &(i64, String, String)) {
    app.raw_sql(&format!(
        "UPDATE audit_chain SET last_seq = {seq}, last_hash = '{hash}', last_mac = '{mac}' \
         WHERE chain_id = {chain}"
    ))
    .await;
}

/// What the attacker does first: remove the guards (triggers) from both audit tables.
async fn remove_guards(app: &TestApp) {
    match app.engine {
        Engine::Sqlite => {
            for t in [
                "audit_log_no_update",
                "audit_log_no_delete",
                "audit_chain_no_delete",
                "audit_chain_no_rewind",
            ] {
                app.raw_sql(&format!("DROP TRIGGER {t}")).await;
            }
        }
        Engine::Postgres => {
            app.raw_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
                .await;
            app.raw_sql("ALTER TABLE audit_chain DISABLE TRIGGER USER")
                .await;
        }
    }
}

/// Appends `n` made-up entries through a store keyed with `key`: the attacker's own
/// chain continuation.
async fn append_as(app: &TestApp, key: AuditKey, chain: i64, n: usize) {
    let store = Store::open(&app.db_url, key).await.unwrap();
    for i in 0..n {
        store
            .append_audit(&NewAuditEntry {
                municipality_id: Some(chain),
                user_id: None,
                username: "someone.else",
                action: AuditAction::View,
                object_type: "person",
                object_id: &i.to_string(),
                basis: "involvement",
                reason: "",
                request_id: "forged",
            })
            .await
            .unwrap();
    }
    store.close().await;
}

/// `column` (hex) with its first digit changed — to another digit whatever it was.
fn other_first_digit(column: &str) -> String {
    format!("CASE WHEN substr({column}, 1, 1) = '1' THEN '2' ELSE '1' END || substr({column}, 2)")
}

async fn every_column_of_an_entry_is_under_the_mac(app: TestApp) {
    some_entries(&app, 3).await;
    let chain = daisen_chain(&app).await;
    assert!(verify(&app, None).await.is_ok());
    let id = app
        .scalar(&format!(
            "SELECT MAX(id) FROM audit_log WHERE chain_id = {chain} AND user_id IS NOT NULL"
        ))
        .await;
    remove_guards(&app).await;
    app.raw_sql("CREATE TABLE audit_copy AS SELECT * FROM audit_log")
        .await;
    let later = match app.engine {
        Engine::Sqlite => "strftime('%Y-%m-%dT%H:%M:%fZ', occurred_at, '+1 second')",
        Engine::Postgres => "occurred_at + interval '1 microsecond'",
    };
    // Every column but the surrogate `id`, which verify never reads (entries are ordered
    // and found by chain and seq).
    let edits = [
        ("chain_id", "chain_id + 1000".to_string()),
        ("seq", "seq + 1000".to_string()),
        ("occurred_at", later.to_string()),
        ("municipality_id", "municipality_id + 1".to_string()),
        ("user_id", "user_id + 1".to_string()),
        ("username", "username || 'x'".to_string()),
        (
            "action",
            "CASE WHEN action = 'update' THEN 'view' ELSE 'update' END".to_string(),
        ),
        ("object_type", "object_type || 'x'".to_string()),
        ("object_id", "object_id || '0'".to_string()),
        ("basis", "basis || 'x'".to_string()),
        ("reason", "reason || 'x'".to_string()),
        ("request_id", "request_id || 'x'".to_string()),
        ("prev_hash", other_first_digit("prev_hash")),
        ("hash", other_first_digit("hash")),
    ];
    for (column, value) in edits {
        app.raw_sql(&format!(
            "UPDATE audit_log SET {column} = {value} WHERE id = {id}"
        ))
        .await;
        assert!(
            verify(&app, None).await.is_err(),
            "changing {column} passed verify"
        );
        app.raw_sql(&format!(
            "UPDATE audit_log SET {column} = \
             (SELECT {column} FROM audit_copy WHERE audit_copy.id = audit_log.id) WHERE id = {id}"
        ))
        .await;
        assert!(verify(&app, None).await.is_ok(), "{column} restored");
    }
}

async fn a_cut_tail_with_its_head_set_back_is_detected(app: TestApp) {
    let chain = daisen_chain(&app).await;
    let (earlier, taken, checkpoint_seq) = history(&app, chain, 3, 2).await;
    assert!(verify(&app, Some(&taken)).await.is_ok());

    remove_guards(&app).await;
    app.raw_sql(&format!(
        "DELETE FROM audit_log WHERE chain_id = {chain} AND seq > {}",
        earlier.0
    ))
    .await;
    // The head set to the new last entry: the attacker cannot make its MAC.
    let (seq, hash, _) = &earlier;
    set_head(&app, chain, &(*seq, hash.clone(), "0".repeat(64))).await;
    assert_eq!(
        verify(&app, None).await,
        Err(ChainBreak::HeadForged { chain_id: chain })
    );
    // The head's MAC replayed from when that head was genuine: only a checkpoint taken
    // later notices.
    set_head(&app, chain, &earlier).await;
    assert!(verify(&app, None).await.is_ok());
    assert_eq!(
        verify(&app, Some(&taken)).await,
        Err(ChainBreak::Truncated {
            chain_id: chain,
            checkpoint_seq,
            found: earlier.0
        })
    );
}

async fn a_chain_deleted_with_its_head_is_detected(app: TestApp) {
    let chain = daisen_chain(&app).await;
    let (_, taken, checkpoint_seq) = history(&app, chain, 1, 1).await;
    remove_guards(&app).await;
    app.raw_sql(&format!("DELETE FROM audit_log WHERE chain_id = {chain}"))
        .await;
    app.raw_sql(&format!("DELETE FROM audit_chain WHERE chain_id = {chain}"))
        .await;
    // Nothing is left of the chain to check against the key…
    assert!(verify(&app, None).await.is_ok());
    // …but the checkpoint had it.
    assert_eq!(
        verify(&app, Some(&taken)).await,
        Err(ChainBreak::Truncated {
            chain_id: chain,
            checkpoint_seq,
            found: 0
        })
    );
}

async fn a_chain_rewritten_from_an_entry_on_is_detected(app: TestApp) {
    let chain = daisen_chain(&app).await;
    let (earlier, taken, checkpoint_seq) = history(&app, chain, 2, 2).await;
    remove_guards(&app).await;
    let rewrite = |key: AuditKey| {
        let (app, earlier) = (&app, &earlier);
        async move {
            app.raw_sql(&format!(
                "DELETE FROM audit_log WHERE chain_id = {chain} AND seq > {}",
                earlier.0
            ))
            .await;
            set_head(app, chain, earlier).await;
            append_as(app, key, chain, (checkpoint_seq - earlier.0) as usize).await;
        }
    };
    // Without the key — an unkeyed SHA-256 as before, or any other key — the first
    // rewritten entry does not verify.
    rewrite(AuditKey::from_bytes([1; AuditKey::LEN])).await;
    assert_eq!(
        verify(&app, None).await,
        Err(ChainBreak::Altered {
            chain_id: chain,
            seq: earlier.0 + 1
        })
    );
    // With the key (an insider): the chain verifies, the checkpoint does not match.
    rewrite(audit_key()).await;
    assert!(verify(&app, None).await.is_ok());
    assert_eq!(
        verify(&app, Some(&taken)).await,
        Err(ChainBreak::Rewritten {
            chain_id: chain,
            seq: checkpoint_seq
        })
    );
}

async fn truncate_delete_and_rewind_are_refused_and_detected(app: TestApp) {
    let chain = daisen_chain(&app).await;
    some_entries(&app, 2).await;
    let taken = checkpoint(&app).await;
    let mut refused = vec![
        "DELETE FROM audit_log".to_string(),
        "UPDATE audit_log SET reason = 'x'".to_string(),
        "DELETE FROM audit_chain".to_string(),
        format!("UPDATE audit_chain SET last_seq = last_seq - 1 WHERE chain_id = {chain}"),
        format!("UPDATE audit_chain SET chain_id = 999 WHERE chain_id = {chain}"),
    ];
    if app.engine == Engine::Postgres {
        refused.push("TRUNCATE audit_log".into());
        refused.push("TRUNCATE audit_chain".into());
        refused.push("TRUNCATE audit_log, audit_chain".into());
    }
    for sql in &refused {
        let err = on_test_db!(app, |pool| sqlx::raw_sql(sql)
            .execute(&pool)
            .await
            .map(|_| ()));
        let message = err.expect_err(sql).to_string();
        assert!(
            message.contains("append-only") || message.contains("only moves forward"),
            "{sql}: {message}"
        );
    }
    assert!(verify(&app, Some(&taken)).await.is_ok());
    // The guards removed, the whole trail emptied.
    remove_guards(&app).await;
    let empty = match app.engine {
        Engine::Sqlite => "DELETE FROM audit_log; DELETE FROM audit_chain",
        Engine::Postgres => "TRUNCATE audit_log, audit_chain",
    };
    app.raw_sql(empty).await;
    assert!(verify(&app, None).await.is_ok());
    assert!(matches!(
        verify(&app, Some(&taken)).await,
        Err(ChainBreak::Truncated { found: 0, .. })
    ));
}

/// A person recorded by an intake has an entry with the new record's own id (the
/// authorisation before it could name none), so an auditor finds how they came to be.
async fn a_new_person_is_audited_by_its_own_id(app: TestApp) {
    let token = app.token("daisen.houkatsu").await;
    let v = app
        .intake_of_new_person(&token, "監査 新子", "カンサ シンコ")
        .await;
    let person = v["person_id"].as_i64().unwrap().to_string();
    let m = app.store.municipality_by_code("daisen").await.unwrap();
    let (entries, _) = app
        .store
        .audit_entries(&kasane_store::audit::AuditFilter {
            municipality_id: m.id,
            object_type: Some("person".into()),
            object_id: Some(person.clone()),
            limit: 20,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        entries.iter().any(|e| e.action == "create"
            && e.username == "daisen.houkatsu"
            && !e.basis.is_empty()),
        "person {person}: {entries:?}"
    );
}
