//! `[storage]`: the SQLite file.

use std::path::PathBuf;

use serde::Deserialize;

use super::check::{Invalid, within};

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// SQLite file; it and its folder are created on first run.
    pub database: PathBuf,
    /// Start with a new, empty database even though one existed before (its
    /// marker is there): `warta run --fresh-database`, never from the file.
    #[serde(skip)]
    pub fresh_database: bool,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self { database: PathBuf::from("data/warta.db"), fresh_database: false }
    }
}

/// Longest database path, in bytes (Linux's PATH_MAX).
pub(super) const DATABASE_PATH_MAX: usize = 4096;

impl StorageConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        if self.database.as_os_str().is_empty() {
            return Err(("storage.database".into(), "must name a file".into()));
        }
        within("storage.database", self.database.as_os_str().len(), 1, DATABASE_PATH_MAX, |n| format!("{n} bytes"))
    }
}
