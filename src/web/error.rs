//! The one web error. The API answers `{"error": "..."}` with the status; pages answer an HTML
//! page, or a redirect to `/login` when not logged in. User mistakes are 4xx with a message; a
//! 500 logs its detail and shows only a generic body.

use askama::Template;
use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::app::SearchError;
use crate::app::alerts::AlertError;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("{0}")]
    BadRequest(String),
    #[error("请先登录 (login required)")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("服务器内部错误 (internal error)")]
    Internal(#[from] anyhow::Error),
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Unauthorized => StatusCode::UNAUTHORIZED,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Logs a 500's detail (once); the body never carries it.
    fn log(&self) {
        if let WebError::Internal(e) = self {
            tracing::error!(error = %format!("{e:#}"), "web request failed");
        }
    }

    pub fn bad(msg: impl Into<String>) -> WebError {
        WebError::BadRequest(msg.into())
    }

    pub fn forbidden_role(need: &str) -> WebError {
        WebError::Forbidden(format!("权限不足：需要{need}权限 (forbidden)"))
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        self.log();
        (
            self.status(),
            Json(serde_json::json!({ "error": self.to_string() })),
        )
            .into_response()
    }
}

impl From<SearchError> for WebError {
    fn from(e: SearchError) -> Self {
        match e {
            SearchError::BadRequest(m) => WebError::BadRequest(m),
            other => WebError::Internal(other.into()),
        }
    }
}

impl From<AlertError> for WebError {
    fn from(e: AlertError) -> Self {
        match e {
            AlertError::BadRequest(m) => WebError::BadRequest(m),
            AlertError::NotFound(_) => WebError::NotFound(e.to_string()),
            AlertError::Store(s) => WebError::Internal(s.into()),
        }
    }
}

impl From<crate::store::StoreError> for WebError {
    fn from(e: crate::store::StoreError) -> Self {
        WebError::Internal(e.into())
    }
}

impl From<tokio::task::JoinError> for WebError {
    fn from(e: tokio::task::JoinError) -> Self {
        WebError::Internal(e.into())
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        WebError::Internal(e.into())
    }
}

/// Runs blocking work (SQLite, tantivy, file formats) off the async threads.
pub async fn blocking<T, E>(
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, WebError>
where
    T: Send + 'static,
    E: Into<WebError> + Send + 'static,
{
    tokio::task::spawn_blocking(f).await?.map_err(Into::into)
}

/// A [`WebError`] answered as an HTML page.
#[derive(Debug)]
pub struct PageError(pub WebError);

impl<E: Into<WebError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

#[derive(Template)]
#[template(path = "error.html", config = "src/web/askama.toml")]
struct ErrorPage {
    nav: super::view::Nav,
    status: u16,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let e = self.0;
        if matches!(e, WebError::Unauthorized) {
            return Redirect::to("/login").into_response();
        }
        e.log();
        let status = e.status();
        let page = ErrorPage {
            nav: super::view::Nav::anonymous(),
            status: status.as_u16(),
            message: e.to_string(),
        };
        match page.render() {
            Ok(body) => (status, Html(body)).into_response(),
            Err(_) => (
                status,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                e.to_string(),
            )
                .into_response(),
        }
    }
}
