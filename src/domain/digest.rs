//! How news reaches a reader: the delivery modes, the digest slots of a day
//! and the quiet night, all in the newsroom's time zone. Pure.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::time::{earlier, later};

/// How far back and ahead slots are looked for: every reader takes at least one time a day.
const TWO_DAYS: std::time::Duration = std::time::Duration::from_secs(2 * 24 * 3600);

/// How a chat receives the news.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DeliveryMode {
    /// Each story as it appears.
    #[default]
    Every,
    /// No single posts; one message at the digest times.
    Digest,
    /// Breaking news only.
    BreakingOnly,
}

impl DeliveryMode {
    /// The value stored in `chats.delivery_mode` and carried by buttons.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Every => "every",
            Self::Digest => "digest",
            Self::BreakingOnly => "breaking",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "every" => Some(Self::Every),
            "digest" => Some(Self::Digest),
            "breaking" => Some(Self::BreakingOnly),
            _ => None,
        }
    }
}

/// A time of day written "HH:MM" (24 h).
pub fn parse_time_of_day(text: &str) -> Option<NaiveTime> {
    let (hours, minutes) = text.trim().split_once(':')?;
    if hours.len() != 2 || minutes.len() != 2 || !format!("{hours}{minutes}").bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveTime::from_hms_opt(hours.parse().ok()?, minutes.parse().ok()?, 0)
}

/// "06:00".
pub fn time_of_day_text(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}

/// One digest time on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// The configured time of day.
    pub time: NaiveTime,
    /// The local day.
    pub day: NaiveDate,
    /// The instant it falls on.
    pub at: DateTime<Utc>,
}

/// The digest times the newsroom offers, in its time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestSchedule {
    /// Sorted, without duplicates; never empty.
    times: Vec<NaiveTime>,
    zone: Tz,
}

impl DigestSchedule {
    /// `None` without any time.
    pub fn new(mut times: Vec<NaiveTime>, zone: Tz) -> Option<Self> {
        times.sort_unstable();
        times.dedup();
        (!times.is_empty()).then_some(Self { times, zone })
    }

    pub fn times(&self) -> &[NaiveTime] {
        &self.times
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// The reader's stored choice ("06:00,18:00") as offered times; a choice
    /// with none of them left (or none made) is the first offered time.
    pub fn reader_times(&self, stored: Option<&str>) -> Vec<NaiveTime> {
        let mut chosen: Vec<NaiveTime> = stored
            .unwrap_or_default()
            .split(',')
            .filter_map(parse_time_of_day)
            .filter(|time| self.times.contains(time))
            .collect();
        chosen.sort_unstable();
        chosen.dedup();
        if chosen.is_empty() {
            chosen.push(self.times[0]);
        }
        chosen
    }

    /// The stored form of a choice.
    pub fn stored_times(times: &[NaiveTime]) -> String {
        times.iter().map(|time| time_of_day_text(*time)).collect::<Vec<_>>().join(",")
    }

    /// The instant `time` falls on, on local day `day` (a time a DST change
    /// skips is taken an hour later; WITA has none).
    fn instant(&self, day: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
        let local = day.and_time(time);
        let resolved = self
            .zone
            .from_local_datetime(&local)
            .earliest()
            .or_else(|| self.zone.from_local_datetime(&(local + chrono::TimeDelta::hours(1))).earliest())?;
        Some(resolved.with_timezone(&Utc))
    }

    /// Every slot of `times` in `(after, until]`, oldest first (bounded to a
    /// few days: a longer gap is not caught up anyway).
    pub fn slots_between(&self, times: &[NaiveTime], after: DateTime<Utc>, until: DateTime<Utc>) -> Vec<Slot> {
        let mut slots = Vec::new();
        if until <= after {
            return slots;
        }
        let first_day = after.with_timezone(&self.zone).date_naive();
        let last_day = until.with_timezone(&self.zone).date_naive();
        let mut day = first_day;
        let mut days = 0;
        while day <= last_day && days < 8 {
            for time in times {
                if let Some(at) = self.instant(day, *time)
                    && at > after
                    && at <= until
                {
                    slots.push(Slot { time: *time, day, at });
                }
            }
            day = match day.checked_add_days(Days::new(1)) {
                Some(next) => next,
                None => break,
            };
            days += 1;
        }
        slots.sort_by_key(|slot| slot.at);
        slots
    }

    /// The latest slot of `times` strictly before `at` (within the two days
    /// before it: every reader takes at least one time a day).
    pub fn previous(&self, times: &[NaiveTime], at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let from = earlier(at, TWO_DAYS);
        let before = earlier(at, std::time::Duration::from_millis(1));
        self.slots_between(times, from, before).last().map(|slot| slot.at)
    }

    /// The next slot of `times` after `now`.
    pub fn next(&self, times: &[NaiveTime], now: DateTime<Utc>) -> Option<Slot> {
        self.slots_between(times, now, later(now, TWO_DAYS)).into_iter().next()
    }
}

/// The quiet night: a window of local time, which may cross midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl QuietHours {
    /// "22:00-06:00"; `None` when malformed or empty (start = end).
    pub fn parse(text: &str) -> Option<Self> {
        let (start, end) = text.split_once('-')?;
        let hours = Self { start: parse_time_of_day(start)?, end: parse_time_of_day(end)? };
        (hours.start != hours.end).then_some(hours)
    }

    /// Whether `at` is in the window: from its start, until before its end.
    pub fn contains(&self, at: DateTime<Utc>, zone: Tz) -> bool {
        let time = at.with_timezone(&zone).time();
        if self.start < self.end {
            self.start <= time && time < self.end
        } else {
            time >= self.start || time < self.end
        }
    }

    /// "22:00–06:00".
    pub fn text(&self) -> String {
        format!("{}–{}", time_of_day_text(self.start), time_of_day_text(self.end))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const WITA: Tz = chrono_tz::Asia::Makassar;

    fn time(text: &str) -> NaiveTime {
        parse_time_of_day(text).expect("a time")
    }

    fn wita(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        WITA.with_ymd_and_hms(2026, 12, day, hour, minute, 0).single().expect("valid").with_timezone(&Utc)
    }

    fn schedule() -> DigestSchedule {
        DigestSchedule::new(vec![time("18:00"), time("06:00"), time("06:00")], WITA).expect("times")
    }

    #[test]
    fn modes_round_trip_and_unknown_ones_are_refused() {
        for mode in [DeliveryMode::Every, DeliveryMode::Digest, DeliveryMode::BreakingOnly] {
            assert_eq!(DeliveryMode::parse(mode.as_str()), Some(mode));
        }
        assert_eq!(DeliveryMode::parse("Digest"), None);
        assert_eq!(DeliveryMode::parse(""), None);
    }

    #[test]
    fn times_of_day_are_strict() {
        assert_eq!(parse_time_of_day("06:00"), NaiveTime::from_hms_opt(6, 0, 0));
        assert_eq!(parse_time_of_day(" 23:59 "), NaiveTime::from_hms_opt(23, 59, 0));
        for bad in ["6:00", "24:00", "12:60", "12.00", "1200", "ab:cd", "+1:00", "", "12:00:00"] {
            assert_eq!(parse_time_of_day(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_schedule_is_sorted_and_a_reader_without_a_choice_takes_the_first_time() {
        let schedule = schedule();
        assert_eq!(schedule.times(), [time("06:00"), time("18:00")]);
        assert_eq!(schedule.reader_times(None), [time("06:00")]);
        assert_eq!(schedule.reader_times(Some("18:00,06:00,18:00")), [time("06:00"), time("18:00")]);
        // A time no longer offered falls away; nothing left is the first time.
        assert_eq!(schedule.reader_times(Some("12:00,18:00")), [time("18:00")]);
        assert_eq!(schedule.reader_times(Some("12:00,garbage")), [time("06:00")]);
        assert_eq!(DigestSchedule::stored_times(&[time("06:00"), time("18:00")]), "06:00,18:00");
        assert_eq!(DigestSchedule::new(Vec::new(), WITA), None);
    }

    #[test]
    fn slots_fall_on_local_days_and_previous_reaches_back_to_yesterday() {
        let schedule = schedule();
        let both = schedule.times().to_vec();
        let slots = schedule.slots_between(&both, wita(6, 17, 0), wita(7, 18, 0));
        let at: Vec<_> = slots.iter().map(|slot| slot.at).collect();
        assert_eq!(at, [wita(6, 18, 0), wita(7, 6, 0), wita(7, 18, 0)]);
        // 06:00 WITA is 22:00 UTC the day before; the slot's day is the local one.
        assert_eq!(slots[1].day, NaiveDate::from_ymd_opt(2026, 12, 7).expect("date"));
        assert_eq!(schedule.previous(&both, wita(7, 6, 0)), Some(wita(6, 18, 0)));
        assert_eq!(schedule.previous(&[time("06:00")], wita(7, 6, 0)), Some(wita(6, 6, 0)));
        assert_eq!(schedule.next(&both, wita(7, 6, 0)).map(|s| s.at), Some(wita(7, 18, 0)));
        assert_eq!(schedule.next(&both, wita(7, 19, 0)).map(|s| s.at), Some(wita(8, 6, 0)));
        assert!(schedule.slots_between(&both, wita(7, 6, 0), wita(7, 6, 0)).is_empty());
    }

    #[test]
    fn the_quiet_night_crosses_midnight() {
        let night = QuietHours::parse("22:00-06:00").expect("hours");
        assert!(night.contains(wita(7, 22, 0), WITA));
        assert!(night.contains(wita(7, 2, 30), WITA));
        assert!(!night.contains(wita(7, 6, 0), WITA));
        assert!(!night.contains(wita(7, 21, 59), WITA));
        let lunch = QuietHours::parse("12:00-13:00").expect("hours");
        assert!(lunch.contains(wita(7, 12, 30), WITA) && !lunch.contains(wita(7, 13, 0), WITA));
        assert_eq!(night.text(), "22:00–06:00");
        for bad in ["22:00", "22:00-22:00", "22-06", "", "22:00-6:00"] {
            assert_eq!(QuietHours::parse(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn any_text_parses_or_is_refused_without_panicking(text in ".{0,20}") {
            let _ = QuietHours::parse(&text);
            let _ = parse_time_of_day(&text);
            let _ = schedule().reader_times(Some(&text));
        }

        #[test]
        fn a_reader_always_has_one_to_all_offered_times(stored in "[0-9:,]{0,30}") {
            let schedule = schedule();
            let times = schedule.reader_times(Some(&stored));
            prop_assert!(!times.is_empty() && times.len() <= schedule.times().len());
            prop_assert!(times.iter().all(|t| schedule.times().contains(t)));
        }

        #[test]
        fn every_slot_lies_in_its_window(start in 0i64..2_000_000_000, span in 0i64..400_000) {
            let after = DateTime::from_timestamp(start, 0).expect("time");
            let until = after + chrono::TimeDelta::seconds(span);
            let schedule = schedule();
            let slots = schedule.slots_between(schedule.times(), after, until);
            prop_assert!(slots.iter().all(|slot| slot.at > after && slot.at <= until));
            prop_assert!(slots.windows(2).all(|w| w[0].at < w[1].at));
        }
    }
}
