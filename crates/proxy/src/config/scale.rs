//! The settings for growing past one machine: a pool of GPU servers from a
//! config file, where files and records live (so several proxies can share
//! them), the job leases between proxies, and the result cache. Out of the
//! box: the one engine of `--backend`, files and SQLite in the data dir.

use std::{path::PathBuf, time::Duration};

use object_store::aws::{AmazonS3, AmazonS3Builder};

use crate::secret::Secret;

/// Scale-out and reuse settings.
#[derive(Debug, Clone, clap::Args)]
pub struct ScaleOut {
    /// A TOML file listing the GPU servers to spread jobs over (see the
    /// README, "Scaling out"). Replaces --backend, --concurrency and the
    /// one-server --modal-*/--fastapi-url flags.
    #[arg(
        long = "config",
        env = "TRELLIS_CONFIG",
        conflicts_with_all = ["backend", "concurrency", "fastapi_url", "modal_generate_url", "modal_extract_url", "modal_health_url", "modal_key", "modal_secret", "modal_secrets_file"]
    )]
    pub servers_file: Option<PathBuf>,

    /// Where the generations' files go: `file:PATH`, or `s3://BUCKET/PREFIX`
    /// on any S3-compatible store, set up by the standard AWS variables
    /// (AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID,
    /// AWS_SECRET_ACCESS_KEY; AWS_ALLOW_HTTP=true for a plain-HTTP
    /// endpoint). Default: `file:` the data dir.
    #[arg(long, env = "TRELLIS_STORE", value_parser = StoreSpec::parse)]
    pub store: Option<StoreSpec>,

    /// A PostgreSQL URL (postgres://user:password@host/db) for the records,
    /// the job queue and the timings, shared by every proxy given the
    /// same one. Default: SQLite in the data dir. Prefer the environment
    /// variable: flags show in `ps`.
    #[arg(long, env = "TRELLIS_DATABASE_URL", value_parser = Secret::new, hide_env_values = true)]
    pub database: Option<Secret>,

    /// Answer a submission with an earlier identical result (same photo,
    /// settings and engine) at no GPU time, marked as reused. On by default
    /// for a pool (--config); the one-engine default runs every
    /// submission unless this is given. A request can opt out with
    /// `cache=false`.
    #[arg(long, env = "TRELLIS_CACHE", value_parser = clap::builder::FalseyValueParser::new(), num_args = 0, default_missing_value = "true", conflicts_with = "no_cache")]
    pub cache: bool,

    /// Never answer a submission with an earlier identical result, not even
    /// for a pool.
    #[arg(long, env = "TRELLIS_NO_CACHE", value_parser = clap::builder::FalseyValueParser::new(), num_args = 0, default_missing_value = "true")]
    pub no_cache: bool,

    #[command(flatten)]
    pub s3: S3Access,

    /// Seconds a proxy's claim on a running job lasts unless renewed. A
    /// proxy that dies loses its jobs to another after this long; with a
    /// database only.
    #[arg(long, env = "TRELLIS_LEASE_SECS", default_value = "30", value_parser = clap::value_parser!(u64).range(2..))]
    pub lease_secs: u64,

    /// Seconds between health checks of each GPU server. A server that
    /// fails one (or a job's connection to it) is drained and checked again
    /// with growing pauses until it answers.
    #[arg(long, env = "TRELLIS_HEALTH_INTERVAL_SECS", default_value = "15", value_parser = clap::value_parser!(u64).range(1..))]
    pub health_interval_secs: u64,
}

impl ScaleOut {
    /// How long a lease lasts.
    pub fn lease(&self) -> Duration {
        Duration::from_secs(self.lease_secs)
    }

    /// Whether identical submissions get the earlier result back.
    pub fn reuse_results(&self) -> bool {
        !self.no_cache && (self.cache || self.servers_file.is_some())
    }

    /// How often servers are checked.
    pub fn health_interval(&self) -> Duration {
        Duration::from_secs(self.health_interval_secs)
    }
}

/// How to reach the bucket of `--store s3://…`. Each setting falls back to
/// its standard AWS environment variable, so the usual setup works
/// unchanged; others (AWS_SESSION_TOKEN, container and web-identity
/// credentials) are read from the environment as the AWS tools do.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct S3Access {
    /// The S3-compatible endpoint (MinIO, R2, Ceph…); default AWS's own.
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    pub s3_endpoint: Option<String>,
    /// The bucket's region.
    #[arg(long, env = "AWS_REGION")]
    pub s3_region: Option<String>,
    /// The access key id. Prefer the environment variable: flags show in `ps`.
    #[arg(long, env = "AWS_ACCESS_KEY_ID", value_parser = Secret::new, hide_env_values = true)]
    pub s3_access_key_id: Option<Secret>,
    /// The secret access key. Prefer the environment variable.
    #[arg(long, env = "AWS_SECRET_ACCESS_KEY", value_parser = Secret::new, hide_env_values = true)]
    pub s3_secret_access_key: Option<Secret>,
    /// Allow a plain-HTTP endpoint (a store on this machine or a private
    /// network).
    #[arg(long, env = "AWS_ALLOW_HTTP", value_parser = clap::builder::FalseyValueParser::new(), num_args = 0, default_missing_value = "true")]
    pub s3_allow_http: bool,
}

impl S3Access {
    /// A client of `bucket`. Connects lazily: nothing is sent yet.
    pub fn connect(&self, bucket: &str) -> Result<AmazonS3, object_store::Error> {
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        if let Some(endpoint) = &self.s3_endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        if let Some(region) = &self.s3_region {
            builder = builder.with_region(region);
        }
        if let Some(key_id) = &self.s3_access_key_id {
            builder = builder.with_access_key_id(key_id.expose());
        }
        if let Some(secret) = &self.s3_secret_access_key {
            builder = builder.with_secret_access_key(secret.expose());
        }
        if self.s3_allow_http {
            builder = builder.with_allow_http(true);
        }
        builder.build()
    }
}

/// Where the generations' files are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreSpec {
    /// A folder on this machine (or a shared mount).
    File(PathBuf),
    /// A bucket of an S3-compatible store, under `prefix`.
    S3 { bucket: String, prefix: String },
}

impl StoreSpec {
    /// `file:PATH` or `s3://BUCKET[/PREFIX]`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if let Some(path) = text.strip_prefix("file:") {
            if path.is_empty() {
                return Err("--store file: needs a folder, e.g. file:./data".to_owned());
            }
            return Ok(Self::File(PathBuf::from(path)));
        }
        let Some(rest) = text.strip_prefix("s3://") else {
            return Err(format!(
                "\"{text}\" is not a store: use file:PATH or s3://BUCKET/PREFIX"
            ));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        // S3's own rule: 3 to 63 lowercase letters, digits, '.' and '-'.
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-'));
        if !valid_bucket {
            return Err(format!(
                "\"{bucket}\" is not an S3 bucket name (3 to 63 lowercase letters, digits, '.' and '-')"
            ));
        }
        Ok(Self::S3 {
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_parse_from_their_urls() {
        assert_eq!(
            StoreSpec::parse("file:./data").unwrap(),
            StoreSpec::File(PathBuf::from("./data"))
        );
        assert_eq!(
            StoreSpec::parse("s3://studio-files/prod/").unwrap(),
            StoreSpec::S3 {
                bucket: "studio-files".to_owned(),
                prefix: "prod".to_owned()
            }
        );
        assert_eq!(
            StoreSpec::parse("s3://studio-files").unwrap(),
            StoreSpec::S3 {
                bucket: "studio-files".to_owned(),
                prefix: String::new()
            }
        );
        for bad in [
            "",
            "file:",
            "gs://x/y",
            "s3://UPPER/x",
            "s3://a/x",
            "./data",
        ] {
            assert!(StoreSpec::parse(bad).is_err(), "{bad}");
        }
    }
}
