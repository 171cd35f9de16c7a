//! `warta preview`: prints posts exactly as they would be sent, offline if
//! given a file. No token, no Telegram.

use std::path::Path;

use anyhow::Context;
use chrono::Utc;
use url::Url;

use crate::config::Config;
use crate::domain::{Article, LinkPreview, NewArticle};
use crate::feed::{
    FetchLimits, FetchOutcome, FetchRequest, Fetcher, parse_feed_with_charset, poller::in_posting_order,
};
use crate::format::{CAPTION_LIMIT, ChannelStyle, MESSAGE_LIMIT, PostStyle, render_article_post, utf16_len};

pub async fn run(config: Option<&Config>, feed: Option<&str>, limit: usize) -> anyhow::Result<()> {
    let style = config.map(crate::app::post_style).unwrap_or_default();
    // Posts as the first configured channel would get them.
    let channel = config
        .and_then(|c| c.channels.first())
        .and_then(|c| style.channels.get(&crate::app::channel_style_key(&c.chat)))
        .cloned()
        .unwrap_or_default();
    let sources: Vec<(String, Option<String>)> = match (feed, config) {
        (Some(feed), _) => {
            let name =
                config.and_then(|c| c.feeds.iter().find(|f| f.url.as_str() == feed)).and_then(|f| f.name.clone());
            vec![(feed.to_owned(), name)]
        }
        (None, Some(config)) => config.feeds.iter().map(|f| (f.url.to_string(), f.name.clone())).collect(),
        (None, None) => anyhow::bail!("nothing to preview: pass --feed URL_OR_PATH or a config with feeds"),
    };
    let fetcher = match config {
        Some(config) => crate::app::fetcher(config)?,
        None => Fetcher::new(FetchLimits::default())?,
    };
    for (source, name) in sources {
        preview_feed(&fetcher, &source, name.as_deref(), limit, &style, &channel).await?;
    }
    Ok(())
}

async fn preview_feed(
    fetcher: &Fetcher,
    source: &str,
    name: Option<&str>,
    limit: usize,
    style: &PostStyle,
    channel: &ChannelStyle,
) -> anyhow::Result<()> {
    let (bytes, base, charset) = match Url::parse(source) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => match fetcher.fetch(FetchRequest::fresh(&url)).await {
            FetchOutcome::Modified(fetched) => {
                let charset = fetched.charset().map(str::to_owned);
                (fetched.body, Some(fetched.final_url), charset)
            }
            other => anyhow::bail!(
                "cannot fetch {url}: {}",
                other.failure().unwrap_or_else(|| "answered 304 to an unconditional request".to_owned())
            ),
        },
        _ => {
            let path = Path::new(source);
            let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            (bytes, None, None)
        }
    };
    let parsed = parse_feed_with_charset(&bytes, base.as_ref(), charset.as_deref())
        .with_context(|| format!("cannot parse {source}"))?;
    let source_name = name
        .map(str::to_owned)
        .or(parsed.title.clone())
        .or_else(|| base.as_ref().and_then(|u| u.host_str().map(str::to_owned)))
        .unwrap_or_else(|| source.to_owned());
    let newest: Vec<NewArticle> = parsed.articles.into_iter().take(limit).collect();
    let posts = in_posting_order(newest);
    println!("Preview of {source}: {} post(s), oldest first, as Warta would send them.", posts.len());
    let now = Utc::now();
    for (index, new) in posts.into_iter().enumerate() {
        let article = Article::from_new(new, 0, 0, now, source_name.clone());
        let post = render_article_post(&article, style, channel);
        println!();
        println!("━━━ Post {} ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━", index + 1);
        let (html, plain) = match &post.photo {
            Some(photo) => {
                println!(
                    "sendPhoto · photo={} · parse_mode=HTML · {}caption {} of {CAPTION_LIMIT} characters",
                    photo.source,
                    if post.silent { "silent · " } else { "" },
                    utf16_len(&photo.caption_plain)
                );
                (&photo.caption_html, &photo.caption_plain)
            }
            None => {
                let preview = match post.link_preview {
                    LinkPreview::Disabled => "off",
                    LinkPreview::Small => "small",
                    LinkPreview::Large => "large",
                };
                println!(
                    "sendMessage · parse_mode=HTML · link preview {preview} · {}{} of {MESSAGE_LIMIT} characters",
                    if post.silent { "silent · " } else { "" },
                    utf16_len(&post.plain)
                );
                (&post.html, &post.plain)
            }
        };
        println!("── {} as sent (Telegram HTML) ──", if post.photo.is_some() { "caption" } else { "text" });
        println!("{html}");
        println!("── as readers see it ──");
        println!("{plain}");
        if post.photo.is_some() {
            println!("── if Telegram cannot use the image: sent as text ({} characters) ──", utf16_len(&post.plain));
        }
        if let Some(button) = &post.button {
            println!("── button ──");
            println!("[ {} ] → {}", button.text, button.url);
        }
    }
    Ok(())
}
