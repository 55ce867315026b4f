//! The wire scalars, named for the wire rather than for Rust: `Date`,
//! `DateTime` and `Money`. Dates and times are range-checked here, once for
//! every input (PostgreSQL refuses some years chrono accepts), and times go
//! out as RFC 3339 in UTC with `Z` and millisecond precision, which every
//! client date parser reads.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{NaiveDate, SecondsFormat, Utc};

use crate::input::{MAX_YEAR, MIN_YEAR};

fn in_range(d: NaiveDate) -> bool {
    use chrono::Datelike;
    (MIN_YEAR..=MAX_YEAR).contains(&d.year())
}

/// A calendar date, RFC 3339 `full-date` (`2026-11-26`), in the years 1900
/// to 9999.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// A calendar date, RFC 3339 `full-date` (`2026-11-26`), in the years 1900
/// to 9999.
#[Scalar(name = "Date", specified_by_url = "https://datatracker.ietf.org/doc/html/rfc3339#section-5.6")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        let Value::String(s) = &value else { return Err(InputValueError::expected_type(value)) };
        let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| InputValueError::custom(t!("scalars.date").render_current()))?;
        if !in_range(d) || s.len() != 10 {
            return Err(InputValueError::custom(
                t!("scalars.date_years", min = MIN_YEAR, max = MAX_YEAR).render_current(),
            ));
        }
        Ok(Self(d))
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

impl From<NaiveDate> for Date {
    fn from(d: NaiveDate) -> Self {
        Self(d)
    }
}

/// An instant, RFC 3339 `date-time`. Output is always UTC with `Z` and
/// millisecond precision (`2026-11-26T10:00:00.123Z`); input may carry any
/// offset and is converted to UTC. Years 1900 to 9999.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime(pub chrono::DateTime<Utc>);

/// An instant, RFC 3339 `date-time`. Output is always UTC with `Z` and
/// millisecond precision (`2026-11-26T10:00:00.123Z`); input may carry any
/// offset and is converted to UTC. Years 1900 to 9999.
#[Scalar(name = "DateTime", specified_by_url = "https://datatracker.ietf.org/doc/html/rfc3339#section-5.6")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        let Value::String(s) = &value else { return Err(InputValueError::expected_type(value)) };
        let t = chrono::DateTime::parse_from_rfc3339(s)
            .map_err(|_| InputValueError::custom(t!("scalars.date_time").render_current()))?
            .with_timezone(&Utc);
        if !in_range(t.date_naive()) {
            return Err(InputValueError::custom(
                t!("scalars.time_years", min = MIN_YEAR, max = MAX_YEAR).render_current(),
            ));
        }
        Ok(Self(t))
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339_opts(SecondsFormat::Millis, true))
    }
}

impl From<chrono::DateTime<Utc>> for DateTime {
    fn from(t: chrono::DateTime<Utc>) -> Self {
        Self(t)
    }
}

/// An amount of money in fen (分, 1/100 yuan), exact. Sent as a decimal
/// string (`"1250000"`) so that 64-bit amounts survive JavaScript clients;
/// accepted as a string or an integer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Money(pub i64);

/// An amount of money in fen (分, 1/100 yuan), exact. Sent as a decimal
/// string (`"1250000"`) so that 64-bit amounts survive JavaScript clients;
/// accepted as a string of digits without sign, spaces or leading zeros
/// (`0|[1-9][0-9]*`, at most 2^63 − 1) or as a non-negative integer.
#[Scalar(name = "Money")]
impl ScalarType for Money {
    fn parse(value: Value) -> InputValueResult<Self> {
        // Exactly the grammar: `" 100"`, `"+100"`, `"01"` or `"-0"` would
        // be the same amount, but a client sending them has a bug worth
        // hearing about, and one spelling per amount keeps stored inputs,
        // idempotency keys and signatures comparable.
        let canonical = |s: &str| {
            s == "0" || (s.starts_with(|c: char| matches!(c, '1'..='9')) && s.bytes().all(|b| b.is_ascii_digit()))
        };
        let n = match &value {
            Value::String(s) if canonical(s) => s.parse::<i64>().ok(),
            Value::String(_) => None,
            Value::Number(n) => n.as_i64().filter(|n| *n >= 0),
            _ => return Err(InputValueError::expected_type(value)),
        };
        n.map(Self).ok_or_else(|| InputValueError::custom(t!("scalars.money").render_current()))
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::String(v.into())
    }

    #[test]
    fn dates_parse_within_range_only() {
        assert!(Date::parse(s("2026-11-26")).is_ok());
        for bad in ["1899-12-31", "10000-01-01", "-5000-01-01", "2026-2-3", "26-11-2026"] {
            assert!(Date::parse(s(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn times_go_out_as_utc_millis() {
        let t = DateTime::parse(s("2026-11-26T18:00:00.123456789+08:00")).expect("parses");
        assert_eq!(t.to_value(), s("2026-11-26T10:00:00.123Z"));
        assert!(DateTime::parse(s("0001-01-01T00:00:00Z")).is_err());
    }

    #[test]
    fn money_is_a_64_bit_string() {
        assert_eq!(Money::parse(s("9007199254740993")).expect("parses").to_value(), s("9007199254740993"));
        assert_eq!(Money::parse(Value::Number(12.into())).expect("parses"), Money(12));
        assert!(Money::parse(s("1.5")).is_err() && Money::parse(s("99999999999999999999")).is_err());
        assert_eq!(Money::parse(s("0")).expect("parses"), Money(0));
        for bad in [" 100", "100 ", "+100", "01", "-0", "-5", "", "1e3", "１００"] {
            assert!(Money::parse(s(bad)).is_err(), "{bad:?}");
        }
        assert!(Money::parse(Value::Number((-1).into())).is_err());
    }
}
