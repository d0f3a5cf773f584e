//! The HTTP API, driven in-process through `app(state).oneshot(..)`. One
//! test binary (modules below) keeps link time down.

mod builtin;
mod common;
mod fake;
mod generations;
mod images;
mod queue;
mod rejects;
mod web;
