//! `[[notify]]` push channels: their settings and checks.

use super::*;
pub use crate::model::NotifyKind;

#[derive(Debug, Clone)]
pub struct NotifyConfig {
    pub kind: NotifyKind,
    pub name: Option<String>,
    pub url_env: Option<String>,
    pub secret_env: Option<String>,
    pub min_level: Level,
    /// Local `[start, end)`; may wrap midnight ("22:00-07:00").
    pub quiet_hours: Option<(chrono::NaiveTime, chrono::NaiveTime)>,
    /// Email recipients.
    pub to: Vec<String>,
    pub from: Option<String>,
    pub smtp_url_env: Option<String>,
    /// At most this many alerts in one message.
    pub batch: usize,
    /// Whether the daily digest is pushed to this channel.
    pub digest: bool,
    /// Whether source-health changes are pushed to this channel (the admin's channel).
    pub health: bool,
}

impl NotifyConfig {
    /// The channel's key in the outbox: its name, else kind and variable name.
    pub fn channel(&self) -> String {
        match &self.name {
            Some(n) => n.clone(),
            None => format!(
                "{}:{}",
                self.kind,
                self.url_env
                    .as_deref()
                    .or(self.smtp_url_env.as_deref())
                    .unwrap_or("")
            ),
        }
    }
}

pub const DEFAULT_NOTIFY_BATCH: usize = 10;

/// Checks one `[[notify]]` table; `None` (with problems recorded) when it is unusable.
pub(super) fn check_notify(c: &mut Checker, n: &raw::RawNotify) -> Option<NotifyConfig> {
    // A missing kind is already reported by the reader.
    let kind_v = n.kind.as_ref()?;
    let Some(kind) = NotifyKind::parse(kind_v.get_ref()) else {
        return c.err(
            kind_v.span(),
            format!(
                "未知的推送类型 {k:?}，可选：{names} (unknown notify kind {k:?}: use one of {names})",
                k = kind_v.get_ref(),
                names = NotifyKind::names()
            ),
        );
    };
    let email = kind == NotifyKind::Email;
    let mut ok = true;
    let min_level = match &n.min_level {
        Some(l) => Level::parse(l.get_ref()).or_else(|| {
            ok = false;
            c.err(
                l.span(),
                format!(
                    "级别应为 high、medium 或 low，实际为 {l:?} \
                     (level must be high, medium or low, got {l:?})",
                    l = l.get_ref()
                ),
            )
        }),
        None => Some(Level::High),
    };
    let quiet_hours = match &n.quiet_hours {
        None => None,
        Some(q) => match parse_quiet_hours(q.get_ref()) {
            Some(v) => Some(v),
            None => {
                ok = false;
                c.err(
                    q.span(),
                    format!(
                        "免打扰时段 {q:?} 无效，应写成本地时间如 \"22:00-07:00\" \
                         (bad quiet_hours {q:?}: write local times like \"22:00-07:00\")",
                        q = q.get_ref()
                    ),
                )
            }
        },
    };
    let mut env = |c: &mut Checker, v: &Option<Spanned<String>>| -> Option<String> {
        let v = v.as_ref()?;
        let name = v.get_ref();
        let valid = name
            .chars()
            .next()
            .is_some_and(|ch| ch.is_ascii_alphabetic() || ch == '_')
            && name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
        if valid {
            Some(name.clone())
        } else {
            ok = false;
            c.err(
                v.span(),
                format!(
                    "{name:?} 不是环境变量名，应写成 \"YUQING_WECOM_URL\" 这样的名称 \
                     ({name:?} is not an environment variable name, e.g. \"YUQING_WECOM_URL\")"
                ),
            )
        }
    };
    let url_env = env(c, &n.url_env);
    let secret_env = env(c, &n.secret_env);
    let smtp_url_env = env(c, &n.smtp_url_env);
    let mut wrong = |c: &mut Checker, present: Option<std::ops::Range<usize>>, msg: &str| {
        if let Some(span) = present {
            ok = false;
            c.err::<()>(span, msg.to_string());
        }
    };
    if email {
        wrong(
            c,
            n.url_env.as_ref().map(|v| v.span()),
            "邮件渠道不用 url_env，请用 smtp_url_env (an email channel has no url_env: use smtp_url_env)",
        );
        if n.smtp_url_env.is_none() {
            wrong(
                c,
                Some(kind_v.span()),
                "邮件渠道需要 smtp_url_env，即存放 smtp://user:pass@host:port 或 smtps://… 的环境变量 \
                 (an email channel needs smtp_url_env, the environment variable holding \
                 smtp://user:pass@host:port or smtps://…)",
            );
        }
        if n.to.as_ref().is_none_or(Vec::is_empty) {
            wrong(
                c,
                Some(kind_v.span()),
                "邮件渠道需要收件人 to = [\"someone@example.org\", …] \
                 (an email channel needs to = [\"someone@example.org\", …])",
            );
        }
        if n.from.is_none() {
            wrong(
                c,
                Some(kind_v.span()),
                "邮件渠道需要发件人 from = \"yuqing@example.org\" \
                 (an email channel needs from = \"yuqing@example.org\")",
            );
        }
    } else {
        if n.url_env.is_none() {
            wrong(
                c,
                Some(kind_v.span()),
                "机器人或 webhook 渠道需要 url_env，即存放其地址的环境变量 \
                 (a bot or webhook channel needs url_env, the environment variable holding its URL)",
            );
        }
        for (v, key) in [(&n.smtp_url_env, "smtp_url_env"), (&n.from, "from")] {
            wrong(
                c,
                v.as_ref().map(|v| v.span()),
                &format!("{key} 只用于邮件渠道 ({key} is only used by email channels)"),
            );
        }
        if let Some(first) = n.to.as_ref().and_then(|t| t.first()) {
            wrong(
                c,
                Some(first.span()),
                "to 只用于邮件渠道 (to is only used by email channels)",
            );
        }
    }
    if kind != NotifyKind::DingTalk {
        wrong(
            c,
            n.secret_env.as_ref().map(|v| v.span()),
            "secret_env 只用于钉钉 dingtalk 渠道 (secret_env is only used by dingtalk channels)",
        );
    }
    let mut to = Vec::new();
    for t in n.to.iter().flatten() {
        if t.get_ref().parse::<lettre::message::Mailbox>().is_ok() {
            to.push(t.get_ref().clone());
        } else {
            wrong(
                c,
                Some(t.span()),
                &format!(
                    "邮件地址 {a:?} 无效 (bad email address {a:?})",
                    a = t.get_ref()
                ),
            );
        }
    }
    if let Some(f) = &n.from
        && f.get_ref().parse::<lettre::message::Mailbox>().is_err()
    {
        wrong(
            c,
            Some(f.span()),
            &format!(
                "邮件地址 {a:?} 无效 (bad email address {a:?})",
                a = f.get_ref()
            ),
        );
    }
    let batch = match &n.batch {
        Some(b) => c.count(b, 1, 50).map(|v| v as usize),
        None => Some(DEFAULT_NOTIFY_BATCH),
    };
    if let Some(name) = &n.name
        && name.get_ref().trim().is_empty()
    {
        wrong(c, Some(name.span()), "渠道名称为空 (empty channel name)");
    }
    if !ok {
        return None;
    }
    Some(NotifyConfig {
        kind,
        name: n.name.as_ref().map(|s| s.get_ref().clone()),
        url_env,
        secret_env,
        min_level: min_level?,
        quiet_hours,
        to,
        from: n.from.as_ref().map(|s| s.get_ref().clone()),
        smtp_url_env,
        batch: batch?,
        digest: n.digest.unwrap_or(email),
        health: n.health.unwrap_or(false),
    })
}

/// Parses `"22:00-07:00"` into local start and end times (they must differ).
pub fn parse_quiet_hours(s: &str) -> Option<(chrono::NaiveTime, chrono::NaiveTime)> {
    let (a, b) = s.split_once('-')?;
    let t = |x: &str| chrono::NaiveTime::parse_from_str(x.trim(), "%H:%M").ok();
    let (a, b) = (t(a)?, t(b)?);
    (a != b).then_some((a, b))
}
