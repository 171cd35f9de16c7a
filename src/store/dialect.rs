//! What differs between the two backends the store runs on. Queries are
//! written once in the SQL both understand (`$1` parameters, `ON CONFLICT`,
//! `RETURNING`, integers for times and flags); the few that cannot be are
//! chosen here by backend.

use sqlx::any::{Any, AnyTypeInfo, AnyTypeInfoKind};
use sqlx::decode::Decode;
use sqlx::error::BoxDynError;
use sqlx::types::Type;

/// Which database engine holds the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// An embedded file: the default, one instance.
    Sqlite,
    /// A server several instances may share.
    Postgres,
}

impl Backend {
    /// The backend a connection (or a transaction's) talks to.
    pub fn of(connection: &sqlx::AnyConnection) -> Self {
        if connection.backend_name() == <sqlx::Postgres as sqlx::Database>::NAME {
            Self::Postgres
        } else {
            Self::Sqlite
        }
    }

    /// The statement a writing transaction begins with. SQLite takes its
    /// write lock up front so that a read never has to be upgraded (which
    /// can fail with "database is locked"); PostgreSQL needs a second step,
    /// [`Backend::writer_lock`].
    pub fn begin_write(self) -> &'static str {
        match self {
            Self::Sqlite => "BEGIN IMMEDIATE",
            Self::Postgres => "BEGIN",
        }
    }

    /// Run first in every writing transaction on PostgreSQL: one writer at a
    /// time, across every instance, released at commit or rollback. The store's
    /// read-then-write transactions were written for SQLite's single writer; this
    /// keeps them correct without rewriting each for READ COMMITTED, and reads
    /// still run alongside.
    pub fn writer_lock(self) -> Option<&'static str> {
        match self {
            Self::Sqlite => None,
            // The key is arbitrary but fixed: "warta" in ASCII.
            Self::Postgres => Some("SELECT pg_advisory_xact_lock(512735999073)"),
        }
    }

    /// `sqlite` or `postgres`, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        }
    }

    /// `sqlite` when on SQLite, else `postgres`: for the few statements the two
    /// spell differently.
    pub fn pick(self, sqlite: &'static str, postgres: &'static str) -> &'static str {
        match self {
            Self::Sqlite => sqlite,
            Self::Postgres => postgres,
        }
    }
}

/// A yes/no read from the database: SQLite has no boolean type (flags are 0
/// and 1, and so are comparisons), PostgreSQL's comparisons are booleans.
/// Decodes either.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Flag(pub bool);

impl From<Flag> for bool {
    fn from(flag: Flag) -> Self {
        flag.0
    }
}

impl Type<Any> for Flag {
    fn type_info() -> AnyTypeInfo {
        <i64 as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        ty.kind().is_integer() || ty.kind() == AnyTypeInfoKind::Bool
    }
}

impl<'r> Decode<'r, Any> for Flag {
    fn decode(value: <Any as sqlx::Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        match <i64 as Decode<'r, Any>>::decode(value.clone()) {
            Ok(number) => Ok(Self(number != 0)),
            Err(_) => <bool as Decode<'r, Any>>::decode(value).map(Self),
        }
    }
}

/// `count` numbered parameters from `$first` on, comma-separated (for an
/// `IN (…)` list): the one spelling both backends accept.
pub fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}

/// What a JSON array bound as a parameter holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonList {
    Numbers,
    Texts,
}

impl Backend {
    /// A table of one column, `value`, holding the elements of the JSON array
    /// bound at `param` (`"$2"`): how a list of ids or keys reaches a query in
    /// one parameter, whatever its length.
    pub fn json_list(self, param: &str, of: JsonList) -> String {
        match (self, of) {
            (Self::Sqlite, _) => format!("json_each({param})"),
            (Self::Postgres, JsonList::Numbers) => format!(
                "(SELECT CAST(value AS BIGINT) AS value FROM json_array_elements_text(CAST({param} AS JSON)) AS value) \
                 AS list"
            ),
            (Self::Postgres, JsonList::Texts) => {
                format!("(SELECT value FROM json_array_elements_text(CAST({param} AS JSON)) AS value) AS list")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_from_the_first() {
        assert_eq!(placeholders(2, 3), "$2, $3, $4");
        assert_eq!(placeholders(1, 1), "$1");
        assert_eq!(placeholders(1, 0), "");
    }

    #[test]
    fn lists_read_the_same_column_on_both() {
        assert_eq!(Backend::Sqlite.json_list("$2", JsonList::Numbers), "json_each($2)");
        let postgres = Backend::Postgres.json_list("$3", JsonList::Numbers);
        assert!(postgres.contains("CAST($3 AS JSON)") && postgres.contains("AS value"), "{postgres}");
        assert!(!Backend::Postgres.json_list("$1", JsonList::Texts).contains("BIGINT"));
    }
}
