//! Refusing state-changing requests that other sites' pages send.
//!
//! A `multipart/form-data` POST is a "simple" request: a browser sends it
//! without a CORS preflight, so any page a user visits could make their
//! browser start (paid) jobs on their proxy, on 127.0.0.1 or hosted. CORS
//! only stops that page from reading the answer. So every POST and DELETE
//! is judged by where it comes from, before its body is read:
//!
//! - `Sec-Fetch-Site: same-origin`, or an `Origin` equal to the server's
//!   own (`Host`, or a trusted proxy's `X-Forwarded-Host`): allowed;
//! - an `Origin` on the allow-list (`--cors-origins`): allowed;
//! - no `Origin` and no cross-site `Sec-Fetch-Site`: not a browser page
//!   (curl, the CLI, scripts), allowed;
//! - anything else, `Origin: null` included: 403.
//!
//! A server bound to loopback also requires a loopback `Host`, which stops
//! DNS rebinding (a foreign name pointed at 127.0.0.1, whose pages would
//! otherwise count as the server's own).

use std::{net::SocketAddr, sync::Arc};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, HeaderValue, Method, header::HOST, header::ORIGIN},
    middleware::Next,
    response::{IntoResponse as _, Response},
};

use super::Access;
use crate::error::AppError;

const SEC_FETCH_SITE: &str = "sec-fetch-site";
const X_FORWARDED_HOST: &str = "x-forwarded-host";

/// Where state-changing requests may come from.
#[derive(Debug, Clone)]
pub struct OriginPolicy {
    /// Other origins allowed (the CORS allow-list).
    pub allowed: Vec<HeaderValue>,
    /// The server listens on loopback only.
    pub loopback_only: bool,
}

/// Middleware: 403 for a cross-site POST, PUT, PATCH or DELETE.
pub async fn refuse_cross_site(
    State(access): State<Arc<Access>>,
    State(origins): State<Arc<OriginPolicy>>,
    request: Request,
    next: Next,
) -> Response {
    let changes_state = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if changes_state {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| *peer);
        let trusted_peer = peer.is_some_and(|peer| access.trusted.trusts_peer(peer));
        let authority = request.uri().authority().map(|a| a.as_str().to_owned());
        if let Err(err) = origins.judge(request.headers(), authority.as_deref(), trusted_peer) {
            tracing::warn!(origin = ?request.headers().get(ORIGIN), "refused a cross-site request");
            return err.into_response();
        }
    }
    next.run(request).await
}

impl OriginPolicy {
    /// Whether a state-changing request with these headers may proceed.
    /// `authority`: the URI's (HTTP/2 sends the host there, not in `Host`);
    /// `behind_trusted_proxy`: its `X-Forwarded-Host` may be believed.
    pub fn judge(
        &self,
        headers: &HeaderMap,
        authority: Option<&str>,
        behind_trusted_proxy: bool,
    ) -> Result<(), AppError> {
        let host = behind_trusted_proxy
            .then(|| header(headers, X_FORWARDED_HOST))
            .flatten()
            .or_else(|| header(headers, HOST.as_str()))
            .or(authority);
        // No host at all is no browser (they always send one).
        if let Some(host) = host
            && self.loopback_only
            && !is_loopback_host(host)
        {
            return Err(AppError::CrossSite(format!("addressed as \"{host}\"")));
        }
        let site = header(headers, SEC_FETCH_SITE);
        let Some(origin) = headers.get(ORIGIN) else {
            return match site {
                Some("cross-site" | "same-site") => {
                    Err(AppError::CrossSite("with no origin".to_owned()))
                }
                _ => Ok(()),
            };
        };
        if site == Some("same-origin") || self.allowed.iter().any(|allowed| allowed == origin) {
            return Ok(());
        }
        let origin_text = origin.to_str().unwrap_or_default();
        let authority = origin_text
            .split_once("://")
            .map(|(_, authority)| authority);
        match (authority, host) {
            (Some(authority), Some(host)) if authority.eq_ignore_ascii_case(host) => Ok(()),
            _ => Err(AppError::CrossSite(format!("from {origin_text}"))),
        }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name)?.to_str().ok().map(str::trim)
}

/// `localhost`, `*.localhost`, `127.x.x.x` or `[::1]`, with any port.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    let name = name.to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, value.parse().unwrap());
        }
        headers
    }

    fn policy(loopback_only: bool) -> OriginPolicy {
        OriginPolicy {
            allowed: vec![HeaderValue::from_static("http://127.0.0.1:8080")],
            loopback_only,
        }
    }

    #[test]
    fn own_allowed_and_non_browser_requests_pass() {
        let local = policy(true);
        for pairs in [
            &[("host", "127.0.0.1:8642")][..],
            &[
                ("host", "127.0.0.1:8642"),
                ("origin", "http://127.0.0.1:8642"),
            ],
            &[
                ("host", "localhost:8642"),
                ("origin", "http://127.0.0.1:8080"),
            ],
            &[
                ("host", "[::1]:8642"),
                ("sec-fetch-site", "same-origin"),
                ("origin", "http://[::1]:8642"),
            ],
        ] {
            assert!(
                local.judge(&headers(pairs), None, false).is_ok(),
                "{pairs:?}"
            );
        }
        let public = policy(false);
        let proxied = [
            ("host", "10.0.0.5:8642"),
            ("x-forwarded-host", "studio.example.com"),
            ("origin", "https://studio.example.com"),
        ];
        assert!(public.judge(&headers(&proxied), None, true).is_ok());
        assert!(
            public.judge(&headers(&proxied), None, false).is_err(),
            "X-Forwarded-Host from anyone"
        );
    }

    #[test]
    fn foreign_null_and_rebound_requests_are_refused() {
        let local = policy(true);
        for pairs in [
            &[
                ("host", "127.0.0.1:8642"),
                ("origin", "https://evil.example"),
            ][..],
            &[("host", "127.0.0.1:8642"), ("origin", "null")],
            &[("host", "127.0.0.1:8642"), ("sec-fetch-site", "cross-site")],
            // DNS rebinding: the page's origin matches the Host it uses.
            &[
                ("host", "evil.example:8642"),
                ("origin", "http://evil.example:8642"),
            ],
        ] {
            let err = local.judge(&headers(pairs), None, false).unwrap_err();
            assert_eq!(err.code(), "cross_site_request", "{pairs:?}");
        }
    }
}
