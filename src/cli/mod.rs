//! The command line: `warta [run]`, `warta check`, `warta preview`, `warta backup`, `warta migrate-db`.

mod check;
mod preview;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{
    Config, ConfigError, UpdateMode, bot_token_from_env, fetch_secret_from_env, webhook_secret_from_env,
};
use crate::telemetry::LogFormat;

#[derive(Debug, Parser)]
#[command(
    name = "warta",
    version,
    about = "Warta — Telegram news bot: posts every new article of your feeds to your channels and answers readers",
    after_help = "Without a command, Warta runs the bot (same as `warta run`).\n\
                  The bot token is read from the BOT_TOKEN environment variable only."
)]
pub struct Cli {
    /// Config file (TOML); keys can be overridden by WARTA__SECTION__KEY variables.
    #[arg(long, short, global = true, env = "WARTA_CONFIG", default_value = "bot.toml")]
    pub config: PathBuf,

    /// Log lines as readable text or as JSON objects.
    #[arg(long, global = true, env = "WARTA_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,

    /// `run`: start with a new, empty database although one existed before (its
    /// `<database>.initialized` marker is there). Without it, such a start is refused.
    #[arg(long, global = true, env = "WARTA_FRESH_DATABASE", value_parser = clap::builder::BoolishValueParser::new())]
    pub fresh_database: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the bot with long polling until SIGINT/SIGTERM (the default).
    Run,
    /// Validate the config, open and migrate the database, call getMe, check the
    /// channels and fetch each feed once; print a report. Non-zero exit on any failure.
    Check,
    /// Print each post exactly as it would be sent — no token, no Telegram needed.
    Preview {
        /// Feed URL or local file; default: the feeds in the config.
        #[arg(long, value_name = "URL_OR_PATH")]
        feed: Option<String>,
        /// How many of the newest articles per feed to show.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=100))]
        limit: u16,
    },
    /// Copy the database, consistent, while Warta runs (SQLite VACUUM INTO), to a new file.
    Backup {
        /// The backup file to create (it must not exist).
        output: PathBuf,
    },
    /// Exit 0 if the running Warta answers on its HTTP listener's /healthz (for container health checks).
    Healthcheck,
    /// Copy an SQLite database (Warta stopped) into an empty PostgreSQL database: everything,
    /// counts verified. Then set storage.database to the URL and start Warta.
    MigrateDb {
        /// The SQLite file Warta has been using.
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// The empty PostgreSQL database, postgres://user:password@host/db.
        #[arg(long, value_name = "URL")]
        to: String,
    },
}

/// Exit code for a bad config or environment (clap uses 2 for bad arguments too).
const EXIT_CONFIG: u8 = 2;
const EXIT_FAILURE: u8 = 1;

impl Cli {
    pub async fn execute(self) -> ExitCode {
        match self.command.unwrap_or(Command::Run) {
            Command::Run => {
                let (mut config, token) = match load_with_token(&self.config) {
                    Ok(loaded) => loaded,
                    Err(err) => return config_failure(&err),
                };
                config.storage.fresh_database = self.fresh_database;
                let webhook_secret = match config.telegram.mode {
                    UpdateMode::Webhook => match webhook_secret_from_env(std::env::vars()) {
                        Ok(secret) => Some(secret),
                        Err(err) => return config_failure(&err),
                    },
                    UpdateMode::Polling => None,
                };
                let fetch_secret = match fetch_secret_from_env(std::env::vars()) {
                    Ok(secret) => secret,
                    Err(err) => return config_failure(&err),
                };
                let secrets = crate::app::Secrets { token, webhook_secret, fetch_secret };
                match crate::app::run_until_signal(config, secrets).await {
                    Ok(()) => ExitCode::SUCCESS,
                    // Not started: the operator must fix the database path or its
                    // permissions, restore the database, or ask for a fresh one.
                    Err(err)
                        if err.downcast_ref::<crate::store::DatabaseMissing>().is_some()
                            || err
                                .downcast_ref::<crate::store::StoreError>()
                                .is_some_and(crate::store::StoreError::is_unusable_path) =>
                    {
                        eprintln!("error: {err:#}");
                        ExitCode::from(EXIT_CONFIG)
                    }
                    Err(err) => {
                        eprintln!("error: {err:#}");
                        ExitCode::from(EXIT_FAILURE)
                    }
                }
            }
            Command::Check => {
                let (config, token) = match load_with_token(&self.config) {
                    Ok(loaded) => loaded,
                    Err(err) => return config_failure(&err),
                };
                if check::run(&self.config, &config, &token).await {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(EXIT_FAILURE)
                }
            }
            Command::Backup { output } => {
                let config = match Config::load(&self.config, std::env::vars()) {
                    Ok(config) => config,
                    Err(err) => return config_failure(&err),
                };
                match backup(&config, &output).await {
                    Ok(bytes) => {
                        println!("backup written to {} ({bytes} bytes)", output.display());
                        ExitCode::SUCCESS
                    }
                    Err(err) => {
                        eprintln!("error: {err:#}");
                        ExitCode::from(EXIT_FAILURE)
                    }
                }
            }
            Command::MigrateDb { from, to } => match migrate_db(&from, &to).await {
                Ok(report) => {
                    for (table, rows) in &report {
                        println!("{table:>22}: {rows}");
                    }
                    println!(
                        "copied {} rows from {} to {}; set storage.database to that URL and start Warta",
                        report.values().sum::<i64>(),
                        from.display(),
                        crate::domain::redact_url(&to)
                    );
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    eprintln!("error: {err:#}");
                    ExitCode::from(EXIT_FAILURE)
                }
            },
            Command::Healthcheck => {
                let config = match Config::load(&self.config, std::env::vars()) {
                    Ok(config) => config,
                    Err(err) => return config_failure(&err),
                };
                match healthcheck(&config).await {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(err) => {
                        eprintln!("unhealthy: {err:#}");
                        ExitCode::from(EXIT_FAILURE)
                    }
                }
            }
            Command::Preview { feed, limit } => {
                let config = match Config::load(&self.config, std::env::vars()) {
                    Ok(config) => Some(config),
                    // A newcomer may preview a feed file before writing any config.
                    Err(ConfigError::NotFound { .. }) if feed.is_some() => None,
                    Err(err) => return config_failure(&err),
                };
                match preview::run(config.as_ref(), feed.as_deref(), usize::from(limit)).await {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(err) => {
                        eprintln!("error: {err:#}");
                        ExitCode::from(EXIT_FAILURE)
                    }
                }
            }
        }
    }
}

/// Copies the database to `output` with SQLite's VACUUM INTO: a consistent
/// snapshot, taken while Warta may be running.
async fn backup(config: &Config, output: &Path) -> anyhow::Result<u64> {
    use anyhow::Context;
    if output.exists() {
        anyhow::bail!("{} exists; a backup never overwrites a file", output.display());
    }
    let Some(database) = config.storage.database.file() else {
        anyhow::bail!("the database is on PostgreSQL: back it up with pg_dump");
    };
    if !database.exists() {
        anyhow::bail!("no database at {}", database.display());
    }
    let store = crate::store::Store::open(database).await?;
    let result = store.backup_to(output).await;
    store.close().await;
    result?;
    let size = std::fs::metadata(output).with_context(|| format!("cannot read {}", output.display()))?.len();
    Ok(size)
}

/// `warta migrate-db`: the SQLite store copied into an empty PostgreSQL one.
async fn migrate_db(from: &Path, to: &str) -> anyhow::Result<crate::store::CopyReport> {
    if !from.exists() {
        anyhow::bail!("no database at {}", from.display());
    }
    let crate::domain::DatabaseLocation::Postgres(url) =
        crate::domain::DatabaseLocation::parse(to).unwrap_or(crate::domain::DatabaseLocation::File(to.into()))
    else {
        anyhow::bail!("--to must be a postgres:// URL");
    };
    let source = crate::store::Store::open(from).await?;
    let target = crate::store::Store::open_postgres(&url).await?;
    let report = source.copy_into(&target, chrono::Utc::now()).await;
    source.close().await;
    target.close().await;
    Ok(report?)
}

/// GETs /healthz on the configured listener (its port on 127.0.0.1).
async fn healthcheck(config: &Config) -> anyhow::Result<()> {
    let Some(listen) = config.http.listen else { anyhow::bail!("no [http] listen in the config") };
    let url = format!("http://127.0.0.1:{}/healthz", listen.port());
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(5)).build()?;
    let status = client.get(&url).send().await?.status();
    if !status.is_success() {
        anyhow::bail!("{url} answered {status}");
    }
    Ok(())
}

fn load_with_token(path: &Path) -> Result<(Config, crate::config::BotToken), ConfigError> {
    let config = Config::load(path, std::env::vars())?;
    let token = bot_token_from_env(std::env::vars())?;
    Ok((config, token))
}

fn config_failure(err: &ConfigError) -> ExitCode {
    eprintln!("error: {err}");
    ExitCode::from(EXIT_CONFIG)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_database_is_asked_for_after_run_or_before_it() {
        for args in [
            &["warta", "run", "--fresh-database"][..],
            &["warta", "--fresh-database", "run"],
            &["warta", "--fresh-database"],
        ] {
            let cli = Cli::try_parse_from(args).expect("parses");
            assert!(cli.fresh_database, "{args:?}");
        }
        assert!(!Cli::try_parse_from(["warta", "run"]).expect("parses").fresh_database);
    }
}
