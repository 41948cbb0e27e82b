//! The client's side of the server: device login, upload of the outbox, and device revocation.
//!
//! Blocking HTTP (ureq with rustls), never tokio: `prompt1 sync` runs detached from the hook and
//! must stay small. The only things this module ever sends are the device-login exchange (codes the
//! server made) and [`prompt1_wire::upload::UploadBatch`]es read from the outbox, so nothing but
//! session summaries leaves the machine.
//!
//! Local layout (all under the data folder):
//! - `device.json` (mode 0600): `{"server_url", "device_token", "device_id"}` from `prompt1 login`.
//! - `outbox/<session key hex>.json`: the latest summary of a session waiting for upload; the
//!   collector replaces it atomically (tmp + rename) whenever it makes a newer revision.
//! - `quarantine/<key>.json` + `<key>.reason`: summaries the server refused for good, with a reason
//!   code only (never a message that could quote data).
//!
//! Deleting safely: an outbox file is removed only after the server acknowledged the revision it
//! holds. To do that without racing the collector, the file is first claimed by an atomic rename to
//! `<key>.json.acked`, then re-read: if it holds the acknowledged revision it is deleted; if it holds
//! a newer one (the collector replaced it between upload and claim) it is put back with a hard link,
//! which fails harmlessly if the collector has written an even newer one meanwhile. A crash between
//! the steps leaves a `.acked` file that the next sync restores the same way. So a revision is never
//! lost, and the server's idempotent ingest makes any re-upload harmless.
//!
//! Failure policy: a 401 keeps every item and asks the person to log in again; a refused item
//! (4xx for that item) is quarantined without blocking the others; a summary of a schema newer than
//! the server's stays in the outbox until the server is upgraded; 5xx and network errors are retried
//! with exponential backoff and full jitter, a bounded number of times, then left for the next sync.

use anyhow::{anyhow, bail, Context};
use prompt1_wire::upload::{RejectReason, UploadAck, UploadBatch, UploadStatus, MAX_BATCH};
use prompt1_wire::{SessionKey, SessionSummary};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What one `sync` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Summaries the server stored (new sessions or newer revisions).
    pub uploaded: usize,
    /// Summaries the server already had (a retry of an acknowledged upload); removed locally too.
    pub already_stored: usize,
    /// Summaries the server refused for good, moved to `quarantine/`.
    pub quarantined: usize,
    /// Summaries of a schema newer than the server supports, kept in the outbox for later.
    pub deferred: usize,
    /// Items still in the outbox after this run (deferred ones and any the collector just wrote).
    pub remaining: usize,
}

impl std::fmt::Display for SyncReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} uploaded, {} already on the server, {} quarantined, {} waiting for a server upgrade, {} left in the outbox",
            self.uploaded, self.already_stored, self.quarantined, self.deferred, self.remaining
        )
    }
}

/// The device credentials kept in `device.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceFile {
    server_url: String,
    device_token: String,
    device_id: String,
    /// The account that approved the login, when the server names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account: Option<String>,
}

/// Where this machine is signed in: the server and, when the server named it, the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// The server's address.
    pub server_url: String,
    /// The account (as the server named it at sign-in), if it did.
    pub account: Option<String>,
    /// The device's id on the server.
    pub device_id: String,
}

impl std::fmt::Display for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.account {
            Some(account) => write!(f, "{} as {account}", self.server_url),
            None => write!(f, "{} as device {}", self.server_url, self.device_id),
        }
    }
}

/// Where this machine is signed in, if it is (`None` without a readable `device.json`).
pub fn signed_in(data_dir: &Path) -> Option<SignedIn> {
    let dev = read_device(&data_dir.join("device.json")).ok()??;
    Some(SignedIn {
        server_url: dev.server_url,
        account: dev.account,
        device_id: dev.device_id,
    })
}

/// How a login prompt is shown (tests capture it instead of printing).
#[derive(Debug, Clone)]
pub struct DevicePrompt {
    /// The short code the person compares in the browser.
    pub user_code: String,
    /// The page to open, with the code filled in.
    pub verification_uri_complete: String,
    /// The page to open, to type the code.
    pub verification_uri: String,
}

/// Retry settings of `sync` (the defaults suit the detached `prompt1 sync`).
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub attempts: u32,
    /// First backoff; doubled after each failure.
    pub base: Duration,
    /// Largest single backoff.
    pub cap: Duration,
    /// Timeout of one request.
    pub request_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 6,
            base: Duration::from_millis(500),
            cap: Duration::from_secs(30),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// `prompt1 login [SERVER_URL]`: device login, printing the code and URL to stderr, then where
/// and as whom this machine is signed in to stdout.
pub fn login(data_dir: &Path, server_url: &str) -> anyhow::Result<()> {
    login_with(data_dir, server_url, &mut |p: &DevicePrompt| {
        eprintln!(
            "To connect this machine to prompt1, open\n\n    {}\n\nand check that it shows the code {}\n(or open {} and type the code).\nWaiting for approval...",
            p.verification_uri_complete, p.user_code, p.verification_uri
        );
    })?;
    let who = signed_in(data_dir).context("device.json was not written")?;
    writeln!(
        std::io::stdout().lock(),
        "signed in to {who}; `prompt1 sync` uploads what `prompt1 audit` shows"
    )?;
    Ok(())
}

#[derive(Deserialize)]
struct DeviceCodeResponse {
    device_code: String,
    user_code: String,
    verification_uri: String,
    verification_uri_complete: String,
    expires_in: i64,
    interval: i64,
}

#[derive(Deserialize)]
struct DeviceGrant {
    device_token: String,
    device_id: String,
    /// The approving account (newer servers name it).
    #[serde(default)]
    account: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorInner,
}

#[derive(Deserialize)]
struct ErrorInner {
    code: String,
}

/// Device login with a custom way of showing the prompt. Writes `device.json` (0600) on approval.
pub fn login_with(
    data_dir: &Path,
    server_url: &str,
    show: &mut dyn FnMut(&DevicePrompt),
) -> anyhow::Result<()> {
    let base = check_server_url(server_url)?;
    let agent = agent(Duration::from_secs(30));
    let mut resp = agent
        .post(format!("{base}/api/v1/device/code"))
        .send_empty()
        .context("could not reach the prompt1 server")?;
    if !resp.status().is_success() {
        bail!(
            "the server refused to start a device login (HTTP {})",
            resp.status().as_u16()
        );
    }
    let code: DeviceCodeResponse = resp
        .body_mut()
        .read_json()
        .context("the server's answer was not a device login")?;
    show(&DevicePrompt {
        user_code: code.user_code.clone(),
        verification_uri_complete: code.verification_uri_complete.clone(),
        verification_uri: code.verification_uri.clone(),
    });
    let deadline = Instant::now() + Duration::from_secs(code.expires_in.clamp(1, 3600) as u64);
    let mut interval = Duration::from_secs(code.interval.clamp(1, 60) as u64);
    loop {
        if Instant::now() >= deadline {
            bail!("the login code expired; run `prompt1 login` again");
        }
        std::thread::sleep(interval.min(deadline.saturating_duration_since(Instant::now())));
        let sent = agent
            .post(format!("{base}/api/v1/device/token"))
            .send_json(serde_json::json!({ "device_code": code.device_code }));
        let mut resp = match sent {
            Ok(r) => r,
            // A network blip while waiting is not fatal: keep polling until the code expires.
            Err(_) => continue,
        };
        let status = resp.status().as_u16();
        if status == 200 {
            let grant: DeviceGrant = resp
                .body_mut()
                .read_json()
                .context("unreadable device token answer")?;
            let file = DeviceFile {
                server_url: base,
                device_token: grant.device_token,
                device_id: grant.device_id,
                account: grant
                    .account
                    .filter(|a| !a.is_empty() && a.len() <= 320 && !a.chars().any(char::is_control)),
            };
            write_private(&data_dir.join("device.json"), &serde_json::to_vec_pretty(&file)?)?;
            return Ok(());
        }
        let code_word = resp
            .body_mut()
            .read_json::<ErrorBody>()
            .map(|b| b.error.code)
            .unwrap_or_default();
        match code_word.as_str() {
            "authorization_pending" => {}
            "slow_down" => interval += Duration::from_secs(5),
            "access_denied" => bail!("the login was denied in the browser"),
            "expired_token" => bail!("the login code expired; run `prompt1 login` again"),
            _ if status >= 500 => {}
            _ => bail!(
                "device login failed (HTTP {status}{})",
                if code_word.is_empty() {
                    String::new()
                } else {
                    format!(", {code_word}")
                }
            ),
        }
    }
}

/// `prompt1 logout` / `prompt1 uninstall`: the device revokes its own token on the server, then
/// forgets it locally. A token the server already refuses (revoked from the web) is forgotten too.
/// Without `device.json` there is nothing to do: `Ok(false)`. `Ok(true)`: revoked and forgotten.
pub fn revoke_device(data_dir: &Path) -> anyhow::Result<bool> {
    let path = data_dir.join("device.json");
    let Some(dev) = read_device(&path)? else {
        return Ok(false);
    };
    let resp = agent(Duration::from_secs(15))
        .post(format!("{}/api/v1/device/revoke", dev.server_url))
        .header("Authorization", format!("Bearer {}", dev.device_token))
        .send_empty()
        .context("could not reach the prompt1 server to revoke this device; the credentials are kept")?;
    let status = resp.status().as_u16();
    if !(200..300).contains(&status) && status != 401 {
        bail!("the server did not revoke this device (HTTP {status}); the credentials are kept");
    }
    fs::remove_file(&path).context("removing device.json")?;
    Ok(true)
}

/// `prompt1 sync`: uploads the outbox with the default retry policy.
pub fn sync(data_dir: &Path) -> anyhow::Result<SyncReport> {
    sync_with(data_dir, &RetryPolicy::default())
}

/// One outbox item as read for upload.
struct Item {
    path: PathBuf,
    summary: SessionSummary,
}

enum Outcome {
    Ack(UploadAck),
    /// The whole request was refused with this 4xx status (not 401).
    Refused(u16),
    Unauthorized,
}

/// `sync` with explicit retry settings (tests use short backoffs).
pub fn sync_with(data_dir: &Path, policy: &RetryPolicy) -> anyhow::Result<SyncReport> {
    let dev = read_device(&data_dir.join("device.json"))?.ok_or_else(|| {
        anyhow!("this machine is not connected to a server; run `prompt1 login SERVER_URL`")
    })?;
    let outbox = data_dir.join("outbox");
    let quarantine = data_dir.join("quarantine");
    recover_claims(&outbox)?;
    let mut report = SyncReport::default();
    let mut items = Vec::new();
    for path in outbox_files(&outbox)? {
        match fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<SessionSummary>(&b).ok())
        {
            Some(summary) if file_key(&path) == Some(summary.session_key) => {
                items.push(Item { path, summary })
            }
            // Unreadable locally, or a file whose name and key disagree: the server would refuse it too.
            _ => {
                if path.exists() {
                    quarantine_file(&path, &quarantine, "unreadable")?;
                    report.quarantined += 1;
                }
            }
        }
    }
    let agent = agent(policy.request_timeout);
    let mut queue: Vec<Vec<Item>> = Vec::new();
    let mut rest = items;
    while !rest.is_empty() {
        let tail = rest.split_off(rest.len().min(MAX_BATCH));
        queue.push(rest);
        rest = tail;
    }
    queue.reverse();
    while let Some(batch) = queue.pop() {
        match upload(&agent, &dev, &batch, policy)? {
            Outcome::Unauthorized => {
                bail!(
                    "the server no longer accepts this device (revoked or signed out); your data is kept: run `prompt1 login {}` again",
                    dev.server_url
                );
            }
            Outcome::Refused(status) if batch.len() > 1 => {
                // Isolate the item the server refuses: halves are retried on their own.
                let mut batch = batch;
                let second = batch.split_off(batch.len() / 2);
                queue.push(second);
                queue.push(batch);
                let _ = status;
            }
            Outcome::Refused(status) => {
                for item in &batch {
                    let reason = if status == 413 {
                        "too_large".to_owned()
                    } else {
                        format!("http_{status}")
                    };
                    if settle(item, &quarantine, Settle::Quarantine(&reason))? {
                        report.quarantined += 1;
                    }
                }
            }
            Outcome::Ack(ack) => {
                if ack.results.len() != batch.len() {
                    bail!("the server's acknowledgement does not match the upload; nothing was removed");
                }
                for (item, r) in batch.iter().zip(&ack.results) {
                    let same = r.session_key.is_none_or(|k| k == item.summary.session_key)
                        && r.revision.is_none_or(|v| v == item.summary.revision);
                    if !same {
                        bail!("the server's acknowledgement does not match the upload; nothing more was removed");
                    }
                    match (r.status, r.reason) {
                        (UploadStatus::Stored, _) => {
                            settle(item, &quarantine, Settle::Delete)?;
                            report.uploaded += 1;
                        }
                        (UploadStatus::AlreadyStored, _) => {
                            settle(item, &quarantine, Settle::Delete)?;
                            report.already_stored += 1;
                        }
                        (UploadStatus::Rejected, Some(RejectReason::UnsupportedSchema))
                            if item.summary.schema > ack.max_schema =>
                        {
                            report.deferred += 1;
                        }
                        (UploadStatus::Rejected, reason) => {
                            let code = match reason {
                                Some(RejectReason::Malformed) => "malformed",
                                Some(RejectReason::OutOfRange) => "out_of_range",
                                Some(RejectReason::UnsupportedSchema) => "unsupported_schema",
                                None => "rejected",
                            };
                            if settle(item, &quarantine, Settle::Quarantine(code))? {
                                report.quarantined += 1;
                            }
                        }
                    }
                }
            }
        }
    }
    report.remaining = outbox_files(&outbox)?.len();
    Ok(report)
}

fn upload(
    agent: &ureq::Agent,
    dev: &DeviceFile,
    batch: &[Item],
    policy: &RetryPolicy,
) -> anyhow::Result<Outcome> {
    let body = serde_json::to_vec(&UploadBatch {
        sessions: batch.iter().map(|i| i.summary.clone()).collect(),
    })?;
    let mut last = String::new();
    for attempt in 0..policy.attempts.max(1) {
        if attempt > 0 {
            std::thread::sleep(backoff(policy, attempt));
        }
        let sent = agent
            .post(format!("{}/api/v1/ingest", dev.server_url))
            .header("Authorization", format!("Bearer {}", dev.device_token))
            .header("Content-Type", "application/json")
            .send(&body[..]);
        let mut resp = match sent {
            Ok(r) => r,
            Err(e) => {
                last = format!("network error ({})", error_kind(&e));
                continue;
            }
        };
        let status = resp.status().as_u16();
        match status {
            200 => match resp
                .body_mut()
                .with_config()
                .limit(1 << 20)
                .read_json::<UploadAck>()
            {
                Ok(ack) => return Ok(Outcome::Ack(ack)),
                // A cut-off answer: the server may or may not have stored; retrying is safe.
                Err(_) => last = "unreadable acknowledgement".into(),
            },
            401 => return Ok(Outcome::Unauthorized),
            408 | 429 => last = format!("HTTP {status}"),
            400..=499 => return Ok(Outcome::Refused(status)),
            _ => last = format!("HTTP {status}"),
        }
    }
    bail!("the prompt1 server is unavailable ({last}); the outbox is kept for the next sync")
}

fn error_kind(e: &ureq::Error) -> &'static str {
    match e {
        ureq::Error::Timeout(_) => "timeout",
        ureq::Error::HostNotFound => "host not found",
        ureq::Error::Io(_) => "connection failed",
        ureq::Error::ConnectionFailed => "connection failed",
        _ => "request failed",
    }
}

/// Full-jitter exponential backoff: uniform in [0, min(cap, base * 2^(attempt-1))].
fn backoff(policy: &RetryPolicy, attempt: u32) -> Duration {
    let ceiling = policy
        .base
        .saturating_mul(1u32 << (attempt - 1).min(16))
        .min(policy.cap);
    let mut b = [0u8; 8];
    let r = if getrandom::fill(&mut b).is_ok() {
        u64::from_le_bytes(b)
    } else {
        0
    };
    let nanos = ceiling.as_nanos().min(u128::from(u64::MAX)) as u64;
    Duration::from_nanos(if nanos == 0 { 0 } else { r % (nanos + 1) })
}

enum Settle<'a> {
    Delete,
    Quarantine(&'a str),
}

/// Removes (or quarantines) the outbox file of `item` if it still holds the revision that was
/// answered; a newer revision the collector wrote meanwhile is kept. Returns whether it acted.
fn settle(item: &Item, quarantine: &Path, what: Settle<'_>) -> anyhow::Result<bool> {
    settle_file(
        &item.path,
        item.summary.session_key,
        item.summary.revision,
        quarantine,
        what,
    )
}

/// Deletes `path` if it still holds (`key`, `revision`); see [`settle`]. Returns whether it did.
#[allow(dead_code)] // the server's integration tests drive it directly
pub(crate) fn delete_if_revision(path: &Path, key: SessionKey, revision: u32) -> anyhow::Result<bool> {
    settle_file(path, key, revision, Path::new(""), Settle::Delete)
}

fn settle_file(
    path: &Path,
    key: SessionKey,
    revision: u32,
    quarantine: &Path,
    what: Settle<'_>,
) -> anyhow::Result<bool> {
    let claimed = claim_path(path);
    match fs::rename(path, &claimed) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e).context("claiming an outbox item"),
    }
    let held = fs::read(&claimed)
        .ok()
        .and_then(|b| serde_json::from_slice::<SessionSummary>(&b).ok());
    let same = held
        .as_ref()
        .is_some_and(|s| s.session_key == key && s.revision == revision);
    if !same {
        restore(&claimed, path)?;
        return Ok(false);
    }
    match what {
        Settle::Delete => fs::remove_file(&claimed).context("removing an acknowledged outbox item")?,
        Settle::Quarantine(reason) => quarantine_file(&claimed, quarantine, reason)?,
    }
    Ok(true)
}

/// Puts a claimed file back unless a newer one took its place.
fn restore(claimed: &Path, original: &Path) -> anyhow::Result<()> {
    match fs::hard_link(claimed, original) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e).context("restoring an outbox item"),
    }
    fs::remove_file(claimed).context("restoring an outbox item")?;
    Ok(())
}

fn claim_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".acked");
    PathBuf::from(p)
}

/// Restores claims a crashed sync left behind.
fn recover_claims(outbox: &Path) -> anyhow::Result<()> {
    let Ok(dir) = fs::read_dir(outbox) else {
        return Ok(());
    };
    for entry in dir.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(orig) = name.strip_suffix(".acked") {
            restore(&path, &outbox.join(orig))?;
        }
    }
    Ok(())
}

fn quarantine_file(from: &Path, quarantine: &Path, reason: &str) -> anyhow::Result<()> {
    fs::create_dir_all(quarantine).context("creating quarantine/")?;
    let name = from
        .file_name()
        .map(|n| n.to_string_lossy().trim_end_matches(".acked").to_owned())
        .unwrap_or_default();
    let stem = name.trim_end_matches(".json").to_owned();
    fs::rename(from, quarantine.join(&name)).context("moving an item to quarantine/")?;
    write_private(
        &quarantine.join(format!("{stem}.reason")),
        format!("{reason}\n").as_bytes(),
    )?;
    Ok(())
}

/// `outbox/<32 hex>.json` files, oldest first.
fn outbox_files(outbox: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let dir = match fs::read_dir(outbox) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).context("reading outbox/"),
    };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = dir
        .flatten()
        .map(|e| e.path())
        .filter(|p| file_key(p).is_some())
        .map(|p| {
            (
                fs::metadata(&p)
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::UNIX_EPOCH),
                p,
            )
        })
        .collect();
    files.sort();
    Ok(files.into_iter().map(|(_, p)| p).collect())
}

fn file_key(path: &Path) -> Option<SessionKey> {
    let name = path.file_name()?.to_str()?;
    SessionKey::from_hex(name.strip_suffix(".json")?).ok()
}

fn read_device(path: &Path) -> anyhow::Result<Option<DeviceFile>> {
    match fs::read(path) {
        Ok(b) => Ok(Some(
            serde_json::from_slice(&b).context("device.json is damaged; run `prompt1 login` again")?,
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).context("reading device.json"),
    }
}

/// Writes a file only its owner can read (0600), atomically (tmp + rename).
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().ok_or_else(|| anyhow!("no parent folder"))?;
    fs::create_dir_all(dir).context("creating the data folder")?;
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
        std::process::id()
    ));
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp).context("writing a private file")?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    fs::rename(&tmp, path).context("writing a private file")?;
    Ok(())
}

/// Accepts `https://host[:port][/path]`, or plain `http://` only for this machine (local testing).
fn check_server_url(url: &str) -> anyhow::Result<String> {
    let url = url.trim().trim_end_matches('/');
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| anyhow!("the server URL must start with https://"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let hostname = if host.starts_with('[') {
        host.split(']')
            .next()
            .map(|h| format!("{h}]"))
            .unwrap_or_default()
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h).to_owned()
    };
    if hostname.is_empty() || rest.contains('@') {
        bail!("the server URL has no host");
    }
    match scheme {
        "https" => Ok(url.to_owned()),
        "http" if matches!(hostname.as_str(), "127.0.0.1" | "localhost" | "[::1]") => Ok(url.to_owned()),
        "http" => bail!("refusing plain http:// to another machine; use https://"),
        _ => bail!("the server URL must start with https://"),
    }
}

/// The TLS provider of every request: rustls with ring, TLS 1.3 cipher suites only, so a server or
/// middlebox offering TLS 1.2 is refused (DESIGN.md: "TLS 1.3 in transit").
fn tls13_only() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    let mut provider = rustls::crypto::ring::default_provider();
    provider
        .cipher_suites
        .retain(|s| matches!(s, rustls::SupportedCipherSuite::Tls13(_)));
    std::sync::Arc::new(provider)
}

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .max_redirects(0)
        .user_agent(concat!("prompt1/", env!("CARGO_PKG_VERSION")))
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .unversioned_rustls_crypto_provider(tls13_only())
                .build(),
        )
        .build()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_need_tls_except_on_this_machine() {
        assert_eq!(
            check_server_url("https://p1.example.com/").unwrap(),
            "https://p1.example.com"
        );
        assert!(check_server_url("http://127.0.0.1:8080").is_ok());
        assert!(check_server_url("http://localhost:8080/").is_ok());
        assert!(check_server_url("http://[::1]:8080").is_ok());
        assert!(check_server_url("http://p1.example.com").is_err());
        assert!(check_server_url("http://localhost.evil.com").is_err());
        assert!(check_server_url("http://127.0.0.1@evil.com").is_err());
        assert!(check_server_url("ftp://x").is_err());
        assert!(check_server_url("p1.example.com").is_err());
    }

    #[test]
    fn only_tls13_suites_are_offered() {
        let p = tls13_only();
        assert!(!p.cipher_suites.is_empty());
        assert!(p
            .cipher_suites
            .iter()
            .all(|s| s.version() == &rustls::version::TLS13));
    }

    #[test]
    fn backoff_is_bounded_and_grows() {
        let p = RetryPolicy {
            attempts: 10,
            base: Duration::from_millis(100),
            cap: Duration::from_secs(1),
            request_timeout: Duration::from_secs(1),
        };
        for attempt in 1..10 {
            let d = backoff(&p, attempt);
            let ceiling = Duration::from_millis(100 * (1 << (attempt - 1))).min(Duration::from_secs(1));
            assert!(d <= ceiling, "attempt {attempt}: {d:?} > {ceiling:?}");
        }
    }
}
