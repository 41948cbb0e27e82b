//! `prompt1 hook EVENT`: the only code that runs inside Claude Code's path.
//!
//! The client runs this on SessionStart, Stop, SubagentStop and SessionEnd with the event's JSON on
//! stdin. It must never delay or disturb the session, so it does as little as possible:
//!
//! * it streams stdin through a field picker that keeps only `session_id` (checked against a strict
//!   pattern) and SessionEnd's `reason`, skipping every other value without buffering it, so a
//!   20 MB payload costs no memory;
//! * it gives up on stdin after [`STDIN_BUDGET`] (a writer that never closes the pipe cannot hold
//!   it), and exits 0 with nothing on stdout whatever happens: the client injects a SessionStart
//!   hook's stdout into the model's context, and a non-zero exit is shown to the person;
//! * it starts a detached `prompt1 collect` in its own process group and returns without waiting.
//!   Reading transcripts, aggregation and any network work happen there, outside the client's path.
//!
//! Panics are caught and treated like any other error.

use crate::errlog::{self, ErrorKind};
use crate::paths::DataDir;
use crate::store::valid_session_id;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use std::fmt;
use std::io::{BufReader, Read};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long the hook waits for its stdin to close before giving up on it.
pub const STDIN_BUDGET: Duration = Duration::from_millis(1500);

/// The most the hook reads from stdin before giving up on finding its fields (payloads carrying
/// whole files can be large; the fields it needs come first).
pub const STDIN_READ_LIMIT: u64 = 64 * 1024 * 1024;

/// What the hook keeps from its input.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct HookFields {
    /// The client's session id (validated).
    pub session_id: Option<String>,
    /// SessionEnd's reason.
    pub reason: Option<String>,
    /// The event name, if the payload says it.
    pub event: Option<String>,
}

/// Runs the hook. Always returns normally; the caller exits 0.
pub fn run(event_arg: Option<&str>) {
    let event_arg = event_arg.map(str::to_owned);
    let outcome = std::panic::catch_unwind(move || run_inner(event_arg.as_deref()));
    if outcome.is_err() {
        if let Some(data) = DataDir::resolve() {
            errlog::record(&data.error_log(), ErrorKind::HookInput);
        }
    }
}

fn run_inner(event_arg: Option<&str>) {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let stdin = std::io::stdin().lock();
        let _ = tx.send(read_fields(stdin.take(STDIN_READ_LIMIT)));
    });
    let data = DataDir::resolve();
    let log = |kind| {
        if let Some(d) = &data {
            errlog::record(&d.error_log(), kind);
        }
    };
    let fields = match rx.recv_timeout(STDIN_BUDGET) {
        Ok(Ok(fields)) => fields,
        Ok(Err(partial)) => {
            log(ErrorKind::HookInput);
            partial
        }
        Err(_) => {
            log(ErrorKind::HookInputTimeout);
            return;
        }
    };
    let event = event_arg.or(fields.event.as_deref()).unwrap_or("");
    let Some(session_id) = fields.session_id.as_deref() else {
        log(ErrorKind::HookInput);
        return;
    };
    let mut args: Vec<String> = vec!["collect".into(), "--session".into(), session_id.into()];
    match event {
        "SessionEnd" => {
            args.push("--end".into());
            args.push(end_reason_arg(fields.reason.as_deref()).into());
        }
        "SessionStart" => args.push("--sweep".into()),
        _ => {}
    }
    if spawn_detached(&args).is_err() {
        log(ErrorKind::SpawnCollector);
    }
}

/// Maps the client's reason to one of a closed set of words before it goes on a command line.
fn end_reason_arg(reason: Option<&str>) -> &'static str {
    prompt1_wire::EndReason::from_client(reason.unwrap_or("other")).as_str()
}

/// Starts `prompt1 ARGS` in its own process group with no stdio, and does not wait for it.
pub fn spawn_detached(args: &[String]) -> std::io::Result<()> {
    let exe = std::env::current_exe()?;
    let mut child = Command::new(exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()?;
    // Reap it from a thread if we are still around; the process outlives us otherwise.
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}

/// Streams a hook payload, keeping only the fields prompt1 needs. On malformed or truncated input
/// the fields read so far are returned as the error value.
pub fn read_fields<R: Read>(reader: R) -> Result<HookFields, HookFields> {
    let mut fields = HookFields::default();
    let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(16 * 1024, reader));
    match (FieldPicker { out: &mut fields }).deserialize(&mut de) {
        Ok(()) => Ok(fields),
        Err(_) => Err(fields),
    }
}

struct FieldPicker<'f> {
    out: &'f mut HookFields,
}

impl<'de> DeserializeSeed<'de> for FieldPicker<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FieldPicker<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a hook payload object")
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        while let Some(key) = map.next_key::<ShortKey>()? {
            match key.0.as_deref() {
                Some("session_id") => {
                    let id: ShortString = map.next_value()?;
                    self.out.session_id = id.0.filter(|s| valid_session_id(s));
                }
                Some("reason") => self.out.reason = map.next_value::<ShortString>()?.0,
                Some("hook_event_name") => self.out.event = map.next_value::<ShortString>()?.0,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// A key, kept only if short (keys we care about are); long keys are skipped unread.
struct ShortKey(Option<String>);

/// A string value kept only if it is at most 64 bytes; anything else (or any other type) is None.
struct ShortString(Option<String>);

impl<'de> serde::Deserialize<'de> for ShortKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ShortString::deserialize(d).map(|s| ShortKey(s.0))
    }
}

impl<'de> serde::Deserialize<'de> for ShortString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'v> Visitor<'v> for V {
            type Value = ShortString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a short string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ShortString, E> {
                Ok(ShortString((v.len() <= 64).then(|| v.to_owned())))
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<ShortString, E> {
                Ok(ShortString(None))
            }
            fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<ShortString, E> {
                Ok(ShortString(None))
            }
            fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<ShortString, E> {
                Ok(ShortString(None))
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<ShortString, E> {
                Ok(ShortString(None))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<ShortString, E> {
                Ok(ShortString(None))
            }
            fn visit_map<M: MapAccess<'v>>(self, mut m: M) -> Result<ShortString, M::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(ShortString(None))
            }
            fn visit_seq<S: serde::de::SeqAccess<'v>>(self, mut s: S) -> Result<ShortString, S::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(ShortString(None))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_fields_from_real_payloads() {
        let stop = br#"{"session_id":"15160ddf-a5c8-48f6-b561-767c1256652b","transcript_path":"/x","hook_event_name":"Stop","stop_hook_active":false,"background_tasks":[]}"#;
        let f = read_fields(&stop[..]).unwrap();
        assert_eq!(f.session_id.as_deref(), Some("15160ddf-a5c8-48f6-b561-767c1256652b"));
        assert_eq!(f.event.as_deref(), Some("Stop"));
        let end = br#"{"session_id":"15160ddf-a5c8-48f6-b561-767c1256652b","hook_event_name":"SessionEnd","reason":"prompt_input_exit"}"#;
        assert_eq!(read_fields(&end[..]).unwrap().reason.as_deref(), Some("prompt_input_exit"));
    }

    #[test]
    fn truncated_input_keeps_what_was_read_and_hostile_ids_are_dropped() {
        let cut = br#"{"session_id":"15160ddf-a5c8-48f6-b561-767c1256652b","tool_input":{"content":"abc"#;
        let f = read_fields(&cut[..]).unwrap_err();
        assert!(f.session_id.is_some());
        let bad = br#"{"session_id":"../../../etc/passwd"}"#;
        assert_eq!(read_fields(&bad[..]).unwrap().session_id, None);
        assert!(read_fields(&b"not json"[..]).is_err());
        assert!(read_fields(&b"[1,2,3]"[..]).is_err());
        assert_eq!(read_fields(&br#"{"session_id":5}"#[..]).unwrap().session_id, None);
    }

    #[test]
    fn end_reasons_become_closed_words() {
        assert_eq!(end_reason_arg(Some("clear")), "clear");
        assert_eq!(end_reason_arg(Some("rm -rf /")), "other");
        assert_eq!(end_reason_arg(None), "other");
    }
}
