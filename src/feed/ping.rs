//! Instant publish without a plugin: WordPress pings every URL in Settings →
//! Writing → *Update Services* when a post goes live (XML-RPC
//! `weblogUpdates.extendedPing`, then `weblogUpdates.ping`). Warta answers
//! the ping and fetches at once the configured feeds of the pinged site —
//! never a URL taken from the ping. The same wake-up serves the
//! secret-protected "fetch now" endpoint for other CMSs and scripts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use quick_xml::events::Event;
use tokio::time::Instant;
use url::Url;

use super::poller::FeedWakeups;
use crate::domain::SiteKey;

/// Largest ping body read; a real one is a few hundred bytes.
pub const MAX_PING_BODY: usize = 64 * 1024;
/// XML nesting deeper than this is not a ping.
const MAX_DEPTH: usize = 16;
/// A ping carries two or three parameters.
const MAX_PARAMS: usize = 8;
/// Longest parameter kept (site names and URLs).
const MAX_PARAM_CHARS: usize = 2048;
/// Unknown sites are logged at most once per this long each.
const UNKNOWN_LOG_EVERY: Duration = Duration::from_secs(60);
/// At most this many unknown sites are remembered for that.
const UNKNOWN_REMEMBERED: usize = 1024;

/// A `weblogUpdates` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ping {
    pub method: String,
    pub site_name: String,
    pub site_url: String,
    /// `extendedPing`'s feed URL (and optional changes URL); only its host is used.
    pub feed_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PingError {
    #[error("not an XML-RPC call: {0}")]
    Malformed(String),
    #[error("unknown method {0:?}")]
    UnknownMethod(String),
    #[error("a ping needs the site's name and URL")]
    MissingParams,
    #[error("body over {MAX_PING_BODY} bytes")]
    TooLarge,
}

impl PingError {
    /// The XML-RPC fault code (the spec's "server error" range).
    pub fn fault_code(&self) -> i32 {
        match self {
            Self::Malformed(_) | Self::TooLarge => -32700,
            Self::UnknownMethod(_) => -32601,
            Self::MissingParams => -32602,
        }
    }
}

/// Reads an XML-RPC `methodCall` with string parameters.
pub fn parse_ping(body: &[u8]) -> Result<Ping, PingError> {
    if body.len() > MAX_PING_BODY {
        return Err(PingError::TooLarge);
    }
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut path: Vec<String> = Vec::new();
    let mut method = String::new();
    let mut params: Vec<String> = Vec::new();
    let mut buf = Vec::new();
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|err| PingError::Malformed(err.to_string()))?;
        match event {
            Event::Start(start) => {
                if path.len() >= MAX_DEPTH {
                    return Err(PingError::Malformed("nested too deeply".into()));
                }
                let name = start.local_name().as_ref().to_owned();
                if name == "param" && path.last().is_some_and(|p| p == "params") {
                    if params.len() >= MAX_PARAMS {
                        return Err(PingError::Malformed("too many parameters".into()));
                    }
                    params.push(String::new());
                }
                path.push(name);
            }
            Event::End(_) => {
                path.pop();
            }
            Event::Text(text) => {
                let raw = text.into_inner();
                let text = quick_xml::escape::unescape(&raw).map_err(|err| PingError::Malformed(err.to_string()))?;
                append_text(&path, &text, &mut method, &mut params);
            }
            Event::CData(data) => {
                let text = data.into_inner().into_owned();
                append_text(&path, &text, &mut method, &mut params);
            }
            Event::GeneralRef(reference) => {
                let name = reference.into_inner().into_owned();
                let text = quick_xml::escape::unescape(&format!("&{name};"))
                    .map_err(|err| PingError::Malformed(err.to_string()))?
                    .into_owned();
                append_text(&path, &text, &mut method, &mut params);
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !path.is_empty() {
        return Err(PingError::Malformed("unclosed element".into()));
    }
    let method = method.trim().to_owned();
    if method.is_empty() {
        return Err(PingError::Malformed("no methodName".into()));
    }
    if !matches!(method.as_str(), "weblogUpdates.ping" | "weblogUpdates.extendedPing") {
        return Err(PingError::UnknownMethod(method.chars().take(64).collect()));
    }
    let mut params = params.into_iter().map(|p| p.trim().to_owned());
    let (Some(site_name), Some(site_url)) = (params.next(), params.next()) else {
        return Err(PingError::MissingParams);
    };
    if site_url.is_empty() {
        return Err(PingError::MissingParams);
    }
    let feed_url = params.next().filter(|u| !u.is_empty());
    Ok(Ping { method, site_name, site_url, feed_url })
}

fn append_text(path: &[String], text: &str, method: &mut String, params: &mut [String]) {
    let target = match path {
        [.., last] if last == "methodName" => method,
        _ if path.iter().any(|p| p == "param") => match params.last_mut() {
            Some(param) => param,
            None => return,
        },
        _ => return,
    };
    let room = MAX_PARAM_CHARS.saturating_sub(target.chars().count());
    target.extend(text.chars().take(room));
}

/// The answer WordPress's IXR client reads as success.
pub fn success_response() -> String {
    method_response(
        "<params><param><value><struct>\
         <member><name>flerror</name><value><boolean>0</boolean></value></member>\
         <member><name>message</name><value><string>Thanks for the ping.</string></value></member>\
         </struct></value></param></params>",
    )
}

/// An XML-RPC fault.
pub fn fault_response(code: i32, message: &str) -> String {
    method_response(&format!(
        "<fault><value><struct>\
         <member><name>faultCode</name><value><int>{code}</int></value></member>\
         <member><name>faultString</name><value><string>{}</string></value></member>\
         </struct></value></fault>",
        quick_xml::escape::escape(message)
    ))
}

fn method_response(inner: &str) -> String {
    format!("<?xml version=\"1.0\"?>\n<methodResponse>{inner}</methodResponse>\n")
}

/// What a ping or "fetch now" did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WakeOutcome {
    /// These configured feeds fetch now (or at the end of their debounce).
    Woken(usize),
    /// No configured feed is on that site.
    UnknownSite,
}

/// Turns pings into fetches of configured feeds, at most one per feed per
/// `debounce`: a ping inside the window schedules one fetch at its end, so
/// the last of several quick publishes is never missed.
#[derive(Debug, Clone)]
pub struct InstantFetch {
    sites: Arc<HashMap<SiteKey, Vec<i64>>>,
    all_feeds: Arc<Vec<i64>>,
    wakeups: FeedWakeups,
    debounce: Duration,
    state: Arc<Mutex<DebounceState>>,
}

#[derive(Debug, Default)]
struct DebounceState {
    last_wake: HashMap<i64, Instant>,
    pending: HashMap<i64, Instant>,
    unknown_logged: HashMap<SiteKey, Instant>,
}

impl InstantFetch {
    /// `feeds`: every configured feed's id and URL.
    pub fn new(feeds: &[(i64, Url)], wakeups: FeedWakeups, debounce: Duration) -> Self {
        let mut sites: HashMap<SiteKey, Vec<i64>> = HashMap::new();
        for (id, url) in feeds {
            if let Some(site) = SiteKey::of(url) {
                sites.entry(site).or_default().push(*id);
            }
        }
        Self {
            sites: Arc::new(sites),
            all_feeds: Arc::new(feeds.iter().map(|(id, _)| *id).collect()),
            wakeups,
            debounce,
            state: Arc::default(),
        }
    }

    /// A ping: the site URL (and the feed URL's host, which must be the same
    /// site) pick the configured feeds to fetch.
    pub fn ping(&self, ping: &Ping) -> WakeOutcome {
        let site = SiteKey::parse(&ping.site_url);
        let feed_site = ping.feed_url.as_deref().and_then(SiteKey::parse);
        let known = site
            .as_ref()
            .and_then(|s| self.sites.get(s))
            .or_else(|| feed_site.as_ref().and_then(|s| self.sites.get(s)));
        match known {
            Some(feeds) => self.wake(feeds),
            None => {
                self.log_unknown(site.or(feed_site), &ping.site_url);
                WakeOutcome::UnknownSite
            }
        }
    }

    /// "Fetch now": the feeds of `site` (a URL or host), or every feed.
    pub fn fetch_now(&self, site: Option<&str>) -> WakeOutcome {
        match site {
            None => self.wake(&self.all_feeds.clone()),
            Some(text) => match SiteKey::parse(text).and_then(|s| self.sites.get(&s)) {
                Some(feeds) => self.wake(feeds),
                None => WakeOutcome::UnknownSite,
            },
        }
    }

    fn wake(&self, feeds: &[i64]) -> WakeOutcome {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for &feed in feeds {
            if state.pending.contains_key(&feed) {
                continue;
            }
            let due = state.last_wake.get(&feed).map_or(now, |last| *last + self.debounce);
            if due <= now {
                state.last_wake.insert(feed, now);
                self.wakeups.wake_fresh(feed);
            } else {
                state.pending.insert(feed, due);
                state.last_wake.insert(feed, due);
                let wakeups = self.wakeups.clone();
                let state = self.state.clone();
                tokio::spawn(async move {
                    tokio::time::sleep_until(due).await;
                    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).pending.remove(&feed);
                    wakeups.wake_fresh(feed);
                });
            }
        }
        WakeOutcome::Woken(feeds.len())
    }

    fn log_unknown(&self, site: Option<SiteKey>, raw: &str) {
        let Some(site) = site else {
            tracing::info!(site = %raw.chars().take(120).collect::<String>(), "ping with an unreadable site URL ignored");
            return;
        };
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if state.unknown_logged.get(&site).is_some_and(|at| now.duration_since(*at) < UNKNOWN_LOG_EVERY) {
            return;
        }
        if state.unknown_logged.len() >= UNKNOWN_REMEMBERED {
            state.unknown_logged.clear();
        }
        state.unknown_logged.insert(site.clone(), now);
        tracing::info!(site = %site, "ping from a site no configured feed is on: ignored");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXTENDED: &str = r#"<?xml version="1.0"?>
<methodCall>
<methodName>weblogUpdates.extendedPing</methodName>
<params>
<param><value><string>Kaltimtoday.co</string></value></param>
<param><value><string>https://kaltimtoday.co/</string></value></param>
<param><value><string>https://kaltimtoday.co/feed/</string></value></param>
</params></methodCall>"#;

    #[test]
    fn wordpress_extended_ping_is_read() {
        let ping = parse_ping(EXTENDED.as_bytes()).expect("ping");
        assert_eq!(ping.method, "weblogUpdates.extendedPing");
        assert_eq!(ping.site_name, "Kaltimtoday.co");
        assert_eq!(ping.site_url, "https://kaltimtoday.co/");
        assert_eq!(ping.feed_url.as_deref(), Some("https://kaltimtoday.co/feed/"));
    }

    #[test]
    fn plain_ping_with_untyped_values_and_entities() {
        let body = "<methodCall><methodName>weblogUpdates.ping</methodName><params>\
            <param><value>Kaltim &amp; Co</value></param><param><value>kaltimtoday.co</value></param>\
            </params></methodCall>";
        let ping = parse_ping(body.as_bytes()).expect("ping");
        assert_eq!(ping.site_name, "Kaltim & Co");
        assert_eq!(SiteKey::parse(&ping.site_url), SiteKey::parse("http://www.kaltimtoday.co/"));
    }

    #[test]
    fn hostile_bodies_are_faults() {
        assert!(matches!(parse_ping(b"not xml at all <<<"), Err(PingError::Malformed(_))));
        assert!(matches!(parse_ping(b""), Err(PingError::Malformed(_))));
        assert!(matches!(parse_ping(&vec![b'a'; MAX_PING_BODY + 1]), Err(PingError::TooLarge)));
        let deep = format!("{}{}", "<a>".repeat(100), "</a>".repeat(100));
        assert!(matches!(parse_ping(deep.as_bytes()), Err(PingError::Malformed(_))));
        let other = "<methodCall><methodName>system.listMethods</methodName></methodCall>";
        assert!(matches!(parse_ping(other.as_bytes()), Err(PingError::UnknownMethod(_))));
        let bare = "<methodCall><methodName>weblogUpdates.ping</methodName><params></params></methodCall>";
        assert_eq!(parse_ping(bare.as_bytes()), Err(PingError::MissingParams));
        let unclosed = "<methodCall><methodName>weblogUpdates.ping</methodName><params>";
        assert!(matches!(parse_ping(unclosed.as_bytes()), Err(PingError::Malformed(_))));
    }

    #[test]
    fn long_parameters_are_cut() {
        let long = "x".repeat(10_000);
        let body = format!(
            "<methodCall><methodName>weblogUpdates.ping</methodName><params>\
             <param><value>{long}</value></param><param><value>https://a.example/</value></param></params></methodCall>"
        );
        assert_eq!(parse_ping(body.as_bytes()).expect("ping").site_name.chars().count(), MAX_PARAM_CHARS);
    }

    #[test]
    fn responses_are_xml_rpc() {
        assert!(success_response().contains("<boolean>0</boolean>"));
        let fault = fault_response(-32700, "bad <xml>");
        assert!(fault.contains("<int>-32700</int>") && fault.contains("bad &lt;xml&gt;"));
    }

    fn feeds() -> Vec<(i64, Url)> {
        vec![
            (1, Url::parse("https://kaltimtoday.co/feed/").expect("url")),
            (2, Url::parse("https://kaltimtoday.co/category/samarinda/feed/").expect("url")),
            (3, Url::parse("https://other.example/rss").expect("url")),
        ]
    }

    #[tokio::test]
    async fn a_ping_wakes_only_the_sites_configured_feeds() {
        let wakeups = FeedWakeups::default();
        let instant = InstantFetch::new(&feeds(), wakeups.clone(), Duration::from_secs(5));
        let ping = parse_ping(EXTENDED.as_bytes()).expect("ping");
        assert_eq!(instant.ping(&ping), WakeOutcome::Woken(2));
        assert!(wakeups.take_fresh(1) && wakeups.take_fresh(2) && !wakeups.take_fresh(3));
        let elsewhere = Ping { site_url: "https://evil.example/".into(), feed_url: None, ..ping.clone() };
        assert_eq!(instant.ping(&elsewhere), WakeOutcome::UnknownSite);
        // A feed URL pointing elsewhere picks nothing outside the site's feeds.
        let mixed = Ping { feed_url: Some("https://other.example/rss".into()), ..ping };
        assert_eq!(instant.ping(&mixed), WakeOutcome::Woken(2));
    }

    #[tokio::test]
    async fn a_flood_of_pings_costs_one_fetch_now_and_one_at_the_window_end() {
        let wakeups = FeedWakeups::default();
        let instant = InstantFetch::new(&feeds(), wakeups.clone(), Duration::from_millis(300));
        for _ in 0..1000 {
            instant.fetch_now(Some("kaltimtoday.co"));
        }
        assert_eq!(wakeups.wakes(1), 1);
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(wakeups.wakes(1), 2, "the pings inside the window bring exactly one more fetch");
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(wakeups.wakes(1), 2);
        assert_eq!(instant.fetch_now(None), WakeOutcome::Woken(3));
        assert_eq!(instant.fetch_now(Some("unknown.example")), WakeOutcome::UnknownSite);
    }
}
