//! The developer's proficiency and coaching and the team overview, on both backends, with the
//! expected numbers worked out by hand from crafted uploads and a fixed clock.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::{create_team, server_at, summary_on, v, Kind, TestServer};
use prompt1_wire::SessionSummary;
use serde_json::{json, Value};

/// 2026-05-27, a Wednesday (its week starts on Monday 20_598).
const TODAY: i64 = 20_600;
const MONDAY: i64 = 20_598;

async fn user_id(s: &TestServer, tok: &str) -> String {
    s.get_json("/api/v1/me", tok).await["user_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

struct Org {
    s: TestServer,
    admin: String,
    big: String,
    small: String,
    manager: String,
    m1: String,
    m2: String,
    s1: String,
    /// The device each of zed, m1, m2 uploaded with.
    devices: Vec<String>,
}

/// Team Big: manager zed@ (4 prompts, yesterday), member m1@ (2 prompts yesterday, 6 today, 1 on
/// last week's Friday), member m2@ (3 prompts on Monday, 4 edit batches of which 1 verified).
/// Team Small: s1@, s2@ (one session each today).
async fn org(kind: Kind) -> Option<Org> {
    let s = server_at(kind, TODAY * 86_400 + 12 * 3600).await?;
    let (admin, _) = s.setup_admin("admin@x.test", "admin password 1").await;
    let big = create_team(&s, &admin, "Big").await;
    let small = create_team(&s, &admin, "Small").await;
    let manager = s.add_member(&admin, "zed@x.test", "manager", Some(&big)).await;
    let m1 = s.add_member(&admin, "m1@x.test", "member", Some(&big)).await;
    let m2 = s.add_member(&admin, "m2@x.test", "member", Some(&big)).await;
    let s1 = s.add_member(&admin, "s1@x.test", "member", Some(&small)).await;
    let s2 = s.add_member(&admin, "s2@x.test", "member", Some(&small)).await;
    let up = |tok: String, items: Vec<SessionSummary>| {
        let s = &s;
        async move {
            let dev = s.device_token(&tok).await;
            let d = dev.clone();
            let r = s.upload(&dev, items.iter().map(v).collect()).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            assert!(r.json()["results"]
                .as_array()
                .unwrap()
                .iter()
                .all(|x| x["status"] == "stored"));
            d
        }
    };
    let mut devices = Vec::new();
    devices.push(up(manager.clone(), vec![summary_on(1, 1, 4, TODAY - 1)]).await);
    devices.push(
        up(
            m1.clone(),
            vec![
                summary_on(2, 1, 2, TODAY - 1),
                summary_on(3, 1, 6, TODAY),
                summary_on(5, 1, 1, MONDAY - 3),
            ],
        )
        .await,
    );
    let mut m2s = summary_on(4, 1, 3, MONDAY);
    m2s.edit_batches = 4;
    m2s.verified_batches = 1;
    devices.push(up(m2.clone(), vec![m2s]).await);
    up(s1.clone(), vec![summary_on(6, 1, 5, TODAY)]).await;
    up(s2.clone(), vec![summary_on(7, 1, 5, TODAY)]).await;
    Some(Org {
        s,
        admin,
        big,
        small,
        manager,
        m1,
        m2,
        s1,
        devices,
    })
}

fn withheld(members: u64, min: u64) -> Value {
    json!({"reason": "below_min_group_size", "members": members, "min_group_size": min})
}

async fn team_overview_numbers(kind: Kind) {
    let Some(o) = org(kind).await else { return };
    let s = &o.s;
    let path = format!("/api/v1/teams/{}/overview", o.big);
    let view = s.get_json(&path, &o.admin).await;
    assert_eq!(view["team_id"], o.big.as_str());
    assert_eq!(view["name"], "Big");
    assert_eq!(view["members"], 3);
    assert_eq!(view["min_group_size"], 3);
    assert!(view["withheld"].is_null());
    let weeks = view["weeks"].as_array().unwrap();
    assert_eq!(weeks.len(), 8);
    // Oldest first, Monday to Sunday; the current week ends today.
    assert_eq!(weeks[0]["first_day"], MONDAY - 49);
    assert_eq!(weeks[0]["last_day"], MONDAY - 43);
    assert_eq!(weeks[7]["first_day"], MONDAY);
    assert_eq!(weeks[7]["last_day"], TODAY);
    // This week: all three members active; 4 sessions (4 + 2 + 6 + 3 = 15 prompts).
    let w = &weeks[7];
    assert_eq!(w["active_members"], 3);
    assert_eq!(w["adoption"], 1.0);
    assert!(w["withheld"].is_null());
    let t = &w["totals"];
    assert_eq!(t["sessions"], 4);
    assert_eq!(t["interactive_sessions"], 4);
    assert_eq!(t["prompts"], 15);
    assert_eq!(t["mean_clarity"], 50.0, "every prompt scored 50");
    // Edit batches 1 + 1 + 1 + 4 = 7, verified 1 + 1 + 1 + 1 = 4.
    assert_eq!(t["verification_rate"], 4.0 / 7.0);
    assert_eq!(t["test_runs"], 4);
    assert_eq!(t["lint_runs"], 0);
    assert_eq!(t["build_runs"], 0);
    assert_eq!(
        t["edits"],
        json!({"user_accepted": 4, "user_rejected": 0, "auto_allowed": 0, "auto_denied": 0})
    );
    // Sonnet 4.5 only: input 4 x 100, output 10 x 15 prompts, cache reads 4 x 5. At $3, $15 and
    // $0.30 per million: (400 x 300 + 150 x 1500 + 20 x 30) cents / 1e6 = 345,600 / 1e8 dollars.
    assert_eq!(
        t["tokens_by_model"],
        json!([{"model": "claude-sonnet-4-5", "input_tokens": 400, "output_tokens": 150,
            "cache_creation_tokens": 0, "cache_read_tokens": 20, "cost_usd": 0.003456}])
    );
    assert_eq!(t["cost_usd"], 0.003456);
    // Last week only m1 was active: withheld, for everyone.
    assert_eq!(weeks[6]["active_members"], 1);
    assert!(weeks[6]["totals"].is_null());
    assert_eq!(weeks[6]["withheld"], withheld(1, 3));
    assert_eq!(weeks[0]["withheld"], withheld(0, 3));
    // Nobody has enough data for a score (3 sessions and 20 prompts in 14 days).
    assert_eq!(
        view["score_distribution"],
        json!({"buckets": [], "not_enough_data": 3, "withheld": withheld(0, 3)})
    );
    // Admins see members' scores: by email, score and components only.
    let scores = view["member_scores"].as_array().unwrap();
    let emails: Vec<&str> = scores.iter().map(|m| m["email"].as_str().unwrap()).collect();
    assert_eq!(emails, ["m1@x.test", "m2@x.test", "zed@x.test"]);
    assert_eq!(scores[0]["user_id"], user_id(s, &o.m1).await.as_str());
    for m in scores {
        assert!(m["score"].is_null());
        assert_eq!(m["components"], json!([]));
        let mut keys: Vec<&String> = m.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            ["components", "email", "score", "user_id"],
            "no evidence, no tips"
        );
    }
    // The team's manager sees the same; a member sees the aggregates but not the scores.
    let by_manager = s.get_json(&path, &o.manager).await;
    assert_eq!(by_manager, view);
    let by_member = s.get_json(&path, &o.m2).await;
    assert!(by_member["member_scores"].is_null());
    assert_eq!(by_member["weeks"], view["weeks"]);
    assert_eq!(by_member["score_distribution"], view["score_distribution"]);
    // A member of another team: 403; an unknown team: 404.
    let r = s.call(Method::GET, &path, Some(&o.s1), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = s
        .call(
            Method::GET,
            &format!("/api/v1/teams/{}/overview", "ab".repeat(16)),
            Some(&o.admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The two-member team is withheld whole, for the admin too.
    let small = s
        .get_json(&format!("/api/v1/teams/{}/overview", o.small), &o.admin)
        .await;
    assert_eq!(small["members"], 2);
    assert_eq!(small["withheld"], withheld(2, 3));
    assert_eq!(small["weeks"], json!([]));
    assert_eq!(small["score_distribution"]["withheld"], withheld(2, 3));
    assert_eq!(small["score_distribution"]["buckets"], json!([]));

    // A larger minimum withholds Big too.
    let r = s
        .call(
            Method::PUT,
            "/api/v1/org/settings",
            Some(&o.admin),
            Some(json!({"min_group_size": 4})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let view = s.get_json(&path, &o.manager).await;
    assert_eq!(view["withheld"], withheld(3, 4));
    assert_eq!(view["weeks"], json!([]));
}

async fn my_proficiency_and_coaching(kind: Kind) {
    let Some(o) = org(kind).await else { return };
    let s = &o.s;
    // m1: 3 sessions and 2 + 6 + 1 = 9 prompts in the last 14 days: no score yet.
    let p = s.get_json("/api/v1/me/proficiency", &o.m1).await;
    assert_eq!(p["window"], json!({"first_day": TODAY - 13, "last_day": TODAY}));
    assert_eq!(
        p["proficiency"],
        json!({"score": null, "components": [],
            "shortfall": {"sessions": 3, "sessions_needed": 3, "prompts": 9, "prompts_needed": 20}})
    );
    let trend = p["trend"].as_array().unwrap();
    let days: Vec<i64> = trend.iter().map(|t| t["last_day"].as_i64().unwrap()).collect();
    assert_eq!(days, (0..8).rev().map(|k| TODAY - 7 * k).collect::<Vec<_>>());
    assert!(trend.iter().all(|t| t["score"].is_null()));

    let c = s.get_json("/api/v1/me/coaching", &o.m1).await;
    assert_eq!(c["tips"], json!([]), "not enough data, no CLAUDE.md change");
    assert!(c["org"].is_null());
    assert_eq!(c["org_withheld"], withheld(0, 3), "nobody has enough data");
    assert!(c["claude_md"].is_null());

    // A developer who added a project CLAUDE.md: 5 sessions without it a month ago (2 prompts,
    // one of them a follow-up), 5 with it this week (1 prompt): too few for a score, so only the
    // CLAUDE.md insight can be a tip.
    let cm = s.add_member(&o.admin, "cm@x.test", "member", None).await;
    let dev = s.device_token(&cm).await;
    let mut items = Vec::new();
    for k in 0..5u8 {
        let mut before = summary_on(100 + k, 1, 2, TODAY - 30 + i64::from(k));
        before.claude_md_project = false;
        before.follow_ups = 1;
        before.clarity_scored = 1;
        before.clarity_sum = 50;
        before.file_refs = 1;
        before.prompts_with_file_refs = 1;
        items.push(v(&before));
        items.push(v(&summary_on(110 + k, 1, 1, TODAY - 5 + i64::from(k))));
    }
    let r = s.upload(&dev, items).await;
    assert!(
        r.json()["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["status"] == "stored"),
        "{}",
        r.text()
    );
    let c = s.get_json("/api/v1/me/coaching", &cm).await;
    assert_eq!(
        c["claude_md"],
        json!({"since_day": TODAY - 5,
            "before": {"sessions": 5, "prompts": 10, "follow_up_share": 0.5, "rejected_share": 0.0, "verified_share": 1.0},
            "after": {"sessions": 5, "prompts": 5, "follow_up_share": 0.0, "rejected_share": 0.0, "verified_share": 1.0}})
    );
    let tips = c["tips"].as_array().unwrap();
    assert_eq!(tips.len(), 1);
    assert_eq!(tips[0]["rule"], "claude_md_effect");
    // Nobody else's coaching is reachable: the routes take no user, and other users' tokens see
    // their own.
    let other = s.get_json("/api/v1/me/coaching", &o.m2).await;
    assert!(other["claude_md"].is_null());
    let r = s
        .call(
            Method::GET,
            &format!("/api/v1/me/coaching?user_id={}", user_id(s, &cm).await),
            Some(&o.m2),
            None,
        )
        .await;
    assert_eq!(r.json(), other, "a query parameter names nobody");
}

/// Rollups follow revisions: a later revision replaces its session's contribution to the coach's
/// counters and to tokens by model.
async fn revisions_move_coach_counters(kind: Kind) {
    let Some(o) = org(kind).await else { return };
    let s = &o.s;
    let path = format!("/api/v1/teams/{}/overview", o.big);
    // zed's session 1 (4 prompts, yesterday) is revised to 10 prompts on the same device.
    let mut revised = summary_on(1, 2, 10, TODAY - 1);
    revised.tokens[0].model = prompt1_wire::ModelId::Haiku4_5;
    let r = s.upload(&o.devices[0], vec![v(&revised)]).await;
    assert_eq!(r.json()["results"][0]["status"], "stored");
    // A retry of the old revision changes nothing.
    let r = s
        .upload(&o.devices[0], vec![v(&summary_on(1, 1, 4, TODAY - 1))])
        .await;
    assert_eq!(r.json()["results"][0]["status"], "already_stored");
    let rollups = s.get_json("/api/v1/me/rollups", &o.manager).await;
    assert_eq!(common::total(&rollups, "coach_prompts"), 10);
    assert_eq!(common::total(&rollups, "coach_sessions"), 1);
    assert_eq!(common::total(&rollups, "prompts"), 10);
    let t = &s.get_json(&path, &o.admin).await["weeks"][7]["totals"];
    // 15 - 4 + 10 prompts; the session's tokens moved from Sonnet 4.5 to Haiku 4.5: Haiku has
    // input 100, output 100, cache reads 5 ($1, $5, $0.10 per million: 100 x 100 + 100 x 500 +
    // 5 x 10 = 60,050 cents per million); Sonnet keeps 300, 110, 15 (300 x 300 + 110 x 1500 +
    // 15 x 30 = 255,450).
    assert_eq!(t["prompts"], 21);
    assert_eq!(
        t["tokens_by_model"],
        json!([
            {"model": "claude-haiku-4-5", "input_tokens": 100, "output_tokens": 100,
                "cache_creation_tokens": 0, "cache_read_tokens": 5, "cost_usd": 0.0006005},
            {"model": "claude-sonnet-4-5", "input_tokens": 300, "output_tokens": 110,
                "cache_creation_tokens": 0, "cache_read_tokens": 15, "cost_usd": 0.0025545}
        ])
    );
    // A scripted session counts in the rollups but not in the coach's counters.
    let mut scripted = summary_on(9, 1, 7, TODAY);
    scripted.interactive = false;
    s.upload(&o.devices[1], vec![v(&scripted)]).await;
    let rollups = s.get_json("/api/v1/me/rollups", &o.m1).await;
    assert_eq!(common::total(&rollups, "sessions"), 4);
    assert_eq!(common::total(&rollups, "coach_sessions"), 3);
    assert_eq!(common::total(&rollups, "prompts"), 16);
    assert_eq!(common::total(&rollups, "coach_prompts"), 9);
    let _ = (&o.m2, &o.s1);
}

/// Daily team totals: a day with fewer active members than the minimum group size is withheld.
async fn team_rollups_withhold_small_days(kind: Kind) {
    let Some(o) = org(kind).await else { return };
    let s = &o.s;
    // zed and m2 also work today: three active members (m1, zed, m2).
    for (dev, key, prompts) in [(&o.devices[0], 20u8, 2u32), (&o.devices[2], 21, 3)] {
        let r = s.upload(dev, vec![v(&summary_on(key, 1, prompts, TODAY))]).await;
        assert_eq!(r.json()["results"][0]["status"], "stored");
    }
    let view = s
        .get_json(&format!("/api/v1/teams/{}/rollups", o.big), &o.manager)
        .await;
    assert_eq!(view["members"], 3);
    assert!(view["withheld"].is_null());
    let days = view["days"].as_array().unwrap();
    let summary: Vec<(i64, i64, bool)> = days
        .iter()
        .map(|d| {
            (
                d["day"].as_i64().unwrap(),
                d["active_members"].as_i64().unwrap(),
                d["totals"].is_null(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (MONDAY - 3, 1, true),
            (MONDAY, 1, true),
            (TODAY - 1, 2, true),
            (TODAY, 3, false)
        ]
    );
    assert_eq!(days[2]["withheld"], withheld(2, 3));
    let today = &days[3]["totals"];
    assert_eq!(today["day"], TODAY);
    assert_eq!(today["totals"]["sessions"], 3);
    assert_eq!(today["totals"]["prompts"], 6 + 2 + 3);
    assert_eq!(today["totals"]["coach_prompts"], 6 + 2 + 3);
    // The two-member team: withheld whole.
    let small = s
        .get_json(&format!("/api/v1/teams/{}/rollups", o.small), &o.admin)
        .await;
    assert_eq!(small["withheld"], withheld(2, 3));
    assert_eq!(small["days"], json!([]));
}

both_backends!(
    team_rollups_withhold_small_days,
    team_overview_numbers,
    my_proficiency_and_coaching,
    revisions_move_coach_counters
);
