//! A strict parser for Telegram's HTML parse mode, modelled on tdlib's
//! `parse_html` (td/telegram/MessageEntity.cpp) and the Bot API docs. The fake
//! Bot API uses it to refuse exactly what Telegram refuses, and to compute the
//! plain text and entities Telegram would return. It is deliberately written
//! independently of Warta's formatter, so that the two can disagree.
//!
//! Where Telegram is lenient in ways a well-behaved sender never relies on,
//! this parser is stricter and says so (nested links, blocks inside blocks).

use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub kind: String,
    /// UTF-16 code units, as Telegram reports them.
    pub offset: usize,
    pub length: usize,
    pub url: Option<String>,
    pub language: Option<String>,
}

impl Entity {
    pub fn to_json(&self) -> Value {
        let mut value = json!({ "type": self.kind, "offset": self.offset, "length": self.length });
        if let Some(url) = &self.url {
            value["url"] = json!(url);
        }
        if let Some(language) = &self.language {
            value["language"] = json!(language);
        }
        value
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub text: String,
    pub entities: Vec<Entity>,
}

struct Open {
    tag: String,
    kind: String,
    start_utf16: usize,
    url: Option<String>,
    language: Option<String>,
}

/// Parses `html` as Telegram would; `Err` carries Telegram's description
/// after "Bad Request: can't parse entities: ".
pub fn parse(html: &str) -> Result<Parsed, String> {
    let bytes = html.as_bytes();
    let mut text = String::with_capacity(html.len());
    let mut utf16 = 0usize;
    let mut stack: Vec<Open> = Vec::new();
    let mut entities = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'&' => {
                if let Some((ch, len)) = decode_entity(&html[i..]) {
                    text.push(ch);
                    utf16 += ch.len_utf16();
                    i += len;
                } else {
                    // tdlib keeps an unrecognised '&' as text.
                    text.push('&');
                    utf16 += 1;
                    i += 1;
                }
            }
            b'<' => {
                let begin = i;
                i += 1;
                if html[i..].starts_with('/') {
                    // End tag: a name, optional spaces, '>'.
                    i += 1;
                    let name_len = html[i..].find(|c: char| c.is_whitespace() || c == '>').unwrap_or(html.len() - i);
                    let name = html[i..i + name_len].to_ascii_lowercase();
                    i += name_len;
                    i += html[i..].len() - html[i..].trim_start().len();
                    if !html[i..].starts_with('>') {
                        return Err(format!("Unclosed end tag at byte offset {begin}"));
                    }
                    i += 1;
                    let Some(open) = stack.pop() else {
                        return Err(format!("Unexpected end tag at byte offset {begin}"));
                    };
                    if open.tag != name {
                        return Err(format!(
                            "Unmatched end tag at byte offset {begin}, expected \"</{}>\", found \"</{name}>\"",
                            open.tag
                        ));
                    }
                    let length = utf16 - open.start_utf16;
                    if length > 0 {
                        entities.push(Entity {
                            kind: open.kind,
                            offset: open.start_utf16,
                            length,
                            url: open.url,
                            language: open.language,
                        });
                    }
                    continue;
                }
                // Start tag: the name runs to a space or '>', as in tdlib.
                let name_len = html[i..].find(|c: char| c.is_whitespace() || c == '>').unwrap_or(html.len() - i);
                if i + name_len >= html.len() {
                    return Err(format!("Unclosed start tag at byte offset {begin}"));
                }
                let name = html[i..i + name_len].to_ascii_lowercase();
                i += name_len;
                const SUPPORTED: &[&str] = &[
                    "a",
                    "b",
                    "strong",
                    "i",
                    "em",
                    "s",
                    "strike",
                    "del",
                    "u",
                    "ins",
                    "tg-spoiler",
                    "tg-emoji",
                    "span",
                    "pre",
                    "code",
                    "blockquote",
                ];
                if !SUPPORTED.contains(&name.as_str()) {
                    return Err(format!("Unsupported start tag \"{name}\" at byte offset {begin}"));
                }
                let Some(close) = find_tag_end(&html[i..]) else {
                    return Err(format!("Unclosed start tag at byte offset {begin}"));
                };
                let attributes = &html[i..i + close];
                i += close + 1;
                let attributes = parse_attributes(attributes).map_err(|e| format!("{e} at byte offset {begin}"))?;
                let attr = |key: &str| attributes.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
                let (kind, url, language) = match name.as_str() {
                    "b" | "strong" => ("bold".to_owned(), None, None),
                    "i" | "em" => ("italic".to_owned(), None, None),
                    "u" | "ins" => ("underline".to_owned(), None, None),
                    "s" | "strike" | "del" => ("strikethrough".to_owned(), None, None),
                    "tg-spoiler" => ("spoiler".to_owned(), None, None),
                    "span" => {
                        if attr("class").as_deref() != Some("tg-spoiler") {
                            return Err(format!("Tag \"span\" must have class \"tg-spoiler\" at byte offset {begin}"));
                        }
                        ("spoiler".to_owned(), None, None)
                    }
                    "a" => {
                        let href = attr("href").unwrap_or_default();
                        if href.is_empty() {
                            return Err(format!("Link without href at byte offset {begin}"));
                        }
                        if !valid_link(&href) {
                            return Err(format!("Unsupported URL \"{href}\" at byte offset {begin}"));
                        }
                        ("text_link".to_owned(), Some(href), None)
                    }
                    "code" => {
                        let language = attr("class").and_then(|c| c.strip_prefix("language-").map(str::to_owned));
                        ("code".to_owned(), None, language)
                    }
                    "pre" => ("pre".to_owned(), None, None),
                    "blockquote" => {
                        let kind = if attributes.iter().any(|(k, _)| k == "expandable") {
                            "expandable_blockquote"
                        } else {
                            "blockquote"
                        };
                        (kind.to_owned(), None, None)
                    }
                    _ => {
                        if attr("emoji-id").is_none() {
                            return Err(format!("Custom emoji without emoji-id at byte offset {begin}"));
                        }
                        ("custom_emoji".to_owned(), None, None)
                    }
                };
                check_nesting(&stack, &name, begin)?;
                stack.push(Open { tag: name, kind, start_utf16: utf16, url, language });
            }
            _ => {
                let ch = html[i..].chars().next().expect("in bounds");
                text.push(ch);
                utf16 += ch.len_utf16();
                i += ch.len_utf8();
            }
        }
    }
    if let Some(open) = stack.last() {
        return Err(format!("Can't find end tag corresponding to start tag \"{}\"", open.tag));
    }
    entities.sort_by_key(|e| (e.offset, std::cmp::Reverse(e.length)));
    Ok(Parsed { text, entities })
}

fn check_nesting(stack: &[Open], name: &str, begin: usize) -> Result<(), String> {
    for open in stack {
        if matches!(open.tag.as_str(), "pre" | "code") && !(open.tag == "pre" && name == "code") {
            return Err(format!("Tag \"{name}\" can't be nested inside \"{}\" at byte offset {begin}", open.tag));
        }
        if open.tag == "a" && name == "a" {
            return Err(format!("Links can't be nested at byte offset {begin}"));
        }
        if open.tag == "blockquote" && name == "blockquote" {
            return Err(format!("Blockquotes can't be nested at byte offset {begin}"));
        }
    }
    Ok(())
}

fn valid_link(href: &str) -> bool {
    let lower = href.to_ascii_lowercase();
    ["http://", "https://", "tg://", "mailto:", "ton://"].iter().any(|scheme| lower.starts_with(scheme))
        && !href.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Byte index of the '>' that ends a start tag, skipping quoted attribute values.
fn find_tag_end(rest: &str) -> Option<usize> {
    let mut quote = None;
    for (index, ch) in rest.char_indices() {
        match (quote, ch) {
            (None, '"' | '\'') => quote = Some(ch),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(index),
            _ => {}
        }
    }
    None
}

fn parse_attributes(mut rest: &str) -> Result<Vec<(String, String)>, String> {
    let mut attributes = Vec::new();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() || rest == "/" {
            return Ok(attributes);
        }
        let name_end = rest.find(|c: char| c == '=' || c.is_whitespace() || c == '/').unwrap_or(rest.len());
        let name = rest[..name_end].to_ascii_lowercase();
        if name.is_empty() {
            return Err("Empty attribute name".to_owned());
        }
        rest = rest[name_end..].trim_start();
        let value = if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            let (raw, remaining) = match after.chars().next() {
                Some(quote @ ('"' | '\'')) => {
                    let body = &after[1..];
                    let end = body.find(quote).ok_or("Unclosed attribute value")?;
                    (&body[..end], &body[end + 1..])
                }
                _ => {
                    let end = after.find(char::is_whitespace).unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            rest = remaining;
            decode_all_entities(raw)
        } else {
            String::new()
        };
        attributes.push((name, value));
    }
}

fn decode_all_entities(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw.as_bytes()[i] == b'&'
            && let Some((ch, len)) = decode_entity(&raw[i..])
        {
            out.push(ch);
            i += len;
            continue;
        }
        let ch = raw[i..].chars().next().expect("in bounds");
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// The entities Telegram decodes: four named ones and all numeric ones.
fn decode_entity(s: &str) -> Option<(char, usize)> {
    for (name, ch) in [("&lt;", '<'), ("&gt;", '>'), ("&amp;", '&'), ("&quot;", '"')] {
        if s.starts_with(name) {
            return Some((ch, name.len()));
        }
    }
    let rest = s.strip_prefix("&#")?;
    let (digits, radix) = match rest.strip_prefix(['x', 'X']) {
        Some(hex) => (hex, 16),
        None => (rest, 10),
    };
    let end = digits.find(';')?;
    let code = u32::from_str_radix(&digits[..end], radix).ok()?;
    let ch = char::from_u32(code)?;
    let consumed = 2 + (rest.len() - digits.len()) + end + 1;
    Some((ch, consumed))
}

pub fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}
