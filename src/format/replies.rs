use chrono_tz::Tz;

use super::MESSAGE_LIMIT;
use super::rich::RichText;
use super::text::{one_line, truncate_chars};
use super::time::format_time;
use crate::domain::Article;
use crate::i18n::{Lang, fill};

/// Longest heading, subtitle or footer line.
const HEADING_UNITS: usize = 200;

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

/// The answer to /start: what the bot does, then the commands.
pub fn render_start(lang: Lang, max_latest: u32) -> Reply {
    let texts = lang.texts();
    let mut reply = RichText::new();
    reply.bold(|b| {
        b.text(texts.welcome_title);
    });
    reply.text("\n\n").text(texts.welcome_body).text("\n\n");
    push_commands(&mut reply, lang, max_latest, false);
    reply.into()
}

/// The answer to /help: the commands and how to use them (admins also see theirs).
pub fn render_help(lang: Lang, max_latest: u32, admin: bool) -> Reply {
    let mut reply = RichText::new();
    push_commands(&mut reply, lang, max_latest, admin);
    reply.into()
}

fn push_commands(reply: &mut RichText, lang: Lang, max_latest: u32, admin: bool) {
    let texts = lang.texts();
    reply.bold(|b| {
        b.text(texts.help_title);
    });
    let (admin_commands, newsroom_commands) =
        if admin { (texts.admin_commands, lang.newsroom().commands) } else { (&[][..], &[][..]) };
    for command in texts.commands.iter().chain(admin_commands).chain(newsroom_commands) {
        reply.text(&format!("\n/{} — {}", command.command, command.description));
    }
    reply.text("\n\n").text(&fill(texts.help_footer, &[("max", &max_latest.to_string())]));
}

/// A plain one-paragraph reply.
pub fn render_text(text: &str) -> Reply {
    RichText::plain_text(&truncate_chars(text, MESSAGE_LIMIT)).into()
}

/// A numbered list of articles: /latest pages and search results.
#[derive(Debug, Clone)]
pub struct ArticleList<'a> {
    /// The heading, shown bold.
    pub title: &'a str,
    /// A line under the heading ("12 results").
    pub subtitle: Option<&'a str>,
    /// The number of the first entry (entries continue across pages).
    pub first_number: usize,
    pub articles: &'a [Article],
    /// The footer, e.g. "Page 2/9".
    pub footer: Option<&'a str>,
    /// Shown instead when there are no articles.
    pub empty: &'a str,
}

/// Renders a list of linked titles with their time, within Telegram's limit
/// whatever the titles hold.
pub fn render_article_list(list: &ArticleList<'_>, zone: Tz, lang: Lang) -> Reply {
    let mut reply = RichText::new();
    if list.articles.is_empty() {
        reply.text(&truncate_chars(list.empty, MESSAGE_LIMIT));
        return reply.into();
    }
    reply.bold(|b| {
        b.text(&truncate_chars(&one_line(list.title), HEADING_UNITS));
    });
    if let Some(subtitle) = list.subtitle {
        reply.text("\n").italic(|i| {
            i.text(&truncate_chars(&one_line(subtitle), HEADING_UNITS));
        });
    }
    // Room per title so that even 20 long titles fit in one message.
    let overhead_per_entry = 48;
    let fixed = 3 * HEADING_UNITS + 64;
    let title_budget =
        ((MESSAGE_LIMIT - fixed) / list.articles.len()).saturating_sub(overhead_per_entry).clamp(20, 200);
    for (index, article) in list.articles.iter().enumerate() {
        reply.text("\n\n");
        numbered_title(&mut reply, list.first_number + index, article, title_budget);
        reply.text("\n").italic(|i| {
            i.text(&format_time(article.display_time(), zone, lang));
        });
    }
    if let Some(footer) = list.footer {
        reply.text("\n\n").text(&truncate_chars(&one_line(footer), HEADING_UNITS));
    }
    debug_assert!(reply.len() <= MESSAGE_LIMIT);
    reply.into()
}

/// "3. " and the article's title on one line, cut to `budget` characters,
/// linked to the article when it has a web link (lists and digests alike).
pub(super) fn numbered_title(reply: &mut RichText, number: usize, article: &Article, budget: usize) {
    let title = truncate_chars(&one_line(&article.title), budget);
    let title = if title.is_empty() { "—".to_owned() } else { title };
    reply.text(&format!("{number}. "));
    match article.link.as_ref().filter(|l| matches!(l.scheme(), "http" | "https")) {
        Some(link) => {
            reply.link(link, |l| {
                l.text(&title);
            });
        }
        None => {
            reply.text(&title);
        }
    }
}

/// A reader's new stories sent together as one message ("3 berita baru"):
/// linked titles with their time, newest first, within one message.
pub fn render_backlog(articles: &[Article], zone: Tz, lang: Lang) -> Reply {
    let mut newest_first = articles.to_vec();
    newest_first.sort_by_key(|article| std::cmp::Reverse(article.display_time()));
    let count = newest_first.len().to_string();
    let title = crate::i18n::fill(lang.texts().backlog_title, &[("count", &count)]);
    let list = ArticleList {
        title: &title,
        subtitle: None,
        first_number: 1,
        articles: &newest_first,
        footer: None,
        empty: &title,
    };
    render_article_list(&list, zone, lang)
}

/// The text above the category picker; the categories are its buttons.
pub fn render_category_picker(chosen: &[&str], subscribed: bool, any_categories: bool, lang: Lang) -> Reply {
    let texts = lang.texts();
    let mut reply = RichText::new();
    reply.bold(|b| {
        b.text(texts.categories_title);
    });
    reply.text("\n").text(texts.categories_body).text("\n\n");
    if !any_categories {
        reply.text(texts.categories_none_yet);
        return reply.into();
    }
    if chosen.is_empty() {
        reply.text(texts.categories_all);
    } else {
        let list = chosen.iter().map(|name| one_line(name)).collect::<Vec<_>>().join(", ");
        reply.text(&truncate_chars(&fill(texts.categories_chosen, &[("list", &list)]), MESSAGE_LIMIT / 2));
    }
    if !subscribed {
        reply.text("\n\n").italic(|i| {
            i.text(texts.categories_not_subscribed);
        });
    }
    reply.into()
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
        .text(&fill(texts.feed_alert_body, &[("url", feed_url), ("failures", &failures.to_string())]))
        .text("\n")
        .italic(|i| {
            i.text(&truncate_chars(error, 300));
        });
    reply.into()
}

/// Tells admins that an item of a feed cannot be processed and is skipped.
pub fn render_item_failed(feed_url: &str, title: &str, link: Option<&str>, reason: &str, lang: Lang) -> Reply {
    let texts = lang.texts();
    let title = truncate_chars(&one_line(title), HEADING_UNITS);
    let mut reply = RichText::new();
    reply.bold(|b| {
        b.text(texts.item_failed_title);
    });
    reply.text("\n").text(&fill(texts.item_failed_body, &[("url", feed_url), ("title", &title)]));
    if let Some(link) = link {
        reply.text("\n").text(&truncate_chars(link, 500));
    }
    reply.text("\n").italic(|i| {
        i.text(&truncate_chars(reason, 300));
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
    reply.text("\n").text(&fill(texts.feed_recovered_body, &[("url", feed_url)]));
    reply.into()
}

/// Tells admins that a configured channel refuses posts.
pub fn render_channel_refuses(channel: &str, error: &str, lang: Lang) -> Reply {
    let texts = lang.texts();
    let mut reply = RichText::new();
    reply.bold(|b| {
        b.text(texts.channel_refuses_title);
    });
    reply.text("\n").text(&fill(texts.channel_refuses_body, &[("channel", channel)])).text("\n").italic(|i| {
        i.text(&truncate_chars(error, 300));
    });
    reply.into()
}

/// The answer to a malformed /latest.
pub fn render_latest_usage(lang: Lang, max_latest: u32) -> Reply {
    render_text(&fill(lang.texts().latest_usage, &[("max", &max_latest.to_string())]))
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::format::utf16_len;

    fn article(n: usize, title: &str) -> Article {
        let at = Utc.with_ymd_and_hms(2026, 11, 27, 1, 20, 0).single().expect("time");
        crate::format::testing::article_at(n as i64, title, &[], at)
    }

    fn list<'a>(articles: &'a [Article], footer: Option<&'a str>) -> ArticleList<'a> {
        ArticleList {
            title: "Berita terbaru",
            subtitle: None,
            first_number: 1,
            articles,
            footer,
            empty: "Belum ada berita tersimpan. Coba lagi sebentar lagi.",
        }
    }

    #[test]
    fn lists_linked_titles_with_wita_times() {
        let articles = [article(1, "Banjir & longsor")];
        let reply = render_article_list(&list(&articles, None), chrono_tz::Asia::Makassar, Lang::Id);
        assert_eq!(
            reply.html,
            "<b>Berita terbaru</b>\n\n1. <a href=\"https://kaltimtoday.co/1/\">Banjir &amp; longsor</a>\n<i>27 Nov 2026, 09.20 WITA</i>"
        );
    }

    #[test]
    fn pages_continue_the_numbering_and_say_where_they_are() {
        let articles = [article(6, "Enam"), article(7, "Tujuh")];
        let mut page = list(&articles, Some("Halaman 2/4"));
        page.first_number = 6;
        page.subtitle = Some("12 hasil");
        let reply = render_article_list(&page, chrono_tz::Asia::Makassar, Lang::Id);
        assert!(reply.plain.starts_with("Berita terbaru\n12 hasil\n\n6. Enam"), "{}", reply.plain);
        assert!(reply.plain.contains("\n\n7. Tujuh"), "{}", reply.plain);
        assert!(reply.plain.ends_with("\n\nHalaman 2/4"), "{}", reply.plain);
    }

    #[test]
    fn twenty_huge_titles_and_headings_still_fit() {
        let articles: Vec<_> = (0..20).map(|n| article(n, &"Sangat panjang ".repeat(400))).collect();
        let long = "x".repeat(5000);
        let mut page = list(&articles, Some(&long));
        page.title = &long;
        page.subtitle = Some(&long);
        let reply = render_article_list(&page, chrono_tz::Asia::Makassar, Lang::En);
        assert!(utf16_len(&reply.plain) <= MESSAGE_LIMIT, "{}", utf16_len(&reply.plain));
    }

    #[test]
    fn empty_lists_say_so() {
        let reply = render_article_list(&list(&[], None), chrono_tz::Asia::Makassar, Lang::Id);
        assert_eq!(reply.plain, "Belum ada berita tersimpan. Coba lagi sebentar lagi.");
    }

    #[test]
    fn the_category_picker_says_what_is_chosen() {
        let all = render_category_picker(&[], true, true, Lang::Id);
        assert!(all.plain.ends_with("Dipilih: semua kategori"), "{}", all.plain);
        let some = render_category_picker(&["Samarinda", "Ekonomi & Bisnis"], false, true, Lang::En);
        assert!(some.plain.contains("Chosen: Samarinda, Ekonomi & Bisnis"), "{}", some.plain);
        assert!(some.html.contains("Ekonomi &amp; Bisnis"), "{}", some.html);
        assert!(some.plain.ends_with("choosing a category subscribes you."), "{}", some.plain);
        let none = render_category_picker(&[], true, false, Lang::Id);
        assert!(none.plain.ends_with("setelah berita pertama tersimpan."), "{}", none.plain);
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
        let help = render_help(Lang::En, 20, false);
        assert!(help.plain.contains("/latest — Latest news"), "{}", help.plain);
        assert!(help.plain.contains("/search — Search"), "{}", help.plain);
        assert!(!help.plain.contains("/hide"), "{}", help.plain);
        assert!(render_help(Lang::Id, 20, true).plain.contains("/sembunyikan — Admin"));
        assert_eq!(
            render_latest_usage(Lang::Id, 20).plain,
            "Gunakan /latest, /latest N (N angka 1 sampai 20) atau /latest <kategori>. Contoh: /latest 10, /latest ekonomi"
        );
    }
}
