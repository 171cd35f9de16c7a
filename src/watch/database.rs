//! Watches the database file while Warta runs. SQLite keeps working on a
//! deleted or replaced file through its open handle, so nothing else would
//! notice; everything written from then on is lost at the next start.
//!
//! On a change the watch logs an ERROR, saves a consistent copy of the open
//! database next to the path (the only way left to keep what is in it), and
//! tells the admins directly — not through the outbox, which lives in the
//! very file that is gone.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use crate::i18n::{Lang, fill};
use crate::store::{FileIdentity, FileState, Store, file_state};
use crate::telegram::TelegramApi;

/// How often the path is checked.
pub const DATABASE_CHECK: Duration = Duration::from_secs(2);

/// Checks the database path every [`DATABASE_CHECK`] until `shutdown`.
pub async fn run_database_watch(
    telegram: TelegramApi,
    store: Store,
    database: PathBuf,
    opened: FileIdentity,
    admins: Vec<i64>,
    shutdown: CancellationToken,
) {
    let mut last = FileState::Same;
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(DATABASE_CHECK) => {}
        }
        let state = file_state(&database, opened);
        if state == last {
            continue;
        }
        last = state;
        if state == FileState::Same {
            tracing::info!(database = %database.display(), "the database file is back");
            continue;
        }
        let what = if state == FileState::Missing { "deleted" } else { "replaced by another file" };
        tracing::error!(database = %database.display(), state = what,
            "the database file was {what} while Warta runs: what Warta writes now is lost at the next start");
        let rescue = rescue(&store, &database).await;
        let text = alert_text(&database, state, rescue.as_deref(), Lang::Id);
        for admin in &admins {
            if let Err(err) = telegram.send_text_now(*admin, &text).await {
                tracing::warn!(admin, error = %err, "cannot alert an admin about the database file");
            }
        }
    }
}

/// Saves a consistent copy of the open database next to its path.
async fn rescue(store: &Store, database: &Path) -> Option<PathBuf> {
    let mut name = database.file_name().map(std::ffi::OsStr::to_os_string).unwrap_or_default();
    name.push(format!(".rescued-{}", Utc::now().format("%Y%m%dT%H%M%S")));
    let target = database.with_file_name(name);
    if let Some(folder) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(folder);
    }
    match store.backup_to(&target).await {
        Ok(()) => {
            tracing::error!(rescued = %target.display(), "a copy of the open database was saved; restore it before restarting");
            Some(target)
        }
        Err(err) => {
            tracing::error!(error = %err, target = %target.display(), "cannot save a copy of the open database");
            None
        }
    }
}

fn alert_text(database: &Path, state: FileState, rescue: Option<&Path>, lang: Lang) -> String {
    let texts = lang.newsroom();
    let template = if state == FileState::Missing { texts.database_deleted } else { texts.database_replaced };
    let mut text = fill(template, &[("path", &database.display().to_string())]);
    match rescue {
        Some(copy) => text.push_str(&fill(texts.database_rescued, &[("copy", &copy.display().to_string())])),
        None => text.push_str(texts.database_not_rescued),
    }
    text
}
