//! Clock and duration helpers shared by every crate that stamps or bounds time (report `created_at`, the DB's
//! `built_at`, `--timeout`, `--db-max-age`).

use std::time::Duration;

/// The current UTC time as RFC 3339 with second precision (`2026-11-29T10:00:00Z`).
///
/// Second precision everywhere: report timestamps and the DB's `built_at` are compared and shown, not ordered
/// within a second, and SBOM formats expect no fraction.
pub fn now_rfc3339() -> String {
    let now = ::time::OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    now.format(&::time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| now.unix_timestamp().to_string())
}

/// Seconds since the Unix epoch (0 if the clock is before it).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A duration that [`parse_duration`] refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DurationError {
    /// Not a number followed by an optional unit.
    #[error("bad duration `{0}` (expected e.g. 90s, 30m, 6h, 5d or 1.5m)")]
    Syntax(String),
    /// A unit other than `s`, `m`, `h` or `d`.
    #[error("bad duration unit in `{0}` (use s, m, h or d)")]
    Unit(String),
    /// Too long to represent.
    #[error("duration `{0}` is too long")]
    Overflow(String),
}

/// Parses `90s`, `30m`, `6h`, `5d`, `1.5m` or plain seconds (`90`).
///
/// The number is ASCII digits with at most one `.` fraction: no sign, exponent, `inf` or `NaN`. Zero is a valid
/// duration; callers for which it makes no sense (a timeout) refuse it themselves.
pub fn parse_duration(s: &str) -> Result<Duration, DurationError> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let well_formed =
        !num.is_empty() && num.matches('.').count() <= 1 && num.chars().any(|c| c.is_ascii_digit());
    if !well_formed {
        return Err(DurationError::Syntax(s.to_owned()));
    }
    let mult: u32 = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(DurationError::Unit(s.to_owned())),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| DurationError::Syntax(s.to_owned()))?;
    if !num.contains('.') {
        // Whole numbers stay exact (no float rounding of large second counts).
        let n: u64 = num
            .parse()
            .map_err(|_| DurationError::Overflow(s.to_owned()))?;
        return n
            .checked_mul(u64::from(mult))
            .map(Duration::from_secs)
            .ok_or_else(|| DurationError::Overflow(s.to_owned()));
    }
    Duration::try_from_secs_f64(n * f64::from(mult))
        .map_err(|_| DurationError::Overflow(s.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("6h"), Ok(Duration::from_secs(21_600)));
        assert_eq!(parse_duration("5d"), Ok(Duration::from_secs(432_000)));
        assert_eq!(parse_duration(" 0 "), Ok(Duration::ZERO));
    }

    /// The two former copies disagreed: `trawl-advisory` took whole numbers and `d`, the registry `--timeout`
    /// took fractions (and, through `f64`, signs, exponents and `inf`). One parser takes both units and
    /// fractions, and refuses the rest.
    #[test]
    fn where_the_copies_disagreed() {
        assert_eq!(parse_duration("1.5m"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("0.5s"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86_400)));
        for bad in [
            "", "h", ".", "1.2.3s", "-1s", "+5", "1e3", "inf", "NaN", "soon", "5w", "5 m",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(matches!(
            parse_duration("99999999999999999999d"),
            Err(DurationError::Overflow(_))
        ));
        assert!(matches!(
            parse_duration("999999999999999d"),
            Err(DurationError::Overflow(_))
        ));
    }

    /// The former copies in the binary kept nanoseconds; the report and the DB dropped them.
    #[test]
    fn now_has_second_precision() {
        let now = now_rfc3339();
        assert!(now.ends_with('Z'), "{now}");
        assert!(!now.contains('.'), "{now}");
        assert!(
            ::time::OffsetDateTime::parse(&now, &::time::format_description::well_known::Rfc3339)
                .is_ok()
        );
        assert!(unix_now() > 1_700_000_000);
    }
}
