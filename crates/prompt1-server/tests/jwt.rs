//! Access-token negative tests: only an HS256 token signed with our key, with our issuer and
//! audience, inside its validity window, for a live session, is accepted.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use axum::http::{Method, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use common::{server, Kind, TEST_JWT_SECRET};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

fn now() -> i64 {
    prompt1_server::clock::system_now()
}

fn sign(header: &Value, claims: &Value, key: &[u8]) -> String {
    let msg = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string())
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(msg.as_bytes());
    format!("{msg}.{}", B64.encode(mac.finalize().into_bytes()))
}

#[tokio::test]
async fn only_well_formed_live_tokens_pass() {
    let s = server(Kind::Sqlite).await.unwrap();
    let (access, refresh) = s.setup_admin("a@x.test", "admin password 1").await;
    let key = hex::decode(TEST_JWT_SECRET).unwrap();
    let iss = s.state.keys.issuer().to_owned();
    let real = s.state.keys.verify_access(&access).unwrap();
    let base = json!({"iss": iss, "aud": "prompt1-api", "sub": real.sub, "sid": real.sid,
        "iat": now(), "nbf": now(), "exp": now() + 600, "typ": "access"});
    let hs256 = json!({"alg": "HS256", "typ": "JWT"});

    // The control: a token we forge with the right key and claims is accepted, so each refusal
    // below is caused by the one thing it changes.
    let good = sign(&hs256, &base, &key);
    assert_eq!(
        s.call(Method::GET, "/api/v1/me", Some(&good), None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        s.call(Method::GET, "/api/v1/me", Some(&access), None)
            .await
            .status,
        StatusCode::OK
    );

    let with = |k: &str, v: Value| {
        let mut c = base.clone();
        c[k] = v;
        c
    };
    let without = |k: &str| {
        let mut c = base.clone();
        c.as_object_mut().unwrap().remove(k);
        c
    };
    let unsigned = format!(
        "{}.{}.",
        B64.encode(json!({"alg": "none", "typ": "JWT"}).to_string()),
        B64.encode(base.to_string())
    );
    let cases: Vec<(&str, String)> = vec![
        ("alg none", unsigned),
        (
            "alg none, signature kept",
            format!(
                "{}.{}.{}",
                B64.encode(json!({"alg": "none"}).to_string()),
                B64.encode(base.to_string()),
                good.rsplit('.').next().unwrap()
            ),
        ),
        (
            "wrong key",
            sign(&hs256, &base, b"another key that is 32 bytes long!!"),
        ),
        // HS/RS confusion: a header naming RS256 (or another HMAC size) must not pick the verifier.
        (
            "RS256 header over an HMAC signature",
            sign(&json!({"alg": "RS256", "typ": "JWT"}), &base, &key),
        ),
        (
            "HS512 header",
            sign(&json!({"alg": "HS512", "typ": "JWT"}), &base, &key),
        ),
        (
            "ES256 header",
            sign(&json!({"alg": "ES256", "typ": "JWT"}), &base, &key),
        ),
        ("expired", sign(&hs256, &with("exp", json!(now() - 120)), &key)),
        (
            "not yet valid",
            sign(&hs256, &with("nbf", json!(now() + 300)), &key),
        ),
        (
            "wrong audience",
            sign(&hs256, &with("aud", json!("someone-else")), &key),
        ),
        (
            "wrong issuer",
            sign(&hs256, &with("iss", json!("https://evil.test")), &key),
        ),
        ("no exp", sign(&hs256, &without("exp"), &key)),
        ("no iss", sign(&hs256, &without("iss"), &key)),
        ("no aud", sign(&hs256, &without("aud"), &key)),
        ("no sub", sign(&hs256, &without("sub"), &key)),
        (
            "not an access token",
            sign(&hs256, &with("typ", json!("refresh")), &key),
        ),
        (
            "unknown session",
            sign(&hs256, &with("sid", json!("00".repeat(16))), &key),
        ),
        (
            "session of someone else",
            sign(&hs256, &with("sub", json!("11".repeat(16))), &key),
        ),
        ("refresh token as access token", refresh.clone()),
        ("garbage", "a.b.c".into()),
        ("tampered payload", {
            let mut parts: Vec<String> = access.split('.').map(str::to_owned).collect();
            parts[1] = B64.encode(with("sub", json!("22".repeat(16))).to_string());
            parts.join(".")
        }),
    ];
    for (name, token) in cases {
        let r = s.call(Method::GET, "/api/v1/me", Some(&token), None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{name} must be refused");
        assert_eq!(r.error_code(), "unauthorized", "{name}");
    }

    // Tokens issued by the server live at most 15 minutes.
    let claims = s.state.keys.verify_access(&access).unwrap();
    assert!(claims.exp - claims.iat <= 900);
    let header: Value =
        serde_json::from_slice(&B64.decode(access.split('.').next().unwrap()).unwrap()).unwrap();
    assert_eq!(header["alg"], "HS256");

    // A refresh token presented twice revokes its family: the access tokens of that session die too.
    let r = s
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh})),
        )
        .await;
    let next = r.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        s.call(Method::GET, "/api/v1/me", Some(&next), None).await.status,
        StatusCode::OK
    );
    s.call(
        Method::POST,
        "/api/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": refresh})),
    )
    .await;
    assert_eq!(
        s.call(Method::GET, "/api/v1/me", Some(&next), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        s.call(Method::GET, "/api/v1/me", Some(&good), None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn access_ttl_is_capped_at_fifteen_minutes() {
    let s = common::server_with(Kind::Sqlite, |c| c.access_token_ttl_s = 86_400)
        .await
        .unwrap();
    assert_eq!(s.state.keys.access_ttl_s(), 900);
}
