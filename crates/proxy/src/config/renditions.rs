//! The settings of the files made from each model (conversions) and of the
//! link-preview pages (`/share/{id}`).

use std::time::Duration;

/// Bytes in a megabyte (10⁶, as file sizes are shown), for the size limit.
const BYTES_PER_MB: f64 = 1e6;

/// Conversions and share pages.
#[derive(Debug, Clone, clap::Args)]
pub struct Renditions {
    /// Seconds a request waits for a conversion (USDZ, STL, OBJ), its turn
    /// included. One of a 1M-triangle model takes a few seconds; a slower
    /// one carries on and the next request finds it done.
    #[arg(long, env = "TRELLIS_CONVERSION_TIMEOUT_SECS", default_value = "60")]
    pub conversion_timeout_secs: u64,

    /// The largest converted file kept, in MB; a bigger result is refused
    /// (422) with its size. USDZ of a 2M-triangle model with two 4096²
    /// textures is about 250 MB.
    #[arg(long, env = "TRELLIS_MAX_CONVERSION_MB", value_parser = parse_positive, default_value = "300")]
    pub max_conversion_mb: f64,

    /// Conversions (a format with given settings) one generation may have
    /// over all its models; each is a file on disk. 0: no limit.
    #[arg(long, env = "TRELLIS_CONVERSIONS_PER_GENERATION", default_value = "20")]
    pub conversions_per_generation: u32,

    /// Where the web app lives, when it is not served by this server (a
    /// static host), e.g. https://static.example.com/studio/: share pages
    /// send people on to it. Default: this server.
    #[arg(long, env = "TRELLIS_APP_URL", value_parser = parse_base_url)]
    pub app_url: Option<String>,

    /// This server's public address, e.g. https://studio.example.com/, for
    /// the absolute links in share pages (preview image, canonical URL).
    /// Default: from the request's Host, or a trusted proxy's
    /// X-Forwarded-Host and X-Forwarded-Proto.
    #[arg(long, env = "TRELLIS_PUBLIC_URL", value_parser = parse_base_url)]
    pub public_url: Option<String>,
}

/// How conversions are bounded.
#[derive(Debug, Clone, Copy)]
pub struct ConversionLimits {
    /// How long a request waits for its conversion, turn included.
    pub timeout: Duration,
    /// The largest converted file stored.
    pub max_bytes: u64,
    /// Conversions one generation may have over all its models.
    pub per_generation: Option<u32>,
}

impl Renditions {
    /// How conversions are bounded.
    pub fn conversion_limits(&self) -> ConversionLimits {
        ConversionLimits {
            timeout: Duration::from_secs(self.conversion_timeout_secs),
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            // Positive and far below 2⁶⁴ bytes.
            max_bytes: (self.max_conversion_mb * BYTES_PER_MB) as u64,
            per_generation: (self.conversions_per_generation > 0)
                .then_some(self.conversions_per_generation),
        }
    }
}

fn parse_positive(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(value) if value.is_finite() && value > 0.0 => Ok(value),
        _ => Err(format!("\"{text}\" is not a positive number")),
    }
}

/// An absolute `http(s)://` URL without query or fragment, ending in `/`
/// (added when missing), whose characters are safe in a header and in an
/// HTML attribute.
fn parse_base_url(text: &str) -> Result<String, String> {
    let text = text.trim();
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .ok_or_else(|| format!("\"{text}\" must start with http:// or https://"))?;
    let host_len = rest.find('/').unwrap_or(rest.len());
    let safe = rest.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(c, '.' | '-' | '_' | '~' | ':' | '/' | '[' | ']' | '%')
    });
    if host_len == 0 || !safe {
        return Err(format!(
            "\"{text}\" is not a base URL such as https://studio.example.com/ (no query, no fragment)"
        ));
    }
    Ok(if text.ends_with('/') {
        text.to_owned()
    } else {
        format!("{text}/")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_end_in_a_slash_and_carry_nothing_that_could_break_out() {
        assert_eq!(
            parse_base_url("https://static.example.com/studio").unwrap(),
            "https://static.example.com/studio/"
        );
        assert_eq!(
            parse_base_url("http://127.0.0.1:8642/").unwrap(),
            "http://127.0.0.1:8642/"
        );
        for bad in [
            "static.example.com",
            "https://",
            "https://x.test/?a=1",
            "https://x.test/#top",
            "https://x.test/\"><script>",
            "javascript:alert(1)",
        ] {
            assert!(parse_base_url(bad).is_err(), "{bad}");
        }
    }
}
