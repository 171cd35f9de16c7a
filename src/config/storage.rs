//! `[storage]`: where the store lives — an SQLite file, or a PostgreSQL database.

use std::path::PathBuf;

use serde::{Deserialize, Deserializer};

use super::check::{Invalid, within};
use crate::domain::DatabaseLocation;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// An SQLite file (created with its folder on first run), or a
    /// `postgres://` URL of an existing PostgreSQL database.
    #[serde(deserialize_with = "location")]
    pub database: DatabaseLocation,
    /// Start with a new, empty database even though one existed before (its
    /// marker is there): `warta run --fresh-database`, never from the file.
    #[serde(skip)]
    pub fresh_database: bool,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self { database: DatabaseLocation::File(PathBuf::from("data/warta.db")), fresh_database: false }
    }
}

fn location<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DatabaseLocation, D::Error> {
    let text = String::deserialize(deserializer)?;
    DatabaseLocation::parse(&text).ok_or_else(|| serde::de::Error::custom("must name a file or a postgres:// URL"))
}

/// Longest database path or URL, in bytes (Linux's PATH_MAX).
pub(super) const DATABASE_PATH_MAX: usize = 4096;

impl StorageConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        if self.database.text_len() == 0 {
            return Err(("storage.database".into(), "must name a file or a postgres:// URL".into()));
        }
        if let DatabaseLocation::Postgres(url) = &self.database
            && let Err(err) = url::Url::parse(url)
        {
            return Err(("storage.database".into(), format!("is not a valid URL: {err}")));
        }
        within("storage.database", self.database.text_len(), 1, DATABASE_PATH_MAX, |n| format!("{n} bytes"))
    }
}
