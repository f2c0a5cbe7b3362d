//! The browsers the end-to-end tests drive, and the address Firefox can reach.

/// Debian's Chromium for the browser tests (or `$CHROMIUM`).
pub fn chromium() -> String {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "the browser tests need Chromium at {chromium}"
    );
    chromium
}

/// The path of Debian's Firefox ESR (or `FIREFOX`), which `e2e/browser.mjs` launches.
pub fn firefox() -> String {
    let firefox = std::env::var("FIREFOX").unwrap_or_else(|_| "/usr/bin/firefox-esr".into());
    assert!(
        std::path::Path::new(&firefox).exists(),
        "the Firefox test needs Firefox at {firefox}: apt-get install firefox-esr (or set FIREFOX)"
    );
    firefox
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
