//! Links the `prompt1` binary as a position-dependent executable (`-no-pie`).
//!
//! `prompt1 hook` runs at every session event and the client waits for it, so its start-up is the
//! product's cost. A position-independent executable must have its ~7,500 relative relocations
//! applied by the loader at every start, touching about 75 pages; linked at a fixed address it has
//! almost none (measured: 0.12 ms less per hook on a 2-core VM, `scripts/bench-hook-ab`). The
//! trade: no address randomization of the binary's own image (libraries, stack and heap keep
//! theirs).

fn main() {
    println!("cargo:rustc-link-arg-bins=-no-pie");
}
