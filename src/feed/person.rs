//! Person fields made safe for feed-rs. feed-rs 3 splits a person ("Budi
//! «budi@x.id»" in RSS `author`, `managingEditor`, `webMaster`, `dc:creator`,
//! and JSON Feed author names) into a name and an address by cutting one byte
//! before or after the address it finds: a multi-byte character there panics
//! it. A space put between the two keeps the name readable; text feed-rs
//! would cut safely is left exactly as it was. Pure.

use regex::Regex;
use serde_json::Value;

/// feed-rs's own pattern (`parser::util::parse_person_name_email`, feed-rs 3.0).
const EMAIL: &str = r"\b(<\[\()?(mailto:)?([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})(>]\))?\b";
/// Spaces put in one at a time before every multi-byte character is spaced out instead.
const MAX_SPACES: usize = 8;
/// How far after its start tag a person element's end tag is looked for (they are short).
const MAX_PERSON_LEN: usize = 4096;
pub const REPAIR: &str = "spaces put beside an author's address (feed-rs cuts there)";

/// Finds where feed-rs would cut a person's text inside a character. The
/// pattern is compiled on first use, once per document.
#[derive(Default)]
pub struct PersonGuard {
    email: Option<Regex>,
}

impl PersonGuard {
    /// `raw` with spaces where feed-rs would cut inside a character, or `None`
    /// if it would not.
    pub fn guard(&mut self, raw: &str) -> Option<String> {
        if raw.is_ascii() || !raw.contains('@') {
            return None;
        }
        // A constant pattern, checked by the tests below.
        let email = self.email.get_or_insert_with(|| Regex::new(EMAIL).expect("feed-rs's email pattern compiles"));
        let mut text = raw.to_owned();
        for _ in 0..MAX_SPACES {
            match unsafe_cut(email, &text) {
                Some(at) => text.insert(at, ' '),
                None => return (text != raw).then_some(text),
            }
        }
        Some(space_out_non_ascii(&text))
    }
}

/// Where feed-rs would slice `raw` inside a character, as the place to put a
/// space: it keeps the longer side of the address as the name, minus one byte.
fn unsafe_cut(email: &Regex, raw: &str) -> Option<usize> {
    let span = email.find(raw)?;
    let (before, after) = (span.start(), raw.len() - span.end());
    if before > after {
        (!raw.is_char_boundary(span.start() - 1)).then_some(span.start())
    } else if after > 0 {
        (!raw.is_char_boundary(span.end() + 1)).then_some(span.end())
    } else {
        None
    }
}

/// A space between every non-ASCII character and a printable ASCII one next
/// to it: then no address (all ASCII) touches a multi-byte character.
fn space_out_non_ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut previous: Option<char> = None;
    for c in text.chars() {
        if let Some(p) = previous
            && p.is_ascii() != c.is_ascii()
            && !p.is_ascii_whitespace()
            && !c.is_ascii_whitespace()
        {
            out.push(' ');
        }
        out.push(c);
        previous = Some(c);
    }
    out
}

/// Elements feed-rs reads as one person.
fn is_person_element(name: &str) -> bool {
    matches!(name, "author" | "managingEditor" | "webMaster") || name.ends_with(":creator")
}

/// Guards the text of every text-only person element of an XML document.
pub fn guard_person_elements(text: String, repairs: &mut Vec<String>) -> String {
    if text.is_ascii() || !text.contains('@') {
        return text;
    }
    let mut guard = PersonGuard::default();
    let mut out = String::new();
    let mut copied = 0;
    let mut from = 0;
    while let Some(open) = text[from..].find('<').map(|i| from + i) {
        from = open + 1;
        let after = &text[open + 1..];
        let name_len = after.find(|c: char| c.is_whitespace() || c == '>' || c == '/').unwrap_or(after.len());
        let name = &after[..name_len];
        if !is_person_element(name) {
            continue;
        }
        let Some(tag_len) = after.find('>') else { break };
        let content_start = open + 1 + tag_len + 1;
        if after[..tag_len].ends_with('/') {
            continue;
        }
        let mut window_end = (content_start + MAX_PERSON_LEN).min(text.len());
        while !text.is_char_boundary(window_end) {
            window_end -= 1;
        }
        let Some(content_len) = text[content_start..window_end].find(&format!("</{name}>")) else { continue };
        let content_end = content_start + content_len;
        let Some(safe) = decode_text(&text[content_start..content_end]).and_then(|raw| guard.guard(&raw)) else {
            continue;
        };
        out.push_str(&text[copied..content_start]);
        push_escaped(&mut out, &safe);
        copied = content_end;
        from = content_end;
    }
    if out.is_empty() {
        return text;
    }
    out.push_str(&text[copied..]);
    repairs.push(REPAIR.to_owned());
    out
}

/// An element's content as the XML parser reads it (text, CDATA, character
/// references), or `None` if it has child elements or references it cannot read.
fn decode_text(content: &str) -> Option<String> {
    let mut out = String::with_capacity(content.len());
    let mut rest = content;
    while let Some(at) = rest.find(['<', '&']) {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(cdata) = rest.strip_prefix("<![CDATA[") {
            let end = cdata.find("]]>")?;
            out.push_str(&cdata[..end]);
            rest = &cdata[end + 3..];
        } else if let Some(comment) = rest.strip_prefix("<!--") {
            rest = &comment[comment.find("-->")? + 3..];
        } else if rest.starts_with('<') {
            return None;
        } else {
            let end = rest.find(';')?;
            match &rest[1..end] {
                "amp" => out.push('&'),
                "lt" => out.push('<'),
                "gt" => out.push('>'),
                "quot" => out.push('"'),
                "apos" => out.push('\''),
                reference => {
                    let number = reference.strip_prefix('#')?;
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => number.parse().ok()?,
                    };
                    out.push(char::from_u32(code)?);
                }
            }
            rest = &rest[end + 1..];
        }
    }
    out.push_str(rest);
    Some(out)
}

fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

/// Guards the author names of a JSON Feed object (the feed or one item):
/// `author` (version 1) and `authors` (1.1). Says whether any changed.
pub fn guard_json_authors(object: &mut serde_json::Map<String, Value>, guard: &mut PersonGuard) -> bool {
    let mut changed = false;
    for (key, value) in object.iter_mut() {
        let authors: Vec<&mut Value> = match (key.as_str(), value) {
            ("authors", Value::Array(list)) => list.iter_mut().collect(),
            ("author", author) => vec![author],
            _ => continue,
        };
        for author in authors {
            if let Some(Value::String(name)) = author.get_mut("name")
                && let Some(safe) = guard.guard(name)
            {
                *name = safe;
                changed = true;
            }
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn guarded(raw: &str) -> Option<String> {
        PersonGuard::default().guard(raw)
    }

    #[test]
    fn a_space_goes_where_feed_rs_would_cut_inside_a_character() {
        assert_eq!(guarded("Budi \u{ab}budi@x.id\u{bb}").as_deref(), Some("Budi \u{ab} budi@x.id\u{bb}"));
        assert_eq!(guarded("\u{ab}budi@x.id\u{bb} Redaksi").as_deref(), Some("\u{ab}budi@x.id \u{bb} Redaksi"));
        assert_eq!(guarded("Kaltim\u{e9}.r@x.id").as_deref(), Some("Kaltim\u{e9} .r@x.id"));
    }

    #[test]
    fn what_feed_rs_cuts_safely_is_left_alone() {
        for raw in ["Budi <budi@x.id>", "Budi Santoso", "Redaksi Kaltim\u{e9}", "José (jose@x.id)", "b@x.id", "é@"] {
            assert_eq!(guarded(raw), None, "{raw}");
        }
    }

    #[test]
    fn spacing_out_leaves_no_address_next_to_a_multi_byte_character() {
        assert_eq!(space_out_non_ascii("é.a@x.idé b é"), "é .a@x.id é b é");
    }

    #[test]
    fn person_elements_are_guarded_as_the_parser_reads_them() {
        let mut repairs = Vec::new();
        let text = "<item><author>Budi &#171;budi@x.id&#187;</author><title>\u{ab}t@x.id\u{bb} x</title>\
                    <dc:creator><![CDATA[A & B \u{ab}ab@x.id\u{bb}]]></dc:creator><author><name>é@</name></author></item>";
        assert_eq!(
            guard_person_elements(text.to_owned(), &mut repairs),
            "<item><author>Budi \u{ab} budi@x.id\u{bb}</author><title>\u{ab}t@x.id\u{bb} x</title>\
             <dc:creator>A &amp; B \u{ab} ab@x.id\u{bb}</dc:creator><author><name>é@</name></author></item>"
        );
        assert_eq!(repairs, [REPAIR]);
        let safe = "<item><author>Budi &lt;budi@x.id&gt; é</author></item>".to_owned();
        assert_eq!(guard_person_elements(safe.clone(), &mut repairs), safe);
    }

    /// Pieces of a person's text: addresses, their delimiters, multi-byte characters.
    fn person_text() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "budi",
            "@",
            "x",
            ".",
            "id",
            ".co",
            "mailto:",
            "<",
            ">",
            "[",
            "]",
            "(",
            ")",
            "<[(",
            ">])",
            " ",
            "-",
            "%",
            "\u{ab}",
            "\u{bb}",
            "\u{e9}",
            "\u{2014}",
            "\u{fffd}",
            "\u{1f534}",
            "\u{feff}",
            "\u{4e2d}",
        ]);
        prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn guarded_text_is_cut_safely_and_keeps_its_characters(raw in person_text()) {
            let email = Regex::new(EMAIL).expect("pattern");
            let safe = PersonGuard::default().guard(&raw).unwrap_or_else(|| raw.clone());
            prop_assert_eq!(unsafe_cut(&email, &safe), None, "{:?} -> {:?}", raw, safe);
            prop_assert_eq!(safe.replace(' ', ""), raw.replace(' ', ""));
        }

        #[test]
        fn no_person_text_panics_the_parser(raw in person_text()) {
            let mut escaped = String::new();
            push_escaped(&mut escaped, &raw);
            let rss = format!(
                "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>T</title>\
                 <managingEditor>{escaped}</managingEditor><webMaster><![CDATA[{raw}]]></webMaster>\
                 <item><title>A</title><author>{escaped}</author><dc:creator>{escaped}</dc:creator></item></channel></rss>"
            );
            let _ = crate::feed::parse_feed(rss.as_bytes(), None);
            let json = serde_json::json!({
                "version": "https://jsonfeed.org/version/1", "author": {"name": raw}, "authors": [{"name": raw}],
                "items": [{"id": "1", "title": "A", "author": {"name": raw}, "authors": [{"name": raw}]}],
            });
            let _ = crate::feed::parse_feed(json.to_string().as_bytes(), None);
        }
    }
}
