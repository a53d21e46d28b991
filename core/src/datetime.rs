//! Wire formats of time: RFC 3339 timestamps, HTTP dates, Google durations.
//!
//! Everything is converted to UTC seconds at once, so no host time zone can leak
//! in (a bug class seen in google-auth-library-python #1329 and -java #932).

use crate::error::{Error, Result};
use crate::time::UnixTime;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn digits(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn seconds_of(year: i64, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Option<i64> {
    let valid = (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour < 24
        && minute < 60
        && second < 61; // leap second: counted as :60 → next second
    valid.then(|| {
        days_from_civil(year, month, day) * 86_400
            + i64::from(hour) * 3600
            + i64::from(minute) * 60
            + i64::from(second)
    })
}

/// Parses an RFC 3339 timestamp (`2021-08-26T00:57:30Z`, 0–9 fraction digits,
/// `Z` or a numeric offset) to whole UTC seconds, truncating any fraction.
pub fn parse_rfc3339(text: &str) -> Result<UnixTime> {
    parse_rfc3339_inner(text).ok_or_else(|| {
        Error::invalid_argument("not an RFC 3339 timestamp (YYYY-MM-DDThh:mm:ss[.f]Z)")
    })
}

fn parse_rfc3339_inner(text: &str) -> Option<UnixTime> {
    let bytes = text.as_bytes();
    // ASCII only: the fields below are cut at byte offsets, and a server's
    // non-ASCII byte must be a refusal, not a cut inside a character.
    if bytes.len() < 20
        || !text.is_ascii()
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || !matches!(bytes[10], b'T' | b't')
        || bytes[13] != b':'
        || bytes[16] != b':'
    {
        return None;
    }
    let year = i64::from(digits(&text[0..4])?);
    let (month, day) = (digits(&text[5..7])?, digits(&text[8..10])?);
    let (hour, minute, second) = (
        digits(&text[11..13])?,
        digits(&text[14..16])?,
        digits(&text[17..19])?,
    );
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let len = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if !(1..=9).contains(&len) {
            return None;
        }
        rest = &fraction[len..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return None;
            }
            let (h, m) = (digits(&rest[1..3])?, digits(&rest[4..6])?);
            if h > 23 || m > 59 {
                return None;
            }
            sign * i64::from(h * 3600 + m * 60)
        }
    };
    let local = seconds_of(year, month, day, hour, minute, second)?;
    Some(UnixTime::from_secs(local - offset))
}

/// Formats a time as RFC 3339 UTC with whole seconds (`2021-08-26T00:57:30Z`).
pub fn format_rfc3339(time: UnixTime) -> String {
    let secs = time.as_secs();
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let of_day = secs.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

/// Parses an HTTP IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110 §5.6.7).
pub(crate) fn parse_http_date(text: &str) -> Option<UnixTime> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let parts: Vec<&str> = text.split(' ').collect();
    let [weekday, day, month, year, clock, "GMT"] = parts[..] else {
        return None;
    };
    if weekday.len() != 4 || !weekday.ends_with(',') || day.len() != 2 || year.len() != 4 {
        return None;
    }
    let month = MONTHS.iter().position(|m| *m == month)? as u32 + 1;
    let hms: Vec<&str> = clock.split(':').collect();
    let [h, m, s] = hms[..] else { return None };
    if [h, m, s].iter().any(|part| part.len() != 2) {
        return None;
    }
    let secs = seconds_of(
        i64::from(digits(year)?),
        month,
        digits(day)?,
        digits(h)?,
        digits(m)?,
        digits(s)?,
    )?;
    Some(UnixTime::from_secs(secs))
}

/// A token lifetime in Google's duration syntax (`"3600s"`, `"1.5s"`), as IAM's
/// `generateAccessToken` takes it: 1 second to 12 hours. The 1-hour default
/// limit is the server's to enforce (an organisation policy can raise it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lifetime {
    secs: u64,
    nanos: u32,
}

impl Lifetime {
    /// The longest lifetime IAM ever grants: 12 hours.
    pub const MAX_SECS: u64 = 43_200;

    /// A whole number of seconds, 1 to 43200.
    pub fn from_secs(secs: u64) -> Result<Self> {
        Self::checked(secs, 0)
    }

    /// Parses Google's duration syntax: digits, an optional `.` and 1–9 digits, then `s`.
    pub fn parse(text: &str) -> Result<Self> {
        let invalid =
            || Error::invalid_argument("lifetime must look like \"3600s\" or \"3600.5s\"");
        let number = text.strip_suffix('s').ok_or_else(invalid)?;
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if whole.len() > 12 || (number.contains('.') && !(1..=9).contains(&fraction.len())) {
            return Err(invalid());
        }
        let secs: u64 = if whole.bytes().all(|b| b.is_ascii_digit()) && !whole.is_empty() {
            whole.parse().map_err(|_| invalid())?
        } else {
            return Err(invalid());
        };
        let nanos = if fraction.is_empty() {
            0
        } else {
            let padded = format!("{fraction:0<9}");
            digits(&padded).ok_or_else(invalid)?
        };
        Self::checked(secs, nanos)
    }

    fn checked(secs: u64, nanos: u32) -> Result<Self> {
        let too_long = secs > Self::MAX_SECS || (secs == Self::MAX_SECS && nanos > 0);
        if (secs == 0 && nanos == 0) || too_long {
            return Err(Error::invalid_argument(format!(
                "lifetime must be more than 0 and at most {}s",
                Self::MAX_SECS
            )));
        }
        Ok(Lifetime { secs, nanos })
    }

    /// Whole seconds (fractions dropped).
    pub fn as_secs(self) -> u64 {
        self.secs
    }

    /// The canonical duration text: `"3600s"`, `"1.5s"`.
    pub fn to_duration_string(self) -> String {
        if self.nanos == 0 {
            return format!("{}s", self.secs);
        }
        let fraction = format!("{:09}", self.nanos);
        format!("{}.{}s", self.secs, fraction.trim_end_matches('0'))
    }
}

impl Default for Lifetime {
    /// One hour, IAM's default.
    fn default() -> Self {
        Lifetime {
            secs: 3600,
            nanos: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> i64 {
        parse_rfc3339(text).unwrap().as_secs()
    }

    #[test]
    fn rfc3339() {
        assert_eq!(at("1970-01-01T00:00:00Z"), 0);
        assert_eq!(at("2021-08-26T00:57:30Z"), 1_629_939_450);
        assert_eq!(at("2021-08-26T00:57:30.1Z"), 1_629_939_450);
        assert_eq!(at("2020-04-07T15:01:23.045123456Z"), 1_586_271_683);
        assert_eq!(at("2021-08-26T02:57:30+02:00"), 1_629_939_450);
        assert_eq!(at("2021-08-25T22:57:30-02:00"), 1_629_939_450);
        assert_eq!(at("2024-02-29T00:00:00z"), 1_709_164_800);
        for bad in [
            "2021-08-26 00:57:30Z",
            "2021-08-26T00:57:30",
            "2021-08-26T00:57:30.Z",
            "2021-08-26T00:57:30.0123456789Z",
            "2021-02-29T00:00:00Z",
            "2021-13-01T00:00:00Z",
            "2021-08-26T24:00:00Z",
            "2021-08-26T00:57:30+0200",
            "21-08-26T00:57:30Z",
            "",
            "2021-08-26T00:57:30ZZ",
            "+021-08-26T00:57:30Z",
        ] {
            assert!(parse_rfc3339(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rfc3339_round_trip() {
        for secs in [0, 1_629_939_450, 1_709_164_800, 4_102_444_799, 951_782_400] {
            let text = format_rfc3339(UnixTime::from_secs(secs));
            assert_eq!(at(&text), secs, "{text}");
        }
        assert_eq!(
            format_rfc3339(UnixTime::from_secs(1_629_939_450)),
            "2021-08-26T00:57:30Z"
        );
    }

    #[test]
    fn non_ascii_timestamps_are_refused_not_cut() {
        // Found by the `dates` fuzz target: a multi-byte character where the
        // seconds start used to panic when the seconds were sliced out.
        for text in [
            "2023-11-14T22:13:\u{FFFD}20Z",
            "2023-11-14T22:13:2\u{e9}Z",
            "\u{e9}023-11-14T22:13:20Z",
            "2023-11-14T22:13:20.\u{660}Z",
        ] {
            assert!(parse_rfc3339(text).is_err(), "{text}");
        }
    }

    #[test]
    fn http_dates() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(UnixTime::from_secs(784_111_777))
        );
        for bad in [
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "7",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn lifetimes() {
        assert_eq!(
            Lifetime::parse("3600s").unwrap().to_duration_string(),
            "3600s"
        );
        assert_eq!(
            Lifetime::parse("1.500s").unwrap().to_duration_string(),
            "1.5s"
        );
        assert_eq!(Lifetime::parse("43200s").unwrap().as_secs(), 43_200);
        assert_eq!(
            Lifetime::parse("0.000000001s")
                .unwrap()
                .to_duration_string(),
            "0.000000001s"
        );
        assert_eq!(Lifetime::default().to_duration_string(), "3600s");
        for bad in [
            "3600",
            "s",
            "-1s",
            "1.s",
            ".5s",
            "1.0123456789s",
            "0s",
            "43200.5s",
            "43201s",
            "1e3s",
            " 1s",
            "99999999999999999999s",
        ] {
            assert_eq!(
                Lifetime::parse(bad).unwrap_err().code(),
                "invalid_argument",
                "{bad}"
            );
        }
        assert!(Lifetime::from_secs(0).is_err());
    }
}
