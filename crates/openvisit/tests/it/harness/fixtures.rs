//! A facility to test against: its unit, kiosks, staff, residents and visitors, with
//! money, written straight through the store.

use super::*;

/// One facility with one housing unit open every day 08:00–20:00 facility time.
pub struct Fixture {
    pub facility: FacilityId,
    pub residents: Vec<ResidentId>,
    pub staff: AccountId,
    pub staff_email: String,
}

pub const STAFF_PASSWORD: &str = "staff-password-1";

/// The demo's settings, without a weekly limit or a gap between a kiosk's visits, so
/// tests book freely.
pub fn settings() -> FacilitySettings {
    FacilitySettings {
        weekly_limit: 0,
        kiosk_gap_minutes: 0,
        ..openvisit_store::demo::default_settings()
    }
}

pub async fn fixture(
    db: &Db,
    kiosks: usize,
    residents: usize,
    settings: FacilitySettings,
) -> Fixture {
    let slug = unique_name();
    let facility = create_facility(
        db,
        &NewFacility {
            slug,
            name: "Test County Jail".into(),
            city: "Springfield".into(),
            state: "IL".into(),
            address: "1 Jail Road".into(),
            phone: "(555) 000-0000".into(),
            email: "visits@test.example".into(),
            time_zone: "America/Chicago".into(),
            facility_type: openvisit_core::facility::FacilityType::Jail,
            population: 400,
            settings,
        },
    )
    .await
    .expect("facility");
    let mut tx = db.begin_write().await.expect("tx");
    let unit = create_unit(&mut tx, facility, "A Pod").await.expect("unit");
    for k in 0..kiosks {
        create_kiosk(&mut tx, facility, Some(unit), &format!("A kiosk {k}"))
            .await
            .expect("kiosk");
    }
    create_kiosk(&mut tx, facility, None, "Lobby 1")
        .await
        .expect("lobby");
    for weekday in 1..=7 {
        add_hours(&mut tx, facility, Some(unit), weekday, 8 * 60, 20 * 60)
            .await
            .expect("hours");
        add_hours(&mut tx, facility, None, weekday, 8 * 60, 20 * 60)
            .await
            .expect("hours");
    }
    let mut ids = Vec::new();
    for r in 0..residents {
        ids.push(
            create_resident(
                &mut tx,
                facility,
                &format!("B{r:05}"),
                &format!("Resident {r}"),
                unit,
            )
            .await
            .expect("resident"),
        );
    }
    tx.commit().await.expect("commit");
    let (staff, staff_email) = verified_account(
        db,
        "staff",
        STAFF_PASSWORD,
        ("Officer", "America/Chicago"),
        Role::FacilityAdmin,
        Some(facility),
    )
    .await;
    Fixture {
        facility,
        residents: ids,
        staff,
        staff_email,
    }
}

/// An English-speaking account with a verified, unique address at `<kind>.test`;
/// `who` is its display name and time zone. Returns it and its address.
async fn verified_account(
    db: &Db,
    kind: &str,
    password: &str,
    who: (&str, &str),
    role: Role,
    facility: Option<FacilityId>,
) -> (AccountId, String) {
    let email = format!("{}@{kind}.test", unique_name());
    let account = create_account(
        db,
        &NewAccount {
            email_verified: true,
            email: email.clone(),
            password: password.into(),
            display_name: who.0.into(),
            role,
            facility,
            language: "en".into(),
            time_zone: who.1.into(),
        },
        Timestamp::now(),
    )
    .await
    .expect(kind);
    (account, email)
}

/// Creates a visitor approved for `residents`.
pub async fn approved_visitor(
    db: &Db,
    fx: &Fixture,
    residents: &[ResidentId],
) -> (AccountId, String) {
    let (visitor, email) = verified_account(
        db,
        "visitor",
        VISITOR_PASSWORD,
        ("Visitor", "America/New_York"),
        Role::Visitor,
        None,
    )
    .await;
    for r in residents {
        let a = request_approval(db, visitor, *r, Timestamp::now())
            .await
            .expect("request");
        decide_approval(
            db,
            fx.staff,
            fx.facility,
            a.id,
            ApprovalStatus::Approved,
            "",
            Timestamp::now(),
        )
        .await
        .expect("approve");
    }
    (visitor, email)
}

pub const VISITOR_PASSWORD: &str = "visitor-password-1";

/// Deposits money for a visitor straight through the store.
pub async fn fund(db: &Db, visitor: AccountId, cents: i64) {
    openvisit_store::payments::deposit(
        db,
        &TestProvider::default(),
        visitor,
        openvisit_core::Cents(cents),
        "ok",
        None,
        Timestamp::now(),
    )
    .await
    .expect("deposit");
}

/// A start on the facility's grid, `days` from now at `hour`:`minute` Chicago time.
pub fn local_start(days: i64, hour: i8, minute: i8) -> Timestamp {
    let tz = jiff::tz::TimeZone::get("America/Chicago").expect("zone");
    let today = tz.to_datetime(Timestamp::now()).date();
    let day = today
        .checked_add(jiff::Span::new().days(days))
        .expect("date");
    tz.to_ambiguous_timestamp(day.at(hour, minute, 0, 0))
        .compatible()
        .expect("instant")
}

/// Adds a housing unit with one kiosk, open every day from `open` to `close` (minutes
/// after local midnight); returns the kiosk.
pub async fn unit_with_kiosk(
    db: &Db,
    facility: FacilityId,
    name: &str,
    open: u32,
    close: u32,
) -> openvisit_core::KioskId {
    let mut tx = db.begin_write().await.expect("tx");
    let unit = create_unit(&mut tx, facility, name).await.expect("unit");
    let kiosk = create_kiosk(&mut tx, facility, Some(unit), &format!("{name} kiosk"))
        .await
        .expect("kiosk");
    for weekday in 1..=7 {
        add_hours(&mut tx, facility, Some(unit), weekday, open, close)
            .await
            .expect("hours");
    }
    tx.commit().await.expect("commit");
    kiosk
}
