//! Plain-text helpers: entity decoding, HTML to plain text, cutting names.

use scraper::Html;

use super::html::{Conversion, html_to_rich};
use super::rich::RichText;

/// Converts an HTML fragment to plain text: one block per line, entities
/// decoded, markup, non-prose elements and WordPress boilerplate dropped.
pub fn html_to_plain(html: &str) -> String {
    html_to_rich(html, &Conversion::default()).plain()
}

/// Decodes HTML entities (`&amp;`, `&#8211;`, `&hellip;` …) in plain text,
/// leaving anything that looks like a tag as literal text. Feeds sometimes
/// encode titles twice.
pub fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let fragment = Html::parse_fragment(&text.replace('<', "&lt;"));
    fragment.root_element().text().collect()
}

/// Cuts `text` to at most `max_units` UTF-16 units at a word boundary, ending in "…".
pub fn truncate_chars(text: &str, max_units: usize) -> String {
    RichText::plain_text(text).truncated(max_units).plain()
}

/// Collapses all whitespace runs (newlines included) to single spaces.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
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
    fn decodes_entities_but_keeps_angle_brackets() {
        assert_eq!(decode_entities("Banjir &#8211; Samarinda &amp; <Sekitarnya>"), "Banjir – Samarinda & <Sekitarnya>");
        assert_eq!(decode_entities("Tom &amp;amp; Jerry&nbsp;&hellip;"), "Tom &amp; Jerry\u{a0}…");
        assert_eq!(decode_entities("no entities <b>"), "no entities <b>");
    }

    #[test]
    fn truncation_never_exceeds_the_limit() {
        for max in 0..40 {
            let cut = truncate_chars("Pemerintah Provinsi Kalimantan Timur umumkan", max);
            assert!(cut.chars().count() <= max, "{max}: {cut}");
        }
        assert_eq!(truncate_chars("Supercalifragilistic", 8), "Superca…");
        assert_eq!(truncate_chars("Pendek", 8), "Pendek");
    }
}
