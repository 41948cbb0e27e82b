//! The client's upload path (`crates/prompt1/src/remote.rs`, compiled here as a module) against a
//! real server on a TCP port: device login, sync with acknowledgement-gated deletion, quarantine,
//! 401 handling, retry across a server restart, and self-revocation.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

#[path = "../../prompt1/src/remote.rs"]
#[allow(dead_code)]
mod remote;

use common::{http, summary, RunningServer};
use prompt1_wire::SessionSummary;
use std::path::Path;
use std::time::Duration;

fn write_outbox(home: &Path, s: &SessionSummary) {
    let dir = home.join("outbox");
    std::fs::create_dir_all(&dir).unwrap();
    let name = format!("{}.json", s.session_key.to_hex());
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, serde_json::to_vec(s).unwrap()).unwrap();
    std::fs::rename(tmp, dir.join(name)).unwrap();
}

fn outbox_len(home: &Path) -> usize {
    std::fs::read_dir(home.join("outbox"))
        .map(|d| d.count())
        .unwrap_or(0)
}

fn fast() -> remote::RetryPolicy {
    remote::RetryPolicy {
        attempts: 8,
        base: Duration::from_millis(100),
        cap: Duration::from_millis(800),
        request_timeout: Duration::from_secs(10),
    }
}

/// Logs `home` in through the device flow, approving as `user` from inside the prompt callback.
fn device_login(srv: &RunningServer, home: &Path, user: &str) {
    let url = srv.url.clone();
    let user = user.to_owned();
    remote::login_with(home, &srv.url, &mut |p: &remote::DevicePrompt| {
        assert!(p.verification_uri_complete.contains(&p.user_code));
        let (status, _) = http(
            "POST",
            &format!("{url}/api/v1/device/approve"),
            Some(&user),
            Some(serde_json::json!({"user_code": p.user_code})),
        );
        assert_eq!(status, 204);
    })
    .unwrap();
}

fn rollup_total(srv: &RunningServer, user: &str, metric: &str) -> i64 {
    let (_, j) = http("GET", &format!("{}/api/v1/me/rollups", srv.url), Some(user), None);
    common::total(&j, metric)
}

#[test]
fn login_sync_quarantine_revoke() {
    let data = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let srv = RunningServer::start(data.path(), 0, None);
    let admin = common::setup_running(&srv, "a@x.test", "admin password 1");
    device_login(&srv, home.path(), &admin);

    let dev_file = home.path().join("device.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&dev_file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let creds: serde_json::Value = serde_json::from_slice(&std::fs::read(&dev_file).unwrap()).unwrap();
    assert!(creds["device_token"].as_str().unwrap().starts_with("p1d_"));

    // 120 sessions: three batches. Local totals must equal server totals.
    let mut local_prompts = 0i64;
    for k in 0..120u8 {
        let s = summary(k, 1, u32::from(k % 7) + 1);
        local_prompts += i64::from(s.prompts);
        write_outbox(home.path(), &s);
    }
    let mut bad = summary(200, 1, 2);
    bad.follow_ups = 3; // more follow-ups than prompts: refused by validate()
    write_outbox(home.path(), &bad);
    std::fs::write(
        home.path()
            .join("outbox")
            .join(format!("{}.json", "ab".repeat(16))),
        b"{not json",
    )
    .unwrap();
    let report = remote::sync_with(home.path(), &fast()).unwrap();
    assert_eq!(report.uploaded, 120, "{report:?}");
    assert_eq!(report.quarantined, 2);
    assert_eq!(report.remaining, 0);
    assert_eq!(outbox_len(home.path()), 0);
    assert_eq!(rollup_total(&srv, &admin, "prompts"), local_prompts);
    assert_eq!(rollup_total(&srv, &admin, "sessions"), 120);
    let q = home.path().join("quarantine");
    let reason = std::fs::read_to_string(q.join(format!("{}.reason", bad.session_key.to_hex()))).unwrap();
    assert_eq!(reason.trim(), "out_of_range");
    assert_eq!(
        std::fs::read_to_string(q.join(format!("{}.reason", "ab".repeat(16))))
            .unwrap()
            .trim(),
        "unreadable"
    );

    // A new revision, and a retry of an old one, never double count.
    write_outbox(home.path(), &summary(5, 2, 50));
    let report = remote::sync_with(home.path(), &fast()).unwrap();
    assert_eq!(report.uploaded, 1);
    write_outbox(home.path(), &summary(5, 1, 1));
    let report = remote::sync_with(home.path(), &fast()).unwrap();
    assert_eq!(report.already_stored, 1);
    assert_eq!(outbox_len(home.path()), 0);
    assert_eq!(
        rollup_total(&srv, &admin, "prompts"),
        local_prompts - 6 + 50 // session 5 had 5 % 7 + 1 = 6 prompts at revision 1
    );

    // The outbox keeps a revision the server has not acknowledged.
    let path = home
        .path()
        .join("outbox")
        .join(format!("{}.json", summary(9, 3, 1).session_key.to_hex()));
    write_outbox(home.path(), &summary(9, 3, 1));
    assert!(!remote::delete_if_revision(&path, summary(9, 3, 1).session_key, 2).unwrap());
    assert!(path.exists(), "a newer revision than the acknowledged one stays");
    assert!(remote::delete_if_revision(&path, summary(9, 3, 1).session_key, 3).unwrap());
    assert!(!path.exists());

    // Revoked from the web: sync keeps the data and asks to log in again.
    write_outbox(home.path(), &summary(7, 9, 3));
    let (_, devices) = http("GET", &format!("{}/api/v1/devices", srv.url), Some(&admin), None);
    let id = devices[0]["device_id"].as_str().unwrap();
    let (status, _) = http(
        "DELETE",
        &format!("{}/api/v1/devices/{id}", srv.url),
        Some(&admin),
        None,
    );
    assert_eq!(status, 204);
    let err = remote::sync_with(home.path(), &fast()).unwrap_err().to_string();
    assert!(err.contains("prompt1 login"), "{err}");
    assert_eq!(outbox_len(home.path()), 1, "nothing deleted on 401");

    // A new login, then the device revokes itself: credentials gone locally and on the server.
    device_login(&srv, home.path(), &admin);
    let token = serde_json::from_slice::<serde_json::Value>(&std::fs::read(&dev_file).unwrap()).unwrap()
        ["device_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(remote::sync_with(home.path(), &fast()).unwrap().uploaded, 1);
    remote::revoke_device(home.path()).unwrap();
    assert!(!dev_file.exists());
    let (status, _) = http(
        "POST",
        &format!("{}/api/v1/ingest", srv.url),
        Some(&token),
        Some(serde_json::json!({"sessions": []})),
    );
    assert_eq!(status, 401);
    assert!(remote::sync(home.path())
        .unwrap_err()
        .to_string()
        .contains("prompt1 login"));
    remote::revoke_device(home.path()).unwrap();
    srv.stop();
}

#[test]
fn sync_survives_a_server_restart_without_loss_or_double_count() {
    let data = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let srv = RunningServer::start(data.path(), 0, None);
    let port = srv.port;
    let admin = common::setup_running(&srv, "a@x.test", "admin password 1");
    device_login(&srv, home.path(), &admin);
    for k in 0..40u8 {
        write_outbox(home.path(), &summary(k, 1, 2));
    }
    assert_eq!(remote::sync_with(home.path(), &fast()).unwrap().uploaded, 40);

    // Server down: sync fails after its bounded retries and keeps everything.
    srv.stop();
    for k in 40..100u8 {
        write_outbox(home.path(), &summary(k, 1, 2));
    }
    write_outbox(home.path(), &summary(3, 2, 10));
    let quick = remote::RetryPolicy {
        attempts: 3,
        base: Duration::from_millis(50),
        cap: Duration::from_millis(100),
        request_timeout: Duration::from_secs(2),
    };
    let t = std::time::Instant::now();
    assert!(remote::sync_with(home.path(), &quick)
        .unwrap_err()
        .to_string()
        .contains("unavailable"));
    assert!(t.elapsed() < Duration::from_secs(5), "retries are bounded");
    assert_eq!(outbox_len(home.path()), 61);

    // The server comes back while sync is retrying: everything arrives once.
    let dir = data.path().to_path_buf();
    let restarter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(700));
        RunningServer::start(&dir, port, None)
    });
    let report = remote::sync_with(home.path(), &fast()).unwrap();
    let srv = restarter.join().unwrap();
    assert_eq!(report.uploaded, 61, "{report:?}");
    assert_eq!(outbox_len(home.path()), 0);
    let (status, j) = http(
        "POST",
        &format!("{}/api/v1/auth/login", srv.url),
        None,
        Some(serde_json::json!({"email": "a@x.test", "password": "admin password 1"})),
    );
    assert_eq!(status, 200);
    let admin = j["access_token"].as_str().unwrap().to_owned();
    assert_eq!(rollup_total(&srv, &admin, "sessions"), 100);
    assert_eq!(rollup_total(&srv, &admin, "prompts"), 99 * 2 + 10);
    srv.stop();
}

#[test]
fn graceful_shutdown_finishes_in_flight_requests() {
    let data = tempfile::tempdir().unwrap();
    let srv = RunningServer::start(data.path(), 0, None);
    common::setup_running(&srv, "a@x.test", "admin password 1");
    // A login spends ~0.2 s in bcrypt: stop the server while it is in flight.
    let url = srv.url.clone();
    let inflight = std::thread::spawn(move || {
        http(
            "POST",
            &format!("{url}/api/v1/auth/login"),
            None,
            Some(serde_json::json!({"email": "a@x.test", "password": "admin password 1"})),
        )
    });
    std::thread::sleep(Duration::from_millis(100));
    let port = srv.port;
    srv.stop();
    let (status, body) = inflight.join().unwrap();
    assert_eq!(status, 200, "the in-flight request completed");
    assert!(body["access_token"].is_string());
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "and the server is gone"
    );
}
