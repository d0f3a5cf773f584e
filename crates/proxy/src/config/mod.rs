//! Command-line and environment configuration.

mod hosting;
mod renditions;
mod scale;
pub mod servers;

use std::{net::SocketAddr, num::NonZeroUsize, path::PathBuf, time::Duration};

use axum::http::HeaderValue;
use trellis_api::BackendKind;

use crate::secret::Secret;

pub use hosting::{Hosting, QuotaSettings, Retention};
pub use renditions::{ConversionLimits, Renditions};
pub use scale::{S3Access, ScaleOut, StoreSpec};

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
    /// (comma-separated), and so to start work there. The default is the
    /// `trunk serve` dev server.
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

    /// Time limit of the generate step, in seconds, including a GPU cold
    /// start (about 143 s on Modal). Generous: a job is never re-sent.
    #[arg(long, env = "TRELLIS_GENERATE_TIMEOUT_SECS", default_value = "900")]
    pub generate_timeout_secs: u64,

    /// Time limit of one GLB extraction, in seconds.
    #[arg(long, env = "TRELLIS_EXTRACT_TIMEOUT_SECS", default_value = "600")]
    pub extract_timeout_secs: u64,

    #[command(flatten)]
    pub hosting: Hosting,

    #[command(flatten)]
    pub renditions: Renditions,

    #[command(flatten)]
    pub modal: ModalConfig,

    #[command(flatten)]
    pub scale: ScaleOut,

    /// Base URL of the FastAPI GPU server (`--backend fastapi`); the
    /// server's own default port is 3642.
    #[arg(
        long,
        env = "TRELLIS_FASTAPI_URL",
        default_value = "http://127.0.0.1:3642"
    )]
    pub fastapi_url: String,
}

impl Config {
    /// The generate step's time limit.
    pub fn generate_timeout(&self) -> Duration {
        Duration::from_secs(self.generate_timeout_secs)
    }

    /// The extract step's time limit.
    pub fn extract_timeout(&self) -> Duration {
        Duration::from_secs(self.extract_timeout_secs)
    }
}

/// Settings of the Modal engine (`--backend modal`).
#[derive(Debug, Clone, clap::Args)]
pub struct ModalConfig {
    /// The generate endpoint from `modal deploy`. From the standard
    /// `https://<workspace>--trellis2-3d-trellis2service-generate.modal.run`
    /// form the other two URLs are derived.
    #[arg(long, env = "TRELLIS_MODAL_GENERATE_URL")]
    pub modal_generate_url: Option<String>,

    /// The extract_glb endpoint, when it cannot be derived.
    #[arg(long, env = "TRELLIS_MODAL_EXTRACT_URL")]
    pub modal_extract_url: Option<String>,

    /// The health endpoint, when it cannot be derived.
    #[arg(long, env = "TRELLIS_MODAL_HEALTH_URL")]
    pub modal_health_url: Option<String>,

    /// Modal proxy-auth token id (wk-…). Else TRELLIS2_MODAL_KEY, else the
    /// secrets file. Prefer the environment: flags show in `ps`.
    #[arg(long, value_parser = Secret::new)]
    pub modal_key: Option<Secret>,

    /// Modal proxy-auth token secret (ws-…). Else TRELLIS2_MODAL_SECRET,
    /// else the secrets file.
    #[arg(long, value_parser = Secret::new)]
    pub modal_secret: Option<Secret>,

    /// The JSON file with `modal_key` and `modal_secret`, read when neither
    /// flags nor environment give both. Default: ~/.trellis2_modal_secrets.json.
    #[arg(long, env = "TRELLIS2_MODAL_SECRETS_FILE")]
    pub modal_secrets_file: Option<PathBuf>,

    /// Seconds Modal keeps the GPU container up after a request; a job
    /// after a longer pause waits for a cold start first.
    #[arg(long, env = "TRELLIS_MODAL_SCALE_DOWN_SECS", default_value = "300")]
    pub modal_scale_down_secs: u64,

    /// Expected seconds of a cold start, until this server has measured
    /// its own.
    #[arg(long, env = "TRELLIS_MODAL_COLD_START_SECS", default_value = "143")]
    pub modal_cold_start_secs: u64,
}

/// The engines this build can drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendChoice {
    /// The CPU engine: no AI model and no GPU, for trying the app anywhere.
    Builtin,
    /// TRELLIS.2 on Modal (the `trellis2_modal` service).
    Modal,
    /// The crossworld FastAPI server.
    Fastapi,
}

impl BackendChoice {
    /// The wire name of the engine.
    pub fn kind(self) -> BackendKind {
        match self {
            Self::Builtin => BackendKind::Builtin,
            Self::Modal => BackendKind::Modal,
            Self::Fastapi => BackendKind::Fastapi,
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
        assert_eq!(config.generate_timeout(), Duration::from_secs(900));
        assert_eq!(config.modal.modal_scale_down_secs, 300);
        assert_eq!(config.hosting.access, trellis_api::AccessMode::Open);
        let quotas = config.hosting.quotas();
        assert!(quotas.generations_per_hour.is_some() && quotas.waiting_per_client.is_some());
        assert!(config.hosting.extractions().is_some() && config.hosting.gpu_budget().is_some());
        assert_eq!(config.hosting.retention(), Retention::default());
    }

    #[test]
    fn hosting_values_are_checked() {
        for bad in [
            &["--access", "closed"][..],
            &["--trusted-proxies", "10.0.0.0/33"],
            &["--retention-days", "0"],
            &["--max-disk-gb", "-1"],
            &["--model-origins", "https://x.test; script-src *"],
        ] {
            let args = ["trellis-proxy"].into_iter().chain(bad.iter().copied());
            assert!(Config::try_parse_from(args).is_err(), "{bad:?}");
        }
        let config = Config::try_parse_from([
            "trellis-proxy",
            "--trusted-proxies",
            "10.0.0.0/8,192.0.2.1",
            "--retention-days",
            "0.5",
            "--max-disk-gb",
            "2",
        ])
        .unwrap();
        assert_eq!(config.hosting.trusted_proxies.len(), 2);
        let retention = config.hosting.retention();
        assert_eq!(retention.max_age, Some(Duration::from_secs(12 * 3600)));
        assert_eq!(retention.max_bytes, Some(2_000_000_000));
        assert_eq!(config.hosting.retention_days_shown(), Some(1));
    }

    #[test]
    fn debug_output_of_the_config_hides_the_modal_credentials() {
        let config = Config::try_parse_from([
            "trellis-proxy",
            "--modal-key",
            "wk-visible-if-leaked",
            "--modal-secret",
            "ws-visible-if-leaked",
        ])
        .unwrap();
        assert!(!format!("{config:?}").contains("visible-if-leaked"));
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
