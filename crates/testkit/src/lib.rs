//! Real servers for the tests and benches that need them, started on free
//! loopback ports and stopped when dropped: PostgreSQL from Debian's
//! packages ([`Postgres`]) and moto's S3-compatible server from the tools
//! venv ([`S3`]); and the Khronos glTF validator's verdict on GLBs
//! ([`assert_valid_glbs`]). `scripts/ensure-tools` installs all three.
//!
//! Each server runs under a small shell watchdog that stops it when the
//! process that started it goes away, so a test binary that is killed (or
//! a server kept in a `static`) leaves nothing running.

mod gltf_validator;
mod postgres;
mod process;
mod s3;

pub use gltf_validator::assert_valid_glbs;
pub use postgres::Postgres;
pub use s3::S3;

/// Why a server could not be started.
#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

impl From<std::io::Error> for StartError {
    fn from(err: std::io::Error) -> Self {
        Self(err.to_string())
    }
}
