//! Pushes: WeCom, DingTalk (signed), generic webhook and email receivers on 127.0.0.1; the outbox
//! survives failures and restarts without losing or repeating a push; batching keeps each bot
//! under 20 messages a minute; quiet hours and min_level; config problems with positions.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};
use hmac::{Hmac, Mac};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use yuqing::alert::digest::{Digest, DigestAlert};
use yuqing::alert::notify::{self, DeliveryReport};
use yuqing::app::alerts::AlertView;
use yuqing::config::Config;
use yuqing::store::Store;

use crate::common::write_config;

const BUDGET: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------------
// Receivers

/// One HTTP receiver: records bodies, can fail the first N calls, can check DingTalk signatures.
#[derive(Clone, Default)]
struct Receiver {
    bodies: Arc<Mutex<Vec<serde_json::Value>>>,
    calls: Arc<AtomicUsize>,
    fail_first: Arc<AtomicUsize>,
    /// DingTalk: the secret to verify `timestamp` + `sign` against.
    secret: Option<String>,
    bad_signatures: Arc<AtomicUsize>,
}

impl Receiver {
    async fn serve(&self) -> String {
        let app = Router::new()
            .route("/{*path}", post(receive))
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        format!("http://{addr}")
    }
    fn bodies(&self) -> Vec<serde_json::Value> {
        self.bodies.lock().unwrap().clone()
    }
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

async fn receive(State(r): State<Receiver>, RawQuery(q): RawQuery, body: Bytes) -> Response {
    let n = r.calls.fetch_add(1, Ordering::SeqCst);
    if n < r.fail_first.load(Ordering::SeqCst) {
        return (StatusCode::INTERNAL_SERVER_ERROR, "down").into_response();
    }
    if let Some(secret) = &r.secret {
        let pairs: std::collections::HashMap<String, String> =
            url::form_urlencoded::parse(q.unwrap_or_default().as_bytes())
                .into_owned()
                .collect();
        let ok = match (pairs.get("timestamp"), pairs.get("sign")) {
            (Some(ts), Some(sign)) => {
                let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
                mac.update(format!("{ts}\n{secret}").as_bytes());
                let want =
                    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
                pairs.get("access_token").map(String::as_str) == Some("tok") && *sign == want
            }
            _ => false,
        };
        if !ok {
            r.bad_signatures.fetch_add(1, Ordering::SeqCst);
            return axum::Json(serde_json::json!({"errcode": 310000, "errmsg": "sign not match"}))
                .into_response();
        }
    }
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    r.bodies.lock().unwrap().push(v);
    axum::Json(serde_json::json!({"errcode": 0, "errmsg": "ok"})).into_response()
}

/// A tiny SMTP server: 220, EHLO/HELO → 250, MAIL/RCPT → 250, DATA → 354 … "." → 250, QUIT → 221.
#[derive(Clone, Default)]
struct SmtpSink {
    messages: Arc<Mutex<Vec<String>>>,
    rcpts: Arc<Mutex<Vec<String>>>,
}

impl SmtpSink {
    async fn serve(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let sink = self.clone();
        tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let sink = sink.clone();
                tokio::spawn(async move {
                    let (rd, mut wr) = sock.into_split();
                    let mut rd = BufReader::new(rd);
                    wr.write_all(b"220 sink.test ESMTP\r\n").await.unwrap();
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if rd.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let cmd = line.trim_end().to_ascii_uppercase();
                        let reply: &[u8] = if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                            b"250 sink.test\r\n"
                        } else if cmd.starts_with("RCPT") {
                            sink.rcpts.lock().unwrap().push(line.trim_end().to_string());
                            b"250 ok\r\n"
                        } else if cmd.starts_with("DATA") {
                            wr.write_all(b"354 go ahead\r\n").await.unwrap();
                            let mut data = String::new();
                            loop {
                                let mut l = String::new();
                                if rd.read_line(&mut l).await.unwrap_or(0) == 0 {
                                    return;
                                }
                                if l == ".\r\n" {
                                    break;
                                }
                                data.push_str(&l);
                            }
                            sink.messages.lock().unwrap().push(data);
                            b"250 queued\r\n"
                        } else if cmd.starts_with("QUIT") {
                            let _ = wr.write_all(b"221 bye\r\n").await;
                            return;
                        } else {
                            b"250 ok\r\n"
                        };
                        wr.write_all(reply).await.unwrap();
                    }
                });
            }
        });
        format!("smtp://{addr}")
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// A unique environment variable name holding `value`.
fn env(value: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "YUQING_TEST_PUSH_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    );
    // SAFETY: test-only; every variable name is unique and set before any reader uses it.
    unsafe { std::env::set_var(&name, value) };
    name
}

fn setup(dir: &Path, notify: &str) -> (Config, PathBuf) {
    let cfg = write_config(dir, "", "", "");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push('\n');
    text.push_str(notify);
    std::fs::write(&cfg, text).unwrap();
    let config = Config::load(&cfg).unwrap_or_else(|e| panic!("{e}"));
    let db = config.db_path();
    (config, db)
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<FixedOffset> {
    chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
        .fixed_offset()
}

fn t0() -> DateTime<FixedOffset> {
    at(2026, 11, 21, 10, 0)
}

fn plus(t: DateTime<FixedOffset>, secs: i64) -> DateTime<FixedOffset> {
    t + chrono::Duration::seconds(secs)
}

fn alert(id: i64, level: &str, title: &str) -> AlertView {
    AlertView {
        id,
        rule: "r1".into(),
        rule_name: "安全事故".into(),
        level: yuqing::model::Level::parse(level).unwrap(),
        status: yuqing::model::AlertStatus::New,
        article_id: id,
        url: format!("https://news.example.org/a/{id}.html"),
        title: title.into(),
        source: "s1".into(),
        source_name: "江北区新闻网".into(),
        published: Some("2026-11-21T09:30:00+08:00".into()),
        created: "2026-11-21T09:31:00+08:00".into(),
        matched: vec!["青石街道".into(), "火灾".into()],
        matches: Vec::new(),
        snippet: "青石街道某小区发生火灾".into(),
        highlights: Vec::new(),
        cluster_size: 1,
        other_sources: Vec::new(),
        note: None,
        tone: Default::default(),
        event_id: None,
        unit: None,
        due: None,
        handling: None,
        cluster_id: id,
    }
}

async fn deliver(store: &Store, config: &Config, now: DateTime<FixedOffset>) -> DeliveryReport {
    let http = notify::http_client(config).unwrap();
    notify::deliver_due(store, config, &http, now, BUDGET).await
}

fn markdown_of(v: &serde_json::Value) -> String {
    let m = &v["markdown"];
    m.get("content")
        .or_else(|| m.get("text"))
        .and_then(|x| x.as_str())
        .unwrap_or_default()
        .to_string()
}

// ---------------------------------------------------------------------------------------------
// Tests

#[tokio::test]
async fn wecom_gets_one_batched_markdown_and_webhook_respects_min_level() {
    let dir = tempfile::tempdir().unwrap();
    let wecom = Receiver::default();
    let hook = Receiver::default();
    let wecom_url = format!("{}/cgi-bin/webhook/send?key=k", wecom.serve().await);
    let hook_url = format!("{}/hook", hook.serve().await);
    let (config, db) = setup(
        dir.path(),
        &format!(
            "[[notify]]\nkind = \"wecom\"\nname = \"群\"\nurl_env = \"{}\"\nmin_level = \"low\"\n\n\
             [[notify]]\nkind = \"webhook\"\nurl_env = \"{}\"\nmin_level = \"medium\"\n",
            env(&wecom_url),
            env(&hook_url)
        ),
    );
    let store = Store::open(&db).unwrap();
    let alerts = [
        alert(1, "high", "青石街道某小区发生火灾"),
        alert(2, "medium", "柳湾社区居民反映噪音扰民"),
        alert(3, "low", "青石街道开展消防演练"),
    ];
    // 3 rows for wecom (min low), 2 for the webhook (min medium).
    assert_eq!(
        notify::enqueue_alerts(&store, &config, &alerts, t0()).unwrap(),
        5
    );
    assert_eq!(
        notify::enqueue_alerts(&store, &config, &alerts, t0()).unwrap(),
        0
    );

    let r = deliver(&store, &config, t0()).await;
    assert_eq!(r.delivered, 5, "{r:?}");
    assert!(r.errors.is_empty(), "{r:?}");

    let got = wecom.bodies();
    assert_eq!(got.len(), 1, "one batched message: {got:?}");
    assert_eq!(got[0]["msgtype"], "markdown");
    let text = markdown_of(&got[0]);
    assert!(text.contains("新增舆情预警 3 条"), "{text}");
    assert!(text.contains("【舆情预警·高】安全事故"), "{text}");
    assert!(text.contains("标题：青石街道某小区发生火灾"), "{text}");
    assert!(text.contains("来源：江北区新闻网"), "{text}");
    assert!(text.contains("时间：2026-11-21 09:30"), "{text}");
    assert!(text.contains("命中：青石街道、火灾"), "{text}");
    assert!(
        text.contains("链接：https://news.example.org/a/1.html"),
        "{text}"
    );
    // High first.
    assert!(text.find("发生火灾").unwrap() < text.find("噪音扰民").unwrap());

    let got = hook.bodies();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["type"], "alerts");
    let ids: Vec<i64> = got[0]["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        ids,
        [1, 2],
        "the low alert is below the webhook's min_level"
    );
    assert_eq!(got[0]["alerts"][0]["rule_name"], "安全事故");

    // Nothing is sent twice.
    let r = deliver(&store, &config, plus(t0(), 3600)).await;
    assert_eq!(r.messages, 0);
    assert_eq!((wecom.calls(), hook.calls()), (1, 1));
    let rows = store.outbox_rows(Some("群")).unwrap();
    assert!(rows.iter().all(|r| r.sent_at == Some(t0().timestamp())));
    assert!(rows.iter().any(|r| r.key == "alert:1"));
}

#[tokio::test]
async fn dingtalk_messages_are_signed_and_verified() {
    let dir = tempfile::tempdir().unwrap();
    let ding = Receiver {
        secret: Some("SEC0123456789abcdef".into()),
        ..Default::default()
    };
    let url = format!("{}/robot/send?access_token=tok", ding.serve().await);
    let (config, db) = setup(
        dir.path(),
        &format!(
            "[[notify]]\nkind = \"dingtalk\"\nurl_env = \"{}\"\nsecret_env = \"{}\"\n",
            env(&url),
            env("SEC0123456789abcdef")
        ),
    );
    let store = Store::open(&db).unwrap();
    notify::enqueue_alerts(
        &store,
        &config,
        &[alert(7, "high", "青石街道燃气泄漏")],
        t0(),
    )
    .unwrap();
    let r = deliver(&store, &config, t0()).await;
    assert_eq!((r.delivered, r.failed), (1, 0), "{r:?}");
    assert_eq!(ding.bad_signatures.load(Ordering::SeqCst), 0);
    let got = ding.bodies();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["msgtype"], "markdown");
    assert_eq!(got[0]["markdown"]["title"], "【舆情预警·高】安全事故");
    assert!(markdown_of(&got[0]).contains("标题：青石街道燃气泄漏"));

    // A wrong secret is refused by the receiver: the row records the bot's error and waits.
    let dir2 = tempfile::tempdir().unwrap();
    let (config2, db2) = setup(
        dir2.path(),
        &format!(
            "[[notify]]\nkind = \"dingtalk\"\nurl_env = \"{}\"\nsecret_env = \"{}\"\n",
            env(&url),
            env("SECwrong")
        ),
    );
    let store2 = Store::open(&db2).unwrap();
    notify::enqueue_alerts(&store2, &config2, &[alert(8, "high", "x")], t0()).unwrap();
    let r = deliver(&store2, &config2, t0()).await;
    assert_eq!(r.failed, 1);
    let row = &store2.outbox_rows(None).unwrap()[0];
    assert!(
        row.last_error.as_deref().unwrap().contains("310000"),
        "{row:?}"
    );
    assert_eq!(row.sent_at, None);
}

#[tokio::test]
async fn a_receiver_down_for_a_while_gets_everything_once_with_backoff() {
    let dir = tempfile::tempdir().unwrap();
    let hook = Receiver::default();
    hook.fail_first.store(3, Ordering::SeqCst);
    let url = format!("{}/hook", hook.serve().await);
    let (config, db) = setup(
        dir.path(),
        &format!(
            "[[notify]]\nkind = \"webhook\"\nurl_env = \"{}\"\nmin_level = \"low\"\n",
            env(&url)
        ),
    );
    let store = Store::open(&db).unwrap();
    let alerts: Vec<AlertView> = (1..=3).map(|i| alert(i, "high", "标题")).collect();
    notify::enqueue_alerts(&store, &config, &alerts, t0()).unwrap();
    let t = t0().timestamp();

    let r = deliver(&store, &config, t0()).await;
    assert_eq!(r.failed, 3);
    let rows = store.outbox_rows(None).unwrap();
    for row in &rows {
        assert_eq!(row.attempts, 1);
        assert_eq!(row.next_attempt_at, t + 30);
        assert!(
            row.last_error.as_deref().unwrap().contains("HTTP 500"),
            "{row:?}"
        );
    }
    // Not due yet: no call.
    deliver(&store, &config, plus(t0(), 10)).await;
    assert_eq!(hook.calls(), 1);
    // 30 s later: fails again, next in 60 s; then 120 s.
    deliver(&store, &config, plus(t0(), 30)).await;
    assert_eq!(
        store.outbox_rows(None).unwrap()[0].next_attempt_at,
        t + 30 + 60
    );
    deliver(&store, &config, plus(t0(), 90)).await;
    assert_eq!(
        store.outbox_rows(None).unwrap()[0].next_attempt_at,
        t + 90 + 120
    );
    assert_eq!(hook.calls(), 3);
    // Up again.
    let r = deliver(&store, &config, plus(t0(), 210)).await;
    assert_eq!(r.delivered, 3, "{r:?}");
    for row in store.outbox_rows(None).unwrap() {
        assert_eq!(row.sent_at, Some(t + 210));
        assert_eq!(row.last_error, None);
    }
    deliver(&store, &config, plus(t0(), 7200)).await;
    assert_eq!(hook.calls(), 4);
    let got = hook.bodies();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["count"], 3);

    // The backoff is capped at one hour.
    assert_eq!(notify::backoff(10), 3600);
}

#[tokio::test]
async fn a_restart_loses_nothing_and_sends_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let hook = Receiver::default();
    let url = format!("{}/hook", hook.serve().await);
    let (config, db) = setup(
        dir.path(),
        &format!(
            "[[notify]]\nkind = \"webhook\"\nurl_env = \"{}\"\nbatch = 2\n",
            env(&url)
        ),
    );
    let alerts: Vec<AlertView> = (1..=5).map(|i| alert(i, "high", "标题")).collect();
    {
        let store = Store::open(&db).unwrap();
        assert_eq!(
            notify::enqueue_alerts(&store, &config, &alerts, t0()).unwrap(),
            5
        );
    }
    {
        let store = Store::open(&db).unwrap();
        assert_eq!(
            notify::enqueue_alerts(&store, &config, &alerts, t0()).unwrap(),
            0
        );
        let r = deliver(&store, &config, plus(t0(), 5)).await;
        assert_eq!((r.delivered, r.messages), (5, 3), "{r:?}");
    }
    {
        let store = Store::open(&db).unwrap();
        assert_eq!(
            notify::enqueue_alerts(&store, &config, &alerts, plus(t0(), 60)).unwrap(),
            0
        );
        let r = deliver(&store, &config, plus(t0(), 3600)).await;
        assert_eq!(r.messages, 0);
    }
    let mut ids: Vec<i64> = hook
        .bodies()
        .iter()
        .flat_map(|b| b["alerts"].as_array().unwrap().clone())
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn forty_five_alerts_stay_within_twenty_messages_a_minute() {
    let dir = tempfile::tempdir().unwrap();
    let wecom = Receiver::default();
    let url = format!("{}/wecom", wecom.serve().await);
    let (config, db) = setup(
        dir.path(),
        &format!(
            "[[notify]]\nkind = \"wecom\"\nurl_env = \"{}\"\nmin_level = \"low\"\nbatch = 1\n",
            env(&url)
        ),
    );
    let alerts: Vec<AlertView> = (1..=45)
        .map(|i| alert(i, "medium", &format!("第{i}条")))
        .collect();
    let store = Store::open(&db).unwrap();
    notify::enqueue_alerts(&store, &config, &alerts, t0()).unwrap();

    let r = deliver(&store, &config, t0()).await;
    assert_eq!(r.messages, 20, "{r:?}");
    assert_eq!(r.deferred, 25);
    // Same minute, even after a restart: the budget is spent.
    drop(store);
    let store = Store::open(&db).unwrap();
    deliver(&store, &config, plus(t0(), 30)).await;
    deliver(&store, &config, plus(t0(), 59)).await;
    assert_eq!(wecom.bodies().len(), 20);
    // The next minutes.
    deliver(&store, &config, plus(t0(), 60)).await;
    assert_eq!(wecom.bodies().len(), 40);
    deliver(&store, &config, plus(t0(), 120)).await;
    assert_eq!(wecom.bodies().len(), 45);
    let mut titles: Vec<String> = wecom
        .bodies()
        .iter()
        .map(|b| {
            let t = markdown_of(b);
            let line = t.lines().find(|l| l.starts_with("标题：")).unwrap();
            line.to_string()
        })
        .collect();
    titles.sort();
    titles.dedup();
    assert_eq!(titles.len(), 45);
}

#[tokio::test]
async fn large_batches_are_split_under_the_wecom_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    let wecom = Receiver::default();
    let url = format!("{}/wecom", wecom.serve().await);
    let (config, db) = setup(
        dir.path(),
        &format!(
            "[[notify]]\nkind = \"wecom\"\nurl_env = \"{}\"\nmin_level = \"low\"\nbatch = 50\n",
            env(&url)
        ),
    );
    // Long Chinese titles: 45 alerts are far more than 4096 bytes.
    let alerts: Vec<AlertView> = (1..=45)
        .map(|i| {
            alert(
                i,
                "low",
                &format!("编号{i:02}：{}", "居民反映小区管道漏水".repeat(12)),
            )
        })
        .collect();
    let store = Store::open(&db).unwrap();
    notify::enqueue_alerts(&store, &config, &alerts, t0()).unwrap();
    let r = deliver(&store, &config, t0()).await;
    assert_eq!(r.delivered, 45, "{r:?}");
    let bodies = wecom.bodies();
    assert!(bodies.len() > 1 && bodies.len() <= 20, "{}", bodies.len());
    let all: String = bodies.iter().map(markdown_of).collect();
    for b in &bodies {
        assert!(markdown_of(b).len() <= 4096);
    }
    for i in 1..=45 {
        assert!(all.contains(&format!("编号{i:02}：")), "alert {i} missing");
    }
}

#[tokio::test]
async fn quiet_hours_hold_back_all_but_high_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let wecom = Receiver::default();
    let url = format!("{}/wecom", wecom.serve().await);
    let (config, db) = setup(
        dir.path(),
        &format!(
            "[[notify]]\nkind = \"wecom\"\nurl_env = \"{}\"\nmin_level = \"medium\"\nquiet_hours = \"22:00-07:00\"\n",
            env(&url)
        ),
    );
    let store = Store::open(&db).unwrap();
    let night = at(2026, 11, 21, 23, 0);
    let alerts = [
        alert(1, "medium", "夜间噪音"),
        alert(2, "high", "夜间火情"),
        alert(3, "low", "低级别不推送"),
    ];
    assert_eq!(
        notify::enqueue_alerts(&store, &config, &alerts, night).unwrap(),
        2
    );
    let r = deliver(&store, &config, night).await;
    assert_eq!((r.delivered, r.deferred), (1, 1), "{r:?}");
    let got = wecom.bodies();
    assert_eq!(got.len(), 1);
    assert!(markdown_of(&got[0]).contains("夜间火情"));

    let morning = at(2026, 11, 22, 7, 0);
    let medium = store
        .outbox_rows(None)
        .unwrap()
        .into_iter()
        .find(|r| r.key == "alert:1")
        .unwrap();
    assert_eq!(medium.next_attempt_at, morning.timestamp());
    deliver(&store, &config, at(2026, 11, 22, 6, 59)).await;
    assert_eq!(wecom.bodies().len(), 1);
    deliver(&store, &config, morning).await;
    let got = wecom.bodies();
    assert_eq!(got.len(), 2);
    assert!(markdown_of(&got[1]).contains("夜间噪音"));
}

#[tokio::test]
async fn a_missing_environment_variable_is_recorded_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let (config, db) = setup(
        dir.path(),
        "[[notify]]\nkind = \"wecom\"\nurl_env = \"YUQING_TEST_SURELY_UNSET_VARIABLE\"\n",
    );
    let store = Store::open(&db).unwrap();
    notify::enqueue_alerts(&store, &config, &[alert(1, "high", "x")], t0()).unwrap();
    let r = deliver(&store, &config, t0()).await;
    assert_eq!(r.failed, 1);
    let row = &store.outbox_rows(None).unwrap()[0];
    assert_eq!(row.attempts, 1);
    assert!(
        row.last_error
            .as_deref()
            .unwrap()
            .contains("环境变量 YUQING_TEST_SURELY_UNSET_VARIABLE 未设置"),
        "{row:?}"
    );
}

fn digest() -> Digest {
    let a = alert(1, "high", "青石街道某小区发生火灾");
    Digest {
        date: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        title: "青石街道舆情日报".into(),
        window_start: "2026-11-21T08:00:00+08:00".into(),
        window_end: "2026-11-22T08:00:00+08:00".into(),
        generated_at: "2026-11-22T08:00:05+08:00".into(),
        alerts: vec![DigestAlert::from(a)],
        sources: Vec::new(),
        max_listed: 0,
        dismissed: 0,
        overdue: Vec::new(),
        overview: Default::default(),
    }
}

/// The body of the MIME part whose headers contain `content_type`, decoded.
fn mime_part(mail: &str, content_type: &str) -> Option<(String, Vec<u8>)> {
    let start = mail.find(content_type)?;
    let head_start = mail[..start].rfind("\r\n--").map_or(0, |i| i + 2);
    let rest = &mail[head_start..];
    let head_end = rest.find("\r\n\r\n")?;
    let headers = rest[..head_end].to_string();
    let body_and_more = &rest[head_end + 4..];
    let body_end = body_and_more.find("\r\n--").unwrap_or(body_and_more.len());
    let body = &body_and_more[..body_end];
    let lower = headers.to_ascii_lowercase();
    let bytes = if lower.contains("content-transfer-encoding: base64") {
        let joined: String = body.split_whitespace().collect();
        base64::engine::general_purpose::STANDARD
            .decode(joined)
            .unwrap()
    } else {
        body.as_bytes().to_vec()
    };
    Some((headers, bytes))
}

#[tokio::test]
async fn the_digest_email_has_the_html_and_the_xlsx_attached() {
    let dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::default();
    let smtp = sink.serve().await;
    let (config, db) = setup(
        dir.path(),
        &format!(
            "[[notify]]\nkind = \"email\"\nname = \"邮件\"\nsmtp_url_env = \"{}\"\n\
             from = \"舆情系统 <yuqing@example.org>\"\nto = [\"office@example.org\", \"duty@example.org\"]\n",
            env(&smtp)
        ),
    );
    let store = Store::open(&db).unwrap();
    let d = digest();
    assert_eq!(
        notify::enqueue_digest(&store, &config, &d, t0()).unwrap(),
        1
    );
    assert_eq!(
        notify::enqueue_digest(&store, &config, &d, t0()).unwrap(),
        0
    );
    let r = deliver(&store, &config, t0()).await;
    assert_eq!((r.delivered, r.failed), (1, 0), "{r:?}");
    let mails = sink.messages.lock().unwrap().clone();
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(sink.rcpts.lock().unwrap().len(), 2);
    assert!(mail.contains("multipart/mixed"), "{mail}");

    let (_, html) = mime_part(mail, "text/html").expect("an HTML part");
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains("青石街道舆情日报"), "{html}");
    assert!(html.contains("青石街道某小区发生火灾"));

    let (headers, xlsx) = mime_part(
        mail,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    .expect("an xlsx part");
    assert!(
        headers.to_ascii_lowercase().contains("attachment"),
        "{headers}"
    );
    assert!(headers.contains(".xlsx"), "{headers}");
    assert!(xlsx.starts_with(b"PK"), "an xlsx is a zip file");

    let rows = store.outbox_rows(None).unwrap();
    assert_eq!(rows[0].key, "digest:2026-11-22");
    assert!(rows[0].sent_at.is_some());
    deliver(&store, &config, plus(t0(), 3600)).await;
    assert_eq!(sink.messages.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn alerts_go_out_by_email_too() {
    let dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::default();
    let smtp = sink.serve().await;
    let (config, db) = setup(
        dir.path(),
        &format!(
            "[[notify]]\nkind = \"email\"\nsmtp_url_env = \"{}\"\nfrom = \"yuqing@example.org\"\nto = [\"office@example.org\"]\n",
            env(&smtp)
        ),
    );
    let store = Store::open(&db).unwrap();
    notify::enqueue_alerts(&store, &config, &[alert(1, "high", "邮件预警")], t0()).unwrap();
    let r = deliver(&store, &config, t0()).await;
    assert_eq!(r.delivered, 1, "{r:?}");
    let mails = sink.messages.lock().unwrap().clone();
    assert_eq!(mails.len(), 1);
    let (_, body) = mime_part(&mails[0], "text/plain").expect("a text part");
    assert!(String::from_utf8(body).unwrap().contains("标题：邮件预警"));
}

#[test]
fn notify_problems_are_listed_with_their_positions() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "", "", "");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    let base_lines = text.lines().count();
    text.push_str(
        "[[notify]]\nkind = \"email\"\nto = [\"not an address\"]\n\n\
         [[notify]]\nkind = \"wecom\"\nquiet_hours = \"22:00\"\nsecret_env = \"X\"\n\n\
         [[notify]]\nkind = \"dingtalk\"\nurl_env = \"has space\"\nbatch = 0\n",
    );
    std::fs::write(&cfg, &text).unwrap();
    let err = Config::load(&cfg).unwrap_err().to_string();
    let line = |n: usize| format!("yuqing.toml:{}:", base_lines + n);
    for (n, zh, msg) in [
        (2, "邮件渠道需要 smtp_url_env", "needs smtp_url_env"),
        (2, "邮件渠道需要发件人", "needs from"),
        (3, "邮件地址 \"not an address\" 无效", "bad email address"),
        (6, "机器人或 webhook 渠道需要 url_env", "needs url_env"),
        (7, "免打扰时段 \"22:00\" 无效", "bad quiet_hours"),
        (8, "secret_env 只用于钉钉", "only used by dingtalk"),
        (
            12,
            "\"has space\" 不是环境变量名",
            "not an environment variable name",
        ),
        (13, "应在 1 到 50 之间", "between 1 and 50"),
    ] {
        assert!(
            err.lines()
                .any(|l| l.contains(&line(n)) && l.contains(&format!(": {zh}")) && l.contains(msg)),
            "missing {zh} ({msg:?}) at line {}:\n{err}",
            base_lines + n
        );
    }
}

/// A saved search with a level is pushed like a rule: articles indexed after it was saved that
/// it matches raise an alert (`专题：NAME`), once, through the outbox; older ones never do.
#[tokio::test]
async fn a_pushed_saved_search_alerts_on_new_matches_only() {
    use yuqing::app::App;
    use yuqing::app::saved::{NewSavedSearch, Viewer};
    use yuqing::store::NewArticle;
    let dir = tempfile::tempdir().unwrap();
    let hook = Receiver::default();
    let hook_url = format!("{}/hook", hook.serve().await);
    let (config, _) = setup(
        dir.path(),
        &format!(
            "[[notify]]\nkind = \"webhook\"\nurl_env = \"{}\"\nmin_level = \"low\"\n",
            env(&hook_url)
        ),
    );
    let app = App::open(config).unwrap();
    let now = chrono::Utc::now().timestamp();
    let add = |i: i64, title: &str, text: &str| {
        app.store
            .insert_article(&NewArticle {
                canonical_url: format!("http://127.0.0.1:9/p/{i}"),
                url: format!("http://127.0.0.1:9/p/{i}"),
                source_id: "s".into(),
                title: title.into(),
                published: Some(now - 100 + i),
                fetched: now,
                text: text.into(),
                ..Default::default()
            })
            .unwrap()
            .unwrap()
    };
    add(1, "旧闻：电梯故障", "柳湾社区电梯故障困人，已解救。");
    app.index_pending().unwrap();
    let saved = app
        .saved_add(
            &NewSavedSearch {
                name: "电梯安全".into(),
                query: "电梯 -演练".into(),
                level: Some(yuqing::model::Level::Medium),
                shared: true,
                ..Default::default()
            },
            Viewer::CLI,
        )
        .unwrap();
    let fresh = add(
        2,
        "青石街道一小区电梯停运",
        "居民反映电梯停运三天无人维修。",
    );
    add(3, "电梯应急演练", "街道组织电梯困人应急演练。");
    add(4, "无关新闻", "柳湾社区举办邻里节。");
    app.index_pending().unwrap();
    app.index_pending().unwrap();
    let alerts = app.alerts(&Default::default()).unwrap();
    assert_eq!(
        alerts.len(),
        1,
        "only the new, matching article: {alerts:?}"
    );
    assert_eq!(alerts[0].article_id, fresh);
    assert_eq!(alerts[0].rule, format!("saved:{}", saved.id));
    assert_eq!(alerts[0].rule_name, "专题：电梯安全");
    assert_eq!(alerts[0].matched, ["电梯"]);
    let r = app
        .deliver_pushes(std::time::Duration::from_secs(20))
        .await
        .unwrap();
    assert_eq!(r.delivered, 1, "{r:?}");
    let got = hook.bodies();
    assert_eq!(got[0]["alerts"][0]["title"], "青石街道一小区电梯停运");
    assert_eq!(got[0]["alerts"][0]["rule_name"], "专题：电梯安全");
    assert_eq!(got[0]["alerts"][0]["level"], "medium");
}

/// 交办与处置: an alert handed to a partner unit is pushed to the unit's channel; past its
/// deadline (an injected clock, no sleep) it is pushed once to the unit and the admins; done,
/// the done state goes to the unit. `alerts --json` carries unit, due and handling.
#[tokio::test]
async fn assignment_overdue_and_done_reach_the_unit() {
    use yuqing::app::App;
    use yuqing::model::Handling;
    use yuqing::store::NewArticle;
    let dir = tempfile::tempdir().unwrap();
    let unit_hook = Receiver::default();
    let admin_hook = Receiver::default();
    let unit_url = format!("{}/unit", unit_hook.serve().await);
    let admin_url = format!("{}/admin", admin_hook.serve().await);
    let (config, _) = setup(
        dir.path(),
        &format!(
            "[[notify]]\nkind = \"webhook\"\nname = \"派出所\"\nurl_env = \"{}\"\nmin_level = \"high\"\n\n\
             [[notify]]\nkind = \"webhook\"\nname = \"admin\"\nurl_env = \"{}\"\nmin_level = \"high\"\nhealth = true\n",
            env(&unit_url),
            env(&admin_url)
        ),
    );
    std::fs::write(
        dir.path().join("units.toml"),
        "[[unit]]\nid = \"pcs\"\nname = \"青石派出所\"\nnotify = \"派出所\"\ndefault_due = \"48h\"\n\n\
         [[unit]]\nid = \"cg\"\nname = \"城管中队\"\n",
    )
    .unwrap();
    let config = Config::load(&config.path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.units.len(), 2);
    let app = App::open(config).unwrap();
    let t0 = chrono::Utc::now();
    app.set_clock(yuqing::app::clock::Clock::manual(t0));
    let id = app
        .store
        .insert_article(&NewArticle {
            canonical_url: "http://127.0.0.1:9/u/1".into(),
            url: "http://127.0.0.1:9/u/1".into(),
            source_id: "s".into(),
            title: "柳湾社区夜间施工扰民".into(),
            published: Some(t0.timestamp()),
            fetched: t0.timestamp(),
            text: "居民投诉夜间施工噪音。".into(),
            ..Default::default()
        })
        .unwrap()
        .unwrap();
    let alert = app
        .store
        .insert_alert(id, "noise", yuqing::model::Level::Low, "[]", t0.timestamp())
        .unwrap()
        .unwrap();
    let bad = app
        .assign_alert(alert, "nosuch", None, None, None)
        .unwrap_err();
    assert!(bad.to_string().contains("未知单位"), "{bad}");
    let v = app
        .assign_alert(
            alert,
            "pcs",
            Some(std::time::Duration::from_secs(3600)),
            Some("请核实并反馈"),
            Some("coll1"),
        )
        .unwrap();
    assert_eq!(v.unit.as_deref(), Some("pcs"));
    assert_eq!(v.handling, Some(Handling::Assigned));
    assert!(v.due.is_some());
    app.deliver_pushes(std::time::Duration::from_secs(20))
        .await
        .unwrap();
    let got = unit_hook.bodies();
    assert_eq!(
        got.len(),
        1,
        "the assignment, to the unit (a low alert, under min_level: targeted)"
    );
    assert_eq!(got[0]["type"], "notice");
    assert!(
        got[0]["title"]
            .as_str()
            .unwrap()
            .contains("【舆情交办】青石派出所"),
        "{}",
        got[0]
    );
    assert!(got[0]["lines"].to_string().contains("请核实并反馈"));
    assert_eq!(admin_hook.bodies().len(), 0);
    // Two hours later, without sleeping: overdue, pushed once to the unit and the admins.
    app.set_clock(yuqing::app::clock::Clock::manual(
        t0 + chrono::Duration::hours(2),
    ));
    let q = |h: Handling| {
        app.alerts(&yuqing::app::alerts::AlertQuery {
            handling: Some(h),
            ..Default::default()
        })
        .unwrap()
        .len()
    };
    assert_eq!((q(Handling::Overdue), q(Handling::Assigned)), (1, 0));
    let digest = app
        .build_digest(
            app.current_digest_date(),
            yuqing::app::alerts::DigestDetail::All,
        )
        .unwrap();
    assert_eq!(digest.overdue.len(), 1, "the digest lists the overdue item");
    assert!(digest.overdue[0].contains("青石派出所"));
    assert!(
        String::from_utf8(
            yuqing::alert::digest::render(&digest, yuqing::alert::digest::DigestFormat::Md)
                .unwrap()
        )
        .unwrap()
        .contains("交办已超期 1 条")
    );
    assert_eq!(app.push_overdue().unwrap(), 1);
    assert_eq!(app.push_overdue().unwrap(), 0, "once");
    app.deliver_pushes(std::time::Duration::from_secs(20))
        .await
        .unwrap();
    assert!(
        unit_hook.bodies()[1]["title"]
            .as_str()
            .unwrap()
            .contains("【交办超期】")
    );
    assert_eq!(admin_hook.bodies().len(), 1);
    // Feedback, then done.
    app.alert_feedback(alert, "已到场，正在协调施工方", false, Some("coll1"))
        .unwrap();
    let v = app
        .alert_feedback(alert, "施工方已调整作业时间", true, Some("coll1"))
        .unwrap();
    assert_eq!(v.handling, Some(Handling::Done));
    assert_eq!(q(Handling::Done), 1);
    // A minute on: the channel's spacing after the overdue push has passed.
    app.set_clock(yuqing::app::clock::Clock::manual(
        t0 + chrono::Duration::minutes(121),
    ));
    app.deliver_pushes(std::time::Duration::from_secs(20))
        .await
        .unwrap();
    let last = unit_hook.bodies();
    assert_eq!(last.len(), 3);
    assert!(last[2]["title"].as_str().unwrap().contains("【舆情办结】"));
    let trail: Vec<String> = app
        .alert_actions(alert)
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert_eq!(trail, ["assign", "feedback", "done"]);
    // Before done it was listed as overdue in the digest; done, it is not.
    let digest = app
        .build_digest(
            app.current_digest_date(),
            yuqing::app::alerts::DigestDetail::All,
        )
        .unwrap();
    assert!(digest.overdue.is_empty(), "done is not overdue");
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["unit"], "pcs");
    assert_eq!(json["handling"], "done");
    assert!(json["due"].is_string());
}
