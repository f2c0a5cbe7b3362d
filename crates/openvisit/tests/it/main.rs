//! The one integration-test binary: storage on every backend, and the API through a
//! real HTTP server on a random port.

#![allow(
    clippy::disallowed_methods,
    reason = "tests pick dates relative to today, as a visitor would"
)]

mod api;
mod authz;
mod browser;
mod console;
mod email;
mod harness;
mod live;
mod pages;
mod races;
mod security;
mod setup;
mod staff_sign_in;
mod storage;
mod support;
mod visit_emails;
