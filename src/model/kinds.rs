//! The domain's closed sets: alert level and review status, source status, push channel kind,
//! digest format. Each is parsed once at an edge (config file, HTTP parameter, CLI argument,
//! database row) and carried as an enum from there on. Each has one `as_str()` (the stored and
//! JSON name) and one `label_zh()` (what the web, the CLI, the digest and pushes show): there is
//! no other label table.

use serde::{Deserialize, Serialize};

/// Defines `as_str`, `label_zh`, `parse` (the stored name) and `ALL` for a fieldless enum.
macro_rules! named {
    ($ty:ident { $($v:ident = $name:literal, $label:literal;)+ }) => {
        impl $ty {
            /// Every value, in display order.
            pub const ALL: &'static [$ty] = &[$($ty::$v),+];

            /// The stored and JSON name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$v => $name,)+
                }
            }

            /// The label shown to users (Simplified Chinese).
            pub fn label_zh(self) -> &'static str {
                match self {
                    $($ty::$v => $label,)+
                }
            }

            /// The value of a stored or JSON name (exact, lowercase).
            pub fn parse(s: &str) -> Option<$ty> {
                match s {
                    $($name => Some($ty::$v),)+
                    _ => None,
                }
            }

            /// The names, comma-separated, for error messages.
            pub fn names() -> String {
                [$($name),+].join(", ")
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<$ty, String> {
                $ty::parse(s).ok_or_else(|| format!("{s:?}: {}", $ty::names()))
            }
        }
    };
}

/// How urgent an alert is. Ordered: `Low < Medium < High`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    #[default]
    Low,
    Medium,
    High,
}

named!(Level {
    High = "high", "高";
    Medium = "medium", "中";
    Low = "low", "低";
});

/// 情感倾向 of an article: what it says about its subject (see `analyze::tone`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tone {
    Negative,
    #[default]
    Neutral,
    Positive,
}

named!(Tone {
    Negative = "negative", "负面";
    Neutral = "neutral", "中性";
    Positive = "positive", "正面";
});

/// Where an alert handed to a partner unit stands: 已交办, 已办结, or 已超期 when its deadline
/// passed without done (derived from the deadline and the clock, never stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Handling {
    Assigned,
    Done,
    Overdue,
}

named!(Handling {
    Overdue = "overdue", "已超期";
    Assigned = "assigned", "已交办";
    Done = "done", "已办结";
});

/// Where a collector's review has put an alert.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertStatus {
    #[default]
    New,
    Confirmed,
    Reported,
    Dismissed,
}

named!(AlertStatus {
    New = "new", "新";
    Confirmed = "confirmed", "已核实";
    Reported = "reported", "已上报";
    Dismissed = "dismissed", "忽略";
});

/// A source's state: its last fetch (`new` before the first one), or `silent` when a source
/// that should publish every `expect_every` has brought nothing new for that long.
/// `not_modified` is the outcome of one crawl (HTTP 304), never a stored state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceStatus {
    #[default]
    New,
    Ok,
    NotModified,
    Failing,
    Blocked,
    Silent,
}

named!(SourceStatus {
    Failing = "failing", "采集失败";
    Blocked = "blocked", "访问受限";
    Silent = "silent", "长时间无更新";
    New = "new", "未采集";
    NotModified = "not_modified", "无变化";
    Ok = "ok", "正常";
});

impl SourceStatus {
    /// Whether the source needs attention (listed as a gap in the digest, health pushes).
    pub fn is_gap(self) -> bool {
        matches!(
            self,
            SourceStatus::Failing
                | SourceStatus::Blocked
                | SourceStatus::Silent
                | SourceStatus::New
        )
    }

    /// Whether this is a failure a health push announces (a new source is not one).
    pub fn is_bad(self) -> bool {
        matches!(
            self,
            SourceStatus::Failing | SourceStatus::Blocked | SourceStatus::Silent
        )
    }

    /// Sort key: problems first.
    pub fn rank(self) -> u8 {
        match self {
            SourceStatus::Failing => 0,
            SourceStatus::Blocked => 1,
            SourceStatus::Silent => 2,
            SourceStatus::New => 3,
            SourceStatus::NotModified => 4,
            SourceStatus::Ok => 5,
        }
    }
}

/// The kind of a push channel (`[[notify]] kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotifyKind {
    WeCom,
    DingTalk,
    Webhook,
    Email,
}

named!(NotifyKind {
    WeCom = "wecom", "企业微信";
    DingTalk = "dingtalk", "钉钉";
    Webhook = "webhook", "Webhook";
    Email = "email", "邮件";
});

/// What a web user may do: `unit` (a partner unit) only sees and answers the alerts handed to
/// it; `staff` search and read, `collector` also reviews and hands alerts over, `admin` also
/// manages users and reloads the configuration. Ordered by power.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A partner unit (联席单位): sees and answers only what was handed to it.
    Unit,
    Staff,
    Collector,
    Admin,
}

named!(Role {
    Unit = "unit", "联席单位";
    Staff = "staff", "工作人员";
    Collector = "collector", "信息员";
    Admin = "admin", "管理员";
});

/// A digest (and report) file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DigestFormat {
    Html,
    Md,
    Json,
    Xlsx,
    Docx,
}

named!(DigestFormat {
    Html = "html", "网页";
    Md = "md", "Markdown";
    Json = "json", "JSON";
    Xlsx = "xlsx", "Excel";
    Docx = "docx", "Word";
});

impl DigestFormat {
    /// Parses a format name or file extension (case-insensitive, optional leading dot):
    /// `html`/`htm`, `md`/`markdown`, `json`, `xlsx`/`excel`, `docx`/`word`.
    pub fn parse_lenient(s: &str) -> Option<DigestFormat> {
        let s = s.trim();
        let s = s.strip_prefix('.').unwrap_or(s).to_ascii_lowercase();
        match s.as_str() {
            "htm" => Some(DigestFormat::Html),
            "markdown" => Some(DigestFormat::Md),
            "excel" => Some(DigestFormat::Xlsx),
            "word" => Some(DigestFormat::Docx),
            other => DigestFormat::parse(other),
        }
    }

    /// File extension without the dot.
    pub fn extension(self) -> &'static str {
        self.as_str()
    }

    /// MIME type, for HTTP responses and mail attachments.
    pub fn content_type(self) -> &'static str {
        match self {
            DigestFormat::Html => "text/html; charset=utf-8",
            DigestFormat::Md => "text/markdown; charset=utf-8",
            DigestFormat::Json => "application/json",
            DigestFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            DigestFormat::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }

    /// Binary formats are downloaded, never shown inline.
    pub fn is_binary(self) -> bool {
        matches!(self, DigestFormat::Xlsx | DigestFormat::Docx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for l in Level::ALL {
            assert_eq!(Level::parse(l.as_str()), Some(*l));
            assert_eq!(serde_json::to_string(l).unwrap(), format!("\"{l}\""));
        }
        for s in AlertStatus::ALL {
            assert_eq!(AlertStatus::parse(s.as_str()), Some(*s));
            assert_eq!(serde_json::to_string(s).unwrap(), format!("\"{s}\""));
        }
        for s in SourceStatus::ALL {
            assert_eq!(SourceStatus::parse(s.as_str()), Some(*s));
            assert_eq!(serde_json::to_string(s).unwrap(), format!("\"{s}\""));
        }
        for k in NotifyKind::ALL {
            assert_eq!(NotifyKind::parse(k.as_str()), Some(*k));
            assert_eq!(serde_json::to_string(k).unwrap(), format!("\"{k}\""));
        }
        for f in DigestFormat::ALL {
            assert_eq!(DigestFormat::parse_lenient(f.as_str()), Some(*f));
            assert_eq!(serde_json::to_string(f).unwrap(), format!("\"{f}\""));
        }
        assert_eq!(
            DigestFormat::parse_lenient(".Word"),
            Some(DigestFormat::Docx)
        );
        assert!(Level::High > Level::Medium && Level::Medium > Level::Low);
    }

    #[test]
    fn a_silent_source_is_not_labelled_never_crawled() {
        // The web /sources page once showed a silent source as 未采集.
        assert_eq!(SourceStatus::Silent.label_zh(), "长时间无更新");
        assert_ne!(
            SourceStatus::Silent.label_zh(),
            SourceStatus::New.label_zh()
        );
    }
}
