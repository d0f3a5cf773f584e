//! The web app's logic that needs no browser, in its own crate so that
//! `cargo test` runs its tests natively (the app itself builds for wasm32
//! only).

pub mod formats;
pub mod naming;
pub mod sizes;
pub mod webm;
