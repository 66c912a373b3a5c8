//! DingTalk (钉钉) group bots: markdown up to about 20 000 bytes, signed when the channel has a
//! secret, 20 messages a minute.

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::{HealthPush, Kind, Part, PushAlert, markdown, send, wrong_part};
use crate::alert::digest::Digest;
use crate::alert::notify::message::Flavor;
use crate::config::NotifyConfig;
use crate::model::NotifyKind;

pub struct DingTalk;

const SIZE_LIMIT: usize = 18_000;

impl Kind for DingTalk {
    fn rate_limit(&self) -> usize {
        20
    }

    fn digest_payload(&self, d: &Digest) -> anyhow::Result<Value> {
        Ok(markdown::digest_payload(d, Flavor::DingTalk))
    }

    fn alert_parts(&self, alerts: &[PushAlert], _raw: &[&Value]) -> Vec<Part> {
        markdown::alert_parts(alerts, Flavor::DingTalk, SIZE_LIMIT)
    }

    fn digest_parts(&self, payload: Value) -> Vec<Part> {
        markdown::digest_parts(&payload, SIZE_LIMIT)
    }

    fn health_parts(&self, h: &HealthPush, _raw: Value) -> Vec<Part> {
        markdown::health_parts(h, Flavor::DingTalk)
    }

    fn send<'a>(
        &'a self,
        http: &'a reqwest::Client,
        ch: &'a NotifyConfig,
        part: Part,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let Part::Markdown { title, text } = part else {
                return wrong_part(NotifyKind::DingTalk);
            };
            let base = send::env_value(ch.url_env.as_deref(), "钉钉机器人地址")?;
            let secret = match ch.secret_env.as_deref() {
                Some(name) => Some(send::env_value(Some(name), "钉钉机器人加签密钥")?),
                None => None,
            };
            // The signature carries the real time: DingTalk refuses one an hour off.
            let url = send::dingtalk_url(
                &base,
                secret.as_deref(),
                chrono::Utc::now().timestamp_millis(),
            )?;
            let body = serde_json::json!({"msgtype": "markdown", "markdown": {"title": title, "text": text}});
            send::post_json(http, &url, &body, true).await
        })
    }
}
