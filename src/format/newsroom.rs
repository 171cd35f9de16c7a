//! The newsroom's posts and messages: breaking news written by an admin,
//! corrections, retraction notices, alerts, /status and /audit. Pure.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::replies::Reply;
use super::rich::{RichText, utf16_len};
use super::text::{one_line, truncate_chars};
use super::time::format_time;
use super::{CAPTION_LIMIT, MESSAGE_LIMIT};
use crate::domain::{AuditEntry, Capacity, LinkButton, LinkPreview, NewPost, PhotoPost, StatusReport};
use crate::i18n::{Lang, fill};

/// Longest title shown in admin lists.
const LIST_TITLE_CHARS: usize = 80;

/// An admin's text that does not fit in a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the text is {length} characters; at most {max} fit")]
pub struct TooLong {
    pub length: usize,
    pub max: usize,
}

/// What an admin wrote, to be posted as is (escaped, never interpreted as markup).
#[derive(Debug, Clone, Copy)]
pub struct AdminText<'a> {
    pub text: &'a str,
    /// Telegram file_id of the admin's photo: the text becomes its caption.
    pub photo_file_id: Option<&'a str>,
    /// Labelled as breaking news.
    pub breaking: bool,
    /// Marked as corrected.
    pub corrected: bool,
    /// Kept under the post (an article's "read more").
    pub button: Option<&'a LinkButton>,
}

/// Renders an admin's text as a post in `lang`: the label, the first line
/// bold as the headline, the rest as written. Refuses (rather than cuts)
/// a text that does not fit: an admin must know exactly what goes out.
pub fn render_admin_post(input: AdminText<'_>, lang: Lang) -> Result<NewPost, TooLong> {
    let texts = lang.newsroom();
    let text = clean(input.text);
    let mut rich = RichText::new();
    if input.breaking {
        rich.bold(|b| {
            b.text(texts.breaking_label);
        });
        rich.text("\n\n");
    }
    let (headline, body) = match text.split_once('\n') {
        Some((headline, body)) => (headline.trim(), body.trim()),
        None => (text.trim(), ""),
    };
    rich.bold(|b| {
        b.text(headline);
    });
    if !body.is_empty() {
        rich.text("\n\n").text(body);
    }
    if input.corrected {
        rich.text("\n\n").italic(|i| {
            i.text(texts.correction_marker);
        });
    }
    let limit = if input.photo_file_id.is_some() { CAPTION_LIMIT } else { MESSAGE_LIMIT };
    let overhead = rich.len().saturating_sub(utf16_len(&text));
    if rich.len() > limit {
        return Err(TooLong { length: utf16_len(&text), max: limit.saturating_sub(overhead) });
    }
    let (html, plain) = rich.normalized().into_parts();
    let photo = input.photo_file_id.map(|file_id| PhotoPost::telegram_file(file_id, html.clone(), plain.clone()));
    Ok(NewPost {
        html,
        plain,
        photo,
        button: input.button.cloned(),
        link_preview: LinkPreview::Disabled,
        silent: false,
    })
}

/// Line breaks normalized, control characters dropped, outer space trimmed.
fn clean(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    text.chars().filter(|c| *c == '\n' || *c == '\t' || !c.is_control()).collect::<String>().trim().to_owned()
}

/// The notice that replaces a retracted message Telegram will not delete.
pub fn render_retraction_notice(lang: Lang) -> NewPost {
    let mut rich = RichText::new();
    rich.italic(|i| {
        i.text(lang.newsroom().retraction_notice);
    });
    let (html, plain) = rich.into_parts();
    NewPost::text(html, plain)
}

/// A titled notice for admins (alerts and recoveries).
pub fn render_notice(title: &str, body: &str) -> Reply {
    let mut rich = RichText::new();
    rich.bold(|b| {
        b.text(title);
    });
    rich.text("\n").text(&truncate_chars(body, MESSAGE_LIMIT / 2));
    rich.into()
}

/// The /status report.
/// "Jangkauan: artikel baru ≈ 55 menit ke 100.000 pelanggan (29/detik); dengan
/// paid broadcast ≈ 2 menit".
pub fn capacity_line(capacity: &Capacity, lang: Lang) -> String {
    let texts = lang.newsroom();
    let subscribers = group_thousands(capacity.subscribers, lang);
    let rate = |per_second: f64| format!("{per_second:.0}");
    if capacity.paid_on {
        return fill(
            texts.status_capacity_paid,
            &[
                ("time", &approx_duration(capacity.pass_at(capacity.rate_per_second), lang)),
                ("subscribers", &subscribers),
                ("rate", &rate(capacity.rate_per_second)),
            ],
        );
    }
    fill(
        texts.status_capacity,
        &[
            ("time", &approx_duration(capacity.pass_at(capacity.rate_per_second), lang)),
            ("subscribers", &subscribers),
            ("rate", &rate(capacity.rate_per_second)),
            ("paid_time", &approx_duration(capacity.pass_at(capacity.paid_per_second), lang)),
        ],
    )
}

/// 100000 → "100.000" (Indonesian) or "100,000" (English).
pub fn group_thousands(n: i64, lang: Lang) -> String {
    let separator = match lang {
        Lang::Id => '.',
        Lang::En => ',',
    };
    let digits = n.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(separator);
        }
        grouped.push(digit);
    }
    if n < 0 { format!("-{grouped}") } else { grouped }
}

/// A rough duration: "40 detik", "55 menit", "7 jam 25 menit" (or English).
pub fn approx_duration(duration: std::time::Duration, lang: Lang) -> String {
    let seconds = duration.as_secs_f64().round() as u64;
    let (s, m, h) = match lang {
        Lang::Id => ("detik", "menit", "jam"),
        Lang::En => ("s", "min", "h"),
    };
    if seconds < 90 {
        format!("{} {s}", seconds.max(1))
    } else if seconds < 90 * 60 {
        format!("{} {m}", seconds.div_ceil(60))
    } else {
        let minutes = seconds.div_ceil(60);
        format!("{} {h} {} {m}", minutes / 60, minutes % 60)
    }
}

pub fn render_status(report: &StatusReport, capacity: &Capacity, zone: Tz, lang: Lang, now: DateTime<Utc>) -> Reply {
    let texts = lang.newsroom();
    let time = |at: Option<DateTime<Utc>>| match at {
        Some(at) => format_time(at, zone, lang),
        None => texts.status_never.to_owned(),
    };
    let mut rich = RichText::new();
    rich.bold(|b| {
        b.text(texts.status_title);
    });
    if report.paused {
        rich.text("\n").bold(|b| {
            b.text(texts.status_paused);
        });
    }
    if !report.alerts.is_empty() {
        rich.text("\n").text(&fill(texts.status_alerts, &[("count", &report.alerts.len().to_string())]));
    }
    if let Some(cluster) = &report.cluster {
        let (leader, epoch) = match &cluster.leader {
            Some((holder, epoch)) => (one_line(holder), epoch.to_string()),
            None => (texts.status_cluster_none.to_owned(), "—".to_owned()),
        };
        let standbys = if cluster.standbys.is_empty() {
            texts.status_cluster_none.to_owned()
        } else {
            cluster.standbys.iter().map(|name| one_line(name)).collect::<Vec<_>>().join(", ")
        };
        rich.text("\n")
            .text(&fill(texts.status_cluster, &[("leader", &leader), ("epoch", &epoch), ("standbys", &standbys)]));
    }
    rich.text("\n\n").bold(|b| {
        b.text(texts.status_feeds);
    });
    for feed in report.feeds.iter().take(20) {
        let next = if feed.next_check <= now { "—".to_owned() } else { format_time(feed.next_check, zone, lang) };
        let line = fill(
            texts.status_feed,
            &[
                ("name", &truncate_chars(&one_line(&feed.source_name), LIST_TITLE_CHARS)),
                ("fetched", &time(feed.last_fetched_at)),
                ("new", &time(feed.last_new_at)),
                ("next", &next),
            ],
        );
        rich.text("\n• ").text(&line);
        if feed.error_count > 0 {
            let error = truncate_chars(&one_line(feed.last_error.as_deref().unwrap_or_default()), 160);
            rich.text("\n  ")
                .text(&fill(texts.status_feed_failing, &[("count", &feed.error_count.to_string()), ("error", &error)]));
        }
    }
    rich.text("\n\n").text(&fill(
        texts.status_outbox,
        &[
            ("pending", &(report.outbox.pending + report.outbox.sending).to_string()),
            ("dead", &report.outbox.dead.to_string()),
            ("waits", &report.rate_limited.to_string()),
        ],
    ));
    rich.text("\n").text(&fill(
        texts.status_subscribers,
        &[
            ("active", &report.subscribers.active.to_string()),
            ("blocked", &report.subscribers.unreachable.to_string()),
            ("new", &report.subscribers.new_since.to_string()),
        ],
    ));
    if capacity.subscribers > 0 {
        rich.text("\n").text(&capacity_line(capacity, lang));
    }
    rich.text("\n\n").bold(|b| {
        b.text(texts.status_recent);
    });
    if report.recent.is_empty() {
        rich.text("\n").text(texts.status_no_posts);
    }
    for story in &report.recent {
        let title = truncate_chars(&one_line(&story.title), LIST_TITLE_CHARS);
        let title = if story.breaking { format!("🔴 {title}") } else { title };
        rich.text("\n").text(&fill(
            texts.status_recent_line,
            &[
                ("id", &story.post_id.to_string()),
                ("title", &title),
                ("sent", &story.sent.to_string()),
                ("pending", &story.pending.to_string()),
                ("failed", &story.failed.to_string()),
            ],
        ));
    }
    Reply::from(rich.truncated(MESSAGE_LIMIT))
}

/// The /audit list.
pub fn render_audit(entries: &[AuditEntry], zone: Tz, lang: Lang) -> Reply {
    let texts = lang.newsroom();
    let mut rich = RichText::new();
    rich.bold(|b| {
        b.text(texts.audit_title);
    });
    if entries.is_empty() {
        rich.text("\n").text(texts.audit_empty);
    }
    for entry in entries {
        let mut line = format!("{} · {} · {}", format_time(entry.at, zone, lang), entry.admin_id, entry.action);
        if let Some(target) = &entry.target {
            line.push(' ');
            line.push_str(&truncate_chars(&one_line(target), LIST_TITLE_CHARS));
        }
        if let Some(detail) = &entry.detail {
            line.push_str(" — ");
            line.push_str(&truncate_chars(&one_line(detail), LIST_TITLE_CHARS));
        }
        if let Some(recipients) = entry.recipients {
            line.push_str(&format!(" ({recipients})"));
        }
        rich.text("\n• ").text(&line);
    }
    Reply::from(rich.truncated(MESSAGE_LIMIT))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::validate;

    #[test]
    fn capacity_reads_like_a_newsroom_would_say_it() {
        let free = Capacity { subscribers: 100_000, rate_per_second: 29.25, paid_per_second: 960.0, paid_on: false };
        assert_eq!(
            capacity_line(&free, Lang::Id),
            "Jangkauan: artikel baru ≈ 57 menit ke 100.000 pelanggan (29/detik); dengan paid broadcast ≈ 2 menit"
        );
        assert_eq!(
            capacity_line(&free, Lang::En),
            "Reach: a new article ≈ 57 min to 100,000 subscribers (29/s); with paid broadcast ≈ 2 min"
        );
        let paid = Capacity { paid_on: true, rate_per_second: 960.0, ..free };
        assert!(capacity_line(&paid, Lang::Id).contains("≈ 2 menit ke 100.000 pelanggan (paid broadcast, 960/detik)"));
        let big = Capacity { subscribers: 1_000_000, ..free };
        assert_eq!(approx_duration(big.pass_at(big.rate_per_second), Lang::Id), "9 jam 30 menit");
        assert_eq!(approx_duration(std::time::Duration::from_secs(34), Lang::Id), "34 detik");
        assert_eq!(group_thousands(999, Lang::Id), "999");
        assert_eq!(group_thousands(1_234_567, Lang::En), "1,234,567");
        assert_eq!(group_thousands(-1000, Lang::Id), "-1.000");
        let none = Capacity { subscribers: 0, ..free };
        assert_eq!(approx_duration(none.pass_at(0.0), Lang::En), "1 s");
    }

    fn text(text: &str) -> AdminText<'_> {
        AdminText { text, photo_file_id: None, breaking: true, corrected: false, button: None }
    }

    #[test]
    fn breaking_text_is_labelled_escaped_and_valid() {
        let post =
            render_admin_post(text("Banjir <b>besar</b> & longsor\nWarga diminta waspada."), Lang::Id).expect("fits");
        assert!(post.html.starts_with("<b>🔴 BERITA TERKINI</b>"), "{}", post.html);
        assert!(post.html.contains("<b>Banjir &lt;b&gt;besar&lt;/b&gt; &amp; longsor</b>"), "{}", post.html);
        assert_eq!(post.plain, "🔴 BERITA TERKINI\n\nBanjir <b>besar</b> & longsor\n\nWarga diminta waspada.");
        assert!(!post.silent);
        validate::check(&post.html, MESSAGE_LIMIT, false).expect("valid Telegram HTML");
        let english = render_admin_post(text("Flood"), Lang::En).expect("fits");
        assert!(english.plain.starts_with("🔴 BREAKING NEWS"));
    }

    #[test]
    fn too_long_texts_are_refused_not_cut() {
        let long = "a".repeat(MESSAGE_LIMIT);
        let err = render_admin_post(text(&long), Lang::Id).expect_err("too long");
        assert_eq!(err.length, MESSAGE_LIMIT);
        assert!(err.max < MESSAGE_LIMIT && err.max > MESSAGE_LIMIT - 100, "{err:?}");
        let exactly = "a".repeat(err.max);
        render_admin_post(text(&exactly), Lang::Id).expect("the stated maximum fits");
        let long_caption = "b".repeat(1100);
        let caption = AdminText { photo_file_id: Some("AgACAgIAAx"), ..text(&long_caption) };
        let err = render_admin_post(caption, Lang::Id).expect_err("caption too long");
        assert!(err.max < CAPTION_LIMIT);
    }

    #[test]
    fn a_photo_post_carries_the_file_and_the_caption() {
        let input = AdminText { photo_file_id: Some("AgACAgIAAx-_9"), ..text("Kebakaran pasar\nDamkir di lokasi.") };
        let post = render_admin_post(input, Lang::Id).expect("fits");
        let photo = post.photo.expect("photo");
        assert_eq!(photo.telegram_file_id(), Some("AgACAgIAAx-_9"));
        assert_eq!(photo.caption_html, post.html);
    }

    #[test]
    fn corrections_are_marked_and_control_characters_dropped() {
        let input = AdminText { breaking: false, corrected: true, ..text("Judul\u{0}\u{7}\r\nIsi") };
        let post = render_admin_post(input, Lang::Id).expect("fits");
        assert_eq!(post.plain, "Judul\n\nIsi\n\n✏️ Diralat");
    }
}
