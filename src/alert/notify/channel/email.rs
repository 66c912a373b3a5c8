//! Email over SMTP: alerts as plain text, the digest as HTML with the XLSX attached, a
//! periodic report's notice with its Word and Excel files attached; 10 messages a minute.

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

/// Files larger than this are not attached (most mail servers refuse 25 MB); the message
/// still names them.
const MAX_ATTACHMENT: u64 = 20 * 1024 * 1024;

/// The Word and Excel files a notice names, read when it is sent. A file gone or too large
/// is left out (its path is in the text).
fn attach(paths: &[std::path::PathBuf]) -> Vec<(String, String, Vec<u8>)> {
    paths
        .iter()
        .filter_map(|p| {
            let format = match p.extension()?.to_str()? {
                "docx" => DigestFormat::Docx,
                "xlsx" => DigestFormat::Xlsx,
                _ => return None,
            };
            if std::fs::metadata(p).ok()?.len() > MAX_ATTACHMENT {
                tracing::warn!("{} 超过 20 MB，未作为附件发送", p.display());
                return None;
            }
            let bytes = std::fs::read(p).ok()?;
            Some((
                p.file_name()?.to_string_lossy().into_owned(),
                format.content_type().to_string(),
                bytes,
            ))
        })
        .collect()
}

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
            attachments: attach(&n.attachments),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A weekly report's notice carries its Word and Excel files; other files, missing ones
    /// and bots' notices carry none.
    #[test]
    fn a_report_notice_attaches_its_files() {
        let dir = tempfile::tempdir().unwrap();
        let docx = dir.path().join("周报-2026-11-16.docx");
        let xlsx = dir.path().join("周报-2026-11-16.xlsx");
        std::fs::write(&docx, b"PK docx").unwrap();
        std::fs::write(&xlsx, b"PK xlsx").unwrap();
        let n = Notice {
            tag: "【舆情周报】".into(),
            headline: "青石街道舆情周报".into(),
            lines: vec!["本期共产生预警 2 条".into()],
            level: crate::model::Level::High,
            attachments: vec![
                docx,
                xlsx,
                dir.path().join("gone.docx"),
                dir.path().join("notes.txt"),
            ],
        };
        let raw = serde_json::to_value(&n).unwrap();
        let back: Notice = serde_json::from_value(raw.clone()).unwrap();
        assert_eq!(back, n, "the outbox payload keeps the paths");
        let parts = Email.notice_parts(&n, raw);
        let [Part::Email(mail)] = parts.as_slice() else {
            panic!("one email");
        };
        let names: Vec<&str> = mail.attachments.iter().map(|a| a.0.as_str()).collect();
        assert_eq!(names, ["周报-2026-11-16.docx", "周报-2026-11-16.xlsx"]);
        assert_eq!(mail.attachments[0].2, b"PK docx");
        assert!(mail.attachments[1].1.contains("spreadsheetml"));
    }
}
