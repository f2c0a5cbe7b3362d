//! The demo a new user sees on an empty database: two facilities (one booking remote
//! and on-site visits, one remote only), units, kiosks, hours, residents, an approved
//! visitor with money and a staff login.

use std::collections::BTreeMap;

use jiff::Timestamp;
use openvisit_core::facility::{FacilityType, PricingMode};
use openvisit_core::ledger::JournalEntry;
use openvisit_core::{Cents, FacilityId};

use crate::accounts::{NewAccount, Role, create_account};
use crate::approvals::{ApprovalStatus, decide_approval, request_approval};
use crate::db::Db;
use crate::error::StoreError;
use crate::facilities::{FacilitySettings, NewFacility, create_facility};
use crate::kiosks::set_kiosk_key;
use crate::ledger::{EntryRows, post_entry};
use crate::places::{add_hours, create_kiosk, create_unit};
use crate::resident_pins::{hash_pin, store_pin_hash};
use crate::residents::create_resident;

pub const DEMO_VISITOR_EMAIL: &str = "visitor@demo.openvisit.test";
pub const DEMO_VISITOR_PASSWORD: &str = "demo-visitor-pass";
pub const DEMO_STAFF_EMAIL: &str = "staff@demo.openvisit.test";
pub const DEMO_STAFF_PASSWORD: &str = "demo-staff-pass";

/// The PIN every demo resident signs in to a visit with at the housing kiosk.
pub const DEMO_RESIDENT_PIN: &str = "1234";

/// What the demo made, for the start-up message.
#[derive(Debug, Clone)]
pub struct DemoInfo {
    pub facilities: Vec<FacilityId>,
    /// Each demo kiosk's name and its device key (fresh random keys for every
    /// database), so `serve` can print the kiosk URLs.
    pub kiosk_keys: BTreeMap<String, String>,
    /// Each demo kiosk's one-time set-up code (valid for a day), for the start-up
    /// message: typed at `/kiosk/setup`, it gives that browser a key of its own.
    pub kiosk_codes: BTreeMap<String, String>,
}

/// Settings most demo facilities share.
pub fn default_settings() -> FacilitySettings {
    FacilitySettings {
        offers_remote: true,
        offers_on_site: true,
        on_site_note: String::new(),
        on_site_note_es: String::new(),
        pricing_mode: PricingMode::Block,
        increment_minutes: 15,
        fee_cents: 285,
        allowed_lengths: vec![15, 30, 45],
        slot_grid_minutes: 15,
        min_notice_minutes: 60,
        max_days_ahead: 30,
        cancel_notice_minutes: 24 * 60,
        weekly_limit: 3,
        kiosk_gap_minutes: 5,
        visit_rules: String::new(),
        visit_rules_es: String::new(),
    }
}

/// Seeds the demo if the database has no facility yet. Returns `None` if it had one.
pub async fn seed_demo_if_empty(db: &Db, now: Timestamp) -> Result<Option<DemoInfo>, StoreError> {
    let mut conn = db.pool.acquire().await?;
    if !crate::facilities::list_facilities(&mut conn, None)
        .await?
        .is_empty()
    {
        return Ok(None);
    }
    drop(conn);
    let riverside = create_facility(
        db,
        &NewFacility {
            slug: "riverside-county-jail".into(),
            name: "Riverside County Jail".into(),
            city: "Riverside".into(),
            state: "IL".into(),
            address: "100 Main Street, Riverside, IL 60546".into(),
            phone: "(555) 010-1000".into(),
            email: "visits@riverside.example".into(),
            time_zone: "America/Chicago".into(),
            facility_type: FacilityType::Jail,
            population: 420,
            settings: FacilitySettings {
                visit_rules: "Dress modestly: no uniforms, no gang colours, nothing see-through.\n\
                    Only the people approved for this visit may appear on camera.\n\
                    No recording, screenshots or third parties joining by phone.\n\
                    No weapons, drugs or alcohol on camera, and no nudity.\n\
                    Staff may watch any visit except an attorney's, and end a visit that breaks \
                    these rules."
                    .into(),
                visit_rules_es: "Vístete con recato: sin uniformes, sin colores de pandillas, nada \
                    transparente.\n\
                    Solo las personas aprobadas para esta visita pueden aparecer en cámara.\n\
                    Nada de grabaciones, capturas de pantalla ni terceros que se unan por teléfono.\n\
                    Nada de armas, drogas ni alcohol en cámara, y nada de desnudos.\n\
                    El personal puede observar cualquier visita salvo la de un abogado, y terminar \
                    una visita que no cumpla estas normas."
                    .into(),
                ..default_settings()
            },
        },
    )
    .await?;
    let cedar = create_facility(
        db,
        &NewFacility {
            slug: "cedar-valley-correctional".into(),
            name: "Cedar Valley Correctional Center".into(),
            city: "Cedar Valley".into(),
            state: "CO".into(),
            address: "2 Canyon Road, Cedar Valley, CO 81001".into(),
            phone: "(555) 010-2000".into(),
            email: "visitation@cedarvalley.example".into(),
            time_zone: "America/Denver".into(),
            facility_type: FacilityType::Prison,
            population: 1800,
            settings: FacilitySettings {
                offers_on_site: false,
                on_site_note: "On-site visits at Cedar Valley are scheduled by the facility \
                               itself: call (555) 010-2000 on weekdays."
                    .into(),
                on_site_note_es: "Las visitas en persona en Cedar Valley las programa el \
                                  propio centro: llame al (555) 010-2000 de lunes a viernes."
                    .into(),
                pricing_mode: PricingMode::PerMinute,
                increment_minutes: 30,
                fee_cents: 750,
                allowed_lengths: vec![30, 60],
                slot_grid_minutes: 30,
                weekly_limit: 2,
                ..default_settings()
            },
        },
    )
    .await?;

    let pin_hash = hash_pin(DEMO_RESIDENT_PIN)?;
    let mut kiosk_keys = BTreeMap::new();
    let mut kiosk_codes = BTreeMap::new();
    let mut tx = db.begin_write().await?;
    let mut residents = Vec::new();
    for (facility, units) in [
        (riverside, vec![("A Pod", 3usize), ("B Pod", 2)]),
        (cedar, vec![("North Unit", 2)]),
    ] {
        for (unit_name, kiosk_count) in units {
            let unit = create_unit(&mut tx, facility, unit_name).await?;
            for k in 1..=kiosk_count {
                let name = format!("{unit_name} kiosk {k}");
                let kiosk = create_kiosk(&mut tx, facility, Some(unit), &name).await?;
                kiosk_keys.insert(name.clone(), set_kiosk_key(&mut tx, kiosk).await?);
                kiosk_codes.insert(
                    name,
                    crate::kiosk_setup::issue_in(&mut tx, kiosk, now).await?,
                );
            }
            for weekday in 1..=7 {
                add_hours(&mut tx, facility, Some(unit), weekday, 8 * 60, 11 * 60 + 30).await?;
                add_hours(&mut tx, facility, Some(unit), weekday, 13 * 60, 20 * 60).await?;
            }
            for n in 1..=4 {
                let number = format!("{}{:03}{n}", &unit_name[..1], facility.0);
                let name = DEMO_NAMES[(residents.len()) % DEMO_NAMES.len()];
                let resident = create_resident(&mut tx, facility, &number, name, unit).await?;
                store_pin_hash(&mut tx, resident, &pin_hash).await?;
                residents.push(resident);
            }
        }
    }
    let lobby_name = "Lobby kiosk 1";
    let lobby = create_kiosk(&mut tx, riverside, None, lobby_name).await?;
    kiosk_keys.insert(lobby_name.to_owned(), set_kiosk_key(&mut tx, lobby).await?);
    kiosk_codes.insert(
        lobby_name.to_owned(),
        crate::kiosk_setup::issue_in(&mut tx, lobby, now).await?,
    );
    for weekday in 1..=6 {
        add_hours(&mut tx, riverside, None, weekday, 9 * 60, 17 * 60).await?;
    }
    tx.commit().await?;

    let staff = create_account(
        db,
        &NewAccount {
            email_verified: true,
            email: DEMO_STAFF_EMAIL.into(),
            password: DEMO_STAFF_PASSWORD.into(),
            display_name: "Demo Officer".into(),
            role: Role::FacilityAdmin,
            facility: Some(riverside),
            language: "en".into(),
            time_zone: "America/Chicago".into(),
        },
        now,
    )
    .await?;
    let visitor = create_account(
        db,
        &NewAccount {
            email_verified: true,
            email: DEMO_VISITOR_EMAIL.into(),
            password: DEMO_VISITOR_PASSWORD.into(),
            display_name: "Demo Visitor".into(),
            role: Role::Visitor,
            facility: None,
            language: "en".into(),
            time_zone: "America/Chicago".into(),
        },
        now,
    )
    .await?;
    for resident in residents.iter().take(2) {
        let a = request_approval(db, visitor, *resident, now).await?;
        decide_approval(
            db,
            staff,
            riverside,
            a.id,
            ApprovalStatus::Approved,
            "",
            now,
        )
        .await?;
    }
    // The demo visitor has read Riverside's rules; a new visitor is asked first.
    crate::rules::accept_rules(db, visitor, riverside, 0, now).await?;
    let mut tx = db.begin_write().await?;
    let entry = JournalEntry::deposit(visitor, Cents(5000))?;
    post_entry(&mut tx, &EntryRows::new(entry, None, None, now)).await?;
    tx.commit().await?;
    Ok(Some(DemoInfo {
        facilities: vec![riverside, cedar],
        kiosk_keys,
        kiosk_codes,
    }))
}

const DEMO_NAMES: &[&str] = &[
    "Alex Rivera",
    "Jordan Smith",
    "Casey Johnson",
    "Morgan Lee",
    "Taylor Brown",
    "Jamie Garcia",
    "Riley Davis",
    "Avery Martinez",
    "Quinn Wilson",
    "Drew Anderson",
    "Reese Thomas",
    "Skyler Moore",
];

/// The latest instant the schema's `locked_until` holds that a `Timestamp` can read back:
/// how long a demo account stays locked on a server that runs without the demo.
const LOCKED_FOR_GOOD: i64 = 253_402_000_000;

/// Turns the demo's sign-ins off (`enabled = false`: both demo accounts locked and their
/// sessions ended, so a server restarted with `--no-demo` keeps no well-known login
/// open) or back on. Answers how many demo accounts changed.
pub async fn set_demo_sign_in(db: &Db, enabled: bool) -> Result<u64, StoreError> {
    let mut tx = db.begin_write().await?;
    let changed = if enabled {
        sqlx::query(
            "UPDATE accounts SET locked_until = NULL, failed_logins = 0 \
             WHERE email IN ($1, $2) AND locked_until = $3",
        )
        .bind(DEMO_VISITOR_EMAIL)
        .bind(DEMO_STAFF_EMAIL)
        .bind(LOCKED_FOR_GOOD)
        .execute(&mut *tx)
        .await?
        .rows_affected()
    } else {
        sqlx::query(
            "DELETE FROM sessions WHERE account_id IN \
             (SELECT id FROM accounts WHERE email IN ($1, $2))",
        )
        .bind(DEMO_VISITOR_EMAIL)
        .bind(DEMO_STAFF_EMAIL)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE accounts SET locked_until = $3 WHERE email IN ($1, $2) \
             AND (locked_until IS NULL OR locked_until <> $3)",
        )
        .bind(DEMO_VISITOR_EMAIL)
        .bind(DEMO_STAFF_EMAIL)
        .bind(LOCKED_FOR_GOOD)
        .execute(&mut *tx)
        .await?
        .rows_affected()
    };
    tx.commit().await?;
    Ok(changed)
}

/// Whether the database holds the demo (its visitor account exists).
pub async fn has_demo(db: &Db) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM accounts WHERE email = $1")
        .bind(DEMO_VISITOR_EMAIL)
        .fetch_one(&db.pool)
        .await?;
    Ok(sqlx::Row::try_get::<i64, _>(&row, "n")? > 0)
}
