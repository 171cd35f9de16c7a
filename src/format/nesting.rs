//! Bounds how deep tags nest in markup from a feed, before any parser or
//! tree walk sees it.
//!
//! Depth is what a hostile item controls for free: 55 KB of `<div>` is 5,000
//! levels. html5ever checks scope against its stack of open elements on every
//! tag (quadratic in depth), and a tree walk recurses per level. Past
//! `max_depth` the tags are dropped and their text kept, so the article still
//! reads and every later step works on a tree of bounded depth.

use std::borrow::Cow;

/// How deep article markup may nest before its inner tags are dropped.
/// Real articles stay below 40.
pub const MAX_MARKUP_DEPTH: usize = 256;

/// Which rules the markup follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Markup {
    /// Well-formed XML: every start tag is closed or self-closing.
    Xml,
    /// HTML: void elements, unclosed tags, raw text in `<script>`/`<style>`.
    Html,
}

const VOID: &[&str] =
    &["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"];

const RAW_TEXT: &[&str] = &["script", "style", "textarea", "title", "xmp", "plaintext"];

/// `text` with start and end tags nested deeper than `max_depth` removed
/// (their text stays); borrowed when nothing was that deep. Linear in the
/// length of `text`.
pub fn bound_nesting(text: &str, max_depth: usize, markup: Markup) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    // Start tags dropped and not yet closed: their end tags are dropped too.
    let mut dropped_open = 0usize;
    let mut out: Option<String> = None;
    let mut copied_to = 0;
    let mut at = 0;
    while let Some(offset) = memchr(b'<', &bytes[at..]) {
        let start = at + offset;
        let Some(tag) = scan_tag(text, start, markup) else {
            at = start + 1;
            continue;
        };
        at = tag.end;
        let drop_tag = match tag.kind {
            TagKind::Other => false,
            TagKind::Start { self_closing, ref name } => {
                let dropped = if self_closing || (markup == Markup::Html && VOID.contains(&name.as_str())) {
                    false
                } else if depth >= max_depth {
                    dropped_open += 1;
                    true
                } else {
                    depth += 1;
                    false
                };
                if markup == Markup::Html && !self_closing && RAW_TEXT.contains(&name.as_str()) {
                    // Raw text runs to its end tag; a `<` inside is no tag.
                    let close = format!("</{name}");
                    if let Some(end) = find_ascii_case_insensitive(&text[at..], &close) {
                        at += end;
                    }
                }
                dropped
            }
            TagKind::End => {
                if dropped_open > 0 {
                    dropped_open -= 1;
                    true
                } else {
                    depth = depth.saturating_sub(1);
                    false
                }
            }
        };
        if drop_tag {
            let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
            out.push_str(&text[copied_to..start]);
            copied_to = tag.end;
        }
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut out) => {
            out.push_str(&text[copied_to..]);
            Cow::Owned(out)
        }
    }
}

enum TagKind {
    Start {
        name: String,
        self_closing: bool,
    },
    End,
    /// Comments, CDATA, processing instructions, doctypes: copied, no depth.
    Other,
}

struct Tag {
    kind: TagKind,
    /// Byte offset just past the tag.
    end: usize,
}

/// The tag starting at `start` (a `<`), or `None` when that `<` is text.
fn scan_tag(text: &str, start: usize, markup: Markup) -> Option<Tag> {
    let rest = &text[start..];
    for (open, close) in [("<!--", "-->"), ("<![CDATA[", "]]>"), ("<?", "?>")] {
        if let Some(inside) = rest.strip_prefix(open) {
            let end = inside.find(close).map_or(text.len(), |i| start + open.len() + i + close.len());
            return Some(Tag { kind: TagKind::Other, end });
        }
    }
    if rest.starts_with("<!") {
        let end = rest.find('>').map_or(text.len(), |i| start + i + 1);
        return Some(Tag { kind: TagKind::Other, end });
    }
    let (is_end, name_from) = match rest.as_bytes().get(1) {
        Some(b'/') => (true, 2),
        _ => (false, 1),
    };
    let name_len =
        rest[name_from..].find(|c: char| c.is_whitespace() || c == '>' || c == '/').unwrap_or(rest.len() - name_from);
    let name = &rest[name_from..name_from + name_len];
    let first = name.chars().next()?;
    if !first.is_alphabetic() && !(markup == Markup::Xml && (first == '_' || first == ':')) {
        return None;
    }
    let close = closing_bracket(&rest[name_from + name_len..])?;
    let end = start + name_from + name_len + close + 1;
    if is_end {
        return Some(Tag { kind: TagKind::End, end });
    }
    let self_closing = text[..end - 1].ends_with('/');
    let name = match markup {
        Markup::Html => name.to_ascii_lowercase(),
        Markup::Xml => name.to_owned(),
    };
    Some(Tag { kind: TagKind::Start { name, self_closing }, end })
}

/// The offset of the `>` that ends a tag's attributes, skipping quoted values.
fn closing_bracket(attributes: &str) -> Option<usize> {
    let mut quote = None;
    for (index, c) in attributes.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '>') => return Some(index),
            _ => {}
        }
    }
    None
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

fn find_ascii_case_insensitive(haystack: &str, needle: &str) -> Option<usize> {
    let needle = needle.as_bytes();
    haystack.as_bytes().windows(needle.len()).position(|window| window.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(depth: usize) -> String {
        format!("{}x{}", "<div>".repeat(depth), "</div>".repeat(depth))
    }

    #[test]
    fn shallow_markup_is_borrowed_unchanged() {
        let html = "<p>Satu <b>dua</b><br>tiga <img src=\"a.jpg\"></p><!-- <b><b><b> -->";
        assert!(matches!(bound_nesting(html, 2, Markup::Html), Cow::Borrowed(_)));
    }

    #[test]
    fn deep_tags_are_dropped_and_their_text_kept() {
        let html = nested(10);
        let bounded = bound_nesting(&html, 3, Markup::Html);
        assert_eq!(bounded, "<div><div><div>x</div></div></div>");
        let bounded = bound_nesting("<a><b><c>t</c><c/>u</b></a>", 1, Markup::Xml);
        assert_eq!(bounded, "<a>t<c/>u</a>");
    }

    #[test]
    fn void_elements_and_self_closing_tags_do_not_deepen() {
        let html = format!("{}<p>isi</p>", "<br><img src=x>".repeat(1000));
        assert!(matches!(bound_nesting(&html, 1, Markup::Html), Cow::Borrowed(_)));
        let xml = format!("<r>{}<a>isi</a></r>", "<e/>".repeat(1000));
        assert!(matches!(bound_nesting(&xml, 2, Markup::Xml), Cow::Borrowed(_)));
    }

    #[test]
    fn text_that_looks_like_tags_is_left_alone() {
        let html = "<div>1 < 2 and <3 <script>if (a<b) {}</script></div>";
        assert_eq!(bound_nesting(html, 1, Markup::Html), "<div>1 < 2 and <3 if (a<b) {}</div>");
        let quoted = "<div title=\"a > b\"><div>x</div></div>";
        assert_eq!(bound_nesting(quoted, 1, Markup::Html), "<div title=\"a > b\">x</div>");
    }

    #[test]
    fn a_hundred_thousand_levels_are_bounded_in_linear_time() {
        let html = nested(100_000);
        let started = std::time::Instant::now();
        let bounded = bound_nesting(&html, MAX_MARKUP_DEPTH, Markup::Html);
        assert_eq!(bounded.matches("<div>").count(), MAX_MARKUP_DEPTH);
        assert_eq!(bounded.matches("</div>").count(), MAX_MARKUP_DEPTH);
        assert!(started.elapsed().as_secs() < 5);
    }
}
