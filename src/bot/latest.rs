//! /latest: the archive, newest first, a page at a time, of every category or one.

use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use super::callbacks::Callback;
use super::reply::Answer;
use super::{BotState, LATEST_MAX};
use crate::domain::CategoryKey;
use crate::format::{ArticleList, render_article_list, render_text};
use crate::i18n::{BUTTON_NEXT, BUTTON_PREVIOUS, Lang, fill};
use crate::store::{Category, StoreError};

/// Categories offered when a reader's category is not found.
const SUGGESTED_CATEGORIES: usize = 12;
/// Longest category name on a button.
const BUTTON_NAME_CHARS: usize = 28;

/// A reader's category name matched against the site's categories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CategoryMatch {
    Found(Category),
    /// Several categories start with those words.
    Ambiguous(Vec<Category>),
    NotFound,
}

/// Exact key first, then the one category whose words the query's words start.
pub fn find_category(categories: &[Category], query: &str) -> CategoryMatch {
    let wanted = CategoryKey::new(query);
    if wanted.is_empty() {
        return CategoryMatch::NotFound;
    }
    if let Some(exact) = categories.iter().find(|c| c.key == wanted.as_str()) {
        return CategoryMatch::Found(exact.clone());
    }
    let mut candidates: Vec<Category> =
        categories.iter().filter(|c| CategoryKey::new(&c.key).matches_prefix(&wanted)).cloned().collect();
    match candidates.len() {
        0 => CategoryMatch::NotFound,
        1 => CategoryMatch::Found(candidates.remove(0)),
        _ => CategoryMatch::Ambiguous(candidates),
    }
}

/// The answer to `/latest [N] [category]`.
pub async fn latest_command(
    state: &BotState,
    lang: Lang,
    count: u32,
    category: Option<&str>,
) -> Result<Answer, StoreError> {
    let Some(query) = category else {
        return latest_page(state, lang, None, 0, count).await;
    };
    let categories = state.visible_categories().await?;
    match find_category(&categories, query) {
        CategoryMatch::Found(category) => latest_page(state, lang, Some(&category), 0, count).await,
        CategoryMatch::Ambiguous(candidates) => Ok(unknown_category(query, &candidates, count, lang)),
        CategoryMatch::NotFound => Ok(unknown_category(query, &categories, count, lang)),
    }
}

/// "No such category" with buttons for the likely ones.
fn unknown_category(query: &str, offer: &[Category], count: u32, lang: Lang) -> Answer {
    let texts = lang.texts();
    if offer.is_empty() {
        return Answer::text(&fill(texts.latest_empty_category, &[("category", query)]));
    }
    let buttons: Vec<InlineKeyboardButton> = offer
        .iter()
        .take(SUGGESTED_CATEGORIES)
        .map(|category| {
            let data = Callback::LatestPage { category: category.id, page: 0, size: count }.encode();
            InlineKeyboardButton::callback(button_name(&category.name), data)
        })
        .collect();
    let rows: Vec<Vec<InlineKeyboardButton>> = buttons.chunks(2).map(<[_]>::to_vec).collect();
    Answer::new(
        render_text(&fill(texts.latest_unknown_category, &[("query", query)])),
        Some(InlineKeyboardMarkup::new(rows)),
    )
}

/// A page of the archive (of one category). A page past the end shows the last one.
pub async fn latest_page(
    state: &BotState,
    lang: Lang,
    category: Option<&Category>,
    page: u32,
    size: u32,
) -> Result<Answer, StoreError> {
    let size = size.clamp(1, LATEST_MAX);
    let texts = lang.texts();
    let category_id = category.map(|c| c.id);
    let (total, mut articles) = state.store.latest_page(category_id, page.saturating_mul(size), size).await?;
    let pages = u32::try_from(total.div_ceil(size as usize)).unwrap_or(u32::MAX).max(1);
    let page = if page >= pages {
        let last = pages - 1;
        articles = state.store.latest_page(category_id, last * size, size).await?.1;
        last
    } else {
        page
    };
    let title = match category {
        Some(category) => fill(texts.latest_title_category, &[("category", &category.name)]),
        None => texts.latest_title.to_owned(),
    };
    let empty = match category {
        Some(category) => fill(texts.latest_empty_category, &[("category", &category.name)]),
        None => texts.latest_empty.to_owned(),
    };
    let footer =
        (pages > 1).then(|| fill(texts.page_of, &[("page", &(page + 1).to_string()), ("pages", &pages.to_string())]));
    let list = ArticleList {
        title: &title,
        subtitle: None,
        first_number: (page * size) as usize + 1,
        articles: &articles,
        footer: footer.as_deref(),
        empty: &empty,
    };
    let reply = render_article_list(&list, state.timezone, lang);
    let keyboard =
        page_keyboard(page, pages, |page| Callback::LatestPage { category: category_id.unwrap_or(0), page, size });
    Ok(Answer::new(reply, keyboard))
}

/// ◀ ▶ buttons for the neighbours of `page` (0-based) among `pages`.
pub fn page_keyboard(page: u32, pages: u32, turn_to: impl Fn(u32) -> Callback) -> Option<InlineKeyboardMarkup> {
    let mut row = Vec::new();
    if page > 0 {
        row.push(InlineKeyboardButton::callback(BUTTON_PREVIOUS, turn_to(page - 1).encode()));
    }
    if page + 1 < pages {
        row.push(InlineKeyboardButton::callback(BUTTON_NEXT, turn_to(page + 1).encode()));
    }
    (!row.is_empty()).then(|| InlineKeyboardMarkup::new([row]))
}

/// A category name cut to fit a button.
pub fn button_name(name: &str) -> String {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.chars().count() <= BUTTON_NAME_CHARS {
        return if name.is_empty() { "—".to_owned() } else { name };
    }
    let mut cut: String = name.chars().take(BUTTON_NAME_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn category(id: i64, name: &str) -> Category {
        Category {
            id,
            key: CategoryKey::new(name).as_str().to_owned(),
            name: name.into(),
            article_count: 1,
            hidden: false,
        }
    }

    #[test]
    fn finds_categories_by_any_spelling_or_a_unique_prefix() {
        let all =
            [category(1, "Ekonomi & Bisnis"), category(2, "Samarinda"), category(3, "Sosial"), category(4, "Ekonomi")];
        assert_eq!(find_category(&all, "ekonomi bisnis"), CategoryMatch::Found(all[0].clone()));
        assert_eq!(find_category(&all, "EKONOMI"), CategoryMatch::Found(all[3].clone()));
        assert_eq!(find_category(&all, "sama"), CategoryMatch::Found(all[1].clone()));
        assert_eq!(find_category(&all, "s"), CategoryMatch::Ambiguous(vec![all[1].clone(), all[2].clone()]));
        assert_eq!(find_category(&all, "olahraga"), CategoryMatch::NotFound);
        assert_eq!(find_category(&all, "!!!"), CategoryMatch::NotFound);
    }

    #[test]
    fn page_buttons_only_where_there_is_a_page() {
        let turn = |page| Callback::LatestPage { category: 0, page, size: 5 };
        assert!(page_keyboard(0, 1, turn).is_none());
        let first = page_keyboard(0, 3, turn).expect("next");
        assert_eq!(first.inline_keyboard[0].len(), 1);
        assert_eq!(first.inline_keyboard[0][0].text, BUTTON_NEXT);
        let middle = page_keyboard(1, 3, turn).expect("both");
        assert_eq!(middle.inline_keyboard[0].len(), 2);
        let last = page_keyboard(2, 3, turn).expect("previous");
        assert_eq!(last.inline_keyboard[0][0].text, BUTTON_PREVIOUS);
    }

    #[test]
    fn long_names_are_cut_for_buttons() {
        assert_eq!(button_name("Samarinda"), "Samarinda");
        assert_eq!(button_name(&"x".repeat(100)).chars().count(), BUTTON_NAME_CHARS);
        assert_eq!(button_name("  "), "—");
    }
}
