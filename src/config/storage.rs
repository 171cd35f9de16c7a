//! `[storage]`: the database file.

use std::path::PathBuf;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    /// SQLite file; it and its folder are created on first run.
    #[serde(default = "default_database")]
    pub database: PathBuf,
    /// Start with a new, empty database even though one existed before (its
    /// marker is there): `warta run --fresh-database`, never from the file.
    #[serde(skip)]
    pub fresh_database: bool,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self { database: default_database(), fresh_database: false }
    }
}

fn default_database() -> PathBuf {
    PathBuf::from("data/warta.db")
}
