//! The post layout as configured: a small template of lines with
//! `{placeholders}`, parsed and checked. Rendering it is the formatter's job.

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

/// Literal text or a placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Literal(String),
    Field(Field),
}

/// A parsed layout: lines of parts (split by " · ") of segments.
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
pub const PART_SEPARATOR: &str = " · ";

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

    /// The lines, each of parts, each of segments.
    pub fn lines(&self) -> &[Vec<Vec<Segment>>] {
        &self.lines
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

    #[test]
    fn bad_layouts_are_refused_with_a_reason() {
        assert_eq!(Template::parse("{title} {judul}"), Err(TemplateError::UnknownPlaceholder("judul".into())));
        assert!(matches!(Template::parse("{title"), Err(TemplateError::Unclosed(_))));
        assert_eq!(Template::parse("{source} {time}"), Err(TemplateError::NoContent));
    }
}
