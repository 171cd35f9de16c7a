//! The data behind inline buttons: typed, at most 64 bytes, and parsed as
//! untrusted input (a client can send any data). Pure.
//!
//! Buttons never carry a reader's id: who pressed is taken from Telegram's
//! update, so forged data can at worst show public pages or act on the presser.

use chrono::{NaiveTime, Timelike};

use crate::domain::DeliveryMode;
use crate::i18n::Lang;

/// Telegram's limit on callback data.
pub const CALLBACK_DATA_MAX: usize = 64;
/// The highest page number a button may ask for.
const PAGE_MAX: u32 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Callback {
    Subscribe,
    Unsubscribe,
    /// A /latest page: `category` 0 is every category.
    LatestPage {
        category: i64,
        page: u32,
        size: u32,
    },
    /// A page of a stored search.
    SearchPage {
        search: i64,
        page: u32,
    },
    /// Tick or untick a category, on this page of the picker.
    ToggleCategory {
        category: i64,
        page: u32,
    },
    CategoryPickerPage {
        page: u32,
    },
    /// Back to every category.
    AllCategories {
        page: u32,
    },
    CategoriesDone,
    /// `None`: follow Telegram's language.
    Language(Option<Lang>),
    /// Admin: send the previewed breaking news (the presser is checked, not the data).
    BreakingSend {
        id: i64,
    },
    BreakingCancel {
        id: i64,
    },
    /// Admin: post a held flood (Kirim semua); the presser is checked.
    HoldSendAll {
        id: i64,
    },
    /// Admin: store a held flood without posting it (Lewati).
    HoldSkip {
        id: i64,
    },
    /// Admin: retract a story that disappeared from the site (Tarik); the presser is checked.
    RetractGone {
        post_id: i64,
    },
    /// /atur: how the presser gets the news (choosing subscribes).
    SetMode(DeliveryMode),
    /// /atur: take (`on`) or drop a digest time. The state is in the data, so
    /// a replayed press repeats the same change.
    SetDigestTime {
        time: NaiveTime,
        on: bool,
    },
    /// /atur: the quiet night on or off.
    SetQuietNight(bool),
    /// /atur: subscribe or unsubscribe, staying on the settings.
    SetSubscribed(bool),
    /// /atur: open the category picker, or the language choice, in place.
    SettingsCategories,
    SettingsLanguage,
    /// Open the presser's settings in place.
    ShowSettings,
}

impl Callback {
    /// The admins' buttons (breaking news, held floods, gone stories): checked
    /// against the admin list, wherever they are pressed.
    pub fn is_admins(&self) -> bool {
        matches!(
            self,
            Self::BreakingSend { .. }
                | Self::BreakingCancel { .. }
                | Self::HoldSendAll { .. }
                | Self::HoldSkip { .. }
                | Self::RetractGone { .. }
        )
    }

    /// What the button does, for logs (the `command` of a press's span).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Subscribe => "subscribe",
            Self::Unsubscribe => "unsubscribe",
            Self::LatestPage { .. } => "latest_page",
            Self::SearchPage { .. } => "search_page",
            Self::ToggleCategory { .. } => "toggle_category",
            Self::CategoryPickerPage { .. } => "category_page",
            Self::AllCategories { .. } => "all_categories",
            Self::CategoriesDone => "categories_done",
            Self::Language(_) => "language",
            Self::BreakingSend { .. } => "breaking_send",
            Self::BreakingCancel { .. } => "breaking_cancel",
            Self::HoldSendAll { .. } => "held_send_all",
            Self::HoldSkip { .. } => "held_skip",
            Self::RetractGone { .. } => "retract_gone",
            Self::SetMode(_) => "settings_mode",
            Self::SetDigestTime { .. } => "settings_digest_time",
            Self::SetQuietNight(_) => "settings_quiet_night",
            Self::SetSubscribed(_) => "settings_subscription",
            Self::SettingsCategories => "settings_categories",
            Self::SettingsLanguage => "settings_language",
            Self::ShowSettings => "settings",
        }
    }

    pub fn encode(self) -> String {
        let data = match self {
            Self::Subscribe => "sub".to_owned(),
            Self::Unsubscribe => "unsub".to_owned(),
            Self::LatestPage { category, page, size } => format!("l:{category}:{page}:{size}"),
            Self::SearchPage { search, page } => format!("s:{search}:{page}"),
            Self::ToggleCategory { category, page } => format!("k:t:{category}:{page}"),
            Self::CategoryPickerPage { page } => format!("k:p:{page}"),
            Self::AllCategories { page } => format!("k:all:{page}"),
            Self::CategoriesDone => "k:done".to_owned(),
            Self::Language(Some(lang)) => format!("lang:{}", lang.code()),
            Self::Language(None) => "lang:auto".to_owned(),
            Self::BreakingSend { id } => format!("b:ok:{id}"),
            Self::BreakingCancel { id } => format!("b:no:{id}"),
            Self::HoldSendAll { id } => format!("h:ok:{id}"),
            Self::HoldSkip { id } => format!("h:no:{id}"),
            Self::RetractGone { post_id } => format!("g:tarik:{post_id}"),
            Self::SetMode(mode) => format!("a:m:{}", mode.as_str()),
            Self::SetDigestTime { time, on } => format!("a:t:{:02}{:02}:{}", time.hour(), time.minute(), u8::from(on)),
            Self::SetQuietNight(on) => format!("a:q:{}", u8::from(on)),
            Self::SetSubscribed(on) => format!("a:s:{}", u8::from(on)),
            Self::SettingsCategories => "a:k".to_owned(),
            Self::SettingsLanguage => "a:l".to_owned(),
            Self::ShowSettings => "a:v".to_owned(),
        };
        debug_assert!(data.len() <= CALLBACK_DATA_MAX);
        data
    }

    /// `None` for anything this bot never put on a button.
    pub fn parse(data: &str) -> Option<Self> {
        if data.len() > CALLBACK_DATA_MAX {
            return None;
        }
        let parts: Vec<&str> = data.split(':').collect();
        let callback = match parts.as_slice() {
            ["sub"] => Self::Subscribe,
            ["unsub"] => Self::Unsubscribe,
            ["l", category, page, size] => Self::LatestPage {
                category: id(category).or((*category == "0").then_some(0))?,
                page: page_number(page)?,
                size: number(size).filter(|size| (1..=super::LATEST_MAX).contains(size))?,
            },
            ["s", search, page] => Self::SearchPage { search: id(search)?, page: page_number(page)? },
            ["k", "t", category, page] => Self::ToggleCategory { category: id(category)?, page: page_number(page)? },
            ["k", "p", page] => Self::CategoryPickerPage { page: page_number(page)? },
            ["k", "all", page] => Self::AllCategories { page: page_number(page)? },
            ["k", "done"] => Self::CategoriesDone,
            ["lang", "auto"] => Self::Language(None),
            ["lang", code] => Self::Language(Some(Lang::from_choice(code)?)),
            ["b", "ok", id_text] => Self::BreakingSend { id: id(id_text)? },
            ["b", "no", id_text] => Self::BreakingCancel { id: id(id_text)? },
            ["h", "ok", id_text] => Self::HoldSendAll { id: id(id_text)? },
            ["h", "no", id_text] => Self::HoldSkip { id: id(id_text)? },
            ["g", "tarik", id_text] => Self::RetractGone { post_id: id(id_text)? },
            ["a", "m", mode] => Self::SetMode(DeliveryMode::parse(mode)?),
            ["a", "t", time, on] => Self::SetDigestTime { time: hhmm(time)?, on: switch(on)? },
            ["a", "q", on] => Self::SetQuietNight(switch(on)?),
            ["a", "s", on] => Self::SetSubscribed(switch(on)?),
            ["a", "k"] => Self::SettingsCategories,
            ["a", "l"] => Self::SettingsLanguage,
            ["a", "v"] => Self::ShowSettings,
            _ => return None,
        };
        Some(callback)
    }
}

/// "0600": a time of day, four digits.
fn hhmm(text: &str) -> Option<NaiveTime> {
    if text.len() != 4 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveTime::from_hms_opt(text[..2].parse().ok()?, text[2..].parse().ok()?, 0)
}

/// "1" or "0".
fn switch(text: &str) -> Option<bool> {
    match text {
        "1" => Some(true),
        "0" => Some(false),
        _ => None,
    }
}

/// Plain decimal digits only: no sign, no spaces, no leading `+`.
fn number(text: &str) -> Option<u32> {
    if text.is_empty() || text.len() > 10 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn page_number(text: &str) -> Option<u32> {
    number(text).filter(|page| *page <= PAGE_MAX)
}

/// A row id: positive.
fn id(text: &str) -> Option<i64> {
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|id| *id > 0)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn every_button_round_trips() {
        let all = [
            Callback::Subscribe,
            Callback::Unsubscribe,
            Callback::LatestPage { category: 0, page: 0, size: 5 },
            Callback::LatestPage { category: i64::MAX, page: PAGE_MAX, size: 20 },
            Callback::SearchPage { search: 12, page: 3 },
            Callback::ToggleCategory { category: 7, page: 1 },
            Callback::CategoryPickerPage { page: 2 },
            Callback::AllCategories { page: 0 },
            Callback::CategoriesDone,
            Callback::Language(Some(Lang::En)),
            Callback::Language(Some(Lang::Id)),
            Callback::Language(None),
            Callback::BreakingSend { id: i64::MAX },
            Callback::BreakingCancel { id: 1 },
            Callback::HoldSendAll { id: i64::MAX },
            Callback::HoldSkip { id: 3 },
            Callback::RetractGone { post_id: i64::MAX },
            Callback::SetMode(DeliveryMode::Every),
            Callback::SetMode(DeliveryMode::Digest),
            Callback::SetMode(DeliveryMode::BreakingOnly),
            Callback::SetDigestTime { time: NaiveTime::from_hms_opt(6, 0, 0).expect("time"), on: true },
            Callback::SetDigestTime { time: NaiveTime::from_hms_opt(23, 59, 0).expect("time"), on: false },
            Callback::SetQuietNight(true),
            Callback::SetQuietNight(false),
            Callback::SetSubscribed(true),
            Callback::SetSubscribed(false),
            Callback::SettingsCategories,
            Callback::SettingsLanguage,
            Callback::ShowSettings,
        ];
        for callback in all {
            let data = callback.encode();
            assert!(data.len() <= CALLBACK_DATA_MAX, "{data}");
            assert_eq!(Callback::parse(&data), Some(callback), "{data}");
        }
    }

    #[test]
    fn forged_data_is_refused() {
        for forged in [
            "",
            "sub:1",
            "l:-1:0:5",
            "l:0:0:0",
            "l:0:0:21",
            "l:0:99999999999:5",
            "l:0:+1:5",
            "l:0: 1:5",
            "l:abc:0:5",
            "s:0:1",
            "s:1:-1",
            "s:99999999999999999999:1",
            "k:t:1",
            "k:t:0:0",
            "k:x:1",
            "lang:xx",
            "lang:",
            "b:ok:0",
            "b:ok:-3",
            "b:yes:3",
            "b:no:",
            "h:ok:0",
            "h:ok:-1",
            "h:all:1",
            "h:no:1:2",
            "l:0:0:5:extra",
            "a:m:all",
            "a:m:",
            "a:t:2400:1",
            "a:t:0660:1",
            "a:t:600:1",
            "a:t:0600:2",
            "a:t:0600",
            "a:q:yes",
            "a:s:-1",
            "a:k:1",
            "\u{0}",
        ] {
            assert_eq!(Callback::parse(forged), None, "{forged:?}");
        }
        assert_eq!(Callback::parse(&"s:1:1".repeat(20)), None);
    }

    proptest! {
        #[test]
        fn any_data_parses_or_is_refused_without_panicking(data in ".{0,80}") {
            if let Some(callback) = Callback::parse(&data) {
                prop_assert_eq!(Callback::parse(&callback.encode()), Some(callback));
            }
        }
    }
}
