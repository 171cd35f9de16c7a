//! WordPress's REST API, for what its feeds leave out: the post's featured
//! image, which of an item's terms are categories (a feed lists tags the same
//! way), and whether a post is still published. A site announces the API with
//! `Link: <…/wp-json/>; rel="https://api.w.org/"` on its feed.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Deserialize;
use url::Url;

use crate::domain::ArticleKey;
use crate::format::{MIN_PHOTO_SIDE, decode_entities, is_icon_url};
use crate::outbound::{FetchOutcome, FetchRequest, Fetcher};

/// A photo at least this wide is preferred (Telegram shows up to ~1280).
const GOOD_PHOTO_WIDTH: u32 = 600;
/// A site's category list is asked again after this.
const CATEGORIES_FRESH: Duration = Duration::from_secs(3600);
/// Category list pages read (100 each).
const CATEGORY_PAGES: u32 = 10;

/// Which post an item is: WordPress's guid is `https://site/?p=123`; else
/// the permalink's last path segment is its slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostRef {
    Id(u64),
    Slug(String),
}

impl PostRef {
    pub fn of(key: &ArticleKey, link: Option<&Url>) -> Option<Self> {
        let from_guid = key
            .as_str()
            .strip_prefix("guid:")
            .and_then(|guid| Url::parse(guid).ok())
            .and_then(|guid| guid.query_pairs().find(|(name, _)| name == "p").and_then(|(_, id)| id.parse().ok()));
        if let Some(id) = from_guid {
            return Some(Self::Id(id));
        }
        let link = link?;
        if let Some(id) = link.query_pairs().find(|(name, _)| name == "p").and_then(|(_, id)| id.parse().ok()) {
            return Some(Self::Id(id));
        }
        let slug = link.path_segments()?.rev().find(|segment| !segment.is_empty())?;
        let usable = slug.len() <= 200 && slug.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'%');
        usable.then(|| Self::Slug(slug.to_ascii_lowercase()))
    }
}

/// Whether a post is there for readers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostState {
    Published,
    /// Trashed, unpublished, deleted or made private: the API says why.
    Gone(String),
    /// The API could not tell (down, slow, not WordPress after all).
    Unknown(String),
}

/// What the API says of one post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostFacts {
    pub state: PostState,
    pub password_protected: bool,
    pub photo: Option<Url>,
}

#[derive(Debug, Deserialize)]
struct RestPost {
    status: Option<String>,
    content: Option<RestContent>,
    #[serde(rename = "_embedded")]
    embedded: Option<Embedded>,
}

#[derive(Debug, Deserialize)]
struct RestContent {
    protected: Option<bool>,
}

#[derive(Debug, Deserialize)]
struct Embedded {
    #[serde(rename = "wp:featuredmedia")]
    featured_media: Option<Vec<serde_json::Value>>,
}

/// A media item (`/wp/v2/media/<id>`), as far as photos go.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RestMedia {
    pub source_url: Option<String>,
    pub mime_type: Option<String>,
    pub media_details: Option<MediaDetails>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MediaDetails {
    pub width: Option<u32>,
    pub filesize: Option<u64>,
    #[serde(default)]
    pub sizes: HashMap<String, MediaSize>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MediaSize {
    pub width: Option<u32>,
    pub filesize: Option<u64>,
    pub mime_type: Option<String>,
    pub source_url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RestTerm {
    name: Option<String>,
}

/// The photo to post from a media item: the smallest size at least
/// [`GOOD_PHOTO_WIDTH`] wide and within `max_bytes`, else the widest usable
/// one; never SVG, an icon, or anything declared under [`MIN_PHOTO_SIDE`].
pub fn best_photo(media: &RestMedia, max_bytes: usize) -> Option<Url> {
    let details = media.media_details.clone().unwrap_or_default();
    let full = MediaSize {
        width: details.width,
        filesize: details.filesize,
        mime_type: media.mime_type.clone(),
        source_url: media.source_url.clone(),
    };
    let max_bytes = u64::try_from(max_bytes).unwrap_or(u64::MAX);
    let usable: Vec<(Option<u32>, Url)> = details
        .sizes
        .values()
        .chain(std::iter::once(&full))
        .filter(|size| {
            let mime = size.mime_type.as_deref().or(media.mime_type.as_deref()).unwrap_or_default();
            matches!(mime, "image/jpeg" | "image/png" | "image/webp" | "image/gif")
                && size.filesize.is_none_or(|bytes| bytes <= max_bytes)
                && size.width.is_none_or(|width| width >= MIN_PHOTO_SIDE)
        })
        .filter_map(|size| {
            let url = Url::parse(size.source_url.as_deref()?).ok()?;
            (matches!(url.scheme(), "http" | "https") && !is_icon_url(&url)).then_some((size.width, url))
        })
        .collect();
    let good = usable
        .iter()
        .filter(|(width, _)| width.is_some_and(|w| w >= GOOD_PHOTO_WIDTH))
        .min_by_key(|(width, url)| (*width, url.to_string()));
    let widest = || usable.iter().max_by_key(|(width, url)| (width.unwrap_or(0), url.to_string()));
    good.or_else(widest).map(|(_, url)| url.clone())
}

/// A REST route under the API root (pretty `…/wp-json/` or plain `?rest_route=/`).
fn route(api: &Url, path: &str, query: &[(&str, &str)]) -> Option<Url> {
    let mut url = api.clone();
    if url.query_pairs().any(|(name, _)| name == "rest_route") {
        let base: String =
            url.query_pairs().find(|(name, _)| name == "rest_route").map(|(_, v)| v.into_owned()).unwrap_or_default();
        let route = format!("{}/{}", base.trim_end_matches('/'), path.trim_start_matches('/'));
        url.query_pairs_mut().clear().append_pair("rest_route", &route).extend_pairs(query);
        return Some(url);
    }
    if !url.path().ends_with('/') {
        url.set_path(&format!("{}/", url.path()));
    }
    let mut url = url.join(path.trim_start_matches('/')).ok()?;
    url.query_pairs_mut().extend_pairs(query);
    Some(url)
}

/// Each site's category names (by REST root), with when they were read.
type CategoryCache = HashMap<Url, (Instant, Arc<HashSet<String>>)>;

/// The REST client, with each site's category list cached.
#[derive(Debug, Clone)]
pub struct WordPressApi {
    fetcher: Fetcher,
    /// Photos larger than this are not offered (Telegram's upload cap).
    max_photo_bytes: usize,
    categories: Arc<Mutex<CategoryCache>>,
}

impl WordPressApi {
    pub fn new(fetcher: Fetcher, max_photo_bytes: usize) -> Self {
        Self { fetcher, max_photo_bytes, categories: Arc::default() }
    }

    async fn get_json(&self, url: &Url) -> Result<Option<serde_json::Value>, String> {
        match self.fetcher.fetch(FetchRequest::fresh(url)).await {
            FetchOutcome::Modified(fetched) => {
                serde_json::from_slice(&fetched.body).map(Some).map_err(|err| format!("not JSON: {err}"))
            }
            FetchOutcome::Gone { .. } => Ok(None),
            FetchOutcome::Refused { status: 401 | 403 } => Ok(None),
            other => Err(other.failure().unwrap_or_else(|| "no answer".to_owned())),
        }
    }

    /// What the API says of `post`, with its featured image embedded.
    pub async fn post(&self, api: &Url, post: &PostRef) -> PostFacts {
        let fields = [("_embed", "wp:featuredmedia"), ("_fields", "id,status,content.protected,_links,_embedded")];
        let url = match post {
            PostRef::Id(id) => route(api, &format!("wp/v2/posts/{id}"), &fields),
            PostRef::Slug(slug) => route(api, "wp/v2/posts", &[&[("slug", slug.as_str())][..], &fields[..]].concat()),
        };
        let unknown =
            |why: String| PostFacts { state: PostState::Unknown(why), password_protected: false, photo: None };
        let Some(url) = url else { return unknown("no route".into()) };
        let value = match self.get_json(&url).await {
            Ok(Some(value)) => value,
            Ok(None) => {
                let state = PostState::Gone("the REST API does not show it (deleted, trashed or unpublished)".into());
                return PostFacts { state, password_protected: false, photo: None };
            }
            Err(err) => return unknown(err),
        };
        // A slug query answers a list.
        let value = match value {
            serde_json::Value::Array(list) => match list.into_iter().next() {
                Some(first) => first,
                None => {
                    let state = PostState::Gone("no published post has that slug".into());
                    return PostFacts { state, password_protected: false, photo: None };
                }
            },
            other => other,
        };
        let Ok(rest) = serde_json::from_value::<RestPost>(value) else { return unknown("unexpected answer".into()) };
        let state = match rest.status.as_deref() {
            Some("publish") => PostState::Published,
            Some(other) => PostState::Gone(format!("status {other}")),
            None => PostState::Unknown("no status".into()),
        };
        let photo = rest
            .embedded
            .and_then(|e| e.featured_media)
            .and_then(|media| media.into_iter().next())
            .and_then(|media| serde_json::from_value::<RestMedia>(media).ok())
            .and_then(|media| best_photo(&media, self.max_photo_bytes));
        PostFacts { state, password_protected: rest.content.and_then(|c| c.protected).unwrap_or(false), photo }
    }

    /// The site's category names (lowercased, entities decoded), cached for
    /// an hour; a stale list is used while the API does not answer.
    pub async fn categories(&self, api: &Url) -> Option<Arc<HashSet<String>>> {
        let cached = self.cached_categories(api);
        if let Some((at, names)) = &cached
            && at.elapsed() < CATEGORIES_FRESH
        {
            return Some(names.clone());
        }
        match self.fetch_categories(api).await {
            Some(names) => {
                let names = Arc::new(names);
                let mut cache = self.categories.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                cache.insert(api.clone(), (Instant::now(), names.clone()));
                Some(names)
            }
            None => cached.map(|(_, names)| names),
        }
    }

    fn cached_categories(&self, api: &Url) -> Option<(Instant, Arc<HashSet<String>>)> {
        let cache = self.categories.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        cache.get(api).cloned()
    }

    async fn fetch_categories(&self, api: &Url) -> Option<HashSet<String>> {
        let mut names = HashSet::new();
        for page in 1..=CATEGORY_PAGES {
            let page = page.to_string();
            let query = [("per_page", "100"), ("page", page.as_str()), ("_fields", "name"), ("hide_empty", "false")];
            let url = route(api, "wp/v2/categories", &query)?;
            let terms: Vec<RestTerm> = match self.get_json(&url).await {
                Ok(Some(value)) => serde_json::from_value(value).ok()?,
                // Past the last page WordPress answers 400.
                Ok(None) | Err(_) if page != "1" => break,
                _ => return None,
            };
            let full = terms.len() == 100;
            names.extend(terms.into_iter().filter_map(|t| t.name).map(|n| category_key(&n)));
            if !full {
                break;
            }
        }
        Some(names)
    }
}

/// How category names compare: entities decoded, trimmed, lowercased.
pub fn category_key(name: &str) -> String {
    decode_entities(name).trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).expect("url")
    }

    #[test]
    fn posts_are_found_by_guid_id_else_slug() {
        let key = ArticleKey::from_guid("https://kaltimtoday.co/?p=210123").expect("key");
        assert_eq!(PostRef::of(&key, None), Some(PostRef::Id(210_123)));
        let key = ArticleKey::from_guid("tag:kaltimtoday.co,2026:xyz").expect("key");
        let link = url("https://kaltimtoday.co/2026/12/banjir-rendam-samarinda/");
        assert_eq!(PostRef::of(&key, Some(&link)), Some(PostRef::Slug("banjir-rendam-samarinda".into())));
        assert_eq!(PostRef::of(&key, Some(&url("https://kaltimtoday.co/a?b=<x>"))), Some(PostRef::Slug("a".into())));
        assert_eq!(PostRef::of(&key, Some(&url("https://kaltimtoday.co/"))), None);
    }

    #[test]
    fn routes_work_with_pretty_and_plain_permalinks() {
        let pretty = route(&url("https://k.co/wp-json/"), "wp/v2/posts/5", &[("_fields", "id")]).expect("route");
        assert_eq!(pretty.as_str(), "https://k.co/wp-json/wp/v2/posts/5?_fields=id");
        let plain = route(&url("https://k.co/?rest_route=/"), "wp/v2/posts/5", &[]).expect("route");
        assert_eq!(plain.as_str(), "https://k.co/?rest_route=%2Fwp%2Fv2%2Fposts%2F5");
    }

    fn size(width: u32, bytes: u64, name: &str, mime: &str) -> MediaSize {
        MediaSize {
            width: Some(width),
            filesize: Some(bytes),
            mime_type: Some(mime.into()),
            source_url: Some(format!("https://k.co/wp-content/uploads/{name}")),
        }
    }

    #[test]
    fn the_photo_is_the_smallest_size_wide_enough_and_under_the_cap() {
        let media = RestMedia {
            source_url: Some("https://k.co/wp-content/uploads/full.jpg".into()),
            mime_type: Some("image/jpeg".into()),
            media_details: Some(MediaDetails {
                width: Some(4000),
                filesize: Some(30_000_000),
                sizes: HashMap::from([
                    ("thumbnail".into(), size(150, 5_000, "t.jpg", "image/jpeg")),
                    ("medium".into(), size(300, 20_000, "m.jpg", "image/jpeg")),
                    ("medium_large".into(), size(768, 80_000, "ml.jpg", "image/jpeg")),
                    ("large".into(), size(1024, 150_000, "l.jpg", "image/jpeg")),
                ]),
            }),
        };
        let best = best_photo(&media, 10 * 1024 * 1024).expect("photo");
        assert_eq!(best.as_str(), "https://k.co/wp-content/uploads/ml.jpg");
        // Nothing wide enough: the widest usable one, never an icon-sized one.
        let small = RestMedia {
            media_details: Some(MediaDetails {
                width: Some(320),
                filesize: None,
                sizes: HashMap::from([("thumbnail".into(), size(150, 5_000, "t.jpg", "image/jpeg"))]),
            }),
            source_url: Some("https://k.co/wp-content/uploads/s.jpg".into()),
            mime_type: Some("image/jpeg".into()),
        };
        assert_eq!(
            best_photo(&small, 1 << 20).map(|u| u.to_string()).as_deref(),
            Some("https://k.co/wp-content/uploads/s.jpg")
        );
        let svg = RestMedia {
            source_url: Some("https://k.co/wp-content/uploads/logo.svg".into()),
            mime_type: Some("image/svg+xml".into()),
            media_details: None,
        };
        assert_eq!(best_photo(&svg, 1 << 20), None);
        let icon = RestMedia {
            media_details: Some(MediaDetails { width: Some(72), filesize: None, sizes: HashMap::new() }),
            source_url: Some("https://k.co/wp-content/uploads/ikon.png".into()),
            mime_type: Some("image/png".into()),
        };
        assert_eq!(best_photo(&icon, 1 << 20), None);
    }

    #[test]
    fn category_names_compare_decoded() {
        assert_eq!(category_key(" Ekonomi &amp; Bisnis "), "ekonomi & bisnis");
    }
}
