//! /kategori: the picker where a subscriber ticks the categories they want.

use chrono::Utc;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use super::BotState;
use super::callbacks::Callback;
use super::latest::button_name;
use super::reply::Answer;
use crate::format::{reader_style, render_category_picker, render_text};
use crate::i18n::{BUTTON_NEXT, BUTTON_PREVIOUS, Lang, fill};
use crate::store::{Category, CategoryToggle, READER_CATEGORIES_MAX, StoreError};

/// Categories per picker page (two per row).
const PER_PAGE: usize = 12;

/// The picker for `reader`, on `page` (clamped).
pub async fn picker(state: &BotState, reader: i64, lang: Lang, page: u32) -> Result<Answer, StoreError> {
    let texts = lang.texts();
    let categories = state.visible_categories().await?;
    let chosen_ids = state.store.reader_categories(reader).await?;
    let subscribed = state.store.is_subscribed(reader).await?;
    // Chosen categories an admin hid later still count for the reader: show them.
    let mut chosen_names: Vec<String> = Vec::new();
    for id in &chosen_ids {
        match categories.iter().find(|c| c.id == *id) {
            Some(category) => chosen_names.push(category.name.clone()),
            None => {
                if let Some(category) = state.store.category(*id).await? {
                    chosen_names.push(category.name);
                }
            }
        }
    }
    let names: Vec<&str> = chosen_names.iter().map(String::as_str).collect();
    let reply = render_category_picker(&names, subscribed, !categories.is_empty(), lang);
    if categories.is_empty() {
        return Ok(Answer::new(reply, None));
    }
    let pages = categories.len().div_ceil(PER_PAGE).max(1);
    let page = (page as usize).min(pages - 1);
    let mut rows: Vec<Vec<InlineKeyboardButton>> = categories[page * PER_PAGE..]
        .iter()
        .take(PER_PAGE)
        .map(|category| {
            let ticked = chosen_ids.contains(&category.id);
            let label = format!("{}{}", if ticked { "✅ " } else { "" }, button_name(&category.name));
            let data = Callback::ToggleCategory { category: category.id, page: page as u32 }.encode();
            InlineKeyboardButton::callback(label, data)
        })
        .collect::<Vec<_>>()
        .chunks(2)
        .map(<[_]>::to_vec)
        .collect();
    let mut navigation = Vec::new();
    if page > 0 {
        navigation.push(InlineKeyboardButton::callback(
            BUTTON_PREVIOUS,
            Callback::CategoryPickerPage { page: page as u32 - 1 }.encode(),
        ));
    }
    if page + 1 < pages {
        navigation.push(InlineKeyboardButton::callback(
            BUTTON_NEXT,
            Callback::CategoryPickerPage { page: page as u32 + 1 }.encode(),
        ));
    }
    if !navigation.is_empty() {
        rows.push(navigation);
    }
    let mut last = Vec::new();
    if !chosen_ids.is_empty() {
        last.push(InlineKeyboardButton::callback(
            texts.button_all_categories,
            Callback::AllCategories { page: page as u32 }.encode(),
        ));
    }
    last.push(InlineKeyboardButton::callback(texts.button_done, Callback::CategoriesDone.encode()));
    rows.push(last);
    Ok(Answer::new(reply, Some(InlineKeyboardMarkup::new(rows))))
}

/// A tick on a category: the toast to show and the refreshed picker.
pub async fn toggle(
    state: &BotState,
    reader: i64,
    language_code: Option<&str>,
    lang: Lang,
    category_id: i64,
    page: u32,
) -> Result<(String, Answer), StoreError> {
    let texts = lang.texts();
    let visible: Option<Category> =
        state.visible_categories().await?.into_iter().find(|category| category.id == category_id);
    let chosen = state.store.reader_categories(reader).await?.contains(&category_id);
    // A hidden category can still be unticked, never ticked.
    let toast = match (visible, chosen) {
        (None, false) => texts.category_unavailable.to_owned(),
        (visible, _) => {
            let (outcome, _) = state
                .store
                .toggle_reader_category(reader, category_id, language_code, reader_style(lang), Utc::now())
                .await?;
            let name = match visible {
                Some(category) => category.name,
                None => state.store.category(category_id).await?.map(|c| c.name).unwrap_or_default(),
            };
            match outcome {
                CategoryToggle::Added => {
                    tracing::info!(reader, category_id, "reader chose a category");
                    fill(texts.category_added, &[("name", &name)])
                }
                CategoryToggle::Removed => fill(texts.category_removed, &[("name", &name)]),
                CategoryToggle::TooMany => {
                    fill(texts.category_too_many, &[("max", &READER_CATEGORIES_MAX.to_string())])
                }
                CategoryToggle::UnknownCategory => texts.category_unavailable.to_owned(),
            }
        }
    };
    Ok((toast, picker(state, reader, lang, page).await?))
}

/// Back to every category.
pub async fn choose_all(state: &BotState, reader: i64, lang: Lang, page: u32) -> Result<(String, Answer), StoreError> {
    state.store.clear_reader_categories(reader).await?;
    Ok((lang.texts().categories_cleared.to_owned(), picker(state, reader, lang, page).await?))
}

/// The picker closed: what is chosen, without buttons.
pub async fn done(state: &BotState, reader: i64, lang: Lang) -> Result<Answer, StoreError> {
    let texts = lang.texts();
    let chosen = state.store.reader_categories(reader).await?;
    let mut names = Vec::new();
    for id in chosen {
        if let Some(category) = state.store.category(id).await? {
            names.push(category.name);
        }
    }
    let summary = if names.is_empty() {
        texts.categories_all.to_owned()
    } else {
        fill(texts.categories_chosen, &[("list", &names.join(", "))])
    };
    Ok(Answer::new(render_text(&format!("{}\n{summary}", texts.categories_saved)), None))
}
