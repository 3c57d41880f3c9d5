//! The `kasane` binary as an operator uses it: clear Japanese errors, non-zero exits,
//! nothing written on bad input.

use crate::common::cli::{DAISEN, command, kasane, kasane_without_database, text};

cli_both!(
    import_user_token_and_audit_verify,
    malformed_toml_reports_position_and_writes_nothing,
    invalid_configuration_lists_every_problem,
    unknown_municipality_and_agency_are_clear_errors,
    audit_verify_fails_on_an_edited_row,
    a_checkpoint_catches_a_chain_deleted_whole,
);

fn import_user_token_and_audit_verify(db: &str) {
    let out = kasane(&["municipality", "import", DAISEN], db);
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(text(&out).0.contains("秋田県大仙市を取り込みました"));
    // Importing again updates in place.
    assert!(
        kasane(&["municipality", "import", DAISEN], db)
            .status
            .success()
    );
    let (list, _) = text(&kasane(&["municipality", "list"], db));
    assert_eq!(list.lines().count(), 1);
    assert!(list.contains("daisen\t052124"));

    let out = kasane(
        &[
            "user",
            "add",
            "--municipality",
            "daisen",
            "--agency",
            "houkatsu",
            "--username",
            "cli.user",
            "--display-name",
            "試験 太郎",
            "--roles",
            "staff",
        ],
        db,
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("初期パスワード: "),
        "a generated password is shown once"
    );
    let dup = kasane(
        &[
            "user",
            "add",
            "--municipality",
            "daisen",
            "--agency",
            "houkatsu",
            "--username",
            "cli.user",
            "--display-name",
            "試験 太郎",
            "--roles",
            "staff",
        ],
        db,
    );
    assert!(!dup.status.success());
    assert!(
        text(&dup).1.contains("そのユーザー名は既に使われています"),
        "{:?}",
        text(&dup)
    );
    let bad_role = kasane(
        &[
            "user",
            "add",
            "--municipality",
            "daisen",
            "--agency",
            "houkatsu",
            "--username",
            "x.user",
            "--display-name",
            "x",
            "--roles",
            "boss",
        ],
        db,
    );
    assert!(!bad_role.status.success());
    assert!(text(&bad_role).1.contains("不明な役割です"));

    let (listed, _) = text(&kasane(&["user", "list", "--municipality", "daisen"], db));
    assert!(listed.contains("cli.user\t試験 太郎\tstaff"));
    let out = kasane(&["user", "token", "cli.user", "--name", "script"], db);
    assert!(out.status.success());
    assert!(text(&out).0.trim().starts_with("ksn_"));
    // The token's id, which revoke-token takes, is listed; revoked, it shows when.
    let (tokens, _) = text(&kasane(&["user", "tokens", "cli.user"], db));
    let row = tokens
        .lines()
        .find(|l| l.contains("\tscript\t"))
        .expect(&tokens);
    let id = row.split('\t').next().unwrap().to_string();
    assert!(row.ends_with("\t-"), "not revoked yet: {row}");
    assert!(
        kasane(&["user", "revoke-token", "cli.user", &id], db)
            .status
            .success()
    );
    let (tokens, _) = text(&kasane(&["user", "tokens", "cli.user"], db));
    let row = tokens
        .lines()
        .find(|l| l.starts_with(&format!("{id}\t")))
        .expect(&tokens);
    assert!(!row.ends_with("\t-"), "revoked: {row}");
    assert!(
        !kasane(&["user", "revoke-token", "cli.user", &id], db)
            .status
            .success()
    );
    assert!(
        kasane(&["user", "disable", "cli.user"], db)
            .status
            .success()
    );
    assert!(text(&kasane(&["user", "list"], db)).0.contains("(無効)"));
    assert!(!kasane(&["user", "token", "cli.user"], db).status.success());
    assert!(kasane(&["user", "enable", "cli.user"], db).status.success());
    assert!(kasane(&["user", "passwd", "cli.user"], db).status.success());

    let out = kasane(&["audit", "verify"], db);
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(text(&out).0.contains("監査ログは正常です"));
}

fn malformed_toml_reports_position_and_writes_nothing(db: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.toml");
    std::fs::write(
        &path,
        "code = \"broken\"\nlg_code = \"052124\"\nname = \"壊れた市\n",
    )
    .unwrap();
    let out = kasane(&["municipality", "import", path.to_str().unwrap()], db);
    assert!(!out.status.success());
    let (_, stderr) = text(&out);
    assert!(stderr.contains("3行目"), "{stderr}");
    assert!(stderr.contains("列目"), "{stderr}");
    assert!(!stderr.contains("panicked"));
    let (list, _) = text(&kasane(&["municipality", "list"], db));
    assert!(list.trim().is_empty(), "nothing imported: {list}");
}

fn invalid_configuration_lists_every_problem(db: &str) {
    let source = std::fs::read_to_string(DAISEN).unwrap().replace(
        "coordinating_agency = \"shakyo\"",
        "coordinating_agency = \"nowhere\"",
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("daisen.toml");
    std::fs::write(&path, source).unwrap();
    let out = kasane(&["municipality", "import", path.to_str().unwrap()], db);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("nowhere"), "{:?}", text(&out));
    assert!(
        text(&kasane(&["municipality", "list"], db))
            .0
            .trim()
            .is_empty()
    );
}

fn unknown_municipality_and_agency_are_clear_errors(db: &str) {
    let out = kasane(
        &[
            "user",
            "add",
            "--municipality",
            "atlantis",
            "--agency",
            "x",
            "--username",
            "a.user",
            "--display-name",
            "a",
            "--roles",
            "staff",
        ],
        db,
    );
    assert!(!out.status.success());
    assert!(
        text(&out)
            .1
            .contains("自治体 atlantis は登録されていません")
    );
    assert!(
        kasane(&["municipality", "import", DAISEN], db)
            .status
            .success()
    );
    let out = kasane(
        &[
            "user",
            "add",
            "--municipality",
            "daisen",
            "--agency",
            "nowhere",
            "--username",
            "a.user",
            "--display-name",
            "a",
            "--roles",
            "staff",
        ],
        db,
    );
    assert!(!out.status.success());
    assert!(text(&out).1.contains("機関コード nowhere はありません"));
    let out = kasane(&["user", "passwd", "ghost.user"], db);
    assert!(!out.status.success());
    assert!(
        text(&out)
            .1
            .contains("ユーザー ghost.user は登録されていません")
    );
}

fn audit_verify_fails_on_an_edited_row(db: &str) {
    assert!(
        kasane(&["municipality", "import", DAISEN], db)
            .status
            .success()
    );
    append_entries(db, 3);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let out = kasane(&["audit", "verify"], db);
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(text(&out).0.contains("3件"));
    rt.block_on(async {
        // Someone with database access removes the append-only guard and edits a row.
        let edit = "UPDATE audit_log SET object_id = '99' WHERE seq = 2 AND chain_id > 0";
        if db.starts_with("sqlite") {
            let pool = sqlx::SqlitePool::connect(db).await.unwrap();
            sqlx::raw_sql("DROP TRIGGER audit_log_no_update")
                .execute(&pool)
                .await
                .unwrap();
            sqlx::raw_sql(edit).execute(&pool).await.unwrap();
        } else {
            let pool = sqlx::PgPool::connect(db).await.unwrap();
            sqlx::raw_sql("DROP TRIGGER audit_log_no_update ON audit_log")
                .execute(&pool)
                .await
                .unwrap();
            sqlx::raw_sql(edit).execute(&pool).await.unwrap();
        }
    });
    let out = kasane(&["audit", "verify"], db);
    assert!(!out.status.success());
    let (_, stderr) = text(&out);
    assert!(stderr.contains("2番目が改ざんされています"), "{stderr}");
}

/// `n` entries on daisen's chain, as the server would append them.
fn append_entries(db: &str, n: usize) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = kasane_store::Store::open(db, crate::common::audit_key())
            .await
            .unwrap();
        let m = store.municipality_by_code("daisen").await.unwrap();
        for i in 0..n {
            store
                .append_audit(&kasane_store::audit::NewAuditEntry {
                    municipality_id: Some(m.id),
                    user_id: None,
                    username: "tester",
                    action: kasane_domain::audit::AuditAction::View,
                    object_type: "person",
                    object_id: &i.to_string(),
                    basis: "involvement",
                    reason: "",
                    request_id: "r",
                })
                .await
                .unwrap();
        }
        store.close().await;
    });
}

fn a_checkpoint_catches_a_chain_deleted_whole(db: &str) {
    assert!(
        kasane(&["municipality", "import", DAISEN], db)
            .status
            .success()
    );
    append_entries(db, 3);
    let out = kasane(&["audit", "checkpoint"], db);
    let (json, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("checkpoint.json");
    std::fs::write(&file, &json).unwrap();
    let file = file.to_str().unwrap();
    let out = kasane(&["audit", "verify", "--checkpoint", file], db);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("チェックポイント"), "{stdout}");

    // The file is signed: a lowered seq does not pass.
    let lowered = dir.path().join("lowered.json");
    std::fs::write(&lowered, json.replace("\"seq\": 3", "\"seq\": 1")).unwrap();
    let out = kasane(
        &["audit", "verify", "--checkpoint", lowered.to_str().unwrap()],
        db,
    );
    assert!(!out.status.success());
    assert!(
        text(&out).1.contains("署名が一致しません"),
        "{:?}",
        text(&out)
    );

    // Someone deletes daisen's chain with its head, guards and all.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let sql = if db.starts_with("sqlite") {
            "DROP TRIGGER audit_log_no_delete; DROP TRIGGER audit_chain_no_delete; \
             DELETE FROM audit_log; DELETE FROM audit_chain"
        } else {
            "TRUNCATE audit_log, audit_chain"
        };
        if db.starts_with("sqlite") {
            let pool = sqlx::SqlitePool::connect(db).await.unwrap();
            sqlx::raw_sql(sql).execute(&pool).await.unwrap();
        } else {
            let pool = sqlx::PgPool::connect(db).await.unwrap();
            sqlx::raw_sql(
                "ALTER TABLE audit_log DISABLE TRIGGER USER; \
                 ALTER TABLE audit_chain DISABLE TRIGGER USER",
            )
            .execute(&pool)
            .await
            .unwrap();
            sqlx::raw_sql(sql).execute(&pool).await.unwrap();
        }
    });
    assert!(kasane(&["audit", "verify"], db).status.success());
    let out = kasane(&["audit", "verify", "--checkpoint", file], db);
    assert!(!out.status.success());
    let (_, stderr) = text(&out);
    assert!(
        stderr.contains("チェックポイントの時点より短くなっています"),
        "{stderr}"
    );
}

/// No key given: one is generated in the key file on first start (readable by its owner
/// only), the operator is told where, and later starts use it.
#[test]
fn the_audit_key_is_generated_once_outside_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("k.db").display());
    let key_file = dir.path().join("audit.key");
    let run = |args: &[&str], key: Option<&str>| {
        let mut c = command(args);
        c.env("KASANE_DATABASE_URL", &db)
            .env("KASANE_AUDIT_KEY_FILE", &key_file)
            .env_remove("KASANE_AUDIT_KEY");
        if let Some(k) = key {
            c.env("KASANE_AUDIT_KEY", k);
        }
        c.output().unwrap()
    };
    let out = run(&["municipality", "import", DAISEN], None);
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("監査ログの鍵を生成しました"), "{stderr}");
    assert!(stderr.contains(key_file.to_str().unwrap()), "{stderr}");
    let key = std::fs::read_to_string(&key_file).unwrap();
    assert!(kasane_domain::audit::AuditKey::parse_hex(&key).is_ok());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(
        !sqlite_holds(&db, key.trim()),
        "the key is not in the database"
    );

    let out = run(&["audit", "checkpoint"], None);
    let (checkpoint, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("生成しました"), "generated once: {stderr}");
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), key);
    let file = dir.path().join("c.json");
    std::fs::write(&file, checkpoint).unwrap();
    let verify = ["audit", "verify", "--checkpoint", file.to_str().unwrap()];
    assert!(run(&verify, None).status.success());
    // Under another key the same checkpoint is not accepted.
    let out = run(&verify, Some(&"ab".repeat(32)));
    assert!(!out.status.success());
    assert!(text(&out).1.contains("署名が一致しません"));
    let out = run(&verify, Some("not a key"));
    assert!(!out.status.success());
    assert!(text(&out).1.contains("KASANE_AUDIT_KEY が正しくありません"));
}

/// Whether any text column of the SQLite database holds `needle`.
fn sqlite_holds(db: &str, needle: &str) -> bool {
    let path = db.trim_start_matches("sqlite://");
    let bytes = std::fs::read(path).unwrap();
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// The server writes the day's checkpoint into the configured directory.
#[test]
fn serve_writes_a_daily_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("k.db").display());
    assert!(
        kasane(&["municipality", "import", DAISEN], &db)
            .status
            .success()
    );
    append_entries(&db, 2);
    let checkpoints = dir.path().join("checkpoints");
    let mut server = command(&[
        "serve",
        "--bind",
        "127.0.0.1:0",
        "--audit-checkpoint-dir",
        checkpoints.to_str().unwrap(),
    ])
    .env("KASANE_DATABASE_URL", &db)
    .stdout(std::process::Stdio::null())
    .spawn()
    .unwrap();
    let mut written = None;
    for _ in 0..200 {
        written = std::fs::read_dir(&checkpoints).ok().and_then(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .find(|p| p.extension().is_some_and(|x| x == "json"))
        });
        if written.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let written = written.expect("a checkpoint within 10 s");
    let name = written.file_name().unwrap().to_str().unwrap().to_string();
    assert!(name.starts_with("audit-checkpoint-20"), "{name}");
    let out = kasane(
        &["audit", "verify", "--checkpoint", written.to_str().unwrap()],
        &db,
    );
    assert!(out.status.success(), "{:?}", text(&out));
}

#[test]
fn append_only_guard_refuses_updates() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("k.db").display());
    assert!(
        kasane(&["municipality", "import", DAISEN], &db)
            .status
            .success()
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = kasane_store::Store::open(&db, crate::common::audit_key())
            .await
            .unwrap();
        store
            .append_audit(&kasane_store::audit::NewAuditEntry {
                municipality_id: Some(1),
                user_id: None,
                username: "tester",
                action: kasane_domain::audit::AuditAction::View,
                object_type: "person",
                object_id: "1",
                basis: "",
                reason: "",
                request_id: "r",
            })
            .await
            .unwrap();
        let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
        let err = sqlx::raw_sql("UPDATE audit_log SET reason = 'x'")
            .execute(&pool)
            .await;
        assert!(err.unwrap_err().to_string().contains("append-only"));
        let err = sqlx::raw_sql("DELETE FROM audit_log").execute(&pool).await;
        assert!(err.is_err());
    });
}

#[test]
fn port_in_use_and_unreachable_database_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("k.db").display());
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = kasane_without_database(&["serve", "--bind", &addr, "--database", &db]);
    assert!(!out.status.success());
    let (_, stderr) = text(&out);
    assert!(stderr.contains("は既に使われています"), "{stderr}");

    let out = kasane(&["migrate"], "postgres://nobody@127.0.0.1:1/none");
    assert!(!out.status.success());
    let (_, stderr) = text(&out);
    assert!(stderr.contains("データベースに接続できません"), "{stderr}");
    assert!(!stderr.contains("panicked"));
    let out = kasane(&["migrate"], "mysql://x");
    assert!(!out.status.success());
    assert!(text(&out).1.contains("データベースURLが不正です"));
}

#[test]
fn every_subcommand_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["demo", "--help"],
        vec!["migrate", "--help"],
        vec!["user", "--help"],
        vec!["user", "add", "--help"],
        vec!["user", "token", "--help"],
        vec!["user", "tokens", "--help"],
        vec!["municipality", "import", "--help"],
        vec!["audit", "verify", "--help"],
    ] {
        let out = kasane_without_database(&args);
        assert!(out.status.success(), "{args:?}");
        assert!(!out.stdout.is_empty());
    }
}
