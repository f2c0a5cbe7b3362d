//! `sqlx::migrate!` embeds the migrations when the crate compiles; without this, cargo
//! does not see a changed or added migration and keeps the old ones in the binary.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
