//! Dates without a date library: the snapshot keeps ISO strings (`YYYY-MM-DD`, `…T…Z`) and, where a
//! value came from an HTTP header, the original RFC 1123 text. These helpers check the pairing.

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parse `YYYY-MM-DD` into (year, month, day), checking the calendar.
pub fn parse_iso_date(s: &str) -> Option<(i64, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(&s[0..4])?, digits(&s[5..7])?, digits(&s[8..10])?);
    let y = i64::from(y);
    (d >= 1 && d <= days_in_month(y, m)).then_some((y, m, d))
}

/// Is `s` a valid calendar date written `YYYY-MM-DD`?
pub fn is_iso_date(s: &str) -> bool {
    parse_iso_date(s).is_some()
}

/// The weekday abbreviation (`Mon`…`Sun`) of a `YYYY-MM-DD` date.
pub fn weekday(iso_date: &str) -> Option<&'static str> {
    let (y, m, d) = parse_iso_date(iso_date)?;
    // 1970-01-01 was a Thursday (index 3 from Monday).
    Some(WEEKDAYS[(days_from_civil(y, m, d) + 3).rem_euclid(7) as usize])
}

/// Convert an HTTP date (`Wed, 08 Jan 2025 06:09:04 GMT`, RFC 1123) to `2025-01-08T06:09:04Z`.
/// Returns `None` unless the text is well formed, the date exists and the weekday is right
/// (a cheap check that a transcribed date was not mistyped).
pub fn http_date_to_iso(s: &str) -> Option<String> {
    let (wd, rest) = s.split_once(", ")?;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [day, mon, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    if day.len() != 2 || year.len() != 4 {
        return None;
    }
    let month = MONTHS.iter().position(|m| m == mon)? as u32 + 1;
    let date = format!("{year}-{month:02}-{day}");
    parse_iso_date(&date)?;
    let t: Vec<&str> = time.split(':').collect();
    let [hh, mm, ss] = t.as_slice() else {
        return None;
    };
    let ok = |x: &str, max: u32| x.len() == 2 && digits(x).is_some_and(|v| v <= max);
    if !(ok(hh, 23) && ok(mm, 59) && ok(ss, 60)) {
        return None;
    }
    (weekday(&date)? == wd).then(|| format!("{date}T{hh}:{mm}:{ss}Z"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_convert_and_check_the_weekday() {
        assert_eq!(http_date_to_iso("Wed, 08 Jan 2025 06:09:04 GMT").as_deref(), Some("2025-01-08T06:09:04Z"));
        assert_eq!(http_date_to_iso("Sat, 19 Sep 2026 00:37:17 GMT").as_deref(), Some("2026-09-19T00:37:17Z"));
        assert_eq!(http_date_to_iso("Thu, 08 Jan 2025 06:09:04 GMT"), None, "wrong weekday");
        assert_eq!(http_date_to_iso("Wed, 8 Jan 2025 06:09:04 GMT"), None);
        assert_eq!(http_date_to_iso("Wed, 08 Jan 2025 24:09:04 GMT"), None);
        assert_eq!(http_date_to_iso("2025-01-08"), None);
    }

    #[test]
    fn iso_dates_are_calendar_checked() {
        assert!(is_iso_date("2024-02-29"));
        assert!(!is_iso_date("2023-02-29"));
        assert!(!is_iso_date("2023-13-01"));
        assert!(!is_iso_date("2023-1-01"));
        assert!(!is_iso_date("unknown"));
        assert_eq!(weekday("1970-01-01"), Some("Thu"));
        assert_eq!(weekday("2023-10-31"), Some("Tue"));
    }
}
