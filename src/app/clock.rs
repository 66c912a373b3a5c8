//! The time the application works with: the system clock, or one a test sets and moves, so that
//! schedules, digest windows, retention and source health are tested without sleeping.
//! (Liveness timers, HTTP signatures and Retry-After read the system clock directly.)

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};

#[derive(Clone)]
pub struct Clock(Source);

#[derive(Clone)]
enum Source {
    System,
    /// Unix milliseconds, moved by hand.
    Manual(Arc<AtomicI64>),
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::system()
    }
}

impl Clock {
    pub fn system() -> Clock {
        Clock(Source::System)
    }

    /// A clock standing at `t` until moved with [`Clock::set`] or [`Clock::advance`].
    pub fn manual(t: DateTime<Utc>) -> Clock {
        Clock(Source::Manual(Arc::new(AtomicI64::new(
            t.timestamp_millis(),
        ))))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.0 {
            Source::System => Utc::now(),
            Source::Manual(ms) => {
                DateTime::from_timestamp_millis(ms.load(Ordering::Relaxed)).unwrap_or_default()
            }
        }
    }

    /// Sets a manual clock (a system clock ignores it).
    pub fn set(&self, t: DateTime<Utc>) {
        if let Source::Manual(ms) = &self.0 {
            ms.store(t.timestamp_millis(), Ordering::Relaxed);
        }
    }

    /// Moves a manual clock forward by `secs` seconds.
    pub fn advance(&self, secs: i64) {
        if let Source::Manual(ms) = &self.0 {
            ms.fetch_add(secs * 1000, Ordering::Relaxed);
        }
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Source::System => f.write_str("Clock::system"),
            Source::Manual(_) => write!(f, "Clock::manual({})", self.now()),
        }
    }
}
