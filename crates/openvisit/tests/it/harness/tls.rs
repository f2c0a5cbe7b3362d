//! Certificates made by the tests (rcgen) for servers over HTTPS, and clients that trust
//! only them.

/// A self-signed certificate for "localhost": (certificate PEM, key PEM).
pub fn certificate() -> (String, String) {
    let made =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("a certificate");
    (made.cert.pem(), made.signing_key.serialize_pem())
}

/// A client that trusts only `cert` and follows no redirect.
pub fn trusting(cert: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(cert.as_bytes()).expect("pem")])
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}
