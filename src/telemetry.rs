//! Tracing setup: lines on stderr, human-readable by default or JSON
//! (`--log-format json`, `WARTA_LOG_FORMAT=json`), filtered by `RUST_LOG`
//! (default: info for Warta, warnings for libraries).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// How log lines look.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One readable line per event.
    #[default]
    Human,
    /// One JSON object per event, fields flattened, the span's under "span" (for log collectors).
    Json,
}

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn,warta=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        // Colour only for a person at a terminal, not in log files.
        LogFormat::Human => builder.with_ansi(std::io::stderr().is_terminal()).try_init(),
        // The innermost span's fields (which feed, delivery or command a line is about) as "span".
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).with_span_list(false).try_init(),
    };
}
