//! The last check before anything leaves the formatter: the Telegram HTML
//! subset Warta emits, its length as Telegram counts it, and its entity
//! count. A failure here is a formatter bug; callers then send plain text.

use super::rich::{MAX_ENTITIES, utf16_len};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("unsupported tag <{0}>")]
    UnsupportedTag(String),
    #[error("unbalanced tags at byte {0}")]
    Unbalanced(usize),
    #[error("bare {0:?} at byte {1}")]
    BareCharacter(char, usize),
    #[error("forbidden nesting of <{0}> in <{1}>")]
    Nesting(String, String),
    #[error("{0} characters, over the limit of {1}")]
    TooLong(usize, usize),
    #[error("{0} entities, over {MAX_ENTITIES}")]
    TooManyEntities(usize),
    #[error("empty text")]
    Empty,
}

/// Checks `html` against Telegram's rules; returns its length in UTF-16 units.
pub fn check(html: &str, limit: usize, allow_empty: bool) -> Result<usize, Invalid> {
    let mut text = String::with_capacity(html.len());
    let mut open: Vec<String> = Vec::new();
    let mut entities = 0;
    let mut rest = html;
    let at = |rest: &str| html.len() - rest.len();
    while let Some(ch) = rest.chars().next() {
        match ch {
            '<' => {
                let end = rest.find('>').ok_or(Invalid::BareCharacter('<', at(rest)))?;
                let tag = &rest[1..end];
                if let Some(name) = tag.strip_prefix('/') {
                    if open.pop().as_deref() != Some(name) {
                        return Err(Invalid::Unbalanced(at(rest)));
                    }
                } else {
                    let name = tag.split_whitespace().next().unwrap_or_default().to_owned();
                    if !matches!(
                        name.as_str(),
                        "b" | "i" | "u" | "s" | "tg-spoiler" | "code" | "pre" | "blockquote" | "a"
                    ) {
                        return Err(Invalid::UnsupportedTag(name));
                    }
                    check_nesting(&open, &name)?;
                    // <pre><code class="language-x"> is one entity.
                    if !(name == "code" && open.last().is_some_and(|o| o == "pre")) {
                        entities += 1;
                    }
                    open.push(name);
                }
                rest = &rest[end + 1..];
            }
            '&' => {
                let (decoded, length) = ["&amp;", "&lt;", "&gt;", "&quot;"]
                    .iter()
                    .zip(['&', '<', '>', '"'])
                    .find(|(entity, _)| rest.starts_with(**entity))
                    .map(|(entity, ch)| (ch, entity.len()))
                    .ok_or(Invalid::BareCharacter('&', at(rest)))?;
                text.push(decoded);
                rest = &rest[length..];
            }
            '>' => return Err(Invalid::BareCharacter('>', at(rest))),
            c => {
                text.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if !open.is_empty() {
        return Err(Invalid::Unbalanced(html.len()));
    }
    if !allow_empty && text.trim().is_empty() {
        return Err(Invalid::Empty);
    }
    let length = utf16_len(&text);
    if length > limit {
        return Err(Invalid::TooLong(length, limit));
    }
    if entities > MAX_ENTITIES {
        return Err(Invalid::TooManyEntities(entities));
    }
    Ok(length)
}

fn check_nesting(open: &[String], name: &str) -> Result<(), Invalid> {
    for outer in open {
        let forbidden = (outer == "a" && name == "a")
            || (outer == "blockquote" && name == "blockquote")
            || (outer == "code")
            || (outer == "pre" && name != "code");
        if forbidden {
            return Err(Invalid::Nesting(name.to_owned(), outer.clone()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_the_formatter_emits() {
        assert_eq!(check("<b>a &amp; <a href=\"https://x.id/?a=1&amp;b=2\">b</a></b> 😀", 100, false), Ok(8));
        assert_eq!(check("<pre><code class=\"language-rust\">x</code></pre>", 100, false), Ok(1));
    }

    #[test]
    fn refuses_what_telegram_refuses() {
        assert_eq!(check("<p>x</p>", 100, false), Err(Invalid::UnsupportedTag("p".into())));
        assert!(matches!(check("a < b", 100, false), Err(Invalid::BareCharacter('<', 2))));
        assert!(matches!(check("a & b", 100, false), Err(Invalid::BareCharacter('&', 2))));
        assert!(matches!(check("a &nbsp; b", 100, false), Err(Invalid::BareCharacter('&', 2))));
        assert!(matches!(check("<b>x</i>", 100, false), Err(Invalid::Unbalanced(_))));
        assert!(matches!(check("<b>x", 100, false), Err(Invalid::Unbalanced(_))));
        assert!(matches!(
            check("<a href=\"https://a\"><a href=\"https://b\">x</a></a>", 100, false),
            Err(Invalid::Nesting(..))
        ));
        assert!(matches!(check("<code><b>x</b></code>", 100, false), Err(Invalid::Nesting(..))));
        assert_eq!(check("xxxx", 3, false), Err(Invalid::TooLong(4, 3)));
        assert_eq!(check("<b> </b>", 10, false), Err(Invalid::Empty));
        assert_eq!(check(&"<b>x</b>".repeat(101), 1000, false), Err(Invalid::TooManyEntities(101)));
    }
}
