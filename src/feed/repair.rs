//! Byte- and text-level repairs that let real feeds parse: encodings, stray
//! entities, a missing RSS version, a feed wrapped in HTML, a truncated
//! document, empty elements feed-rs refuses, JSON Feed variants. Pure.
//!
//! Each repair is narrow and only changes what a strict XML or JSON Feed
//! parser would otherwise reject; the caller records which ones applied.

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

use super::person::{self, PersonGuard, guard_json_authors};

/// What a body looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xml,
    Json,
}

/// Looks at the first meaningful byte (after a BOM and whitespace).
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    if let Some((encoding, _)) = Encoding::for_bom(bytes)
        && encoding != UTF_8
    {
        // UTF-16: only XML comes this way.
        return Some(Format::Xml);
    }
    let start = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match start.iter().find(|b| !b.is_ascii_whitespace())? {
        b'<' => Some(Format::Xml),
        b'{' => Some(Format::Json),
        _ => None,
    }
}

/// Decodes an XML body to UTF-8 text. The encoding comes from the BOM, else
/// the XML declaration, else the HTTP charset, else UTF-8 if the bytes are
/// valid UTF-8, else windows-1252 (what browsers do with undeclared Latin-1).
/// The declaration is dropped (the text is UTF-8 now) along with anything
/// before it, such as the whitespace some feeds put first.
pub fn xml_to_utf8(bytes: &[u8], http_charset: Option<&str>, repairs: &mut Vec<String>) -> String {
    let (encoding, body) = match Encoding::for_bom(bytes) {
        Some((encoding, bom_len)) => (encoding, &bytes[bom_len..]),
        None => {
            let declared = declared_encoding(bytes).and_then(|label| Encoding::for_label(label.as_bytes()));
            let from_http = http_charset.and_then(|label| Encoding::for_label(label.trim().as_bytes()));
            match declared.or(from_http) {
                Some(encoding) => (encoding, bytes),
                None if std::str::from_utf8(bytes).is_ok() => (UTF_8, bytes),
                None => {
                    repairs.push("undeclared non-UTF-8 bytes read as windows-1252".to_owned());
                    (WINDOWS_1252, bytes)
                }
            }
        }
    };
    // A declared single-byte encoding is read as its web superset (ISO-8859-1 as windows-1252).
    let (text, _, had_errors) = encoding.decode(body);
    if had_errors {
        repairs.push(format!("invalid {} bytes replaced", encoding.name()));
    }
    let mut text = text.into_owned();
    let trimmed = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if trimmed.len() != text.len() {
        if !text.starts_with('<') {
            repairs.push("leading whitespace removed".to_owned());
        }
        text = trimmed.to_owned();
    }
    if text.starts_with("<?xml")
        && let Some(end) = text.find("?>")
    {
        text.replace_range(..end + 2, "");
    }
    text
}

/// The `encoding` of an XML declaration read as ASCII.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(512)];
    let head = String::from_utf8_lossy(head);
    let head = head.trim_start();
    if !head.starts_with("<?xml") {
        return None;
    }
    let declaration = &head[..head.find("?>")?];
    let at = declaration.find("encoding")?;
    let rest = declaration[at + "encoding".len()..].trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|q| *q == '"' || *q == '\'')?;
    let value = &rest[1..];
    Some(value[..value.find(quote)?].trim().to_owned())
}

/// Characters XML 1.0 forbids anywhere (C0 controls other than tab, newline, CR).
fn is_forbidden_xml_char(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}

/// Makes every `&` well-formed outside CDATA sections and comments: HTML named
/// entities (`&nbsp;`, `&hellip;`) become numeric references, unknown names and
/// bare ampersands become `&amp;`, and numeric references to characters XML
/// forbids are dropped. Forbidden control characters are removed everywhere.
/// Documents that declare their own entities are left alone.
pub fn repair_entities(text: &str, repairs: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut changed = false;
    let declares_entities = text.contains("<!ENTITY");
    let mut rest = text;
    while !rest.is_empty() {
        // Copy CDATA sections and comments unchanged (but without forbidden characters).
        for (open, close) in [("<![CDATA[", "]]>"), ("<!--", "-->")] {
            if rest.starts_with(open) {
                let end = rest[open.len()..].find(close).map_or(rest.len(), |i| open.len() + i + close.len());
                push_clean(&mut out, &rest[..end], &mut changed);
                rest = &rest[end..];
            }
        }
        let Some(ch) = rest.chars().next() else { break };
        if ch == '&' && !declares_entities {
            let (replacement, consumed) = repair_reference(rest);
            if replacement != rest[..consumed] {
                changed = true;
            }
            out.push_str(&replacement);
            rest = &rest[consumed..];
            continue;
        }
        if is_forbidden_xml_char(ch) {
            changed = true;
        } else {
            out.push(ch);
        }
        rest = &rest[ch.len_utf8()..];
    }
    if changed {
        repairs.push("entities and control characters made well-formed".to_owned());
    }
    out
}

fn push_clean(out: &mut String, text: &str, changed: &mut bool) {
    for ch in text.chars() {
        if is_forbidden_xml_char(ch) {
            *changed = true;
        } else {
            out.push(ch);
        }
    }
}

/// Returns the replacement for the reference starting at `text[0] == '&'`
/// and how many bytes it consumed.
fn repair_reference(text: &str) -> (String, usize) {
    let body_len = text[1..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '#')).map_or(text.len() - 1, |i| i);
    let name = &text[1..1 + body_len];
    let terminated = text[1 + body_len..].starts_with(';');
    if !terminated || name.is_empty() || body_len > 40 {
        return ("&amp;".to_owned(), 1);
    }
    let consumed = body_len + 2;
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => number.parse::<u32>().ok(),
        };
        return match code.map(char::from_u32) {
            Some(Some(c)) if !is_forbidden_xml_char(c) => (text[..consumed].to_owned(), consumed),
            // A reference to a character XML forbids, or to no character: drop it.
            Some(_) => (String::new(), consumed),
            // Not a number at all: it was text.
            None => ("&amp;".to_owned(), 1),
        };
    }
    if matches!(name, "amp" | "lt" | "gt" | "quot" | "apos") {
        return (text[..consumed].to_owned(), consumed);
    }
    match markup5ever::data::NAMED_ENTITIES.get(format!("{name};").as_str()) {
        Some(&(first, second)) => {
            let mut reference = format!("&#{first};");
            if second != 0 {
                reference.push_str(&format!("&#{second};"));
            }
            (reference, consumed)
        }
        None => ("&amp;".to_owned(), 1),
    }
}

/// The root element's name and the byte range of its start tag.
fn root_tag(text: &str) -> Option<(String, usize, usize)> {
    let mut offset = 0;
    loop {
        let rest = &text[offset..];
        let start = offset + rest.find('<')?;
        let after = &text[start + 1..];
        if after.starts_with('?') {
            offset = start + after.find("?>")? + 3;
        } else if after.starts_with("!--") {
            offset = start + after.find("-->")? + 4;
        } else if after.starts_with('!') {
            offset = start + after.find('>')? + 2;
        } else {
            let end = start + after.find('>')? + 1;
            let name_len = after.find(|c: char| c.is_whitespace() || c == '>' || c == '/').unwrap_or(after.len());
            return Some((after[..name_len].to_owned(), start, end));
        }
    }
}

/// Fixes what stops feed-rs from finding the feed root: `<rss>` without a
/// version it knows (set to 2.0), and an Atom or RSS feed wrapped in an HTML page.
pub fn repair_root(text: String, repairs: &mut Vec<String>) -> String {
    let Some((name, start, end)) = root_tag(&text) else { return text };
    match name.to_ascii_lowercase().as_str() {
        "rss" => {
            let mut tag = text[start..end].to_owned();
            let version = attribute(&tag, "version");
            if !matches!(version.as_deref(), Some("2.0" | "0.91" | "0.92" | "")) {
                tag = match &version {
                    Some(_) => replace_attribute(&tag, "version", "2.0"),
                    None => format!("<{name} version=\"2.0\"{}", &tag[1 + name.len()..]),
                };
                repairs.push(format!("rss version {:?} read as 2.0", version.unwrap_or_default()));
            }
            // RSS 2.0 elements have no namespace; a default one (userland's) hides every item.
            if let Some(namespace) = attribute(&tag, "xmlns") {
                for quote in ['"', '\''] {
                    tag = tag.replacen(&format!(" xmlns={quote}{namespace}{quote}"), "", 1);
                }
                repairs.push(format!("default namespace {namespace:?} on <rss> ignored"));
            }
            format!("{}{}{}", &text[..start], tag, &text[end..])
        }
        "html" => {
            for (open, close) in [("<feed", "</feed>"), ("<rss", "</rss>"), ("<rdf:RDF", "</rdf:RDF>")] {
                // The close tag must come after the open one: a page may mention both anyhow.
                if let Some(from) = text.find(open)
                    && let Some(to) = text[from..].rfind(close)
                {
                    repairs.push("feed extracted from an HTML page".to_owned());
                    return repair_root(text[from..from + to + close.len()].to_owned(), repairs);
                }
            }
            text
        }
        _ => text,
    }
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let at = tag.find(&format!(" {name}")).or_else(|| tag.find(&format!("\t{name}")))?;
    let rest = tag[at + 1 + name.len()..].trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|q| *q == '"' || *q == '\'')?;
    let value = &rest[1..];
    Some(value[..value.find(quote)?].to_owned())
}

fn replace_attribute(tag: &str, name: &str, value: &str) -> String {
    let Some(current) = attribute(tag, name) else { return tag.to_owned() };
    for quote in ['"', '\''] {
        let old = format!("{name}={quote}{current}{quote}");
        if tag.contains(&old) {
            return tag.replacen(&old, &format!("{name}=\"{value}\""), 1);
        }
    }
    tag.to_owned()
}

/// A document cut off mid-way: keep everything up to the last complete item
/// and close the root, so the items before the break still count.
pub fn salvage_truncated(text: &str) -> Option<String> {
    let (root, _, _) = root_tag(text)?;
    let root = root.to_ascii_lowercase();
    let (item_end, closing) = match root.as_str() {
        "rss" => ("</item>", "</channel></rss>"),
        "feed" => ("</entry>", "</feed>"),
        r if r.ends_with("rdf") => ("</item>", "</rdf:RDF>"),
        _ => return None,
    };
    let cut = text.rfind(item_end)? + item_end.len();
    let salvaged = format!("{}{closing}", &text[..cut]);
    (salvaged.len() < text.len() + closing.len() && salvaged != text).then_some(salvaged)
}

/// Removes the element whose start tag contains or precedes byte `position`
/// (where feed-rs reports an element it cannot use, e.g. an empty
/// `<media:description/>`). Returns `None` if no element can be found there.
pub fn remove_element_at(text: &str, position: usize) -> Option<String> {
    // The offset comes from the parser's error: it may fall inside a character.
    let mut position = position.min(text.len());
    while !text.is_char_boundary(position) {
        position -= 1;
    }
    let mut search_end = position;
    // The nearest start tag at or before the position (not an end tag, comment or CDATA).
    let start = loop {
        let candidate = text[..search_end].rfind('<')?;
        let next = text[candidate + 1..].chars().next()?;
        if next.is_alphabetic() || next == '_' {
            break candidate;
        }
        search_end = candidate;
    };
    let after = &text[start + 1..];
    let name_len = after.find(|c: char| c.is_whitespace() || c == '>' || c == '/')?;
    let name = &after[..name_len];
    let tag_end = start + 1 + after.find('>')?;
    if text[..tag_end].ends_with('/') {
        return Some(format!("{}{}", &text[..start], &text[tag_end + 1..]));
    }
    let close = format!("</{name}>");
    let end = tag_end + text[tag_end..].find(&close)? + close.len();
    // Only remove elements without child elements (other than CDATA).
    let inner = &text[tag_end + 1..end - close.len()];
    let has_children = inner.replace("<![CDATA[", "").contains('<');
    if has_children {
        return None;
    }
    Some(format!("{}{}", &text[..start], &text[end..]))
}

/// Brings JSON Feed variants seen in the wild into the shape feed-rs reads:
/// a missing or non-canonical `version`, `tags` given as one string, ids given
/// as numbers. JSON that is not a JSON Feed (no `items` list) is refused.
pub fn normalize_json_feed(bytes: &[u8], repairs: &mut Vec<String>) -> Result<Vec<u8>, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut value: serde_json::Value = serde_json::from_slice(bytes).map_err(|err| format!("invalid JSON: {err}"))?;
    let object = value.as_object_mut().ok_or("JSON, but not a JSON Feed (not an object)")?;
    if !object.get("items").is_some_and(serde_json::Value::is_array) {
        return Err("JSON, but not a JSON Feed (no \"items\" list)".to_owned());
    }
    let version = object.get("version").and_then(serde_json::Value::as_str).unwrap_or_default().to_owned();
    let canonical = match version.as_str() {
        "https://jsonfeed.org/version/1" | "https://jsonfeed.org/version/1.1" => None,
        v if v.ends_with("/version/1") => Some("https://jsonfeed.org/version/1"),
        _ => Some("https://jsonfeed.org/version/1.1"),
    };
    if let Some(canonical) = canonical {
        repairs.push(format!("JSON Feed version {version:?} read as {canonical}"));
        object.insert("version".to_owned(), canonical.into());
    }
    let mut persons = PersonGuard::default();
    let mut authors_guarded = guard_json_authors(object, &mut persons);
    let items = object.get_mut("items").and_then(serde_json::Value::as_array_mut).ok_or("no items")?;
    for item in items.iter_mut().filter_map(serde_json::Value::as_object_mut) {
        authors_guarded |= guard_json_authors(item, &mut persons);
        if let Some(serde_json::Value::String(tags)) = item.get("tags") {
            let list: Vec<serde_json::Value> =
                tags.split(',').map(str::trim).filter(|t| !t.is_empty()).map(|t| t.to_owned().into()).collect();
            item.insert("tags".to_owned(), list.into());
            repairs.push("JSON Feed tags given as a string".to_owned());
        }
        if let Some(serde_json::Value::Number(id)) = item.get("id") {
            let id = id.to_string();
            item.insert("id".to_owned(), id.into());
        }
    }
    if authors_guarded {
        repairs.push(person::REPAIR.to_owned());
    }
    repairs.dedup();
    serde_json::to_vec(&value).map_err(|err| err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repaired(text: &str) -> String {
        repair_entities(text, &mut Vec::new())
    }

    #[test]
    fn decodes_declared_and_undeclared_encodings() {
        let mut repairs = Vec::new();
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><t>Not\xedcias</t></rss>";
        assert_eq!(xml_to_utf8(latin1, None, &mut repairs), "<rss><t>Notícias</t></rss>");
        let undeclared = b"<rss><t>Not\xedcias</t></rss>";
        assert_eq!(xml_to_utf8(undeclared, None, &mut repairs), "<rss><t>Notícias</t></rss>");
        assert!(repairs.iter().any(|r| r.contains("windows-1252")));
        let from_http = b"<rss><t>\xe9</t></rss>";
        assert_eq!(xml_to_utf8(from_http, Some("iso-8859-1"), &mut Vec::new()), "<rss><t>é</t></rss>");
        let bom_and_space = b"\xEF\xBB\xBF  \n<?xml version=\"1.0\"?>\n<feed/>";
        assert_eq!(xml_to_utf8(bom_and_space, None, &mut Vec::new()), "\n<feed/>");
        let utf16: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain("<rss/>".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(xml_to_utf8(&utf16, None, &mut Vec::new()), "<rss/>");
    }

    #[test]
    fn makes_entities_well_formed_outside_cdata() {
        assert_eq!(
            repaired("<t>A&nbsp;B &hellip; &amp; &#8230; &lt;</t>"),
            "<t>A&#160;B &#8230; &amp; &#8230; &lt;</t>"
        );
        assert_eq!(repaired("<c>Science & Tech</c>"), "<c>Science &amp; Tech</c>");
        assert_eq!(repaired("<c>&bogus; &#1; &#xZZ; &#xD800;</c>"), "<c>&amp;bogus;  &amp;#xZZ; </c>");
        assert_eq!(repaired("<d><![CDATA[a &nbsp; b]]></d>"), "<d><![CDATA[a &nbsp; b]]></d>");
        assert_eq!(repaired("<!-- & --><t>\u{1}ok</t>"), "<!-- & --><t>ok</t>");
        assert_eq!(
            repaired("<!DOCTYPE x [<!ENTITY a \"b\">]><t>&a;</t>"),
            "<!DOCTYPE x [<!ENTITY a \"b\">]><t>&a;</t>"
        );
    }

    #[test]
    fn fixes_the_rss_root() {
        let fix = |text: &str| repair_root(text.to_owned(), &mut Vec::new());
        assert_eq!(fix("<rss>\n<channel/></rss>"), "<rss version=\"2.0\">\n<channel/></rss>");
        assert_eq!(
            fix("<!-- c --><rss version=\"2.00\" xmlns:a=\"b\">"),
            "<!-- c --><rss version=\"2.0\" xmlns:a=\"b\">"
        );
        assert_eq!(fix("<rss version='0.91'>"), "<rss version='0.91'>");
        assert_eq!(
            fix("<rss version=\"2.0\" xmlns=\"http://backend.userland.com/rss2\" xmlns:y=\"http://y\">"),
            "<rss version=\"2.0\" xmlns:y=\"http://y\">"
        );
        assert_eq!(
            fix(
                "<!DOCTYPE html><html><body><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title></feed></body></html>"
            ),
            "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title></feed>"
        );
    }

    #[test]
    fn salvages_complete_items_of_a_truncated_feed() {
        let truncated = "<rss version=\"2.0\"><channel><title>T</title><item><title>A</title></item><item><title>B";
        assert_eq!(
            salvage_truncated(truncated).as_deref(),
            Some("<rss version=\"2.0\"><channel><title>T</title><item><title>A</title></item></channel></rss>")
        );
        assert_eq!(salvage_truncated("<rss><channel><title>T"), None);
    }

    #[test]
    fn removes_an_empty_element_at_a_position() {
        let text = "<item><title>A</title><media:description><![CDATA[]]></media:description><x/></item>";
        let position = text.find("<![CDATA").expect("found");
        assert_eq!(remove_element_at(text, position).as_deref(), Some("<item><title>A</title><x/></item>"));
        let self_closing = "<entry><summary/><id>1</id></entry>";
        assert_eq!(remove_element_at(self_closing, 16).as_deref(), Some("<entry><id>1</id></entry>"));
        // Never removes an element with children.
        assert_eq!(remove_element_at("<item><title>A</title></item>", 3), None);
    }

    #[test]
    fn an_offset_inside_a_character_or_past_the_end_is_safe() {
        let text = "<item><title>Kaltim é</title><x/></item>";
        let inside = text.find('é').expect("é") + 1;
        assert!(!text.is_char_boundary(inside));
        for position in [inside, text.len(), usize::MAX] {
            let _ = remove_element_at(text, position);
        }
        assert_eq!(remove_element_at("é<", 1), None);
    }

    #[test]
    fn an_html_page_naming_a_feed_close_before_its_open_is_left_alone() {
        let mut repairs = Vec::new();
        let page = "<html><p></feed></p><feed><title>T</title></feed></html>".to_owned();
        assert_eq!(repair_root(page, &mut repairs), "<feed><title>T</title></feed>");
        let backwards = "<html></rss> then <rss version=\"2.0\">".to_owned();
        assert_eq!(repair_root(backwards.clone(), &mut repairs), backwards);
    }

    #[test]
    fn normalizes_json_feed_variants() {
        let mut repairs = Vec::new();
        let json = br#"{"version":"http://jsonfeed.org/version/1","title":"x","items":[{"id":7,"tags":"a, b","url":"https://x.id/1"}]}"#;
        let fixed: serde_json::Value =
            serde_json::from_slice(&normalize_json_feed(json, &mut repairs).expect("normalized")).expect("json");
        assert_eq!(fixed["version"], "https://jsonfeed.org/version/1");
        assert_eq!(fixed["items"][0]["id"], "7");
        assert_eq!(fixed["items"][0]["tags"], serde_json::json!(["a", "b"]));
        let rss_as_json = br#"{"rss":{"channel":{"item":[]}}}"#;
        assert!(normalize_json_feed(rss_as_json, &mut repairs).expect_err("not a feed").contains("no \"items\""));
        assert!(normalize_json_feed(b"{oops", &mut repairs).expect_err("invalid").starts_with("invalid JSON"));
    }
}
