//! Email over SMTP: alerts as plain text, the digest as HTML with the XLSX attached, 10
//! messages a minute.

use base64::Engine as _;
use futures_util::future::BoxFuture;
use serde_json::Value;

use super::{
    HealthPush, Kind, Notice, Part, PushAlert, health_lines, notice_lines, send, wrong_part,
};
use crate::alert::digest::{Digest, render};
use crate::alert::notify::message::{self, Flavor};
use crate::config::NotifyConfig;
use crate::model::{DigestFormat, NotifyKind};

pub struct Email;

impl Kind for Email {
    fn rate_limit(&self) -> usize {
        10
    }

    fn digest_payload(&self, d: &Digest) -> anyhow::Result<Value> {
        Ok(serde_json::json!({
            "subject": format!("{}（{}）", d.title, d.date),
            "html": String::from_utf8_lossy(&render(d, DigestFormat::Html)?),
            "xlsx": base64::engine::general_purpose::STANDARD.encode(render(d, DigestFormat::Xlsx)?),
            "filename": format!("{}-{}.xlsx", d.title, d.date),
        }))
    }

    fn alert_parts(&self, alerts: &[PushAlert], _raw: &[&Value]) -> Vec<Part> {
        vec![Part::Email(send::Email {
            subject: message::alerts_title(alerts),
            html: None,
            text: Some(message::alerts_text(alerts, Flavor::Plain).replace("**", "")),
            attachments: Vec::new(),
        })]
    }

    fn digest_parts(&self, payload: Value) -> Vec<Part> {
        let s = |k: &str| {
            payload
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let xlsx = base64::engine::general_purpose::STANDARD
            .decode(s("xlsx"))
            .unwrap_or_default();
        let mut attachments = Vec::new();
        if !xlsx.is_empty() {
            attachments.push((
                s("filename"),
                DigestFormat::Xlsx.content_type().to_string(),
                xlsx,
            ));
        }
        vec![Part::Email(send::Email {
            subject: s("subject"),
            html: Some(s("html")),
            text: None,
            attachments,
        })]
    }

    fn health_parts(&self, h: &HealthPush, _raw: Value) -> Vec<Part> {
        let (title, lines) = health_lines(h);
        vec![Part::Email(send::Email {
            subject: format!("{title}{}", message::clean(&h.headline(), 120)),
            html: None,
            text: Some(lines.join("\n").replace("**", "")),
            attachments: Vec::new(),
        })]
    }

    fn notice_parts(&self, n: &Notice, _raw: Value) -> Vec<Part> {
        let (title, lines) = notice_lines(n);
        vec![Part::Email(send::Email {
            subject: format!("{title}{}", message::clean(&n.headline, 120)),
            html: None,
            text: Some(lines.join("\n").replace("**", "")),
            attachments: Vec::new(),
        })]
    }

    fn send<'a>(
        &'a self,
        _http: &'a reqwest::Client,
        ch: &'a NotifyConfig,
        part: Part,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let Part::Email(mail) = part else {
                return wrong_part(NotifyKind::Email);
            };
            send::email(ch, mail).await
        })
    }
}
