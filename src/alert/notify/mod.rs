//! Pushes (推送): new alerts and the daily digest to WeCom and DingTalk group bots, a generic
//! JSON webhook, and email.
//!
//! Everything goes through the persistent outbox ([`crate::store::outbox`]): enqueueing is
//! idempotent per channel and key (`alert:{id}`, `digest:{date}`), delivery marks `sent_at`, and
//! a failure is retried with exponential backoff (30 s doubling, at most 1 h). So a receiver that
//! is down for an hour, or a restart, loses no push and sends none twice.
//!
//! Per channel: `min_level` filters at enqueue time; during `quiet_hours` only high alerts go
//! out (the others wait until the quiet period ends); several alerts go out as one message (at
//! most `batch`), long messages are split within the channel's size limit, and a channel never
//! sends more messages per minute than its budget (WeCom and DingTalk allow 20). Sent messages
//! are logged in the outbox so the budget holds across restarts.
//!
//! The clock is a parameter (`now`) everywhere, so tests can move it.

mod channel;
mod deliver;
pub mod message;
pub mod send;

use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, NaiveTime};
use serde::Serialize;

use crate::alert::digest::Digest;
use crate::alert::view::AlertView;
use crate::config::{Config, NotifyConfig};
use crate::model::{Level, SourceStatus};
use crate::store::Store;
use crate::store::outbox::NewPush;

/// First retry delay; it doubles with each failure.
pub const BACKOFF_START: i64 = 30;
/// Longest retry delay.
pub const BACKOFF_MAX: i64 = 3600;
/// How long a claimed row is reserved for the process sending it.
pub const LEASE: i64 = 300;
/// The sliding window of the per-channel rate limit.
pub const RATE_WINDOW: i64 = 60;
/// Time allowed for the delivery round after a crawl.
pub const CRAWL_DELIVERY_BUDGET: Duration = Duration::from_secs(30);
/// Timeout of one HTTP push.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// What an outbox row carries; stored as its name in the row's `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushKind {
    /// An alert (`AlertView` JSON).
    Alert,
    /// The daily digest, already shaped for the channel.
    Digest,
    /// A change of a source's health ([`HealthPush`] JSON).
    Health,
    /// A short titled message ([`Notice`] JSON): a spike (突发).
    Notice,
}

impl PushKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PushKind::Alert => "alert",
            PushKind::Digest => "digest",
            PushKind::Health => "health",
            PushKind::Notice => "notice",
        }
    }

    /// The kind of a stored row (rows of unknown kinds are read as alerts, as before kinds).
    pub fn of_row(s: &str) -> PushKind {
        match s {
            "digest" => PushKind::Digest,
            "health" => PushKind::Health,
            "notice" => PushKind::Notice,
            _ => PushKind::Alert,
        }
    }
}

/// A source whose health changed: it started failing, was blocked, went silent, or recovered.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct HealthPush {
    pub source: String,
    pub name: String,
    pub url: String,
    pub status: SourceStatus,
    /// The status it left (a recovery is `ok` after a bad one).
    pub was: SourceStatus,
    pub error: Option<String>,
    /// RFC 3339.
    pub at: String,
}

impl HealthPush {
    /// What happened, in one line: 信息源「X」采集失败：HTTP 500.
    pub fn headline(&self) -> String {
        let what = if self.status.is_bad() {
            self.status.label_zh()
        } else {
            "已恢复正常"
        };
        let error = match (&self.error, self.status.is_bad()) {
            (Some(e), true) => format!("：{e}"),
            _ => String::new(),
        };
        format!("信息源「{}」{what}{error}", self.name)
    }
}

/// Enqueues a health change for every channel with `health = true`; returns how many rows.
pub fn enqueue_health(
    store: &Store,
    config: &Config,
    change: &HealthPush,
    now: i64,
) -> anyhow::Result<usize> {
    // The headline rides along, for webhook receivers and the outbox log.
    let mut payload = serde_json::to_value(change)?;
    payload["title"] = serde_json::Value::from(change.headline());
    let payload = payload.to_string();
    let key = format!("health:{}:{}:{now}", change.source, change.status);
    let channels: Vec<String> = config
        .notify
        .iter()
        .filter(|c| c.health)
        .map(|c| c.channel())
        .collect();
    let rows: Vec<NewPush> = channels
        .iter()
        .map(|channel| NewPush {
            channel,
            key: &key,
            kind: PushKind::Health.as_str(),
            level: Some(Level::High.as_str()),
            payload: &payload,
            created: now,
            next_attempt_at: now,
        })
        .collect();
    Ok(store.outbox_enqueue(&rows)?)
}

/// Retry delay after `attempts` earlier failures: 30 s, 60 s, 120 s, … at most 1 h.
pub fn backoff(attempts: i64) -> i64 {
    let shift = attempts.clamp(0, 20) as u32;
    (BACKOFF_START << shift).min(BACKOFF_MAX)
}

/// What one delivery round did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DeliveryReport {
    /// Messages sent successfully (a batch counts once; a split message once per part).
    pub messages: usize,
    /// Outbox rows delivered.
    pub delivered: usize,
    /// Outbox rows whose attempt failed (they are retried later).
    pub failed: usize,
    /// Rows left for later: quiet hours, rate limit, or the time budget ran out.
    pub deferred: usize,
    /// `channel: error`, one per failed message.
    pub errors: Vec<String>,
}

impl DeliveryReport {
    fn add(&mut self, o: DeliveryReport) {
        self.messages += o.messages;
        self.delivered += o.delivered;
        self.failed += o.failed;
        self.deferred += o.deferred;
        self.errors.extend(o.errors);
    }
}

/// An HTTP client for pushes, with a timeout.
pub fn http_client(config: &Config) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .user_agent(config.http.user_agent.clone())
        .timeout(HTTP_TIMEOUT)
        .connect_timeout(config.http.connect_timeout.min(HTTP_TIMEOUT))
        .build()?)
}

/// Enqueues `alerts` for every channel whose `min_level` they reach; returns how many rows are
/// new (an alert already queued for a channel is not queued again).
/// A short titled message with a few lines and its level: a spike (突发), an assignment, a
/// periodic report.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Notice {
    /// The tag in brackets, e.g. 【舆情突发】.
    pub tag: String,
    pub headline: String,
    pub lines: Vec<String>,
    pub level: Level,
    /// Files written by yuqing (a weekly report's Word and Excel) that email attaches; bots,
    /// which cannot carry files, list them in `lines`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<std::path::PathBuf>,
}

/// Enqueues a notice once (`key`) for every channel whose `min_level` it reaches.
pub fn enqueue_notice(
    store: &Store,
    config: &Config,
    key: &str,
    n: &Notice,
    now: i64,
) -> anyhow::Result<usize> {
    let channels: Vec<String> = config
        .notify
        .iter()
        .filter(|c| n.level >= c.min_level)
        .map(|c| c.channel())
        .collect();
    enqueue_notice_to(store, &channels, key, n, now)
}

/// Enqueues a notice once (`key`) for the named channels (a partner unit's, the admins').
pub fn enqueue_notice_to(
    store: &Store,
    channels: &[String],
    key: &str,
    n: &Notice,
    now: i64,
) -> anyhow::Result<usize> {
    let mut payload = serde_json::to_value(n)?;
    payload["title"] = serde_json::Value::from(format!("{}{}", n.tag, n.headline));
    let payload = payload.to_string();
    let rows: Vec<NewPush> = channels
        .iter()
        .map(|channel| NewPush {
            channel,
            key,
            kind: PushKind::Notice.as_str(),
            level: Some(n.level.as_str()),
            payload: &payload,
            created: now,
            next_attempt_at: now,
        })
        .collect();
    Ok(store.outbox_enqueue(&rows)?)
}

pub fn enqueue_alerts(
    store: &Store,
    config: &Config,
    alerts: &[AlertView],
    now: DateTime<FixedOffset>,
) -> anyhow::Result<usize> {
    let ts = now.timestamp();
    let mut payloads = Vec::with_capacity(alerts.len());
    for a in alerts {
        payloads.push((a, format!("alert:{}", a.id), serde_json::to_string(a)?));
    }
    let channels: Vec<(String, &NotifyConfig)> =
        config.notify.iter().map(|c| (c.channel(), c)).collect();
    let mut rows = Vec::new();
    for (a, key, payload) in &payloads {
        for (name, ch) in &channels {
            if a.level >= ch.min_level {
                rows.push(NewPush {
                    channel: name,
                    key,
                    kind: PushKind::Alert.as_str(),
                    level: Some(a.level.as_str()),
                    payload,
                    created: ts,
                    next_attempt_at: ts,
                });
            }
        }
    }
    Ok(store.outbox_enqueue(&rows)?)
}

/// Enqueues the digest for every channel with `digest = true` (key `digest:{date}`): email gets
/// the HTML with the XLSX attached, bots a markdown summary, webhooks the digest JSON.
pub fn enqueue_digest(
    store: &Store,
    config: &Config,
    digest: &Digest,
    now: DateTime<FixedOffset>,
) -> anyhow::Result<usize> {
    let ts = now.timestamp();
    let key = format!("digest:{}", digest.date);
    let mut payloads = Vec::new();
    for ch in config.notify.iter().filter(|c| c.digest) {
        let payload = channel::of(ch.kind).digest_payload(digest)?;
        payloads.push((ch.channel(), payload.to_string()));
    }
    let rows: Vec<NewPush> = payloads
        .iter()
        .map(|(channel, payload)| NewPush {
            channel,
            key: &key,
            kind: PushKind::Digest.as_str(),
            level: None,
            payload,
            created: ts,
            next_attempt_at: ts,
        })
        .collect();
    Ok(store.outbox_enqueue(&rows)?)
}

/// Sends what is due at `now` on every channel, within about `budget` of wall time (a message
/// already on its way is finished; each is bounded by the client's timeout).
pub async fn deliver_due(
    store: &Store,
    config: &Config,
    http: &reqwest::Client,
    now: DateTime<FixedOffset>,
    budget: Duration,
) -> DeliveryReport {
    let deadline = Instant::now() + budget;
    let mut report = DeliveryReport::default();
    if let Err(e) = store.outbox_prune_sends(now.timestamp() - 86_400) {
        report.errors.push(format!("outbox: {e}"));
    }
    let rounds = config
        .notify
        .iter()
        .map(|ch| deliver::channel(store, config, http, ch, now, deadline));
    for r in futures_util::future::join_all(rounds).await {
        report.add(r);
    }
    report
}

/// `[start, end)` in local time, wrapping midnight when `start > end`.
pub fn in_quiet_hours(quiet: (NaiveTime, NaiveTime), t: NaiveTime) -> bool {
    let (start, end) = quiet;
    if start < end {
        start <= t && t < end
    } else {
        t >= start || t < end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_30s_up_to_an_hour() {
        let v: Vec<i64> = (0..9).map(backoff).collect();
        assert_eq!(v, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff(1000), 3600);
    }

    #[test]
    fn quiet_hours_wrap_midnight() {
        let q = (
            NaiveTime::from_hms_opt(22, 0, 0).unwrap(),
            NaiveTime::from_hms_opt(7, 0, 0).unwrap(),
        );
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert!(in_quiet_hours(q, t(23, 0)));
        assert!(in_quiet_hours(q, t(6, 59)));
        assert!(!in_quiet_hours(q, t(7, 0)));
        assert!(!in_quiet_hours(q, t(12, 0)));
        let day = (t(12, 0), t(13, 0));
        assert!(in_quiet_hours(day, t(12, 30)) && !in_quiet_hours(day, t(13, 0)));
    }
}
