//! Rich text: a small tree of text and Telegram-supported styles, rendered to
//! Telegram HTML and to its plain twin.
//!
//! Everything Warta sends is built as a [`RichText`], so the HTML is valid by
//! construction: text is escaped on output, every tag closes, nesting follows
//! Telegram's rules ([`RichText::normalized`]), at most 100 entities are
//! emitted, and cutting to a length never splits a tag or an entity.

use url::Url;

/// Telegram applies at most this many entities per message (later ones are
/// silently ignored), so more are never emitted.
pub const MAX_ENTITIES: usize = 100;

/// A Telegram formatting entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Style {
    Bold,
    Italic,
    Underline,
    Strike,
    Spoiler,
    Code,
    /// Preformatted block, optionally with a language.
    Pre(Option<String>),
    Blockquote,
    /// A link; only http(s) URLs are ever stored.
    Link(Url),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Text(String),
    Styled(Style, Vec<Node>),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RichText {
    nodes: Vec<Node>,
}

impl RichText {
    pub fn new() -> Self {
        Self::default()
    }

    /// Plain text, without formatting.
    pub fn plain_text(text: &str) -> Self {
        let mut rich = Self::new();
        rich.text(text);
        rich
    }

    /// Appends text; control characters other than newline and tab are dropped.
    pub fn text(&mut self, text: &str) -> &mut Self {
        let clean: String = text.chars().filter(|c| !is_dropped_control(*c)).collect();
        if clean.is_empty() {
            return self;
        }
        match self.nodes.last_mut() {
            Some(Node::Text(last)) => last.push_str(&clean),
            _ => self.nodes.push(Node::Text(clean)),
        }
        self
    }

    pub fn newline(&mut self) -> &mut Self {
        self.text("\n")
    }

    /// Appends `inner` wrapped in `style`; nothing if `inner` is empty.
    pub fn styled(&mut self, style: Style, inner: impl FnOnce(&mut Self)) -> &mut Self {
        let mut child = Self::new();
        inner(&mut child);
        self.push_styled(style, child)
    }

    pub fn push_styled(&mut self, style: Style, child: Self) -> &mut Self {
        if !child.is_empty() {
            self.nodes.push(Node::Styled(style, child.nodes));
        }
        self
    }

    pub fn bold(&mut self, inner: impl FnOnce(&mut Self)) -> &mut Self {
        self.styled(Style::Bold, inner)
    }

    pub fn italic(&mut self, inner: impl FnOnce(&mut Self)) -> &mut Self {
        self.styled(Style::Italic, inner)
    }

    /// A link; only http(s) URLs become links, others leave just the text.
    pub fn link(&mut self, url: &Url, inner: impl FnOnce(&mut Self)) -> &mut Self {
        if matches!(url.scheme(), "http" | "https") {
            return self.styled(Style::Link(url.clone()), inner);
        }
        let mut child = Self::new();
        inner(&mut child);
        self.append(child)
    }

    /// Appends another rich text.
    pub fn append(&mut self, other: Self) -> &mut Self {
        for node in other.nodes {
            match node {
                Node::Text(text) => {
                    self.text(&text);
                }
                styled => self.nodes.push(styled),
            }
        }
        self
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.iter().all(node_is_empty)
    }

    /// Length as Telegram counts it against its limits (UTF-16 units of the plain text).
    pub fn len(&self) -> usize {
        utf16_len(&self.plain())
    }

    pub fn plain(&self) -> String {
        let mut out = String::new();
        for node in &self.nodes {
            push_plain(node, &mut out);
        }
        out
    }

    /// Telegram HTML (parse_mode = HTML). Call on [`normalized`](Self::normalized) text.
    pub fn html(&self) -> String {
        let mut out = String::new();
        for node in &self.nodes {
            push_html(node, &mut out);
        }
        out
    }

    /// How many entities the HTML carries.
    pub fn entity_count(&self) -> usize {
        self.nodes.iter().map(count_entities).sum()
    }

    /// Applies Telegram's nesting rules — no link inside a link, no style
    /// inside code or pre, no blockquote inside a blockquote — keeps at most
    /// [`MAX_ENTITIES`] entities (the rest become plain text), and drops styles
    /// around nothing.
    pub fn normalized(self) -> Self {
        let mut budget = MAX_ENTITIES;
        let nodes = normalize_nodes(self.nodes, &Context::default(), &mut budget);
        let mut out = Self::new();
        out.nodes = merge_text(nodes);
        out
    }

    /// Removes leading and trailing whitespace (inside styles too).
    pub fn trimmed(self) -> Self {
        let plain = self.plain();
        let start = plain.len() - plain.trim_start().len();
        let end = plain.trim_end().len();
        if start == 0 && end == plain.len() {
            return self;
        }
        let start_chars = plain[..start].chars().count();
        let end_chars = plain[..end.max(start)].chars().count();
        let mut out = Self::new();
        out.nodes = slice_nodes(&self.nodes, start_chars, end_chars, &mut 0);
        out
    }

    /// Cuts to at most `max_units` UTF-16 units, at the last sentence end
    /// (if that keeps at least half) or else at a word boundary, ending with
    /// "…" (which replaces a final full stop). Never splits an entity: styles
    /// cut short are closed where the text ends.
    pub fn truncated(&self, max_units: usize) -> Self {
        if self.len() <= max_units {
            return self.clone();
        }
        if max_units == 0 {
            return Self::new();
        }
        let plain = self.plain();
        let room = prefix_within_units(&plain, max_units - 1);
        let cut = cut_point(&plain[..room]);
        let kept = plain[..cut]
            .trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '–' | '—' | '.'));
        let kept_chars = kept.chars().count();
        let mut out = Self::new();
        out.nodes = slice_nodes(&self.nodes, 0, kept_chars, &mut 0);
        out.text("…");
        out
    }

    /// The first `chars` characters of the plain text, styles kept.
    pub fn prefix_chars(&self, chars: usize) -> Self {
        let mut out = Self::new();
        out.nodes = slice_nodes(&self.nodes, 0, chars, &mut 0);
        out
    }

    pub fn into_parts(self) -> (String, String) {
        (self.html(), self.plain())
    }
}

/// UTF-16 code units: how Telegram measures entity offsets, and an upper bound
/// of how it counts length.
pub fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// Escapes text for Telegram HTML.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

fn is_dropped_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{FEFF}' | '\u{2028}' | '\u{2029}')
}

fn node_is_empty(node: &Node) -> bool {
    match node {
        Node::Text(text) => text.is_empty(),
        Node::Styled(_, children) => children.iter().all(node_is_empty),
    }
}

fn push_plain(node: &Node, out: &mut String) {
    match node {
        Node::Text(text) => out.push_str(text),
        Node::Styled(_, children) => children.iter().for_each(|c| push_plain(c, out)),
    }
}

fn push_html(node: &Node, out: &mut String) {
    match node {
        Node::Text(text) => out.push_str(&escape_html(text)),
        Node::Styled(style, children) => {
            if children.iter().all(node_is_empty) {
                return;
            }
            let (open, close) = tags(style);
            out.push_str(&open);
            children.iter().for_each(|c| push_html(c, out));
            out.push_str(close);
        }
    }
}

fn tags(style: &Style) -> (String, &'static str) {
    match style {
        Style::Bold => ("<b>".into(), "</b>"),
        Style::Italic => ("<i>".into(), "</i>"),
        Style::Underline => ("<u>".into(), "</u>"),
        Style::Strike => ("<s>".into(), "</s>"),
        Style::Spoiler => ("<tg-spoiler>".into(), "</tg-spoiler>"),
        Style::Code => ("<code>".into(), "</code>"),
        Style::Pre(None) => ("<pre>".into(), "</pre>"),
        Style::Pre(Some(language)) => {
            (format!("<pre><code class=\"language-{}\">", escape_html(language)), "</code></pre>")
        }
        Style::Blockquote => ("<blockquote>".into(), "</blockquote>"),
        Style::Link(url) => (format!("<a href=\"{}\">", escape_html(url.as_str())), "</a>"),
    }
}

fn count_entities(node: &Node) -> usize {
    match node {
        Node::Text(_) => 0,
        Node::Styled(_, children) if children.iter().all(node_is_empty) => 0,
        Node::Styled(_, children) => 1 + children.iter().map(count_entities).sum::<usize>(),
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Context {
    in_link: bool,
    in_code: bool,
    in_blockquote: bool,
}

fn normalize_nodes(nodes: Vec<Node>, context: &Context, budget: &mut usize) -> Vec<Node> {
    let mut out = Vec::with_capacity(nodes.len());
    for node in nodes {
        match node {
            Node::Text(text) => out.push(Node::Text(text)),
            Node::Styled(_, children) if children.iter().all(node_is_empty) => {}
            Node::Styled(style, children) => {
                let forbidden = context.in_code
                    || (context.in_link && matches!(style, Style::Link(_)))
                    || (context.in_blockquote && style == Style::Blockquote)
                    || *budget == 0;
                if forbidden {
                    out.extend(normalize_nodes(children, context, budget));
                    continue;
                }
                *budget -= 1;
                let inner = Context {
                    in_link: context.in_link || matches!(style, Style::Link(_)),
                    in_code: context.in_code || matches!(style, Style::Code | Style::Pre(_)),
                    in_blockquote: context.in_blockquote || style == Style::Blockquote,
                };
                let children = merge_text(normalize_nodes(children, &inner, budget));
                out.push(Node::Styled(style, children));
            }
        }
    }
    out
}

fn merge_text(nodes: Vec<Node>) -> Vec<Node> {
    let mut out: Vec<Node> = Vec::with_capacity(nodes.len());
    for node in nodes {
        match (out.last_mut(), node) {
            (Some(Node::Text(last)), Node::Text(text)) => last.push_str(&text),
            (_, Node::Text(text)) if text.is_empty() => {}
            (_, node) => out.push(node),
        }
    }
    out
}

/// The part of `nodes` between plain-text character positions `from` and
/// `to`; `position` tracks characters already walked.
fn slice_nodes(nodes: &[Node], from: usize, to: usize, position: &mut usize) -> Vec<Node> {
    let mut out = Vec::new();
    for node in nodes {
        if *position >= to {
            break;
        }
        match node {
            Node::Text(text) => {
                let length = text.chars().count();
                let start = from.saturating_sub(*position).min(length);
                let end = (to - *position).min(length);
                if start < end {
                    out.push(Node::Text(text.chars().skip(start).take(end - start).collect()));
                }
                *position += length;
            }
            Node::Styled(style, children) => {
                let inner = slice_nodes(children, from, to, position);
                if !inner.iter().all(node_is_empty) {
                    out.push(Node::Styled(style.clone(), inner));
                }
            }
        }
    }
    out
}

/// Byte length of the longest prefix of `text` within `units` UTF-16 units.
fn prefix_within_units(text: &str, units: usize) -> usize {
    let mut used = 0;
    for (index, ch) in text.char_indices() {
        used += ch.len_utf16();
        if used > units {
            return index;
        }
    }
    text.len()
}

/// Where to cut `room` (a prefix of the text): after the last sentence end if
/// that keeps at least half of it, else at the last word boundary (unless that
/// throws away most of it), else right at its end.
fn cut_point(room: &str) -> usize {
    let half = room.chars().count() / 2;
    if let Some(end) = last_sentence_end(room)
        && room[..end].chars().count() >= half
    {
        return end;
    }
    match room.rfind(char::is_whitespace) {
        Some(space) if room[..space].chars().count() * 2 >= room.chars().count() => space,
        _ => room.len(),
    }
}

/// Byte index just past the last sentence-ending punctuation that is followed
/// by whitespace and a capital letter, digit or opening quote.
fn last_sentence_end(text: &str) -> Option<usize> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut best = None;
    for window in chars.windows(3) {
        let [(i, punct), (_, space), (_, next)] = window else { continue };
        let ends_sentence = matches!(punct, '.' | '!' | '?' | '”' | '"');
        let starts_sentence = next.is_uppercase() || next.is_ascii_digit() || matches!(next, '"' | '“');
        if ends_sentence && space.is_whitespace() && starts_sentence {
            best = Some(i + punct.len_utf8());
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    #[test]
    fn escapes_text_and_attributes() {
        let link = url("https://a.id/?q=\"x\"&b=<1>");
        let mut rich = RichText::new();
        rich.bold(|b| {
            b.link(&link, |l| {
                l.text("Tom & Jerry <3");
            });
        });
        assert_eq!(rich.html(), "<b><a href=\"https://a.id/?q=%22x%22&amp;b=%3C1%3E\">Tom &amp; Jerry &lt;3</a></b>");
        assert_eq!(rich.plain(), "Tom & Jerry <3");
    }

    #[test]
    fn non_http_links_keep_only_their_text() {
        let mut rich = RichText::new();
        rich.link(&url("javascript:alert(1)"), |l| {
            l.text("klik");
        });
        assert_eq!(rich.html(), "klik");
    }

    #[test]
    fn empty_styles_and_controls_disappear() {
        let mut rich = RichText::new();
        rich.bold(|_| {}).italic(|i| {
            i.text("\u{0}\u{7}");
        });
        rich.text("a\u{1b}b\nc\u{feff}");
        assert_eq!(rich.html(), "ab\nc");
        assert_eq!(rich.entity_count(), 0);
    }

    #[test]
    fn nesting_follows_telegrams_rules() {
        let inner_link = Node::Styled(Style::Link(url("https://b.id/")), vec![Node::Text("b".into())]);
        let mut rich = RichText::new();
        rich.nodes = vec![
            Node::Styled(Style::Link(url("https://a.id/")), vec![Node::Text("a ".into()), inner_link]),
            Node::Styled(Style::Code, vec![Node::Styled(Style::Bold, vec![Node::Text("x".into())])]),
            Node::Styled(Style::Blockquote, vec![Node::Styled(Style::Blockquote, vec![Node::Text("q".into())])]),
        ];
        assert_eq!(
            rich.normalized().html(),
            "<a href=\"https://a.id/\">a b</a><code>x</code><blockquote>q</blockquote>"
        );
    }

    #[test]
    fn at_most_a_hundred_entities() {
        let mut rich = RichText::new();
        for n in 0..150 {
            rich.bold(|b| {
                b.text(&format!("{n} "));
            });
        }
        let normalized = rich.normalized();
        assert_eq!(normalized.entity_count(), MAX_ENTITIES);
        assert_eq!(normalized.html().matches("<b>").count(), 100);
        assert!(normalized.plain().starts_with("0 1 2"));
        assert!(normalized.plain().ends_with("149 "));
    }

    #[test]
    fn truncation_cuts_at_sentences_or_words_and_closes_styles() {
        let mut rich = RichText::new();
        rich.text("Hujan deras mengguyur Samarinda sejak pagi. Air naik di ");
        rich.bold(|b| {
            b.text("Jalan Pahlawan dan sekitarnya");
        });
        rich.text(" hingga sore.");
        assert_eq!(rich.truncated(60).html(), "Hujan deras mengguyur Samarinda sejak pagi…");
        assert_eq!(
            rich.truncated(95).html(),
            "Hujan deras mengguyur Samarinda sejak pagi. Air naik di <b>Jalan Pahlawan dan sekitarnya</b> hingga…"
        );
        assert_eq!(
            rich.truncated(75).html(),
            "Hujan deras mengguyur Samarinda sejak pagi…",
            "a sentence end keeps over half"
        );
        let mut bold = RichText::new();
        bold.bold(|b| {
            b.text("satu dua tiga empat lima");
        });
        assert_eq!(bold.truncated(12).html(), "<b>satu dua</b>…", "a style cut short is closed");
        assert_eq!(rich.truncated(1000), rich);
        for max in 0..100 {
            let cut = rich.truncated(max);
            assert!(cut.len() <= max, "{max}: {}", cut.plain());
        }
    }

    #[test]
    fn truncation_never_splits_a_surrogate_pair() {
        let rich = RichText::plain_text(&"😀".repeat(10));
        let cut = rich.truncated(7);
        assert!(cut.len() <= 7);
        assert_eq!(cut.plain(), "😀😀😀…");
    }

    #[test]
    fn trimming_reaches_into_styles() {
        let mut rich = RichText::new();
        rich.text("\n ");
        rich.bold(|b| {
            b.text(" judul ");
        });
        rich.text("\n\n");
        assert_eq!(rich.trimmed().html(), "<b>judul</b>");
    }

    #[test]
    fn counts_utf16_units() {
        assert_eq!(RichText::plain_text("é😀").len(), 3);
    }
}
