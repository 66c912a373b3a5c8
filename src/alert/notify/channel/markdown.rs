//! What the two group-bot kinds (WeCom, DingTalk) share: markdown messages split within the
//! bot's size limit, in the bot's markdown flavour.

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::{HealthPush, Kind, Notice, Part, PushAlert, health_lines, notice_lines};
use crate::alert::digest::Digest;
use crate::alert::notify::message::{self, Flavor};
use crate::config::NotifyConfig;

/// Sends one markdown message (title, text) to a bot.
pub type SendFn = for<'a> fn(
    &'a reqwest::Client,
    &'a NotifyConfig,
    String,
    String,
) -> BoxFuture<'a, Result<(), String>>;

/// A group bot: its markdown flavour, its size limit, its budget and how to send to it.
pub struct Bot {
    pub flavor: Flavor,
    pub size_limit: usize,
    pub per_minute: usize,
    pub send: SendFn,
}

impl Kind for Bot {
    fn rate_limit(&self) -> usize {
        self.per_minute
    }

    fn digest_payload(&self, d: &Digest) -> anyhow::Result<Value> {
        Ok(digest_payload(d, self.flavor))
    }

    fn alert_parts(&self, alerts: &[PushAlert], _raw: &[&Value]) -> Vec<Part> {
        alert_parts(alerts, self.flavor, self.size_limit)
    }

    fn digest_parts(&self, payload: Value) -> Vec<Part> {
        digest_parts(&payload, self.size_limit)
    }

    fn health_parts(&self, h: &HealthPush, _raw: Value) -> Vec<Part> {
        health_parts(h, self.flavor)
    }

    fn notice_parts(&self, n: &Notice, _raw: Value) -> Vec<Part> {
        let (title, lines) = notice_lines(n);
        vec![Part::Markdown {
            title,
            text: lines.join(self.flavor.newline()),
        }]
    }

    fn send<'a>(
        &'a self,
        http: &'a reqwest::Client,
        ch: &'a NotifyConfig,
        part: Part,
    ) -> BoxFuture<'a, Result<(), String>> {
        match part {
            Part::Markdown { title, text } => (self.send)(http, ch, title, text),
            _ => Box::pin(async move { super::wrong_part(ch.kind) }),
        }
    }
}

pub fn digest_payload(d: &Digest, flavor: Flavor) -> Value {
    serde_json::json!({
        "title": d.title,
        "markdown": message::digest_summary(d, flavor),
    })
}

pub fn alert_parts(alerts: &[PushAlert], flavor: Flavor, limit: usize) -> Vec<Part> {
    let title = message::alerts_title(alerts);
    split(&title, &message::alerts_text(alerts, flavor), limit)
}

pub fn digest_parts(payload: &Value, limit: usize) -> Vec<Part> {
    let s = |k: &str| payload.get(k).and_then(Value::as_str).unwrap_or_default();
    split(s("title"), s("markdown"), limit)
}

pub fn health_parts(h: &HealthPush, flavor: Flavor) -> Vec<Part> {
    let (title, lines) = health_lines(h);
    vec![Part::Markdown {
        title,
        text: lines.join(flavor.newline()),
    }]
}

fn split(title: &str, text: &str, limit: usize) -> Vec<Part> {
    message::split_message(text, limit)
        .into_iter()
        .map(|text| Part::Markdown {
            title: title.to_string(),
            text,
        })
        .collect()
}
