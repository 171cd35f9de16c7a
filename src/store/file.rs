//! The database file itself: whether it is still the one Warta opened (a
//! deleted or replaced file goes on working through the open handle, and
//! everything written after is lost at the next start), and the marker that
//! tells a later start a database existed here before.

use std::path::{Path, PathBuf};

/// A file's identity: device and inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileIdentity {
    device: u64,
    inode: u64,
}

/// What the database path holds now, compared with the file Warta opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileState {
    Same,
    /// Nothing at the path: the file was deleted (or its volume lost).
    Missing,
    /// Another file is at the path: Warta still writes to the old one.
    Replaced,
}

/// The identity of the file at `path`, `None` if there is none.
pub fn file_identity(path: &Path) -> Option<FileIdentity> {
    let metadata = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(FileIdentity { device: metadata.dev(), inode: metadata.ino() })
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        Some(FileIdentity { device: 0, inode: 0 })
    }
}

/// Compares what `path` holds now with the file Warta opened.
pub fn file_state(path: &Path, opened: FileIdentity) -> FileState {
    match file_identity(path) {
        None => FileState::Missing,
        Some(now) if now == opened => FileState::Same,
        Some(_) => FileState::Replaced,
    }
}

/// The marker next to the database, written once the database is migrated:
/// `data/warta.db` → `data/warta.db.initialized`.
pub fn marker_path(database: &Path) -> PathBuf {
    let mut name = database.file_name().map(std::ffi::OsStr::to_os_string).unwrap_or_default();
    name.push(".initialized");
    database.with_file_name(name)
}

/// A start that would silently create an empty database where one was before.
#[derive(Debug, thiserror::Error)]
#[error(
    "the database {} is missing, but {} shows Warta kept a database there before: starting would create an \
     empty one and lose every subscriber, article and queued post. Restore the file from a backup, or start \
     empty on purpose with `warta run --fresh-database` (or WARTA_FRESH_DATABASE=1)",
    database.display(),
    marker.display()
)]
pub struct DatabaseMissing {
    pub database: PathBuf,
    pub marker: PathBuf,
}

/// Refuses to go on when the database is missing but its marker is there,
/// unless `fresh` (the operator asked for an empty database).
pub fn check_database_present(database: &Path, fresh: bool) -> Result<(), DatabaseMissing> {
    let marker = marker_path(database);
    if database.exists() || !marker.exists() {
        return Ok(());
    }
    if fresh {
        tracing::warn!(database = %database.display(), marker = %marker.display(),
            "the database is missing; starting with a new, empty one as asked (--fresh-database)");
        return Ok(());
    }
    Err(DatabaseMissing { database: database.to_owned(), marker })
}

/// Writes the marker (if it is not there yet) after the database was opened and migrated.
pub fn write_marker(database: &Path, now: chrono::DateTime<chrono::Utc>) -> std::io::Result<()> {
    let marker = marker_path(database);
    if marker.exists() {
        return Ok(());
    }
    let text = format!(
        "Warta created and migrated the database {} on {}.\n\
         While this file is here, Warta refuses to start without that database instead of creating an\n\
         empty one. To start empty on purpose: warta run --fresh-database (or WARTA_FRESH_DATABASE=1).\n",
        database.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        now.to_rfc3339(),
    );
    std::fs::write(marker, text)
}

/// Why the file system will not let SQLite keep a database at `path`, if it
/// says so: the folder is a file, the file is a folder or read-only, or the
/// folder is read-only (SQLite writes its -wal and -shm files next to the
/// database). `None` when nothing is visibly wrong.
pub fn unusable_reason(path: &Path) -> Option<String> {
    let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if let Some(blocker) = dir.ancestors().find(|a| a.is_file()) {
        return Some(format!("{} is a file, not a folder", blocker.display()));
    }
    if !dir.exists() {
        return None;
    }
    if path.is_dir() {
        return Some("it is a folder, not a file".to_owned());
    }
    if path.exists()
        && let Err(err) = std::fs::OpenOptions::new().write(true).open(path)
    {
        return Some(format!("the file is not writable ({err})"));
    }
    let probe = dir.join(format!(".warta-write-check-{}", std::process::id()));
    match std::fs::OpenOptions::new().write(true).create_new(true).open(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            None
        }
        Err(err) => Some(format!(
            "its folder {} is not writable ({err}); SQLite keeps its -wal and -shm files next to the database",
            dir.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_sits_next_to_the_database() {
        assert_eq!(marker_path(Path::new("data/warta.db")), PathBuf::from("data/warta.db.initialized"));
        assert_eq!(marker_path(Path::new("/x/y.sqlite")), PathBuf::from("/x/y.sqlite.initialized"));
    }

    #[test]
    fn a_missing_database_with_its_marker_is_refused_unless_fresh() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("warta.db");
        // First start: neither file.
        assert!(check_database_present(&db, false).is_ok());
        std::fs::write(&db, b"x").expect("db");
        write_marker(&db, chrono::Utc::now()).expect("marker");
        assert!(check_database_present(&db, false).is_ok());
        std::fs::remove_file(&db).expect("delete");
        let err = check_database_present(&db, false).expect_err("refused");
        assert!(err.to_string().contains("--fresh-database"), "{err}");
        assert!(check_database_present(&db, true).is_ok());
    }

    #[test]
    fn a_path_under_a_file_or_onto_a_folder_is_named() {
        let dir = tempfile::tempdir().expect("temp dir");
        let blocker = dir.path().join("data");
        std::fs::write(&blocker, b"x").expect("a file where the folder should be");
        let reason = unusable_reason(&blocker.join("deeper/warta.db")).expect("a reason");
        assert!(reason.contains("is a file, not a folder") && reason.contains("data"), "{reason}");
        let folder = dir.path().join("folder.db");
        std::fs::create_dir(&folder).expect("a folder where the file should be");
        assert_eq!(unusable_reason(&folder).as_deref(), Some("it is a folder, not a file"));
        assert_eq!(unusable_reason(&dir.path().join("fine.db")), None);
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 2, "the write check leaves nothing behind");
    }

    #[test]
    fn a_deleted_or_replaced_file_is_noticed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("warta.db");
        std::fs::write(&db, b"x").expect("db");
        let opened = file_identity(&db).expect("identity");
        assert_eq!(file_state(&db, opened), FileState::Same);
        let moved = dir.path().join("old.db");
        std::fs::rename(&db, &moved).expect("move");
        assert_eq!(file_state(&db, opened), FileState::Missing);
        std::fs::write(&db, b"new").expect("another file");
        assert_eq!(file_state(&db, opened), FileState::Replaced);
    }
}
