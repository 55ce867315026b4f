//! Calendar months in the configured time zone, and their UTC bounds.
//!
//! The bounds are computed here, in Rust, with the IANA database
//! (`chrono-tz`), and handed to SQL as parameters: SQLite has no time zones,
//! and half-open UTC ranges (`start <= at < end`) use the time indexes on
//! both engines. A report filed at 23:30 UTC on 31 March is at 07:30 on
//! 1 April in Asia/Shanghai, so it counts in April.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

/// A calendar month, `YYYY-MM` on the wire and in the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
}

impl YearMonth {
    /// `YYYY-MM`, nothing else.
    pub fn parse(s: &str) -> Option<Self> {
        let (y, m) = s.split_once('-')?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (year, month) = (y.parse().ok()?, m.parse().ok()?);
        (1..=12).contains(&month).then_some(Self { year, month })
    }

    /// The month `at` falls in, in `tz`.
    pub fn of(at: DateTime<Utc>, tz: Tz) -> Self {
        let local = at.with_timezone(&tz);
        Self { year: local.year(), month: local.month() }
    }

    /// The oldest month still live at `at`: the current month, and each
    /// closed month while `at` is within `grace_days` of its end. Months
    /// before it are frozen.
    pub fn first_live(at: DateTime<Utc>, tz: Tz, grace_days: u32) -> Self {
        let grace = chrono::Duration::days(i64::from(grace_days));
        let mut live = Self::of(at, tz);
        // A grace of a year is already more than anyone needs.
        for _ in 0..12 {
            let before = live.prev();
            if at >= live.start(tz) + grace {
                break;
            }
            live = before;
        }
        live
    }

    pub fn next(self) -> Self {
        if self.month == 12 { Self { year: self.year + 1, month: 1 } } else { Self { month: self.month + 1, ..self } }
    }

    pub fn prev(self) -> Self {
        if self.month == 1 { Self { year: self.year - 1, month: 12 } } else { Self { month: self.month - 1, ..self } }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The first instant of the month in `tz`, in UTC. Midnight exists on
    /// the first of every month in every zone in use; where a zone once
    /// skipped it, the first instant after the gap is taken.
    pub fn start(self, tz: Tz) -> DateTime<Utc> {
        let midnight = self.first_day().and_hms_opt(0, 0, 0).unwrap_or_default();
        match tz.from_local_datetime(&midnight).earliest() {
            Some(t) => t.with_timezone(&Utc),
            None => tz
                .from_local_datetime(&(midnight + chrono::Duration::hours(1)))
                .earliest()
                .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc)),
        }
    }

    /// Every month from `self` to `to`, both included.
    pub fn through(self, to: Self) -> Vec<Self> {
        let mut out = Vec::new();
        let mut m = self;
        while m <= to {
            out.push(m);
            m = m.next();
        }
        out
    }

    /// Months between the two (0 for the same month).
    pub fn months_until(self, to: Self) -> i64 {
        i64::from(to.year - self.year) * 12 + i64::from(to.month) - i64::from(self.month)
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// A month with everything the aggregations need to bucket by it.
#[derive(Clone, Debug)]
pub struct Span {
    pub month: YearMonth,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// For date columns (delivery days): `first_day <= d < next_first_day`.
    pub first_day: NaiveDate,
    pub next_first_day: NaiveDate,
}

impl Span {
    pub fn new(month: YearMonth, tz: Tz) -> Self {
        Self {
            month,
            start: month.start(tz),
            end: month.next().start(tz),
            first_day: month.first_day(),
            next_first_day: month.next().first_day(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_stays_live_through_its_grace() {
        let tz = chrono_tz::Asia::Shanghai;
        let at = |s: &str| DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).unwrap_or_default();
        let nov = YearMonth { year: 2026, month: 11 };
        // 1 December 08:00 in Shanghai is 00:00 UTC.
        assert_eq!(YearMonth::first_live(at("2026-12-07T15:59:59Z"), tz, 7), nov);
        assert_eq!(YearMonth::first_live(at("2026-12-07T16:00:00Z"), tz, 7), nov.next());
        assert_eq!(YearMonth::first_live(at("2026-12-01T00:00:00Z"), tz, 0), nov.next());
        assert_eq!(YearMonth::first_live(at("2026-12-20T00:00:00Z"), tz, 40), nov, "November ended 19 days ago");
        assert_eq!(YearMonth::first_live(at("2026-12-20T00:00:00Z"), tz, 60).month, 10, "October 49 days ago");
    }

    #[test]
    fn months_parse_strictly() {
        assert_eq!(YearMonth::parse("2026-03"), Some(YearMonth { year: 2026, month: 3 }));
        for bad in ["2026-3", "2026-13", "2026-00", "26-03", "2026/03", "2026-03-01", "", "２０２６-03"] {
            assert_eq!(YearMonth::parse(bad), None, "{bad}");
        }
        assert_eq!(YearMonth::parse("2026-12").map(|m| m.next().to_string()).as_deref(), Some("2027-01"));
    }

    #[test]
    fn shanghai_months_start_at_16_00_utc_the_day_before() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap_or(Tz::UTC);
        let april = YearMonth { year: 2026, month: 4 };
        assert_eq!(april.start(tz).to_rfc3339(), "2026-03-31T16:00:00+00:00");
        let late = "2026-03-31T23:30:00Z".parse::<DateTime<Utc>>().unwrap_or_default();
        assert_eq!(YearMonth::of(late, tz), april, "23:30 UTC on 31 March is April in Shanghai");
        assert_eq!(YearMonth::of(late, Tz::UTC).month, 3);
    }

    #[test]
    fn zones_with_summer_time_get_their_own_offsets() {
        let tz: Tz = "Europe/Berlin".parse().unwrap_or(Tz::UTC);
        assert_eq!(YearMonth { year: 2026, month: 1 }.start(tz).to_rfc3339(), "2025-12-31T23:00:00+00:00");
        assert_eq!(YearMonth { year: 2026, month: 7 }.start(tz).to_rfc3339(), "2026-06-30T22:00:00+00:00");
    }
}
