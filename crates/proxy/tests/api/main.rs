//! The HTTP API, driven in-process through `app(state).oneshot(..)`. One
//! test binary (modules below) keeps link time down.

mod bucket;
mod builtin;
mod cache;
mod common;
mod conversions;
mod creator;
mod cross_site;
mod cutout;
mod fake;
mod fastapi;
mod generations;
mod hardening;
mod images;
mod keys;
mod layering;
mod line;
mod modal;
mod modal_errors;
mod models;
mod pool;
mod queue;
mod quotas;
mod rejects;
mod remove;
mod renditions;
mod retention;
mod share;
mod shared;
mod takeover;
mod upstream;
mod web;
