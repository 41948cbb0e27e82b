//! The pages in a real headless Chromium, as a member, a manager and an admin see them: what
//! each page shows and hides, direct URLs to another person's data answered with 404 and nothing
//! rendered, the small team's aggregates withheld, an axe-core accessibility check with zero
//! violations on every page, and a screenshot of each main page under
//! `$CARGO_TARGET_DIR/screenshots/` (or `target/screenshots/`).
//!
//! Needs chromedriver and axe-core (`scripts/setup-test-deps` installs both); without them it
//! says SKIPPED, and fails under `PROMPT1_REQUIRE_ALL=1`.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use common::{http, summary_on, v, RunningServer};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const PW: &str = "correct horse battery";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn require_all() -> bool {
    std::env::var("PROMPT1_REQUIRE_ALL").is_ok_and(|v| v == "1")
}

fn skip(why: &str) {
    assert!(!require_all(), "PROMPT1_REQUIRE_ALL=1 but {why}");
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: pages e2e ({why}; run scripts/setup-test-deps)"
    );
}

fn axe_source() -> Option<String> {
    let path = std::env::var("PROMPT1_AXE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/prompt1/axe/node_modules/axe-core/axe.min.js")
        });
    std::fs::read_to_string(path).ok()
}

fn start_driver() -> Option<(Driver, u16)> {
    let bin = std::env::var("PROMPT1_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    if !std::path::Path::new(&bin).exists() {
        skip(&format!("{bin} not found"));
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let driver = Driver(child);
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some((driver, port));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("chromedriver did not start");
}

fn screenshots() -> PathBuf {
    let dir = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The browser, with the helpers a person's visit needs.
struct Browser {
    c: Client,
    base: String,
    axe: String,
}

impl Browser {
    async fn open(&self, path: &str) -> String {
        self.c.goto(&format!("{}{path}", self.base)).await.unwrap();
        self.c.source().await.unwrap()
    }

    async fn h1(&self) -> String {
        self.c
            .find(Locator::Css("h1"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn fill(&self, id: &str, text: &str) {
        let e = self.c.find(Locator::Id(id)).await.unwrap();
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    async fn submit(&self, css: &str) {
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// Signs out (cookies gone) and signs in as `email` through the page; waits for home.
    async fn sign_in(&self, email: &str, password: &str) {
        self.c.delete_all_cookies().await.unwrap();
        self.open("/login").await;
        self.fill("email", email).await;
        self.fill("password", password).await;
        self.submit("main button[type=submit]").await;
        self.c
            .wait()
            .for_element(Locator::XPath("//h1[text()='My coaching']"))
            .await
            .unwrap();
    }

    /// Runs axe-core in the page and asserts no violation.
    async fn assert_accessible(&self, what: &str) {
        self.c.execute(&self.axe, vec![]).await.unwrap();
        let out = self
            .c
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {resultTypes: ['violations']})
                   .then(r => done(JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact,
                      nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + n.failureSummary)})))))
                   .catch(e => done('axe failed: ' + e));",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            out.as_str(),
            Some("[]"),
            "accessibility violations on {what}: {out}"
        );
    }

    /// Saves a screenshot of the whole page.
    async fn shot(&self, name: &str) {
        let h = self
            .c
            .execute("return document.documentElement.scrollHeight;", vec![])
            .await
            .unwrap()
            .as_u64()
            .unwrap_or(900)
            .clamp(600, 6000);
        self.c.set_window_size(1280, h as u32 + 40).await.unwrap();
        let png = self.c.screenshot().await.unwrap();
        std::fs::write(screenshots().join(format!("{name}.png")), png).unwrap();
        self.c.set_window_size(1280, 900).await.unwrap();
    }
}

fn api(srv: &RunningServer, method: &str, path: &str, bearer: Option<&str>, body: Option<Value>) -> Value {
    let (status, j) = http(method, &format!("{}{path}", srv.url), bearer, body);
    assert!((200..300).contains(&status), "{method} {path}: {status} {j}");
    j
}

/// Invites `email` with `role` into `team` and signs them up; returns (access token, user id).
fn join(srv: &RunningServer, admin: &str, email: &str, role: &str, team: Option<&str>) -> (String, String) {
    let inv = api(
        srv,
        "POST",
        "/api/v1/invites",
        Some(admin),
        Some(json!({"role": role, "team_id": team})),
    );
    let t = api(
        srv,
        "POST",
        "/api/v1/invites/accept",
        None,
        Some(json!({"token": inv["token"], "email": email, "password": PW})),
    );
    let access = t["access_token"].as_str().unwrap().to_owned();
    let me = api(srv, "GET", "/api/v1/me", Some(&access), None);
    (access, me["user_id"].as_str().unwrap().to_owned())
}

/// A device approved by `user` through the API; returns its token.
fn device(srv: &RunningServer, user: &str) -> String {
    let code = api(srv, "POST", "/api/v1/device/code", None, None);
    api(
        srv,
        "POST",
        "/api/v1/device/approve",
        Some(user),
        Some(json!({"user_code": code["user_code"]})),
    );
    let t = api(
        srv,
        "POST",
        "/api/v1/device/token",
        None,
        Some(json!({"device_code": code["device_code"]})),
    );
    t["device_token"].as_str().unwrap().to_owned()
}

/// Ten sessions of `prompts` prompts on each of the last ten days.
fn upload_fortnight(srv: &RunningServer, user: &str, today: i64, prompts: u32) {
    let dev = device(srv, user);
    let items: Vec<Value> = (0..10u8)
        .map(|k| v(&summary_on(k + 1, 1, prompts, today - i64::from(k))))
        .collect();
    let ack = api(
        srv,
        "POST",
        "/api/v1/ingest",
        Some(&dev),
        Some(json!({ "sessions": items })),
    );
    assert!(
        ack["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "stored"),
        "{ack}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn member_manager_and_admin_pages_in_chromium() {
    let Some(axe) = axe_source() else {
        skip("axe-core not installed");
        return;
    };
    let Some((_driver, driver_port)) = start_driver() else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let profile = tempfile::tempdir().unwrap();
    let srv = tokio::task::spawn_blocking({
        let dir = data.path().to_path_buf();
        move || RunningServer::start(&dir, 0, None)
    })
    .await
    .unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": std::env::var("PROMPT1_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--no-first-run", "--disable-dev-shm-usage", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.path().display())]
        }),
    );
    let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .unwrap();
    let b = Browser {
        c,
        base: srv.url.clone(),
        axe,
    };

    // A fresh server's home page says where the set-up link is.
    let html = b.open("/").await;
    assert!(html.contains("set-up link") && html.contains("server"), "{html}");
    b.assert_accessible("the welcome page").await;
    b.shot("welcome").await;

    // First-admin set-up through the printed link.
    let link = srv.setup_link.clone().unwrap();
    b.c.goto(&link).await.unwrap();
    b.assert_accessible("the set-up page").await;
    b.fill("org", "Acme").await;
    b.fill("email", "admin@acme.test").await;
    b.fill("password", PW).await;
    b.submit("main button[type=submit]").await;
    b.c.wait()
        .for_element(Locator::XPath("//h1[text()='My coaching']"))
        .await
        .unwrap();

    // An organization: a team of four (a manager and three members) and a team of two.
    let srv = std::sync::Arc::new(srv);
    let today = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 86_400) as i64;
    let seeded = tokio::task::spawn_blocking({
        let srv = srv.clone();
        move || {
            let admin = api(
                &srv,
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"email": "admin@acme.test", "password": PW})),
            )["access_token"]
                .as_str()
                .unwrap()
                .to_owned();
            let team = |name: &str| {
                api(
                    &srv,
                    "POST",
                    "/api/v1/teams",
                    Some(&admin),
                    Some(json!({ "name": name })),
                )["team_id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            };
            let (platform, design) = (team("Platform"), team("Design"));
            let (manager, _) = join(&srv, &admin, "manager@acme.test", "manager", Some(&platform));
            let (dev1, dev1_id) = join(&srv, &admin, "dev1@acme.test", "member", Some(&platform));
            let (dev2, _) = join(&srv, &admin, "dev2@acme.test", "member", Some(&platform));
            let (dev3, _) = join(&srv, &admin, "dev3@acme.test", "member", Some(&platform));
            let (small1, _) = join(&srv, &admin, "small1@acme.test", "member", Some(&design));
            let (small2, _) = join(&srv, &admin, "small2@acme.test", "member", Some(&design));
            for (user, prompts) in [
                (&manager, 3),
                (&dev1, 4),
                (&dev2, 6),
                (&dev3, 5),
                (&small1, 4),
                (&small2, 3),
            ] {
                upload_fortnight(&srv, user, today, prompts);
            }
            // A pending invite into the small team, for the admin page.
            api(
                &srv,
                "POST",
                "/api/v1/invites",
                Some(&admin),
                Some(json!({"role": "member", "team_id": design})),
            );
            (platform, design, dev1_id)
        }
    })
    .await
    .unwrap();
    let (platform, design, dev1_id) = seeded;

    // ---- a member ----
    b.sign_in("dev1@acme.test", PW).await;
    let html = b.c.source().await.unwrap();
    // Ten sessions of four prompts: 40 prompts over ten days, enough for a score.
    assert!(
        b.c.find(Locator::Css(".score .value")).await.is_ok(),
        "a score is shown"
    );
    for id in ["components", "days", "tokens", "devices", "coaching"] {
        assert!(html.contains(&format!("id=\"{id}\"")), "home has #{id}");
    }
    assert!(
        html.contains("<svg") && html.contains("role=\"img\""),
        "charts are accessible SVG"
    );
    assert!(html.contains("href=\"/account/export.json\"") && html.contains("href=\"/account/export.csv\""));
    assert!(html.contains("Delete my account and data"));
    assert!(!html.contains("href=\"/admin\""), "members have no admin link");
    assert!(
        html.contains(&format!("href=\"/teams/{platform}\"")),
        "members have their team's link"
    );
    b.assert_accessible("the developer page").await;
    b.shot("developer").await;

    // Their own team's aggregates, without members' scores; no other team; no admin page.
    b.open(&format!("/teams/{platform}")).await;
    let html = b.c.source().await.unwrap();
    assert!(
        html.contains("id=\"weeks\""),
        "a member sees their team's aggregates"
    );
    assert!(
        !html.contains("id=\"member-scores\"") && !html.contains("dev2@acme.test"),
        "but not members' scores"
    );
    b.assert_accessible("the team page (member)").await;
    b.open(&format!("/teams/{design}")).await;
    assert_eq!(b.h1().await, "Not allowed");
    assert!(!b.c.source().await.unwrap().contains("small1@acme.test"));
    b.assert_accessible("the 403 page").await;
    b.shot("error-403").await;
    b.open("/admin").await;
    assert_eq!(b.h1().await, "Not allowed");

    // A form error re-renders the form with the message.
    b.open("/").await;
    b.fill("current_password", "not my password").await;
    b.fill("new_password", "a new password 1").await;
    b.submit("form[action='/account/password'] button").await;
    let err =
        b.c.wait()
            .for_element(Locator::Id("password-error"))
            .await
            .unwrap();
    assert!(err.text().await.unwrap().contains("current password is wrong"));
    b.assert_accessible("the developer page with a form error").await;

    // ---- a manager ----
    b.sign_in("manager@acme.test", PW).await;
    b.open(&format!("/teams/{platform}")).await;
    let html = b.c.source().await.unwrap();
    assert!(
        html.contains("id=\"weeks\"") && html.contains("id=\"distribution\""),
        "aggregates"
    );
    assert!(
        html.contains("id=\"member-scores\"") && html.contains("dev1@acme.test"),
        "members' scores"
    );
    let pos = |e: &str| html.find(e).unwrap();
    assert!(
        pos("dev1@acme.test") < pos("dev2@acme.test") && pos("dev2@acme.test") < pos("dev3@acme.test"),
        "members are listed by email, not ranked"
    );
    assert!(
        !html.contains("Next step"),
        "no member's coaching on the team page"
    );
    b.assert_accessible("the team page (manager)").await;
    b.shot("team-manager").await;
    // Another person's coaching or sessions by direct URL: 404, nothing rendered.
    for path in [
        format!("/members/{dev1_id}/coaching"),
        format!("/members/{dev1_id}/sessions"),
        format!("/users/{dev1_id}"),
        format!("/api/v1/members/{dev1_id}/coaching"),
        format!("/api/v1/users/{dev1_id}/sessions"),
    ] {
        let html = b.open(&path).await;
        assert!(
            html.contains("Page not found") || html.contains("\"not_found\""),
            "{path}: {html}"
        );
        assert!(
            !html.contains("dev1@acme.test") && !html.contains("Next step"),
            "{path} renders nothing"
        );
    }
    b.open(&format!("/members/{dev1_id}/coaching")).await;
    b.assert_accessible("the 404 page").await;
    b.shot("error-404").await;
    b.open(&format!("/teams/{design}")).await;
    assert_eq!(b.h1().await, "Not allowed", "a manager of another team");

    // ---- an admin ----
    b.sign_in("admin@acme.test", PW).await;
    b.open("/admin").await;
    let html = b.c.source().await.unwrap();
    for needle in [
        "dev1@acme.test",
        "Platform",
        "Design",
        "Pending invites",
        "Every device of the organization",
        "min_group_size",
        "retention_days",
        "Audit log",
        "member joined",
        "127.0.0.1",
    ] {
        assert!(html.contains(needle), "admin page shows {needle}");
    }
    b.assert_accessible("the admin page").await;
    b.shot("admin").await;

    // The small team: aggregates withheld with the reason; scores only for those allowed.
    b.open(&format!("/teams/{design}")).await;
    let withheld =
        b.c.find(Locator::Id("withheld"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert!(
        withheld.contains("Withheld") && withheld.contains("2 people") && withheld.contains("at least 3"),
        "{withheld}"
    );
    let html = b.c.source().await.unwrap();
    assert!(
        !html.contains("id=\"weeks\"") && !html.contains("overview.csv"),
        "no aggregate of the small team"
    );
    b.assert_accessible("the withheld team page").await;
    b.shot("team-withheld").await;

    // Approving a device says which login and which account it acts for.
    let code = tokio::task::spawn_blocking({
        let srv = srv.clone();
        move || api(&srv, "POST", "/api/v1/device/code", None, None)
    })
    .await
    .unwrap();
    let uc = code["user_code"].as_str().unwrap().to_owned();
    b.open(&format!("/device?code={uc}")).await;
    let request =
        b.c.find(Locator::Id("request"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert!(
        request.contains(&uc) && request.contains("admin@acme.test") && request.contains("Acme"),
        "{request}"
    );
    b.assert_accessible("the device approval page").await;
    b.shot("device-approve").await;

    // A refused admin change re-renders the page with the message (400).
    b.open("/admin").await;
    b.fill("min_group_size", "2").await;
    b.c.execute(
        "document.getElementById('min_group_size').removeAttribute('min')",
        vec![],
    )
    .await
    .unwrap();
    b.submit("form[action='/admin/settings'] button").await;
    let err = b.c.wait().for_element(Locator::Id("admin-error")).await.unwrap();
    assert!(
        err.text().await.unwrap().contains("cannot be below 3"),
        "the database floor is explained"
    );
    b.assert_accessible("the admin page with a form error").await;

    // An invite, opened by someone without an account.
    let invite = tokio::task::spawn_blocking({
        let srv = srv.clone();
        move || {
            let admin = api(
                &srv,
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"email": "admin@acme.test", "password": PW})),
            )["access_token"]
                .as_str()
                .unwrap()
                .to_owned();
            api(
                &srv,
                "POST",
                "/api/v1/invites",
                Some(&admin),
                Some(json!({"role": "member"})),
            )["token"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    })
    .await
    .unwrap();
    b.c.delete_all_cookies().await.unwrap();
    let html = b.open(&format!("/invite/{invite}")).await;
    assert!(html.contains("Acme") && html.contains("Create account and join"));
    b.assert_accessible("the invite page").await;
    b.shot("invite").await;

    // The sign-in page, with its error.
    b.open("/login").await;
    b.fill("email", "admin@acme.test").await;
    b.fill("password", "wrong password").await;
    b.submit("main button[type=submit]").await;
    b.c.wait().for_element(Locator::Css("p.error")).await.unwrap();
    b.assert_accessible("the sign-in page with an error").await;
    b.shot("sign-in").await;

    b.c.clone().close().await.unwrap();
    let srv = std::sync::Arc::try_unwrap(srv).ok().unwrap();
    tokio::task::spawn_blocking(move || srv.stop()).await.unwrap();
}
