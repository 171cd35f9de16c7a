//! How values are written in bot.toml: durations ("30s"), sizes ("5MiB"),
//! time zones ("Asia/Makassar"). The serde helpers name the key through
//! serde_path_to_error when a value does not parse.

use std::time::Duration;

use chrono_tz::Tz;
use serde::{Deserialize, Deserializer};

pub(super) fn duration<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let raw = String::deserialize(deserializer)?;
    parse_duration(&raw).map_err(serde::de::Error::custom)
}

pub(super) fn optional_duration<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Duration>, D::Error> {
    duration(deserializer).map(Some)
}

pub(super) fn size<'de, D: Deserializer<'de>>(deserializer: D) -> Result<usize, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Bytes(u64),
        Text(String),
    }
    match Raw::deserialize(deserializer)? {
        Raw::Bytes(bytes) => usize::try_from(bytes).map_err(serde::de::Error::custom),
        Raw::Text(text) => parse_size(&text).map_err(serde::de::Error::custom),
    }
}

pub(super) fn timezone<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Tz, D::Error> {
    let raw = String::deserialize(deserializer)?;
    raw.parse::<Tz>().map_err(|_| {
        serde::de::Error::custom(format!("unknown time zone {raw:?}; use an IANA name such as \"Asia/Makassar\""))
    })
}

/// Parses "5MiB", "512 KiB", "10MB", "1048576".
pub fn parse_size(raw: &str) -> Result<usize, String> {
    let text = raw.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 =
        number.parse().map_err(|_| format!("invalid size {raw:?}; use e.g. \"5MiB\" or a number of bytes"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1000,
        "kib" => 1024,
        "m" | "mb" => 1_000_000,
        "mib" => 1024 * 1024,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1024 * 1024 * 1024,
        other => return Err(format!("invalid size {raw:?}: unknown unit {other:?}; use B, KiB, MiB or GiB")),
    };
    number
        .checked_mul(factor)
        .and_then(|bytes| usize::try_from(bytes).ok())
        .ok_or_else(|| format!("size {raw:?} is too large"))
}

/// Parses "30s", "2m", "1h", "1h30m", "500ms".
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    humantime::parse_duration(raw.trim())
        .map_err(|err| format!("invalid duration {raw:?} ({err}); use e.g. \"30s\", \"2m\", \"1h\""))
}
