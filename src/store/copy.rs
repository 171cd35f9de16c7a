//! `warta migrate-db`: an SQLite store copied, table by table, into an empty
//! PostgreSQL one, and the counts compared.

use std::collections::BTreeMap;

use futures_util::TryStreamExt;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Backend, Store, StoreError};

/// The tables copied, parents before children (PostgreSQL checks every
/// foreign key as the rows arrive).
const COPIED: &[&str] = &[
    "feeds",
    "articles",
    "chats",
    "breaking",
    "posts",
    "deliveries",
    "websub_subscriptions",
    "categories",
    "article_categories",
    "reader_categories",
    "searches",
    "pins",
    "settings",
    "alerts",
    "audit_log",
    "held_batches",
    "held_items",
    "failed_items",
    "gone_posts",
    "picks",
    "digest_runs",
];

/// Tables left behind, and why: the lock and the write probe belong to the
/// running instance; the search index is rebuilt from the articles (FTS5's
/// contentless index cannot be read back), at the copy's first start.
const NOT_COPIED: &[&str] = &["instance_lock", "write_probe", "articles_search", "_sqlx_migrations"];

/// Rows per INSERT: well under PostgreSQL's 65,535 parameters for the widest table.
const BATCH_ROWS: usize = 500;

/// How many rows of each table were copied (equal on both sides).
pub type CopyReport = BTreeMap<&'static str, i64>;

/// Why a copy was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("the source must be an SQLite store and the target a PostgreSQL one")]
    WrongBackends,
    #[error("the target database is not empty ({table} has {rows} rows); migrate into an empty database")]
    TargetNotEmpty { table: &'static str, rows: i64 },
    #[error(
        "a Warta instance is running on the source (pid {pid} on {host}, last heartbeat {heartbeat}); stop it first"
    )]
    SourceInUse { pid: i64, host: String, heartbeat: String },
    #[error("the table {table} has other columns in the two databases: {detail}")]
    SchemaDiffers { table: &'static str, detail: String },
    #[error("after the copy, {table} has {copied} rows in the target but {original} in the source")]
    CountMismatch { table: &'static str, original: i64, copied: i64 },
    #[error("the source has a table this Warta does not know how to copy: {0}")]
    UnknownTable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for CopyError {
    fn from(err: sqlx::Error) -> Self {
        Self::Store(StoreError::from(err))
    }
}

/// A column of the target, and whether it holds numbers (else text).
struct Column {
    name: String,
    number: bool,
}

impl Store {
    /// Copies everything of this SQLite store into `target`, an empty
    /// PostgreSQL store (its migrations already run), in one transaction:
    /// a failed copy leaves the target empty. `now` judges whether an instance
    /// still holds the source.
    pub async fn copy_into(&self, target: &Store, now: chrono::DateTime<chrono::Utc>) -> Result<CopyReport, CopyError> {
        if self.backend != Backend::Sqlite || target.backend != Backend::Postgres {
            return Err(CopyError::WrongBackends);
        }
        if let Some(holder) = self.instance_lock_holder().await?
            && now.signed_duration_since(holder.heartbeat_at) < chrono::Duration::seconds(60)
        {
            return Err(CopyError::SourceInUse {
                pid: holder.pid,
                host: holder.host,
                heartbeat: holder.heartbeat_at.to_rfc3339(),
            });
        }
        self.check_tables_known().await?;
        for table in COPIED {
            let rows: i64 =
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&target.pool).await?;
            if rows > 0 {
                return Err(CopyError::TargetNotEmpty { table, rows });
            }
        }
        let mut tx = target.begin_write().await?;
        let mut report = CopyReport::new();
        for table in COPIED {
            let columns = self.matching_columns(target, table).await?;
            let copied = self.copy_table(&mut tx, table, &columns).await?;
            report.insert(table, copied);
        }
        // Rebuilt from the articles at the first start (see NOT_COPIED).
        sqlx::query("UPDATE articles SET indexed = 0").execute(&mut *tx).await?;
        for table in COPIED {
            let identity: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = $1 AND column_name = 'id'
                   AND is_identity = 'YES'",
            )
            .bind(*table)
            .fetch_one(&mut *tx)
            .await?;
            if identity > 0 {
                // The next id after the copied ones (ids keep their commit order).
                sqlx::query(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {table}"
                ))
                .execute(&mut *tx)
                .await?;
            }
        }
        for table in COPIED {
            let source: i64 =
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&self.pool).await?;
            let copied: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&mut *tx).await?;
            if source != copied {
                return Err(CopyError::CountMismatch { table, original: source, copied });
            }
        }
        tx.commit().await?;
        Ok(report)
    }

    /// Every table of the source is either copied or left behind on purpose:
    /// a table added by a later migration must be added here too.
    async fn check_tables_known(&self) -> Result<(), CopyError> {
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
               AND name NOT LIKE 'articles_search_%'",
        )
        .fetch_all(&self.pool)
        .await?;
        match tables.into_iter().find(|t| !COPIED.contains(&t.as_str()) && !NOT_COPIED.contains(&t.as_str())) {
            Some(unknown) => Err(CopyError::UnknownTable(unknown)),
            None => Ok(()),
        }
    }

    /// The target's columns of `table`, which must be the source's.
    async fn matching_columns(&self, target: &Store, table: &'static str) -> Result<Vec<Column>, CopyError> {
        let target_columns: Vec<(String, String)> = sqlx::query_as(
            "SELECT CAST(column_name AS TEXT), CAST(data_type AS TEXT) FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(table)
        .fetch_all(&target.pool)
        .await?;
        let mut source_columns: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info($1)").bind(table).fetch_all(&self.pool).await?;
        let mut names: Vec<String> = target_columns.iter().map(|(name, _)| name.clone()).collect();
        source_columns.sort();
        names.sort();
        if source_columns != names {
            return Err(CopyError::SchemaDiffers {
                table,
                detail: format!("SQLite {source_columns:?}, PostgreSQL {names:?}"),
            });
        }
        Ok(target_columns.into_iter().map(|(name, data_type)| Column { number: data_type != "text", name }).collect())
    }

    /// Copies one table in batches; returns its rows.
    async fn copy_table(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        table: &'static str,
        columns: &[Column],
    ) -> Result<i64, CopyError> {
        let list = columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ");
        // Articles pointing at a later article (same_as) get it once all are in.
        let deferred = table == "articles";
        let mut copied = 0;
        // One pass over the source, inserted in batches as it streams.
        let select = format!("SELECT {list} FROM {table}");
        let mut source = sqlx::query(&select).fetch(&self.pool);
        let mut batch: Vec<AnyRow> = Vec::with_capacity(BATCH_ROWS);
        loop {
            let row = source.try_next().await?;
            let done = row.is_none();
            batch.extend(row);
            if batch.len() == BATCH_ROWS || (done && !batch.is_empty()) {
                insert_batch(tx, table, &list, columns, &batch, deferred).await?;
                copied += i64::try_from(batch.len()).unwrap_or(i64::MAX);
                batch.clear();
            }
            if done {
                break;
            }
        }
        if deferred {
            let links: Vec<(i64, i64)> = sqlx::query_as("SELECT id, same_as FROM articles WHERE same_as IS NOT NULL")
                .fetch_all(&self.pool)
                .await?;
            for (id, same_as) in links {
                sqlx::query("UPDATE articles SET same_as = $2 WHERE id = $1")
                    .bind(id)
                    .bind(same_as)
                    .execute(&mut **tx)
                    .await?;
            }
        }
        Ok(copied)
    }
}

/// One multi-row INSERT of `rows` into the target.
async fn insert_batch(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    table: &str,
    list: &str,
    columns: &[Column],
    rows: &[AnyRow],
    deferred: bool,
) -> Result<(), CopyError> {
    let values: Vec<String> = (0..rows.len())
        .map(|r| format!("({})", super::dialect::placeholders(r * columns.len() + 1, columns.len())))
        .collect();
    let sql = format!("INSERT INTO {table} ({list}) VALUES {}", values.join(", "));
    let mut insert = sqlx::query(&sql);
    for row in rows {
        for (index, column) in columns.iter().enumerate() {
            insert = if deferred && column.name == "same_as" {
                insert.bind(None::<i64>)
            } else if column.number {
                insert.bind(row.try_get::<Option<i64>, _>(index)?)
            } else {
                insert.bind(row.try_get::<Option<String>, _>(index)?)
            };
        }
    }
    insert.execute(&mut **tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::{run_on, temp_sqlite_store, temp_store};

    #[tokio::test]
    async fn only_a_stopped_sqlite_store_goes_into_postgresql() {
        run_on(Backend::Postgres, "only_a_stopped_sqlite_store_goes_into_postgresql", async {
            let (source, _dir) = temp_sqlite_store().await;
            let (target, _db) = temp_store().await;
            let now = chrono::Utc::now();
            assert!(matches!(target.copy_into(&source, now).await, Err(CopyError::WrongBackends)));
            source
                .try_lock_instance("running", 7, "host", now, std::time::Duration::from_secs(60))
                .await
                .expect("lock");
            assert!(matches!(source.copy_into(&target, now).await, Err(CopyError::SourceInUse { pid: 7, .. })));
            source.release_instance_lock("running").await.expect("release");
            let report = source.copy_into(&target, now).await.expect("an empty store copies");
            assert!(report.values().all(|rows| *rows == 0), "{report:?}");
        })
        .await;
    }

    #[test]
    fn every_table_of_the_schema_is_copied_or_left_behind_on_purpose() {
        // The SQLite schema's tables, from the migrations' CREATE TABLE lines.
        let sql: String = std::fs::read_dir("migrations")
            .expect("migrations")
            .filter_map(Result::ok)
            .filter(|entry| entry.path().extension().is_some_and(|e| e == "sql"))
            .map(|entry| std::fs::read_to_string(entry.path()).expect("read"))
            .collect();
        for line in sql.lines() {
            let line = line.trim_start();
            let Some(rest) = line.strip_prefix("CREATE TABLE ").or_else(|| line.strip_prefix("CREATE VIRTUAL TABLE "))
            else {
                continue;
            };
            let name = rest.split([' ', '(']).next().unwrap_or_default().trim_matches('"');
            if name.ends_with("_new") {
                continue; // rebuilt tables renamed in the same migration
            }
            assert!(COPIED.contains(&name) || NOT_COPIED.contains(&name), "{name} is neither copied nor skipped");
        }
    }
}
