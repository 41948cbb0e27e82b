//! The pages in-process, on SQLite and PostgreSQL: account export and deletion, the admin page's
//! actions (and its refusals re-rendered as the page with the message), the team page and its
//! CSV with hand-computed figures, the device approval page, and HTML errors decided by route.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use axum::http::{header, Method, StatusCode};
use common::{create_team, summary_on, v, Kind, TestServer};
use serde_json::json;

const PW: &str = "correct horse battery";
/// Wednesday 2026-12-02, noon UTC: the fixed "now" of these tests. Its week starts Monday
/// 2026-11-30 (day 20_787).
const TODAY: i64 = 20_789;

async fn cookies(s: &TestServer, email: &str, password: &str) -> String {
    let r = s
        .form(
            "/login",
            None,
            &[("email", email), ("password", password), ("next", "/")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    r.cookies()
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

async fn page(s: &TestServer, path: &str, cookies: &str) -> (StatusCode, String) {
    let r = s.get_page(path, Some(cookies)).await;
    (r.status, r.text())
}

async fn account_export_and_deletion(kind: Kind) {
    let Some(s) = common::server_at(kind, TODAY * 86_400 + 12 * 3600).await else {
        return;
    };
    let (admin, _) = s.setup_admin("admin@x.test", "admin password 1").await;
    let team = create_team(&s, &admin, "Core").await;
    let member = s.add_member(&admin, "dev@x.test", "member", Some(&team)).await;
    let dev = s.device_token(&member).await;
    let r = s
        .upload(
            &dev,
            vec![v(&summary_on(1, 1, 4, TODAY)), v(&summary_on(2, 1, 9, TODAY))],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let c = cookies(&s, "dev@x.test", PW).await;

    // Export: everything about the caller, in JSON and the daily totals in CSV.
    let r = s.get_page("/account/export.json", Some(&c)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let j = r.json();
    assert_eq!(j["email"], "dev@x.test");
    assert_eq!(j["sessions"].as_array().unwrap().len(), 2);
    assert_eq!(j["devices"].as_array().unwrap().len(), 1);
    assert_eq!(j["days"][0]["totals"]["prompts"], 13);
    // 100 input tokens per session, 10 output tokens per prompt (4 + 9 prompts).
    assert_eq!(j["tokens"][0]["input_tokens"], 200);
    assert_eq!(j["tokens"][0]["output_tokens"], 130);
    let csv = s.get_page("/account/export.csv", Some(&c)).await.text();
    let mut lines = csv.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(lines.next(), None, "one day of data");
    let col = |name: &str| row[head.iter().position(|h| *h == name).unwrap()];
    assert_eq!(
        (col("day"), col("sessions"), col("prompts")),
        ("2026-12-02", "2", "13")
    );

    // Deletion: the tick-box and the password are both required; nothing goes before.
    let home = s.get_page("/", Some(&c)).await.text();
    let csrf = csrf_of(&home);
    let r = s
        .form("/account/delete", Some(&c), &[("csrf", &csrf), ("password", PW)])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("Tick the box") && r.text().contains("role=\"alert\""));
    let r = s
        .form(
            "/account/delete",
            Some(&c),
            &[
                ("csrf", &csrf),
                ("password", "wrong password"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("Wrong password. Nothing was deleted."));
    let r = s
        .form(
            "/account/delete",
            Some(&c),
            &[("csrf", &csrf), ("password", PW), ("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("Account deleted"));
    assert!(
        r.cookies().contains("__Host-p1_access=")
            && r.headers[header::SET_COOKIE]
                .to_str()
                .unwrap()
                .contains("Max-Age=0")
    );
    // Gone: sign-in, membership, device, own data; the admin's audit log says so.
    let r = s
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "dev@x.test", "password": PW})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let members = s.get_json("/api/v1/org/members", &admin).await;
    assert_eq!(members.as_array().unwrap().len(), 1);
    assert_eq!(
        s.upload(&dev, vec![v(&summary_on(3, 1, 1, TODAY))]).await.status,
        StatusCode::UNAUTHORIZED
    );
    let ac = cookies(&s, "admin@x.test", "admin password 1").await;
    let (_, admin_page) = page(&s, "/admin", &ac).await;
    assert!(admin_page.contains("account deleted"));

    // The last admin cannot delete their account.
    let csrf = csrf_of(&s.get_page("/", Some(&ac)).await.text());
    let r = s
        .form(
            "/account/delete",
            Some(&ac),
            &[
                ("csrf", &csrf),
                ("password", "admin password 1"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text().contains("only admin"), "{}", r.text());
    assert_eq!(
        s.get_json("/api/v1/org/members", &admin)
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

async fn admin_page_manages_the_org(kind: Kind) {
    let Some(s) = common::server(kind).await else {
        return;
    };
    let (admin, _) = s.setup_admin("admin@x.test", "admin password 1").await;
    let member = s.add_member(&admin, "m@x.test", "member", None).await;
    let ac = cookies(&s, "admin@x.test", "admin password 1").await;
    let (status, html) = page(&s, "/admin", &ac).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_of(&html);

    // Teams: create; a taken name re-renders the page with the message (409).
    let r = s
        .form("/admin/teams", Some(&ac), &[("csrf", &csrf), ("name", "Core")])
        .await;
    assert_eq!(
        (r.status, r.headers[header::LOCATION].to_str().unwrap()),
        (StatusCode::SEE_OTHER, "/admin")
    );
    let r = s
        .form("/admin/teams", Some(&ac), &[("csrf", &csrf), ("name", "Core")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.text()
            .contains("A team with this name exists. Nothing was changed."),
        "{}",
        r.text()
    );
    let teams = s.get_json("/api/v1/teams", &admin).await;
    let core = teams[0]["team_id"].as_str().unwrap().to_owned();

    // Invites into the team; deleting the team revokes them.
    let r = s
        .form(
            "/admin/invites",
            Some(&ac),
            &[("csrf", &csrf), ("role", "member"), ("team_id", &core)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let link = r
        .text()
        .split("<code id=\"invite\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let path = link.split("127.0.0.1:1").nth(1).unwrap().to_owned();
    assert_eq!(s.get_page(&path, None).await.status, StatusCode::OK);
    let (_, html) = page(&s, "/admin", &ac).await;
    assert!(html.contains("Pending invites"));
    let r = s
        .form(
            &format!("/admin/teams/{core}/rename"),
            Some(&ac),
            &[("csrf", &csrf), ("name", "Platform")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(s.get_json("/api/v1/teams", &admin).await[0]["name"], "Platform");
    let r = s
        .form(
            &format!("/admin/teams/{core}/delete"),
            Some(&ac),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        s.get_page(&path, None).await.status,
        StatusCode::NOT_FOUND,
        "the team's invite is revoked"
    );
    let (_, html) = page(&s, "/admin", &ac).await;
    assert!(html.contains("No pending invites") && html.contains("No teams yet"));

    // Revoking an invite by hand.
    let r = s
        .form(
            "/admin/invites",
            Some(&ac),
            &[("csrf", &csrf), ("role", "manager")],
        )
        .await;
    let link = r
        .text()
        .split("<code id=\"invite\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let path = link.split("127.0.0.1:1").nth(1).unwrap().to_owned();
    let (_, html) = page(&s, "/admin", &ac).await;
    let revoke = html
        .split("action=\"/admin/invites/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let r = s
        .form(&format!("/admin/invites/{revoke}"), Some(&ac), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(s.get_page(&path, None).await.status, StatusCode::NOT_FOUND);
    let r = s
        .form(&format!("/admin/invites/{revoke}"), Some(&ac), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "twice: nothing to revoke");
    assert!(r.text().contains("Page not found"));

    // Settings: below the floor is refused with the reason; a valid change is applied.
    let r = s
        .form(
            "/admin/settings",
            Some(&ac),
            &[
                ("csrf", &csrf),
                ("min_group_size", "2"),
                ("retention_days", "365"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("cannot be below 3"));
    let r = s
        .form(
            "/admin/settings",
            Some(&ac),
            &[
                ("csrf", &csrf),
                ("min_group_size", "five"),
                ("retention_days", "365"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("must be a whole number"));
    let r = s
        .form(
            "/admin/settings",
            Some(&ac),
            &[("csrf", &csrf), ("min_group_size", "5"), ("retention_days", "90")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let settings = s.get_json("/api/v1/org/settings", &admin).await;
    assert_eq!(
        (
            settings["min_group_size"].as_u64(),
            settings["retention_days"].as_u64()
        ),
        (Some(5), Some(90))
    );

    // Members: role, then removal; the last admin cannot be demoted.
    let members = s.get_json("/api/v1/org/members", &admin).await;
    let id_of = |email: &str| {
        members
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["email"] == email)
            .unwrap()["user_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (m_id, a_id) = (id_of("m@x.test"), id_of("admin@x.test"));
    let r = s
        .form(
            &format!("/admin/members/{m_id}/role"),
            Some(&ac),
            &[("csrf", &csrf), ("role", "manager")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(s.get_json("/api/v1/me", &member).await["role"], "manager");
    let r = s
        .form(
            &format!("/admin/members/{a_id}/role"),
            Some(&ac),
            &[("csrf", &csrf), ("role", "member")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text().contains("at least one admin"));
    let r = s
        .form(
            &format!("/admin/members/{m_id}/remove"),
            Some(&ac),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        s.get_json("/api/v1/org/members", &admin)
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Only admins: a member's post is the 403 page, a foreign or malformed id the 404 page.
    let _ = s.add_member(&admin, "m2@x.test", "member", None).await;
    let mc = cookies(&s, "m2@x.test", PW).await;
    let mcsrf = csrf_of(&s.get_page("/", Some(&mc)).await.text());
    let r = s
        .form("/admin/teams", Some(&mc), &[("csrf", &mcsrf), ("name", "Mine")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains("<h1>Not allowed</h1>"));
    assert_eq!(
        s.get_page("/admin", Some(&mc)).await.status,
        StatusCode::FORBIDDEN
    );
    let r = s
        .form("/admin/members/not-an-id/remove", Some(&ac), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text().contains("Page not found"));
    let r = s
        .form(
            &format!("/admin/members/{}/remove", "0".repeat(32)),
            Some(&ac),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

async fn team_page_and_csv(kind: Kind) {
    let Some(s) = common::server_at(kind, TODAY * 86_400 + 12 * 3600).await else {
        return;
    };
    let (admin, _) = s.setup_admin("admin@x.test", "admin password 1").await;
    let big = create_team(&s, &admin, "Big").await;
    let small = create_team(&s, &admin, "Small").await;
    let manager = s.add_member(&admin, "boss@x.test", "manager", Some(&big)).await;
    let a = s.add_member(&admin, "a@x.test", "member", Some(&big)).await;
    let b = s.add_member(&admin, "b@x.test", "member", Some(&big)).await;
    let lone = s.add_member(&admin, "lone@x.test", "member", Some(&small)).await;
    // This week: one session each for three members (4, 5 and 6 prompts). Last week: only two
    // members active (withheld).
    for (user, prompts, last_week) in [
        (&manager, 4, true),
        (&a, 5, true),
        (&b, 6, false),
        (&lone, 3, true),
    ] {
        let dev = s.device_token(user).await;
        let mut items = vec![v(&summary_on(1, 1, prompts, TODAY))];
        if last_week {
            items.push(v(&summary_on(2, 1, prompts, TODAY - 7)));
        }
        assert_eq!(s.upload(&dev, items).await.status, StatusCode::OK);
    }
    let bc = cookies(&s, "boss@x.test", PW).await;
    let (status, html) = page(&s, &format!("/teams/{big}"), &bc).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1>Team Big</h1>") && html.contains("id=\"member-scores\""));
    assert!(
        html.contains("withheld: 2 active members (at least 3 needed)"),
        "last week is withheld"
    );
    let csv = s.get_page(&format!("/teams/{big}/overview.csv"), Some(&bc)).await;
    assert_eq!(csv.status, StatusCode::OK);
    let text = csv.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 8, "a header and eight weeks");
    let head: Vec<&str> = lines[0].split(',').collect();
    let row = |i: usize| -> Vec<&str> { lines[i].split(',').collect() };
    let col = |r: &Vec<&str>, name: &str| r[head.iter().position(|h| *h == name).unwrap()].to_owned();
    let this_week = row(8);
    assert_eq!(this_week.len(), head.len());
    assert_eq!(col(&this_week, "week_start"), "2026-11-30");
    assert_eq!(
        col(&this_week, "week_end"),
        "2026-12-02",
        "the current week ends today"
    );
    assert_eq!(col(&this_week, "members"), "3");
    assert_eq!(col(&this_week, "active_members"), "3");
    assert_eq!(col(&this_week, "adoption"), "1.0000");
    assert_eq!(col(&this_week, "withheld"), "");
    assert_eq!(col(&this_week, "sessions"), "3");
    assert_eq!(col(&this_week, "prompts"), "15");
    assert_eq!(col(&this_week, "mean_clarity"), "50.0000");
    assert_eq!(col(&this_week, "verification_rate"), "1.0000");
    assert_eq!(col(&this_week, "test_runs"), "3");
    assert_eq!(col(&this_week, "edits_user_accepted"), "3");
    assert_eq!(col(&this_week, "input_tokens"), "300");
    assert_eq!(col(&this_week, "output_tokens"), "150");
    // 300 x $3/M + 150 x $15/M + 15 x $0.30/M = $0.0031545.
    assert_eq!(col(&this_week, "cost_usd"), "0.00");
    let last_week = row(7);
    assert_eq!(last_week.len(), head.len());
    assert_eq!(col(&last_week, "active_members"), "2");
    assert_eq!(col(&last_week, "withheld"), "below_min_group_size");
    assert_eq!(col(&last_week, "sessions"), "", "no figure for a withheld week");

    // The small team: withheld on the page and in the CSV; its own member sees the reason.
    let lc = cookies(&s, "lone@x.test", PW).await;
    let (status, html) = page(&s, &format!("/teams/{small}"), &lc).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("id=\"withheld\"") && html.contains("would cover 1 person"),
        "{html}"
    );
    assert!(!html.contains("id=\"member-scores\"") && !html.contains("lone@x.test</th>"));
    let csv = s
        .get_page(&format!("/teams/{small}/overview.csv"), Some(&lc))
        .await
        .text();
    assert_eq!(csv.lines().count(), 1, "only the header");
    // Other teams: 403 page; unknown or malformed ids: 404 page.
    let (status, html) = page(&s, &format!("/teams/{big}"), &lc).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!html.contains("a@x.test"));
    assert_eq!(
        page(&s, &format!("/teams/{big}/overview.csv"), &lc).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        page(&s, &format!("/teams/{}", "f".repeat(32)), &lc).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(page(&s, "/teams/nope", &lc).await.0, StatusCode::NOT_FOUND);
}

async fn device_page_says_what_it_approves(kind: Kind) {
    let Some(s) = common::server(kind).await else {
        return;
    };
    s.setup_admin("admin@x.test", "admin password 1").await;
    let c = cookies(&s, "admin@x.test", "admin password 1").await;
    let code = s
        .call(Method::POST, "/api/v1/device/code", None, None)
        .await
        .json();
    let uc = code["user_code"].as_str().unwrap();
    let (status, html) = page(&s, &format!("/device?code={uc}"), &c).await;
    assert_eq!(status, StatusCode::OK);
    let request = html
        .split("id=\"request\"")
        .nth(1)
        .unwrap()
        .split("</dl>")
        .next()
        .unwrap();
    assert!(
        request.contains(uc) && request.contains("admin@x.test") && request.contains("Acme"),
        "{request}"
    );
    // An unknown code re-renders the form with the message (404).
    let csrf = csrf_of(&html);
    let r = s
        .form(
            "/device",
            Some(&c),
            &[
                ("csrf", &csrf),
                ("user_code", "BCDF-BCDF"),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text().contains("unknown or expired") && r.text().contains("id=\"user_code\""));
}

async fn errors_are_pages_for_browsers_and_json_for_the_api(kind: Kind) {
    let Some(s) = common::server(kind).await else {
        return;
    };
    let r = s.get_page("/no/such/page", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(r.text().contains("<h1>Page not found</h1>") && r.text().contains("home page"));
    let r = s.get_page("/api/v1/no/such", None).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let r = s.call(Method::DELETE, "/login", None, None).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.text().contains("<h1>That action is not available here</h1>"));
    let r = s.call(Method::DELETE, "/api/v1/me", None, None).await;
    assert_eq!(r.error_code(), "method_not_allowed");
    // A form that cannot be read is a page too.
    let r = s.form("/login", None, &[("nothing", "here")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("<h1>That request could not be used</h1>"));
}

both_backends!(
    account_export_and_deletion,
    admin_page_manages_the_org,
    team_page_and_csv,
    device_page_says_what_it_approves,
    errors_are_pages_for_browsers_and_json_for_the_api,
);
