//! Range and URL checks shared by the sections' validation, and how their
//! bounds are written in the one-line error.

use std::time::Duration;

use url::Url;

/// A key that failed validation and why: (`"fetch.timeout"`, `"must be at least 1s, not 1ns"`).
pub type Invalid = (String, String);

/// `value` lies in `min..=max`; otherwise the key and the bound it crossed,
/// each value written by `show`.
pub fn within<T: PartialOrd + Copy>(
    key: impl Into<String>,
    value: T,
    min: T,
    max: T,
    show: fn(T) -> String,
) -> Result<(), Invalid> {
    let (side, bound) = match value {
        v if v < min => ("least", min),
        v if v > max => ("most", max),
        _ => return Ok(()),
    };
    let message =
        format!("must be at {side} {}, not {} (between {} and {})", show(bound), show(value), show(min), show(max));
    Err((key.into(), message))
}

/// Like [`within`], with the reason for the bounds appended.
pub fn within_because<T: PartialOrd + Copy>(
    key: impl Into<String>,
    value: T,
    (min, max): (T, T),
    show: fn(T) -> String,
    reason: &str,
) -> Result<(), Invalid> {
    within(key, value, min, max, show).map_err(|(key, message)| (key, format!("{message}; {reason}")))
}

/// A count or id as written.
pub fn number<T: std::fmt::Display>(value: T) -> String {
    value.to_string()
}

/// A duration the way bot.toml writes one: "100ms", "15s", "10m", "24h", "30 days".
pub fn duration(value: Duration) -> String {
    const DAY: u64 = 24 * 3600;
    let secs = value.as_secs();
    if value.subsec_nanos() == 0 && secs > 0 && secs <= 365 * DAY {
        if secs.is_multiple_of(DAY) && secs > DAY {
            return format!("{} days", secs / DAY);
        }
        for (unit, name) in [(3600, "h"), (60, "m"), (1, "s")] {
            if secs.is_multiple_of(unit) {
                return format!("{}{name}", secs / unit);
            }
        }
    }
    if value.subsec_nanos().is_multiple_of(1_000_000) && !value.is_zero() && secs < 60 {
        return format!("{}ms", value.as_millis());
    }
    humantime::format_duration(value).to_string()
}

/// A size in bytes (bot.toml may write it "10MiB"; the error shows the number).
pub fn size(value: usize) -> String {
    format!("{value} bytes")
}

/// The length of a list.
pub fn entries(value: usize) -> String {
    format!("{value} entries")
}

/// A text's length in characters, for labels and templates.
pub fn chars(value: usize) -> String {
    format!("{value} characters")
}

/// An http(s) URL with a host.
pub fn http_url(key: impl Into<String>, url: &Url) -> Result<(), Invalid> {
    let message = match url.scheme() {
        "http" | "https" if url.host_str().is_some_and(|h| !h.is_empty()) => return Ok(()),
        "http" | "https" => format!("{url} has no host"),
        other => format!("{url}: only http and https URLs are supported, not {other}:"),
    };
    Err((key.into(), message))
}

/// A label or other short text of at most `max` characters.
pub fn text(key: &str, value: Option<&str>, max: usize) -> Result<(), Invalid> {
    within(key, value.map_or(0, |v| v.chars().count()), 0, max, chars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_written_as_bot_toml_writes_them() {
        let cases = [
            (Duration::from_millis(100), "100ms"),
            (Duration::from_secs(15), "15s"),
            (Duration::from_secs(600), "10m"),
            (Duration::from_secs(24 * 3600), "24h"),
            (Duration::from_secs(30 * 24 * 3600), "30 days"),
            (Duration::from_nanos(1), "1ns"),
            (Duration::ZERO, "0s"),
        ];
        for (value, text) in cases {
            assert_eq!(duration(value), text);
        }
        assert_eq!(duration(Duration::from_secs(300_000 * 31_557_600)), "300000years");
        assert_eq!(size(1024), "1024 bytes");
    }

    #[test]
    fn within_names_the_bound_crossed() {
        assert_eq!(within("k", 5, 1, 10, number), Ok(()));
        assert_eq!(within("k", 1, 1, 10, number), Ok(()));
        assert_eq!(within("k", 10, 1, 10, number), Ok(()));
        let low = "must be at least 1, not 0 (between 1 and 10)";
        assert_eq!(within("k", 0, 1, 10, number), Err(("k".into(), low.into())));
        let high = "must be at most 10, not 11 (between 1 and 10)";
        assert_eq!(within("k", 11, 1, 10, number), Err(("k".into(), high.into())));
        let err = within_because("k", 11, (1, 10), number, "why").expect_err("too big");
        assert_eq!(err.1, format!("{high}; why"));
    }
}
