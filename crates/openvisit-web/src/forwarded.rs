//! The client's address behind a reverse proxy (`serve --trusted-proxy`). Only a peer
//! in a trusted network may say whom it forwards for; its `X-Forwarded-For` (or
//! `Forwarded: for=`) is read from the right, skipping the trusted proxies, so the
//! first address no trusted proxy vouches for is the client. A client's own header
//! from an untrusted peer changes nothing. The scheme the client used comes the same
//! way: from our own TLS, else from the nearest trusted proxy's `X-Forwarded-Proto` (or
//! `Forwarded: proto=`).

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

/// A network of trusted proxies: an address and a prefix length (`10.0.0.0/8`,
/// `127.0.0.1`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedNet {
    addr: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for TrustedNet {
    type Err = String;

    fn from_str(s: &str) -> Result<TrustedNet, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not an address or a network (10.0.0.0/8)"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{s:?}: the prefix length must be 0 to {max}"))?,
        };
        Ok(TrustedNet { addr, prefix })
    }
}

impl TrustedNet {
    pub fn contains(&self, ip: IpAddr) -> bool {
        // An IPv4 peer may arrive as an IPv4-mapped IPv6 address.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let keep = |bits: u32| {
            if self.prefix == 0 {
                0
            } else {
                u128::MAX << (bits - u32::from(self.prefix))
            }
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = keep(32) as u32;
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = keep(128);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The addresses a request says it was forwarded for, nearest proxy last.
fn forwarded_for(headers: &HeaderMap) -> Vec<IpAddr> {
    let xff: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| parse_node(a.trim()))
        .collect();
    if !xff.is_empty() {
        return xff;
    }
    headers
        .get_all("forwarded")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (k, v) = pair.trim().split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| parse_node(v.trim().trim_matches('"')))
                    .flatten()
            })
        })
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]:4711` or `2001:db8::1`.
fn parse_node(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    if let Ok(sock) = s.parse::<SocketAddr>() {
        return Some(sock.ip());
    }
    s.strip_prefix('[')
        .and_then(|r| r.split(']').next())
        .and_then(|ip| ip.parse().ok())
}

/// How the client reached us, as far as anyone we trust can say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Https,
    Http,
}

/// A request's scheme, put into its extensions beside `ConnectInfo`; `None` when the
/// request came in plain from a peer that is not a trusted proxy, or from one that
/// did not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientScheme(pub Option<Scheme>);

/// The scheme of a request from `peer`: ours when it came over TLS, else what the
/// nearest trusted proxy says. Its value is the rightmost one, the one that proxy
/// added: a client may have written its own to the left.
pub fn client_scheme(
    headers: &HeaderMap,
    peer: SocketAddr,
    trusted: &[TrustedNet],
    over_tls: bool,
) -> ClientScheme {
    if over_tls {
        return ClientScheme(Some(Scheme::Https));
    }
    if !trusted.iter().any(|n| n.contains(peer.ip())) {
        return ClientScheme(None);
    }
    let parse = |v: &str| match v.trim().trim_matches('"').to_ascii_lowercase().as_str() {
        "https" | "wss" => Some(Scheme::Https),
        "http" | "ws" => Some(Scheme::Http),
        _ => None,
    };
    let from_xfp = headers
        .get_all("x-forwarded-proto")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .last()
        .and_then(parse);
    let from_forwarded = || {
        headers
            .get_all("forwarded")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .last()
            .and_then(|element| {
                element.split(';').find_map(|pair| {
                    let (k, v) = pair.trim().split_once('=')?;
                    k.trim()
                        .eq_ignore_ascii_case("proto")
                        .then(|| parse(v))
                        .flatten()
                })
            })
    };
    ClientScheme(from_xfp.or_else(from_forwarded))
}

/// The client's address for a request from `peer`.
pub fn client_addr(headers: &HeaderMap, peer: SocketAddr, trusted: &[TrustedNet]) -> SocketAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if trusted.is_empty() || !is_trusted(peer.ip()) {
        return peer;
    }
    let chain = forwarded_for(headers);
    match chain.iter().rev().find(|ip| !is_trusted(**ip)) {
        Some(ip) => SocketAddr::new(*ip, 0),
        // Every hop is a trusted proxy: the leftmost is as far as anyone vouches.
        None => chain.first().map_or(peer, |ip| SocketAddr::new(*ip, 0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<TrustedNet> {
        list.iter().map(|s| s.parse().expect("net")).collect()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().expect("value"));
        }
        h
    }

    fn peer(ip: &str) -> SocketAddr {
        SocketAddr::new(ip.parse().expect("ip"), 5555)
    }

    #[test]
    fn only_a_trusted_peer_says_whom_it_forwards_for() {
        let trusted = nets(&["10.0.0.0/8"]);
        let h = headers(&[("x-forwarded-for", "203.0.113.7")]);
        assert_eq!(
            client_addr(&h, peer("10.1.2.3"), &trusted).ip(),
            "203.0.113.7".parse::<IpAddr>().expect("ip")
        );
        assert_eq!(
            client_addr(&h, peer("198.51.100.1"), &trusted),
            peer("198.51.100.1")
        );
        assert_eq!(client_addr(&h, peer("10.1.2.3"), &[]), peer("10.1.2.3"));
    }

    #[test]
    fn the_chain_is_read_from_the_right_so_a_forged_left_entry_is_ignored() {
        let trusted = nets(&["10.0.0.0/8", "192.168.1.1"]);
        // The client wrote "1.2.3.4" itself; the proxies appended the real hops.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.7, 192.168.1.1")]);
        assert_eq!(
            client_addr(&h, peer("10.0.0.2"), &trusted).ip(),
            "203.0.113.7".parse::<IpAddr>().expect("ip")
        );
    }

    #[test]
    fn forwarded_and_ipv6_are_understood() {
        let trusted = nets(&["fd00::/8", "127.0.0.1"]);
        let h = headers(&[("forwarded", "for=\"[2001:db8::1]:4711\";proto=https")]);
        assert_eq!(
            client_addr(&h, peer("127.0.0.1"), &trusted).ip(),
            "2001:db8::1".parse::<IpAddr>().expect("ip")
        );
        let h = headers(&[("forwarded", "for=192.0.2.60;proto=http, for=fd00::5")]);
        assert_eq!(
            client_addr(&h, peer("fd00::9"), &trusted).ip(),
            "192.0.2.60".parse::<IpAddr>().expect("ip")
        );
        assert!(nets(&["127.0.0.0/8"])[0].contains("::ffff:127.0.0.5".parse().expect("ip")));
    }

    #[test]
    fn the_scheme_is_the_nearest_trusted_proxy_s_word() {
        let trusted = nets(&["10.0.0.0/8"]);
        let h = headers(&[("x-forwarded-proto", "http, https")]);
        assert_eq!(
            client_scheme(&h, peer("10.0.0.1"), &trusted, false),
            ClientScheme(Some(Scheme::Https)),
            "the proxy's own value is the rightmost"
        );
        assert_eq!(
            client_scheme(&h, peer("198.51.100.1"), &trusted, false),
            ClientScheme(None),
            "an untrusted peer's header is ignored"
        );
        let h = headers(&[(
            "forwarded",
            "for=192.0.2.60;proto=https, for=10.0.0.5;proto=http",
        )]);
        assert_eq!(
            client_scheme(&h, peer("10.0.0.1"), &trusted, false),
            ClientScheme(Some(Scheme::Http))
        );
        assert_eq!(
            client_scheme(&HeaderMap::new(), peer("198.51.100.1"), &[], true),
            ClientScheme(Some(Scheme::Https)),
            "our own TLS needs nobody's word"
        );
        assert_eq!(
            client_scheme(&HeaderMap::new(), peer("10.0.0.1"), &trusted, false),
            ClientScheme(None)
        );
    }

    #[test]
    fn bad_networks_are_named() {
        assert!("10.0.0.0/33".parse::<TrustedNet>().is_err());
        assert!("proxy.local".parse::<TrustedNet>().is_err());
        assert!(
            "0.0.0.0/0"
                .parse::<TrustedNet>()
                .is_ok_and(|n| n.contains("8.8.8.8".parse().expect("ip")))
        );
    }
}
