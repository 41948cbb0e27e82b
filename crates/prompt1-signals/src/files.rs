//! Counts file references in a prompt.

/// Number of file mentions in `prompt`.
pub fn count_file_refs(prompt: &str) -> u32 {
    let _ = prompt;
    0
}
