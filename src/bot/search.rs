//! /cari: full-text search, best matches first, a page at a time.

use chrono::Utc;
use teloxide::types::ChatId;

use super::BotState;
use super::callbacks::Callback;
use super::latest::page_keyboard;
use super::reply::Answer;
use crate::format::{ArticleList, render_article_list};
use crate::i18n::{Lang, fill};
use crate::store::{SEARCH_RESULTS_MAX, SearchQuery, StoreError};

/// Results per page.
pub const SEARCH_PAGE_SIZE: usize = 5;

/// Searches for `words` and answers with the first page of results.
pub async fn search_command(state: &BotState, lang: Lang, chat: ChatId, words: &str) -> Result<Answer, StoreError> {
    let texts = lang.texts();
    let Some(query) = SearchQuery::parse(words) else {
        return Ok(Answer::text(texts.search_usage));
    };
    let (search_id, found) = state.store.search(&query, chat.0, Utc::now()).await?;
    if found == 0 {
        return Ok(Answer::text(&fill(texts.search_none, &[("query", &query.display())])));
    }
    Ok(search_page(state, lang, chat, search_id, 0).await?.unwrap_or_else(|| Answer::text(texts.search_expired)))
}

/// A page of a search made in `chat`; `None` if there is no such search there.
pub async fn search_page(
    state: &BotState,
    lang: Lang,
    chat: ChatId,
    search_id: i64,
    page: u32,
) -> Result<Option<Answer>, StoreError> {
    let texts = lang.texts();
    let Some(first) = state.store.search_page(search_id, chat.0, 0, 0).await? else { return Ok(None) };
    let pages = u32::try_from(first.total.div_ceil(SEARCH_PAGE_SIZE)).unwrap_or(u32::MAX).max(1);
    let page = page.min(pages - 1);
    let offset = page as usize * SEARCH_PAGE_SIZE;
    let Some(results) = state.store.search_page(search_id, chat.0, offset, SEARCH_PAGE_SIZE).await? else {
        return Ok(None);
    };
    let count = results.total.to_string();
    let subtitle = if results.total >= SEARCH_RESULTS_MAX {
        fill(texts.search_count_capped, &[("count", &count)])
    } else {
        fill(texts.search_count, &[("count", &count)])
    };
    let title = fill(texts.search_title, &[("query", &results.query)]);
    let empty = fill(texts.search_none, &[("query", &results.query)]);
    let footer =
        (pages > 1).then(|| fill(texts.page_of, &[("page", &(page + 1).to_string()), ("pages", &pages.to_string())]));
    let list = ArticleList {
        title: &title,
        subtitle: Some(&subtitle),
        first_number: offset + 1,
        articles: &results.articles,
        footer: footer.as_deref(),
        empty: &empty,
    };
    let reply = render_article_list(&list, state.timezone, lang);
    let keyboard = page_keyboard(page, pages, |page| Callback::SearchPage { search: search_id, page });
    Ok(Some(Answer::new(reply, keyboard)))
}
