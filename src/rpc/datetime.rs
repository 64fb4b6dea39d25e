//! Calendar arithmetic and the datetime text forms Odoo reads and writes, shared by the domain
//! engine (`rpc::domain`), the Odoo emulator (`sim::odoo`) and the facade (`facade`).
//!
//! - [`parse_stamp`] reads every form a domain value may take (ISO, offsets, XML-RPC's compact
//!   form); [`Stamp`] keys it as `YYYY-MM-DD[ HH:MM:SS]` text.
//! - [`parse_server`] reads Odoo's server format strictly; [`format_utc`] writes it (by hand:
//!   chrono's `format` parses its pattern on every call, and reads format thousands of these).

/// A parsed timestamp, in UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// There was a non-zero fraction of a second (dropped).
    pub fraction: bool,
}

/// Days in `month` of `year` (proleptic Gregorian).
pub(crate) fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 (proleptic Gregorian).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `(year, month, day)` of a day count since 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A run of 1 to 9 ASCII digits.
pub(crate) fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || bytes.len() > 9 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        bytes
            .iter()
            .fold(0, |acc, d| acc * 10 + u32::from(d - b'0')),
    )
}

/// Parses `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS[.ffffff]]` (or with `T`), an optional `Z` or
/// `±HH[:MM]` offset (converted to UTC), and XML-RPC's `YYYYMMDDTHH:MM:SS`.
pub(crate) fn parse_stamp(text: &str) -> Option<Stamp> {
    let b = text.trim().as_bytes();
    let (year, month, day, mut rest) = if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        (
            digits(&b[..4])?,
            digits(&b[5..7])?,
            digits(&b[8..10])?,
            &b[10..],
        )
    } else if b.len() >= 8 && b[..8].iter().all(u8::is_ascii_digit) {
        (
            digits(&b[..4])?,
            digits(&b[4..6])?,
            digits(&b[6..8])?,
            &b[8..],
        )
    } else {
        return None;
    };
    let year = i64::from(year);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let mut stamp = Stamp {
        year,
        month,
        day,
        hour: 0,
        minute: 0,
        second: 0,
        fraction: false,
    };
    if rest.is_empty() {
        return Some(stamp);
    }
    if rest[0] != b' ' && rest[0] != b'T' {
        return None;
    }
    rest = &rest[1..];
    // HH:MM[:SS] or HHMMSS
    let take = |rest: &mut &[u8], n: usize| -> Option<u32> {
        let v = digits(rest.get(..n)?)?;
        *rest = &rest[n..];
        Some(v)
    };
    stamp.hour = take(&mut rest, 2)?;
    let colon = rest.first() == Some(&b':');
    if colon {
        rest = &rest[1..];
    }
    stamp.minute = take(&mut rest, 2)?;
    if rest.first() == Some(&b':') || (!colon && rest.first().is_some_and(u8::is_ascii_digit)) {
        if rest.first() == Some(&b':') {
            rest = &rest[1..];
        }
        stamp.second = take(&mut rest, 2)?;
        if rest.first() == Some(&b'.') || rest.first() == Some(&b',') {
            let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return None;
            }
            stamp.fraction = rest[1..=n].iter().any(|&c| c != b'0');
            rest = &rest[1 + n..];
        }
    }
    if stamp.hour > 23 || stamp.minute > 59 || stamp.second > 59 {
        return None;
    }
    // Time zone.
    let offset_minutes: i64 = match rest {
        [] => 0,
        [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), tail @ ..] => {
            let (h, m) = match tail {
                [h1, h2] => (digits(&[*h1, *h2])?, 0),
                [h1, h2, m1, m2] | [h1, h2, b':', m1, m2] => {
                    (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?)
                }
                _ => return None,
            };
            let minutes = i64::from(h * 60 + m);
            if *sign == b'+' { minutes } else { -minutes }
        }
        _ => return None,
    };
    if offset_minutes != 0 {
        let total = (days_from_civil(stamp.year, stamp.month, stamp.day) * 1440
            + i64::from(stamp.hour * 60 + stamp.minute))
            - offset_minutes;
        let (days, minutes) = (total.div_euclid(1440), total.rem_euclid(1440));
        let (y, mo, d) = civil_from_days(days);
        stamp.year = y;
        stamp.month = mo;
        stamp.day = d;
        stamp.hour = (minutes / 60) as u32;
        stamp.minute = (minutes % 60) as u32;
    }
    Some(stamp)
}

fn write_digits(out: &mut [u8], mut n: u32) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

impl Stamp {
    pub(crate) fn date_key(&self) -> Option<[u8; 10]> {
        if !(0..=9999).contains(&self.year) {
            return None;
        }
        let mut k = *b"0000-00-00";
        write_digits(&mut k[..4], self.year as u32);
        write_digits(&mut k[5..7], self.month);
        write_digits(&mut k[8..10], self.day);
        Some(k)
    }

    pub(crate) fn datetime_key(&self) -> Option<[u8; 19]> {
        let date = self.date_key()?;
        let mut k = *b"0000-00-00 00:00:00";
        k[..10].copy_from_slice(&date);
        write_digits(&mut k[11..13], self.hour);
        write_digits(&mut k[14..16], self.minute);
        write_digits(&mut k[17..19], self.second);
        Some(k)
    }

    /// Seconds since the Unix epoch.
    pub(crate) fn unix_secs(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 86_400
            + i64::from(self.hour * 3600 + self.minute * 60 + self.second)
    }
}

/// Odoo's server format `YYYY-MM-DD HH:MM:SS` or a bare date (midnight), as naive UTC.
pub(crate) fn parse_server(text: &str) -> Option<chrono::NaiveDateTime> {
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .ok()
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
}

/// `YYYY-MM-DD HH:MM:SS` of a UTC time, truncated to the second as Odoo shows it.
pub(crate) fn format_utc(t: &chrono::DateTime<chrono::Utc>) -> String {
    use chrono::{Datelike, Timelike};
    let y = t.year();
    if !(0..=9999).contains(&y) {
        return t.format("%Y-%m-%d %H:%M:%S").to_string();
    }
    let mut k = *b"0000-00-00 00:00:00";
    write_digits(&mut k[..4], y as u32);
    write_digits(&mut k[5..7], t.month());
    write_digits(&mut k[8..10], t.day());
    write_digits(&mut k[11..13], t.hour());
    write_digits(&mut k[14..16], t.minute());
    write_digits(&mut k[17..19], t.second());
    k.iter().copied().map(char::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_format_round_trip() {
        let t = chrono::DateTime::from_timestamp_millis(1_764_233_481_999).unwrap_or_default();
        assert_eq!(format_utc(&t), t.format("%Y-%m-%d %H:%M:%S").to_string());
        let n = parse_server(&format_utc(&t)).map(|n| n.and_utc().timestamp());
        assert_eq!(n, Some(1_764_233_481));
        assert_eq!(
            parse_server("2026-11-27").map(|n| n.and_utc().timestamp()),
            Some(1_795_737_600)
        );
        let st = parse_stamp("2026-11-27 10:00:00").map(|s| s.unix_secs());
        assert_eq!(st, Some(1_795_773_600));
    }
}
