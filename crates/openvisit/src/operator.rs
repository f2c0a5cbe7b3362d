//! The operator's commands: facilities, their units, kiosks and hours, rosters, staff.

use std::path::Path;

use anyhow::Context;
use clap::Args;
use openvisit_core::facility::{FacilityType, PricingMode};
use openvisit_store::Db;
use openvisit_store::accounts::{NewAccount, Role, create_account};
use openvisit_store::demo;
use openvisit_store::facilities::{Facility, FacilitySettings, NewFacility, facility_by_slug};
use openvisit_store::places::unit_by_name;
use openvisit_web::clock::Clock;

use crate::{DbArgs, open_db};

#[derive(Args, Clone)]
pub struct NewFacilityArgs {
    /// Short name used in commands and addresses, e.g. riverside-county-jail.
    #[arg(long)]
    slug: String,
    #[arg(long)]
    name: String,
    #[arg(long)]
    city: String,
    #[arg(long)]
    state: String,
    #[arg(long, default_value = "")]
    address: String,
    #[arg(long, default_value = "")]
    phone: String,
    #[arg(long, default_value = "")]
    email: String,
    /// IANA time zone, e.g. America/Chicago.
    #[arg(long)]
    time_zone: String,
    /// prison or jail.
    #[arg(long)]
    facility_type: String,
    /// Average daily population (sets the rate cap).
    #[arg(long)]
    population: u32,
}

fn now() -> jiff::Timestamp {
    Clock::default().now()
}

async fn facility(db: &Db, slug: &str) -> anyhow::Result<Facility> {
    let mut conn = db.pool.acquire().await?;
    facility_by_slug(&mut conn, slug)
        .await
        .with_context(|| format!("no facility with the slug {slug:?}"))
}

async fn unit(
    db: &Db,
    f: &Facility,
    name: Option<&str>,
) -> anyhow::Result<Option<openvisit_core::HousingUnitId>> {
    let Some(name) = name else { return Ok(None) };
    let mut conn = db.pool.acquire().await?;
    let id = unit_by_name(&mut conn, f.id, name)
        .await?
        .with_context(|| format!("{} has no housing unit named {name:?}", f.name))?;
    Ok(Some(id))
}

pub async fn create_facility(args: &DbArgs, a: NewFacilityArgs) -> anyhow::Result<()> {
    let db = open_db(args).await?;
    let facility_type = FacilityType::parse(&a.facility_type)
        .context("the facility type must be prison or jail")?;
    let id = openvisit_store::facilities::create_facility(
        &db,
        &NewFacility {
            slug: a.slug,
            name: a.name,
            city: a.city,
            state: a.state,
            address: a.address,
            phone: a.phone,
            email: a.email,
            time_zone: a.time_zone,
            facility_type,
            population: a.population,
            settings: FacilitySettings {
                fee_cents: 0,
                pricing_mode: PricingMode::Free,
                ..demo::default_settings()
            },
        },
    )
    .await?;
    println!("Created facility {id} (free of charge until staff set a price).");
    Ok(())
}

pub async fn add_unit(args: &DbArgs, slug: &str, name: &str) -> anyhow::Result<()> {
    let db = open_db(args).await?;
    let f = facility(&db, slug).await?;
    let id = openvisit_store::setup::add_unit(&db, f.id, name, None, now()).await?;
    println!("Added housing unit {id} to {}.", f.name);
    Ok(())
}

pub async fn add_kiosk(
    args: &DbArgs,
    slug: &str,
    unit_name: Option<&str>,
    name: &str,
) -> anyhow::Result<()> {
    let db = open_db(args).await?;
    let f = facility(&db, slug).await?;
    let u = unit(&db, &f, unit_name).await?;
    let id = openvisit_store::setup::add_kiosk(&db, f.id, u, name, None, now()).await?;
    println!("Added kiosk {id} to {}.", unit_name.unwrap_or("the lobby"));
    print_kiosk_key(&db, id).await
}

/// Issues a kiosk a new device key (the old one stops working) and prints its setup link.
pub async fn kiosk_key(args: &DbArgs, slug: &str, name: &str) -> anyhow::Result<()> {
    let db = open_db(args).await?;
    let f = facility(&db, slug).await?;
    let id = openvisit_store::kiosks::kiosk_by_name(&db, f.id, name)
        .await?
        .ok_or_else(|| anyhow::anyhow!("{slug} has no kiosk called {name:?}"))?;
    print_kiosk_key(&db, id).await
}

async fn print_kiosk_key(
    db: &openvisit_store::Db,
    id: openvisit_core::KioskId,
) -> anyhow::Result<()> {
    let code = openvisit_store::kiosk_setup::issue_setup_code(db, id, now()).await?;
    println!(
        "On the kiosk, open /kiosk/setup and type this code (it works once, for {} hours; \
         kiosk-key makes a new one, and setting the kiosk up again retires its old key):",
        openvisit_store::kiosk_setup::SETUP_CODE_HOURS
    );
    println!("  {code}");
    Ok(())
}

/// Sets the PIN a resident signs in with at the housing-unit kiosk.
pub async fn set_pin(
    args: &DbArgs,
    slug: &str,
    booking_number: &str,
    pin: &str,
) -> anyhow::Result<()> {
    let db = open_db(args).await?;
    let f = facility(&db, slug).await?;
    let mut conn = db.pool.acquire().await?;
    let resident = openvisit_store::residents::all_residents(&mut conn, f.id)
        .await?
        .into_iter()
        .find(|r| r.booking_number == booking_number.trim())
        .ok_or_else(|| {
            anyhow::anyhow!("{slug} has no resident with booking number {booking_number}")
        })?;
    drop(conn);
    openvisit_store::resident_pins::set_resident_pin(&db, resident.id, pin).await?;
    println!("Set the kiosk PIN of {}.", resident.full_name);
    Ok(())
}

pub async fn set_hours(
    args: &DbArgs,
    slug: &str,
    unit_name: Option<&str>,
    hours: &str,
) -> anyhow::Result<()> {
    let windows = openvisit_core::hours::parse_weekly_hours(hours)?;
    let db = open_db(args).await?;
    let f = facility(&db, slug).await?;
    let u = unit(&db, &f, unit_name).await?;
    openvisit_store::setup::set_hours(&db, f.id, u, &windows, None, now()).await?;
    println!(
        "Set {} opening(s) a week for {}.",
        windows.len(),
        unit_name.unwrap_or("the lobby")
    );
    Ok(())
}

pub async fn import_roster(
    args: &DbArgs,
    slug: &str,
    file: &Path,
    dry_run: bool,
) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let entries = openvisit_core::roster::parse_roster(&text)?;
    let db = open_db(args).await?;
    let f = facility(&db, slug).await?;
    let changes =
        openvisit_store::roster::apply_roster(&db, f.id, &entries, None, dry_run, now()).await?;
    let verb = if dry_run { "would be" } else { "were" };
    println!(
        "{} added, {} moved, {} released, {} unchanged; {} future visits {verb} kept on a kiosk of the new unit, {} {verb} cancelled and refunded.",
        changes.added.len(),
        changes.moved.len(),
        changes.released.len(),
        changes.unchanged,
        changes.kept_visits.len(),
        changes.cancelled_visits.len()
    );
    Ok(())
}

pub async fn create_staff(
    args: &DbArgs,
    slug: &str,
    email: String,
    name: String,
    role: &str,
    password: String,
) -> anyhow::Result<()> {
    let db = open_db(args).await?;
    let role = Role::parse(role)
        .filter(|r| r.is_staff())
        .context("the role must be facility_admin, officer or support")?;
    let f = facility(&db, slug).await?;
    let email_for_uri = email.clone();
    let id = create_account(
        &db,
        &NewAccount {
            email_verified: true,
            email,
            password: password.into(),
            display_name: name,
            role,
            facility: Some(f.id),
            language: "en".into(),
            time_zone: f.time_zone.clone(),
        },
        now(),
    )
    .await?;
    println!("Created staff account {id} for {}.", f.name);
    // Staff sign in with a code from an authenticator app: enrol it now.
    if let Some(secret) = openvisit_store::accounts::totp_secret(&db, id).await? {
        println!("Add this to the staff member's authenticator app (secret {secret}):");
        println!(
            "  {}",
            openvisit_core::credentials::totp::otpauth_uri(&secret, &email_for_uri)
        );
    }
    Ok(())
}
