//! Rendering benchmark (criterion): one article into a post — text and photo
//! caption, validated — for a typical WordPress article and a 100 KB one.
//!
//!     cargo bench --bench render

use std::hint::black_box;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use url::Url;
use warta::domain::{Article, ArticleKey};
use warta::feed::parse_feed;
use warta::format::{ChannelStyle, PostStyle, render_article_post};

/// The newest article of the shipped sample feed: WordPress content:encoded
/// with a figure, a list, entities and the site's footers.
fn typical_article() -> Article {
    let feed = parse_feed(include_bytes!("../examples/kaltimtoday-sample.xml"), None).expect("sample feed parses");
    let new = feed.articles.into_iter().next().expect("an article");
    Article::from_new(new, 1, 1, Utc::now(), "Kaltimtoday.co".into())
}

/// A 100 KB article body, rendered from its content (no summary).
fn large_article() -> Article {
    let mut body = String::new();
    while body.len() < 100 * 1024 {
        body.push_str(
            "<p>Hujan deras yang mengguyur <strong>Samarinda</strong> sejak Kamis malam membuat air meluap di \
             <a href=\"/tag/banjir/\">tiga kecamatan</a>. Warga&nbsp;mengungsi ke posko &#8220;BPBD&#8221;.</p>\
             <ul><li>Sungai Pinang</li><li>Samarinda Ulu</li></ul><figure><img src=\"/a.jpg\"><figcaption>Foto</figcaption></figure>",
        );
    }
    Article {
        summary_html: None,
        content_html: Some(body),
        link: Some(Url::parse("https://kaltimtoday.co/banjir/").expect("url")),
        key: ArticleKey::from_title("besar"),
        ..typical_article()
    }
}

fn render(c: &mut Criterion) {
    let style = PostStyle::default();
    let channel = ChannelStyle::default();
    let typical = typical_article();
    let large = large_article();
    assert!(render_article_post(&typical, &style, &channel).photo.is_some(), "the typical article has an image");
    c.bench_function("render typical WordPress article", |b| {
        b.iter(|| render_article_post(black_box(&typical), &style, &channel))
    });
    c.bench_function("render 100 KB article", |b| b.iter(|| render_article_post(black_box(&large), &style, &channel)));
}

criterion_group!(benches, render);
criterion_main!(benches);
