use url::Url;

/// A rendered post, ready to be sent to any number of chats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPost {
    /// Telegram HTML (parse_mode = HTML), within Telegram's length limit.
    pub html: String,
    /// The same text without markup: what is sent if Telegram ever refuses the HTML.
    pub plain: String,
    /// An inline URL button under the post ("Baca selengkapnya").
    pub button: Option<LinkButton>,
    pub link_preview: LinkPreview,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkButton {
    pub text: String,
    pub url: Url,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPreview {
    Disabled,
    Enabled,
}

/// A stored post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    pub id: i64,
    pub article_id: Option<i64>,
    pub content: NewPost,
}
