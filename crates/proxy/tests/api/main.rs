//! The HTTP API, driven in-process through `app(state).oneshot(..)`. One
//! test binary (modules below) keeps link time down.

mod builtin;
mod common;
mod cutout;
mod fake;
mod fastapi;
mod generations;
mod images;
mod line;
mod modal;
mod modal_errors;
mod queue;
mod rejects;
mod remove;
mod upstream;
mod web;
