//! The API suite, run against SQLite and (with `PROMPT1_TEST_PG`) PostgreSQL: the same story on
//! both backends, plus the failure paths.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::{server, summary, total, v, Kind};
use serde_json::json;

both_backends!(
    story,
    ingest_is_idempotent,
    ingest_refuses_bad_items,
    concurrent_uploads_count_once,
    errors_are_json,
    sessions_end_at_once,
    roles_and_teams,
    cross_org_isolation,
    device_login_edges,
    pages_invite_and_sign_out
);

async fn story(kind: Kind) {
    let Some(s) = server(kind).await else { return };
    let (admin, _) = s.setup_admin("admin@acme.test", "admin password 1").await;
    assert!(
        prompt1_server::setup_link(&s.state).await.unwrap().is_none(),
        "setup link is one-time"
    );
    let r = s
        .call(
            Method::POST,
            "/api/v1/teams",
            Some(&admin),
            Some(json!({"name": "Platform"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let team = r.json()["team_id"].as_str().unwrap().to_owned();
    let member = s.add_member(&admin, "dev@acme.test", "member", Some(&team)).await;
    let me = s
        .call(Method::GET, "/api/v1/me", Some(&member), None)
        .await
        .json();
    assert_eq!(me["role"], "member");
    assert_eq!(me["team_id"], team.as_str());

    let device = s.device_token(&member).await;
    assert!(device.starts_with("p1d_") && device.len() >= 4 + 32 + 1 + 64);
    let r = s
        .upload(&device, vec![v(&summary(1, 1, 3)), v(&summary(2, 1, 5))])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let ack = r.json();
    assert_eq!(ack["max_schema"], 1);
    assert_eq!(ack["results"][0]["status"], "stored");
    assert_eq!(
        ack["results"][1]["session_key"],
        "02020202020202020202020202020202"
    );

    let roll = s
        .call(Method::GET, "/api/v1/me/rollups", Some(&member), None)
        .await
        .json();
    assert_eq!(total(&roll, "sessions"), 2);
    assert_eq!(total(&roll, "prompts"), 8);
    assert_eq!(total(&roll, "output_tokens"), 80);
    assert_eq!(
        common::team_daily_sum(&s, &team, "prompts").await,
        8,
        "team rollup follows the member's team"
    );
    // A one-member team's totals are that member's: withheld, even for the admin.
    let team_roll = s.get_json(&format!("/api/v1/teams/{team}/rollups"), &admin).await;
    assert_eq!(
        team_roll,
        json!({"members": 1, "min_group_size": 3, "days": [],
            "withheld": {"reason": "below_min_group_size", "members": 1, "min_group_size": 3}})
    );
    let r = s
        .call(
            Method::GET,
            &format!("/api/v1/teams/{team}/rollups"),
            Some(&member),
            None,
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "members do not read team rollups through this endpoint"
    );

    let sessions = s
        .call(Method::GET, "/api/v1/me/sessions", Some(&member), None)
        .await
        .json();
    assert_eq!(sessions.as_array().unwrap().len(), 2);
    let devices = s
        .call(Method::GET, "/api/v1/devices", Some(&member), None)
        .await
        .json();
    assert_eq!(devices.as_array().unwrap().len(), 1);

    // Home page lists the device and sessions for a browser session.
    let (email, pw) = ("dev@acme.test", "correct horse battery");
    let r = s
        .form(
            "/login",
            None,
            &[("email", email), ("password", pw), ("next", "/")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let cookies = r.cookies();
    let set = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>();
    assert!(set.iter().all(|c| c.starts_with("__Host-")
        && c.contains("HttpOnly")
        && c.contains("Secure")
        && c.contains("SameSite=Strict")
        && c.contains("Path=/")));
    let home = s.get_page("/", Some(&cookies)).await;
    assert_eq!(home.status, StatusCode::OK);
    let html = home.text();
    assert!(
        html.contains("Your devices") && html.contains("Recent sessions") && html.contains("<td>5</td>"),
        "{html}"
    );

    // The web revoke stops the device at once.
    let device_id = devices[0]["device_id"].as_str().unwrap();
    let r = s
        .call(
            Method::DELETE,
            &format!("/api/v1/devices/{device_id}"),
            Some(&member),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = s.upload(&device, vec![v(&summary(3, 1, 1))]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

async fn ingest_is_idempotent(kind: Kind) {
    let Some(s) = server(kind).await else { return };
    let (admin, _) = s.setup_admin("a@x.test", "admin password 1").await;
    let r = s
        .call(
            Method::POST,
            "/api/v1/teams",
            Some(&admin),
            Some(json!({"name": "T"})),
        )
        .await;
    let team = r.json()["team_id"].as_str().unwrap().to_owned();
    let member = s.add_member(&admin, "m@x.test", "member", Some(&team)).await;
    let dev = s.device_token(&member).await;

    let first = vec![v(&summary(1, 1, 2)), v(&summary(2, 1, 4))];
    assert_eq!(
        s.upload(&dev, first.clone()).await.json()["results"][0]["status"],
        "stored"
    );
    // The same batch again (a retry after a lost ack): nothing changes.
    let r = s.upload(&dev, first).await.json();
    assert_eq!(r["results"][0]["status"], "already_stored");
    assert_eq!(r["results"][1]["status"], "already_stored");
    // A later revision moves totals by its difference; an older one arriving late is ignored.
    let mut s1r3 = summary(1, 3, 7);
    s1r3.is_final = true;
    s1r3.end_reason = prompt1_wire::EndReason::PromptInputExit;
    let r = s.upload(&dev, vec![v(&s1r3), v(&summary(1, 2, 5))]).await.json();
    assert_eq!(r["results"][0]["status"], "stored");
    assert_eq!(
        r["results"][1]["status"], "already_stored",
        "older revision in the same batch"
    );
    let r = s.upload(&dev, vec![v(&summary(1, 2, 5))]).await.json();
    assert_eq!(
        r["results"][0]["status"], "already_stored",
        "older revision later"
    );

    let roll = s.get_json("/api/v1/me/rollups", &member).await;
    assert_eq!(total(&roll, "sessions"), 2, "revisions never add sessions");
    assert_eq!(total(&roll, "prompts"), 7 + 4);
    assert_eq!(total(&roll, "final_sessions"), 1);
    assert_eq!(total(&roll, "active_s"), 60 * 11);
    assert_eq!(common::team_daily_sum(&s, &team, "prompts").await, 11);
    let sessions = s
        .call(Method::GET, "/api/v1/me/sessions", Some(&member), None)
        .await
        .json();
    let one = sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["session_key"] == "01".repeat(16))
        .unwrap();
    assert_eq!(one["revision"], 3);

    // A retry and a new session in one batch, on the same day: only the new one counts (on
    // PostgreSQL the batch statement counts both, then takes the retry back).
    let r = s
        .upload(&dev, vec![v(&summary(2, 1, 4)), v(&summary(6, 1, 3))])
        .await
        .json();
    assert_eq!(r["results"][0]["status"], "already_stored");
    assert_eq!(r["results"][1]["status"], "stored");
    let roll = s.get_json("/api/v1/me/rollups", &member).await;
    assert_eq!(total(&roll, "sessions"), 3);
    assert_eq!(total(&roll, "prompts"), 11 + 3);
    assert_eq!(common::team_daily_sum(&s, &team, "sessions").await, 3);
    assert_eq!(common::team_daily_sum(&s, &team, "prompts").await, 11 + 3);

    // A second device of the same user has its own keys: the same session key there is another session.
    let dev2 = s.device_token(&member).await;
    assert_eq!(
        s.upload(&dev2, vec![v(&summary(1, 1, 1))]).await.json()["results"][0]["status"],
        "stored"
    );
    let roll = s.get_json("/api/v1/me/rollups", &member).await;
    assert_eq!(total(&roll, "sessions"), 4);
}

async fn ingest_refuses_bad_items(kind: Kind) {
    let Some(s) = server_small(kind).await else { return };
    let (admin, _) = s.setup_admin("a@x.test", "admin password 1").await;
    let dev = s.device_token(&admin).await;
    let mut unknown = v(&summary(1, 1, 1));
    unknown["prompt_text"] = json!("secret words");
    let mut bad_range = summary(2, 1, 1);
    bad_range.follow_ups = 5;
    let mut newer = v(&summary(3, 1, 1));
    newer["schema"] = json!(2);
    newer["new_field"] = json!(1);
    let mut bad_enum = v(&summary(4, 1, 1));
    bad_enum["tokens"][0]["model"] = json!("claude-acme-merger");
    let r = s
        .upload(
            &dev,
            vec![
                unknown,
                v(&bad_range),
                newer,
                bad_enum,
                v(&summary(5, 1, 2)),
                json!("x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let j = r.json();
    let res = j["results"].as_array().unwrap();
    assert_eq!(res.len(), 6);
    assert_eq!(res[0]["reason"], "malformed");
    assert_eq!(res[1]["reason"], "out_of_range");
    assert_eq!(res[1]["session_key"], "02".repeat(16));
    assert_eq!(res[2]["reason"], "unsupported_schema");
    assert_eq!(j["max_schema"], 1);
    assert_eq!(res[3]["reason"], "malformed");
    assert_eq!(
        res[4]["status"], "stored",
        "a good item is stored despite bad neighbours"
    );
    assert_eq!(res[5]["reason"], "malformed");
    assert!(!r.text().contains("secret words"), "the ack never quotes data");
    let roll = s
        .call(Method::GET, "/api/v1/me/rollups", Some(&admin), None)
        .await
        .json();
    assert_eq!(total(&roll, "sessions"), 1);

    // Envelope-level problems refuse the whole request.
    let r = s
        .call(
            Method::POST,
            "/api/v1/ingest",
            Some(&dev),
            Some(json!({"sessions": [], "extra": 1})),
        )
        .await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body")
    );
    let many: Vec<_> = (0..51).map(|i| v(&summary(i as u8, 1, 1))).collect();
    let r = s.upload(&dev, many).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "batch_too_large")
    );
    let big = "x".repeat(70 * 1024);
    let r = s
        .call(
            Method::POST,
            "/api/v1/ingest",
            Some(&dev),
            Some(json!({"sessions": [big]})),
        )
        .await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
    );
    // A user's access token is not a device token, and a device token is not a user token.
    let r = s.upload(&admin, vec![v(&summary(9, 1, 1))]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = s.call(Method::GET, "/api/v1/me", Some(&dev), None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = s.call(Method::GET, "/api/v1/devices", Some(&dev), None).await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "device tokens may only upload"
    );
    // The device revokes itself (prompt1 uninstall).
    assert_eq!(
        s.call(Method::POST, "/api/v1/device/revoke", Some(&dev), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        s.upload(&dev, vec![v(&summary(9, 1, 1))]).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        s.call(Method::POST, "/api/v1/device/revoke", Some(&dev), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

async fn server_small(kind: Kind) -> Option<common::TestServer> {
    common::server_with(kind, |c| c.max_body_bytes = 64 * 1024).await
}

async fn concurrent_uploads_count_once(kind: Kind) {
    let Some(s) = server(kind).await else { return };
    let (admin, _) = s.setup_admin("a@x.test", "admin password 1").await;
    let dev = s.device_token(&admin).await;
    let s = std::sync::Arc::new(s);
    let mut tasks = Vec::new();
    for round in 0..8u32 {
        let (s, dev) = (s.clone(), dev.clone());
        tasks.push(tokio::spawn(async move {
            // Every task uploads every session, at revisions 1..=3 in varying order.
            let rev = round % 3 + 1;
            let items = (0..10u8).map(|k| v(&summary(k, rev, rev))).collect();
            s.upload(&dev, items).await.status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }
    let roll = s
        .call(Method::GET, "/api/v1/me/rollups", Some(&admin), None)
        .await
        .json();
    assert_eq!(total(&roll, "sessions"), 10);
    assert_eq!(
        total(&roll, "prompts"),
        30,
        "every session ends at revision 3 with 3 prompts, counted once"
    );
}

async fn errors_are_json(kind: Kind) {
    let Some(s) = server(kind).await else { return };
    let cases = [
        (Method::GET, "/nope", StatusCode::NOT_FOUND, "not_found"),
        (Method::GET, "/api/v1/nope", StatusCode::NOT_FOUND, "not_found"),
        (
            Method::DELETE,
            "/api/v1/me",
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            Method::GET,
            "/api/v1/me",
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
    ];
    for (m, path, status, code) in cases {
        let r = s.call(m, path, None, None).await;
        assert_eq!((r.status, r.error_code().as_str()), (status, code), "{path}");
        assert!(r.json()["error"]["message"].is_string());
    }
    let req = Request::post("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("{}"))
        .unwrap();
    let r = s.send(req).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
    );
    let req = Request::post("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{"))
        .unwrap();
    let r = s.send(req).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::BAD_REQUEST, "malformed_json")
    );
    let r = s
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "a@b.c", "password": "x", "admin": true})),
        )
        .await;
    assert_eq!(
        r.error_code(),
        "invalid_body",
        "unknown fields are refused everywhere"
    );
    let r = s.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = s.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = s.call(Method::GET, "/metrics", None, None).await;
    assert!(r.text().contains("prompt1_http_requests_total"), "{}", r.text());
    let r = s.call(Method::GET, "/api/v1/openapi.json", None, None).await;
    let doc = r.json();
    assert_eq!(doc["openapi"].as_str().map(|x| x.starts_with("3.")), Some(true));
    assert!(doc["paths"]["/api/v1/ingest"]["post"].is_object());
    let r = s.get_page("/setup?token=wrong", None).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::FORBIDDEN, "invalid_setup_token")
    );
    let r = s.get_page("/", None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "pages send strangers to sign in");
    assert!(r.headers[header::LOCATION]
        .to_str()
        .unwrap()
        .starts_with("/login"));
    let r = s.get_page("/.well-known/security.txt", None).await;
    assert!(r.text().contains("Contact:"));
}

async fn sessions_end_at_once(kind: Kind) {
    let Some(s) = server(kind).await else { return };
    let pw = "first password!";
    let (a1, r1) = s.setup_admin("a@x.test", pw).await;
    // Refresh rotates; the old refresh token is spent; presenting it again revokes the family.
    let r = s
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": r1})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let (a2, r2) = (
        r.json()["access_token"].as_str().unwrap().to_owned(),
        r.json()["refresh_token"].as_str().unwrap().to_owned(),
    );
    assert_ne!(r1, r2);
    let r = s
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": r1})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "reuse refused");
    let r = s
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": r2})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "reuse revoked the whole family"
    );
    assert_eq!(
        s.call(Method::GET, "/api/v1/me", Some(&a2), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        s.call(Method::GET, "/api/v1/me", Some(&a1), None).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Logout ends this session only, at once.
    let (b, _) = s.login("a@x.test", pw).await;
    let (c, c_refresh) = s.login("a@x.test", pw).await;
    assert_eq!(
        s.call(Method::POST, "/api/v1/auth/logout", Some(&b), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        s.call(Method::GET, "/api/v1/me", Some(&b), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        s.call(Method::GET, "/api/v1/me", Some(&c), None).await.status,
        StatusCode::OK
    );

    // Password change ends every session, including refresh tokens.
    let r = s
        .call(
            Method::POST,
            "/api/v1/auth/password",
            Some(&c),
            Some(json!({"current_password": "wrong one!", "new_password": "second password"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = s
        .call(
            Method::POST,
            "/api/v1/auth/password",
            Some(&c),
            Some(json!({"current_password": pw, "new_password": "short"})),
        )
        .await;
    assert_eq!(r.error_code(), "weak_password");
    let r = s
        .call(
            Method::POST,
            "/api/v1/auth/password",
            Some(&c),
            Some(json!({"current_password": pw, "new_password": "second password"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        s.call(Method::GET, "/api/v1/me", Some(&c), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = s
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": c_refresh})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = s
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "a@x.test", "password": pw})),
        )
        .await;
    assert_eq!(r.error_code(), "invalid_credentials");
    s.login("A@X.test", "second password").await;

    // Unknown email and wrong password answer the same.
    let r = s
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "nobody@x.test", "password": "whatever123"})),
        )
        .await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::UNAUTHORIZED, "invalid_credentials")
    );

    // 128-character passwords work in full; 129 are refused; a change past byte 72 matters.
    let long = "p".repeat(128);
    let (admin, _) = s.login("a@x.test", "second password").await;
    let r = s
        .call(
            Method::POST,
            "/api/v1/invites",
            Some(&admin),
            Some(json!({"role": "member"})),
        )
        .await;
    let token = r.json()["token"].as_str().unwrap().to_owned();
    let r = s
        .call(
            Method::POST,
            "/api/v1/invites/accept",
            None,
            Some(json!({"token": token, "email": "l@x.test", "password": "q".repeat(129)})),
        )
        .await;
    assert_eq!(r.error_code(), "weak_password");
    let r = s
        .call(
            Method::POST,
            "/api/v1/invites/accept",
            None,
            Some(json!({"token": token, "email": "l@x.test", "password": long})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let mut almost = "p".repeat(127);
    almost.push('q');
    let r = s
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "l@x.test", "password": almost})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    s.login("l@x.test", &long).await;
    let r = s
        .call(
            Method::POST,
            "/api/v1/invites/accept",
            None,
            Some(json!({"token": token, "email": "z@x.test", "password": "another password"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "invites work once");
    let r = s
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "z@x.test", "password": "another password"})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "the failed accept left no account behind"
    );
}

async fn roles_and_teams(kind: Kind) {
    let Some(s) = server(kind).await else { return };
    let (admin, _) = s.setup_admin("a@x.test", "admin password 1").await;
    let admin_id = s.call(Method::GET, "/api/v1/me", Some(&admin), None).await.json()["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let t1 = s
        .call(
            Method::POST,
            "/api/v1/teams",
            Some(&admin),
            Some(json!({"name": "One"})),
        )
        .await
        .json()["team_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = s
        .call(
            Method::POST,
            "/api/v1/teams",
            Some(&admin),
            Some(json!({"name": "One"})),
        )
        .await;
    assert_eq!(r.error_code(), "name_taken");
    let t2 = s
        .call(
            Method::POST,
            "/api/v1/teams",
            Some(&admin),
            Some(json!({"name": "Two"})),
        )
        .await
        .json()["team_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let member = s.add_member(&admin, "m@x.test", "member", Some(&t1)).await;
    let manager = s.add_member(&admin, "g@x.test", "manager", Some(&t1)).await;
    let member_id = s
        .call(Method::GET, "/api/v1/me", Some(&member), None)
        .await
        .json()["user_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Members cannot administer.
    for (m, path, body) in [
        (
            Method::POST,
            "/api/v1/teams".to_owned(),
            Some(json!({"name": "X"})),
        ),
        (Method::GET, "/api/v1/org/members".to_owned(), None),
        (
            Method::POST,
            "/api/v1/invites".to_owned(),
            Some(json!({"role": "admin"})),
        ),
        (
            Method::PUT,
            format!("/api/v1/org/members/{admin_id}/role"),
            Some(json!({"role": "member"})),
        ),
        (Method::DELETE, format!("/api/v1/org/members/{admin_id}"), None),
        (Method::DELETE, format!("/api/v1/teams/{t1}"), None),
    ] {
        let r = s.call(m, &path, Some(&member), body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
    }
    // Managers see their team's members only.
    let r = s
        .call(Method::GET, "/api/v1/org/members", Some(&manager), None)
        .await
        .json();
    assert_eq!(r.as_array().unwrap().len(), 2);
    assert_eq!(
        s.call(Method::GET, "/api/v1/org/members", Some(&admin), None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let r = s
        .call(
            Method::GET,
            &format!("/api/v1/teams/{t1}/rollups"),
            Some(&manager),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = s
        .call(
            Method::GET,
            &format!("/api/v1/teams/{t2}/rollups"),
            Some(&manager),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Move, rename, promote, delete.
    let r = s
        .call(
            Method::PUT,
            &format!("/api/v1/org/members/{member_id}/team"),
            Some(&admin),
            Some(json!({"team_id": t2})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        s.call(Method::GET, "/api/v1/me", Some(&member), None)
            .await
            .json()["team_id"],
        t2.as_str()
    );
    let r = s
        .call(
            Method::PUT,
            &format!("/api/v1/org/members/{member_id}/team"),
            Some(&admin),
            Some(json!({"team_id": "ff".repeat(16)})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = s
        .call(
            Method::PUT,
            &format!("/api/v1/teams/{t2}"),
            Some(&admin),
            Some(json!({"name": "Deux"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let teams = s
        .call(Method::GET, "/api/v1/teams", Some(&member), None)
        .await
        .json();
    assert!(teams.as_array().unwrap().iter().any(|t| t["name"] == "Deux"));
    let r = s
        .call(
            Method::PUT,
            &format!("/api/v1/org/members/{member_id}/role"),
            Some(&admin),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        s.call(Method::GET, "/api/v1/me", Some(&member), None)
            .await
            .json()["role"],
        "admin",
        "roles apply at once"
    );
    let r = s
        .call(
            Method::PUT,
            &format!("/api/v1/org/members/{member_id}/role"),
            Some(&admin),
            Some(json!({"role": "owner"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "closed set of roles");
    let r = s
        .call(Method::DELETE, &format!("/api/v1/teams/{t2}"), Some(&admin), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(s
        .call(Method::GET, "/api/v1/me", Some(&member), None)
        .await
        .json()["team_id"]
        .is_null());

    // The last admin can neither leave nor be demoted; a member can leave, and loses devices.
    let r = s
        .call(
            Method::PUT,
            &format!("/api/v1/org/members/{member_id}/role"),
            Some(&admin),
            Some(json!({"role": "member"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = s
        .call(
            Method::PUT,
            &format!("/api/v1/org/members/{admin_id}/role"),
            Some(&admin),
            Some(json!({"role": "member"})),
        )
        .await;
    assert_eq!(r.error_code(), "last_admin");
    assert_eq!(
        s.call(Method::POST, "/api/v1/org/leave", Some(&admin), None)
            .await
            .error_code(),
        "last_admin"
    );
    let dev = s.device_token(&member).await;
    assert_eq!(
        s.call(Method::POST, "/api/v1/org/leave", Some(&member), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert!(s
        .call(Method::GET, "/api/v1/me", Some(&member), None)
        .await
        .json()["org_id"]
        .is_null());
    assert_eq!(
        s.upload(&dev, vec![v(&summary(1, 1, 1))]).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Rejoining with an invite works for the signed-in user.
    let r = s
        .call(
            Method::POST,
            "/api/v1/invites",
            Some(&admin),
            Some(json!({"role": "member"})),
        )
        .await;
    let token = r.json()["token"].as_str().unwrap().to_owned();
    let r = s
        .call(
            Method::POST,
            "/api/v1/invites/accept",
            Some(&member),
            Some(json!({"token": token})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        s.call(Method::GET, "/api/v1/me", Some(&member), None)
            .await
            .json()["role"],
        "member"
    );
    // Remove.
    let manager_id = s
        .call(Method::GET, "/api/v1/me", Some(&manager), None)
        .await
        .json()["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        s.call(
            Method::DELETE,
            &format!("/api/v1/org/members/{manager_id}"),
            Some(&admin),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        s.call(Method::GET, "/api/v1/org/members", Some(&manager), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

async fn cross_org_isolation(kind: Kind) {
    let Some(s) = server(kind).await else { return };
    let (a_admin, _) = s.setup_admin("a@a.test", "admin password 1").await;
    let pair = prompt1_server::orgs::create_org_with_admin(&s.state, "Beta", "b@b.test", "admin password 2")
        .await
        .unwrap();
    let b_admin = pair.access_token;
    let a_team = s
        .call(
            Method::POST,
            "/api/v1/teams",
            Some(&a_admin),
            Some(json!({"name": "A1"})),
        )
        .await
        .json()["team_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a_member = s.add_member(&a_admin, "m@a.test", "member", Some(&a_team)).await;
    let a_member_id = s
        .call(Method::GET, "/api/v1/me", Some(&a_member), None)
        .await
        .json()["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a_dev = s.device_token(&a_member).await;
    s.upload(&a_dev, vec![v(&summary(1, 1, 4))]).await;
    let a_dev_id = s
        .call(Method::GET, "/api/v1/devices", Some(&a_member), None)
        .await
        .json()[0]["device_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Org B's admin, using org A's ids, finds nothing and changes nothing: 404, as for a missing id.
    for (m, path, body, want) in [
        (
            Method::GET,
            format!("/api/v1/teams/{a_team}/rollups"),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            Method::PUT,
            format!("/api/v1/teams/{a_team}"),
            Some(json!({"name": "pwned"})),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::DELETE,
            format!("/api/v1/teams/{a_team}"),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            Method::PUT,
            format!("/api/v1/org/members/{a_member_id}/role"),
            Some(json!({"role": "admin"})),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::PUT,
            format!("/api/v1/org/members/{a_member_id}/team"),
            Some(json!({"team_id": null})),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::DELETE,
            format!("/api/v1/org/members/{a_member_id}"),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            Method::DELETE,
            format!("/api/v1/devices/{a_dev_id}"),
            None,
            StatusCode::NOT_FOUND,
        ),
    ] {
        let r = s.call(m, &path, Some(&b_admin), body).await;
        assert_eq!(r.status, want, "{path}: {}", r.text());
        if want == StatusCode::OK {
            assert_eq!(r.json(), json!([]), "no rows of another org: {path}");
        }
    }
    let members = s
        .call(Method::GET, "/api/v1/org/members", Some(&b_admin), None)
        .await
        .json();
    assert_eq!(members.as_array().unwrap().len(), 1);
    assert_eq!(
        s.call(Method::GET, "/api/v1/teams", Some(&b_admin), None)
            .await
            .json(),
        json!([])
    );
    // Org A is untouched.
    assert_eq!(
        s.call(Method::GET, "/api/v1/me", Some(&a_member), None)
            .await
            .json()["team_id"],
        a_team.as_str()
    );
    assert_eq!(
        s.upload(&a_dev, vec![v(&summary(2, 1, 1))]).await.status,
        StatusCode::OK
    );
    // A device token re-labelled with another org id is refused.
    let b_org = s
        .call(Method::GET, "/api/v1/me", Some(&b_admin), None)
        .await
        .json()["org_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let forged = format!("p1d_{b_org}_{}", &a_dev[4 + 32 + 1..]);
    assert_eq!(
        s.upload(&forged, vec![v(&summary(3, 1, 1))]).await.status,
        StatusCode::UNAUTHORIZED
    );
    // B's invite accepted by A's member is refused (one org at a time); A's invite token with B's org id is unknown.
    let r = s
        .call(
            Method::POST,
            "/api/v1/invites",
            Some(&b_admin),
            Some(json!({"role": "member"})),
        )
        .await;
    let b_invite = r.json()["token"].as_str().unwrap().to_owned();
    let r = s
        .call(
            Method::POST,
            "/api/v1/invites/accept",
            Some(&a_member),
            Some(json!({"token": b_invite})),
        )
        .await;
    assert_eq!(r.error_code(), "already_member");
    let r = s
        .call(
            Method::POST,
            "/api/v1/invites",
            Some(&a_admin),
            Some(json!({"role": "admin"})),
        )
        .await;
    let a_invite = r.json()["token"].as_str().unwrap().to_owned();
    let relabelled = format!("{b_org}{}", &a_invite[32..]);
    let r = s
        .call(
            Method::POST,
            "/api/v1/invites/accept",
            None,
            Some(json!({"token": relabelled, "email": "e@e.test", "password": "password 123"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A team id of org A cannot be used in org B's invite.
    let r = s
        .call(
            Method::POST,
            "/api/v1/invites",
            Some(&b_admin),
            Some(json!({"role": "member", "team_id": a_team})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

async fn device_login_edges(kind: Kind) {
    let Some(s) = server(kind).await else { return };
    let (admin, _) = s.setup_admin("a@x.test", "admin password 1").await;
    let r = s
        .call(Method::POST, "/api/v1/device/code", None, None)
        .await
        .json();
    let (dc, uc) = (
        r["device_code"].as_str().unwrap().to_owned(),
        r["user_code"].as_str().unwrap().to_owned(),
    );
    assert!(r["verification_uri_complete"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/device?code={uc}")));
    assert_eq!(uc.len(), 9);
    let r = s
        .call(
            Method::POST,
            "/api/v1/device/deny",
            Some(&admin),
            Some(json!({"user_code": uc.to_lowercase().replace('-', " ")})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "codes are typed loosely");
    let r = s
        .call(
            Method::POST,
            "/api/v1/device/token",
            None,
            Some(json!({"device_code": dc})),
        )
        .await;
    assert_eq!(r.error_code(), "access_denied");
    let r = s
        .call(
            Method::POST,
            "/api/v1/device/approve",
            Some(&admin),
            Some(json!({"user_code": uc})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "a decided code cannot be re-decided"
    );
    let r = s
        .call(
            Method::POST,
            "/api/v1/device/token",
            None,
            Some(json!({"device_code": "00".repeat(32)})),
        )
        .await;
    assert_eq!(r.error_code(), "invalid_grant");
    let r = s
        .call(
            Method::POST,
            "/api/v1/device/approve",
            None,
            Some(json!({"user_code": uc})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // The approval page: sign-in required, CSRF-protected, approves.
    let r = s
        .call(Method::POST, "/api/v1/device/code", None, None)
        .await
        .json();
    let (dc, uc) = (
        r["device_code"].as_str().unwrap().to_owned(),
        r["user_code"].as_str().unwrap().to_owned(),
    );
    let page = s.get_page(&format!("/device?code={uc}"), None).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let login = s
        .form(
            "/login",
            None,
            &[
                ("email", "a@x.test"),
                ("password", "admin password 1"),
                ("next", &format!("/device?code={uc}")),
            ],
        )
        .await;
    assert_eq!(
        login.headers[header::LOCATION],
        format!("/device?code={uc}").as_str()
    );
    let cookies = login.cookies();
    let page = s.get_page(&format!("/device?code={uc}"), Some(&cookies)).await;
    let html = page.text();
    assert!(html.contains(&uc) && html.contains("Approve") && html.contains("<label for=\"user_code\">"));
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let r = s
        .form(
            "/device",
            Some(&cookies),
            &[("csrf", "bad"), ("user_code", &uc), ("decision", "approve")],
        )
        .await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::FORBIDDEN, "bad_csrf")
    );
    let r = s
        .form(
            "/device",
            Some(&cookies),
            &[("csrf", &csrf), ("user_code", &uc), ("decision", "approve")],
        )
        .await;
    assert!(r.text().contains("Device approved"), "{}", r.text());
    let r = s
        .call(
            Method::POST,
            "/api/v1/device/token",
            None,
            Some(json!({"device_code": dc})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);

    // Expired codes are refused.
    let Some(s) = common::server_with(kind, |c| c.device_code_ttl_s = -1).await else {
        return;
    };
    let (admin, _) = s.setup_admin("a@x.test", "admin password 1").await;
    let r = s
        .call(Method::POST, "/api/v1/device/code", None, None)
        .await
        .json();
    let r2 = s
        .call(
            Method::POST,
            "/api/v1/device/approve",
            Some(&admin),
            Some(json!({"user_code": r["user_code"]})),
        )
        .await;
    assert_eq!(r2.status, StatusCode::NOT_FOUND);
    let r = s
        .call(
            Method::POST,
            "/api/v1/device/token",
            None,
            Some(json!({"device_code": r["device_code"]})),
        )
        .await;
    assert_eq!(r.error_code(), "expired_token");
}

fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

async fn pages_invite_and_sign_out(kind: Kind) {
    let Some(s) = server(kind).await else { return };
    s.setup_admin("a@x.test", "admin password 1").await;
    let login = s
        .form(
            "/login",
            None,
            &[("email", "a@x.test"), ("password", "admin password 1")],
        )
        .await;
    let admin_cookies = login.cookies();
    let wrong = s
        .form(
            "/login",
            None,
            &[("email", "a@x.test"), ("password", "not the password")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text().contains("role=\"alert\"") && wrong.cookies().is_empty());
    let home = s.get_page("/", Some(&admin_cookies)).await.text();
    assert!(home.contains("Invite someone"), "admins see the invite form");
    let csrf = csrf_of(&home);

    // Cross-site posts are refused even with a valid tag.
    let req = Request::post("/invites/new")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &admin_cookies)
        .header(header::ORIGIN, "https://evil.test")
        .body(Body::from(format!("csrf={csrf}&role=member")))
        .unwrap();
    assert_eq!(s.send(req).await.error_code(), "bad_origin");
    let page = s
        .form(
            "/invites/new",
            Some(&admin_cookies),
            &[("csrf", &csrf), ("role", "member")],
        )
        .await
        .text();
    let link = page
        .split("<code id=\"invite\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let path = link.split("127.0.0.1:1").nth(1).unwrap().to_owned();
    let invite = s.get_page(&path, None).await;
    assert_eq!(invite.status, StatusCode::OK);
    assert!(invite.text().contains("Acme") && invite.text().contains("Create account and join"));
    let joined = s
        .form(
            &path,
            None,
            &[("email", "new@x.test"), ("password", "new member pw")],
        )
        .await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER);
    let member_cookies = joined.cookies();
    let home = s.get_page("/", Some(&member_cookies)).await.text();
    assert!(home.contains("Role: member.") && !home.contains("Invite someone"));
    assert_eq!(
        s.get_page(&path, None).await.status,
        StatusCode::NOT_FOUND,
        "invite links work once"
    );

    // Sign out needs the tag, ends the session at once, and clears the cookies.
    let r = s
        .form("/logout", Some(&member_cookies), &[("csrf", "forged")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = s
        .form("/logout", Some(&member_cookies), &[("csrf", &csrf_of(&home))])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .all(|c| c.to_str().unwrap().contains("Max-Age=0")));
    let access_only = member_cookies
        .split("; ")
        .find(|c| c.starts_with("__Host-p1_access="))
        .unwrap()
        .to_owned();
    let r = s.get_page("/", Some(&access_only)).await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "the old access cookie no longer works"
    );
    assert!(r.headers[header::LOCATION]
        .to_str()
        .unwrap()
        .starts_with("/login"));

    // An expired access cookie with a live refresh cookie renews transparently.
    let refresh_only = admin_cookies
        .split("; ")
        .find(|c| c.starts_with("__Host-p1_refresh="))
        .unwrap()
        .to_owned();
    let r = s.get_page("/", Some(&refresh_only)).await;
    assert_eq!(r.headers[header::LOCATION], "/renew?next=/");
    let r = s.get_page("/renew?next=/", Some(&refresh_only)).await;
    assert_eq!(r.headers[header::LOCATION], "/");
    assert!(s
        .get_page("/", Some(&r.cookies()))
        .await
        .text()
        .contains("Signed in as"));
    let r = s.get_page("/renew?next=//evil.test", Some(&refresh_only)).await;
    assert!(
        r.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login"),
        "a spent refresh cookie signs out"
    );
}
