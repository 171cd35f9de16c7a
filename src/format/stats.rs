//! The figures behind /stats: posts per day and subscribers at the end of
//! each day, over the last days in the newsroom's time zone. Pure.

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::chart::DailyPoint;

/// The first instant of `day` in `zone` (the earliest, around a DST gap).
pub fn day_start(day: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    zone.from_local_datetime(&midnight).earliest().map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
}

/// The `days` days ending with today (in `zone`), oldest first.
pub fn last_days(now: DateTime<Utc>, zone: Tz, days: u32) -> Vec<NaiveDate> {
    let today = now.with_timezone(&zone).date_naive();
    (0..days).rev().filter_map(|back| today.checked_sub_days(Days::new(u64::from(back)))).collect()
}

/// One point per day: stories first posted that day, and subscribers at its
/// end (or now, for today). `spans` are (subscribed, stopped) per reader.
pub fn daily_points(
    days: &[NaiveDate],
    zone: Tz,
    now: DateTime<Utc>,
    story_times: &[DateTime<Utc>],
    spans: &[(DateTime<Utc>, Option<DateTime<Utc>>)],
) -> Vec<DailyPoint> {
    days.iter()
        .map(|day| {
            let start = day_start(*day, zone);
            let end = day.succ_opt().map_or(now, |next| day_start(next, zone)).min(now);
            let posts = story_times.iter().filter(|t| **t >= start && **t < end).count();
            let subscribers =
                spans.iter().filter(|(from, until)| *from < end && until.is_none_or(|until| until >= end)).count();
            DailyPoint {
                day: *day,
                posts: u32::try_from(posts).unwrap_or(u32::MAX),
                subscribers: u32::try_from(subscribers).unwrap_or(u32::MAX),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_fall_on_local_days() {
        let zone = chrono_tz::Asia::Makassar;
        // 27 Nov 2026, 10.00 WITA.
        let now = Utc.with_ymd_and_hms(2026, 11, 27, 2, 0, 0).single().expect("time");
        let days = last_days(now, zone, 3);
        assert_eq!(days.first().map(ToString::to_string).as_deref(), Some("2026-11-25"));
        // 26 Nov 23.30 WITA is 15.30 UTC; 27 Nov 00.30 WITA is 26 Nov 16.30 UTC.
        let late = Utc.with_ymd_and_hms(2026, 11, 26, 15, 30, 0).single().expect("time");
        let early = Utc.with_ymd_and_hms(2026, 11, 26, 16, 30, 0).single().expect("time");
        let old = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("time");
        let spans = vec![(old, None), (late, Some(early)), (early, None)];
        let points = daily_points(&days, zone, now, &[late, early, early], &spans);
        let posts: Vec<u32> = points.iter().map(|p| p.posts).collect();
        let subscribers: Vec<u32> = points.iter().map(|p| p.subscribers).collect();
        assert_eq!(posts, [0, 1, 2]);
        // The reader who left at 00.30 on the 27th was there at the end of the 26th.
        assert_eq!(subscribers, [1, 2, 2]);
    }
}
