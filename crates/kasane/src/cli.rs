//! The command line. Every failure is a Japanese message on stderr and a non-zero exit,
//! never a panic.

use std::collections::HashSet;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Parser, Subcommand};
use kasane_app::consultation::import::import_persons;
use kasane_app::{App, AppError};
use kasane_domain::audit::AuditKey;
use kasane_domain::identity::{DisplayName, NewPassword, Role, Roles, Username};
use kasane_domain::municipality::parse_config;
use kasane_store::Store;
use kasane_store::user::NewUser;
use kasane_web::AppState;
use tokio::net::TcpListener;

use crate::audit;
use crate::demo;
use crate::generate;
use crate::import;
use crate::progress;
use crate::settings::{ConfigFile, DEFAULT_BIND, DEFAULT_DATABASE};

#[derive(Debug, Parser)]
#[command(
    name = "kasane",
    version,
    about = "kasane(重ね)— 重層的支援体制整備事業の支援記録システム / case management for Japan's multi-layered support system"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Webサーバーを起動する / Run the web server
    Serve(ServeArgs),
    /// デモ用データベースを作り直して起動する / Create a fresh demo database and serve it
    Demo(ServeArgs),
    /// データベースのスキーマを最新にする / Bring the database schema up to date
    Migrate(DbArgs),
    /// 職員アカウントの管理 / Manage user accounts
    #[command(subcommand)]
    User(UserCommand),
    /// 自治体設定の管理 / Manage municipality configuration
    #[command(subcommand)]
    Municipality(MunicipalityCommand),
    /// 監査ログ / Audit log
    #[command(subcommand)]
    Audit(AuditCommand),
    /// CSVからの一括取り込み / Bulk import from CSV
    #[command(subcommand)]
    Import(ImportCommand),
    /// 架空のデータを大量に生成して追加する(性能評価用、同じシードなら同じデータ)/
    /// Generate fictional records at scale (deterministic)
    Gen(GenArgs),
}

#[derive(Debug, Args)]
pub struct GenArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// 自治体コード(例: daisen)。未登録なら同梱の設定を取り込みます
    #[arg(long)]
    pub municipality: String,
    /// 生成する本人の人数
    #[arg(long)]
    pub persons: u64,
    /// 乱数のシード(同じシード・同じ人数なら同じデータ)
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// 本人1人あたりの支援経過の平均件数
    #[arg(long, default_value_t = 10)]
    pub logs_per_person: u32,
}

#[derive(Debug, Args)]
pub struct DbArgs {
    /// データベースURL(sqlite://kasane.db または postgres://…)/ Database URL
    #[arg(long = "database", env = "KASANE_DATABASE_URL")]
    pub database: Option<String>,
    /// 設定ファイル / Config file (TOML)
    #[arg(long, env = "KASANE_CONFIG")]
    pub config: Option<PathBuf>,
    /// 監査ログの鍵ファイル(なければ生成。環境変数 KASANE_AUDIT_KEY が優先)/ Audit key file
    #[arg(long, env = "KASANE_AUDIT_KEY_FILE")]
    pub audit_key_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// 待ち受けアドレス / Address to listen on
    #[arg(long, env = "KASANE_BIND")]
    pub bind: Option<String>,
    /// Cookie に Secure を付ける(TLS 配下で運用する場合)/ Mark cookies Secure (behind TLS)
    #[arg(long, env = "KASANE_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// 監査ログのチェックポイントを毎日書き出すディレクトリ / Directory for daily audit checkpoints
    #[arg(long, env = "KASANE_AUDIT_CHECKPOINT_DIR")]
    pub audit_checkpoint_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// 職員を追加する(パスワードは標準入力から、なければ自動生成して表示)/ Add a user
    Add {
        #[command(flatten)]
        db: DbArgs,
        /// 自治体コード(例: daisen)
        #[arg(long)]
        municipality: String,
        /// 所属機関コード(例: houkatsu)
        #[arg(long)]
        agency: String,
        #[arg(long)]
        username: String,
        /// 表示名(例: 佐藤 花子)
        #[arg(long)]
        display_name: String,
        /// 役割(カンマ区切り): admin, coordinator, staff, community_worker, auditor
        #[arg(long)]
        roles: String,
        /// パスワードを標準入力の1行目から読む / Read the password from stdin
        #[arg(long)]
        password_stdin: bool,
    },
    /// パスワードを変更する(ロックも解除)/ Set a new password (also lifts a lockout)
    Passwd {
        #[command(flatten)]
        db: DbArgs,
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// 職員を無効にする(セッションとトークンも失効)/ Disable a user
    Disable {
        #[command(flatten)]
        db: DbArgs,
        username: String,
    },
    /// 職員を再び有効にする / Enable a disabled user
    Enable {
        #[command(flatten)]
        db: DbArgs,
        username: String,
    },
    /// 職員の一覧 / List users
    List {
        #[command(flatten)]
        db: DbArgs,
        /// 自治体コードで絞り込む
        #[arg(long)]
        municipality: Option<String>,
    },
    /// 個人用アクセストークンを発行して表示する / Issue a personal access token
    Token {
        #[command(flatten)]
        db: DbArgs,
        username: String,
        /// トークンの用途名
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// 職員のトークンの一覧(番号・用途・発行・最終利用・失効)/ List a user's tokens, with the ids revoke-token takes
    Tokens {
        #[command(flatten)]
        db: DbArgs,
        username: String,
    },
    /// 個人用アクセストークンを失効させる(番号は tokens で表示)/ Revoke a personal access token
    RevokeToken {
        #[command(flatten)]
        db: DbArgs,
        username: String,
        token_id: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum MunicipalityCommand {
    /// 自治体設定(TOML)を取り込む。誤りがあれば何も書き込まない / Import a municipality TOML
    Import {
        #[command(flatten)]
        db: DbArgs,
        file: PathBuf,
    },
    /// 取り込み済みの自治体 / List municipalities
    List {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// 監査ログのハッシュ連鎖を検証する(改ざん・削除を検出)/ Verify the audit hash chains
    Verify {
        #[command(flatten)]
        db: DbArgs,
        /// 保管しておいたチェックポイントとも照合する(末尾の削除・系列ごとの削除を検出)
        #[arg(long, value_name = "FILE")]
        checkpoint: Option<PathBuf>,
    },
    /// 全系列の先頭を署名付きで出力する(データベースの外に保管する)/ Print a signed checkpoint
    Checkpoint {
        #[command(flatten)]
        db: DbArgs,
    },
    /// 運用者の監査ログ(不明なユーザー名でのログイン、他の自治体の記録への試み)を新しい順に
    /// タブ区切りで出力する / List the operator's audit chain
    Operator {
        #[command(flatten)]
        db: DbArgs,
        /// 出力する件数
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// 本人をCSVから取り込む(UTF-8・BOM付きUTF-8・Shift_JIS を自動判別)。誤りのある行が
    /// 1行でもあれば何も書き込まない / Import persons from a CSV file
    ///
    /// 見出し行(1行目)が必要です。使える見出し: 氏名(name)、フリガナ(furigana)、
    /// 生年月日(birth_date、西暦または和暦)、性別(sex)、住所(address)、
    /// 地区(district、地区名またはコード)、電話・電話番号(phone)、備考(note)、
    /// 住民宛名番号(external_id)。
    Persons {
        #[command(flatten)]
        db: DbArgs,
        /// 取り込むCSVファイル
        file: PathBuf,
        /// 自治体コード(例: daisen)
        #[arg(long)]
        municipality: String,
        /// 登録した機関として記録する機関コード(例: houkatsu)
        #[arg(long)]
        agency: String,
        /// 取り込みを行う職員のユーザー名(監査ログと作成者に記録)
        #[arg(long = "as", value_name = "USERNAME")]
        as_user: String,
        /// 検査だけ行い、何も書き込まない(誤りのある行があれば終了コードは0以外)
        #[arg(long)]
        dry_run: bool,
        /// 誤りのある行を飛ばし、正しい行だけ取り込む
        #[arg(long)]
        skip_invalid: bool,
        /// 一度に検査・書き込みする行数(すべての行は一つのトランザクションで書き込みます)
        #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u32).range(1..))]
        batch_size: u32,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("エラー: 実行環境を準備できません: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("エラー: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("KASANE_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

impl DbArgs {
    fn url(&self, file: &ConfigFile) -> String {
        self.database
            .clone()
            .or_else(|| file.database_url.clone())
            .unwrap_or_else(|| DEFAULT_DATABASE.to_string())
    }

    fn audit_key(&self, file: &ConfigFile) -> Result<AuditKey> {
        let path = self
            .audit_key_file
            .clone()
            .or_else(|| file.audit_key_file.clone())
            .unwrap_or_else(|| PathBuf::from(audit::DEFAULT_KEY_FILE));
        audit::load_key(&path)
    }

    async fn open(&self) -> Result<Store> {
        let file = ConfigFile::load(self.config.as_deref())?;
        Ok(Store::open(&self.url(&file), self.audit_key(&file)?).await?)
    }
}

pub async fn run(command: Command) -> Result<()> {
    match command {
        Command::Serve(args) => {
            let file = ConfigFile::load(args.db.config.as_deref())?;
            let store = Store::open(&args.db.url(&file), args.db.audit_key(&file)?).await?;
            serve(store, &args, &file, None).await
        }
        Command::Demo(args) => {
            let file = ConfigFile::load(args.db.config.as_deref())?;
            let url = args
                .db
                .database
                .clone()
                .or_else(|| file.database_url.clone())
                .unwrap_or_else(|| demo::DEFAULT_DEMO_DATABASE.to_string());
            let store = demo::fresh_store(&url, args.db.audit_key(&file)?).await?;
            let logins = demo::load(&store).await?;
            serve(store, &args, &file, Some(&logins)).await
        }
        Command::Migrate(db) => {
            db.open().await?;
            println!("マイグレーションを適用しました。");
            Ok(())
        }
        Command::User(cmd) => user(cmd).await,
        Command::Municipality(cmd) => municipality(cmd).await,
        Command::Import(cmd) => import(cmd).await,
        Command::Gen(args) => {
            let file = ConfigFile::load(args.db.config.as_deref())?;
            let options = generate::Options {
                municipality: args.municipality,
                persons: args.persons,
                seed: args.seed,
                logs_per_person: args.logs_per_person,
            };
            generate::run(&args.db.url(&file), args.db.audit_key(&file)?, &options).await
        }
        Command::Audit(AuditCommand::Verify { db, checkpoint }) => {
            let file = ConfigFile::load(db.config.as_deref())?;
            let key = db.audit_key(&file)?;
            let checkpoint = match &checkpoint {
                Some(path) => Some(audit::read_checkpoint(&key, path)?),
                None => None,
            };
            let store = Store::open(&db.url(&file), key).await?;
            match store.verify_audit(checkpoint.as_ref()).await? {
                Ok(n) => {
                    println!("監査ログは正常です({n}件を検証しました)。");
                    if let Some(c) = checkpoint {
                        println!(
                            "チェックポイント({})の{}系列と一致しました。",
                            c.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
                            c.heads.len()
                        );
                    }
                    Ok(())
                }
                Err(b) => bail!("{b}"),
            }
        }
        Command::Audit(AuditCommand::Operator { db, limit }) => {
            let store = db.open().await?;
            println!("日時\t番号\tユーザー\t操作\t対象\t対象ID\t理由");
            for e in store.operator_audit_entries(i64::from(limit)).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    e.occurred_at.format("%Y-%m-%d %H:%M:%S%.3f UTC"),
                    e.seq,
                    e.username,
                    e.action,
                    e.object_type,
                    e.object_id,
                    e.reason
                );
            }
            Ok(())
        }
        Command::Audit(AuditCommand::Checkpoint { db }) => {
            let store = db.open().await?;
            println!("{}", audit::checkpoint(&store).await?.to_json());
            Ok(())
        }
    }
}

async fn serve(
    store: Store,
    args: &ServeArgs,
    file: &ConfigFile,
    demo_logins: Option<&[demo::DemoLogin]>,
) -> Result<()> {
    let bind = args
        .bind
        .clone()
        .or_else(|| file.bind.clone())
        .unwrap_or_else(|| DEFAULT_BIND.to_string());
    let listener = TcpListener::bind(&bind).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            anyhow!("{bind} は既に使われています。--bind または KASANE_BIND で別のアドレスを指定してください")
        } else {
            anyhow!("{bind} で待ち受けできません: {e}")
        }
    })?;
    let addr = listener.local_addr()?;
    println!("kasane を起動しました: http://{addr}/");
    if let Some(logins) = demo_logins {
        demo::print_logins(logins);
    }
    if let Some(dir) = args
        .audit_checkpoint_dir
        .clone()
        .or_else(|| file.audit_checkpoint_dir.clone())
    {
        std::fs::create_dir_all(&dir).with_context(|| {
            format!(
                "チェックポイントのディレクトリ {} を作成できません",
                dir.display()
            )
        })?;
        tokio::spawn(audit::write_daily(store.clone(), dir));
    }
    let state = AppState {
        app: App::with_system_clock(store),
        settings: file.web(args.secure_cookies),
    };
    kasane_web::serve(listener, state).await?;
    Ok(())
}

fn read_password(from_stdin: bool) -> Result<(NewPassword, Option<String>)> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("標準入力からパスワードを読めません")?;
        let pw = NewPassword::parse(line.trim_end_matches(['\r', '\n']))?;
        Ok((pw, None))
    } else {
        let (password, shown) = NewPassword::generate();
        Ok((password, Some(shown)))
    }
}

async fn find_user(store: &Store, username: &str) -> Result<kasane_store::user::User> {
    let name = Username::parse(username)?;
    store
        .user_by_username(name.as_str())
        .await?
        .ok_or_else(|| anyhow!("ユーザー {username} は登録されていません"))
}

async fn user(cmd: UserCommand) -> Result<()> {
    match cmd {
        UserCommand::Add {
            db,
            municipality,
            agency,
            username,
            display_name,
            roles,
            password_stdin,
        } => {
            let username = Username::parse(&username)?;
            let display_name = DisplayName::parse(&display_name)?;
            let roles = roles.parse::<Roles>()?.required()?;
            let (password, generated) = read_password(password_stdin)?;
            let store = db.open().await?;
            let m = store
                .municipality_by_code(&municipality)
                .await
                .map_err(|_| anyhow!("自治体 {municipality} は登録されていません(kasane municipality import で取り込んでください)"))?;
            let a = store
                .agency_by_code(m.id, &agency)
                .await
                .map_err(|_| anyhow!("{} に機関コード {agency} はありません", m.name))?;
            store
                .create_user(NewUser {
                    municipality_id: m.id,
                    agency_id: a.id,
                    username: &username,
                    display_name: &display_name,
                    password_hash: &password.hash()?,
                    roles: &roles,
                })
                .await?;
            println!("{}({} {})を追加しました。", username, m.name, a.name);
            if let Some(pw) = generated {
                println!("初期パスワード: {pw}");
            }
            Ok(())
        }
        UserCommand::Passwd {
            db,
            username,
            password_stdin,
        } => {
            let (password, generated) = read_password(password_stdin)?;
            let store = db.open().await?;
            let u = find_user(&store, &username).await?;
            store.set_password(u.id, &password.hash()?).await?;
            println!(
                "{username} のパスワードを変更しました(ログイン中のセッションも終了しました)。"
            );
            if let Some(pw) = generated {
                println!("新しいパスワード: {pw}");
            }
            Ok(())
        }
        UserCommand::Disable { db, username } => set_disabled(db, &username, true).await,
        UserCommand::Enable { db, username } => set_disabled(db, &username, false).await,
        UserCommand::List { db, municipality } => {
            let store = db.open().await?;
            let mid = match municipality {
                Some(code) => Some(
                    store
                        .municipality_by_code(&code)
                        .await
                        .map_err(|_| anyhow!("自治体 {code} は登録されていません"))?
                        .id,
                ),
                None => None,
            };
            let users = store.users(mid).await?;
            if users.is_empty() {
                println!("職員は登録されていません。");
            }
            for u in users {
                println!(
                    "{}\t{}\t{}\t{}{}",
                    u.username,
                    u.display_name,
                    u.roles,
                    u.municipality_id,
                    if u.disabled { "\t(無効)" } else { "" }
                );
            }
            Ok(())
        }
        UserCommand::Token { db, username, name } => {
            let store = db.open().await?;
            let u = find_user(&store, &username).await?;
            if u.disabled {
                bail!("{username} は無効になっています");
            }
            let token = store.create_token(&u, &name).await?;
            println!("{token}");
            eprintln!("このトークンは二度と表示されません。安全な場所に保管してください。");
            eprintln!(
                "一覧と番号: kasane user tokens {username}(失効は revoke-token {username} 番号)"
            );
            Ok(())
        }
        UserCommand::Tokens { db, username } => {
            let store = db.open().await?;
            let u = find_user(&store, &username).await?;
            let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
                t.map_or_else(|| "-".to_string(), |t| t.to_rfc3339())
            };
            println!("番号\t用途\t発行\t最終利用\t失効");
            for t in store.tokens(u.id).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.name,
                    t.created_at.to_rfc3339(),
                    time(t.last_used_at),
                    time(t.revoked_at)
                );
            }
            Ok(())
        }
        UserCommand::RevokeToken {
            db,
            username,
            token_id,
        } => {
            let store = db.open().await?;
            let u = find_user(&store, &username).await?;
            store
                .revoke_token(u.id, token_id)
                .await
                .map_err(|_| anyhow!("{username} の有効なトークン {token_id} はありません"))?;
            println!("トークン {token_id} を失効させました。");
            Ok(())
        }
    }
}

async fn set_disabled(db: DbArgs, username: &str, disabled: bool) -> Result<()> {
    let store = db.open().await?;
    let u = find_user(&store, username).await?;
    store.set_disabled(u.id, disabled).await?;
    if disabled {
        println!("{username} を無効にしました(ログイン中のセッションとトークンも失効しました)。");
    } else {
        println!("{username} を有効にしました。");
    }
    Ok(())
}

async fn municipality(cmd: MunicipalityCommand) -> Result<()> {
    match cmd {
        MunicipalityCommand::Import { db, file } => {
            let source = std::fs::read_to_string(&file)
                .with_context(|| format!("{} を読めません", file.display()))?;
            // Parsed and validated before the database is even opened: a bad file writes
            // nothing.
            let cfg = parse_config(&source).map_err(|e| anyhow!("{}: {e}", file.display()))?;
            let store = db.open().await?;
            store.import_municipality(&cfg, &source).await?;
            println!(
                "{}{}を取り込みました(機関{}・地区{})。",
                cfg.prefecture,
                cfg.name,
                cfg.agencies.len(),
                cfg.districts.len()
            );
            Ok(())
        }
        MunicipalityCommand::List { db } => {
            let store = db.open().await?;
            for m in store.municipalities().await? {
                println!("{}\t{}\t{}{}", m.code, m.lg_code, m.prefecture, m.name);
            }
            Ok(())
        }
    }
}

async fn import(cmd: ImportCommand) -> Result<()> {
    let ImportCommand::Persons {
        db,
        file,
        municipality,
        agency,
        as_user,
        dry_run,
        skip_invalid,
        batch_size,
    } = cmd;
    let in_file = |e: import::ImportError| anyhow!("{}: {e}", file.display());
    let opened =
        std::fs::File::open(&file).with_context(|| format!("{} を読めません", file.display()))?;
    // Read through once before anything else, as the encoding's refusals come first.
    let encoding = import::detect(opened).map_err(in_file)?;
    let store = db.open().await?;
    let m = store.municipality_by_code(&municipality).await.map_err(|_| {
        anyhow!("自治体 {municipality} は登録されていません(kasane municipality import で取り込んでください)")
    })?;
    let a = store
        .agency_by_code(m.id, &agency)
        .await
        .map_err(|_| anyhow!("{} に機関コード {agency} はありません", m.name))?;
    let u = find_user(&store, &as_user).await?;
    if u.municipality_id != m.id {
        bail!("{as_user} は{}の職員ではありません", m.name);
    }
    if u.disabled {
        bail!("{as_user} は無効になっています");
    }
    let roles = u.roles();
    if !(roles.has(Role::Staff) || roles.has(Role::Coordinator)) {
        bail!("{as_user} には本人の情報を扱う役割(staff または coordinator)がありません");
    }
    let districts = store.districts(m.id).await?;
    let app = App::with_system_clock(store.clone());
    let batch = batch_size as usize;
    let rows = || {
        import::spawn_rows(
            file.clone(),
            encoding,
            districts.clone(),
            app.today(),
            batch,
        )
    };

    // First reading: every row checked, nothing written.
    let bar = progress::rows("検査");
    let mut chunks = rows();
    let mut checked = import::Checked::default();
    while let Some(chunk) = chunks.recv().await {
        match chunk.map_err(in_file)? {
            import::Chunk::Rows(rows) => {
                let ids: Vec<&str> = rows.iter().filter_map(import::Row::external_id).collect();
                let in_use = store.external_ids_in_use(m.id, &ids).await?;
                let in_use: HashSet<&str> = in_use.iter().map(String::as_str).collect();
                bar.inc(rows.len() as u64);
                for row in rows {
                    checked.add(row, &in_use).map_err(in_file)?;
                }
            }
            import::Chunk::End { digest } => checked.digest = Some(digest),
        }
    }
    bar.finish_and_clear();
    checked.forget_ids();
    if checked.digest.is_none() {
        bail!("{}: 読み込みが途中で止まりました", file.display());
    }

    for e in &checked.errors {
        eprintln!("{e}");
    }
    let (read, good, bad) = (checked.read, checked.good, checked.bad());
    if bad > checked.errors.len() as u64 {
        eprintln!(
            "ほかにも誤りのある行が{}件あります(最初の{}件だけを表示しました)",
            bad - checked.errors.len() as u64,
            checked.errors.len()
        );
    }
    println!("文字コード: {encoding}");
    if dry_run {
        println!(
            "読み込み {read}件、取り込み可能 {good}件、エラー {bad}件(--dry-run のため何も書き込んでいません)"
        );
        if bad > 0 {
            bail!("誤りのある行が{bad}件あります");
        }
        return Ok(());
    }
    if bad > 0 && !skip_invalid {
        println!("読み込み {read}件、取り込み 0件、エラー {bad}件");
        bail!(
            "誤りのある行が{bad}件あるため、何も取り込みませんでした(直して再実行するか、--skip-invalid で正しい行だけ取り込めます)"
        );
    }

    // Second reading: the good rows written a batch at a time, in one unit of work.
    let mut imported = 0;
    if good > 0 {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let caller = app.caller(u, "cli".to_string()).await?;
        let bar = progress::persons(good);
        let mut chunks = rows();
        let mut skip = import::Skip::new(std::mem::take(&mut checked.bad_lines));
        let refused = |e: import::ImportError| AppError::BadRequest(in_file(e).to_string());
        let mut handed = 0;
        imported = import_persons(&app, &caller, a.id, &name, async || {
            // Asked for the next batch: the one handed out before is written.
            bar.inc(std::mem::take(&mut handed));
            loop {
                let Some(chunk) = chunks.recv().await else {
                    return Err(AppError::BadRequest(format!(
                        "{}: 読み込みが途中で止まりました",
                        file.display()
                    )));
                };
                match chunk.map_err(refused)? {
                    import::Chunk::Rows(rows) => {
                        let persons = skip.good(rows).map_err(refused)?;
                        if !persons.is_empty() {
                            handed = persons.len() as u64;
                            return Ok(Some(persons));
                        }
                    }
                    import::Chunk::End { digest } if Some(digest) == checked.digest => {
                        return Ok(None);
                    }
                    import::Chunk::End { .. } => {
                        return Err(refused(import::ImportError::Changed));
                    }
                }
            }
        })
        .await?;
        bar.finish_and_clear();
    }
    println!(
        "読み込み {read}件、取り込み {imported}件、エラー {bad}件({}{}・{})",
        m.prefecture, m.name, a.name
    );
    Ok(())
}
