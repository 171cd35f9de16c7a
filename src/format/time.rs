use chrono::{DateTime, Datelike, FixedOffset, Offset, TimeZone, Timelike, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

use crate::i18n::Lang;

const MONTHS_ID: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"];
const MONTHS_EN: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// "27 Nov 2026, 09.20 WITA" (Indonesian) or "27 Nov 2026, 09:20 WITA" (English),
/// in the configured time zone.
pub fn format_time(time: DateTime<Utc>, zone: Tz, lang: Lang) -> String {
    let (local, zone_name) = local_time(time, zone);
    let month0 = local.month0() as usize;
    let (months, separator) = match lang {
        Lang::Id => (MONTHS_ID, '.'),
        Lang::En => (MONTHS_EN, ':'),
    };
    format!(
        "{} {} {}, {:02}{separator}{:02} {zone_name}",
        local.day(),
        months[month0],
        local.year(),
        local.hour(),
        local.minute()
    )
}

const WEEKDAYS_ID: [&str; 7] = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"];
const WEEKDAYS_EN: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// "Senin, 7 Des 2026" / "Monday, 7 Dec 2026".
pub fn format_day(day: chrono::NaiveDate, lang: Lang) -> String {
    let (weekdays, months) = match lang {
        Lang::Id => (WEEKDAYS_ID, MONTHS_ID),
        Lang::En => (WEEKDAYS_EN, MONTHS_EN),
    };
    let weekday = weekdays[day.weekday().num_days_from_monday() as usize];
    format!("{weekday}, {} {} {}", day.day(), months[day.month0() as usize], day.year())
}

/// "14.05 WITA" / "14:05 WITA".
pub fn format_clock(time: DateTime<Utc>, zone: Tz, lang: Lang) -> String {
    let (local, zone_name) = local_time(time, zone);
    let separator = if lang == Lang::Id { '.' } else { ':' };
    format!("{:02}{separator}{:02} {zone_name}", local.hour(), local.minute())
}

/// The zone's name at `time` ("WITA").
pub fn zone_name(time: DateTime<Utc>, zone: Tz) -> String {
    local_time(time, zone).1
}

/// The time in `zone` and the zone's name then. Before a zone had a standard
/// time (Asia/Makassar until 1920) the tz database gives local mean time —
/// "LMT", +07:57:36 — which no reader knows: such dates are shown in the
/// zone's standard offset instead (WITA, +08:00).
fn local_time(time: DateTime<Utc>, zone: Tz) -> (DateTime<FixedOffset>, String) {
    let local = time.with_timezone(&zone);
    let offset = local.offset();
    let mean_time = offset.abbreviation() == Some("LMT") || offset.fix().local_minus_utc() % 60 != 0;
    if !mean_time {
        return (local.fixed_offset(), local.format("%Z").to_string());
    }
    let standard = standard_offset(zone);
    (time.with_timezone(&standard.fix()), standard.to_string())
}

/// The zone's offset without daylight saving time, as of 2000 (January or,
/// for southern summers, July).
fn standard_offset(zone: Tz) -> <Tz as TimeZone>::Offset {
    let january = DateTime::<Utc>::from_timestamp(946_684_800, 0).unwrap_or_default().naive_utc();
    let july = DateTime::<Utc>::from_timestamp(962_409_600, 0).unwrap_or_default().naive_utc();
    let winter = zone.offset_from_utc_datetime(&january);
    if winter.dst_offset().is_zero() { winter } else { zone.offset_from_utc_datetime(&july) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn days_and_clock_times_in_both_languages() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).expect("date");
        assert_eq!(format_day(day, Lang::Id), "Senin, 7 Des 2026");
        assert_eq!(format_day(day, Lang::En), "Monday, 7 Dec 2026");
        let time = Utc.with_ymd_and_hms(2026, 12, 7, 6, 5, 0).single().expect("valid");
        assert_eq!(format_clock(time, chrono_tz::Asia::Makassar, Lang::Id), "14.05 WITA");
        assert_eq!(format_clock(time, chrono_tz::Asia::Makassar, Lang::En), "14:05 WITA");
        assert_eq!(zone_name(time, chrono_tz::Asia::Makassar), "WITA");
    }

    #[test]
    fn shows_wita_with_indonesian_months() {
        let time = Utc.with_ymd_and_hms(2026, 11, 27, 1, 20, 0).single().expect("valid");
        assert_eq!(format_time(time, chrono_tz::Asia::Makassar, Lang::Id), "27 Nov 2026, 09.20 WITA");
        let august = Utc.with_ymd_and_hms(2026, 8, 16, 20, 5, 0).single().expect("valid");
        assert_eq!(format_time(august, chrono_tz::Asia::Makassar, Lang::Id), "17 Agu 2026, 04.05 WITA");
        assert_eq!(format_time(august, chrono_tz::Asia::Makassar, Lang::En), "17 Aug 2026, 04:05 WITA");
        assert_eq!(format_time(august, chrono_tz::Asia::Jakarta, Lang::Id), "17 Agu 2026, 03.05 WIB");
    }

    #[test]
    fn dates_before_standard_time_use_the_standard_offset_not_lmt() {
        let old = Utc.with_ymd_and_hms(1900, 5, 1, 1, 20, 0).single().expect("valid");
        assert_eq!(format_time(old, chrono_tz::Asia::Makassar, Lang::Id), "1 Mei 1900, 09.20 WITA");
        // Makassar's mean time (+07:57:36) lasted past 1920, until 1932.
        let mean = Utc.with_ymd_and_hms(1925, 1, 1, 0, 0, 0).single().expect("valid");
        assert_eq!(format_time(mean, chrono_tz::Asia::Makassar, Lang::En), "1 Jan 1925, 08:00 WITA");
        assert_eq!(format_time(old, chrono_tz::Asia::Jakarta, Lang::Id), "1 Mei 1900, 08.20 WIB");
        // A zone with daylight saving time falls back to its winter offset.
        let georgian = Utc.with_ymd_and_hms(1800, 5, 1, 1, 20, 0).single().expect("valid");
        assert_eq!(format_time(georgian, chrono_tz::Europe::London, Lang::En), "1 May 1800, 01:20 GMT");
        let summer = Utc.with_ymd_and_hms(2026, 7, 1, 1, 20, 0).single().expect("valid");
        assert_eq!(format_time(summer, chrono_tz::Europe::London, Lang::En), "1 Jul 2026, 02:20 BST");
    }
}
