//! The post layout: a small template of lines with `{placeholders}`.
//!
//! Literal text is shown as written (escaped); each placeholder brings its own
//! formatting. A line whose placeholders are all empty disappears, and on a
//! line split by " · " the parts whose placeholders are empty disappear, so
//! an article without an author shows no dangling separator. Runs of blank
//! lines collapse into one.

use std::collections::HashMap;

use super::rich::RichText;

/// The default (Indonesian) layout.
pub const DEFAULT_TEMPLATE: &str = "{label}\n{title}\n\n{excerpt}\n\n{source} · {author} · {time}\n{hashtags}";

/// What a placeholder stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The sponsored label ("Advertorial") for sponsored categories.
    Label,
    /// The bold title, linked to the article.
    Title,
    Excerpt,
    Source,
    Author,
    /// The publish time in the configured zone.
    Time,
    Hashtags,
    /// The first visible category, as text.
    Category,
    /// The article's URL, as text.
    Link,
}

impl Field {
    pub const ALL: [(&'static str, Field); 9] = [
        ("label", Self::Label),
        ("title", Self::Title),
        ("excerpt", Self::Excerpt),
        ("source", Self::Source),
        ("author", Self::Author),
        ("time", Self::Time),
        ("hashtags", Self::Hashtags),
        ("category", Self::Category),
        ("link", Self::Link),
    ];

    fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, field)| *field)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Field(Field),
}

/// A parsed layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    lines: Vec<Vec<Vec<Segment>>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error(
        "unknown placeholder {{{0}}}; known: {{label}}, {{title}}, {{excerpt}}, {{source}}, {{author}}, {{time}}, {{hashtags}}, {{category}}, {{link}}"
    )]
    UnknownPlaceholder(String),
    #[error("unclosed {{ in line {0:?}")]
    Unclosed(String),
    #[error("the layout must contain {{title}} or {{excerpt}}")]
    NoContent,
}

/// The separator between the parts of a line that drop out when empty.
const PART_SEPARATOR: &str = " · ";

impl Template {
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let mut lines = Vec::new();
        let mut has_content = false;
        for line in text.split('\n') {
            let mut parts = Vec::new();
            for part in line.split(PART_SEPARATOR) {
                let mut segments = Vec::new();
                let mut rest = part;
                while let Some(open) = rest.find('{') {
                    if open > 0 {
                        segments.push(Segment::Literal(rest[..open].to_owned()));
                    }
                    let close = rest[open..].find('}').ok_or_else(|| TemplateError::Unclosed(line.to_owned()))? + open;
                    let name = rest[open + 1..close].trim();
                    let field = Field::parse(name).ok_or_else(|| TemplateError::UnknownPlaceholder(name.to_owned()))?;
                    has_content |= matches!(field, Field::Title | Field::Excerpt);
                    segments.push(Segment::Field(field));
                    rest = &rest[close + 1..];
                }
                if !rest.is_empty() {
                    segments.push(Segment::Literal(rest.to_owned()));
                }
                parts.push(segments);
            }
            lines.push(parts);
        }
        if !has_content {
            return Err(TemplateError::NoContent);
        }
        Ok(Self { lines })
    }

    /// Whether the layout shows `field` anywhere.
    pub fn has(&self, field: Field) -> bool {
        self.lines.iter().flatten().flatten().any(|segment| *segment == Segment::Field(field))
    }

    /// Fills the layout. Fields missing from `values` count as empty.
    pub fn render(&self, values: &HashMap<Field, RichText>) -> RichText {
        let filled = |segments: &[Segment]| -> Option<RichText> {
            let fields: Vec<Field> =
                segments.iter().filter_map(|s| if let Segment::Field(f) = s { Some(*f) } else { None }).collect();
            let all_empty = !fields.is_empty() && fields.iter().all(|f| values.get(f).is_none_or(RichText::is_empty));
            if all_empty {
                return None;
            }
            let mut out = RichText::new();
            for segment in segments {
                match segment {
                    Segment::Literal(text) => {
                        out.text(text);
                    }
                    Segment::Field(field) => {
                        if let Some(value) = values.get(field) {
                            out.append(value.clone());
                        }
                    }
                }
            }
            Some(out)
        };
        let mut out = RichText::new();
        let mut blank_run = true;
        let mut pending_newlines = 0;
        for parts in &self.lines {
            let kept: Vec<RichText> = parts.iter().filter_map(|segments| filled(segments)).collect();
            let line_is_template_blank = parts.iter().all(|segments| segments.is_empty());
            if kept.is_empty() && !line_is_template_blank {
                // A line of empty placeholders vanishes entirely.
                continue;
            }
            let mut line = RichText::new();
            for (index, part) in kept.into_iter().enumerate() {
                if index > 0 {
                    line.text(PART_SEPARATOR);
                }
                line.append(part);
            }
            if line.plain().trim().is_empty() {
                if !blank_run {
                    pending_newlines = 2;
                    blank_run = true;
                }
                continue;
            }
            if !out.is_empty() {
                for _ in 0..pending_newlines.max(1) {
                    out.newline();
                }
            }
            pending_newlines = 0;
            blank_run = false;
            out.append(line);
        }
        out
    }
}

impl Default for Template {
    fn default() -> Self {
        Self::parse(DEFAULT_TEMPLATE).expect("the default template parses")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(Field, &str)]) -> HashMap<Field, RichText> {
        pairs.iter().map(|(f, v)| (*f, RichText::plain_text(v))).collect()
    }

    #[test]
    fn empty_placeholders_take_their_line_or_part_with_them() {
        let template = Template::default();
        let all = values(&[
            (Field::Label, "Advertorial"),
            (Field::Title, "Judul"),
            (Field::Excerpt, "Ringkasan."),
            (Field::Source, "Kaltimtoday.co"),
            (Field::Author, "Redaksi"),
            (Field::Time, "27 Nov 2026, 09.20 WITA"),
            (Field::Hashtags, "#Samarinda"),
        ]);
        assert_eq!(
            template.render(&all).plain(),
            "Advertorial\nJudul\n\nRingkasan.\n\nKaltimtoday.co · Redaksi · 27 Nov 2026, 09.20 WITA\n#Samarinda"
        );
        let sparse = values(&[(Field::Title, "Judul"), (Field::Source, "Kaltimtoday.co"), (Field::Time, "09.20")]);
        assert_eq!(template.render(&sparse).plain(), "Judul\n\nKaltimtoday.co · 09.20");
    }

    #[test]
    fn custom_layouts_keep_literal_text() {
        let template = Template::parse("🔴 {title}\n{excerpt}\n\n📰 {source} — {category}\n{link}").expect("parses");
        let filled =
            template.render(&values(&[(Field::Title, "A & B"), (Field::Source, "K"), (Field::Link, "https://k.co/a")]));
        assert_eq!(filled.plain(), "🔴 A & B\n\n📰 K — \nhttps://k.co/a");
        assert_eq!(filled.html(), "🔴 A &amp; B\n\n📰 K — \nhttps://k.co/a");
    }

    #[test]
    fn bad_layouts_are_refused_with_a_reason() {
        assert_eq!(Template::parse("{title} {judul}"), Err(TemplateError::UnknownPlaceholder("judul".into())));
        assert!(matches!(Template::parse("{title"), Err(TemplateError::Unclosed(_))));
        assert_eq!(Template::parse("{source} {time}"), Err(TemplateError::NoContent));
    }
}
