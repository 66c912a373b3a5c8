//! Fetches URLs politely and within bounds. Knows nothing about feeds, pages or storage.
//!
//! One shared reqwest client (gzip/brotli/deflate, connect and total timeouts, at most 5
//! redirects, our User-Agent); the body is read as a stream and abandoned past `max_body`;
//! conditional GET with the validators the caller kept; per-host concurrency and a minimum pause
//! between requests to one host; a global limit; retries with backoff on 5xx and timeouts;
//! `Retry-After` honoured on 429/503. `file://` URLs read local files (offline demo, saved feeds).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use url::Url;

use crate::config::HttpConfig;

pub const MAX_REDIRECTS: usize = 5;
/// Longest `Retry-After` we wait for inside one crawl; longer ones fail the fetch.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
const BASE_BACKOFF: Duration = Duration::from_millis(500);

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("HTTP {status} from {url}")]
    Status {
        status: u16,
        url: String,
        retry_after: Option<Duration>,
    },
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("body larger than the {limit}-byte limit")]
    TooLarge { limit: u64 },
    #[error("more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects,
    #[error("network error: {0}")]
    Network(String),
    #[error("cannot read {path}: {error}")]
    File { path: String, error: std::io::Error },
    #[error("unsupported URL scheme {0:?}")]
    Scheme(String),
}

impl FetchError {
    /// Worth another try soon (server errors, timeouts, connection trouble).
    fn transient(&self) -> bool {
        match self {
            FetchError::Status { status, .. } => *status >= 500 || *status == 429,
            FetchError::Timeout(_) | FetchError::Network(_) => true,
            _ => false,
        }
    }

    /// The HTTP status, when the server answered with an error status.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Validators from the previous fetch of the same URL.
#[derive(Debug, Clone, Default)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Response {
    pub final_url: Url,
    pub content_type: Option<String>,
    pub validators: Validators,
    pub body: Vec<u8>,
}

#[derive(Debug)]
pub enum Fetched {
    /// 304: nothing changed since the validators we sent.
    NotModified,
    Ok(Response),
}

struct HostGate {
    permits: Semaphore,
    next_at: tokio::sync::Mutex<Instant>,
}

pub struct Fetcher {
    client: reqwest::Client,
    cfg: HttpConfig,
    global: Semaphore,
    hosts: Mutex<HashMap<String, Arc<HostGate>>>,
}

impl Fetcher {
    pub fn new(cfg: &HttpConfig) -> Result<Fetcher, FetchError> {
        let client = reqwest::Client::builder()
            .user_agent(cfg.user_agent.clone())
            .connect_timeout(cfg.connect_timeout)
            .timeout(cfg.timeout)
            .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
            .gzip(true)
            .brotli(true)
            .deflate(true)
            .build()
            .map_err(|e| FetchError::Network(e.to_string()))?;
        Ok(Fetcher {
            client,
            cfg: cfg.clone(),
            global: Semaphore::new(cfg.concurrency),
            hosts: Mutex::new(HashMap::new()),
        })
    }

    /// GETs `url` (conditionally when `validators` are given), retrying transient failures.
    pub async fn get(
        &self,
        url: &Url,
        validators: Option<&Validators>,
    ) -> Result<Fetched, FetchError> {
        match url.scheme() {
            "file" => return self.read_file(url).await,
            "http" | "https" => {}
            other => return Err(FetchError::Scheme(other.to_string())),
        }
        let mut attempt = 0u32;
        loop {
            let result = self.get_once(url, validators).await;
            match result {
                Err(e) if e.transient() && attempt < self.cfg.retries => {
                    let wait = match &e {
                        FetchError::Status {
                            retry_after: Some(ra),
                            ..
                        } => {
                            if *ra > MAX_RETRY_AFTER {
                                return Err(e);
                            }
                            *ra
                        }
                        _ => BASE_BACKOFF * 2u32.pow(attempt),
                    };
                    tracing::debug!(%url, error = %e, ?wait, "retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn gate(&self, host: &str) -> Arc<HostGate> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        hosts
            .entry(host.to_string())
            .or_insert_with(|| {
                Arc::new(HostGate {
                    permits: Semaphore::new(self.cfg.per_host_concurrency),
                    next_at: tokio::sync::Mutex::new(Instant::now()),
                })
            })
            .clone()
    }

    async fn get_once(
        &self,
        url: &Url,
        validators: Option<&Validators>,
    ) -> Result<Fetched, FetchError> {
        let host = url.host_str().unwrap_or("").to_string();
        let gate = self.gate(&host);
        // Semaphores are never closed, so acquiring cannot fail.
        let _host_permit = gate.permits.acquire().await.expect("host semaphore open");
        {
            let mut next = gate.next_at.lock().await;
            let now = Instant::now();
            if *next > now {
                tokio::time::sleep_until(*next).await;
            }
            *next = Instant::now() + self.cfg.per_host_delay;
        }
        let _global_permit = self.global.acquire().await.expect("global semaphore open");

        let mut req = self.client.get(url.clone());
        if let Some(v) = validators {
            if let Some(etag) = &v.etag {
                req = req.header(header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &v.last_modified {
                req = req.header(header::IF_MODIFIED_SINCE, lm);
            }
        }
        let mut resp = req.send().await.map_err(|e| self.classify(e))?;
        let status = resp.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                status: status.as_u16(),
                url: url.to_string(),
                retry_after: retry_after(resp.headers()),
            });
        }
        let limit = self.cfg.max_body;
        if resp.content_length().is_some_and(|n| n > limit) {
            return Err(FetchError::TooLarge { limit });
        }
        let headers = resp.headers().clone();
        let final_url = resp.url().clone();
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.classify(e))? {
            if body.len() as u64 + chunk.len() as u64 > limit {
                return Err(FetchError::TooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        let text = |h| {
            headers
                .get(h)
                .and_then(|v: &header::HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        Ok(Fetched::Ok(Response {
            final_url,
            content_type: text(header::CONTENT_TYPE),
            validators: Validators {
                etag: text(header::ETAG),
                last_modified: text(header::LAST_MODIFIED),
            },
            body,
        }))
    }

    fn classify(&self, e: reqwest::Error) -> FetchError {
        if e.is_timeout() {
            FetchError::Timeout(self.cfg.timeout)
        } else if e.is_redirect() {
            FetchError::TooManyRedirects
        } else {
            // Show the innermost cause: reqwest's own message is just "error sending request".
            let mut msg = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                msg = format!("{msg}: {s}");
                src = s.source();
            }
            FetchError::Network(msg)
        }
    }

    async fn read_file(&self, url: &Url) -> Result<Fetched, FetchError> {
        let path = url
            .to_file_path()
            .map_err(|_| FetchError::Scheme(format!("bad file URL {url}")))?;
        let err = |error| FetchError::File {
            path: path.display().to_string(),
            error,
        };
        let meta = tokio::fs::metadata(&path).await.map_err(err)?;
        if meta.len() > self.cfg.max_body {
            return Err(FetchError::TooLarge {
                limit: self.cfg.max_body,
            });
        }
        let body = tokio::fs::read(&path).await.map_err(err)?;
        Ok(Fetched::Ok(Response {
            final_url: url.clone(),
            content_type: None,
            validators: Validators::default(),
            body,
        }))
    }
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let secs = (when.timestamp() - chrono::Utc::now().timestamp()).max(0);
    Some(Duration::from_secs(secs as u64))
}
