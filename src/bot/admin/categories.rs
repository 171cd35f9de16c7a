//! `/sembunyikan` and `/tampilkan` (hide and show): which categories readers see.

use crate::bot::BotState;
use crate::bot::latest::{CategoryMatch, find_category};
use crate::bot::reply::Answer;
use crate::domain::CategoryKey;
use crate::i18n::{Lang, fill};
use crate::store::StoreError;

/// `/sembunyikan <kategori>` (hide) or `/tampilkan <kategori>` (show).
pub async fn set_category_hidden(
    state: &BotState,
    admin: i64,
    lang: Lang,
    command: &str,
    query: &str,
    hide: bool,
) -> Result<Answer, StoreError> {
    let texts = lang.texts();
    if CategoryKey::new(query).is_empty() {
        return Ok(Answer::text(&fill(texts.admin_hide_usage, &[("command", command)])));
    }
    let categories = state.store.categories().await?;
    let category = match find_category(&categories, query) {
        CategoryMatch::Found(category) => category,
        CategoryMatch::Ambiguous(_) | CategoryMatch::NotFound => {
            return Ok(Answer::text(&fill(texts.admin_category_not_found, &[("query", query)])));
        }
    };
    let name = category.name.as_str();
    if state.hidden_by_config(&category) {
        return Ok(Answer::text(&fill(texts.admin_hidden_by_config, &[("name", name)])));
    }
    let changed = state.store.set_category_hidden(category.id, hide).await?;
    if changed {
        tracing::info!(admin, category = %category.key, hidden = hide, "admin changed a category's visibility");
    }
    let text = match (hide, changed) {
        (true, true) => texts.admin_hidden,
        (true, false) => texts.admin_already_hidden,
        (false, true) => texts.admin_shown,
        (false, false) => texts.admin_not_hidden,
    };
    Ok(Answer::text(&fill(text, &[("name", name)])))
}
