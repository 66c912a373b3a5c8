//! One delivery round of one channel: claim due rows, hold back what quiet hours hold, group
//! the rest into messages within the size limit and the per-minute budget, send, record.

use std::time::Instant;

use chrono::{DateTime, FixedOffset, NaiveTime, TimeZone};

use super::channel::{self, Part};
use super::message::PushAlert;
use super::{
    DeliveryReport, HealthPush, LEASE, Notice, PushKind, RATE_WINDOW, backoff, in_quiet_hours,
};
use crate::config::{Config, NotifyConfig};
use crate::store::Store;
use crate::store::outbox::OutboxRow;

/// When the quiet period containing `now` ends (unix seconds).
fn quiet_end(config: &Config, end: NaiveTime, now: DateTime<FixedOffset>) -> i64 {
    let tz = config.timezone;
    let local = now.with_timezone(&tz);
    let mut day = local.date_naive();
    if local.time() >= end {
        day = day.succ_opt().unwrap_or(day);
    }
    tz.from_local_datetime(&day.and_time(end))
        .earliest()
        .map_or(now.timestamp() + 3600, |t| t.timestamp())
}

/// One message to send, and the outbox rows it delivers.
struct Outgoing {
    ids: Vec<i64>,
    /// The message, split into parts within the channel's size limit.
    parts: Vec<Part>,
}

pub(super) async fn channel(
    store: &Store,
    config: &Config,
    http: &reqwest::Client,
    ch: &NotifyConfig,
    now: DateTime<FixedOffset>,
    deadline: Instant,
) -> DeliveryReport {
    let name = ch.channel();
    let mut report = DeliveryReport::default();
    if let Err(e) =
        deliver_channel_inner(store, config, http, ch, &name, now, deadline, &mut report).await
    {
        tracing::warn!(channel = %name, error = %e, "push delivery");
        report.errors.push(format!("{name}: {e}"));
    }
    report
}

#[allow(clippy::too_many_arguments)]
async fn deliver_channel_inner(
    store: &Store,
    config: &Config,
    http: &reqwest::Client,
    ch: &NotifyConfig,
    name: &str,
    now: DateTime<FixedOffset>,
    deadline: Instant,
    report: &mut DeliveryReport,
) -> anyhow::Result<()> {
    let ts = now.timestamp();
    let max = channel::of(ch.kind).rate_limit();
    let quiet = ch
        .quiet_hours
        .filter(|q| in_quiet_hours(*q, now.with_timezone(&config.timezone).time()));
    loop {
        let sends = store.outbox_sends_since(name, ts - RATE_WINDOW + 1)?;
        let remaining = max.saturating_sub(sends.len());
        // When the window has room again: its oldest send leaves it.
        let frees_at = sends.first().map_or(ts, |t| t + RATE_WINDOW).max(ts + 1);
        if remaining == 0 || Instant::now() >= deadline {
            // Nothing more this round: what is due waits for the window (or the next round).
            let at = if remaining == 0 { frees_at } else { ts };
            let due = store.outbox_claim(name, ts, at, 100_000)?;
            report.deferred += due.len();
            return Ok(());
        }
        let rows = store.outbox_claim(name, ts, ts + LEASE, (remaining * ch.batch).min(1000))?;
        if rows.is_empty() {
            return Ok(());
        }
        // Pace the budget: less than a full batch waits until one pace (the window divided by
        // the budget: 3 s for WeCom/DingTalk) after the last send, so alerts arriving close
        // together share a message instead of spending the budget one by one and then waiting
        // a whole minute. High-level alerts wait at most one pace.
        let pace = (RATE_WINDOW / max.max(1) as i64).max(1);
        if let Some(last) = sends.last().copied()
            && rows.len() < ch.batch
            && ts < last + pace
        {
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            store.outbox_release(&ids, last + pace)?;
            report.deferred += ids.len();
            return Ok(());
        }
        let (rows, waiting): (Vec<OutboxRow>, Vec<OutboxRow>) = rows
            .into_iter()
            .partition(|r| quiet.is_none() || r.level.as_deref() == Some("high"));
        if let Some((_, end)) = quiet {
            let ids: Vec<i64> = waiting.iter().map(|r| r.id).collect();
            store.outbox_release(&ids, quiet_end(config, end, now))?;
            report.deferred += ids.len();
        }
        let mut sent_in_round = 0;
        let (outgoing, bad) = compose(ch, &rows);
        for (id, e) in bad {
            store.outbox_mark_failed(&[id], &e, ts, backoff)?;
            report.failed += 1;
            report.errors.push(format!("{name}: {e}"));
        }
        let mut outgoing = outgoing.into_iter();
        while let Some(out) = outgoing.next() {
            if sent_in_round + out.parts.len() > remaining || Instant::now() >= deadline {
                // Over the budget: this and the rest wait until the window has room.
                let mut ids = out.ids;
                ids.extend(outgoing.flat_map(|o| o.ids));
                let at = if Instant::now() >= deadline {
                    ts
                } else {
                    frees_at
                };
                store.outbox_release(&ids, at)?;
                report.deferred += ids.len();
                return Ok(());
            }
            let mut error = None;
            for part in out.parts {
                let r = channel::of(ch.kind).send(http, ch, part).await;
                sent_in_round += 1;
                store.outbox_log_send(name, ts, r.as_ref().err().map(String::as_str))?;
                if let Err(e) = r {
                    error = Some(e);
                    break;
                }
                report.messages += 1;
            }
            match error {
                None => {
                    store.outbox_mark_sent(&out.ids, ts)?;
                    report.delivered += out.ids.len();
                }
                Some(e) => {
                    tracing::warn!(channel = %name, error = %e, rows = out.ids.len(), "push failed");
                    store.outbox_mark_failed(&out.ids, &e, ts, backoff)?;
                    report.failed += out.ids.len();
                    report.errors.push(format!("{name}: {e}"));
                }
            }
        }
    }
}

/// Groups claimed rows into messages: digests and health changes one by one, alerts `batch`
/// at a time. Rows whose payload cannot be read come back with the reason.
fn compose(ch: &NotifyConfig, rows: &[OutboxRow]) -> (Vec<Outgoing>, Vec<(i64, String)>) {
    let kind = channel::of(ch.kind);
    let mut out = Vec::new();
    let mut bad = Vec::new();
    let mut alerts: Vec<(i64, PushAlert, serde_json::Value)> = Vec::new();
    for r in rows {
        let value: serde_json::Value = match serde_json::from_str(&r.payload) {
            Ok(v) => v,
            Err(e) => {
                bad.push((r.id, format!("推送内容无法解析：{e}")));
                continue;
            }
        };
        match PushKind::of_row(&r.kind) {
            PushKind::Digest => out.push(Outgoing {
                ids: vec![r.id],
                parts: kind.digest_parts(value),
            }),
            PushKind::Health => match serde_json::from_value::<HealthPush>(value.clone()) {
                Ok(h) => out.push(Outgoing {
                    ids: vec![r.id],
                    parts: kind.health_parts(&h, value),
                }),
                Err(e) => bad.push((r.id, format!("推送内容无法解析：{e}"))),
            },
            PushKind::Notice => match serde_json::from_value::<Notice>(value.clone()) {
                Ok(n) => out.push(Outgoing {
                    ids: vec![r.id],
                    parts: kind.notice_parts(&n, value),
                }),
                Err(e) => bad.push((r.id, format!("推送内容无法解析：{e}"))),
            },
            PushKind::Alert => match serde_json::from_value::<PushAlert>(value.clone()) {
                Ok(a) => alerts.push((r.id, a, value)),
                Err(e) => bad.push((r.id, format!("推送内容无法解析：{e}"))),
            },
        }
    }
    for chunk in alerts.chunks(ch.batch.max(1)) {
        let ids = chunk.iter().map(|(id, _, _)| *id).collect();
        let list: Vec<PushAlert> = chunk.iter().map(|(_, a, _)| a.clone()).collect();
        let raw: Vec<&serde_json::Value> = chunk.iter().map(|(_, _, v)| v).collect();
        out.push(Outgoing {
            ids,
            parts: kind.alert_parts(&list, &raw),
        });
    }
    (out, bad)
}
