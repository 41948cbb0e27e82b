//! Small, crash-safe file primitives for prompt1's local data.
//!
//! Everything prompt1 writes goes through [`write_atomic_with`] (write a temporary file, flush, rename),
//! so a crash, a full disk or a concurrent reader never sees half a file. Files are created readable
//! by their owner only: they describe how someone works.

use hmac::{Hmac, Mac};
use prompt1_wire::SessionKey;
use sha2::Sha256;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Creates `dir` (and parents) readable by its owner only.
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    let mut perms = fs::metadata(dir)?.permissions();
    if perms.mode() & 0o077 != 0 {
        perms.set_mode(0o700);
        fs::set_permissions(dir, perms)?;
    }
    Ok(())
}

/// Opens `path` without blocking and only if it is a regular file. A plain `open` of a FIFO waits
/// for the other end forever; a broken or hostile data folder must make prompt1 fail, not hang.
pub fn open_regular(options: &mut OpenOptions, path: &Path) -> io::Result<File> {
    let file = options.custom_flags(libc::O_NONBLOCK).open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "not a regular file"));
    }
    Ok(file)
}

/// Reads a whole file with [`open_regular`].
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open_regular(OpenOptions::new().read(true), path)?.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Replaces `path` with `bytes` atomically, mode 0600 (or `mode`).
pub fn write_atomic_mode(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    write_via_temp(path, bytes, mode, Durability::Now, Place::Rename)
}

/// When a write reaches the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Flushed before it is renamed into place (one `fdatasync` per file).
    Now,
    /// Left to the caller, who flushes the whole file system once with [`sync_filesystem`] (a bulk
    /// import writes thousands of files; a flush each would cost more than all the reading).
    Deferred,
}

/// [`write_atomic_mode`] (mode 0600) with an explicit [`Durability`].
pub fn write_atomic_with(path: &Path, bytes: &[u8], durability: Durability) -> io::Result<()> {
    write_via_temp(path, bytes, 0o600, durability, Place::Rename)
}

/// Gives the file at `source` a second name `target`, replacing `target` atomically. No data is
/// copied. A new name is linked directly; an existing one is replaced by a hard link under a
/// temporary name renamed over it (one directory operation fewer in the common, first-time case).
pub fn link_atomic(source: &Path, target: &Path) -> io::Result<()> {
    match fs::hard_link(source, target) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        done => return done,
    }
    let dir = target
        .parent()
        .ok_or_else(|| io::Error::other("no parent folder"))?;
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).map_err(|_| io::Error::other("no randomness"))?;
    let tmp = dir.join(format!(".link.{}.tmp", u64::from_le_bytes(random)));
    fs::hard_link(source, &tmp)?;
    fs::rename(&tmp, target).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}

/// Flushes everything written on the file system holding `dir` (`syncfs`).
pub fn sync_filesystem(dir: &Path) -> io::Result<()> {
    let f = File::open(dir)?;
    rustix::fs::syncfs(&f).map_err(io::Error::from)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Rename,
    Link,
}

/// Creates `path` holding `bytes`, whole or not at all (written aside, then hard-linked into place);
/// fails with `AlreadyExists` if `path` exists. A crash or a full disk leaves no short file behind.
pub fn create_atomic(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    write_via_temp(path, bytes, mode, Durability::Now, Place::Link)
}

fn write_via_temp(
    path: &Path,
    bytes: &[u8],
    mode: u32,
    durability: Durability,
    place: Place,
) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("no parent folder"))?;
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).map_err(|_| io::Error::other("no randomness"))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        u64::from_le_bytes(random)
    ));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        f.write_all(bytes)?;
        if durability == Durability::Now {
            f.sync_data()?;
        }
        match place {
            Place::Rename => fs::rename(&tmp, path),
            Place::Link => fs::hard_link(&tmp, path),
        }
    })();
    // Gone after a rename; still there after a link or a failure.
    if result.is_err() || place == Place::Link {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Reads the per-install secret, creating it (32 random bytes, 0600) on first use. It appears whole
/// or not at all ([`create_atomic`]): a crash or a full disk while creating it cannot leave a short
/// key that would stop every later collection. Two processes racing to create it agree: the loser
/// reads the winner's key. A key that exists but is unreadable or short is an error, never
/// replaced: the sessions already keyed with it would be counted again under new keys.
pub fn install_key(path: &Path) -> io::Result<[u8; 32]> {
    for _ in 0..3 {
        match open_regular(OpenOptions::new().read(true), path) {
            Ok(mut f) => {
                let mut key = [0u8; 32];
                f.read_exact(&mut key)?;
                return Ok(key);
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|_| io::Error::other("no randomness"))?;
        match create_atomic(path, &key, 0o600) {
            Ok(()) => return Ok(key),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other("install key unreadable"))
}

/// The keyed session id: HMAC-SHA-256(install secret, client session id), first 16 bytes.
pub fn session_key(install_key: &[u8; 32], session_id: &str) -> SessionKey {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(install_key).expect("HMAC takes any key length");
    mac.update(session_id.as_bytes());
    let digest = mac.finalize().into_bytes();
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    SessionKey(out)
}

/// A session id as the client writes it: 8 to 64 characters of letters, digits, `-` and `_`.
/// Anything else is refused before it can reach a file name.
pub fn valid_session_id(id: &str) -> bool {
    (8..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_keeps_mode_private() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.json");
        write_atomic_with(&p, b"one", Durability::Now).unwrap();
        write_atomic_with(&p, b"two", Durability::Deferred).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }

    #[test]
    fn a_second_name_is_linked_new_or_replaced() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let (a, b, link) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("l"));
        write_atomic_with(&a, b"one", Durability::Deferred).unwrap();
        write_atomic_with(&b, b"two", Durability::Deferred).unwrap();
        link_atomic(&a, &link).unwrap();
        assert_eq!(
            fs::metadata(&link).unwrap().ino(),
            fs::metadata(&a).unwrap().ino()
        );
        link_atomic(&b, &link).unwrap();
        assert_eq!(fs::read(&link).unwrap(), b"two");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            3,
            "no temporary name left"
        );
        assert!(link_atomic(&dir.path().join("missing"), &link).is_err());
        assert_eq!(
            fs::read(&link).unwrap(),
            b"two",
            "kept when the source is missing"
        );
    }

    #[test]
    fn install_key_is_created_once_and_keys_differ_per_install() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("install.key");
        let k1 = install_key(&p).unwrap();
        assert_eq!(install_key(&p).unwrap(), k1);
        let other = tempfile::tempdir().unwrap();
        let k2 = install_key(&other.path().join("install.key")).unwrap();
        assert_ne!(session_key(&k1, "abc-session"), session_key(&k2, "abc-session"));
        assert_eq!(session_key(&k1, "abc-session"), session_key(&k1, "abc-session"));
    }

    #[test]
    fn racing_creators_agree_on_one_whole_key_and_a_short_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("install.key");
        let keys: Vec<[u8; 32]> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..16).map(|_| s.spawn(|| install_key(&p).unwrap())).collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(keys.iter().all(|k| *k == keys[0]));
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
        fs::write(&p, b"short").unwrap();
        assert!(install_key(&p).is_err());
        assert_eq!(fs::read(&p).unwrap(), b"short", "never replaced");
    }

    #[test]
    fn session_ids_are_checked() {
        assert!(valid_session_id("15160ddf-a5c8-48f6-b561-767c1256652b"));
        assert!(!valid_session_id("../../etc/passwd"));
        assert!(!valid_session_id("short"));
        assert!(!valid_session_id(&"a".repeat(65)));
    }
}
