//! Names people give things (API keys, GPU servers) that show up in lists
//! and logs: kept plain so they never need quoting or escaping.

/// Whether `name` is 1 to `max_chars` ASCII letters, digits, '-', '_' or '.'.
pub fn is_plain(name: &str, max_chars: usize) -> bool {
    !name.is_empty()
        && name.chars().count() <= max_chars
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::is_plain;

    #[test]
    fn plain_names_are_short_letters_digits_and_three_marks() {
        assert!(is_plain("gpu-a_1.eu", 10));
        assert!(!is_plain("", 10));
        assert!(!is_plain("no spaces", 10));
        assert!(!is_plain("élan", 10));
        assert!(!is_plain("eleven-long", 10));
    }
}
