//! Command-line and environment configuration.

use std::{net::SocketAddr, num::NonZeroUsize, path::PathBuf};

use axum::http::HeaderValue;
use trellis_api::BackendKind;

/// How the server is run. Every flag can also be set through the
/// environment variable named in its help.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "trellis-proxy",
    version,
    about = "Trellis Studio: photo to 3D model, in the browser"
)]
pub struct Config {
    /// Address to listen on. 8642 is Trellis Studio's own port; 3642 belongs
    /// to another local server, so don't use it.
    #[arg(long, env = "TRELLIS_BIND", default_value = "127.0.0.1:8642")]
    pub bind: SocketAddr,

    /// Where generations (inputs, states and models) are kept across restarts.
    #[arg(long, env = "TRELLIS_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// The built web app (trunk's output), served at `/`.
    #[arg(long, env = "TRELLIS_DIST_DIR", default_value = "./dist")]
    pub dist_dir: PathBuf,

    /// The engine that turns photos into models.
    #[arg(long, env = "TRELLIS_BACKEND", value_enum, default_value_t = BackendChoice::Builtin)]
    pub backend: BackendChoice,

    /// Browser origins allowed to call the API from another origin
    /// (comma-separated). The default is the `trunk serve` dev server.
    #[arg(
        long,
        env = "TRELLIS_CORS_ORIGINS",
        value_delimiter = ',',
        value_parser = parse_origin,
        default_value = "http://127.0.0.1:8080,http://localhost:8080"
    )]
    pub cors_origins: Vec<HeaderValue>,

    /// Jobs run at the same time; the rest wait in line. One suits a single
    /// GPU, or the CPU engine on a small machine.
    #[arg(long, env = "TRELLIS_CONCURRENCY", default_value = "1")]
    pub concurrency: NonZeroUsize,
}

/// The engines this build can drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendChoice {
    /// The CPU engine: no AI model and no GPU, for trying the app anywhere.
    Builtin,
}

impl BackendChoice {
    /// The wire name of the engine.
    pub fn kind(self) -> BackendKind {
        match self {
            Self::Builtin => BackendKind::Builtin,
        }
    }
}

/// Accepts `scheme://host[:port]` only: a browser's `Origin` never has a
/// path, and `*` is refused because the allow-list must stay explicit.
fn parse_origin(text: &str) -> Result<HeaderValue, String> {
    let text = text.trim();
    let rest = text
        .strip_prefix("http://")
        .or_else(|| text.strip_prefix("https://"))
        .ok_or_else(|| {
            format!("\"{text}\" is not an origin: it must start with http:// or https://")
        })?;
    if rest.is_empty() || rest.contains('/') {
        return Err(format!(
            "\"{text}\" is not an origin: write scheme://host[:port] with no path or trailing slash"
        ));
    }
    HeaderValue::from_str(text)
        .map_err(|_| format!("\"{text}\" has characters an origin cannot have"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn the_defaults_serve_on_8642_with_the_trunk_origins() {
        let config = Config::try_parse_from(["trellis-proxy"]).unwrap();
        assert_eq!(config.bind.port(), 8642);
        assert_eq!(config.cors_origins.len(), 2);
        assert_eq!(config.concurrency.get(), 1);
        assert_eq!(config.backend.kind(), BackendKind::Builtin);
    }

    #[test]
    fn origins_with_paths_wildcards_or_no_scheme_are_refused() {
        for bad in [
            "*",
            "localhost:8080",
            "http://x.test/",
            "http://x.test/app",
            "http://",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
        assert!(parse_origin("https://studio.example.com").is_ok());
    }

    #[test]
    fn zero_workers_is_refused() {
        assert!(Config::try_parse_from(["trellis-proxy", "--concurrency", "0"]).is_err());
    }
}
