//! Login limits: failed attempts per user name and per client address, and how many password
//! hashes run at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::auth::{FAILURE_WINDOW, MAX_FAILURES};

/// Password hashes (argon2id, 19 MiB each) computed at once, server-wide. The rest of a login
/// burst waits up to [`HASH_QUEUE_WAIT`] and then gets 429: memory stays flat under a flood.
pub const MAX_CONCURRENT_HASHES: usize = 2;
/// How long a login waits for a free hashing slot before 429.
pub const HASH_QUEUE_WAIT: Duration = Duration::from_secs(3);

/// Login attempts per key (`user:NAME`, `ip:ADDR`): failures within [`FAILURE_WINDOW`], plus
/// attempts still being checked. An attempt is counted *before* its password is checked, so a
/// burst of concurrent guesses gets no more checks than a sequence would.
pub struct Limiter {
    state: Mutex<LimiterState>,
    hashing: tokio::sync::Semaphore,
}

#[derive(Default)]
struct LimiterState {
    failures: HashMap<String, Vec<Instant>>,
    in_flight: HashMap<String, usize>,
}

impl Default for Limiter {
    fn default() -> Self {
        Limiter {
            state: Mutex::default(),
            hashing: tokio::sync::Semaphore::new(MAX_CONCURRENT_HASHES),
        }
    }
}

/// One login attempt being checked; counted as a failure unless [`Attempt::succeeded`].
pub struct Attempt<'a> {
    limiter: &'a Limiter,
    keys: Vec<String>,
    failed: bool,
}

impl Attempt<'_> {
    pub fn succeeded(mut self) {
        self.failed = false;
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        let now = Instant::now();
        let mut st = self.limiter.lock();
        for k in &self.keys {
            if let Some(n) = st.in_flight.get_mut(k) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    st.in_flight.remove(k);
                }
            }
            if self.failed {
                st.failures.entry(k.clone()).or_default().push(now);
            }
        }
    }
}

impl Limiter {
    fn lock(&self) -> std::sync::MutexGuard<'_, LimiterState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts an attempt, or `None` when a key already has [`MAX_FAILURES`] failures and
    /// attempts in flight together.
    pub fn begin(&self, keys: &[String]) -> Option<Attempt<'_>> {
        let now = Instant::now();
        let mut st = self.lock();
        if st.failures.len() > 10_000 {
            st.failures.retain(|_, v| {
                v.retain(|t| now.duration_since(*t) < FAILURE_WINDOW);
                !v.is_empty()
            });
        }
        let LimiterState {
            failures,
            in_flight,
        } = &mut *st;
        let blocked = keys.iter().any(|k| {
            let failed = failures.get_mut(k).map_or(0, |v| {
                v.retain(|t| now.duration_since(*t) < FAILURE_WINDOW);
                v.len()
            });
            failed + in_flight.get(k).copied().unwrap_or(0) >= MAX_FAILURES
        });
        if blocked {
            return None;
        }
        for k in keys {
            *in_flight.entry(k.clone()).or_default() += 1;
        }
        Some(Attempt {
            limiter: self,
            keys: keys.to_vec(),
            failed: true,
        })
    }

    /// A slot to compute one password hash in, waiting at most [`HASH_QUEUE_WAIT`].
    pub async fn hashing_slot(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        tokio::time::timeout(HASH_QUEUE_WAIT, self.hashing.acquire())
            .await
            .ok()?
            .ok()
    }
}
