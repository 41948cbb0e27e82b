//! Every error a browser sees is an HTML page that says what happened and what to do; the JSON
//! API under `/api` keeps its JSON errors.
//!
//! Why decided by route: a browser and an API client can send the same `Accept` header (or
//! none), so guessing from headers fails one of them. Page handlers return [`PageError`], which
//! renders the error page; the fallback for unknown routes and wrong methods looks at the path
//! ([`is_page_path`]); and [`html_errors`], the outermost layer, turns a JSON error that reached
//! a page path from a layer outside the page handlers (a rate limit, a body limit) into the same
//! HTML page. A form that fails validation is not an error page: its handler re-renders the form
//! with the message (400).

use crate::error::ApiError;
use crate::policy::Denied;
use askama::Template;
use axum::extract::rejection::{FormRejection, PathRejection};
use axum::extract::Request;
use axum::http::{header, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use std::borrow::Cow;

/// The result of a page handler.
pub type PageResult<T = Response> = Result<T, PageError>;

/// An error shown to a person as an HTML page.
#[derive(Debug)]
pub struct PageError {
    /// HTTP status.
    pub status: StatusCode,
    /// What happened, in a sentence.
    pub message: Cow<'static, str>,
}

impl PageError {
    /// The 404 page.
    pub fn not_found() -> Self {
        ApiError::not_found().into()
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        Self {
            status: e.status,
            message: e.message,
        }
    }
}

impl From<crate::db::DbError> for PageError {
    fn from(e: crate::db::DbError) -> Self {
        ApiError::from(e).into()
    }
}

impl From<Denied> for PageError {
    fn from(d: Denied) -> Self {
        ApiError::from(d).into()
    }
}

impl From<FormRejection> for PageError {
    fn from(r: FormRejection) -> Self {
        ApiError::from(r).into()
    }
}

impl From<PathRejection> for PageError {
    fn from(_: PathRejection) -> Self {
        Self::not_found()
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> Self {
        tracing::error!(error = %e, "template failed");
        ApiError::internal().into()
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    nav: Option<super::Nav>,
    status: u16,
    message: &'a str,
    next_step: &'a str,
    sign_in: bool,
}

/// The heading and the advice for a status.
fn advice(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 | 422 => (
            "That request could not be used",
            "Go back, check what you entered, and send it again.",
        ),
        401 => ("Please sign in", "Sign in, then open the page again."),
        403 => (
            "Not allowed",
            "Your role does not give access to this. If you need it, ask an admin of your organization.",
        ),
        404 => (
            "Page not found",
            "Check the address, or start again from your home page.",
        ),
        405 => (
            "That action is not available here",
            "Use the buttons and links on the page instead of typing the address.",
        ),
        409 => (
            "That could not be done",
            "Reload the page to see the current state, then try again.",
        ),
        413 => (
            "Too much data",
            "The form sent more than the server accepts. Shorten it and try again.",
        ),
        429 => (
            "Too many requests",
            "Wait a minute, then try again.",
        ),
        s if s >= 500 => (
            "Something went wrong on our side",
            "Try again in a moment. If it keeps happening, tell your admin: the server's log has the details.",
        ),
        _ => ("That did not work", "Go back and try again."),
    }
}

/// `no such resource` -> `No such resource.`
fn sentence(message: &str) -> String {
    let mut chars = message.trim().chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// Renders the error page for `status` with `message`.
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let (title, next_step) = advice(status);
    let message = sentence(message);
    let page = ErrorPage {
        title,
        nav: None,
        status: status.as_u16(),
        message: &message,
        next_step,
        sign_in: status == StatusCode::UNAUTHORIZED,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "error page failed to render");
            (status, "error").into_response()
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        error_page(self.status, &self.message)
    }
}

/// Whether `path` is served to browsers (everything but the JSON API and the operational
/// endpoints, which keep machine-readable errors).
pub fn is_page_path(path: &str) -> bool {
    !(path == "/api" || path.starts_with("/api/") || matches!(path, "/healthz" | "/readyz" | "/metrics"))
}

/// 404 for unknown routes: an HTML page for browsers, JSON under `/api`.
pub async fn fallback(uri: Uri) -> Response {
    if is_page_path(uri.path()) {
        PageError::not_found().into_response()
    } else {
        ApiError::not_found().into_response()
    }
}

/// 405 for a known route with the wrong method: HTML for pages, JSON under `/api`.
pub async fn method_not_allowed(uri: Uri) -> Response {
    let e = ApiError::from_status(StatusCode::METHOD_NOT_ALLOWED);
    if is_page_path(uri.path()) {
        PageError::from(e).into_response()
    } else {
        e.into_response()
    }
}

/// Largest JSON error body read back to show its message on a page.
const MAX_ERROR_BODY: usize = 16 * 1024;

/// Outermost layer: an error that reaches a page path as JSON (from a layer outside the page
/// handlers) becomes the HTML error page with the same status and message.
pub async fn html_errors(req: Request, next: Next) -> Response {
    let page = is_page_path(req.uri().path());
    let resp = next.run(req).await;
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !page || !(status.is_client_error() || status.is_server_error()) || !is_json {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let message = axum::body::to_bytes(body, MAX_ERROR_BODY)
        .await
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned());
    let mut out = error_page(status, &message);
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use tower::ServiceExt;

    /// A layer outside the page handlers (here: a stand-in rate limiter) answers 429 in JSON;
    /// on a page path the browser gets the HTML page with the message and what to do, under
    /// `/api` the JSON stays, and the limiter's headers survive.
    #[tokio::test]
    async fn an_outer_layers_json_error_becomes_a_page_only_on_page_paths() {
        async fn limited() -> Response {
            (
                [(header::RETRY_AFTER, "60")],
                ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    "too many sign-in attempts",
                ),
            )
                .into_response()
        }
        let app = axum::Router::new()
            .route("/login", get(limited))
            .route("/api/v1/auth/login", get(limited))
            .layer(axum::middleware::from_fn(html_errors));
        let call = |path: &'static str| {
            let app = app.clone();
            async move {
                let r = app
                    .oneshot(
                        Request::builder()
                            .uri(path)
                            .body(axum::body::Body::empty())
                            .unwrap(),
                    )
                    .await
                    .unwrap();
                let (parts, body) = r.into_parts();
                let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
                (parts, String::from_utf8(body.to_vec()).unwrap())
            }
        };
        let (parts, html) = call("/login").await;
        assert_eq!(parts.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(parts.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert_eq!(parts.headers[header::RETRY_AFTER], "60");
        assert!(html.contains("<h1>Too many requests</h1>"), "{html}");
        assert!(html.contains("Too many sign-in attempts.") && html.contains("Wait a minute"));
        let (parts, json) = call("/api/v1/auth/login").await;
        assert_eq!(parts.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            json,
            r#"{"error":{"code":"rate_limited","message":"too many sign-in attempts"}}"#
        );
    }

    #[test]
    fn errors_read_as_sentences() {
        assert_eq!(sentence("no such resource"), "No such resource.");
        assert_eq!(sentence("Done!"), "Done!");
        assert_eq!(sentence(""), "");
    }

    #[test]
    fn pages_and_api_are_told_apart_by_path() {
        assert!(is_page_path("/"));
        assert!(is_page_path("/teams/abc"));
        assert!(is_page_path("/apiary"));
        assert!(!is_page_path("/api"));
        assert!(!is_page_path("/api/v1/me"));
        assert!(!is_page_path("/metrics"));
    }
}
