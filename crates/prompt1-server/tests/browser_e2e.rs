//! End to end in a real headless Chromium: `prompt1 login` (the client's remote module) shows a
//! code, a person signs in on the server's pages and approves it, the client receives its device
//! token, uploads its outbox, and the signed-in home page lists the device and the sessions.
//! Skips (saying so; a failure under `PROMPT1_REQUIRE_ALL=1`) when chromedriver is not installed.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

#[path = "../../prompt1/src/remote.rs"]
#[allow(dead_code)]
mod remote;

use common::{summary_on, RunningServer};
use fantoccini::{ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_driver() -> Option<(Driver, u16)> {
    let bin = std::env::var("PROMPT1_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    if !std::path::Path::new(&bin).exists() {
        common::skip(&format!(
            "browser e2e ({bin} not found; apt-get install chromium chromium-driver)"
        ));
        return None;
    }
    let port = free_port();
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_login_approved_in_chromium() {
    let Some((_driver, driver_port)) = start_driver() else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let profile = tempfile::tempdir().unwrap();
    let srv = tokio::task::spawn_blocking({
        let dir = data.path().to_path_buf();
        move || RunningServer::start(&dir, 0, None)
    })
    .await
    .unwrap();
    let url = srv.url.clone();
    let link = srv.setup_link.clone().unwrap();

    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": std::env::var("PROMPT1_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--no-first-run", "--disable-dev-shm-usage", format!("--user-data-dir={}", profile.path().display())]
        }),
    );
    let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .unwrap();

    // First-admin setup through the printed link.
    c.goto(&link).await.unwrap();
    c.find(Locator::Id("org"))
        .await
        .unwrap()
        .send_keys("Acme")
        .await
        .unwrap();
    c.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys("admin@acme.test")
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys("admin password 1")
        .await
        .unwrap();
    c.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::XPath("//h2[text()='Your devices']"))
        .await
        .unwrap();

    // Sign out, so the device page makes the person sign in first.
    c.find(Locator::XPath("//button[text()='Sign out']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("password")).await.unwrap();

    // `prompt1 login` in another thread; its prompt hands us the URL a person would open.
    let (tx, rx) = std::sync::mpsc::channel::<remote::DevicePrompt>();
    let (home_path, login_url) = (home.path().to_path_buf(), url.clone());
    let login = std::thread::spawn(move || {
        remote::login_with(&home_path, &login_url, &mut |p: &remote::DevicePrompt| {
            tx.send(p.clone()).unwrap()
        })
    });
    let prompt = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(20)).unwrap())
        .await
        .unwrap();

    c.goto(&prompt.verification_uri_complete).await.unwrap();
    c.wait()
        .for_element(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys("admin@acme.test")
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys("admin password 1")
        .await
        .unwrap();
    c.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let code_box = c.wait().for_element(Locator::Id("user_code")).await.unwrap();
    assert_eq!(
        code_box.prop("value").await.unwrap().as_deref(),
        Some(prompt.user_code.as_str()),
        "the page shows the terminal's code"
    );
    c.find(Locator::Css("button[value=approve]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let result = c
        .wait()
        .for_element(Locator::Id("result"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(result.contains("Device approved"), "{result}");

    tokio::task::spawn_blocking(move || login.join().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(home.path().join("device.json").exists());

    // Data arrives: the client syncs two sessions and the home page lists them and the device.
    let outbox = home.path().join("outbox");
    std::fs::create_dir_all(&outbox).unwrap();
    let today = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 86_400) as i64;
    for (k, prompts) in [(1u8, 4u32), (2, 9)] {
        let s = summary_on(k, 1, prompts, today);
        std::fs::write(
            outbox.join(format!("{}.json", s.session_key.to_hex())),
            serde_json::to_vec(&s).unwrap(),
        )
        .unwrap();
    }
    let home_path = home.path().to_path_buf();
    let report = tokio::task::spawn_blocking(move || remote::sync(&home_path))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(report.uploaded, 2);
    c.goto(&format!("{url}/")).await.unwrap();
    let page = c.source().await.unwrap();
    assert!(
        page.contains("Your sessions by day")
            && page.contains("<td class=\"num\">13</td>")
            && page.contains("Revoke"),
        "{page}"
    );
    let shot = c.screenshot().await.unwrap();
    let dir = std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("device-login-home.png"), shot).unwrap();

    // Revoking from the page stops the device.
    c.find(Locator::Css("button[aria-label^='Revoke device']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::XPath("//td[starts-with(text(), 'revoked')]"))
        .await
        .unwrap();
    let home_path = home.path().to_path_buf();
    let err = tokio::task::spawn_blocking(move || remote::sync(&home_path))
        .await
        .unwrap();
    assert!(err.is_ok(), "an empty outbox needs no request");
    let s = summary_on(3, 1, 1, today);
    std::fs::write(
        outbox.join(format!("{}.json", s.session_key.to_hex())),
        serde_json::to_vec(&s).unwrap(),
    )
    .unwrap();
    let home_path = home.path().to_path_buf();
    let err = tokio::task::spawn_blocking(move || remote::sync(&home_path))
        .await
        .unwrap()
        .unwrap_err();
    assert!(err.to_string().contains("prompt1 login"));

    c.close().await.unwrap();
    tokio::task::spawn_blocking(move || srv.stop()).await.unwrap();
}
