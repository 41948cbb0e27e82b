//! Organization settings (minimum group size, retention) and retention applied with a fixed clock.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::{create_team, server, server_at, summary_on, v, Kind};
use serde_json::json;

async fn settings_are_bounded_and_admin_only(kind: Kind) {
    let Some(s) = server(kind).await else { return };
    let (admin, _) = s.setup_admin("a@x.test", "admin password 1").await;
    let member = s.add_member(&admin, "m@x.test", "member", None).await;
    let defaults = json!({"min_group_size": 3, "retention_days": 365});
    assert_eq!(s.get_json("/api/v1/org/settings", &admin).await, defaults);
    assert_eq!(
        s.get_json("/api/v1/org/settings", &member).await,
        defaults,
        "members read the settings that protect them"
    );
    let put = |tok: String, body: serde_json::Value| {
        let s = &s;
        async move {
            s.call(Method::PUT, "/api/v1/org/settings", Some(&tok), Some(body))
                .await
        }
    };
    let r = put(member.clone(), json!({"min_group_size": 5})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    for (body, code) in [
        (json!({"min_group_size": 2}), "min_group_size_too_small"),
        (json!({"min_group_size": 0}), "min_group_size_too_small"),
        (json!({"min_group_size": 1001}), "min_group_size_too_large"),
        (json!({"retention_days": 59}), "retention_out_of_range"),
        (json!({"retention_days": 3651}), "retention_out_of_range"),
    ] {
        let r = put(admin.clone(), body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(r.error_code(), code, "{body}");
        assert!(!r.json()["error"]["message"].as_str().unwrap().is_empty());
    }
    let r = put(admin.clone(), json!({"min_group_size": -1})).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "negative is not a count"
    );
    let r = put(admin.clone(), json!({"min_group_size": 3, "colour": "red"})).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown fields are refused"
    );
    assert_eq!(
        s.get_json("/api/v1/org/settings", &admin).await,
        defaults,
        "refused changes change nothing"
    );
    let r = put(admin.clone(), json!({"min_group_size": 5})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json(), json!({"min_group_size": 5, "retention_days": 365}));
    let r = put(admin.clone(), json!({"retention_days": 90})).await;
    assert_eq!(r.json(), json!({"min_group_size": 5, "retention_days": 90}));
    assert_eq!(
        s.get_json("/api/v1/org/settings", &member).await,
        json!({"min_group_size": 5, "retention_days": 90})
    );
    // Another organization keeps its own defaults.
    let b = prompt1_server::orgs::create_org_with_admin(&s.state, "Beta", "b@b.test", "admin password 2")
        .await
        .unwrap();
    assert_eq!(
        s.get_json("/api/v1/org/settings", &b.access_token).await,
        defaults
    );
    // Anonymous callers get nothing.
    let r = s.call(Method::GET, "/api/v1/org/settings", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

/// Day 20_600 (2026-05-27), 12:00 UTC.
const TODAY: i64 = 20_600;

async fn retention_deletes_old_days(kind: Kind) {
    let Some(s) = server_at(kind, TODAY * 86_400 + 12 * 3600).await else {
        return;
    };
    let (admin, _) = s.setup_admin("a@x.test", "admin password 1").await;
    let team = create_team(&s, &admin, "T").await;
    let member = s.add_member(&admin, "m@x.test", "member", Some(&team)).await;
    let dev = s.device_token(&member).await;
    // 365 days kept by default: today and the 364 days before it.
    let r = s
        .upload(
            &dev,
            vec![
                v(&summary_on(1, 1, 2, TODAY - 365)),
                v(&summary_on(2, 1, 3, TODAY - 364)),
                v(&summary_on(3, 1, 4, TODAY)),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let report = prompt1_server::retention::apply(&s.state.db, s.state.now())
        .await
        .unwrap();
    assert_eq!(report.sessions, 1);
    assert_eq!(
        report.rollup_rows, 4,
        "the user's and the team's daily row of that day, and their tokens-by-model rows (one model)"
    );
    let days = |j: serde_json::Value| -> Vec<i64> {
        j.as_array()
            .unwrap()
            .iter()
            .map(|d| d["day"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(
        days(s.get_json("/api/v1/me/rollups", &member).await),
        vec![TODAY - 364, TODAY]
    );
    assert_eq!(common::team_daily_days(&s, &team).await, vec![TODAY - 364, TODAY]);
    let sessions = s.get_json("/api/v1/me/sessions", &member).await;
    assert_eq!(sessions.as_array().unwrap().len(), 2);
    // Running again deletes nothing more.
    let again = prompt1_server::retention::apply(&s.state.db, s.state.now())
        .await
        .unwrap();
    assert_eq!((again.sessions, again.rollup_rows), (0, 0));
    // A shorter retention, and a day later: only the last 60 days stay.
    let r = s
        .call(
            Method::PUT,
            "/api/v1/org/settings",
            Some(&admin),
            Some(json!({"retention_days": 60})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(s.state.clock.advance(86_400));
    let r = prompt1_server::retention::apply(&s.state.db, s.state.now())
        .await
        .unwrap();
    assert_eq!((r.sessions, r.rollup_rows), (1, 4));
    assert_eq!(days(s.get_json("/api/v1/me/rollups", &member).await), vec![TODAY]);
    // An upload of an already deleted old session is stored again (the client decides what it
    // sends); retention removes it at its next run.
    s.upload(&dev, vec![v(&summary_on(9, 1, 1, TODAY - 200))]).await;
    let r = prompt1_server::retention::apply(&s.state.db, s.state.now())
        .await
        .unwrap();
    assert_eq!(r.sessions, 1);
}

async fn malformed_ids_are_missing(kind: Kind) {
    let Some(s) = server(kind).await else { return };
    let (admin, _) = s.setup_admin("a@x.test", "admin password 1").await;
    for path in [
        "/api/v1/teams/NOT-AN-ID/rollups",
        "/api/v1/teams/0123456789ABCDEF0123456789ABCDEF/rollups",
        "/api/v1/teams/0123456789abcdef0123456789abcdef/rollups",
    ] {
        let r = s.call(Method::GET, path, Some(&admin), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.error_code(), "not_found");
    }
    let r = s
        .call(Method::DELETE, "/api/v1/devices/%2e%2e%2fetc", Some(&admin), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

both_backends!(
    settings_are_bounded_and_admin_only,
    retention_deletes_old_days,
    malformed_ids_are_missing
);
