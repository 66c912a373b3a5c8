//! Transports the channel kinds share: JSON POSTs (bots, webhooks), DingTalk's signature, SMTP.
//! Errors are short Chinese sentences without the secret URL (they are stored on outbox rows).

use std::time::Duration;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::Sha256;

use crate::config::NotifyConfig;

pub const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The value of the environment variable `name`, or an error that says which one is missing.
pub fn env_value(name: Option<&str>, what: &str) -> Result<String, String> {
    let name = name.ok_or_else(|| format!("未配置{what}所在的环境变量"))?;
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
        _ => Err(format!("环境变量 {name} 未设置（{what}）")),
    }
}

/// DingTalk's signature: `sign = base64(HMAC-SHA256(secret, "{timestamp}\n{secret}"))`.
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The bot URL with DingTalk's `timestamp` and `sign` appended (when a secret is configured).
pub fn dingtalk_url(base: &str, secret: Option<&str>, timestamp_ms: i64) -> Result<String, String> {
    let mut url = url::Url::parse(base).map_err(|e| format!("机器人地址无效：{e}"))?;
    if let Some(secret) = secret {
        url.query_pairs_mut()
            .append_pair("timestamp", &timestamp_ms.to_string())
            .append_pair("sign", &dingtalk_sign(secret, timestamp_ms));
    }
    Ok(url.into())
}

/// POSTs JSON; success is a 2xx answer and, for bots, `errcode` 0.
pub async fn post_json(
    http: &reqwest::Client,
    url: &str,
    body: &serde_json::Value,
    bot: bool,
) -> Result<(), String> {
    let resp = http
        .post(url)
        .json(body)
        .send()
        .await
        .map_err(|e| format!("请求失败：{}", e.without_url()))?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    if !status.is_success() {
        return Err(format!(
            "接收方返回 HTTP {}：{}",
            status.as_u16(),
            snippet(&text)
        ));
    }
    if bot {
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let code = v.get("errcode").and_then(serde_json::Value::as_i64);
        if code.is_some_and(|c| c != 0) {
            return Err(format!(
                "机器人返回错误 {}：{}",
                code.unwrap_or_default(),
                snippet(v.get("errmsg").and_then(|m| m.as_str()).unwrap_or(""))
            ));
        }
    }
    Ok(())
}

fn snippet(s: &str) -> String {
    s.chars().take(200).collect()
}

/// An email: subject, body (HTML or plain text) and optional attachments.
pub struct Email {
    pub subject: String,
    pub html: Option<String>,
    pub text: Option<String>,
    /// (file name, content type, bytes)
    pub attachments: Vec<(String, String, Vec<u8>)>,
}

/// Sends an email through the SMTP server named by the channel's `smtp_url_env`.
pub async fn email(ch: &NotifyConfig, mail: Email) -> Result<(), String> {
    let smtp_url = env_value(ch.smtp_url_env.as_deref(), "SMTP 服务器地址")?;
    let from: Mailbox = ch
        .from
        .as_deref()
        .unwrap_or_default()
        .parse()
        .map_err(|e| format!("发件人地址无效：{e}"))?;
    let mut b = Message::builder().from(from).subject(mail.subject);
    for t in &ch.to {
        b = b.to(t.parse().map_err(|e| format!("收件人地址 {t} 无效：{e}"))?);
    }
    let body = match (mail.html, mail.text) {
        // base64 keeps long Chinese HTML lines intact through any relay.
        (Some(h), _) => SinglePart::builder()
            .header(ContentType::TEXT_HTML)
            .header(ContentTransferEncoding::Base64)
            .body(h),
        (None, t) => SinglePart::plain(t.unwrap_or_default()),
    };
    let msg = if mail.attachments.is_empty() {
        b.singlepart(body)
    } else {
        let mut mp = MultiPart::mixed().singlepart(body);
        for (name, ctype, bytes) in mail.attachments {
            let ct = ContentType::parse(&ctype).map_err(|e| format!("附件类型无效：{e}"))?;
            mp = mp.singlepart(Attachment::new(name).body(bytes, ct));
        }
        b.multipart(mp)
    }
    .map_err(|e| format!("邮件构造失败：{e}"))?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&smtp_url)
        .map_err(|e| format!("SMTP 地址无效：{e}"))?
        .timeout(Some(SMTP_TIMEOUT))
        .build();
    transport
        .send(msg)
        .await
        .map(|_| ())
        .map_err(|e| format!("邮件发送失败：{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dingtalk_url_carries_timestamp_and_urlencoded_sign() {
        let u = dingtalk_url(
            "https://oapi.dingtalk.com/robot/send?access_token=abc",
            Some("SECxyz"),
            1_700_000_000_000,
        )
        .unwrap();
        let parsed = url::Url::parse(&u).unwrap();
        let q: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
        assert_eq!(q["access_token"], "abc");
        assert_eq!(q["timestamp"], "1700000000000");
        assert_eq!(q["sign"], dingtalk_sign("SECxyz", 1_700_000_000_000));
        assert!(
            !u.contains('+') && !u.contains("=="),
            "sign is urlencoded: {u}"
        );
    }
}
