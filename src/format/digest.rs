//! The "Berita Pilihan" digest: a dated heading, the editors' picks, then the
//! newest other stories — linked titles with their category and time — and
//! a button to the archive when stories were left out. Within one message
//! whatever the titles hold, valid Telegram HTML by construction.

use chrono::{DateTime, NaiveDate, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;
use url::Url;

use super::replies::{Reply, numbered_title};
use super::rich::RichText;
use super::text::{one_line, truncate_chars};
use super::time::{format_clock, format_day};
use super::{MESSAGE_LIMIT, READER_STYLE_EN};
use crate::domain::{Article, LinkButton, NewPost, display_category};
use crate::i18n::{Lang, fill};

/// The slot a digest is for.
#[derive(Debug, Clone, Copy)]
pub struct DigestHeading {
    pub day: NaiveDate,
    pub time: NaiveTime,
}

/// Room kept for the heading, the section headings and the closing line.
const FIXED_UNITS: usize = 400;
/// Markup, number, category and time of one entry, beside its title.
const ENTRY_UNITS: usize = 110;
/// Longest category shown under a title.
const CATEGORY_CHARS: usize = 40;

/// The language a stored reader style stands for.
pub fn style_lang(style: Option<&str>) -> Lang {
    if style == Some(READER_STYLE_EN) { Lang::En } else { Lang::Id }
}

/// "pagi", "siang", "sore", "malam" (or English) for a time of day.
fn day_part(time: NaiveTime, lang: Lang) -> &'static str {
    let parts = lang.digest().day_parts;
    match time.hour() {
        0..=10 => parts[0],
        11..=14 => parts[1],
        15..=17 => parts[2],
        _ => parts[3],
    }
}

/// The digest as a post; `more` is where "Berita lainnya" leads (the bot's
/// /latest) when stories were left out.
pub fn render_digest(
    heading: DigestHeading,
    picks: &[Article],
    others: &[Article],
    left_out: usize,
    zone: Tz,
    lang: Lang,
    more: Option<&Url>,
) -> NewPost {
    let texts = lang.digest();
    let mut reply = RichText::new();
    let title =
        format!("{} · {} · {}", texts.digest_title, format_day(heading.day, lang), day_part(heading.time, lang));
    reply.bold(|b| {
        b.text(&title);
    });
    let entries = (picks.len() + others.len()).max(1);
    let title_budget = ((MESSAGE_LIMIT - FIXED_UNITS) / entries).saturating_sub(ENTRY_UNITS).clamp(20, 200);
    let mut number = 1;
    for (section, articles) in [(texts.picks_heading, picks), (texts.others_heading, others)] {
        if articles.is_empty() {
            continue;
        }
        reply.text("\n\n").bold(|b| {
            b.text(section);
        });
        for article in articles {
            entry(&mut reply, number, article, title_budget, zone, lang);
            number += 1;
        }
    }
    if left_out > 0 {
        reply.text("\n\n").italic(|i| {
            i.text(&fill(texts.left_out, &[("count", &left_out.to_string())]));
        });
    }
    debug_assert!(reply.len() <= MESSAGE_LIMIT);
    let Reply { html, plain } = reply.into();
    let mut post = NewPost::text(html, plain);
    if left_out > 0 {
        post.button = more.map(|url| LinkButton { text: texts.button_more.to_owned(), url: url.clone() });
    }
    post
}

/// Longest title in /status's picks.
const PICK_TITLE_CHARS: usize = 80;

/// /status's section of today's picks, appended to `status` when it fits
/// in one message (else the status alone).
pub fn append_picks(status: Reply, picks: &[Article], zone: Tz, lang: Lang) -> Reply {
    let texts = lang.digest();
    let mut section = RichText::new();
    if picks.is_empty() {
        section.text(texts.status_no_picks);
    } else {
        section.bold(|b| {
            b.text(texts.status_picks);
        });
        for (index, article) in picks.iter().enumerate() {
            let title = truncate_chars(&one_line(&article.title), PICK_TITLE_CHARS);
            let when = format_clock(article.display_time(), zone, lang);
            section.text(&format!("\n{}. {title} · {when}", index + 1));
        }
    }
    let Reply { html, plain } = section.into();
    let joined = Reply { html: format!("{}\n\n{html}", status.html), plain: format!("{}\n\n{plain}", status.plain) };
    if super::utf16_len(&joined.plain) <= MESSAGE_LIMIT
        && super::validate::check(&joined.html, MESSAGE_LIMIT, false).is_ok()
    {
        joined
    } else {
        status
    }
}

fn entry(reply: &mut RichText, number: usize, article: &Article, budget: usize, zone: Tz, lang: Lang) {
    reply.text("\n");
    numbered_title(reply, number, article, budget);
    let time: DateTime<Utc> = article.display_time();
    let when = format_clock(time, zone, lang);
    let line = match article.categories.first().map(|c| display_category(c)).filter(|c| !c.is_empty()) {
        Some(category) => format!("{} · {when}", truncate_chars(&one_line(&category), CATEGORY_CHARS)),
        None => when,
    };
    reply.text("\n").italic(|i| {
        i.text(&line);
    });
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;
    use crate::format::{utf16_len, validate};

    const WITA: Tz = chrono_tz::Asia::Makassar;

    fn article(n: i64, title: &str, category: &str) -> Article {
        let at = Utc.with_ymd_and_hms(2026, 12, 6, 23, 5, 0).single().expect("time");
        let categories: &[&str] = if category.is_empty() { &[] } else { &[category] };
        crate::format::testing::article_at(n, title, categories, at)
    }

    fn morning() -> DigestHeading {
        DigestHeading {
            day: NaiveDate::from_ymd_opt(2026, 12, 7).expect("date"),
            time: NaiveTime::from_hms_opt(6, 0, 0).expect("time"),
        }
    }

    fn more() -> Url {
        Url::parse("https://t.me/warta_bot?start=latest").expect("url")
    }

    #[test]
    fn picks_come_first_under_a_dated_heading() {
        let picks = [article(1, "Banjir & longsor di Samarinda", "Pilihan Redaksi")];
        let others = [article(2, "Harga cabai naik", "Ekonomi"), article(3, "Tanpa kategori", "")];
        let post = render_digest(morning(), &picks, &others, 0, WITA, Lang::Id, Some(&more()));
        assert_eq!(
            post.plain,
            "Berita Pilihan · Senin, 7 Des 2026 · pagi\n\n⭐ Pilihan Redaksi\n1. Banjir & longsor di Samarinda\n\
             Pilihan Redaksi · 07.05 WITA\n\n📰 Terbaru\n2. Harga cabai naik\nEkonomi · 07.05 WITA\n3. Tanpa kategori\n\
             07.05 WITA"
        );
        assert!(post.html.contains("<a href=\"https://kaltimtoday.co/1/\">Banjir &amp; longsor di Samarinda</a>"));
        // Nothing left out: no button.
        assert!(post.button.is_none());
    }

    #[test]
    fn english_readers_get_english_labels_and_a_more_button_when_stories_were_left_out() {
        let others = [article(2, "Chili prices rise", "Ekonomi")];
        let evening = DigestHeading { time: NaiveTime::from_hms_opt(18, 0, 0).expect("time"), ..morning() };
        let post = render_digest(evening, &[], &others, 4, WITA, Lang::En, Some(&more()));
        assert!(
            post.plain.starts_with("Top Stories · Monday, 7 Dec 2026 · evening\n\n📰 Latest\n1."),
            "{}",
            post.plain
        );
        assert!(post.plain.ends_with("… and 4 more stories."), "{}", post.plain);
        let button = post.button.expect("a button");
        assert_eq!((button.text.as_str(), button.url.as_str()), ("More news", "https://t.me/warta_bot?start=latest"));
    }

    #[test]
    fn twenty_hostile_titles_fit_and_stay_valid() {
        let hostile = "<b>&amp;</b> \u{202e} 🇮🇩 ".repeat(300);
        let picks: Vec<_> = (0..10).map(|n| article(n, &hostile, &hostile)).collect();
        let others: Vec<_> = (10..20).map(|n| article(n, &hostile, "Ekonomi")).collect();
        let post = render_digest(morning(), &picks, &others, 999, WITA, Lang::Id, None);
        assert!(utf16_len(&post.plain) <= MESSAGE_LIMIT);
        validate::check(&post.html, MESSAGE_LIMIT, false).expect("valid HTML");
    }

    proptest! {
        #[test]
        fn any_titles_render_within_the_limit(
            titles in proptest::collection::vec(".{0,300}", 0..20),
            category in ".{0,80}",
            left_out in 0usize..10_000,
        ) {
            let articles: Vec<_> =
                titles.iter().enumerate().map(|(n, t)| article(n as i64, t, &category)).collect();
            let (picks, others) = articles.split_at(articles.len() / 2);
            let post = render_digest(morning(), picks, others, left_out, WITA, Lang::Id, Some(&more()));
            prop_assert!(utf16_len(&post.plain) <= MESSAGE_LIMIT);
            prop_assert!(validate::check(&post.html, MESSAGE_LIMIT, false).is_ok(), "{}", post.html);
        }
    }
}
