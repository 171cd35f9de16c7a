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

/// Turns articles into posts. The store calls it inside the transaction that
/// records an article, so that the article, its post and its deliveries are
/// written together.
pub trait PostRenderer {
    /// A digest of what readers see of the article; when it changes, the
    /// article was corrected.
    fn fingerprint(&self, article: &crate::domain::NewArticle) -> String;
    fn render(&self, article: &crate::domain::Article) -> NewPost;
}
