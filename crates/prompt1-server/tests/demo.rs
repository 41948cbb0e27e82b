//! `prompt1-server --demo`: it refuses what could hurt (a non-loopback address, a real database),
//! seeds the promised organization through the real flows, and its printed accounts sign in.

mod common;

use axum::http::{Method, StatusCode};
use common::{Kind, TestServer};
use prompt1_server::config::{Config, Secret};
use prompt1_server::demo::{self, DemoRefused};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::process::{Command, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_prompt1-server"));
    c.env_remove("DATABASE_URL")
        .env_remove("PROMPT1_DATABASE_URL")
        .env_remove("PROMPT1_DATA_DIR")
        .env("RUST_BACKTRACE", "0");
    c
}

#[test]
fn demo_refuses_a_non_loopback_address_with_a_message() {
    let out = bin().args(["--demo", "--listen", "0.0.0.0:0"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--demo only listens on a loopback address (127.0.0.1 or ::1), not 0.0.0.0:0"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "no account printed");
}

#[test]
fn demo_refuses_a_real_database_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["--demo", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--demo never touches a real database"), "{err}");
    assert!(err.contains("the data folder"), "{err}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written to the folder"
    );

    let out = bin()
        .arg("--demo")
        .env(
            "DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/must_not_be_used",
        )
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--demo never touches a real database"), "{err}");
    assert!(err.contains("the database URL"), "{err}");
}

#[test]
fn check_accepts_only_loopback_and_no_database() {
    let ok = Config::default();
    assert_eq!(demo::check(&ok), Ok(()));
    let v6 = Config {
        listen: "[::1]:8080".parse().unwrap(),
        ..Config::default()
    };
    assert_eq!(demo::check(&v6), Ok(()));
    let lan = Config {
        listen: "192.168.1.10:8080".parse().unwrap(),
        ..Config::default()
    };
    assert_eq!(
        demo::check(&lan),
        Err(DemoRefused::NotLoopback("192.168.1.10:8080".parse().unwrap()))
    );
    let pg = Config {
        database_url: Some(Secret("postgres://db/x".into())),
        ..Config::default()
    };
    assert_eq!(
        demo::check(&pg),
        Err(DemoRefused::RealDatabase("the database URL"))
    );
}

#[tokio::test]
async fn demo_seeds_the_promised_organization_and_its_accounts_sign_in() {
    let cfg = Config {
        retention_interval_s: 0,
        ..Config::default()
    };
    let (state, dir, seeded) = demo::start(cfg, prompt1_server::app).await.unwrap();
    let db_file_in_temp = std::fs::read_dir(dir.path()).unwrap().count() > 0;
    assert!(
        db_file_in_temp,
        "the SQLite file is in the demo's own temporary folder"
    );
    let s = TestServer {
        app: prompt1_server::app(state.clone()),
        state,
        kind: Kind::Sqlite,
        dir,
        pg: None,
    };

    // Three accounts, in this order, each signs in with its printed password.
    let roles: Vec<&str> = seeded.accounts.iter().map(|a| a.role.as_str()).collect();
    assert_eq!(roles, ["member", "manager", "admin"]);
    let mut tokens = Vec::new();
    for a in &seeded.accounts {
        let line = a.line();
        let parts: Vec<&str> = line.split(' ').collect();
        assert_eq!(parts.len(), 3, "{:?}", a);
        assert_eq!(parts[0], a.role.as_str().to_uppercase());
        assert_eq!(parts[1], a.email);
        assert!(parts[2].len() >= 16);
        tokens.push(s.login(&a.email, &a.password).await.0);
        let wrong = s
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(serde_json::json!({"email": a.email, "password": "not-the-password"})),
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    let (member, manager, admin) = (&tokens[0], &tokens[1], &tokens[2]);

    // Three teams: 12, 10 and 2 members (the last below the minimum group size of 3); the admin
    // in none; 25 people in all.
    let teams = s.get_json("/api/v1/teams", admin).await;
    let names: BTreeMap<String, String> = teams
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["team_id"].as_str().unwrap().to_owned(),
                t["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(names.len(), 3);
    let members = s.get_json("/api/v1/org/members", admin).await;
    let members = members.as_array().unwrap();
    assert_eq!(members.len(), 25);
    let mut sizes: BTreeMap<String, usize> = BTreeMap::new();
    for m in members {
        let team = m["team_id"]
            .as_str()
            .map_or("(none)".to_owned(), |t| names[t].clone());
        *sizes.entry(team).or_default() += 1;
    }
    let expected: BTreeMap<String, usize> =
        [("Platform", 12), ("Mobile", 10), ("Research", 2), ("(none)", 1)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
    assert_eq!(sizes, expected);
    let roles_of = |role: &str| members.iter().filter(|m| m["role"] == role).count();
    assert_eq!(
        (roles_of("admin"), roles_of("manager"), roles_of("member")),
        (1, 3, 21)
    );
    assert_eq!(seeded.members, 25);

    // 60 days of sessions ending today, for the printed member.
    let today = s.state.clock.today();
    let days = s.get_json("/api/v1/me/rollups", member).await;
    let days: Vec<i64> = days
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["day"].as_i64().unwrap())
        .collect();
    assert!(
        *days.iter().min().unwrap() >= today - 59 && *days.iter().min().unwrap() <= today - 55,
        "first day {} for today {today}",
        days.iter().min().unwrap()
    );
    assert!(*days.iter().max().unwrap() <= today);
    assert!(*days.iter().max().unwrap() >= today - 3, "recent sessions");
    assert!(seeded.days.0 >= today - 59 && seeded.days.1 <= today);
    assert!(seeded.sessions > 25 * 20, "{} sessions", seeded.sessions);

    // The member is scored by the server (rollups built at ingest), and sees the CLAUDE.md
    // before/after insight (adopted half-way through the 60 days).
    let prof = s.get_json("/api/v1/me/proficiency", member).await;
    let score = prof["proficiency"]["score"].as_u64();
    assert!(score.is_some_and(|v| v <= 100), "{prof}");
    assert_eq!(prof["trend"].as_array().unwrap().len(), 8);
    let coaching = s.get_json("/api/v1/me/coaching", member).await;
    assert!(coaching["claude_md"].is_object(), "{coaching}");
    assert!(!coaching["tips"].as_array().unwrap().is_empty(), "{coaching}");

    // The manager sees their team's overview with scores; the small team's aggregates are
    // withheld, with the reason.
    let team_id = |name: &str| names.iter().find(|(_, n)| *n == name).unwrap().0.clone();
    let platform = s
        .get_json(
            &format!("/api/v1/teams/{}/overview", team_id("Platform")),
            manager,
        )
        .await;
    assert_eq!(platform["members"], 12);
    assert!(platform["withheld"].is_null(), "{platform}");
    assert_eq!(platform["member_scores"].as_array().unwrap().len(), 12);
    assert!(!platform["weeks"].as_array().unwrap().is_empty());
    let research = s
        .get_json(&format!("/api/v1/teams/{}/overview", team_id("Research")), admin)
        .await;
    assert_eq!(research["members"], 2);
    assert!(research["withheld"].is_object(), "2 members < 3: {research}");
    assert!(research["weeks"].as_array().unwrap().is_empty());
    // The member does not see other members' scores.
    let as_member = s
        .get_json(&format!("/api/v1/teams/{}/overview", team_id("Platform")), member)
        .await;
    assert!(as_member["member_scores"].is_null(), "{as_member}");
}

#[test]
fn demo_binary_prints_three_accounts_then_serves() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = bin()
        .args(["--demo", "--listen", &format!("127.0.0.1:{port}")])
        .env("PROMPT1_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines: Vec<String> = std::io::BufReader::new(stdout)
        .lines()
        .take(3)
        .map(Result::unwrap)
        .collect();
    let result = std::panic::catch_unwind(|| {
        assert_eq!(lines.len(), 3, "{lines:?}");
        let mut roles = Vec::new();
        for line in &lines {
            let parts: Vec<&str> = line.split(' ').collect();
            assert_eq!(parts.len(), 3, "`ROLE EMAIL PASSWORD`: {line}");
            assert!(parts[1].contains('@'), "{line}");
            roles.push(parts[0].to_owned());
            let (status, body) = common::http(
                "POST",
                &format!("http://127.0.0.1:{port}/api/v1/auth/login"),
                None,
                Some(serde_json::json!({"email": parts[1], "password": parts[2]})),
            );
            assert_eq!(status, 200, "{line}: {body}");
            assert!(body["access_token"].is_string());
        }
        assert_eq!(roles, ["MEMBER", "MANAGER", "ADMIN"]);
    });
    let _ = child.kill();
    let _ = child.wait();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}
