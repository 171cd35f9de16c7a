//! What can go wrong loading the config; every message names the file, key
//! or variable at fault.

use std::path::PathBuf;

use super::TOKEN_VAR;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {path} not found; pass --config PATH or set WARTA_CONFIG")]
    NotFound { path: PathBuf },
    #[error("cannot read config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: invalid TOML at line {line}, column {column}: {message}")]
    Syntax { path: PathBuf, line: usize, column: usize, message: String },
    #[error("{origin}: {key}: {message}")]
    Invalid { origin: String, key: String, message: String },
    #[error("{origin}: {message}")]
    Document { origin: String, message: String },
    #[error("{var}: {message}")]
    Env { var: String, message: String },
    #[error("{TOKEN_VAR} is not set: export the bot token from @BotFather as {TOKEN_VAR}")]
    MissingToken,
    #[error("{TOKEN_VAR} does not look like a bot token (expected <digits>:<secret>, no spaces)")]
    MalformedToken,
}
