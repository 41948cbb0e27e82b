//! Dashboard benchmark (written next).

fn main() {}
