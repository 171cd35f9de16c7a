use scraper::{Html, Node};

/// Elements whose text is not article prose.
const SKIPPED: &[&str] = &[
    "script",
    "style",
    "noscript",
    "iframe",
    "template",
    "object",
    "embed",
    "svg",
    "math",
    "form",
    "button",
    "select",
    "textarea",
    "figcaption",
    "head",
];

/// Elements that end a line of text.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "tr",
    "table",
    "section",
    "article",
    "header",
    "footer",
    "figure",
    "hr",
    "dd",
    "dt",
];

/// Converts an HTML fragment to plain text: entities decoded, markup and
/// non-prose elements dropped, one paragraph per line, whitespace collapsed,
/// WordPress boilerplate ("The post … appeared first on …", "[…]") removed.
pub fn html_to_plain(html: &str) -> String {
    let fragment = Html::parse_fragment(html);
    let mut raw = String::with_capacity(html.len());
    collect_text(fragment.tree.root(), &mut raw);
    raw.split('\n')
        .map(collapse_whitespace)
        .map(|line| strip_read_more_stub(&line))
        .filter(|line| !line.is_empty() && !is_boilerplate(line))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Decodes HTML entities (`&amp;`, `&#8211;`, `&hellip;` …) in plain text,
/// leaving anything that looks like a tag as literal text. Feeds sometimes
/// encode titles twice.
pub fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let fragment = Html::parse_fragment(&text.replace('<', "&lt;"));
    let mut decoded = String::with_capacity(text.len());
    collect_text(fragment.tree.root(), &mut decoded);
    decoded
}

fn collect_text(node: ego_tree::NodeRef<'_, Node>, out: &mut String) {
    for child in node.children() {
        match child.value() {
            Node::Text(text) => out.push_str(text),
            Node::Element(element) => {
                let name = element.name();
                if SKIPPED.contains(&name) {
                    continue;
                }
                let block = BLOCKS.contains(&name);
                if block {
                    out.push('\n');
                }
                collect_text(child, out);
                if block {
                    out.push('\n');
                }
            }
            _ => collect_text(child, out),
        }
    }
}

fn collapse_whitespace(line: &str) -> String {
    line.split(|c: char| c.is_whitespace() || c == '\u{a0}').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// WordPress ends excerpts with "[…]" (the site's own "read more"); we have our own.
fn strip_read_more_stub(line: &str) -> String {
    let mut line = line.trim_end();
    for stub in ["[…]", "[...]", "[&hellip;]", "…", "..."] {
        if let Some(rest) = line.strip_suffix(stub) {
            line = rest.trim_end();
            break;
        }
    }
    line.to_owned()
}

fn is_boilerplate(line: &str) -> bool {
    line.starts_with("The post ") && line.contains(" appeared first on ")
}

/// Shortens `text` to at most `max_chars` characters. A cut ends at the last
/// full sentence if that keeps at least half of the room; otherwise at a word
/// boundary, marked with "…".
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let text = collapse_whitespace(text);
    if text.chars().count() <= max_chars {
        return text;
    }
    let room: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    if let Some(end) = last_sentence_end(&room)
        && room[..end].chars().count() >= max_chars / 2
    {
        return room[..end].to_owned();
    }
    truncate_chars(&text, max_chars)
}

/// Byte index just past the last sentence-ending punctuation followed by a
/// space and a capital letter, digit or quote (so "Rp 1.5 juta" or "Dr. X" mid-way
/// is not mistaken for one unless followed by a capital).
fn last_sentence_end(text: &str) -> Option<usize> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut best = None;
    for window in chars.windows(3) {
        let [(i, punct), (_, space), (_, next)] = window else { continue };
        if matches!(punct, '.' | '!' | '?' | '”' | '"')
            && *space == ' '
            && (next.is_uppercase() || next.is_ascii_digit() || matches!(next, '"' | '“'))
        {
            best = Some(i + punct.len_utf8());
        }
    }
    best
}

/// Cuts `text` to at most `max_chars` characters at a word boundary, ending in "…".
pub fn truncate_chars(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    if max_chars == 0 {
        return String::new();
    }
    let room: String = text.chars().take(max_chars - 1).collect();
    let cut = match room.rfind(' ') {
        // Cut at a word boundary unless that throws away most of the room.
        Some(space) if room[..space].chars().count() * 2 >= room.chars().count() => &room[..space],
        _ => room.as_str(),
    };
    let cut = cut.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '–'));
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_markup_and_decodes_entities() {
        let html = "<p>Banjir&nbsp;rendam <b>Samarinda</b> &amp; sekitarnya&#8230;</p><script>alert(1)</script>\
                    <p>Warga&hellip; <img src=x> mengungsi.</p><figure><img src=a><figcaption>Foto: X</figcaption></figure>";
        assert_eq!(html_to_plain(html), "Banjir rendam Samarinda & sekitarnya\nWarga… mengungsi.");
    }

    #[test]
    fn removes_wordpress_boilerplate() {
        let html = "<p>Pemkot Samarinda menggelar rapat koordinasi [&#8230;]</p>\n\
                    <p>The post <a href=\"https://kaltimtoday.co/x\">Rapat</a> appeared first on <a href=\"https://kaltimtoday.co\">Kaltimtoday.co</a>.</p>";
        assert_eq!(html_to_plain(html), "Pemkot Samarinda menggelar rapat koordinasi");
    }

    #[test]
    fn decodes_entities_but_keeps_angle_brackets() {
        assert_eq!(decode_entities("Banjir &#8211; Samarinda &amp; <Sekitarnya>"), "Banjir – Samarinda & <Sekitarnya>");
        assert_eq!(decode_entities("Tom &amp;amp; Jerry&nbsp;&hellip;"), "Tom &amp; Jerry\u{a0}…");
        assert_eq!(decode_entities("no entities <b>"), "no entities <b>");
    }

    #[test]
    fn plain_text_passes_through() {
        assert_eq!(html_to_plain("Harga  cabai\n naik 3 < 5"), "Harga cabai\nnaik 3 < 5");
    }

    #[test]
    fn excerpt_prefers_a_sentence_end() {
        let text = "Hujan deras mengguyur Samarinda sejak pagi. Air mulai naik di Jalan Pahlawan dan sekitarnya hingga sore hari.";
        assert_eq!(excerpt(text, 60), "Hujan deras mengguyur Samarinda sejak pagi.");
    }

    #[test]
    fn excerpt_falls_back_to_a_word_boundary() {
        let text = "Hujan deras mengguyur Samarinda sejak pagi hingga sore hari tanpa henti";
        let cut = excerpt(text, 30);
        assert_eq!(cut, "Hujan deras mengguyur…");
        assert!(cut.chars().count() <= 30);
    }

    #[test]
    fn short_text_is_untouched() {
        assert_eq!(excerpt("Singkat.", 100), "Singkat.");
    }

    #[test]
    fn truncation_never_exceeds_the_limit() {
        for max in 0..40 {
            let cut = truncate_chars("Pemerintah Provinsi Kalimantan Timur umumkan", max);
            assert!(cut.chars().count() <= max, "{max}: {cut}");
        }
        assert_eq!(truncate_chars("Supercalifragilistic", 8), "Superca…");
    }
}
