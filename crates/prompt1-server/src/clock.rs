//! The server's notion of "now", injectable.
//!
//! Why not call `SystemTime::now()` where it is needed: retention, weekly views and expiry rules
//! depend on the date, and a test that must wait for a real day to pass cannot be written. Every
//! request reads the time through [`Clock`] in the shared state; production reads the system
//! clock, tests and the demo fix it (and move it) by hand.
//!
//! Access JWTs are the one exception: `jsonwebtoken` checks `exp`/`nbf` against the system clock,
//! so they are issued from the system clock too (see `keys`).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// Seconds since the Unix epoch, read from the system.
pub fn system_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Where the time comes from: the system, or a value set by hand (shared by every clone).
#[derive(Debug, Clone, Default)]
pub struct Clock {
    fixed: Option<Arc<AtomicI64>>,
}

impl Clock {
    /// The system clock (production).
    pub fn system() -> Self {
        Self { fixed: None }
    }

    /// A clock stopped at `secs` (Unix seconds) until [`Clock::set`] or [`Clock::advance`] moves it.
    pub fn fixed(secs: i64) -> Self {
        Self {
            fixed: Some(Arc::new(AtomicI64::new(secs))),
        }
    }

    /// Seconds since the Unix epoch.
    pub fn now(&self) -> i64 {
        match &self.fixed {
            Some(t) => t.load(Ordering::SeqCst),
            None => system_now(),
        }
    }

    /// Today as days since the epoch (UTC).
    pub fn today(&self) -> i64 {
        self.now().div_euclid(86_400)
    }

    /// Sets a fixed clock to `secs`; a system clock is left alone (returns false).
    pub fn set(&self, secs: i64) -> bool {
        match &self.fixed {
            Some(t) => {
                t.store(secs, Ordering::SeqCst);
                true
            }
            None => false,
        }
    }

    /// Moves a fixed clock forward by `secs`; a system clock is left alone (returns false).
    pub fn advance(&self, secs: i64) -> bool {
        match &self.fixed {
            Some(t) => {
                t.fetch_add(secs, Ordering::SeqCst);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_moves_only_by_hand_and_clones_share_it() {
        let c = Clock::fixed(86_400 * 10 + 5);
        let d = c.clone();
        assert_eq!(c.now(), 864_005);
        assert_eq!(c.today(), 10);
        assert!(d.advance(86_400));
        assert_eq!(c.today(), 11);
        assert!(c.set(0));
        assert_eq!(d.now(), 0);
        assert!(!Clock::system().set(1));
    }
}
