//! What Telegram's answers mean for Warta: the one place they are
//! interpreted. Typed errors are matched by variant; the few texts teloxide
//! does not type are matched in [`classify_untyped`] only.

use std::time::Duration;

use teloxide::{ApiError, RequestError};

/// What Telegram made of one send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendResult {
    /// Done; `telegram_chat_id` is the chat's numeric id when Telegram told it.
    Sent { message_id: i32, telegram_chat_id: Option<i64> },
    /// Flood control: wait this long, then send again.
    RetryAfter(Duration),
    /// The group became a supergroup with this id: send there.
    Migrated(i64),
    /// The chat can no longer receive posts (blocked, kicked, deleted, not found).
    ChatGone(String),
    /// Telegram refused the HTML: a formatter bug; the plain text may still go.
    MarkupRejected(String),
    /// Telegram could not use the photo (fetch by URL failed, bad image): try
    /// uploading it, else send the post as text.
    ImageRejected(String),
    /// The forum topic is gone or closed: post outside it.
    ThreadGone(String),
    /// Telegram will not delete the message (too old, or no right to): edit it instead.
    CannotDelete(String),
    /// Telegram refused this message for good.
    Rejected(String),
    /// Network trouble or a Telegram server error: try again later.
    Transient(String),
}

/// Maps a Bot API error to what the outbox should do about it.
pub fn classify(err: &RequestError) -> SendResult {
    match err {
        RequestError::RetryAfter(seconds) => SendResult::RetryAfter(seconds.duration()),
        RequestError::MigrateToChatId(id) => SendResult::Migrated(id.0),
        RequestError::Api(api) => classify_api(api),
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. } => {
            SendResult::Transient(err.to_string())
        }
    }
}

fn classify_api(err: &ApiError) -> SendResult {
    let text = err.to_string();
    match err {
        ApiError::BotBlocked
        | ApiError::BotKicked
        | ApiError::BotKickedFromSupergroup
        | ApiError::BotKickedFromChannel
        | ApiError::UserDeactivated
        | ApiError::CantInitiateConversation
        | ApiError::CantTalkWithBots
        | ApiError::ChatNotFound
        | ApiError::GroupDeactivated
        | ApiError::NotEnoughRightsToPostMessages => SendResult::ChatGone(text),
        ApiError::CantParseEntities(description) => SendResult::MarkupRejected(description.clone()),
        ApiError::FailedToGetUrlContent
        | ApiError::WrongFileIdOrUrl
        | ApiError::WrongFileId
        | ApiError::FileIdInvalid
        | ApiError::ImageProcessFailed
        | ApiError::PhotoAsInputFileRequired
        | ApiError::WrongHttpUrl
        | ApiError::RequestEntityTooLarge => SendResult::ImageRejected(text),
        ApiError::MessageCantBeDeleted => SendResult::CannotDelete(text),
        ApiError::Unknown(description) => classify_untyped(description),
        // Typed errors that are not about the chat: this message can never be sent as is.
        _ => SendResult::Rejected(text),
    }
}

/// The few texts teloxide does not type (see FACTS.md), matched in this one place.
fn classify_untyped(description: &str) -> SendResult {
    let lower = description.to_ascii_lowercase();
    if lower.starts_with("forbidden:") {
        // "bot can't initiate conversation with a user", "bot was kicked from the group chat",
        // "bot is not a member of the channel chat", ...
        return SendResult::ChatGone(description.to_owned());
    }
    if lower.contains("message can't be deleted") {
        return SendResult::CannotDelete(description.to_owned());
    }
    if lower.contains("can't parse entities") {
        return SendResult::MarkupRejected(description.to_owned());
    }
    if ["message thread not found", "topic_closed", "topic_deleted", "topic_id_invalid"]
        .iter()
        .any(|problem| lower.contains(problem))
    {
        return SendResult::ThreadGone(description.to_owned());
    }
    const IMAGE_PROBLEMS: &[&str] = &[
        "failed to get http url content",
        "wrong type of the web page content",
        "wrong file identifier",
        "photo_invalid_dimensions",
        "photo_save_file_invalid",
        "photo_ext_invalid",
        "image_process_failed",
        "webpage_curl_failed",
        "webpage_media_empty",
    ];
    if IMAGE_PROBLEMS.iter().any(|problem| lower.contains(problem)) {
        return SendResult::ImageRejected(description.to_owned());
    }
    if lower.starts_with("bad request: chat not found")
        || lower.starts_with("bad request: have no rights to send")
        || lower.starts_with("bad request: need administrator rights")
        || lower.starts_with("bad request: chat_write_forbidden")
    {
        return SendResult::ChatGone(description.to_owned());
    }
    if lower.starts_with("bad request:") {
        return SendResult::Rejected(description.to_owned());
    }
    // Internal Server Error, Bad Gateway, … : Telegram's side; try again.
    SendResult::Transient(description.to_owned())
}

#[cfg(test)]
mod tests {
    use teloxide::types::Seconds;

    use teloxide::types::ChatId;

    use super::*;

    #[test]
    fn classifies_what_telegram_answers() {
        assert_eq!(
            classify(&RequestError::RetryAfter(Seconds::from_seconds(7))),
            SendResult::RetryAfter(Duration::from_secs(7))
        );
        assert_eq!(classify(&RequestError::MigrateToChatId(ChatId(-10042))), SendResult::Migrated(-10042));
        assert!(matches!(classify(&RequestError::Api(ApiError::BotBlocked)), SendResult::ChatGone(_)));
        assert!(matches!(classify(&RequestError::Api(ApiError::ChatNotFound)), SendResult::ChatGone(_)));
        assert!(matches!(
            classify(&RequestError::Api(ApiError::CantParseEntities("Bad Request: can't parse entities: x".into()))),
            SendResult::MarkupRejected(_)
        ));
        assert!(matches!(classify(&RequestError::Api(ApiError::MessageIsTooLong)), SendResult::Rejected(_)));
        let untyped = |text: &str| classify(&RequestError::Api(ApiError::Unknown(text.into())));
        assert!(matches!(untyped("Forbidden: bot can't initiate conversation with a user"), SendResult::ChatGone(_)));
        assert!(matches!(untyped("Forbidden: bot was kicked from the group chat"), SendResult::ChatGone(_)));
        assert!(matches!(untyped("Bad Request: BUTTON_URL_INVALID"), SendResult::Rejected(_)));
        assert!(matches!(untyped("Internal Server Error"), SendResult::Transient(_)));
        assert!(matches!(untyped("Bad Gateway"), SendResult::Transient(_)));
        assert!(matches!(untyped("Bad Request: message thread not found"), SendResult::ThreadGone(_)));
        assert!(matches!(untyped("Bad Request: TOPIC_CLOSED"), SendResult::ThreadGone(_)));
        assert!(matches!(classify(&RequestError::Api(ApiError::FailedToGetUrlContent)), SendResult::ImageRejected(_)));
        assert!(matches!(untyped("Bad Request: PHOTO_INVALID_DIMENSIONS"), SendResult::ImageRejected(_)));
        assert!(matches!(untyped("Bad Request: wrong type of the web page content"), SendResult::ImageRejected(_)));
    }

    #[test]
    fn a_message_telegram_will_not_delete_is_told_apart() {
        assert!(matches!(classify(&RequestError::Api(ApiError::MessageCantBeDeleted)), SendResult::CannotDelete(_)));
        let untyped = classify(&RequestError::Api(ApiError::Unknown(
            "Bad Request: message can't be deleted for everyone".into(),
        )));
        assert!(matches!(untyped, SendResult::CannotDelete(_)), "{untyped:?}");
    }
}
