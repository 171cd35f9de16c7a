//! The feed parser against hostile bytes: arbitrary input, and real feeds
//! mutated the way transports and broken CMSs mangle them (flipped bytes,
//! cuts at any point, spliced pieces, stray BOMs, half entities and CDATA,
//! multi-byte characters dropped in anywhere). Parsing may fail with an
//! error; it never panics, and each input is parsed in bounded time.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use url::Url;
use warta::feed::parse_feed_with_charset;

/// Generous for a debug build on a busy machine; a runaway parse takes far longer.
const PER_INPUT: Duration = Duration::from_secs(3);

fn parse_within_bound(bytes: &[u8], charset: Option<&str>) -> Result<(), TestCaseError> {
    let base = Url::parse("https://kaltimtoday.co/feed/").expect("url");
    let started = Instant::now();
    let _ = parse_feed_with_charset(bytes, Some(&base), charset);
    let took = started.elapsed();
    prop_assert!(took < PER_INPUT, "{} bytes took {took:?}", bytes.len());
    Ok(())
}

/// Sixteen real feeds spread over the sizes below 300 KB (read once), or none
/// if the corpus is absent.
fn real_feeds() -> &'static [Vec<u8>] {
    static FEEDS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    FEEDS.get_or_init(read_real_feeds)
}

fn read_real_feeds() -> Vec<Vec<u8>> {
    let dir = std::env::var_os("WARTA_REAL_FEEDS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/feeds/real"));
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("SKIPPED (mutated real feeds): the real-feed corpus is absent at {}", dir.display());
        return Vec::new();
    };
    let mut files: Vec<(u64, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml" || x == "json" || x == "rss" || x == "atom"))
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.len(), p)))
        .collect();
    files.retain(|(size, _)| *size < 300_000);
    files.sort();
    let step = (files.len() / 16).max(1);
    files.into_iter().step_by(step).take(16).filter_map(|(_, p)| std::fs::read(p).ok()).collect()
}

/// Pieces that exercise the repairs: encodings, entities, CDATA, roots.
const NASTY: &[&[u8]] = &[
    b"\xEF\xBB\xBF",
    b"\xFF\xFE",
    b"&#",
    b"&#x110000;",
    b"&nbsp",
    b"<![CDATA[",
    b"]]>",
    b"<?xml version=\"1.0\" encoding=\"",
    b"<rss version=\"9\">",
    b"</feed>",
    b"<html>",
    b"\xC3",
    "é".as_bytes(),
    "🔴".as_bytes(),
    b"\x00",
    b"<media:description/>",
];

#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, byte: u8 },
    Cut { at: usize },
    Insert { at: usize, piece: usize },
    Splice { from: usize, to: usize, at: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Flip { at, byte }),
        any::<usize>().prop_map(|at| Mutation::Cut { at }),
        (any::<usize>(), 0..NASTY.len()).prop_map(|(at, piece)| Mutation::Insert { at, piece }),
        (any::<usize>(), any::<usize>(), any::<usize>()).prop_map(|(from, to, at)| Mutation::Splice { from, to, at }),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for mutation in mutations {
        let len = bytes.len().max(1);
        match *mutation {
            Mutation::Flip { at, byte } => {
                if !bytes.is_empty() {
                    bytes[at % len] = byte;
                }
            }
            Mutation::Cut { at } => bytes.truncate(at % len),
            Mutation::Insert { at, piece } => {
                let at = (at % len).min(bytes.len());
                bytes.splice(at..at, NASTY[piece].iter().copied());
            }
            Mutation::Splice { from, to, at } => {
                let (a, b) = ((from % len).min(bytes.len()), (to % len).min(bytes.len()));
                let piece: Vec<u8> = bytes[a.min(b)..a.max(b)].iter().take(4096).copied().collect();
                let at = (at % len).min(bytes.len());
                bytes.splice(at..at, piece);
            }
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_the_parser(
        bytes in prop::collection::vec(any::<u8>(), 0..4096),
        charset in prop::option::of(prop::sample::select(vec!["utf-8", "iso-8859-1", "windows-1252", "utf-16", "x-nonsense"])),
    ) {
        parse_within_bound(&bytes, charset)?;
    }

    #[test]
    fn feed_shaped_noise_never_panics_the_parser(
        pieces in prop::collection::vec(prop_oneof![
            (0..NASTY.len()).prop_map(|i| NASTY[i].to_vec()),
            "[<>/a-z =\"'&;#]{0,24}".prop_map(String::into_bytes),
        ], 0..64),
        root in prop::sample::select(vec!["<rss version=\"2.0\"><channel>", "<feed xmlns=\"http://www.w3.org/2005/Atom\">", "{\"version\":\"https://jsonfeed.org/version/1.1\",\"items\":[", ""]),
    ) {
        let mut bytes = root.as_bytes().to_vec();
        for piece in pieces {
            bytes.extend(piece);
        }
        parse_within_bound(&bytes, None)?;
    }
}

proptest! {
    // Each case parses one real feed of up to a few hundred kilobytes.
    #![proptest_config(ProptestConfig { cases: 120, ..ProptestConfig::default() })]

    #[test]
    fn mutated_real_feeds_never_panic_the_parser(
        pick in any::<usize>(),
        mutations in prop::collection::vec(mutation(), 1..8),
    ) {
        let feeds = real_feeds();
        if feeds.is_empty() {
            return Ok(());
        }
        let bytes = mutate(feeds[pick % feeds.len()].clone(), &mutations);
        parse_within_bound(&bytes, None)?;
    }
}
