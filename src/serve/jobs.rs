//! The background jobs of `serve`. Each is a loop that `select!`s on its cancellation token.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::Shared;
use crate::alert::digest::render;
use crate::app::App;
use crate::app::alerts::DigestDetail;
use crate::config::Source;
use crate::crawl::fetch::Fetcher;
use crate::schedule;

/// Unix millis of the scheduler's last loop (for `/healthz`); 0 = never.
static HEARTBEAT: AtomicI64 = AtomicI64::new(0);
/// Set when new articles or alerts are stored, to wake the indexer and pusher early.
static WAKE_INDEXER: tokio::sync::Notify = tokio::sync::Notify::const_new();
static WAKE_PUSHER: tokio::sync::Notify = tokio::sync::Notify::const_new();

pub const INDEX_EVERY: Duration = Duration::from_secs(2);
pub const PUSH_EVERY: Duration = Duration::from_secs(15);
pub const RETENTION_EVERY: Duration = Duration::from_secs(6 * 3600);

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// Time since the scheduler last ran its loop.
/// Marks the service alive (the scheduler calls this every loop).
pub fn beat() {
    HEARTBEAT.store(now_ms(), Ordering::Relaxed);
}

pub fn heartbeat_age() -> Option<Duration> {
    let beat = HEARTBEAT.load(Ordering::Relaxed);
    (beat > 0).then(|| Duration::from_millis((now_ms() - beat).max(0) as u64))
}

/// When the database last answered a trivial query (`/healthz` reads this, so a health check
/// never waits for a database connection or a blocking thread).
static DB_OK: AtomicI64 = AtomicI64::new(0);

pub fn db_ok_age() -> Option<Duration> {
    let at = DB_OK.load(Ordering::Relaxed);
    (at > 0).then(|| Duration::from_millis((now_ms() - at).max(0) as u64))
}

/// Records that the database just answered.
pub fn db_answered() {
    DB_OK.store(now_ms(), Ordering::Relaxed);
}

/// Asks the database a trivial question every second and records when it answered.
pub async fn db_probe(shared: Arc<Shared>, token: CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = token.cancelled() => break,
            _ = tick.tick() => {}
        }
        let app = shared.app();
        if let Ok(Ok(())) = tokio::task::spawn_blocking(move || app.store.ping()).await {
            db_answered();
        }
    }
}

/// Starts due sources; never runs one source twice at once (a run that overruns its next tick
/// skips it: the next time is computed when the run ends).
pub async fn scheduler(shared: Arc<Shared>, token: CancellationToken) {
    let running = shared.crawling.clone();
    let tracker = TaskTracker::new();
    let mut fetcher: Option<(usize, Arc<Fetcher>)> = None;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut first = true;
    loop {
        tokio::select! {
            _ = token.cancelled() => break,
            _ = tick.tick() => {}
        }
        HEARTBEAT.store(now_ms(), Ordering::Relaxed);
        let app = shared.app();
        // One fetcher per configuration, shared by all crawls: per-host politeness holds across sources.
        let key = Arc::as_ptr(&app) as usize;
        let f = match &fetcher {
            Some((k, f)) if *k == key => f.clone(),
            _ => match Fetcher::new(&app.config.http) {
                Ok(f) => {
                    let f = Arc::new(f);
                    fetcher = Some((key, f.clone()));
                    f
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot build the HTTP client");
                    continue;
                }
            },
        };
        let now = app.now_ts();
        let states: HashMap<String, Option<i64>> = match app.store.source_states() {
            Ok(v) => v.into_iter().map(|s| (s.id, s.next_check_at)).collect(),
            Err(e) => {
                tracing::error!(error = %e, "cannot read source states");
                continue;
            }
        };
        for source in app.config.sources.iter().filter(|s| s.enabled) {
            if running
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .contains(&source.id)
            {
                continue;
            }
            let tz = app.config.timezone;
            let spread = || {
                now + schedule::jitter(&source.id, schedule::interval(&source.cron, tz, now))
                    .as_secs() as i64
            };
            match states.get(&source.id).copied().flatten() {
                // First sight: run within seconds (spread by the source's jitter, at most 10 s).
                None => {
                    let j = schedule::jitter(&source.id, schedule::interval(&source.cron, tz, now))
                        .as_secs()
                        % 10;
                    let _ = app.store.set_next_check(&source.id, now + j as i64);
                }
                // Long overdue after downtime: spread the catch-up instead of firing all at once.
                Some(t) if first && t < now - 60 => {
                    let _ = app.store.set_next_check(&source.id, spread());
                }
                Some(t) if schedule::is_due(Some(t), now) => {
                    running
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(source.id.clone());
                    tracker.spawn(crawl_one(
                        app.clone(),
                        f.clone(),
                        source.clone(),
                        running.clone(),
                        token.clone(),
                    ));
                }
                Some(_) => {}
            }
        }
        first = false;
    }
    tracker.close();
    tracker.wait().await;
}

async fn crawl_one(
    app: Arc<App>,
    fetcher: Arc<Fetcher>,
    source: Source,
    running: Arc<Mutex<HashSet<String>>>,
    token: CancellationToken,
) {
    let started = app.now();
    // Its own task: a source whose crawl panics fails alone, and is still marked done below.
    let task = {
        let (app, fetcher, source) = (app.clone(), fetcher.clone(), source.clone());
        tokio::spawn(async move { app.ingest_source(&fetcher, &source, started).await })
    };
    let abort = task.abort_handle();
    let report = tokio::select! {
        r = task => Some(r.unwrap_or_else(|e| crate::app::ingest::panicked(source.id.clone(), &e))),
        // Abandon the fetch on shutdown: nothing half-done is stored (each article is one row).
        _ = token.cancelled() => {
            abort.abort();
            None
        }
    };
    match report {
        // Matching queued the pushes; the indexer and pusher take it from here.
        Some(r) if !r.new_ids.is_empty() => {
            WAKE_INDEXER.notify_one();
            WAKE_PUSHER.notify_one();
        }
        Some(_) => {}
        // Shut down mid-crawl: run again at the next start.
        None => {
            let _ = app.store.set_next_check(&source.id, app.now_ts());
        }
    }
    running
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&source.id);
}

/// Indexes stored rows every couple of seconds (or when woken): fetched → searchable quickly.
/// At most one pass (one commit) per [`INDEX_EVERY`]: during a burst of crawls, a commit per
/// woken pass made hundreds of small segments, and their flushes and merges cost as much CPU
/// again as the indexing itself.
pub async fn indexer(shared: Arc<Shared>, token: CancellationToken) {
    let mut last: Option<tokio::time::Instant> = None;
    loop {
        tokio::select! {
            _ = token.cancelled() => break,
            _ = tokio::time::sleep(INDEX_EVERY) => {}
            _ = WAKE_INDEXER.notified() => {}
        }
        if let Some(rest) = last.and_then(|t| INDEX_EVERY.checked_sub(t.elapsed())) {
            tokio::select! {
                _ = token.cancelled() => break,
                _ = tokio::time::sleep(rest) => {}
            }
        }
        last = Some(tokio::time::Instant::now());
        let app = shared.app();
        let pending = app.store.count_unindexed().unwrap_or(0);
        if pending == 0 {
            continue;
        }
        match tokio::task::spawn_blocking(move || app.index_pending()).await {
            Ok(Ok(n)) => tracing::debug!(articles = n, "indexed"),
            Ok(Err(e)) => tracing::error!(error = %e, "indexing failed; will retry"),
            Err(e) => tracing::error!(error = %e, "indexer panicked"),
        }
    }
}

/// Delivers queued pushes (retries after a receiver was down, quiet-hour releases).
pub async fn pusher(shared: Arc<Shared>, token: CancellationToken) {
    let mut wait = PUSH_EVERY;
    loop {
        tokio::select! {
            _ = token.cancelled() => break,
            _ = tokio::time::sleep(wait) => {}
            _ = WAKE_PUSHER.notified() => {}
        }
        wait = PUSH_EVERY;
        let app = shared.app();
        if app.config.notify.is_empty() {
            continue;
        }
        if let Err(e) = app.deliver_pushes(Duration::from_secs(10)).await {
            tracing::warn!(error = %e, "push delivery failed");
        }
        // Wake again when the earliest waiting push is due (a paced batch, a retry), not later.
        if let Ok(pending) = app.store.outbox_pending() {
            let now = app.now_ts();
            if let Some(next) = pending.iter().map(|p| p.2).min() {
                wait = Duration::from_millis(
                    ((next - now).max(0) as u64 * 1000).clamp(200, PUSH_EVERY.as_millis() as u64),
                );
            }
        }
    }
}

/// The local date of the digest run at `fire`, and the next fire time after `after`.
fn next_digest_fire(app: &App, after: i64) -> Option<i64> {
    let tz = app.config.timezone;
    let start = tz.timestamp_opt(after, 0).single()?;
    app.config
        .digest
        .cron
        .after(&start)
        .next()
        .map(|t| t.timestamp())
}

/// Writes the digest of `date` to `index/digests/DATE.{formats}` and sends it to the channels.
pub async fn produce_digest(app: &App, date: NaiveDate) -> anyhow::Result<()> {
    let digest = app.build_digest(date, DigestDetail::All)?;
    let dir = app.config.data_dir.join("digests");
    std::fs::create_dir_all(&dir)?;
    for &fmt in &app.config.digest.formats {
        let bytes = render(&digest, fmt)?;
        let path = dir.join(format!("{date}.{}", fmt.extension()));
        // Write then rename: a crash never leaves half a digest under its final name.
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, &bytes)?;
        std::fs::rename(&tmp, &path)?;
    }
    if !app.config.notify.is_empty() {
        app.push_digest(date).await?;
    }
    app.store.set_meta("last_digest", &date.to_string())?;
    tracing::info!(%date, alerts = digest.alerts.len(), "digest written");
    drop(digest);
    super::trim_heap();
    Ok(())
}

/// The digest to produce at start: today's, when its cron time has passed and it was not
/// produced (the process was down). A fresh install has nothing to report: no "missed" digest
/// before its first crawl.
pub fn missed_digest(app: &App) -> Option<NaiveDate> {
    let now = app.now_ts();
    let today = app.now().date_naive();
    let day_start = app.day_bounds(today).0;
    let due_today = next_digest_fire(app, day_start - 1).is_some_and(|t| t <= now);
    let last = app
        .store
        .meta("last_digest")
        .ok()
        .flatten()
        .and_then(|d| d.parse::<NaiveDate>().ok());
    let crawled = app
        .store
        .source_states()
        .is_ok_and(|v| v.iter().any(|s| s.last_attempt.is_some()));
    (due_today && crawled && last.is_none_or(|d| d < today)).then_some(today)
}

/// Produces the digest on its cron; a digest missed while the process was down is produced at start.
pub async fn digests(shared: Arc<Shared>, token: CancellationToken) {
    {
        let app = shared.app();
        if let Some(today) = missed_digest(&app) {
            tracing::info!(%today, "producing the digest missed while stopped");
            if let Err(e) = produce_digest(&app, today).await {
                tracing::error!(error = %e, "digest failed");
            }
        }
    }
    loop {
        let app = shared.app();
        let now = app.now_ts();
        let Some(fire) = next_digest_fire(&app, now) else {
            return;
        };
        let wait = Duration::from_secs((fire - now).max(1) as u64);
        tokio::select! {
            _ = token.cancelled() => break,
            _ = tokio::time::sleep(wait) => {}
        }
        let app = shared.app();
        let date = app.now().date_naive();
        if let Err(e) = produce_digest(&app, date).await {
            tracing::error!(error = %e, "digest failed");
        }
    }
}

/// Removes articles fetched before `now - retention` from the index and the database (alerted
/// ones and their evidence stay unless `keep_alerted = false`); returns how many went.
pub fn apply_retention(app: &App, now: i64) -> anyhow::Result<usize> {
    let Some(keep) = app.config.crawl.retention else {
        return Ok(0);
    };
    let before = now - keep.as_secs() as i64;
    let mut total = 0;
    loop {
        let ids = app
            .store
            .expired_articles(before, app.config.crawl.keep_alerted, 1000)?;
        if ids.is_empty() {
            return Ok(total);
        }
        for id in &ids {
            app.index.delete(*id as u64)?;
        }
        app.index.commit()?;
        total += app.store.delete_articles(&ids)?;
    }
}

/// Applies the retention every few hours.
pub async fn retention(shared: Arc<Shared>, token: CancellationToken) {
    loop {
        let app = shared.app();
        let a = app.clone();
        match tokio::task::spawn_blocking(move || apply_retention(&a, a.now_ts())).await {
            Ok(Ok(n)) if n > 0 => tracing::info!(articles = n, "retention removed old articles"),
            Ok(Err(e)) => tracing::error!(error = %e, "retention failed"),
            _ => {}
        }
        tokio::select! {
            _ = token.cancelled() => break,
            _ = tokio::time::sleep(RETENTION_EVERY) => {}
        }
    }
}

/// How often source health is compared with what was last announced.
pub const HEALTH_EVERY: Duration = Duration::from_secs(60);

/// Pushes source-health changes (becoming failing / blocked / silent, and recovering) to the
/// channels with `health = true`, once per change: the last announced status is kept in SQLite.
pub async fn health(shared: Arc<Shared>, token: CancellationToken) {
    loop {
        tokio::select! {
            _ = token.cancelled() => break,
            _ = tokio::time::sleep(HEALTH_EVERY) => {}
        }
        let app = shared.app();
        if !app.config.notify.iter().any(|c| c.health) {
            continue;
        }
        let a = app.clone();
        let queued = tokio::task::spawn_blocking(move || announce_health(&a, a.now_ts())).await;
        match queued {
            Ok(Ok(n)) if n > 0 => WAKE_PUSHER.notify_one(),
            Ok(Err(e)) => tracing::warn!(error = %e, "health check failed"),
            _ => {}
        }
    }
}

/// Queues one push per source whose health changed since the last announcement; returns how many.
pub fn announce_health(app: &App, now: i64) -> anyhow::Result<usize> {
    use crate::model::SourceStatus;
    let mut queued = 0;
    for h in app.sources_health()? {
        let key = format!("health:{}", h.id);
        let last = app
            .store
            .meta(&key)?
            .and_then(|s| SourceStatus::parse(&s))
            .unwrap_or(SourceStatus::Ok);
        if h.status == last || h.status == SourceStatus::New {
            continue;
        }
        app.store.set_meta(&key, h.status.as_str())?;
        // Announced: going bad, and coming back from bad.
        if !h.status.is_bad() && !last.is_bad() {
            continue;
        }
        let change = crate::alert::notify::HealthPush {
            source: h.id,
            name: h.name,
            url: h.url,
            status: h.status,
            was: last,
            error: h.last_error,
            at: crate::app::rfc3339(now, app.config.timezone),
        };
        queued += crate::alert::notify::enqueue_health(&app.store, &app.config, &change, now)?;
    }
    Ok(queued)
}

/// How often today's volumes are compared with their baselines.
pub const SPIKES_EVERY: Duration = Duration::from_secs(15 * 60);
/// The first check after start.
pub const SPIKES_FIRST_AFTER: Duration = Duration::from_secs(20);

/// Records today's spikes (突发) and pushes each new one once: [`SPIKES_FIRST_AFTER`] after
/// start, then every [`SPIKES_EVERY`].
pub async fn spikes(shared: Arc<Shared>, token: CancellationToken) {
    let mut first = true;
    loop {
        // The first check shortly after start, not at once: a cold page cache is for the
        // first searches.
        let wait = if std::mem::take(&mut first) {
            SPIKES_FIRST_AFTER
        } else {
            SPIKES_EVERY
        };
        tokio::select! {
            _ = token.cancelled() => break,
            _ = tokio::time::sleep(wait) => {}
        }
        let app = shared.app();
        match tokio::task::spawn_blocking(move || app.detect_spikes()).await {
            Ok(Ok(n)) if n > 0 => {
                tracing::info!(spikes = n, "突发 (spikes) found");
                WAKE_PUSHER.notify_one();
            }
            Ok(Err(e)) => tracing::warn!(error = %e, "spike detection failed"),
            _ => {}
        }
    }
}

/// How often deadlines of handed-over alerts are checked.
pub const OVERDUE_EVERY: Duration = Duration::from_secs(60);

/// Pushes alerts past their deadline (已超期) once to their unit and the admin channels.
pub async fn overdue(shared: Arc<Shared>, token: CancellationToken) {
    loop {
        tokio::select! {
            _ = token.cancelled() => break,
            _ = tokio::time::sleep(OVERDUE_EVERY) => {}
        }
        let app = shared.app();
        match tokio::task::spawn_blocking(move || app.push_overdue()).await {
            Ok(Ok(n)) if n > 0 => {
                tracing::info!(alerts = n, "交办超期 (overdue) pushed");
                WAKE_PUSHER.notify_one();
            }
            Ok(Err(e)) => tracing::warn!(error = %e, "overdue check failed"),
            _ => {}
        }
    }
}

/// Writes the weekly and monthly reports on their crons (`[report] weekly_cron`,
/// `monthly_cron`), when configured.
pub async fn reports(shared: Arc<Shared>, token: CancellationToken) {
    use crate::app::periodic::Period;
    loop {
        let app = shared.app();
        let now = app.now_ts();
        let tz = app.config.timezone;
        let next = |c: &Option<cron::Schedule>| {
            c.as_ref().and_then(|c| {
                let start = tz.timestamp_opt(now, 0).single()?;
                c.after(&start).next().map(|t| t.timestamp())
            })
        };
        let due: Vec<(i64, Period)> = [
            (next(&app.config.weekly_cron), Period::Weekly),
            (next(&app.config.monthly_cron), Period::Monthly),
        ]
        .into_iter()
        .filter_map(|(t, p)| t.map(|t| (t, p)))
        .collect();
        let Some(&(fire, _)) = due.iter().min_by_key(|(t, _)| *t) else {
            return;
        };
        tokio::select! {
            _ = token.cancelled() => break,
            _ = tokio::time::sleep(Duration::from_secs((fire - now).max(1) as u64)) => {}
        }
        for (_, period) in due.into_iter().filter(|(t, _)| *t == fire) {
            let a = shared.app();
            match tokio::task::spawn_blocking(move || a.produce_period_report(period)).await {
                Ok(Ok(paths)) => {
                    tracing::info!(?paths, "report written");
                    WAKE_PUSHER.notify_one();
                }
                Ok(Err(e)) => tracing::error!(error = %e, "report failed"),
                Err(e) => tracing::error!(error = %e, "report task failed"),
            }
        }
    }
}
