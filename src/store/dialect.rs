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
