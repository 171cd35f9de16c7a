use chrono_tz::Tz;

use super::MESSAGE_LIMIT;
use super::rich::RichText;
use super::text::truncate_chars;
use super::time::format_time;
use crate::domain::Article;
use crate::i18n::Lang;

/// A rendered reply to a reader: Telegram HTML and its plain twin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub html: String,
    pub plain: String,
}

impl From<RichText> for Reply {
    fn from(rich: RichText) -> Self {
        let (html, plain) = rich.normalized().into_parts();
        Self { html, plain }
    }
}

/// An article in a /latest list.
pub type LatestEntry = Article;

/// The answer to /start: what the bot does, then the commands.
pub fn render_start(lang: Lang, max_latest: u32) -> Reply {
    let texts = lang.texts();
    let mut reply = RichText::new();
    reply.bold(|b| {
        b.text(texts.welcome_title);
    });
    reply.text("\n\n").text(texts.welcome_body).text("\n\n");
    push_commands(&mut reply, lang, max_latest);
    reply.into()
}

/// The answer to /help: the commands and how to use them.
pub fn render_help(lang: Lang, max_latest: u32) -> Reply {
    let mut reply = RichText::new();
    push_commands(&mut reply, lang, max_latest);
    reply.into()
}

fn push_commands(reply: &mut RichText, lang: Lang, max_latest: u32) {
    let texts = lang.texts();
    reply.bold(|b| {
        b.text(texts.help_title);
    });
    for command in texts.commands {
        reply.text(&format!("\n/{} — {}", command.command, command.description));
    }
    reply.text("\n\n").text(&texts.help_footer.replace("{max}", &max_latest.to_string()));
}

/// Tells admins that a feed keeps failing.
pub fn render_feed_alert(feed_url: &str, failures: u32, error: &str, lang: Lang) -> Reply {
    let texts = lang.texts();
    let mut reply = RichText::new();
    reply.bold(|b| {
        b.text(texts.feed_alert_title);
    });
    reply
        .text("\n")
        .text(&texts.feed_alert_body.replace("{url}", feed_url).replace("{failures}", &failures.to_string()))
        .text("\n")
        .italic(|i| {
            i.text(&truncate_chars(error, 300));
        });
    reply.into()
}

/// Tells admins that an alerted feed works again.
pub fn render_feed_recovered(feed_url: &str, lang: Lang) -> Reply {
    let texts = lang.texts();
    let mut reply = RichText::new();
    reply.bold(|b| {
        b.text(texts.feed_recovered_title);
    });
    reply.text("\n").text(&texts.feed_recovered_body.replace("{url}", feed_url));
    reply.into()
}

/// Tells admins that a configured channel refuses posts.
pub fn render_channel_refuses(channel: &str, error: &str, lang: Lang) -> Reply {
    let texts = lang.texts();
    let mut reply = RichText::new();
    reply.bold(|b| {
        b.text(texts.channel_refuses_title);
    });
    reply.text("\n").text(&texts.channel_refuses_body.replace("{channel}", channel)).text("\n").italic(|i| {
        i.text(&truncate_chars(error, 300));
    });
    reply.into()
}

/// The answer to a malformed /latest.
pub fn render_latest_usage(lang: Lang, max_latest: u32) -> Reply {
    let mut reply = RichText::new();
    reply.text(&lang.texts().latest_usage.replace("{max}", &max_latest.to_string()));
    reply.into()
}

/// The answer to /latest: numbered linked titles with their time.
pub fn render_latest(articles: &[LatestEntry], zone: Tz, lang: Lang) -> Reply {
    let texts = lang.texts();
    let mut reply = RichText::new();
    if articles.is_empty() {
        reply.text(texts.latest_empty);
        return reply.into();
    }
    reply.bold(|b| {
        b.text(texts.latest_title);
    });
    // Room per title so that even 20 long titles fit in one message.
    let overhead_per_entry = 48;
    let title_budget = ((MESSAGE_LIMIT - 64) / articles.len()).saturating_sub(overhead_per_entry).clamp(20, 200);
    for (index, article) in articles.iter().enumerate() {
        let title =
            truncate_chars(article.title.split_whitespace().collect::<Vec<_>>().join(" ").as_str(), title_budget);
        let title = if title.is_empty() { "—".to_owned() } else { title };
        reply.text(&format!("\n\n{}. ", index + 1));
        match &article.link {
            Some(link) => {
                reply.link(link, |l| {
                    l.text(&title);
                });
            }
            None => {
                reply.text(&title);
            }
        }
        reply.text("\n").italic(|i| {
            i.text(&format_time(article.display_time(), zone, lang));
        });
    }
    debug_assert!(reply.len() <= MESSAGE_LIMIT);
    reply.into()
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use url::Url;

    use super::*;
    use crate::domain::ArticleKey;
    use crate::format::utf16_len;

    fn article(n: usize, title: &str) -> Article {
        Article {
            id: n as i64,
            feed_id: 1,
            key: ArticleKey::from_title(title),
            title: title.into(),
            link: Some(Url::parse(&format!("https://kaltimtoday.co/{n}/")).expect("url")),
            summary_html: None,
            content_html: None,
            author: None,
            categories: vec![],
            image_url: None,
            published_at: Some(Utc.with_ymd_and_hms(2026, 11, 27, 1, 20, 0).single().expect("time")),
            seen_at: Utc.with_ymd_and_hms(2026, 11, 27, 1, 20, 0).single().expect("time"),
            source_name: "Kaltimtoday.co".into(),
        }
    }

    #[test]
    fn lists_linked_titles_with_wita_times() {
        let reply = render_latest(&[article(1, "Banjir & longsor")], chrono_tz::Asia::Makassar, Lang::Id);
        assert_eq!(
            reply.html,
            "<b>Berita terbaru</b>\n\n1. <a href=\"https://kaltimtoday.co/1/\">Banjir &amp; longsor</a>\n<i>27 Nov 2026, 09.20 WITA</i>"
        );
    }

    #[test]
    fn twenty_huge_titles_still_fit() {
        let articles: Vec<_> = (0..20).map(|n| article(n, &"Sangat panjang ".repeat(400))).collect();
        let reply = render_latest(&articles, chrono_tz::Asia::Makassar, Lang::En);
        assert!(utf16_len(&reply.plain) <= MESSAGE_LIMIT, "{}", utf16_len(&reply.plain));
        assert!(reply.html.starts_with("<b>Latest news</b>"));
    }

    #[test]
    fn empty_archive_says_so() {
        let reply = render_latest(&[], chrono_tz::Asia::Makassar, Lang::Id);
        assert_eq!(reply.plain, "Belum ada berita tersimpan. Coba lagi sebentar lagi.");
    }

    #[test]
    fn feed_alerts_name_the_feed_and_the_error() {
        let alert = render_feed_alert("https://kaltimtoday.co/feed/", 5, "server error (HTTP 503) <x>", Lang::Id);
        assert_eq!(
            alert.html,
            "<b>⚠️ Feed bermasalah</b>\nhttps://kaltimtoday.co/feed/ gagal diambil 5 kali berturut-turut. \
             Warta terus mencoba dan akan mengabari jika pulih.\n<i>server error (HTTP 503) &lt;x&gt;</i>"
        );
        let recovered = render_feed_recovered("https://kaltimtoday.co/feed/", Lang::Id);
        assert!(recovered.plain.starts_with("✅ Feed pulih\nhttps://kaltimtoday.co/feed/"), "{}", recovered.plain);
    }

    #[test]
    fn start_and_help_list_commands_in_the_readers_language() {
        let start = render_start(Lang::Id, 20);
        assert!(start.plain.contains("/latest — Berita terbaru"), "{}", start.plain);
        assert!(start.plain.contains("(1–20)"));
        let help = render_help(Lang::En, 20);
        assert!(help.plain.contains("/latest — Latest news"), "{}", help.plain);
        assert_eq!(
            render_latest_usage(Lang::Id, 20).plain,
            "Gunakan /latest atau /latest N, dengan N angka 1 sampai 20. Contoh: /latest 10"
        );
    }
}
