//! DingTalk (钉钉) group bots: markdown up to about 20 000 bytes, signed when the channel has a
//! secret, 20 messages a minute.

use futures_util::future::BoxFuture;

use super::markdown::Bot;
use super::send;
use crate::alert::notify::message::Flavor;
use crate::config::NotifyConfig;

pub const DINGTALK: Bot = Bot {
    flavor: Flavor::DingTalk,
    size_limit: 18_000,
    per_minute: 20,
    send: post,
};

fn post<'a>(
    http: &'a reqwest::Client,
    ch: &'a NotifyConfig,
    title: String,
    text: String,
) -> BoxFuture<'a, Result<(), String>> {
    Box::pin(async move {
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
        let body =
            serde_json::json!({"msgtype": "markdown", "markdown": {"title": title, "text": text}});
        send::post_json(http, &url, &body, true).await
    })
}
