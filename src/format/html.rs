//! Article HTML (WordPress `content:encoded`, summaries) → rich text in
//! Telegram's subset, with a real HTML parser (html5ever, via scraper).
//!
//! Paragraphs and `<br>` become line breaks, list items "• " lines, headings
//! bold, links are kept (resolved, http/https only), emphasis kept; images,
//! scripts, styles, iframes and forms are dropped; entities are decoded (the
//! output escapes again). Boilerplate blocks — WordPress footers, "[…]"
//! stubs, configured promotions — are removed.

use ego_tree::NodeRef;
use scraper::{ElementRef, Html, Node};
use url::Url;

use super::nesting::{MAX_MARKUP_DEPTH, Markup, bound_nesting};
use super::rich::{RichText, Style};

/// Elements dropped with everything inside them.
const DROPPED: &[&str] = &[
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
    "input",
    "select",
    "textarea",
    "figcaption",
    "head",
    "title",
    "video",
    "audio",
    "canvas",
    "map",
    "dialog",
    "nav",
];

/// Elements that start and end a block.
const BLOCKS: &[&str] = &[
    "p", "div", "section", "article", "header", "footer", "main", "aside", "figure", "address", "table", "thead",
    "tbody", "tfoot", "tr", "ul", "ol", "dl", "dt", "dd", "center", "details", "summary", "hr",
];

/// How much of a long article's HTML is read for its lead image or excerpt.
const LEAD_BYTES: usize = 32 * 1024;

/// The first `max` bytes of `html`, at a character boundary.
fn prefix(html: &str, max: usize) -> &str {
    if html.len() <= max {
        return html;
    }
    let mut end = max;
    while !html.is_char_boundary(end) {
        end -= 1;
    }
    &html[..end]
}

/// How conversion treats an article.
#[derive(Debug, Clone, Copy, Default)]
pub struct Conversion<'a> {
    /// Resolves relative links and image sources.
    pub base: Option<&'a Url>,
    /// Blocks containing any of these (case-insensitive) are dropped.
    pub remove_blocks: &'a [String],
    /// Stop converting once this many characters of blocks are collected
    /// (an excerpt needs only the start of a long article).
    pub enough_chars: Option<usize>,
}

/// What kind of block a piece of text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    Paragraph,
    Heading,
    ListItem,
    Quote,
    Preformatted,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub kind: BlockKind,
    pub text: RichText,
}

/// The article's blocks, in order, boilerplate removed.
pub fn html_to_blocks(html: &str, conversion: &Conversion<'_>) -> Vec<Block> {
    // Flattened first, so that text under thousands of tags still counts as the lead.
    let html = strip_shortcodes(html);
    let bounded = bound_nesting(&html, MAX_MARKUP_DEPTH, Markup::Html);
    // Markup runs to many times its text; this much HTML holds enough text.
    let html = match conversion.enough_chars {
        Some(enough) => prefix(&bounded, (enough * 16).max(LEAD_BYTES)),
        None => &bounded,
    };
    let fragment = Html::parse_fragment(html);
    let mut walker = Walker {
        conversion,
        blocks: Vec::new(),
        current: Vec::new(),
        kind: BlockKind::Paragraph,
        list: Vec::new(),
        collected: 0,
        depth: 0,
    };
    walker.children(fragment.tree.root(), &mut Vec::new());
    walker.flush();
    walker
        .blocks
        .into_iter()
        .filter_map(|mut block| {
            block.text = without_boilerplate(block.text, conversion.remove_blocks)?;
            block.text = strip_read_more_stub(block.text);
            Some(block)
        })
        .filter(|block| !block.text.is_empty())
        .collect()
}

/// The article as one rich text, one block per line.
pub fn html_to_rich(html: &str, conversion: &Conversion<'_>) -> RichText {
    let mut out = RichText::new();
    for (index, block) in html_to_blocks(html, conversion).into_iter().enumerate() {
        if index > 0 {
            out.newline();
        }
        out.append(block.text);
    }
    out
}

/// The first usable image of the article: an http(s) `<img>` that is not an
/// icon (see [`is_icon_url`]; nor declared smaller than [`MIN_PHOTO_SIDE`],
/// nor marked as an emoji or avatar), resolved against `base`.
pub fn first_image(html: &str, base: Option<&Url>) -> Option<Url> {
    // A picture further down than this is not the article's lead image.
    let fragment = Html::parse_fragment(&bound_nesting(prefix(html, LEAD_BYTES), MAX_MARKUP_DEPTH, Markup::Html));
    let selector = scraper::Selector::parse("img").ok()?;
    fragment.select(&selector).find_map(|img| {
        let element = img.value();
        let small = ["width", "height"]
            .iter()
            .any(|a| element.attr(a).and_then(|v| v.trim().parse::<u32>().ok()).is_some_and(|v| v < MIN_PHOTO_SIDE));
        let marked_icon = element.classes().any(|class| {
            let class = class.to_ascii_lowercase();
            class == "wp-smiley" || class == "emoji" || class.starts_with("avatar")
        });
        if small || marked_icon {
            return None;
        }
        let src = element.attr("src").or_else(|| element.attr("data-src"))?.trim();
        let url = match Url::parse(src) {
            Ok(url) => url,
            Err(url::ParseError::RelativeUrlWithoutBase) => base?.join(src).ok()?,
            Err(_) => return None,
        };
        (matches!(url.scheme(), "http" | "https") && !is_icon_url(&url)).then_some(url)
    })
}

/// The page's own share image (`og:image`, else `twitter:image`) from its
/// `<head>`, resolved against `base`; never an icon or one declared small.
pub fn og_image(head_html: &str, base: &Url) -> Option<Url> {
    let document = Html::parse_document(prefix(head_html, OG_HEAD_BYTES));
    let selector = scraper::Selector::parse("meta").ok()?;
    let meta = |keys: &[&str]| {
        document.select(&selector).find_map(|element| {
            let element = element.value();
            let key = element.attr("property").or_else(|| element.attr("name"))?.trim().to_ascii_lowercase();
            keys.contains(&key.as_str()).then(|| element.attr("content")).flatten().map(str::trim)
        })
    };
    let declared_small = ["og:image:width", "og:image:height"]
        .iter()
        .any(|key| meta(&[key]).and_then(|v| v.parse::<u32>().ok()).is_some_and(|side| side < MIN_PHOTO_SIDE));
    if declared_small {
        return None;
    }
    let content = meta(&["og:image:secure_url", "og:image", "og:image:url", "twitter:image", "twitter:image:src"])?;
    let url = base.join(content).ok()?;
    (matches!(url.scheme(), "http" | "https") && !is_icon_url(&url)).then_some(url)
}

/// How much of a page's head is read for its share image.
const OG_HEAD_BYTES: usize = 256 * 1024;

/// An image declared smaller than this on a side is an icon, not the article's photo.
pub const MIN_PHOTO_SIDE: u32 = 200;

/// Images that are never an article's photo: WordPress's emoji and smilies
/// (it swaps emoji in feeds for 72×72 PNGs on s.w.org), Twemoji, avatars,
/// and SVG (Telegram does not take it as a photo).
pub fn is_icon_url(url: &Url) -> bool {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let path = url.path().to_ascii_lowercase();
    (host == "s.w.org" && path.starts_with("/images/core/emoji/"))
        || path.contains("/wp-includes/images/smilies/")
        || path.contains("/twemoji/")
        || (host.ends_with("gravatar.com") && path.starts_with("/avatar/"))
        || path.contains("/avatars/")
        || path.ends_with(".svg")
        || path.ends_with(".svgz")
}

struct Walker<'a> {
    conversion: &'a Conversion<'a>,
    blocks: Vec<Block>,
    /// Open inline styles with their content so far (outermost first); the
    /// bottom entry is the block's own text.
    current: Vec<(Option<Style>, RichText)>,
    kind: BlockKind,
    /// Open lists: `None` for bullets, `Some(n)` for the next number.
    list: Vec<Option<u32>>,
    /// Characters in finished blocks that are not boilerplate.
    collected: usize,
    /// Elements open around the current node.
    depth: usize,
}

/// Elements deeper than this are read as plain text: the walk recurses per
/// level, and the rich text it builds nests no deeper than this either.
const MAX_WALK_DEPTH: usize = 48;

impl Walker<'_> {
    fn children(&mut self, node: NodeRef<'_, Node>, pre: &mut Vec<()>) {
        for child in node.children() {
            self.node(child, pre);
        }
    }

    fn node(&mut self, node: NodeRef<'_, Node>, pre: &mut Vec<()>) {
        if self.conversion.enough_chars.is_some_and(|enough| self.collected >= enough) {
            return;
        }
        match node.value() {
            Node::Text(text) => {
                if pre.is_empty() {
                    let collapsed = collapse_spaces(text);
                    // No space at a line start, nor after another space (dropped elements leave gaps).
                    let after_space = self.line_is_empty() || self.ends_with_space();
                    self.push_text(if after_space { collapsed.trim_start() } else { &collapsed });
                } else {
                    self.push_text(text);
                }
            }
            Node::Element(_) => {
                let Some(element) = ElementRef::wrap(node) else { return };
                if self.depth >= MAX_WALK_DEPTH {
                    self.flatten(element);
                    return;
                }
                self.depth += 1;
                self.element(element, pre);
                self.depth -= 1;
            }
            _ => self.children(node, pre),
        }
    }

    fn element(&mut self, element: ElementRef<'_>, pre: &mut Vec<()>) {
        let name = element.value().name();
        if DROPPED.contains(&name) || name == "img" {
            return;
        }
        match name {
            "br" => {
                self.push_text("\n");
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => self.block(element, BlockKind::Heading, Some(Style::Bold), pre),
            "li" => {
                self.flush();
                let marker = match self.list.last_mut() {
                    Some(Some(number)) => {
                        *number += 1;
                        format!("{}. ", *number - 1)
                    }
                    _ => "• ".to_owned(),
                };
                self.kind = BlockKind::ListItem;
                self.push_text(&marker);
                self.children(*element, pre);
                self.flush();
            }
            "ul" | "ol" => {
                self.flush();
                self.list.push((name == "ol").then_some(1));
                self.children(*element, pre);
                self.list.pop();
                self.flush();
            }
            "blockquote" => self.block(element, BlockKind::Quote, Some(Style::Blockquote), pre),
            "pre" => {
                pre.push(());
                self.block(element, BlockKind::Preformatted, Some(Style::Pre(None)), pre);
                pre.pop();
            }
            "b" | "strong" => self.inline(element, Style::Bold, pre),
            "i" | "em" | "cite" | "dfn" | "var" => self.inline(element, Style::Italic, pre),
            "u" | "ins" => self.inline(element, Style::Underline, pre),
            "s" | "strike" | "del" => self.inline(element, Style::Strike, pre),
            "code" | "kbd" | "samp" | "tt" if pre.is_empty() => self.inline(element, Style::Code, pre),
            "a" => match element.value().attr("href").and_then(|href| self.resolve(href)) {
                Some(url) => self.inline(element, Style::Link(url), pre),
                None => self.children(*element, pre),
            },
            "td" | "th" => {
                if !self.line_is_empty() {
                    self.push_text(" ");
                }
                self.children(*element, pre);
            }
            _ if BLOCKS.contains(&name) => {
                self.flush();
                self.children(*element, pre);
                self.flush();
            }
            _ => self.children(*element, pre),
        }
    }

    /// The text under `element`, without its markup, walked without recursion.
    fn flatten(&mut self, element: ElementRef<'_>) {
        let mut text = String::new();
        let mut edges = element.traverse();
        while let Some(edge) = edges.next() {
            let ego_tree::iter::Edge::Open(node) = edge else { continue };
            match node.value() {
                Node::Text(piece) => text.push_str(piece),
                Node::Element(inner) if DROPPED.contains(&inner.name()) => {
                    // Skip everything inside a dropped element.
                    for skipped in edges.by_ref() {
                        if matches!(skipped, ego_tree::iter::Edge::Close(closed) if closed == node) {
                            break;
                        }
                    }
                }
                Node::Element(inner) if inner.name() == "br" || BLOCKS.contains(&inner.name()) => text.push(' '),
                _ => {}
            }
        }
        let collapsed = collapse_spaces(&text);
        let after_space = self.line_is_empty() || self.ends_with_space();
        self.push_text(if after_space { collapsed.trim_start() } else { &collapsed });
    }

    fn block(&mut self, element: ElementRef<'_>, kind: BlockKind, style: Option<Style>, pre: &mut Vec<()>) {
        self.flush();
        self.kind = kind;
        match style {
            Some(style) => self.inline(element, style, pre),
            None => self.children(*element, pre),
        }
        self.flush();
    }

    fn inline(&mut self, element: ElementRef<'_>, style: Style, pre: &mut Vec<()>) {
        if self.current.is_empty() {
            self.current.push((None, RichText::new()));
        }
        self.current.push((Some(style), RichText::new()));
        self.children(*element, pre);
        self.close_top();
    }

    /// Closes the innermost open style into its parent.
    fn close_top(&mut self) {
        if self.current.len() < 2 {
            return;
        }
        if let Some((Some(style), text)) = self.current.pop()
            && let Some((_, parent)) = self.current.last_mut()
        {
            parent.push_styled(style, text);
        }
    }

    fn push_text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if self.current.is_empty() {
            self.current.push((None, RichText::new()));
        }
        if let Some((_, top)) = self.current.last_mut() {
            top.text(text);
        }
    }

    fn ends_with_space(&self) -> bool {
        self.current.iter().rev().find_map(|(_, text)| text.plain().chars().next_back()).is_some_and(|c| c == ' ')
    }

    fn line_is_empty(&self) -> bool {
        let plain: String = self.current.iter().map(|(_, text)| text.plain()).collect();
        plain.is_empty() || plain.ends_with('\n')
    }

    /// Ends the current block. Styles still open (a block inside a link, say)
    /// are closed here and reopened for what follows.
    fn flush(&mut self) {
        if self.current.is_empty() {
            self.kind = BlockKind::Paragraph;
            return;
        }
        let open: Vec<Option<Style>> = self.current.iter().map(|(style, _)| style.clone()).collect();
        while self.current.len() > 1 {
            self.close_top();
        }
        if let Some((_, text)) = self.current.pop() {
            let text = text.trimmed();
            if !text.is_empty() {
                let plain = text.plain();
                // Only text that survives boilerplate removal counts toward "enough".
                let kept = boilerplate_start(&plain, self.conversion.remove_blocks);
                self.collected += kept.unwrap_or_else(|| plain.chars().count());
                self.blocks.push(Block { kind: self.kind, text });
            }
        }
        self.kind = BlockKind::Paragraph;
        if open.len() > 1 {
            self.current = open.into_iter().map(|style| (style, RichText::new())).collect();
        }
    }

    fn resolve(&self, href: &str) -> Option<Url> {
        let href = href.trim();
        let url = match Url::parse(href) {
            Ok(url) => url,
            Err(url::ParseError::RelativeUrlWithoutBase) => self.conversion.base?.join(href).ok()?,
            Err(_) => return None,
        };
        matches!(url.scheme(), "http" | "https").then_some(url)
    }
}

fn collapse_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for ch in text.chars() {
        if ch.is_whitespace() {
            space = true;
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(ch);
        }
    }
    if space {
        out.push(' ');
    }
    out
}

/// A block without the WordPress footer or a configured promotion: a block
/// that starts with one is dropped; one that runs into it (WordPress's
/// one-paragraph excerpt: the lead, then the promotion) keeps what comes
/// before it.
fn without_boilerplate(text: RichText, patterns: &[String]) -> Option<RichText> {
    let plain = text.plain();
    match boilerplate_start(&plain, patterns) {
        None => Some(text),
        Some(at) => {
            let kept = text.prefix_chars(at).trimmed();
            (!kept.plain().trim().is_empty()).then_some(kept)
        }
    }
}

/// Where (in characters) the first footer or promotion starts in `text`.
fn boilerplate_start(text: &str, patterns: &[String]) -> Option<usize> {
    let lowered: Vec<String> = patterns.iter().map(|p| p.trim().to_lowercase()).filter(|p| !p.is_empty()).collect();
    let footer = text.find("The post ").filter(|at| text[*at..].contains(" appeared first on "));
    let mut earliest = footer.map(|at| text[..at].chars().count());
    // Matched char by char so that positions stay those of the original text.
    let chars: Vec<char> = text.chars().collect();
    for start in 0..chars.len() {
        if earliest.is_some_and(|e| e <= start) {
            break;
        }
        let rest = chars[start..].iter().flat_map(|c| c.to_lowercase());
        if lowered.iter().any(|pattern| rest.clone().take(pattern.chars().count()).eq(pattern.chars())) {
            earliest = Some(start);
            break;
        }
    }
    earliest
}

/// Unexpanded WordPress shortcodes (a disabled plugin's `[gallery ids="1,2"]`,
/// `[caption …]…[/caption]`) removed: a paired one with what it encloses, a
/// lone one by itself. Names are lowercase words, so a credit such as
/// `[RWT | ADV DISKOMINFO]` or the "[…]" stub is text, not a shortcode.
pub fn strip_shortcodes(html: &str) -> std::borrow::Cow<'_, str> {
    if !html.contains('[') {
        return std::borrow::Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let candidate = &rest[open..];
        match shortcode_at(candidate) {
            Some((name, tag_len)) => {
                let after = &candidate[tag_len..];
                let closing = format!("[/{name}]");
                // Paired: drop through the closing tag (within a bounded distance).
                let skip = match after.get(..after.len().min(SHORTCODE_SPAN)).and_then(|w| w.find(&closing)) {
                    Some(close) => tag_len + close + closing.len(),
                    None => tag_len,
                };
                rest = &candidate[skip..];
            }
            None => {
                out.push('[');
                rest = &candidate[1..];
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// How far a shortcode's closing tag is looked for.
const SHORTCODE_SPAN: usize = 16 * 1024;

/// `[name …]`, `[name/]` or `[/name]` at the start of `text`: the name and the tag's length.
fn shortcode_at(text: &str) -> Option<(&str, usize)> {
    let inner = text.strip_prefix('[')?;
    let inner = inner.strip_prefix('/').unwrap_or(inner);
    let name_len = inner.find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-'))?;
    let name = &inner[..name_len];
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return None;
    }
    let after_name = &inner[name_len..];
    if !after_name.starts_with([']', ' ', '/']) {
        return None;
    }
    let close = after_name.find(']')?;
    // Attributes hold no markup or line breaks; a longer "tag" is text.
    if close > 512 || after_name[..close].contains(['[', '<', '\n']) {
        return None;
    }
    let tag_len = text.len() - after_name.len() + close + 1;
    Some((name, tag_len))
}

/// WordPress ends excerpts with "[…]" (the site's own "read more"); posts have their own.
fn strip_read_more_stub(text: RichText) -> RichText {
    let plain = text.plain();
    let trimmed = plain.trim_end();
    for stub in ["[…]", "[...]", "[&hellip;]", "(…)", "…", "..."] {
        if let Some(rest) = trimmed.strip_suffix(stub) {
            return text.prefix_chars(rest.trim_end().chars().count()).trimmed();
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert(html: &str) -> (String, String) {
        let base = Url::parse("https://kaltimtoday.co/2026/11/berita/").expect("url");
        let patterns = ["Dapatkan update berita pilihan".to_owned()];
        let conversion = Conversion { base: Some(&base), remove_blocks: &patterns, enough_chars: None };
        let rich = html_to_rich(html, &conversion).normalized();
        (rich.html(), rich.plain())
    }

    #[test]
    fn each_tag_family_converts() {
        let cases: &[(&str, &str)] = &[
            ("<p>Satu</p><p>Dua</p>", "Satu\nDua"),
            ("Baris<br>baru<br/>lagi", "Baris\nbaru\nlagi"),
            ("<ul><li>Apel</li><li>Jeruk</li></ul>", "• Apel\n• Jeruk"),
            ("<ol><li>Satu</li><li>Dua</li></ol>", "1. Satu\n2. Dua"),
            ("<h2>Judul</h2><p>Isi</p>", "<b>Judul</b>\nIsi"),
            (
                "<p><strong>Tebal</strong> <em>miring</em> <u>garis</u> <del>coret</del> <code>x=1</code></p>",
                "<b>Tebal</b> <i>miring</i> <u>garis</u> <s>coret</s> <code>x=1</code>",
            ),
            ("<blockquote><p>Kutipan</p></blockquote>", "<blockquote>Kutipan</blockquote>"),
            ("<pre>a  <b>b</b>\n  c</pre>", "<pre>a  b\n  c</pre>"),
            (
                "<p>Foto <img src=\"a.jpg\"> <script>alert(1)</script><style>p{}</style><iframe src=x></iframe>ok</p>",
                "Foto ok",
            ),
            ("<form><input value=x>Kirim</form><p>Isi</p>", "Isi"),
            ("<table><tr><td>A</td><td>B</td></tr><tr><td>C</td></tr></table>", "A B\nC"),
        ];
        for (html, expected) in cases {
            assert_eq!(&convert(html).0, expected, "{html}");
        }
    }

    #[test]
    fn links_are_resolved_and_only_http_kept() {
        let (html, _) = convert(
            "<p><a href=\"/foto/banjir\">Foto</a> <a href=\"javascript:x()\">jahat</a> <a href=\"mailto:r@k.co\">surel</a> <a href=\"https://x.id/a?b=1&amp;c=2\">abs</a></p>",
        );
        assert_eq!(
            html,
            "<a href=\"https://kaltimtoday.co/foto/banjir\">Foto</a> jahat surel <a href=\"https://x.id/a?b=1&amp;c=2\">abs</a>"
        );
    }

    #[test]
    fn entities_are_decoded_then_escaped() {
        let (html, plain) = convert("<p>A&nbsp;&amp;&nbsp;B &#8230; &hellip; &lt;tag&gt; &quot;q&quot;</p>");
        // Non-breaking spaces read as the spaces they stand for.
        assert_eq!(plain, "A & B … … <tag> \"q\"");
        assert_eq!(html, "A &amp; B … … &lt;tag&gt; &quot;q&quot;");
    }

    #[test]
    fn whitespace_is_collapsed_sensibly() {
        assert_eq!(
            convert("<p>\n   Banyak \t\n spasi   di  sini \n</p>\n\n<p>  lagi</p>").1,
            "Banyak spasi di sini\nlagi"
        );
        assert_eq!(convert("<div>a<div>b</div>c</div>").1, "a\nb\nc");
    }

    #[test]
    fn boilerplate_is_removed() {
        let html = "<p>Warga mengungsi ke posko [&#8230;]</p>\
                    <p><em>Dapatkan update berita pilihan dan breaking news setiap hari dari Kaltimtoday.co.</em></p>\
                    <p>The post <a href=\"https://kaltimtoday.co/x\">X</a> appeared first on <a href=\"https://kaltimtoday.co\">Kaltimtoday.co</a>.</p>";
        assert_eq!(convert(html).1, "Warga mengungsi ke posko");
    }

    #[test]
    fn broken_markup_still_converts() {
        assert_eq!(convert("<p><b>tebal <i>campur</b> aduk</i></p><p>< 5 & > 3").1, "tebal campur aduk\n< 5 & > 3");
        assert_eq!(
            convert("<a href=\"https://a.id\"><p>blok di dalam tautan</p></a>").0,
            "<a href=\"https://a.id/\">blok di dalam tautan</a>"
        );
    }

    #[test]
    fn finds_the_first_real_image() {
        let base = Url::parse("https://kaltimtoday.co/berita/").expect("url");
        let html = "<img src=\"https://t.co/pixel.gif\" width=\"1\" height=\"1\"><img src=\"data:image/png;base64,xx\"><p><img src=\"/wp-content/uploads/foto.jpg\"></p>";
        assert_eq!(
            first_image(html, Some(&base)).map(|u| u.to_string()),
            Some("https://kaltimtoday.co/wp-content/uploads/foto.jpg".into())
        );
        assert_eq!(first_image("<p>tanpa gambar</p>", Some(&base)), None);
    }

    #[test]
    fn a_promotion_inside_the_lead_paragraph_keeps_the_lead() {
        let patterns = vec!["Dapatkan update berita pilihan".to_owned()];
        let conversion = Conversion { remove_blocks: &patterns, ..Conversion::default() };
        // WordPress's excerpt is one paragraph: credit, lead, then the site's promotion.
        let excerpt = "[RWT | ADV DISKOMINFO KUKAR] TENGGARONG – Pemkab Kukar meresmikan jembatan baru. \
                       Dapatkan update berita pilihan dan breaking news setiap hari";
        let text = html_to_rich(excerpt, &conversion).plain();
        assert_eq!(text, "[RWT | ADV DISKOMINFO KUKAR] TENGGARONG – Pemkab Kukar meresmikan jembatan baru.");
        // A paragraph that is only the promotion goes; the others stay.
        let content =
            "<p>Lead berita.</p><p>Dapatkan update berita pilihan dan breaking news setiap hari</p><p>Lanjutan.</p>";
        assert_eq!(html_to_rich(content, &conversion).plain(), "Lead berita.\nLanjutan.");
    }

    #[test]
    fn unexpanded_shortcodes_are_removed() {
        let html = r#"<p>[gallery ids="1,2,3"]Warga memadati [caption id="a" width="300"]<img src="x.jpg"> Foto: Redaksi[/caption]lapangan.</p><p>[RWT | ADV] credit and [&hellip;] stay, [/not-open] too</p>"#;
        let text = html_to_rich(html, &Conversion::default()).plain();
        assert_eq!(text, "Warga memadati lapangan.\n[RWT | ADV] credit and […] stay, too");
        assert_eq!(strip_shortcodes("a [b] c"), "a  c");
        assert_eq!(strip_shortcodes("[Kaltim] Banjir"), "[Kaltim] Banjir");
        assert_eq!(strip_shortcodes("unclosed [embed https://x"), "unclosed [embed https://x");
    }

    #[test]
    fn the_share_image_is_read_from_the_head() {
        let base = Url::parse("https://example.com/2026/12/berita/").expect("url");
        let head = r#"<html><head><meta property="og:title" content="x">
            <meta property="og:image" content="/uploads/foto.jpg"><meta property="og:image:width" content="1200">
            </head><body><img src="other.jpg"></body></html>"#;
        assert_eq!(
            og_image(head, &base).map(|u| u.to_string()).as_deref(),
            Some("https://example.com/uploads/foto.jpg")
        );
        let small = r#"<meta property="og:image" content="https://example.com/logo.png"><meta property="og:image:width" content="64">"#;
        assert_eq!(og_image(small, &base), None);
        let twitter = r#"<meta name="twitter:image" content="https://cdn.example.com/a.webp">"#;
        assert!(og_image(twitter, &base).is_some());
        assert_eq!(og_image(r#"<meta property="og:image" content="javascript:alert(1)">"#, &base), None);
        assert_eq!(og_image(r#"<meta property="og:image" content="https://example.com/logo.svg">"#, &base), None);
    }

    #[test]
    fn icons_are_never_the_photo() {
        let base = Url::parse("https://kaltimtoday.co/2026/11/berita/").expect("url");
        // WordPress's feed content for a title starting with ⚡, then the real photo.
        let html = r#"<p><img src="https://s.w.org/images/core/emoji/14.0.0/72x72/26a1.png" alt="⚡" class="wp-smiley" style="height: 1em; max-height: 1em;" /> Listrik padam.</p>
            <img src="https://secure.gravatar.com/avatar/abc?s=96" width="96" height="96">
            <img src="/wp-content/uploads/logo.svg">
            <img src="/wp-content/uploads/ikon.png" width="150" height="150">
            <img src="https://kaltimtoday.co/wp-content/uploads/2026/11/banjir.jpg" width="1200" height="800">"#;
        assert_eq!(
            first_image(html, Some(&base)).map(|u| u.to_string()).as_deref(),
            Some("https://kaltimtoday.co/wp-content/uploads/2026/11/banjir.jpg")
        );
        let only_emoji =
            r#"<p><img src="https://s.w.org/images/core/emoji/14.0.0/72x72/26a1.png" alt="⚡"> Listrik padam.</p>"#;
        assert_eq!(first_image(only_emoji, Some(&base)), None, "even without its class");
        assert!(is_icon_url(
            &Url::parse("https://kaltimtoday.co/wp-includes/images/smilies/icon_smile.gif").expect("url")
        ));
        assert!(!is_icon_url(&Url::parse("https://kaltimtoday.co/wp-content/uploads/2026/11/foto.jpg").expect("url")));
    }
}
