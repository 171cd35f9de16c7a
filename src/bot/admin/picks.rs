//! /pilih and /batalpilih: the editors' picks, first in the next digests.

use super::editorial::find_story;
use crate::bot::BotState;
use crate::bot::reply::Answer;
use crate::format::truncate_chars;
use crate::i18n::{CommandId, Lang, fill};
use crate::store::StoryKey;

/// Marks (`pick`) or unmarks a story as an editors' pick.
pub async fn pick_command(state: &BotState, admin: i64, lang: Lang, args: &str, pick: bool) -> anyhow::Result<Answer> {
    let texts = lang.digest();
    let name = args.trim();
    if name.is_empty() {
        let command = lang.texts().command(if pick { CommandId::Pick } else { CommandId::Unpick });
        return Ok(Answer::text(&fill(texts.pick_usage, &[("command", command)])));
    }
    let Some(story) = find_story(state, name).await? else {
        let unknown = lang.newsroom().story_not_found;
        return Ok(Answer::text(&fill(unknown, &[("query", &truncate_chars(name, 80))])));
    };
    let StoryKey::Article(article_id) = story.key else { return Ok(Answer::text(texts.pick_not_article)) };
    // The digest's clock, so that a pick falls in the period the tests step to.
    let now = state.choices.clock.now();
    let changed =
        if pick { state.store.pick(article_id, admin, now).await? } else { state.store.unpick(article_id).await? };
    if changed {
        let target = format!("#{}", story.post_id);
        let action = if pick { "pick" } else { "unpick" };
        state.store.audit(admin, action, Some(&target), Some(&truncate_chars(&story.title, 200)), None, now).await?;
        tracing::info!(admin, article_id, pick, "editors' pick changed");
    }
    let template = match (pick, changed) {
        (true, true) => texts.picked,
        (true, false) => texts.already_picked,
        (false, true) => texts.unpicked,
        (false, false) => texts.not_picked,
    };
    let title = truncate_chars(&story.title, 120);
    Ok(Answer::text(&fill(template, &[("id", &story.post_id.to_string()), ("title", &title)])))
}
