//! When each source runs next. Pure functions of the clock (passed in) and the source's
//! persisted state, so tests use fixed instants.
//!
//! * On schedule: the next tick of the source's cron expression (in the configured zone) plus a
//!   fixed per-source jitter, so sources on one host don't fire together.
//! * After ordinary failures: exponential from the schedule's own interval (1×, 2×, 4×…) up to
//!   [`BACKOFF_CAP`].
//! * After a block (WeChat "环境异常", captcha, 401/403/429 from a mirror): 15 minutes, doubling
//!   up to 6 hours. A success resets both.

use std::time::Duration;

use chrono::{DateTime, TimeZone};
use chrono_tz::Tz;

use crate::config::Source;

pub const BLOCK_BACKOFF_START: Duration = Duration::from_secs(15 * 60);
pub const BACKOFF_CAP: Duration = Duration::from_secs(6 * 3600);
/// Longest jitter added to a source's tick.
pub const MAX_JITTER: Duration = Duration::from_secs(120);

/// FNV-1a of the source id: a stable per-source number.
fn stable_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    })
}

/// The source's jitter: fixed per source, below a tenth of its interval and [`MAX_JITTER`].
pub fn jitter(source_id: &str, interval: Duration) -> Duration {
    let bound = (interval / 10).min(MAX_JITTER).as_millis() as u64;
    if bound == 0 {
        return Duration::ZERO;
    }
    Duration::from_millis(stable_hash(source_id) % bound)
}

/// The time between two consecutive ticks of `cron` after `at` (at least one second).
pub fn interval(cron: &cron::Schedule, tz: Tz, at: i64) -> Duration {
    let Some(start) = tz.timestamp_opt(at, 0).single() else {
        return Duration::from_secs(3600);
    };
    let mut ticks = cron.after(&start);
    match (ticks.next(), ticks.next()) {
        (Some(a), Some(b)) => (b - a)
            .to_std()
            .unwrap_or(Duration::from_secs(3600))
            .max(Duration::from_secs(1)),
        _ => Duration::from_secs(24 * 3600),
    }
}

/// The next scheduled run strictly after `now` (unix seconds): cron tick + jitter.
pub fn next_run(source: &Source, tz: Tz, now: i64) -> i64 {
    let Some(start) = tz.timestamp_opt(now, 0).single() else {
        return now + 3600;
    };
    let tick: Option<DateTime<Tz>> = source.cron.after(&start).next();
    let tick = tick.map_or(now + 3600, |t| t.timestamp());
    tick + jitter(&source.id, interval(&source.cron, tz, now)).as_secs() as i64
}

/// `start` doubled `n` times, capped at [`BACKOFF_CAP`].
pub fn backoff(start: Duration, n: u32) -> Duration {
    start
        .saturating_mul(2u32.saturating_pow(n.min(16)))
        .min(BACKOFF_CAP)
}

/// When to try again after the `failures`-th consecutive failure (1 = the first).
pub fn next_after_failure(source: &Source, tz: Tz, now: i64, failures: u32) -> i64 {
    let base = interval(&source.cron, tz, now).min(BACKOFF_CAP);
    now + backoff(base, failures.saturating_sub(1)).as_secs() as i64
}

/// When to try again after the `blocks`-th consecutive block (1 = the first).
pub fn next_after_block(now: i64, blocks: u32) -> i64 {
    now + backoff(BLOCK_BACKOFF_START, blocks.saturating_sub(1)).as_secs() as i64
}

/// Whether a source is due: its persisted next check has come. A source never checked before
/// (no persisted time) is due at its first scheduled run, which the caller persists, so a
/// restart neither refetches everything at once nor forgets a backoff.
pub fn is_due(next_check_at: Option<i64>, now: i64) -> bool {
    next_check_at.is_some_and(|t| t <= now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{FullText, SourceKind, parse_cron};

    fn source(id: &str, cron: &str) -> Source {
        Source {
            id: id.into(),
            name: id.into(),
            kind: SourceKind::Rss,
            url: url::Url::parse("http://127.0.0.1/feed.xml").unwrap(),
            cron: parse_cron(cron).unwrap(),
            full_text: FullText::Auto,
            encoding: None,
            expect_every: None,
            enabled: true,
        }
    }

    fn sh(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
        chrono_tz::Asia::Shanghai
            .with_ymd_and_hms(y, mo, d, h, mi, s)
            .unwrap()
            .timestamp()
    }

    #[test]
    fn cron_ticks_are_in_the_configured_zone() {
        let tz = chrono_tz::Asia::Shanghai;
        let s = source("a", "0 30 7 * * *");
        let now = sh(2026, 11, 25, 7, 0, 0);
        let next = next_run(&s, tz, now);
        let tick = sh(2026, 11, 25, 7, 30, 0);
        assert!(
            next >= tick && next <= tick + MAX_JITTER.as_secs() as i64,
            "{next} vs {tick}"
        );
        // After today's tick, tomorrow's.
        let later = next_run(&s, tz, sh(2026, 11, 25, 7, 31, 0));
        assert!(later >= sh(2026, 11, 26, 7, 30, 0));
        // Five-field expressions from users are accepted (seconds prefixed).
        assert_eq!(
            interval(&parse_cron("*/20 * * * *").unwrap(), tz, now),
            Duration::from_secs(1200)
        );
    }

    #[test]
    fn jitter_is_stable_per_source_and_bounded() {
        let i = Duration::from_secs(1200);
        assert_eq!(jitter("a", i), jitter("a", i));
        let distinct: std::collections::HashSet<u128> = (0..50)
            .map(|n| jitter(&format!("s{n}"), i).as_millis())
            .collect();
        assert!(distinct.len() > 40, "sources on one host spread out");
        for n in 0..200 {
            assert!(jitter(&format!("s{n}"), i) < Duration::from_secs(120));
            assert!(jitter(&format!("s{n}"), Duration::from_secs(60)) < Duration::from_secs(6));
        }
        assert_eq!(
            jitter("a", Duration::from_secs(5)),
            Duration::from_millis(jitter("a", Duration::from_secs(5)).as_millis() as u64)
        );
    }

    #[test]
    fn failures_back_off_from_the_schedule_and_blocks_from_15_minutes() {
        let tz = chrono_tz::Asia::Shanghai;
        let s = source("a", "0 */20 * * * *");
        let now = sh(2026, 11, 25, 9, 0, 0);
        assert_eq!(next_after_failure(&s, tz, now, 1) - now, 1200);
        assert_eq!(next_after_failure(&s, tz, now, 2) - now, 2400);
        assert_eq!(next_after_failure(&s, tz, now, 3) - now, 4800);
        assert_eq!(
            next_after_failure(&s, tz, now, 30) - now,
            BACKOFF_CAP.as_secs() as i64
        );
        assert_eq!(next_after_block(now, 1) - now, 900);
        assert_eq!(next_after_block(now, 2) - now, 1800);
        assert_eq!(next_after_block(now, 6) - now, 6 * 3600);
        assert_eq!(next_after_block(now, 50) - now, 6 * 3600);
    }

    #[test]
    fn due_only_when_the_persisted_time_has_come() {
        assert!(!is_due(None, 100));
        assert!(!is_due(Some(101), 100));
        assert!(is_due(Some(100), 100));
    }
}
