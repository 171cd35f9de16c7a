//! Between parsing and recording: what is not for readers is left out, a
//! WordPress site's tags are told from its categories, and a new article
//! without a usable image gets its own photo from its site (WordPress's
//! featured image, else the page's `og:image`) — all within
//! `fetch.photo_lookup`; what is not found by then goes out without it.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::Instant;
use url::Url;

use super::wordpress::{PostRef, WordPressApi, category_key};
use crate::domain::NewArticle;
use crate::format::{first_image, is_icon_url, og_image};
use crate::outbound::Fetcher;

/// Lookups running at once (they all go to the newsroom's own site).
const LOOKUPS_AT_ONCE: usize = 4;
/// Most of a page read for its `og:image`.
const PAGE_HEAD_BYTES: usize = 256 * 1024;

/// WordPress's password form, in every language: `post-password-form`
/// (the form's class) and `action=postpass` (where it posts).
pub fn is_password_protected(article: &NewArticle) -> bool {
    [article.content_html.as_deref(), article.summary_html.as_deref()]
        .into_iter()
        .flatten()
        .any(|html| html.contains("post-password-form") || html.contains("wp-login.php?action=postpass"))
}

/// Whether the item itself names a usable photo.
fn has_photo(article: &NewArticle) -> bool {
    article.image_url.as_ref().is_some_and(|url| !is_icon_url(url))
        || [article.content_html.as_deref(), article.summary_html.as_deref()]
            .into_iter()
            .flatten()
            .any(|html| first_image(html, article.link.as_ref()).is_some())
}

/// The lookups of one fetch.
#[derive(Debug, Clone)]
pub struct Enricher {
    wordpress: WordPressApi,
    fetcher: Fetcher,
    deadline: Duration,
}

impl Enricher {
    /// `deadline` of zero: no lookups (tags are still told apart when the
    /// site's category list is known).
    pub fn new(fetcher: Fetcher, max_photo_bytes: usize, deadline: Duration) -> Self {
        Self { wordpress: WordPressApi::new(fetcher.clone(), max_photo_bytes), fetcher, deadline }
    }

    pub fn wordpress(&self) -> &WordPressApi {
        &self.wordpress
    }

    /// Prepares a fetch's articles for recording: `api` is the site's REST
    /// root if it is WordPress; only articles whose keys are in `new` are
    /// looked up (a known one keeps what it was stored with).
    pub async fn prepare(
        &self,
        api: Option<&Url>,
        articles: Vec<NewArticle>,
        new: &HashSet<String>,
    ) -> Vec<NewArticle> {
        let until = Instant::now() + self.deadline;
        let mut articles = articles;
        if let Some(api) = api {
            // Every fetch the same way, so a known article's terms never flip.
            let categories = tokio::time::timeout_at(until, self.wordpress.categories(api)).await.ok().flatten();
            if let Some(categories) = categories.filter(|c| !c.is_empty()) {
                for article in &mut articles {
                    split_tags(article, &categories);
                }
            }
        }
        if self.deadline.is_zero() {
            return articles;
        }
        let permits = Arc::new(Semaphore::new(LOOKUPS_AT_ONCE));
        let lookups = articles.into_iter().map(|article| {
            let permits = permits.clone();
            async move {
                if !new.contains(article.key.as_str()) || has_photo(&article) {
                    return Some(article);
                }
                let Ok(_permit) = permits.acquire().await else { return Some(article) };
                match tokio::time::timeout_at(until, self.look_up(api, &article)).await {
                    Ok(Lookup::Photo(photo)) => Some(NewArticle { page_photo: Some(photo), ..article }),
                    Ok(Lookup::NotForReaders) => {
                        tracing::info!(title = %article.title, "password-protected post left out");
                        None
                    }
                    Ok(Lookup::Nothing) => Some(article),
                    Err(_) => {
                        tracing::debug!(title = %article.title, "photo lookup past its deadline: posted without");
                        Some(article)
                    }
                }
            }
        });
        futures_util::future::join_all(lookups).await.into_iter().flatten().collect()
    }

    async fn look_up(&self, api: Option<&Url>, article: &NewArticle) -> Lookup {
        if let Some((api, post)) = api.zip(PostRef::of(&article.key, article.link.as_ref())) {
            let facts = self.wordpress.post(api, &post).await;
            if facts.password_protected {
                return Lookup::NotForReaders;
            }
            if let Some(photo) = facts.photo {
                return Lookup::Photo(photo);
            }
        }
        let Some(link) = &article.link else { return Lookup::Nothing };
        match self.fetcher.fetch_page_head(link, PAGE_HEAD_BYTES).await {
            Ok((page, head)) => og_image(&head, &page).map_or(Lookup::Nothing, Lookup::Photo),
            Err(err) => {
                tracing::debug!(link = %link, error = %err, "article page not read for its photo");
                Lookup::Nothing
            }
        }
    }
}

enum Lookup {
    Photo(Url),
    NotForReaders,
    Nothing,
}

/// Moves the terms that are not the site's categories to the tags.
fn split_tags(article: &mut NewArticle, categories: &HashSet<String>) {
    let terms = std::mem::take(&mut article.categories);
    let (kept, tags): (Vec<String>, Vec<String>) =
        terms.into_iter().partition(|term| categories.contains(&category_key(term)));
    article.categories = kept;
    article.tags.extend(tags);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ArticleKey;

    fn article(content: &str) -> NewArticle {
        NewArticle {
            key: ArticleKey::from_title("x"),
            title: "x".into(),
            link: Some(Url::parse("https://kaltimtoday.co/x/").expect("url")),
            summary_html: None,
            content_html: Some(content.into()),
            author: None,
            categories: vec!["Samarinda".into(), "PLN".into(), "Ekonomi & Bisnis".into()],
            tags: vec![],
            page_photo: None,
            image_url: None,
            published_at: None,
        }
    }

    #[test]
    fn the_password_form_marks_a_protected_post_in_any_language() {
        let form = r#"<form action="https://kaltimtoday.co/wp-login.php?action=postpass" class="post-password-form" method="post"><p>Konten ini dilindungi kata sandi.</p></form>"#;
        assert!(is_password_protected(&article(form)));
        assert!(!is_password_protected(&article("<p>Berita biasa tentang kata sandi.</p>")));
    }

    #[test]
    fn terms_that_are_not_categories_become_tags() {
        let categories: HashSet<String> = ["samarinda".to_owned(), "ekonomi & bisnis".to_owned()].into();
        let mut a = article("");
        split_tags(&mut a, &categories);
        assert_eq!(a.categories, ["Samarinda", "Ekonomi & Bisnis"]);
        assert_eq!(a.tags, ["PLN"]);
    }

    #[test]
    fn an_emoji_is_no_photo_so_the_site_is_asked() {
        let emoji =
            r#"<p><img src="https://s.w.org/images/core/emoji/14.0.0/72x72/26a1.png" class="wp-smiley"> Padam.</p>"#;
        assert!(!has_photo(&article(emoji)));
        assert!(has_photo(&article(r#"<img src="https://kaltimtoday.co/wp-content/uploads/a.jpg" width="800">"#)));
    }
}
