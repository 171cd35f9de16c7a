use url::Url;

/// Telegram HTML built together with its plain-text twin.
///
/// Every piece of text goes through [`RichText::text`], which escapes it, and
/// every tag is opened and closed by the same call, so the HTML is valid for
/// Telegram by construction whatever the input holds. The plain twin is what
/// Telegram counts against its length limits, and what is sent if the HTML is
/// ever refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RichText {
    html: String,
    plain: String,
}

impl RichText {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends text, escaped; control characters other than newline and tab are dropped.
    pub fn text(&mut self, text: &str) -> &mut Self {
        for ch in text.chars() {
            match ch {
                '&' => self.html.push_str("&amp;"),
                '<' => self.html.push_str("&lt;"),
                '>' => self.html.push_str("&gt;"),
                '"' => self.html.push_str("&quot;"),
                '\n' | '\t' => self.html.push(ch),
                c if is_dropped_control(c) => continue,
                c => self.html.push(c),
            }
            self.plain.push(ch);
        }
        self
    }

    pub fn newline(&mut self) -> &mut Self {
        self.text("\n")
    }

    pub fn bold(&mut self, inner: impl FnOnce(&mut Self)) -> &mut Self {
        self.wrap("<b>", "</b>", inner)
    }

    pub fn italic(&mut self, inner: impl FnOnce(&mut Self)) -> &mut Self {
        self.wrap("<i>", "</i>", inner)
    }

    /// A link; only http(s) URLs become links (anything else would be refused
    /// or unsafe), other URLs leave just the text.
    pub fn link(&mut self, url: &Url, inner: impl FnOnce(&mut Self)) -> &mut Self {
        if !matches!(url.scheme(), "http" | "https") {
            inner(self);
            return self;
        }
        let open = format!("<a href=\"{}\">", escape_attribute(url.as_str()));
        self.wrap(&open, "</a>", inner)
    }

    fn wrap(&mut self, open: &str, close: &str, inner: impl FnOnce(&mut Self)) -> &mut Self {
        let start = self.html.len();
        self.html.push_str(open);
        let content_start = self.html.len();
        inner(self);
        if self.html.len() == content_start {
            // An empty entity is pointless; drop the tag.
            self.html.truncate(start);
        } else {
            self.html.push_str(close);
        }
        self
    }

    pub fn html(&self) -> &str {
        &self.html
    }

    pub fn plain(&self) -> &str {
        &self.plain
    }

    /// Length as Telegram counts it against its limits.
    pub fn len(&self) -> usize {
        utf16_len(&self.plain)
    }

    pub fn is_empty(&self) -> bool {
        self.plain.is_empty()
    }

    pub fn into_parts(self) -> (String, String) {
        (self.html, self.plain)
    }
}

/// UTF-16 code units: how Telegram measures entity offsets, and an upper bound
/// of how it counts length.
pub fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

fn is_dropped_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{FEFF}' | '\u{2028}' | '\u{2029}')
}

fn escape_attribute(value: &str) -> String {
    value.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_and_attributes() {
        let url = Url::parse("https://a.id/?q=\"x\"&b=<1>").expect("url");
        let mut rich = RichText::new();
        rich.bold(|b| {
            b.link(&url, |l| {
                l.text("Tom & Jerry <3");
            });
        });
        assert_eq!(rich.html(), "<b><a href=\"https://a.id/?q=%22x%22&amp;b=%3C1%3E\">Tom &amp; Jerry &lt;3</a></b>");
        assert_eq!(rich.plain(), "Tom & Jerry <3");
    }

    #[test]
    fn non_http_links_keep_only_their_text() {
        let url = Url::parse("javascript:alert(1)").expect("url");
        let mut rich = RichText::new();
        rich.link(&url, |l| {
            l.text("klik");
        });
        assert_eq!(rich.html(), "klik");
    }

    #[test]
    fn empty_tags_are_dropped_and_controls_removed() {
        let mut rich = RichText::new();
        rich.bold(|_| {}).italic(|i| {
            i.text("\u{0}\u{7}");
        });
        rich.text("a\u{1b}b\nc");
        assert_eq!(rich.html(), "ab\nc");
        assert_eq!(rich.plain(), "ab\nc");
    }

    #[test]
    fn counts_utf16_units() {
        let mut rich = RichText::new();
        rich.text("é😀");
        assert_eq!(rich.len(), 3);
    }
}
