//! `[storage]`: the database file.

use std::path::PathBuf;

use serde::Deserialize;

// Every key is optional: what is left out takes its value from `Default`.
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
