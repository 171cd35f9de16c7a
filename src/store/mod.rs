//! All SQL lives here, one file per table family. The only sqlx user.

/// Turns store tests (async fns that open their store with
/// `testing::temp_store`) into two tests each: `<name>::sqlite` and
/// `<name>::postgres`. One suite, both backends.
#[cfg(test)]
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    $crate::store::testing::run_on($crate::store::Backend::Sqlite, stringify!($name), super::$name()).await
                }

                #[tokio::test]
                async fn postgres() {
                    $crate::store::testing::run_on($crate::store::Backend::Postgres, stringify!($name), super::$name())
                        .await
                }
            }
        )+
    };
}

mod articles;
mod breaking;
mod categories;
mod chats;
mod copy;
mod dialect;
mod digest;
mod editorial;
mod failed_items;
mod feeds;
mod file;
mod gone;
mod held;
mod instance;
mod leader;
mod newsroom;
mod outbox;
mod search;
mod subscribers;
mod websub;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use sqlx::AnyPool;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, Connection, Executor, Transaction};

pub use dialect::Backend;
pub(crate) use dialect::Flag;

pub use crate::domain::{AuditEntry, OutboxCounts, RaisedAlert, RecentStory, StatusReport, SubscriberCounts};
pub(crate) use crate::domain::{redact_in, redact_url};
pub use articles::{ARCHIVE_DEPTH, FetchMeta, FetchRecord, RecordOutcome};
pub use breaking::{Breaking, BreakingContent, BreakingState, ConfirmOutcome, FanoutTally};
pub use categories::{Category, CategoryToggle, READER_CATEGORIES_MAX};
pub use chats::ChatTarget;
pub use copy::{CopyError, CopyReport};
pub use digest::{ReaderChange, ReaderSettings};
pub use editorial::Story;
pub use failed_items::{FailedItem, FailedItemOutcome};
pub use feeds::FeedRow;
pub use file::{
    DatabaseMissing, FileIdentity, FileState, check_database_present, file_identity, file_state, marker_path,
    write_marker,
};
pub use gone::{GoneStory, VanishedPost};
pub use held::{HeldBatch, HoldDecision, HoldOutcome};
pub use instance::{LockAttempt, LockHolder};
pub use leader::{LeaderLease, LeaseError, LeaseHolder};
pub use outbox::{
    Audience, ClaimedDelivery, Correction, CorrectionError, DeliveryAction, DigestContent, DigestPlan, DigestRun,
    Priority, Retraction, SentAs, StoryKey,
};
pub use search::{SEARCH_RESULTS_MAX, SearchPage, SearchQuery};
pub use subscribers::{SubscribeOutcome, UnsubscribeOutcome};
pub use websub::{Subscription, SubscriptionState};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The path cannot hold a writable database: the reason names what to fix.
    #[error("cannot open the database {path}: {reason}")]
    Unusable { path: PathBuf, reason: String },
    /// The PostgreSQL URL cannot be used as written (the password never shown).
    #[error("the database URL {url} is not valid: {reason}")]
    BadUrl { url: String, reason: String },
    /// The PostgreSQL server did not answer or refused the login.
    #[error("cannot reach the database {url}: {reason}")]
    Unreachable { url: String, reason: String },
    // Not a `source`: the message already carries it, and `{:#}` would repeat it.
    #[error("cannot migrate the database {location}: {cause}")]
    Migrate { location: String, cause: sqlx::migrate::MigrateError },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// This instance's lease (epoch) is gone: another instance leads now.
    #[error("this instance no longer leads (its lease of epoch {epoch} has moved on); nothing was written")]
    Fenced { epoch: i64 },
    #[error(
        "the database {location} was written by a newer Warta (schema {database}; this binary knows up to {binary}); \
         run that version, or restore a backup made by this one"
    )]
    TooNew { location: String, database: i64, binary: i64 },
}

/// The SQLite store. Cheap to clone (a pool handle).
impl StoreError {
    /// The configured path cannot hold the database: a setup error the
    /// operator must fix (exit 2, like a bad config).
    pub fn is_unusable_path(&self) -> bool {
        matches!(self, Self::Unusable { .. } | Self::BadUrl { .. })
    }
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Rankings shared by identical searches made at about the same time.
    rankings: std::sync::Arc<search::SharedRankings>,
    /// On PostgreSQL, the leader's epoch once it leads (0: no fence): every
    /// write and every claim is refused once the lease has moved on.
    fence: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

impl std::fmt::Debug for Store {
    // The pool's options hold the database URL, which may carry a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("backend", &self.backend).finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the database file and runs the embedded migrations.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let unusable = |fallback: String| StoreError::Unusable {
            path: path.to_owned(),
            reason: file::unusable_reason(path).unwrap_or(fallback),
        };
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|err| unusable(format!("cannot create its folder {}: {err}", dir.display())))?;
        }
        // Checked before SQLite opens it: with its -shm file present SQLite opens a
        // read-only database and only the first write fails, naming no path.
        if let Some(reason) = file::unusable_reason(path) {
            return Err(StoreError::Unusable { path: path.to_owned(), reason });
        }
        let url = sqlite_url(path).ok_or_else(|| unusable("the path is not UTF-8".into()))?;
        let options = AnyConnectOptions::from_str(&url).map_err(|err| unusable(err.to_string()))?;
        sqlx::any::install_default_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(4)
            // A SQLite connection is a file this process holds, not a socket
            // that can die idle: pinging it before each use (sqlx's default)
            // only costs a round trip to its thread.
            .test_before_acquire(false)
            .after_connect(|connection, _| {
                Box::pin(async move {
                    connection
                        .execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                        )
                        .await?;
                    Ok(())
                })
            })
            .after_release(|connection, _| {
                Box::pin(async move {
                    // A COMMIT or ROLLBACK that failed (disk full, I/O error) leaves
                    // sqlx counting an open transaction, and every later BEGIN on this
                    // connection fails. A dropped transaction's rollback is queued and
                    // counts as open until it ran: the ping lets it finish first.
                    // (Nothing open, nothing queued: no round trip.)
                    if !connection.is_in_transaction() {
                        return Ok(true);
                    }
                    connection.ping().await?;
                    let poisoned = connection.is_in_transaction();
                    if poisoned {
                        tracing::warn!("discarding a database connection left inside a failed transaction");
                    }
                    Ok(!poisoned)
                })
            })
            .connect_with(options)
            .await
            .map_err(|err| unusable(err.to_string()))?;
        let store = Self {
            pool,
            backend: Backend::Sqlite,
            rankings: std::sync::Arc::default(),
            fence: std::sync::Arc::default(),
        };
        store.migrate(sqlx::migrate!("./migrations"), &path.display().to_string()).await?;
        Ok(store)
    }

    /// Connects to a PostgreSQL database (`postgres://user:password@host/db`)
    /// and runs its embedded migrations. The database must exist; its tables
    /// are created on first use.
    pub async fn open_postgres(url: &str) -> Result<Self, StoreError> {
        let shown = redact_url(url);
        let bad = |reason: String| StoreError::BadUrl { url: shown.clone(), reason: redact_in(&reason, url) };
        let parsed = url::Url::parse(url).map_err(|err| bad(err.to_string()))?;
        if !matches!(parsed.scheme(), "postgres" | "postgresql") {
            return Err(bad("it must start with postgres://".into()));
        }
        let options = AnyConnectOptions::from_str(url).map_err(|err| bad(err.to_string()))?;
        sqlx::any::install_default_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(|connection, _| {
                Box::pin(async move {
                    // A transaction left idle (this process paused or stuck inside
                    // it) holds the writer lock and the lease row: PostgreSQL ends
                    // it well within the leader's lease, so a standby can take over.
                    connection.execute(POSTGRES_SESSION_SETTINGS).await?;
                    Ok(())
                })
            })
            .after_release(|connection, _| {
                Box::pin(async move {
                    let poisoned = connection.is_in_transaction();
                    if poisoned {
                        tracing::warn!("discarding a database connection left inside a failed transaction");
                    }
                    Ok(!poisoned)
                })
            })
            .connect_with(options)
            .await
            .map_err(|err| StoreError::Unreachable { url: shown.clone(), reason: redact_in(&err.to_string(), url) })?;
        let store = Self {
            pool,
            backend: Backend::Postgres,
            rankings: std::sync::Arc::default(),
            fence: std::sync::Arc::default(),
        };
        store.migrate(sqlx::migrate!("./migrations/postgres"), &shown).await?;
        Ok(store)
    }

    /// Runs `migrator` unless the database is newer than this binary.
    async fn migrate(&self, migrator: sqlx::migrate::Migrator, location: &str) -> Result<(), StoreError> {
        let binary = migrator.iter().map(|m| m.version).max().unwrap_or(0);
        let database = applied_schema(&self.pool, self.backend).await?;
        if database > binary {
            self.pool.close().await;
            return Err(StoreError::TooNew { location: location.to_owned(), database, binary });
        }
        migrator.run(&self.pool).await.map_err(|cause| StoreError::Migrate { location: location.to_owned(), cause })
    }

    /// Opens the store wherever the config puts it.
    pub async fn open_at(location: &crate::domain::DatabaseLocation) -> Result<Self, StoreError> {
        match location {
            crate::domain::DatabaseLocation::File(path) => Self::open(path).await,
            crate::domain::DatabaseLocation::Postgres(url) => Self::open_postgres(url).await,
        }
    }

    /// Who leads and who stands by, when several instances share PostgreSQL.
    pub async fn cluster_status(&self) -> Result<Option<crate::domain::ClusterStatus>, StoreError> {
        if self.backend != Backend::Postgres {
            return Ok(None);
        }
        let leader: Option<(String, i64)> =
            sqlx::query_as("SELECT holder, epoch FROM leader_lease WHERE id = 1 AND expires_at > clock_timestamp()")
                .fetch_optional(&self.pool)
                .await?;
        let standbys: Vec<String> = sqlx::query_scalar(
            "SELECT holder FROM instances
             WHERE role = 'standby' AND seen_at > clock_timestamp() - interval '10 seconds'
               AND holder IS DISTINCT FROM (SELECT holder FROM leader_lease WHERE id = 1)
             ORDER BY holder",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(Some(crate::domain::ClusterStatus { leader, standbys }))
    }

    /// The engine behind this store.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Begins a transaction that writes: one writer at a time, on either
    /// backend; once fenced, only while this instance's lease stands (the
    /// lease row is held FOR SHARE, so no takeover commits meanwhile).
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Any>, StoreError> {
        let mut tx = self.pool.begin_with(self.backend.begin_write()).await?;
        if let Some(lock) = self.backend.writer_lock() {
            sqlx::query(lock).execute(&mut *tx).await?;
        }
        let epoch = self.fence_epoch();
        if epoch > 0 {
            let leads: Option<i64> = sqlx::query_scalar(
                "SELECT epoch FROM leader_lease WHERE id = 1 AND epoch = $1 AND expires_at > clock_timestamp() FOR SHARE",
            )
            .bind(epoch)
            .fetch_optional(&mut *tx)
            .await?;
            if leads.is_none() {
                return Err(StoreError::Fenced { epoch });
            }
        }
        Ok(tx)
    }

    /// Runs one statement that writes, as its own transaction: on an
    /// unfenced SQLite store the statement alone (one round trip to SQLite's
    /// thread instead of three with BEGIN and COMMIT); on PostgreSQL, or once
    /// fenced, inside [`Store::begin_write`] (the writer lock and the lease check).
    pub(crate) async fn write_alone<'q>(
        &self,
        statement: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    ) -> Result<u64, StoreError> {
        if self.backend == Backend::Sqlite && self.fence_epoch() == 0 {
            return Ok(statement.execute(&self.pool).await?.rows_affected());
        }
        let mut tx = self.begin_write().await?;
        let written = statement.execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(written)
    }

    /// From now on this store writes and claims only while the lease of
    /// `epoch` stands (PostgreSQL; a leader calls it once it leads).
    pub fn fence_with(&self, epoch: i64) {
        if self.backend == Backend::Postgres {
            self.fence.store(epoch, std::sync::atomic::Ordering::Relaxed);
        }
    }

    fn fence_epoch(&self) -> i64 {
        self.fence.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A condition true only while the fence allows claims: the lease of the
    /// fenced epoch stands (always true when not fenced).
    pub(crate) fn fence_condition(&self) -> String {
        match self.fence_epoch() {
            0 => "1 = 1".into(),
            epoch => format!(
                "EXISTS (SELECT 1 FROM leader_lease WHERE id = 1 AND epoch = {epoch} AND expires_at > clock_timestamp())"
            ),
        }
    }

    /// The newest migration applied to this database.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        let version: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success").fetch_one(&self.pool).await?;
        Ok(version.unwrap_or(0))
    }

    /// Writes a consistent copy of the database to `path` (VACUUM INTO), while others may write.
    pub async fn backup_to(&self, path: &Path) -> Result<(), StoreError> {
        if self.backend == Backend::Postgres {
            return Err(StoreError::Corrupt("a PostgreSQL store is backed up with pg_dump, not by Warta".into()));
        }
        let target = path.to_str().ok_or_else(|| StoreError::Corrupt(format!("{} is not UTF-8", path.display())))?;
        sqlx::query("VACUUM INTO $1").bind(target).execute(&self.pool).await?;
        Ok(())
    }

    /// Writes one row in a transaction, as every producer must be able to:
    /// fails while the disk is full or the file is read-only, whatever reads say.
    pub async fn probe_write(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO write_probe (id, probed_at) VALUES (1, $1)
             ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at",
        )
        .bind(to_ms(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Flushes the write-ahead log into the main file and closes all connections.
    pub async fn close(&self) {
        if self.backend == Backend::Sqlite
            && let Err(err) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await
        {
            tracing::warn!(error = %err, "WAL checkpoint at shutdown failed");
        }
        self.pool.close().await;
    }
}

/// The newest migration applied to a database (0 for a new one).
async fn applied_schema(pool: &AnyPool, backend: Backend) -> Result<i64, StoreError> {
    let exists: Flag = sqlx::query_scalar(backend.pick(
        "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        "SELECT to_regclass('_sqlx_migrations') IS NOT NULL",
    ))
    .fetch_one(pool)
    .await?;
    if !exists.0 {
        return Ok(0);
    }
    let version: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success").fetch_one(pool).await?;
    Ok(version.unwrap_or(0))
}

/// The values `select` (a query with `feed_id = $1` and an `IN ({keys})` list)
/// returns for `keys`, asked in chunks that stay under SQLite's bound-parameter limit.
pub(crate) async fn feed_keys_in(
    pool: &AnyPool,
    select: &str,
    feed_id: i64,
    keys: &[&str],
) -> Result<Vec<String>, StoreError> {
    let mut found = Vec::new();
    for chunk in keys.chunks(400) {
        let sql = select.replace("{keys}", &dialect::placeholders(2, chunk.len()));
        let mut query = sqlx::query_scalar::<_, String>(&sql).bind(feed_id);
        for key in chunk {
            query = query.bind(*key);
        }
        found.extend(query.fetch_all(pool).await?);
    }
    Ok(found)
}

/// Unix milliseconds: how every time is stored.
pub(crate) fn to_ms(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

pub(crate) fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Set on every PostgreSQL connection of the store: an idle transaction ends
/// after 3 s (half the leader's 6 s lease), a lock is waited for 10 s at most.
const POSTGRES_SESSION_SETTINGS: &str = "SET idle_in_transaction_session_timeout = 3000; SET lock_timeout = 10000";

/// `sqlite:` URL of a database file; `None` if the path is not UTF-8.
fn sqlite_url(path: &Path) -> Option<String> {
    let text = path.to_str()?;
    let mut url = String::from("sqlite://");
    for byte in text.bytes() {
        // Percent-encoded so that `?`, `#` or `%` in a folder name stay part of the path.
        if byte.is_ascii_alphanumeric() || b"/._-".contains(&byte) {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    // rwc: read-write, created if missing.
    url.push_str("?mode=rwc");
    Some(url)
}

pub(crate) fn duration_ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
pub(crate) mod testing {
    use std::time::Duration;

    use chrono::Utc;

    use super::{Backend, FetchMeta, FetchRecord, RecordOutcome, Store};
    use url::Url;

    use crate::domain::{Article, ArticleKey, NewArticle, NewPost, PostRenderer, SearchText};

    /// Renders a post as the article's title; fingerprints title and summary.
    pub struct TitleRenderer;

    impl PostRenderer for TitleRenderer {
        fn fingerprint(&self, article: &NewArticle) -> String {
            format!("{}|{}", article.title, article.summary_html.as_deref().unwrap_or_default())
        }

        fn render(&self, article: &Article, _style: Option<&str>) -> NewPost {
            NewPost::text(article.title.clone(), article.title.clone())
        }

        fn search_text(&self, title: &str, summary_html: Option<&str>, _content_html: Option<&str>) -> SearchText {
            SearchText { title: title.to_owned(), body: summary_html.unwrap_or_default().to_owned() }
        }
    }

    /// Article `n` of a Kaltimtoday-like feed; higher `n` is newer.
    pub fn article(n: u32) -> NewArticle {
        let link = Url::parse(&format!("https://kaltimtoday.co/berita-{n}/")).expect("url");
        NewArticle {
            key: ArticleKey::from_link(&link),
            title: format!("Berita {n}"),
            link: Some(link),
            summary_html: Some(format!("<p>Ringkasan {n}</p>")),
            content_html: None,
            author: Some("Redaksi".into()),
            categories: vec!["Samarinda".into()],
            tags: vec![],
            page_photo: None,
            image_url: None,
            published_at: Some(Utc::now() - chrono::Duration::minutes(i64::from(100 - n))),
        }
    }

    /// Records a fetch of `articles` now, with a 48 h edit window.
    pub async fn record(store: &Store, feed_id: i64, articles: &[NewArticle], backfill: u32) -> RecordOutcome {
        record_at(store, feed_id, articles, backfill, Utc::now()).await
    }

    /// Records a fetch of `articles` that began at `now`, with a 48 h edit window.
    pub async fn record_at(
        store: &Store,
        feed_id: i64,
        articles: &[NewArticle],
        backfill: u32,
        now: chrono::DateTime<Utc>,
    ) -> RecordOutcome {
        let record = FetchRecord {
            meta: &FetchMeta::default(),
            articles,
            now,
            next_check: now,
            backfill,
            edit_window: Duration::from_secs(48 * 3600),
        };
        store.record_fetch_success(feed_id, record, &TitleRenderer).await.expect("record fetch")
    }

    /// A store on a fresh file in a temp dir (kept alive by the returned guard).
    pub async fn temp_sqlite_store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("nested/warta.db")).await.expect("open store");
        (store, dir)
    }

    /// The server the PostgreSQL half of the store tests runs on.
    pub const POSTGRES_VAR: &str = "WARTA_TEST_POSTGRES";

    tokio::task_local! {
        /// The backend the running store test was started on (see [`both_backends`]).
        static TEST_BACKEND: Backend;
    }

    /// What keeps a test's database alive: a temp dir, or a database of its own
    /// on the test PostgreSQL, dropped with it.
    // Held for their Drop: never read.
    #[allow(dead_code)]
    pub enum TempDatabase {
        File(tempfile::TempDir),
        Postgres(ScratchPostgres),
    }

    /// A fresh, empty store on the backend the test runs on (SQLite unless
    /// started by [`both_backends`] as its PostgreSQL half).
    pub async fn temp_store() -> (Store, TempDatabase) {
        match TEST_BACKEND.try_with(|backend| *backend).unwrap_or(Backend::Sqlite) {
            Backend::Sqlite => {
                let (store, dir) = temp_sqlite_store().await;
                (store, TempDatabase::File(dir))
            }
            Backend::Postgres => {
                let server = std::env::var(POSTGRES_VAR).expect("checked by run_on");
                let scratch = ScratchPostgres::create(&server).await;
                let store = Store::open_postgres(&scratch.url).await.expect("open the PostgreSQL store");
                (store, TempDatabase::Postgres(scratch))
            }
        }
    }

    /// Runs a store test on `backend`; on PostgreSQL only when
    /// `WARTA_TEST_POSTGRES` names a server, else it says it skipped.
    pub async fn run_on(backend: Backend, name: &str, test: impl std::future::Future<Output = ()>) {
        if backend == Backend::Postgres && std::env::var(POSTGRES_VAR).map_or(true, |url| url.is_empty()) {
            eprintln!(
                "skipped {name} on PostgreSQL: {POSTGRES_VAR} is not set (`scripts/postgres.sh start` prints it)"
            );
            return;
        }
        TEST_BACKEND.scope(backend, test).await;
    }

    /// A database of a test's own on the test server, dropped on drop.
    pub struct ScratchPostgres {
        server: String,
        name: String,
        pub url: String,
    }

    impl ScratchPostgres {
        async fn create(server: &str) -> Self {
            use sqlx::{Connection, Executor};
            let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
            let name = format!("warta_unit_{}_{}", std::process::id(), nanos % 1_000_000_000_000);
            let mut admin = sqlx::PgConnection::connect(server).await.expect("connect to the test PostgreSQL");
            admin.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("create a scratch database");
            admin.close().await.ok();
            let (base, _) = server.rsplit_once('/').expect("the server URL names a database");
            Self { server: server.to_owned(), url: format!("{base}/{name}"), name }
        }
    }

    impl Drop for ScratchPostgres {
        fn drop(&mut self) {
            let (server, name) = (self.server.clone(), self.name.clone());
            // Dropped inside a test's runtime: a thread of its own does the async work.
            let _ = std::thread::spawn(move || {
                use sqlx::{Connection, Executor};
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                runtime.block_on(async {
                    if let Ok(mut admin) = sqlx::PgConnection::connect(&server).await {
                        let _ = admin.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await;
                        let _ = admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_keep_odd_folder_names_part_of_the_path() {
        assert_eq!(sqlite_url(Path::new("data/warta.db")).as_deref(), Some("sqlite://data/warta.db?mode=rwc"));
        assert_eq!(
            sqlite_url(Path::new("/srv/a b?#%/w.db")).as_deref(),
            Some("sqlite:///srv/a%20b%3F%23%25/w.db?mode=rwc")
        );
    }

    #[tokio::test]
    async fn a_database_from_a_newer_warta_is_refused_untouched() {
        let (store, dir) = testing::temp_sqlite_store().await;
        let binary = store.schema_version().await.expect("version");
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES ($1, 'from the future', 1, x'00', 0)",
        )
        .bind(binary + 1)
        .execute(&store.pool)
        .await
        .expect("a newer migration");
        store.close().await;
        let path = dir.path().join("nested/warta.db");
        match Store::open(&path).await {
            Err(StoreError::TooNew { database, binary: known, .. }) => {
                assert_eq!((database, known), (binary + 1, binary))
            }
            other => panic!("expected TooNew, got {other:?}"),
        }
    }
}
