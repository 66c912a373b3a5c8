//! One implementation of [`Kind`] per push channel kind: its limits, the shape of its digest,
//! how a batch of alerts, a digest or a health change becomes messages, and how a message is
//! sent. Adding a channel kind is a file here, a [`NotifyKind`] variant and its arm in [`of`].

mod dingtalk;
mod email;
mod markdown;
mod webhook;
mod wecom;

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::message::PushAlert;
use super::send;
use super::{HealthPush, Notice};
use crate::alert::digest::Digest;
use crate::config::NotifyConfig;
use crate::model::NotifyKind;

/// One message part, within the channel's size limit.
pub enum Part {
    Markdown { title: String, text: String },
    Json(Value),
    Email(send::Email),
}

/// What differs between kinds of push channels.
pub trait Kind: Sync {
    /// Messages a channel may send per `RATE_WINDOW`.
    fn rate_limit(&self) -> usize;
    /// The digest as stored in the outbox for a channel of this kind.
    fn digest_payload(&self, d: &Digest) -> anyhow::Result<Value>;
    /// One message for a batch of alerts (`raw`: their stored JSON, in the same order).
    fn alert_parts(&self, alerts: &[PushAlert], raw: &[&Value]) -> Vec<Part>;
    /// A stored digest payload as message parts.
    fn digest_parts(&self, payload: Value) -> Vec<Part>;
    /// A source health change (`raw`: its stored JSON).
    fn health_parts(&self, h: &HealthPush, raw: Value) -> Vec<Part>;
    /// A notice, such as a spike (`raw`: its stored JSON).
    fn notice_parts(&self, n: &Notice, raw: Value) -> Vec<Part>;
    /// Sends one part.
    fn send<'a>(
        &'a self,
        http: &'a reqwest::Client,
        ch: &'a NotifyConfig,
        part: Part,
    ) -> BoxFuture<'a, Result<(), String>>;
}

/// The implementation of `kind`.
pub fn of(kind: NotifyKind) -> &'static dyn Kind {
    match kind {
        NotifyKind::WeCom => &wecom::WECOM,
        NotifyKind::DingTalk => &dingtalk::DINGTALK,
        NotifyKind::Webhook => &webhook::Webhook,
        NotifyKind::Email => &email::Email,
    }
}

/// The title and lines of a health-change message.
fn health_lines(h: &HealthPush) -> (String, Vec<String>) {
    use super::message::{clean, safe_url};
    let title = "【信息源状态】".to_string();
    let mut lines = vec![
        format!("**{title}{}**", clean(&h.headline(), 300)),
        format!("时间：{}", clean(&h.at, 40)),
    ];
    if let Some(u) = safe_url(&h.url) {
        lines.push(format!("地址：{u}"));
    }
    (title, lines)
}

/// The title and lines of a notice.
fn notice_lines(n: &Notice) -> (String, Vec<String>) {
    use super::message::clean;
    let mut lines = vec![format!(
        "**{}{}**",
        clean(&n.tag, 40),
        clean(&n.headline, 300)
    )];
    lines.extend(n.lines.iter().take(20).map(|l| clean(l, 300)));
    (clean(&n.tag, 40), lines)
}

/// The wrong part for a kind (a stored row of another shape): an error, never a panic.
fn wrong_part(kind: NotifyKind) -> Result<(), String> {
    Err(format!("渠道类型 {kind} 不支持这种消息"))
}
