//! One poisoned feed item must not stop its feed or Warta. Parsing a feed
//! and recording a fetch run under `catch_unwind`. When the store's work
//! panics, every step it takes to turn an item into posts (fingerprint,
//! search text, one rendering per chat style) is tried item by item; an item
//! that panics is recorded as failed with the reason, skipped from then on,
//! and the rest of the fetch recorded without it. Trying items only after a
//! panic keeps the ordinary fetch at its cost (10,000 items would take 12 s
//! to try in a debug build).
//!
//! Stack overflows cannot be caught: those are prevented by bounding the
//! nesting of markup before any parser or tree walk sees it
//! (`format::bound_nesting`). This is the net for everything else.

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::{DateTime, Utc};
use futures_util::FutureExt;
use tokio::sync::Notify;
use url::Url;

use super::parse::{ParsedFeed, parse_feed_with_charset};
use crate::domain::{Article, NewArticle, NewPost, PostRenderer};
use crate::format::{render_item_failed, truncate_chars};
use crate::i18n::Lang;
use crate::store::{FailedItem, FailedItemOutcome, FetchRecord, RecordOutcome, Store, StoreError};

/// How much of a panic's message is kept as the reason.
const REASON_CHARS: usize = 300;

/// An item that could not be processed, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    pub article: NewArticle,
    pub reason: String,
}

/// Parses a feed; a panic inside the parser is a parse error like any other
/// (recorded on the feed, retried with backoff), not the end of the task.
pub fn parse_guarded(bytes: &[u8], base: Option<&Url>, charset: Option<&str>) -> Result<ParsedFeed, String> {
    match catch_unwind(AssertUnwindSafe(|| parse_feed_with_charset(bytes, base, charset))) {
        Ok(Ok(parsed)) => Ok(parsed),
        Ok(Err(err)) => Err(err.to_string()),
        Err(payload) => Err(format!("the feed parser panicked: {}", panic_message(&*payload))),
    }
}

/// Splits `articles` into those the store can process and those it cannot.
///
/// Does what the store does with each article: its fingerprint, and for
/// those whose fingerprint is not in `known` (new ones, and known ones whose
/// content changed: a correction) its search text and one rendering per
/// style in `styles`. Order is kept.
pub fn vet_articles<R: PostRenderer>(
    articles: Vec<NewArticle>,
    renderer: &R,
    styles: &[Option<String>],
    known: &HashMap<String, Option<String>>,
    feed_id: i64,
    source_name: &str,
    now: DateTime<Utc>,
) -> (Vec<NewArticle>, Vec<Rejected>) {
    let mut fine = Vec::with_capacity(articles.len());
    let mut rejected = Vec::new();
    for article in articles {
        let tried = catch_unwind(AssertUnwindSafe(|| {
            let fingerprint = renderer.fingerprint(&article);
            let unchanged =
                known.get(article.key.as_str()).is_some_and(|stored| stored.as_deref() == Some(&fingerprint));
            if unchanged {
                return;
            }
            let _ =
                renderer.search_text(&article.title, article.summary_html.as_deref(), article.content_html.as_deref());
            let rendered = Article::from_new(article.clone(), 0, feed_id, now, source_name.to_owned());
            // The store renders the default style when no chat gets articles.
            let defaults = [None];
            let styles = if styles.is_empty() { &defaults[..] } else { styles };
            for style in styles {
                let _ = renderer.render(&rendered, style.as_deref());
            }
        }));
        match tried {
            Ok(()) => fine.push(article),
            Err(payload) => {
                let reason = format!("processing the item panicked: {}", panic_message(&*payload));
                rejected.push(Rejected { article, reason });
            }
        }
    }
    (fine, rejected)
}

/// `articles` without the items of the feed recorded as failed.
pub async fn skip_failed(
    store: &Store,
    feed_id: i64,
    articles: Vec<NewArticle>,
) -> Result<Vec<NewArticle>, StoreError> {
    let keys: Vec<&str> = articles.iter().map(|a| a.key.as_str()).collect();
    let failed: HashSet<String> = store.failed_keys(feed_id, &keys).await?.into_iter().collect();
    if failed.is_empty() {
        return Ok(articles);
    }
    Ok(articles.into_iter().filter(|a| !failed.contains(a.key.as_str())).collect())
}

/// Records a successful fetch; if the store's work panics (its transaction
/// is then rolled back), finds the items that panic by trying each one (see
/// [`vet_articles`]), records them as failed — the admins are told once per
/// item, through the outbox — and records the fetch again without them.
/// The inner `Err` is a panic no item explains; the caller counts it as a
/// failed fetch of the feed.
pub async fn record_isolating_failures<R: PostRenderer + Sync>(
    store: &Store,
    renderer: &R,
    outbox_ready: &Notify,
    feed: FeedOf<'_>,
    record: FetchRecord<'_>,
) -> Result<Result<RecordOutcome, String>, StoreError> {
    let payload = match AssertUnwindSafe(store.record_fetch_success(feed.id, record, renderer)).catch_unwind().await {
        Ok(result) => return result.map(Ok),
        Err(payload) => payload,
    };
    let message = panic_message(&*payload);
    tracing::error!(feed_id = feed.id, error = message, "recording the fetch panicked; trying its items one by one");
    let keys: Vec<&str> = record.articles.iter().map(|a| a.key.as_str()).collect();
    let known = store.known_fingerprints(feed.id, &keys).await?;
    let styles = store.article_styles().await?;
    let articles = record.articles.to_vec();
    let (fine, rejected) = vet_articles(articles, renderer, &styles, &known, feed.id, feed.source_name, record.now);
    if rejected.is_empty() {
        return Ok(Err(format!("recording the fetch panicked: {message}")));
    }
    for Rejected { article, reason } in rejected {
        let link = article.link.as_ref().map(Url::as_str);
        tracing::error!(
            feed_id = feed.id,
            key = article.key.as_str(),
            link,
            reason,
            "feed item cannot be processed; skipped"
        );
        let item = FailedItem {
            feed_id: feed.id,
            key: article.key.as_str().to_owned(),
            title: article.title.clone(),
            link: link.map(str::to_owned),
            reason: reason.clone(),
            failed_at: record.now,
        };
        let alert = |code: Option<&str>| {
            let alert = render_item_failed(feed.url.as_str(), &article.title, link, &reason, Lang::from_code(code));
            NewPost::text(alert.html, alert.plain)
        };
        if store.record_failed_item(&item, &alert).await? == FailedItemOutcome::Recorded {
            tracing::warn!(feed_id = feed.id, key = article.key.as_str(), "admins told about the failed item");
            outbox_ready.notify_one();
        }
    }
    let retry = FetchRecord { articles: &fine, ..record };
    match AssertUnwindSafe(store.record_fetch_success(feed.id, retry, renderer)).catch_unwind().await {
        Ok(result) => result.map(Ok),
        Err(payload) => Ok(Err(format!("recording the fetch panicked: {}", panic_message(&*payload)))),
    }
}

/// The feed whose items are vetted.
#[derive(Debug, Clone, Copy)]
pub struct FeedOf<'a> {
    pub id: i64,
    pub url: &'a Url,
    /// The name posts are signed with.
    pub source_name: &'a str,
}

/// The text a panic was raised with, shortened.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    let message = match (payload.downcast_ref::<&str>(), payload.downcast_ref::<String>()) {
        (Some(message), _) => message,
        (None, Some(message)) => message.as_str(),
        (None, None) => "(no message)",
    };
    truncate_chars(message, REASON_CHARS)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::domain::{ArticleKey, NewPost, SearchText};
    use crate::format::PostStyle;

    /// Panics on articles titled "Racun" at the step it is told to.
    struct Poisoned {
        step: &'static str,
        renders: Cell<usize>,
    }

    impl Poisoned {
        fn at(step: &'static str) -> Self {
            Self { step, renders: Cell::new(0) }
        }

        fn maybe_panic(&self, step: &str, title: &str) {
            if step == self.step && title == "Racun" {
                panic!("{step} gave up on {title}");
            }
        }
    }

    impl PostRenderer for Poisoned {
        fn fingerprint(&self, article: &NewArticle) -> String {
            self.maybe_panic("fingerprint", &article.title);
            article.title.clone()
        }

        fn render(&self, article: &Article, style: Option<&str>) -> NewPost {
            self.renders.set(self.renders.get() + 1);
            self.maybe_panic(style.unwrap_or("render"), &article.title);
            NewPost::text(article.title.clone(), article.title.clone())
        }

        fn search_text(&self, title: &str, _summary: Option<&str>, _content: Option<&str>) -> SearchText {
            self.maybe_panic("search", title);
            SearchText { title: title.to_owned(), body: String::new() }
        }
    }

    fn article(title: &str) -> NewArticle {
        NewArticle {
            key: ArticleKey::from_title(title),
            title: title.into(),
            link: None,
            summary_html: Some(format!("<p>{title}</p>")),
            content_html: None,
            author: None,
            categories: vec![],
            tags: vec![],
            page_photo: None,
            image_url: None,
            published_at: None,
        }
    }

    fn vet(
        renderer: &Poisoned,
        styles: &[Option<String>],
        known: &HashMap<String, Option<String>>,
    ) -> (Vec<String>, Vec<Rejected>) {
        let articles = vec![article("Satu"), article("Racun"), article("Dua")];
        let (fine, rejected) = vet_articles(articles, renderer, styles, known, 1, "Sumber", Utc::now());
        (fine.into_iter().map(|a| a.title).collect(), rejected)
    }

    #[test]
    fn an_item_that_panics_at_any_step_is_set_aside_and_the_others_kept_in_order() {
        let styles = [None, Some("kanal".to_owned())];
        for step in ["fingerprint", "search", "render", "kanal"] {
            let (fine, rejected) = vet(&Poisoned::at(step), &styles, &HashMap::new());
            assert_eq!(fine, ["Satu", "Dua"], "{step}");
            assert_eq!(rejected.len(), 1, "{step}");
            assert_eq!(rejected[0].article.title, "Racun");
            assert_eq!(rejected[0].reason, format!("processing the item panicked: {step} gave up on Racun"));
        }
    }

    #[test]
    fn unchanged_known_items_are_not_rendered_again_but_changed_ones_are() {
        let renderer = Poisoned::at("render");
        let key = |t: &str| ArticleKey::from_title(t).as_str().to_owned();
        let known = HashMap::from([
            (key("Satu"), Some("Satu".to_owned())),
            // A correction: the stored fingerprint differs, so it is rendered.
            (key("Racun"), Some("sebelumnya".to_owned())),
        ]);
        let (fine, rejected) = vet(&renderer, &[], &known);
        assert_eq!(fine, ["Satu", "Dua"]);
        assert_eq!(rejected.len(), 1);
        assert_eq!(renderer.renders.get(), 2, "Racun and Dua, once each in the default style");

        let known = HashMap::from([(key("Racun"), Some("Racun".to_owned()))]);
        let (fine, rejected) = vet(&Poisoned::at("render"), &[], &known);
        assert_eq!((fine.len(), rejected.len()), (3, 0), "an unchanged known item is not rendered again");
    }

    #[test]
    fn the_real_renderer_accepts_a_hundred_thousand_levels_on_a_worker_stack() {
        let deep = format!("{}Banjir.{}", "<div><b><i>".repeat(33_334), "</i></b></div>".repeat(33_334));
        let handle = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                let article = NewArticle { summary_html: Some(deep), ..article("Dalam") };
                let styles = [None];
                vet_articles(vec![article], &PostStyle::default(), &styles, &HashMap::new(), 1, "Sumber", Utc::now())
            })
            .expect("spawn");
        let (fine, rejected) = handle.join().expect("no overflow");
        assert_eq!((fine.len(), rejected.len()), (1, 0));
    }

    #[test]
    fn a_panicking_parser_is_a_parse_error() {
        let reason = match catch_unwind(|| -> ParsedFeed { panic!("feed-rs: index out of bounds") }) {
            Ok(_) => unreachable!(),
            Err(payload) => panic_message(&*payload),
        };
        assert_eq!(reason, "feed-rs: index out of bounds");
        assert!(parse_guarded(b"bukan feed", None, None).is_err());
    }
}
