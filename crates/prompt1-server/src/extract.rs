//! Request extractors whose rejections are [`ApiError`]s, so malformed input gets the one JSON
//! error shape: a body that is not the expected JSON is 4xx with a code, and a path id that is not
//! an id is 404, exactly like an id that names nothing (ids cannot be probed by their shape).

use crate::error::ApiError;
use axum::extract::{FromRequest, FromRequestParts};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

/// `Path<T>` whose rejection is an [`ApiError`]: a malformed id is 404, like a missing one.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// `Json<T>` whose rejection is an [`ApiError`].
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}
