use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Tz;

use crate::i18n::Lang;

const MONTHS_ID: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"];
const MONTHS_EN: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// "27 Nov 2026, 09.20 WITA" (Indonesian) or "27 Nov 2026, 09:20 WITA" (English),
/// in the configured time zone.
pub fn format_time(time: DateTime<Utc>, zone: Tz, lang: Lang) -> String {
    let local = time.with_timezone(&zone);
    let month0 = local.month0() as usize;
    let (months, separator) = match lang {
        Lang::Id => (MONTHS_ID, '.'),
        Lang::En => (MONTHS_EN, ':'),
    };
    let zone_name = local.format("%Z").to_string();
    format!(
        "{} {} {}, {:02}{separator}{:02} {zone_name}",
        local.day(),
        months[month0],
        local.year(),
        local.hour(),
        local.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn shows_wita_with_indonesian_months() {
        let time = Utc.with_ymd_and_hms(2026, 11, 27, 1, 20, 0).single().expect("valid");
        assert_eq!(format_time(time, chrono_tz::Asia::Makassar, Lang::Id), "27 Nov 2026, 09.20 WITA");
        let august = Utc.with_ymd_and_hms(2026, 8, 16, 20, 5, 0).single().expect("valid");
        assert_eq!(format_time(august, chrono_tz::Asia::Makassar, Lang::Id), "17 Agu 2026, 04.05 WITA");
        assert_eq!(format_time(august, chrono_tz::Asia::Makassar, Lang::En), "17 Aug 2026, 04:05 WITA");
        assert_eq!(format_time(august, chrono_tz::Asia::Jakarta, Lang::Id), "17 Agu 2026, 03.05 WIB");
    }
}
