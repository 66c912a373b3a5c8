//! What the two group-bot kinds (WeCom, DingTalk) share: markdown messages split within the
//! bot's size limit, in the bot's markdown flavour.

use serde_json::Value;

use super::{HealthPush, Part, PushAlert, health_lines};
use crate::alert::digest::Digest;
use crate::alert::notify::message::{self, Flavor};

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
