//! `[digest]`: the daily "Berita Pilihan" digest — the times offered to
//! readers, how many stories, catching up a missed slot, automatic picks.

use std::time::Duration;

use chrono::NaiveTime;
use serde::{Deserialize, Deserializer};

use super::check::{self, Invalid, within};
use super::value;
use crate::domain::{parse_time_of_day, time_of_day_text};

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DigestConfig {
    /// The digest times offered, "HH:MM" in `format.timezone`; a reader takes
    /// one or more (the first unless they choose).
    #[serde(deserialize_with = "times")]
    pub times: Vec<NaiveTime>,
    /// Stories per digest.
    pub max_items: u32,
    /// A slot missed while Warta was down is still sent this late; later, skipped.
    #[serde(deserialize_with = "value::duration")]
    pub catch_up: Duration,
    /// Articles in these categories are editors' picks without /pilih.
    pub pick_categories: Vec<String>,
}

impl Default for DigestConfig {
    fn default() -> Self {
        let at = |hour| NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or_default();
        Self {
            times: vec![at(6), at(18)],
            max_items: 10,
            catch_up: Duration::from_secs(2 * 3600),
            pick_categories: vec![],
        }
    }
}

fn times<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<NaiveTime>, D::Error> {
    let raw = Vec::<String>::deserialize(deserializer)?;
    raw.iter()
        .map(|text| {
            parse_time_of_day(text).ok_or_else(|| {
                serde::de::Error::custom(format!("invalid time {text:?}: expected \"HH:MM\", e.g. \"06:00\""))
            })
        })
        .collect()
}

/// Bounds of the number of digest times.
pub(super) const TIMES: (usize, usize) = (1, 8);
/// Bounds of `max_items` (twenty linked titles always fit in one message).
pub(super) const MAX_ITEMS: (u32, u32) = (1, 20);
/// Bounds of `catch_up`.
pub(super) const CATCH_UP: (Duration, Duration) = (Duration::ZERO, Duration::from_secs(12 * 3600));
/// Most automatic pick categories.
pub(super) const PICK_CATEGORIES_MAX: usize = 20;

impl DigestConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        within("digest.times", self.times.len(), TIMES.0, TIMES.1, check::entries)?;
        for (index, time) in self.times.iter().enumerate() {
            if self.times[..index].contains(time) {
                return Err(("digest.times".into(), format!("{} is listed twice", time_of_day_text(*time))));
            }
        }
        within("digest.max_items", self.max_items, MAX_ITEMS.0, MAX_ITEMS.1, check::number)?;
        within("digest.catch_up", self.catch_up, CATCH_UP.0, CATCH_UP.1, check::duration)?;
        within("digest.pick_categories", self.pick_categories.len(), 0, PICK_CATEGORIES_MAX, check::entries)?;
        if let Some(index) =
            self.pick_categories.iter().position(|name| crate::domain::CategoryKey::new(name).is_empty())
        {
            return Err((format!("digest.pick_categories[{index}]"), "must name a category".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_accept_their_ends_and_refuse_past_them() {
        let base = DigestConfig::default;
        assert_eq!(base().validate(), Ok(()));
        let at = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default();
        let eight: Vec<_> = (0..8).map(|h| at(h, 30)).collect();
        assert_eq!(
            DigestConfig { times: eight.clone(), max_items: 20, catch_up: CATCH_UP.1, ..base() }.validate(),
            Ok(())
        );
        let refused = |config: DigestConfig| config.validate().expect_err("refused").0;
        assert_eq!(refused(DigestConfig { times: vec![], ..base() }), "digest.times");
        let nine = eight.iter().copied().chain([at(23, 0)]).collect();
        assert_eq!(refused(DigestConfig { times: nine, ..base() }), "digest.times");
        assert_eq!(refused(DigestConfig { times: vec![at(6, 0), at(6, 0)], ..base() }), "digest.times");
        assert_eq!(refused(DigestConfig { max_items: 0, ..base() }), "digest.max_items");
        assert_eq!(refused(DigestConfig { max_items: 21, ..base() }), "digest.max_items");
        let late = DigestConfig { catch_up: CATCH_UP.1 + Duration::from_secs(1), ..base() };
        assert_eq!(refused(late), "digest.catch_up");
        assert_eq!(refused(DigestConfig { pick_categories: vec!["  ".into()], ..base() }), "digest.pick_categories[0]");
    }
}
