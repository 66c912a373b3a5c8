//! WeCom (企业微信) group bots: markdown up to 4096 bytes, 20 messages a minute.

use futures_util::future::BoxFuture;

use super::markdown::Bot;
use super::send;
use crate::alert::notify::message::Flavor;
use crate::config::NotifyConfig;

pub const WECOM: Bot = Bot {
    flavor: Flavor::WeCom,
    size_limit: 4096,
    per_minute: 20,
    send: post,
};

fn post<'a>(
    http: &'a reqwest::Client,
    ch: &'a NotifyConfig,
    _title: String,
    text: String,
) -> BoxFuture<'a, Result<(), String>> {
    Box::pin(async move {
        let url = send::env_value(ch.url_env.as_deref(), "企业微信机器人地址")?;
        let body = serde_json::json!({"msgtype": "markdown", "markdown": {"content": text}});
        send::post_json(http, &url, &body, true).await
    })
}
