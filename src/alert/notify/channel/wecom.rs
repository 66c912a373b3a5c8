//! WeCom (企业微信) group bots: markdown up to 4096 bytes, 20 messages a minute.

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::{HealthPush, Kind, Part, PushAlert, markdown, send, wrong_part};
use crate::alert::digest::Digest;
use crate::alert::notify::message::Flavor;
use crate::config::NotifyConfig;
use crate::model::NotifyKind;

pub struct WeCom;

const SIZE_LIMIT: usize = 4096;

impl Kind for WeCom {
    fn rate_limit(&self) -> usize {
        20
    }

    fn digest_payload(&self, d: &Digest) -> anyhow::Result<Value> {
        Ok(markdown::digest_payload(d, Flavor::WeCom))
    }

    fn alert_parts(&self, alerts: &[PushAlert], _raw: &[&Value]) -> Vec<Part> {
        markdown::alert_parts(alerts, Flavor::WeCom, SIZE_LIMIT)
    }

    fn digest_parts(&self, payload: Value) -> Vec<Part> {
        markdown::digest_parts(&payload, SIZE_LIMIT)
    }

    fn health_parts(&self, h: &HealthPush, _raw: Value) -> Vec<Part> {
        markdown::health_parts(h, Flavor::WeCom)
    }

    fn send<'a>(
        &'a self,
        http: &'a reqwest::Client,
        ch: &'a NotifyConfig,
        part: Part,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let Part::Markdown { text, .. } = part else {
                return wrong_part(NotifyKind::WeCom);
            };
            let url = send::env_value(ch.url_env.as_deref(), "企业微信机器人地址")?;
            let body = serde_json::json!({"msgtype": "markdown", "markdown": {"content": text}});
            send::post_json(http, &url, &body, true).await
        })
    }
}
