//! What the unit tests share.

use proptest::test_runner::Config;

/// Cases per property: `PROPTEST_CASES` (`scripts/proptest-long` sets
/// thousands), else a few, so the test suite stays quick.
pub fn proptest_config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(64);
    Config::with_cases(cases)
}
