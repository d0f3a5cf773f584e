//! The settings for hosting in public: who may start work, the limits per
//! client, how long generations are kept, and the server's own defences.
//! Every limit has a generous default that is on out of the box; 0 turns a
//! per-client limit off.

use std::{num::NonZeroU32, time::Duration};

use ipnet::IpNet;
use trellis_api::AccessMode;

/// Seconds in a day, for the retention.
const SECONDS_PER_DAY: f64 = 24.0 * 60.0 * 60.0;
/// Bytes in a gigabyte (10⁹, as disks are sold), for the disk budget.
const BYTES_PER_GB: f64 = 1e9;

/// Access, limits and retention.
#[derive(Debug, Clone, clap::Args)]
pub struct Hosting {
    /// Who may start generations: `open` (anyone who can reach the server:
    /// a local tool) or `keys` (holders of an API key made with
    /// `trellis-proxy keys add NAME`).
    #[arg(long, env = "TRELLIS_ACCESS", value_parser = parse_access, default_value = "open")]
    pub access: AccessMode,

    /// Reverse proxies whose X-Forwarded-For (and X-Forwarded-Host) is
    /// believed, as addresses or CIDR ranges (comma-separated). Without
    /// this every client behind a proxy counts as the proxy.
    #[arg(long, env = "TRELLIS_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_net)]
    pub trusted_proxies: Vec<IpNet>,

    /// New generations one client (API key, or IP address in open mode)
    /// may start per hour; 0: no limit.
    #[arg(long, env = "TRELLIS_GENERATIONS_PER_HOUR", default_value = "60")]
    pub generations_per_hour: u32,

    /// Jobs (generations and extractions) one client may have waiting or
    /// running at once; 0: no limit.
    #[arg(long, env = "TRELLIS_WAITING_PER_CLIENT", default_value = "10")]
    pub waiting_per_client: u32,

    /// Models one generation may have, the first included; each is minutes
    /// of GPU time. 0: no limit.
    #[arg(long, env = "TRELLIS_EXTRACTIONS_PER_GENERATION", default_value = "10")]
    pub extractions_per_generation: u32,

    /// Engine seconds per UTC day, over all clients; new work is refused
    /// once they are spent. The default is six GPU-hours; 0: no limit.
    #[arg(long, env = "TRELLIS_GPU_SECONDS_PER_DAY", default_value = "21600")]
    pub gpu_seconds_per_day: u64,

    /// Event streams (progress pages) one client may have open at once.
    #[arg(long, env = "TRELLIS_STREAMS_PER_CLIENT", default_value = "32")]
    pub streams_per_client: u32,

    /// Jobs that may wait in line at once, over all clients. One GPU does a
    /// job in about a minute, so 100 is over an hour: a longer line helps
    /// no one, and the bound keeps a flood of uploads from filling the disk.
    #[arg(long, env = "TRELLIS_MAX_QUEUE", default_value = "100")]
    pub max_queue: usize,

    /// Days a generation is kept (fractions allowed); after that its files
    /// are removed and its link says it expired. Default: kept forever.
    #[arg(long, env = "TRELLIS_RETENTION_DAYS", value_parser = parse_positive)]
    pub retention_days: Option<f64>,

    /// The most disk the generations may take, in GB (fractions allowed);
    /// beyond it the oldest settled ones are removed. Default: no limit.
    #[arg(long, env = "TRELLIS_MAX_DISK_GB", value_parser = parse_positive)]
    pub max_disk_gb: Option<f64>,

    /// Requests handled at once (uploads being read, answers being made;
    /// open event streams and downloads do not count). Beyond it the
    /// server answers 503 with Retry-After rather than queue without bound.
    #[arg(long, env = "TRELLIS_MAX_REQUESTS_IN_FLIGHT", default_value = "512")]
    pub max_requests_in_flight: usize,

    /// Seconds a client may take to send a request's headers, or to start
    /// its next request on a kept-alive connection. Browsers send headers
    /// in one packet; the limit stops slow-loris clients from holding
    /// connections open for ever.
    #[arg(long, env = "TRELLIS_HEADER_TIMEOUT_SECS", default_value = "20")]
    pub header_timeout_secs: u64,

    /// Seconds an upload may go silent before it is abandoned with 408.
    #[arg(long, env = "TRELLIS_BODY_IDLE_SECS", default_value = "30")]
    pub body_idle_secs: u64,

    /// Seconds a GPU server may go silent in the middle of its answer
    /// before the job fails (waiting for the answer to start is covered by
    /// the step's own time limit).
    #[arg(long, env = "TRELLIS_UPSTREAM_IDLE_SECS", default_value = "60")]
    pub upstream_idle_secs: u64,

    /// Origins the viewer may open `?model=<url>` links from, added to the
    /// page's Content-Security-Policy (comma-separated; `*` ports allowed,
    /// e.g. http://127.0.0.1:*). By default only this server and the API.
    #[arg(long, env = "TRELLIS_MODEL_ORIGINS", value_delimiter = ',', value_parser = parse_source)]
    pub model_origins: Vec<String>,
}

/// The per-client limits; `None` for no limit.
#[derive(Debug, Clone, Copy)]
pub struct QuotaSettings {
    pub generations_per_hour: Option<NonZeroU32>,
    pub waiting_per_client: Option<u32>,
    pub streams_per_client: u32,
}

/// When generations are removed. `None`: no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Retention {
    /// How long a generation is kept after it was created.
    pub max_age: Option<Duration>,
    /// The most bytes all generations' files may take.
    pub max_bytes: Option<u64>,
}

fn nonzero(limit: u32) -> Option<u32> {
    (limit > 0).then_some(limit)
}

impl Hosting {
    /// The per-client limits.
    pub fn quotas(&self) -> QuotaSettings {
        QuotaSettings {
            generations_per_hour: NonZeroU32::new(self.generations_per_hour),
            waiting_per_client: nonzero(self.waiting_per_client),
            streams_per_client: self.streams_per_client,
        }
    }

    /// Models per generation, when limited.
    pub fn extractions(&self) -> Option<u32> {
        nonzero(self.extractions_per_generation)
    }

    /// The engine's daily budget in seconds, when limited.
    pub fn gpu_budget(&self) -> Option<f64> {
        #[allow(clippy::cast_precision_loss)] // whole seconds, far below 2⁵²
        let seconds = self.gpu_seconds_per_day as f64;
        (self.gpu_seconds_per_day > 0).then_some(seconds)
    }

    /// When generations are removed.
    pub fn retention(&self) -> Retention {
        Retention {
            max_age: self
                .retention_days
                .map(|days| Duration::from_secs_f64(days * SECONDS_PER_DAY)),
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            // Positive and far below 2⁶⁴ bytes.
            max_bytes: self.max_disk_gb.map(|gb| (gb * BYTES_PER_GB) as u64),
        }
    }

    /// The retention in whole days for the page, rounded up.
    pub fn retention_days_shown(&self) -> Option<u32> {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        self.retention_days
            .map(|days| days.ceil().min(f64::from(u32::MAX)) as u32)
    }

    /// How long a client may take to send its headers.
    pub fn header_timeout(&self) -> Duration {
        Duration::from_secs(self.header_timeout_secs.max(1))
    }

    /// How long an upload may stall.
    pub fn body_idle(&self) -> Duration {
        Duration::from_secs(self.body_idle_secs.max(1))
    }

    /// How long an upstream answer may stall.
    pub fn upstream_idle(&self) -> Duration {
        Duration::from_secs(self.upstream_idle_secs)
    }
}

fn parse_access(text: &str) -> Result<AccessMode, String> {
    match text.trim() {
        "open" => Ok(AccessMode::Open),
        "keys" => Ok(AccessMode::Keys),
        other => Err(format!(
            "\"{other}\" is not an access mode: use open or keys"
        )),
    }
}

fn parse_net(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("\"{text}\" is not an IP address or CIDR range such as 10.0.0.0/8"))
}

fn parse_positive(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(value) if value.is_finite() && value > 0.0 => Ok(value),
        _ => Err(format!("\"{text}\" is not a positive number")),
    }
}

/// A CSP source: `scheme://host[:port|:*]`, nothing that could end the
/// directive or add another.
fn parse_source(text: &str) -> Result<String, String> {
    let text = text.trim();
    let rest = text
        .strip_prefix("http://")
        .or_else(|| text.strip_prefix("https://"))
        .ok_or_else(|| format!("\"{text}\" must start with http:// or https://"))?;
    let valid = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '*' | '[' | ']'));
    if valid {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "\"{text}\" is not an origin such as https://models.example.com"
        ))
    }
}
