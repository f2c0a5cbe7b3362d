//! The browsers the end-to-end tests drive, and the address Firefox can reach.

/// Debian's Chromium for the browser tests (or `$CHROMIUM`).
pub fn chromium() -> String {
    browser_at("CHROMIUM", "/usr/bin/chromium", "chromium")
}

/// The path of Debian's Firefox ESR (or `FIREFOX`), which `e2e/browser.mjs` launches.
pub fn firefox() -> String {
    browser_at("FIREFOX", "/usr/bin/firefox-esr", "firefox-esr")
}

/// `$env`, else `default`; the test fails, saying how to install it, if it is missing.
fn browser_at(env: &str, default: &str, package: &str) -> String {
    let path = std::env::var(env).unwrap_or_else(|_| default.into());
    assert!(
        std::path::Path::new(&path).exists(),
        "the browser tests need {path}: apt-get install {package} (or set {env})"
    );
    path
}

/// This machine's own IPv4 address, the one it would send from to other hosts (a UDP
/// `connect` only picks the route; nothing is sent). For Firefox, which leaves loopback
/// addresses out of ICE whatever its settings say.
pub fn own_address() -> std::net::IpAddr {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").expect("a UDP socket");
    socket
        .connect("203.0.113.1:9")
        .ok()
        .and_then(|()| socket.local_addr().ok())
        .map(|a| a.ip())
        .filter(|ip| !ip.is_loopback() && !ip.is_unspecified())
        .expect("the Firefox test needs an IPv4 address besides loopback (a route out)")
}
