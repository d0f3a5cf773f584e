//! Which address a request comes from. Directly, that is the peer of the
//! connection. Behind a reverse proxy the peer is the proxy, and the
//! client is in `X-Forwarded-For` — but anyone can write that header, so
//! it is believed only from peers listed in `--trusted-proxies`, and only
//! as far as the chain of trusted hops reaches.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::http::HeaderMap;
use ipnet::IpNet;

use crate::quota::ClientKey;

const X_FORWARDED_FOR: &str = "x-forwarded-for";
/// The bits of an IPv6 address that name a subscriber: providers hand out
/// a /64 (or more) per customer.
const IPV6_CLIENT_PREFIX: u32 = 64;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub fn new(nets: Vec<IpNet>) -> Self {
        Self(nets)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&canonical(ip)))
    }

    /// Whether the connection comes from a trusted proxy, whose
    /// `X-Forwarded-*` headers may be believed.
    pub fn trusts_peer(&self, peer: SocketAddr) -> bool {
        self.trusts(peer.ip())
    }

    /// The client's address: the peer, or if the peer is trusted, the
    /// nearest address in `X-Forwarded-For` that is not a trusted proxy
    /// (read right to left, the order proxies append in). Without a known
    /// peer (in-process calls) the request is local.
    pub fn client_ip(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> IpAddr {
        let peer = peer.map_or(IpAddr::from([127, 0, 0, 1]), |peer| canonical(peer.ip()));
        if !self.trusts(peer) {
            return peer;
        }
        let hops = headers
            .get_all(X_FORWARDED_FOR)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Ok(ip) = hop.parse::<IpAddr>() else {
                // A garbled hop: nothing left of it can be trusted.
                break;
            };
            client = canonical(ip);
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

/// IPv4 addresses arriving as IPv6 (`::ffff:1.2.3.4`) as plain IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// The limits' key for an address.
pub fn ip_client(ip: IpAddr) -> ClientKey {
    match ip {
        IpAddr::V4(_) => ClientKey::Ip(ip),
        IpAddr::V6(v6) => {
            let mask = u128::MAX << (128 - IPV6_CLIENT_PREFIX);
            ClientKey::Ip(IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(forwarded: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(X_FORWARDED_FOR, forwarded.parse().unwrap());
        headers
    }

    fn peer(ip: &str) -> Option<SocketAddr> {
        Some(SocketAddr::new(ip.parse().unwrap(), 40000))
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_peers() {
        let trusted = TrustedProxies::new(vec!["10.0.0.0/8".parse().unwrap()]);
        let spoofed = headers("203.0.113.9");
        assert_eq!(
            trusted
                .client_ip(peer("198.51.100.7"), &spoofed)
                .to_string(),
            "198.51.100.7"
        );
        assert_eq!(
            trusted.client_ip(peer("10.1.2.3"), &spoofed).to_string(),
            "203.0.113.9"
        );
        // The client wrote a fake hop first; the proxy appended the real one.
        let chained = headers("1.2.3.4, 203.0.113.9, 10.9.9.9");
        assert_eq!(
            trusted.client_ip(peer("10.1.2.3"), &chained).to_string(),
            "203.0.113.9"
        );
        assert_eq!(
            trusted
                .client_ip(peer("10.1.2.3"), &headers("garbage"))
                .to_string(),
            "10.1.2.3"
        );
        assert_eq!(
            TrustedProxies::default()
                .client_ip(None, &spoofed)
                .to_string(),
            "127.0.0.1"
        );
    }

    #[test]
    fn ipv6_clients_are_counted_per_64_and_mapped_ipv4_as_ipv4() {
        let a = ip_client("2001:db8:1:2::1".parse().unwrap());
        let b = ip_client("2001:db8:1:2:ffff::9".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, ip_client("2001:db8:1:3::1".parse().unwrap()));
        let mapped =
            TrustedProxies::default().client_ip(peer("::ffff:192.0.2.1"), &HeaderMap::new());
        assert_eq!(mapped.to_string(), "192.0.2.1");
    }
}
