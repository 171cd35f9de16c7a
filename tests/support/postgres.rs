//! The real PostgreSQL the tests use: `scripts/postgres.sh start` (run by
//! `.ci/run`) prints `WARTA_TEST_POSTGRES=<url>`. Each test gets a database of
//! its own on that server, dropped when it is done.

use sqlx::{Connection, Executor, PgConnection};

pub const URL_VAR: &str = "WARTA_TEST_POSTGRES";

/// A database of a test's own, dropped (with its connections) on drop.
pub struct ScratchDatabase {
    server: String,
    name: String,
    pub url: String,
}

impl ScratchDatabase {
    /// A fresh database, or `None` (saying why on stderr) when no PostgreSQL
    /// was given: the caller skips.
    pub async fn create(test: &str) -> Option<Self> {
        let Some(server) = std::env::var(URL_VAR).ok().filter(|u| !u.is_empty()) else {
            eprintln!("skipped {test}: no PostgreSQL ({URL_VAR} is not set; `scripts/postgres.sh start` prints it)");
            return None;
        };
        let name = format!("warta_{}_{}", std::process::id(), rand_suffix());
        let mut admin = PgConnection::connect(&server).await.expect("connect to the test PostgreSQL");
        admin.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("create a scratch database");
        admin.close().await.ok();
        let url = match server.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => panic!("{URL_VAR} has no database part: {server}"),
        };
        Some(Self { server, name, url })
    }
}

fn rand_suffix() -> u64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    (nanos % 1_000_000_000_000) as u64
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        // Dropped from inside a test's runtime: a thread of its own does the async work.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                if let Ok(mut admin) = PgConnection::connect(&server).await {
                    let _ = admin.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}
