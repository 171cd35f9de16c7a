//! The post layout: a small template of lines with `{placeholders}`.
//!
//! Literal text is shown as written (escaped); each placeholder brings its own
//! formatting. A line whose placeholders are all empty disappears, and on a
//! line split by " · " the parts whose placeholders are empty disappear, so
//! an article without an author shows no dangling separator. Runs of blank
//! lines collapse into one.

use std::collections::HashMap;

use super::rich::RichText;
use crate::domain::{Field, PART_SEPARATOR, Segment, Template};

/// Fills a layout with rendered fields.
pub trait RenderTemplate {
    /// Fills the layout. Fields missing from `values` count as empty.
    fn render(&self, values: &HashMap<Field, RichText>) -> RichText;
}

impl RenderTemplate for Template {
    fn render(&self, values: &HashMap<Field, RichText>) -> RichText {
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
        for parts in self.lines() {
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
}
