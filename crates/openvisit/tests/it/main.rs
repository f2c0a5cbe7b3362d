//! The one integration-test binary: storage on every backend, and the API through a
//! real HTTP server on a random port.

mod api;
mod harness;
mod races;
mod storage;
