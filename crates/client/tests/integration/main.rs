//! The client library and the `trellis` command line against a real proxy
//! on 127.0.0.1, with the built-in CPU engine.

mod library;
mod photo;
mod server;

#[cfg(feature = "cli")]
mod cli;
