//! `kasane import persons FILE.csv` as an operator uses it, on both engines: the three
//! encodings, `--dry-run`, all-or-nothing unless `--skip-invalid` (also across the batches
//! a file is written in), and clear refusals.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::Engine;
use crate::common::cli::{DAISEN, YUZAWA, kasane, kasane_without_database, text};

cli_both!(
    utf8_bom_and_shift_jis_files_import,
    dry_run_reports_lines_and_reasons_and_writes_nothing,
    a_bad_row_imports_nothing_unless_skip_invalid,
    unknown_header_is_refused,
    unknown_municipality_agency_and_user_are_refused,
    rows_over_many_batches_are_checked_and_written_as_one,
    a_failure_in_a_later_batch_leaves_nothing,
);

/// Daisen loaded, with a staff member of 高齢者包括支援センター to attribute imports to.
fn setup(db: &str) {
    let out = kasane(&["municipality", "import", DAISEN], db);
    assert!(out.status.success(), "{:?}", text(&out));
    add_user(db, "daisen", "houkatsu", "import.staff", "staff");
}

fn add_user(db: &str, municipality: &str, agency: &str, username: &str, roles: &str) {
    let out = kasane(
        &[
            "user",
            "add",
            "--municipality",
            municipality,
            "--agency",
            agency,
            "--username",
            username,
            "--display-name",
            "取込 担当",
            "--roles",
            roles,
        ],
        db,
    );
    assert!(out.status.success(), "{:?}", text(&out));
}

/// Writes `bytes` to a fresh file named `name`; the directory lives as long as the guard.
fn csv_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

fn import(db: &str, path: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "import",
        "persons",
        path.to_str().unwrap(),
        "--municipality",
        "daisen",
        "--agency",
        "houkatsu",
        "--as",
        "import.staff",
    ];
    args.extend_from_slice(extra);
    kasane(&args, db)
}

/// Runs `f` to its end on a runtime of its own (these tests drive the CLI, not async).
fn block_on<T>(f: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

fn engine_of(db: &str) -> Engine {
    if db.starts_with("sqlite") {
        Engine::Sqlite
    } else {
        Engine::Postgres
    }
}

/// Rows of a query whose columns are all text, on either engine.
fn rows(db: &str, sql: &str) -> Vec<Vec<String>> {
    block_on(async {
        use sqlx::Row;
        on_test_db!(engine_of(db), db, |pool| {
            let rows = sqlx::query(sql).fetch_all(&pool).await.unwrap();
            rows.iter()
                .map(|r| (0..r.len()).map(|i| r.get::<String, _>(i)).collect())
                .collect()
        })
    })
}

/// Runs statements as someone with database access (a trigger, a planted row).
fn execute(db: &str, sql: &str) {
    block_on(async {
        on_test_db!(engine_of(db), db, |pool| {
            sqlx::raw_sql(sql).execute(&pool).await.unwrap();
        })
    })
}

fn person_count(db: &str) -> usize {
    rows(db, "SELECT name FROM person").len()
}

/// Name, birth date, district code, phone digits and creator of every person, in order.
fn persons(db: &str) -> Vec<Vec<String>> {
    rows(
        db,
        "SELECT p.name, COALESCE(CAST(p.birth_date AS TEXT), ''), \
         COALESCE(p.district_code, ''), COALESCE(p.phone_digits, ''), a.code, u.username \
         FROM person p JOIN agency a ON a.id = p.created_by_agency_id \
         JOIN app_user u ON u.id = p.created_by_user_id ORDER BY p.id",
    )
}

fn import_audits(db: &str) -> Vec<Vec<String>> {
    rows(
        db,
        "SELECT action, object_id, reason, username FROM audit_log \
         WHERE object_type = 'person_import' ORDER BY seq",
    )
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn utf8_bom_and_shift_jis_files_import(db: &str) {
    setup(db);

    // UTF-8, Japanese headers, 和暦 and ISO dates, district by name and by code.
    let utf8 = "氏名,フリガナ,生年月日,性別,住所,地区,電話,備考,住民宛名番号\n\
                髙橋 一郎,タカハシ イチロウ,S22.4.1,男,大仙市大曲花園町1-1,大曲,0187-63-1111,,100001\n\
                齋藤 花子,サイトウ ハナコ,1985-10-20,女性,大仙市神岡,kamioka,090-1234-5678,\"民生委員より\n情報提供\",\n";
    let (_d1, path) = csv_file("persons-utf8.csv", utf8.as_bytes());
    let out = import(db, &path, &[]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("文字コード: UTF-8"), "{stdout}");
    assert!(
        stdout.contains("読み込み 2件、取り込み 2件、エラー 0件"),
        "{stdout}"
    );

    // UTF-8 with BOM and English headers.
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(
        "name,furigana,birth_date,district,phone\r\n\
         齋藤 健,サイトウ ケン,昭和50年1月2日,神岡地区,0187(72)1234\r\n"
            .as_bytes(),
    );
    let (_d2, path) = csv_file("persons-bom.csv", &bom);
    let out = import(db, &path, &[]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("文字コード: UTF-8(BOM付き)"), "{stdout}");
    assert!(stdout.contains("取り込み 1件"), "{stdout}");

    // Shift_JIS as Excel writes it (CRLF), 電話番号 as the phone header.
    let sjis_text = "氏名,フリガナ,生年月日,住所,地区,電話番号\r\n\
                     佐藤 花子,サトウ ハナコ,R2/4/1,大仙市大曲通町,大曲,0187-62-0000\r\n\
                     鈴木 一郎,スズキ イチロウ,平成元年1月8日,大仙市協和,協和,\r\n\
                     渡辺 和子,ワタナベ カズコ,,,,\r\n";
    let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(sjis_text);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&sjis).is_err(),
        "really Shift_JIS bytes"
    );
    let (_d3, path) = csv_file("persons-sjis.csv", &sjis);
    let out = import(db, &path, &[]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("文字コード: Shift_JIS(CP932)"), "{stdout}");
    assert!(
        stdout.contains("読み込み 3件、取り込み 3件、エラー 0件"),
        "{stdout}"
    );

    let who = ["houkatsu", "import.staff"];
    let row = |v: &[&str]| [strs(v), strs(&who)].concat();
    assert_eq!(
        persons(db),
        vec![
            row(&["髙橋 一郎", "1947-04-01", "omagari", "0187631111"]),
            row(&["齋藤 花子", "1985-10-20", "kamioka", "09012345678"]),
            row(&["齋藤 健", "1975-01-02", "kamioka", "0187721234"]),
            row(&["佐藤 花子", "2020-04-01", "omagari", "0187620000"]),
            row(&["鈴木 一郎", "1989-01-08", "kyowa", ""]),
            row(&["渡辺 和子", "", "", ""]),
        ]
    );
    assert_eq!(
        rows(
            db,
            "SELECT COALESCE(furigana, ''), COALESCE(sex, ''), address, note, \
             COALESCE(external_id, '') FROM person ORDER BY id LIMIT 2"
        ),
        vec![
            strs(&[
                "タカハシ イチロウ",
                "male",
                "大仙市大曲花園町1-1",
                "",
                "100001"
            ]),
            strs(&[
                "サイトウ ハナコ",
                "female",
                "大仙市神岡",
                "民生委員より\n情報提供",
                ""
            ]),
        ]
    );
    // One audit entry per import: the count, and the file name without its directory.
    assert_eq!(
        import_audits(db),
        vec![
            strs(&["create", "2", "persons-utf8.csv", "import.staff"]),
            strs(&["create", "1", "persons-bom.csv", "import.staff"]),
            strs(&["create", "3", "persons-sjis.csv", "import.staff"]),
        ]
    );

    // The same 住民宛名番号 again is refused, so a repeated import does not double people.
    let (_d4, path) = csv_file("again.csv", utf8.as_bytes());
    let out = import(db, &path, &["--dry-run"]);
    assert!(!out.status.success());
    assert!(
        text(&out)
            .1
            .contains("2行目: 住民宛名番号: この番号の方は既に登録されています"),
        "{:?}",
        text(&out)
    );

    let out = kasane(&["audit", "verify"], db);
    assert!(out.status.success(), "{:?}", text(&out));
}

const WITH_BAD_ROWS: &str = "氏名,フリガナ,生年月日,地区\n\
                             佐藤 花子,サトウ ハナコ,S47.3.5,大曲\n\
                             鈴木 一郎,スズキ イチロウ,平成31年5月1日,大曲\n\
                             ,タナカ,1990-01-01,大曲\n\
                             田中 次郎,タナカ ジロウ,,横手\n\
                             山本 三郎,ヤマモト サブロウ,1960-06-06,神岡\n";

fn dry_run_reports_lines_and_reasons_and_writes_nothing(db: &str) {
    setup(db);
    let (_d, path) = csv_file("bad.csv", WITH_BAD_ROWS.as_bytes());
    let out = import(db, &path, &["--dry-run"]);
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success(), "bad rows fail a dry run");
    assert!(
        stderr.contains("3行目: 生年月日: 平成31年5月1日は存在しません"),
        "{stderr}"
    );
    assert!(stderr.contains("4行目: 氏名を入力してください"), "{stderr}");
    assert!(
        stderr.contains("5行目: 地区「横手」はこの自治体の地区にありません"),
        "{stderr}"
    );
    assert!(!stderr.contains("2行目"), "{stderr}");
    assert!(!stderr.contains("6行目"), "{stderr}");
    assert!(
        stdout.contains("読み込み 5件、取り込み可能 2件、エラー 3件"),
        "{stdout}"
    );
    assert!(!stderr.contains("panicked"));
    assert_eq!(person_count(db), 0);

    // A clean file passes a dry run and still writes nothing.
    let good: String = WITH_BAD_ROWS
        .lines()
        .enumerate()
        .filter(|(i, _)| [0, 1, 5].contains(i))
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    let (_d, path) = csv_file("good.csv", good.as_bytes());
    let out = import(db, &path, &["--dry-run"]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(
        text(&out)
            .0
            .contains("読み込み 2件、取り込み可能 2件、エラー 0件")
    );
    assert_eq!(person_count(db), 0);
    assert!(import_audits(db).is_empty());
}

fn a_bad_row_imports_nothing_unless_skip_invalid(db: &str) {
    setup(db);
    let (_d, path) = csv_file("mixed.csv", WITH_BAD_ROWS.as_bytes());
    let out = import(db, &path, &[]);
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("何も取り込みませんでした"), "{stderr}");
    assert!(stderr.contains("3行目: 生年月日"), "{stderr}");
    assert!(
        stdout.contains("読み込み 5件、取り込み 0件、エラー 3件"),
        "{stdout}"
    );
    assert_eq!(person_count(db), 0);
    assert!(import_audits(db).is_empty());

    let out = import(db, &path, &["--skip-invalid"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("読み込み 5件、取り込み 2件、エラー 3件"),
        "{stdout}"
    );
    for line in ["3行目", "4行目", "5行目"] {
        assert!(
            stderr.contains(line),
            "the skipped rows are listed: {stderr}"
        );
    }
    let names: Vec<String> = persons(db).into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(names, strs(&["佐藤 花子", "山本 三郎"]));
    assert_eq!(
        import_audits(db),
        vec![strs(&["create", "2", "mixed.csv", "import.staff"])]
    );
}

fn unknown_header_is_refused(db: &str) {
    setup(db);
    let (_d, path) = csv_file(
        "odd.csv",
        "氏名,年齢,生年月日\n佐藤 花子,52,S47.3.5\n".as_bytes(),
    );
    for extra in [&[][..], &["--dry-run"], &["--skip-invalid"]] {
        let out = import(db, &path, extra);
        assert!(!out.status.success());
        let (_, stderr) = text(&out);
        assert!(
            stderr.contains("使えない見出しがあります: 「年齢」"),
            "{stderr}"
        );
        assert!(
            stderr.contains("氏名(name)"),
            "lists the accepted ones: {stderr}"
        );
        assert!(stderr.contains("住民宛名番号(external_id)"), "{stderr}");
    }
    // Neither UTF-8 nor Shift_JIS.
    let (_d, path) = csv_file("binary.csv", b"name\n\x81\xFF\x00\n");
    let out = import(db, &path, &[]);
    assert!(!out.status.success());
    assert!(
        text(&out).1.contains("文字コードを判別できません(2行目"),
        "{:?}",
        text(&out)
    );
    assert_eq!(person_count(db), 0);
}

fn unknown_municipality_agency_and_user_are_refused(db: &str) {
    setup(db);
    assert!(
        kasane(&["municipality", "import", YUZAWA], db)
            .status
            .success()
    );
    let yuzawa_agency = rows(
        db,
        "SELECT a.code FROM agency a JOIN municipality m ON m.id = a.municipality_id \
         WHERE m.code = 'yuzawa' ORDER BY a.id LIMIT 1",
    )[0][0]
        .clone();
    add_user(db, "yuzawa", &yuzawa_agency, "yuzawa.staff", "staff");
    add_user(db, "daisen", "houkatsu", "daisen.auditor", "auditor");
    add_user(db, "daisen", "houkatsu", "gone.staff", "staff");
    assert!(
        kasane(&["user", "disable", "gone.staff"], db)
            .status
            .success()
    );

    let (_d, path) = csv_file("ok.csv", "氏名\n佐藤 花子\n".as_bytes());
    let file = path.to_str().unwrap();
    let cases: [(&str, &str, &str, &str); 6] = [
        (
            "atlantis",
            "houkatsu",
            "import.staff",
            "自治体 atlantis は登録されていません",
        ),
        (
            "daisen",
            "nowhere",
            "import.staff",
            "機関コード nowhere はありません",
        ),
        (
            "daisen",
            "houkatsu",
            "ghost.user",
            "ユーザー ghost.user は登録されていません",
        ),
        (
            "daisen",
            "houkatsu",
            "yuzawa.staff",
            "yuzawa.staff は大仙市の職員ではありません",
        ),
        (
            "daisen",
            "houkatsu",
            "gone.staff",
            "gone.staff は無効になっています",
        ),
        (
            "daisen",
            "houkatsu",
            "daisen.auditor",
            "本人の情報を扱う役割",
        ),
    ];
    for (municipality, agency, user, message) in cases {
        for dry in [false, true] {
            let mut args = vec![
                "import",
                "persons",
                file,
                "--municipality",
                municipality,
                "--agency",
                agency,
                "--as",
                user,
            ];
            if dry {
                args.push("--dry-run");
            }
            let out = kasane(&args, db);
            assert!(!out.status.success(), "{args:?}");
            let (_, stderr) = text(&out);
            assert!(stderr.contains(message), "{args:?}: {stderr}");
            assert!(!stderr.contains("panicked"));
        }
    }
    let out = kasane(
        &[
            "import",
            "persons",
            "/nonexistent/x.csv",
            "--municipality",
            "daisen",
            "--agency",
            "houkatsu",
            "--as",
            "import.staff",
        ],
        db,
    );
    assert!(!out.status.success());
    assert!(text(&out).1.contains("x.csv を読めません"));
    assert_eq!(person_count(db), 0);
}

#[test]
fn import_has_help() {
    for args in [
        vec!["import", "--help"],
        vec!["import", "persons", "--help"],
    ] {
        let out = kasane_without_database(&args);
        assert!(out.status.success(), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("persons"));
    }
    let out = kasane_without_database(&["import", "persons", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--dry-run",
        "--skip-invalid",
        "--as",
        "--agency",
        "--municipality",
    ] {
        assert!(help.contains(flag), "{help}");
    }
}

/// Seven rows, two to a batch: a number repeated three batches later, one already
/// registered, a bad date in the last batch.
const SEVEN_ROWS: &str = "氏名,生年月日,住民宛名番号\n\
                          佐藤 花子,S47.3.5,A1\n\
                          鈴木 一郎,,A2\n\
                          田中 次郎,,A3\n\
                          高橋 三郎,,Z9\n\
                          伊藤 四郎,,A5\n\
                          渡辺 五郎,,A1\n\
                          山本 六郎,平成31年5月1日,A7\n";

fn rows_over_many_batches_are_checked_and_written_as_one(db: &str) {
    setup(db);
    let (_d, planted) = csv_file(
        "planted.csv",
        "氏名,住民宛名番号\n既存 花子,Z9\n".as_bytes(),
    );
    assert!(import(db, &planted, &[]).status.success());

    let (_d, path) = csv_file("seven.csv", SEVEN_ROWS.as_bytes());
    let out = import(db, &path, &["--batch-size", "2"]);
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success());
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains("行目")).collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    assert_eq!(
        lines[0],
        "5行目: 住民宛名番号: この番号の方は既に登録されています"
    );
    assert_eq!(lines[1], "7行目: 住民宛名番号: 2行目と同じ番号です");
    assert!(
        lines[2].starts_with("8行目: 生年月日: 平成31年5月1日は存在しません"),
        "{stderr}"
    );
    assert!(
        stdout.contains("読み込み 7件、取り込み 0件、エラー 3件"),
        "{stdout}"
    );
    assert_eq!(person_count(db), 1);

    let out = import(db, &path, &["--batch-size", "2", "--skip-invalid"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("読み込み 7件、取り込み 4件、エラー 3件"),
        "{stdout}"
    );
    let names: Vec<String> = persons(db).into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(
        names,
        strs(&[
            "既存 花子",
            "佐藤 花子",
            "鈴木 一郎",
            "田中 次郎",
            "伊藤 四郎"
        ])
    );
    // One audit entry for the whole file, whatever the number of batches.
    assert_eq!(
        import_audits(db),
        vec![
            strs(&["create", "1", "planted.csv", "import.staff"]),
            strs(&["create", "4", "seven.csv", "import.staff"]),
        ]
    );
    let out = kasane(&["audit", "verify"], db);
    assert!(out.status.success(), "{:?}", text(&out));
}

fn a_failure_in_a_later_batch_leaves_nothing(db: &str) {
    setup(db);
    // The database refuses the sixth person only: the first two batches are written by
    // then, and must be undone with it.
    let trigger = if db.starts_with("sqlite") {
        "CREATE TRIGGER refuse_a6 BEFORE INSERT ON person WHEN NEW.external_id = 'A6' \
         BEGIN SELECT RAISE(ABORT, 'refused'); END;"
    } else {
        "CREATE FUNCTION refuse_a6() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
         IF NEW.external_id = 'A6' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$; \
         CREATE TRIGGER refuse_a6 BEFORE INSERT ON person FOR EACH ROW EXECUTE FUNCTION refuse_a6();"
    };
    execute(db, trigger);
    let text_rows: String = (1..=7).map(|i| format!("取込 花子,,A{i}\n")).collect();
    let (_d, path) = csv_file(
        "fails-late.csv",
        format!("氏名,生年月日,住民宛名番号\n{text_rows}").as_bytes(),
    );
    let out = import(db, &path, &["--batch-size", "2"]);
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success(), "{stdout}{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stdout.contains("取り込み 7件"), "{stdout}");
    assert_eq!(person_count(db), 0);
    assert!(import_audits(db).is_empty());

    // Without the trigger the same file goes in whole.
    execute(
        db,
        if db.starts_with("sqlite") {
            "DROP TRIGGER refuse_a6"
        } else {
            "DROP TRIGGER refuse_a6 ON person"
        },
    );
    let out = import(db, &path, &["--batch-size", "2"]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert_eq!(person_count(db), 7);
    let out = kasane(&["audit", "verify"], db);
    assert!(out.status.success(), "{:?}", text(&out));
}
