use url::Url;

/// A rendered post, ready to be sent to any number of chats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPost {
    /// Telegram HTML (parse_mode = HTML), within Telegram's text limit.
    pub html: String,
    /// The same text without markup: what is sent if Telegram ever refuses the HTML.
    pub plain: String,
    /// Sent as a photo with a caption, when the article has an image.
    pub photo: Option<PhotoPost>,
    /// An inline URL button under the post ("Baca selengkapnya").
    pub button: Option<LinkButton>,
    pub link_preview: LinkPreview,
    /// Sent without notification sound.
    pub silent: bool,
}

impl NewPost {
    /// A text post with no button, preview or sound options (alerts, notices).
    pub fn text(html: String, plain: String) -> Self {
        Self { html, plain, photo: None, button: None, link_preview: LinkPreview::Disabled, silent: false }
    }
}

/// The photo form of a post: the image and the post shortened to a caption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoPost {
    pub source: PhotoSource,
    /// Telegram HTML within the caption limit.
    pub caption_html: String,
    pub caption_plain: String,
}

/// Where a post's photo comes from. (When Telegram cannot fetch a web image
/// itself, the worker downloads and uploads it: that is how it is sent, not
/// where it comes from.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoSource {
    /// An image on the web: the article's.
    Web(Url),
    /// A file Telegram already has (its file_id): a photo an admin sent the bot.
    TelegramFile(String),
}

impl std::fmt::Display for PhotoSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Web(url) => write!(f, "{url}"),
            Self::TelegramFile(file_id) => write!(f, "Telegram file {file_id}"),
        }
    }
}

impl PhotoPost {
    /// A photo Telegram already has (its file_id), e.g. one an admin sent the bot.
    pub fn telegram_file(file_id: &str, caption_html: String, caption_plain: String) -> Self {
        Self { source: PhotoSource::TelegramFile(file_id.to_owned()), caption_html, caption_plain }
    }

    /// The Telegram file_id, for a photo Telegram already has.
    pub fn telegram_file_id(&self) -> Option<&str> {
        match &self.source {
            PhotoSource::TelegramFile(file_id) => Some(file_id),
            PhotoSource::Web(_) => None,
        }
    }

    /// The image's address, for a photo from the web.
    pub fn web_url(&self) -> Option<&Url> {
        match &self.source {
            PhotoSource::Web(url) => Some(url),
            PhotoSource::TelegramFile(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkButton {
    pub text: String,
    pub url: Url,
}

/// How Telegram shows a preview of the article link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPreview {
    Disabled,
    Small,
    Large,
}

impl LinkPreview {
    pub fn as_i64(self) -> i64 {
        match self {
            Self::Disabled => 0,
            Self::Small => 1,
            Self::Large => 2,
        }
    }

    pub fn from_i64(value: i64) -> Self {
        match value {
            1 => Self::Small,
            2 => Self::Large,
            _ => Self::Disabled,
        }
    }
}

/// A stored post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    pub id: i64,
    pub article_id: Option<i64>,
    pub content: NewPost,
    /// Pinned where it is posted in a channel or group (breaking news).
    pub pin: bool,
}

/// Turns articles into posts. The store calls it inside the transaction that
/// records an article, so that the article, its post and its deliveries are
/// written together.
pub trait PostRenderer {
    /// A digest of what readers see of the article; when it changes, the
    /// article was corrected.
    fn fingerprint(&self, article: &crate::domain::NewArticle) -> String;
    /// Renders the article for the chats of one style (`None`: the default).
    fn render(&self, article: &crate::domain::Article, style: Option<&str>) -> NewPost;
    /// The words search finds the article by: its title and summary as plain text.
    fn search_text(&self, title: &str, summary_html: Option<&str>, content_html: Option<&str>) -> SearchText;
}

/// An article's searchable text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchText {
    pub title: String,
    pub body: String,
}
