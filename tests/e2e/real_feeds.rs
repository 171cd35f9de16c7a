//! Every real feed in ../shared/feeds/real/ either parses or fails with a
//! clear, expected error — never a panic, never a silently lost item.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use url::Url;
use warta::feed::parse_feed;

use crate::support::telegram_html;

/// Files that cannot be read as feeds, with the error each must give and why.
const EXPECTED_FAILURES: &[(&str, &str, &str)] = &[
    (
        "RSParser__ScriptingNews.json",
        "not a feed: JSON, but not a JSON Feed",
        "RSS translated to JSON ({\"rss\":{\"channel\":…}}), not the JSON Feed format",
    ),
    (
        "feed-rs__rss_2.0_invalid_1.xml",
        "malformed feed: ",
        "cut off inside the channel header, before its first item: nothing complete to salvage",
    ),
    ("rss-parser__unrecognized.rss", "not a feed: an HTML page", "a saved \"Document Moved\" HTML page, not a feed"),
];

/// Where the corpus lives: `WARTA_REAL_FEEDS`, else `../shared/feeds/real`.
fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("WARTA_REAL_FEEDS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/feeds/real"));
    dir.is_dir().then_some(dir)
}

/// Item count SOURCES.md gives for a file ("…; 25 items; …").
fn documented_items(sources: &str, name: &str) -> Option<usize> {
    let row = sources.lines().find(|line| line.starts_with(&format!("| `{name}`")))?;
    let notes = row.rsplit('|').nth(1)?;
    notes.split(';').find_map(|part| {
        let part = part.trim();
        let count = part.strip_suffix(" items").or_else(|| part.strip_suffix(" item"))?;
        count.parse().ok()
    })
}

#[test]
fn every_real_feed_parses_or_fails_clearly() {
    let Some(dir) = corpus_dir() else {
        eprintln!("skipping: the real-feed corpus (../shared/feeds/real or WARTA_REAL_FEEDS) is absent");
        return;
    };
    let sources = std::fs::read_to_string(dir.join("SOURCES.md")).unwrap_or_default();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read corpus dir")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_file() && path.file_name().is_some_and(|n| n != "SOURCES.md"))
        .collect();
    files.sort();
    assert!(files.len() >= 100, "the corpus looks incomplete: {} files", files.len());
    let base = Url::parse("https://example.org/feed/").expect("base");
    let mut problems = Vec::new();
    let mut parsed_files = 0;
    let mut failed_as_expected = HashSet::new();
    for path in &files {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let bytes = std::fs::read(path).expect("read feed");
        let result = std::panic::catch_unwind(|| parse_feed(&bytes, Some(&base)));
        let Ok(result) = result else {
            problems.push(format!("{name}: PANICKED"));
            continue;
        };
        let expected = EXPECTED_FAILURES.iter().find(|(file, _, _)| *file == name);
        match (result, expected) {
            (Err(err), Some((_, prefix, _))) if err.to_string().starts_with(prefix) => {
                failed_as_expected.insert(name);
            }
            (Err(err), Some((_, prefix, _))) => problems.push(format!("{name}: expected {prefix:?}, got {err}")),
            (Err(err), None) => problems.push(format!("{name}: unexpected failure: {err}")),
            (Ok(_), Some(_)) => problems.push(format!("{name}: listed as an expected failure but parses")),
            (Ok(feed), None) => {
                parsed_files += 1;
                if let Some(count) = documented_items(&sources, &name)
                    && count != feed.articles.len()
                {
                    problems.push(format!("{name}: {} items, SOURCES.md documents {count}", feed.articles.len()));
                }
                for article in &feed.articles {
                    if article.title.contains('\u{fffd}') {
                        problems.push(format!("{name}: undecodable title {:?}", article.title));
                    }
                    if article.key.as_str().is_empty() {
                        problems.push(format!("{name}: empty key"));
                    }
                }
                let again = parse_feed(&bytes, Some(&base)).expect("parses again");
                let keys = |f: &warta::feed::ParsedFeed| f.articles.iter().map(|a| a.key.clone()).collect::<Vec<_>>();
                if keys(&feed) != keys(&again) {
                    problems.push(format!("{name}: keys differ between two parses"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{} problem(s):\n{}", problems.len(), problems.join("\n"));
    assert_eq!(failed_as_expected.len(), EXPECTED_FAILURES.len(), "every listed failure file must exist and fail");
    eprintln!("{parsed_files} real feeds parsed, {} failed as expected", failed_as_expected.len());
}

/// Every article of every real feed renders to a post Telegram accepts — as
/// text and, where it has an image, as a photo caption.
#[test]
fn every_real_article_renders_to_a_valid_post() {
    let Some(dir) = corpus_dir() else {
        eprintln!("skipping: the real-feed corpus (../shared/feeds/real or WARTA_REAL_FEEDS) is absent");
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read corpus dir")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_file() && path.file_name().is_some_and(|n| n != "SOURCES.md"))
        .collect();
    files.sort();
    let base = Url::parse("https://example.org/feed/").expect("base");
    let style = warta::format::PostStyle { excerpt_chars: 600, ..warta::format::PostStyle::default() };
    let channel = warta::format::ChannelStyle::default();
    let (mut articles, mut photos, mut problems) = (0, 0, Vec::new());
    for path in &files {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let Ok(feed) = parse_feed(&std::fs::read(path).expect("read"), Some(&base)) else { continue };
        for (index, new) in feed.articles.into_iter().enumerate() {
            let article = warta::domain::Article::from_new(
                new,
                1,
                1,
                chrono::Utc::now(),
                feed.title.clone().unwrap_or_else(|| name.clone()),
            );
            let post = warta::format::render_article_post(&article, &style, &channel);
            articles += 1;
            let mut check = |html: &str, plain: &str, limit: usize, what: &str| match telegram_html::parse(html) {
                Ok(parsed)
                    if parsed.text == plain
                        && telegram_html::utf16_len(&parsed.text) <= limit
                        && parsed.entities.len() <= 100 => {}
                Ok(parsed) => problems.push(format!(
                    "{name} #{index} {what}: {} units, {} entities, plain twin differs: {}",
                    telegram_html::utf16_len(&parsed.text),
                    parsed.entities.len(),
                    parsed.text != plain
                )),
                Err(err) => problems.push(format!("{name} #{index} {what}: {err}")),
            };
            check(&post.html, &post.plain, 4096, "text");
            if let Some(photo) = &post.photo {
                photos += 1;
                check(&photo.caption_html, &photo.caption_plain, 1024, "caption");
            }
        }
    }
    assert!(problems.is_empty(), "{} problem(s):\n{}", problems.len(), problems.join("\n"));
    eprintln!("{articles} real articles rendered, {photos} with a photo caption, all valid");
}
