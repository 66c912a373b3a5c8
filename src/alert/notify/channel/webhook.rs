//! Generic JSON webhooks: the alert, digest or health JSON as it is stored, 60 messages a minute.

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::{HealthPush, Kind, Notice, Part, PushAlert, send, wrong_part};
use crate::alert::digest::Digest;
use crate::config::NotifyConfig;
use crate::model::NotifyKind;

pub struct Webhook;

impl Kind for Webhook {
    fn rate_limit(&self) -> usize {
        60
    }

    fn digest_payload(&self, d: &Digest) -> anyhow::Result<Value> {
        Ok(serde_json::json!({"type": "digest", "digest": d}))
    }

    fn alert_parts(&self, _alerts: &[PushAlert], raw: &[&Value]) -> Vec<Part> {
        vec![Part::Json(serde_json::json!({
            "type": "alerts",
            "count": raw.len(),
            "alerts": raw,
        }))]
    }

    fn digest_parts(&self, payload: Value) -> Vec<Part> {
        vec![Part::Json(payload)]
    }

    fn health_parts(&self, _h: &HealthPush, mut raw: Value) -> Vec<Part> {
        raw["type"] = Value::from("health");
        vec![Part::Json(raw)]
    }

    fn notice_parts(&self, _n: &Notice, mut raw: Value) -> Vec<Part> {
        raw["type"] = Value::from("notice");
        vec![Part::Json(raw)]
    }

    fn send<'a>(
        &'a self,
        http: &'a reqwest::Client,
        ch: &'a NotifyConfig,
        part: Part,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let Part::Json(body) = part else {
                return wrong_part(NotifyKind::Webhook);
            };
            let url = send::env_value(ch.url_env.as_deref(), "Webhook 地址")?;
            send::post_json(http, &url, &body, false).await
        })
    }
}
