//! Where the store lives: an SQLite file (one instance, the default) or a
//! PostgreSQL database (several instances may share it).

use std::path::{Path, PathBuf};

/// `storage.database` as configured: a path (or `sqlite:` URL) keeps SQLite,
/// a `postgres://` URL selects PostgreSQL.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    File(PathBuf),
    /// The URL may carry a password: never shown (see [`redact_url`]).
    Postgres(String),
}

impl DatabaseLocation {
    /// Reads a configured value; `None` when it is empty.
    pub fn parse(text: &str) -> Option<Self> {
        if text.is_empty() {
            return None;
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Some(Self::Postgres(text.to_owned()));
        }
        let path = text.strip_prefix("sqlite://").or_else(|| text.strip_prefix("sqlite:")).unwrap_or(text);
        (!path.is_empty()).then(|| Self::File(PathBuf::from(path)))
    }

    /// The file, when the store is SQLite.
    pub fn file(&self) -> Option<&Path> {
        match self {
            Self::File(path) => Some(path),
            Self::Postgres(_) => None,
        }
    }

    /// How long the configured text is, for the config's bounds.
    pub fn text_len(&self) -> usize {
        match self {
            Self::File(path) => path.as_os_str().len(),
            Self::Postgres(url) => url.len(),
        }
    }
}

impl std::fmt::Display for DatabaseLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(path) => write!(f, "{}", path.display()),
            Self::Postgres(url) => f.write_str(&redact_url(url)),
        }
    }
}

impl std::fmt::Debug for DatabaseLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(path) => f.debug_tuple("File").field(path).finish(),
            Self::Postgres(url) => f.debug_tuple("Postgres").field(&redact_url(url)).finish(),
        }
    }
}

/// `url` as it may be shown: without its password.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.to_string()
        }
        Err(_) => "(an unreadable URL)".into(),
    }
}

/// `message` without `url`'s password, should a driver ever quote it.
pub fn redact_in(message: &str, url: &str) -> String {
    match url::Url::parse(url).ok().and_then(|u| u.password().map(str::to_owned)) {
        Some(password) if !password.is_empty() => message.replace(&password, "***"),
        _ => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_sqlite_urls_are_files_postgres_urls_are_servers() {
        assert_eq!(DatabaseLocation::parse("data/warta.db"), Some(DatabaseLocation::File("data/warta.db".into())));
        assert_eq!(DatabaseLocation::parse("sqlite:data/w.db"), Some(DatabaseLocation::File("data/w.db".into())));
        assert_eq!(DatabaseLocation::parse("sqlite:///srv/w.db"), Some(DatabaseLocation::File("/srv/w.db".into())));
        let url = "postgres://warta:pw@db/warta";
        assert_eq!(DatabaseLocation::parse(url), Some(DatabaseLocation::Postgres(url.into())));
        assert!(matches!(DatabaseLocation::parse("postgresql://db/w"), Some(DatabaseLocation::Postgres(_))));
        assert_eq!(DatabaseLocation::parse(""), None);
        assert_eq!(DatabaseLocation::parse("sqlite:"), None);
    }

    #[test]
    fn a_password_is_never_shown() {
        let location = DatabaseLocation::parse("postgres://warta:s3cret-pw@db.example/warta").expect("url");
        assert_eq!(location.to_string(), "postgres://warta:***@db.example/warta");
        assert!(!format!("{location:?}").contains("s3cret"));
        assert_eq!(
            redact_in("error connecting to s3cret-pw@db", "postgres://w:s3cret-pw@db/w"),
            "error connecting to ***@db"
        );
        assert_eq!(redact_in("plain", "postgres://warta@db/warta"), "plain");
        assert_eq!(redact_url("postgres://warta@db/warta"), "postgres://warta@db/warta");
        assert!(!redact_url("not a url s3cret").contains("s3cret"));
    }
}
