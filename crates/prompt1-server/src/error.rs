//! One error type for every failure the HTTP layer can answer with.
//!
//! Every 4xx/5xx the server sends, including axum's own rejections (malformed JSON, wrong content
//! type, body too large, unknown route, wrong method), has the body `{"error":{"code","message"}}`.
//! Codes are stable snake_case words a client can branch on; messages are for people and never
//! quote request data (a rejected summary must not be echoed into logs or back to the client).

use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::borrow::Cow;

/// An error answered to an HTTP client.
#[derive(Debug, thiserror::Error)]
#[error("{status}: {code}: {message}")]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// Human-readable explanation (never quotes request data).
    pub message: Cow<'static, str>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
}

impl ApiError {
    /// An error with a fixed status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
    /// 400 with a code.
    pub fn bad_request(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    /// 401: no valid credentials.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing, invalid, expired or revoked credentials",
        )
    }
    /// 403: authenticated but not allowed.
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "your role does not allow this",
        )
    }
    /// 404: nothing there (also used for other organizations' ids, so they cannot be probed).
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "no such resource")
    }
    /// 409: conflicts with the current state.
    pub fn conflict(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }
    /// 500: something failed on our side; details go to the log, not to the client.
    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error")
    }
    /// The JSON response for a status with the default code for it.
    pub fn from_status(status: StatusCode) -> Self {
        let code = match status.as_u16() {
            400 => "bad_request",
            401 => "unauthorized",
            403 => "forbidden",
            404 => "not_found",
            405 => "method_not_allowed",
            408 => "timeout",
            413 => "payload_too_large",
            415 => "unsupported_media_type",
            422 => "unprocessable",
            429 => "too_many_requests",
            503 => "unavailable",
            s if s >= 500 => "internal",
            _ => "error",
        };
        let message = status.canonical_reason().unwrap_or("error");
        Self::new(status, code, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: self.code,
                message: &self.message,
            },
        };
        (self.status, axum::Json(body)).into_response()
    }
}

impl From<crate::db::DbError> for ApiError {
    fn from(e: crate::db::DbError) -> Self {
        tracing::error!(error = %e, "database error");
        Self::internal()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let status = r.status();
        let (code, message) = match &r {
            JsonRejection::JsonDataError(_) => {
                ("invalid_body", "the JSON body does not match the expected shape")
            }
            JsonRejection::JsonSyntaxError(_) => ("malformed_json", "the body is not valid JSON"),
            JsonRejection::MissingJsonContentType(_) => (
                "unsupported_media_type",
                "expected Content-Type: application/json",
            ),
            _ if status == StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "the body is too large"),
            _ => ("bad_request", "the body could not be read"),
        };
        Self::new(status, code, message)
    }
}

impl From<FormRejection> for ApiError {
    fn from(r: FormRejection) -> Self {
        let status = r.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            return Self::new(status, "payload_too_large", "the body is too large");
        }
        Self::new(status, "invalid_form", "the form could not be read")
    }
}

impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> Self {
        Self::not_found()
    }
}

impl From<QueryRejection> for ApiError {
    fn from(_: QueryRejection) -> Self {
        Self::bad_request("invalid_query", "the query string could not be read")
    }
}

/// `Result` for handlers.
pub type ApiResult<T> = Result<T, ApiError>;
