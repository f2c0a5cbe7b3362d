//! Kiosk devices: keys, the next-visit notice, resident PINs, lobby codes and the demo.

use jiff::Timestamp;
use openvisit_core::facility::VisitKind;
use openvisit_core::interval::add_minutes;
use openvisit_core::refund::CancelledBy;
use openvisit_core::{FacilityId, KioskId};
use openvisit_store::StoreError;
use openvisit_store::booking::{BookingRequest, book_visit};
use openvisit_store::cancel::cancel_visit;
use openvisit_store::kiosks::{issue_kiosk_key, kiosk_by_key, next_visit_for_kiosk};
use openvisit_store::lobby::visit_by_lobby_code;
use openvisit_store::places::KioskKind;
use openvisit_store::resident_pins::{check_resident_pin, set_resident_pin};
use openvisit_store::visits::{Visit, get_visit};
use openvisit_store::{Backend, Db};
use sqlx::Row;

use crate::harness::*;

/// The first kiosk of a kind ('housing' or 'lobby') of a facility.
pub(super) async fn kiosk_of(db: &Db, facility: FacilityId, kind: &'static str) -> KioskId {
    let id: i64 =
        sqlx::query("SELECT id FROM kiosks WHERE facility_id = $1 AND kind = $2 ORDER BY id")
            .bind(facility.0)
            .bind(kind)
            .fetch_one(&db.pool)
            .await
            .expect("kiosk")
            .try_get("id")
            .expect("id");
    KioskId(id)
}

pub(super) async fn book(db: &Db, req: &BookingRequest) -> Visit {
    book_visit(db, req, None, Timestamp::now())
        .await
        .expect("book")
        .visit()
        .clone()
}

async fn a_kiosk_key_finds_its_kiosk_until_a_new_one_is_issued(backend: openvisit_store::Backend) {
    let t = TestDb::new(backend).await;
    let db = &t.db;
    let fx = fixture(db, 2, 1, settings()).await;
    let housing = kiosk_of(db, fx.facility, "housing").await;
    let lobby = kiosk_of(db, fx.facility, "lobby").await;

    let key = issue_kiosk_key(db, housing).await.expect("key");
    assert_eq!(key.len(), 64, "32 random bytes in hex");
    let found = kiosk_by_key(db, &key)
        .await
        .expect("lookup")
        .expect("the right key finds the kiosk");
    assert_eq!(found.id, housing);
    assert_eq!(found.facility, fx.facility);
    assert_eq!(found.kind, KioskKind::Housing);
    assert!(found.housing_unit.is_some());
    assert_eq!(found.name, "A kiosk 0");
    assert_eq!(found.facility_time_zone, "America/Chicago");
    let stored = sqlx::query("SELECT COUNT(*) AS n FROM kiosks WHERE device_key_hash = $1")
        .bind(&key)
        .fetch_one(&db.pool)
        .await
        .expect("count")
        .try_get::<i64, _>("n")
        .expect("n");
    assert_eq!(stored, 0, "only a hash of the key is stored");

    for wrong in ["", "nope", &key[..63], &key.to_uppercase()] {
        assert!(
            kiosk_by_key(db, wrong).await.expect("lookup").is_none(),
            "{wrong:?} finds nothing"
        );
    }
    let lobby_key = issue_kiosk_key(db, lobby).await.expect("key");
    let found = kiosk_by_key(db, &lobby_key)
        .await
        .expect("lookup")
        .expect("lobby kiosk");
    assert_eq!((found.id, found.kind), (lobby, KioskKind::Lobby));
    assert_eq!(found.housing_unit, None);

    let replaced = issue_kiosk_key(db, housing).await.expect("new key");
    assert_ne!(replaced, key);
    assert!(
        kiosk_by_key(db, &key).await.expect("lookup").is_none(),
        "the old key stops working"
    );
    assert_eq!(
        kiosk_by_key(db, &replaced)
            .await
            .expect("lookup")
            .map(|k| k.id),
        Some(housing)
    );
    assert!(
        kiosk_by_key(db, &lobby_key)
            .await
            .expect("lookup")
            .is_some(),
        "other kiosks keep theirs"
    );
    let missing = issue_kiosk_key(db, KioskId(999_999)).await;
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );
    t.cleanup().await;
}
per_backend!(
    a_kiosk_key_finds_its_kiosk_until_a_new_one_is_issued,
    a_kiosk_key_finds_its_kiosk_until_a_new_one_is_issued
);

async fn a_kiosk_shows_its_next_visit_with_first_name_and_initial_only(
    backend: openvisit_store::Backend,
) {
    let t = TestDb::new(backend).await;
    let db = &t.db;
    let fx = fixture(db, 1, 1, settings()).await;
    let resident = fx.residents[0];
    sqlx::query("UPDATE residents SET full_name = 'Maria Garcia' WHERE id = $1")
        .bind(resident.0)
        .execute(&db.pool)
        .await
        .expect("name");
    let (v, _) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, v, 5000).await;
    let housing = kiosk_of(db, fx.facility, "housing").await;
    let lobby = kiosk_of(db, fx.facility, "lobby").await;
    let req = |days, hour, kind| BookingRequest {
        visitor: v,
        resident,
        kind,
        start: local_start(days, hour, 0),
        length_minutes: 15,
    };
    let cancelled = book(db, &req(2, 9, VisitKind::Remote)).await;
    let first = book(db, &req(3, 9, VisitKind::Remote)).await;
    let on_site = book(db, &req(3, 11, VisitKind::OnSite)).await;
    let later = book(db, &req(4, 9, VisitKind::Remote)).await;
    cancel_visit(
        db,
        cancelled.id,
        CancelledBy::Visitor,
        Some(v),
        "",
        Timestamp::now(),
    )
    .await
    .expect("cancel");

    let now = Timestamp::now();
    let next = next_visit_for_kiosk(db, housing, now)
        .await
        .expect("next")
        .expect("a visit");
    assert_eq!(next.visit, first.id, "the cancelled visit is skipped");
    assert_eq!(next.resident, resident);
    assert_eq!(next.resident_name, "Maria G.");
    assert_eq!((next.start, next.end), (first.start, first.end));
    assert_eq!(next.kind, VisitKind::Remote);
    assert!(!next.privileged);
    let shown = serde_json::to_string(&next).expect("json");
    assert!(
        !shown.contains("Garcia"),
        "no last name on the kiosk: {shown}"
    );

    // Under way: still the one shown.
    let during = add_minutes(first.start, 10);
    let next = next_visit_for_kiosk(db, housing, during)
        .await
        .expect("next");
    assert_eq!(next.map(|n| n.visit), Some(first.id));
    // Over: the next one on this kiosk.
    let after = next_visit_for_kiosk(db, housing, first.end)
        .await
        .expect("next");
    assert_eq!(after.map(|n| n.visit), Some(on_site.id));
    let after = next_visit_for_kiosk(db, housing, on_site.end)
        .await
        .expect("next");
    assert_eq!(after.map(|n| n.visit), Some(later.id));
    let none = next_visit_for_kiosk(db, housing, later.end)
        .await
        .expect("next");
    assert!(none.is_none(), "{none:?}");

    // The lobby kiosk sees only the on-site visit.
    let at_lobby = next_visit_for_kiosk(db, lobby, now)
        .await
        .expect("next")
        .expect("on-site visit");
    assert_eq!(at_lobby.visit, on_site.id);
    assert_eq!(at_lobby.kind, VisitKind::OnSite);
    assert_eq!(at_lobby.resident_name, "Maria G.");
    let missing = next_visit_for_kiosk(db, KioskId(999_999), now).await;
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );
    t.cleanup().await;
}
per_backend!(
    a_kiosk_shows_its_next_visit_with_first_name_and_initial_only,
    a_kiosk_shows_its_next_visit_with_first_name_and_initial_only
);

async fn five_wrong_pins_lock_for_fifteen_minutes(backend: openvisit_store::Backend) {
    let t = TestDb::new(backend).await;
    let db = &t.db;
    let fx = fixture(db, 1, 2, settings()).await;
    let r = fx.residents[0];
    for bad in ["123", "123456789", "12a4", "", " 1234"] {
        let err = set_resident_pin(db, r, bad).await;
        assert!(
            matches!(&err, Err(StoreError::Invalid(m)) if m.id == "error-pin-digits"),
            "{bad:?}: {err:?}"
        );
    }
    let now = Timestamp::now();
    let no_pin = check_resident_pin(db, fx.residents[1], "1234", now).await;
    assert!(matches!(no_pin, Err(StoreError::Invalid(_))), "{no_pin:?}");
    set_resident_pin(db, r, "2468").await.expect("pin");
    let stored: String = sqlx::query("SELECT pin_hash FROM residents WHERE id = $1")
        .bind(r.0)
        .fetch_one(&db.pool)
        .await
        .expect("row")
        .try_get("pin_hash")
        .expect("hash");
    assert!(stored.starts_with("$argon2id$"), "{stored}");

    assert!(check_resident_pin(db, r, "2468", now).await.expect("check"));
    // Four wrong, then the right one: the count starts again.
    for _ in 0..4 {
        assert!(!check_resident_pin(db, r, "1111", now).await.expect("check"));
    }
    assert!(check_resident_pin(db, r, "2468", now).await.expect("check"));
    // Five wrong in a row lock it, even for the right PIN.
    for _ in 0..5 {
        assert!(!check_resident_pin(db, r, "1111", now).await.expect("check"));
    }
    for at in [now, add_minutes(now, 14)] {
        let locked = check_resident_pin(db, r, "2468", at).await;
        assert!(
            matches!(&locked, Err(StoreError::Conflict(m)) if m.id == "error-pin-locked"),
            "{locked:?}"
        );
    }
    let unlocked = add_minutes(now, 15);
    assert!(
        check_resident_pin(db, r, "2468", unlocked)
            .await
            .expect("check"),
        "unlocked after 15 minutes"
    );
    // After the lock, a fresh count of five.
    for _ in 0..4 {
        assert!(
            !check_resident_pin(db, r, "0000", unlocked)
                .await
                .expect("check")
        );
    }
    assert!(
        check_resident_pin(db, r, "2468", unlocked)
            .await
            .expect("check")
    );
    let missing = check_resident_pin(db, openvisit_core::ResidentId(999_999), "1234", now).await;
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );
    t.cleanup().await;
}
per_backend!(
    five_wrong_pins_lock_for_fifteen_minutes,
    five_wrong_pins_lock_for_fifteen_minutes
);

async fn a_lobby_code_finds_only_its_on_site_visit(backend: openvisit_store::Backend) {
    let t = TestDb::new(backend).await;
    let db = &t.db;
    let fx = fixture(db, 2, 2, settings()).await;
    let other = fixture(db, 1, 1, settings()).await;
    let (v, _) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, v, 5000).await;
    let on_site = book(
        db,
        &BookingRequest {
            visitor: v,
            resident: fx.residents[0],
            kind: VisitKind::OnSite,
            start: local_start(3, 10, 0),
            length_minutes: 30,
        },
    )
    .await;
    let remote = book(
        db,
        &BookingRequest {
            visitor: v,
            resident: fx.residents[1],
            kind: VisitKind::Remote,
            start: local_start(3, 12, 0),
            length_minutes: 15,
        },
    )
    .await;
    let code = on_site
        .lobby_code
        .clone()
        .expect("on-site visits get a code");
    assert_eq!(code.len(), 8);
    assert_eq!(remote.lobby_code, None, "remote visits have none");
    let mut conn = db.pool.acquire().await.expect("conn");
    let stored = get_visit(&mut conn, on_site.id).await.expect("visit");
    assert_eq!(stored.lobby_code.as_deref(), Some(code.as_str()));
    drop(conn);

    let now = Timestamp::now();
    let found = visit_by_lobby_code(db, fx.facility, &code.to_lowercase(), now)
        .await
        .expect("lookup")
        .expect("found case-insensitively");
    assert_eq!(found.id, on_site.id);
    let dashed = format!("{}-{}", &code[..4], &code[4..]);
    let found = visit_by_lobby_code(db, fx.facility, &dashed, now)
        .await
        .expect("lookup");
    assert_eq!(found.map(|f| f.id), Some(on_site.id));
    let wrong = if code.starts_with('Z') { "Y" } else { "Z" };
    for (facility, typed, at) in [
        (other.facility, code.clone(), now),
        (fx.facility, format!("{wrong}{}", &code[1..]), now),
        (fx.facility, code[..7].to_owned(), now),
        (fx.facility, code.clone(), on_site.end),
    ] {
        assert!(
            visit_by_lobby_code(db, facility, &typed, at)
                .await
                .expect("lookup")
                .is_none(),
            "{facility} {typed} {at}"
        );
    }
    cancel_visit(db, on_site.id, CancelledBy::Visitor, Some(v), "", now)
        .await
        .expect("cancel");
    assert!(
        visit_by_lobby_code(db, fx.facility, &code, now)
            .await
            .expect("lookup")
            .is_none(),
        "a cancelled visit is not found"
    );
    // Codes are unique per facility among visits (the index backs the check).
    sqlx::query("UPDATE visits SET lobby_code = $1 WHERE id = $2")
        .bind(&code)
        .bind(remote.id.0)
        .execute(&db.pool)
        .await
        .expect_err("a second visit cannot take the code");
    t.cleanup().await;
}
per_backend!(
    a_lobby_code_finds_only_its_on_site_visit,
    a_lobby_code_finds_only_its_on_site_visit
);

#[tokio::test]
async fn the_demo_gives_every_kiosk_a_fresh_key_and_every_resident_a_pin() {
    use openvisit_store::demo::{DEMO_RESIDENT_PIN, seed_demo_if_empty};
    let mut keys_seen = Vec::new();
    for backend in [backends(), vec![Backend::Sqlite]].concat() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        let info = seed_demo_if_empty(db, Timestamp::now())
            .await
            .expect("seed")
            .expect("demo");
        let kiosks = super::count(db, "SELECT COUNT(*) AS n FROM kiosks").await;
        assert_eq!(
            info.kiosk_keys.len() as i64,
            kiosks,
            "{:?}",
            info.kiosk_keys
        );
        assert_eq!(
            super::count(
                db,
                "SELECT COUNT(*) AS n FROM kiosks WHERE device_key_hash IS NULL"
            )
            .await,
            0
        );
        for (name, key) in &info.kiosk_keys {
            let k = kiosk_by_key(db, key).await.expect("lookup").expect("kiosk");
            assert_eq!(&k.name, name);
            keys_seen.push(key.clone());
        }
        assert!(info.kiosk_keys.contains_key("Lobby kiosk 1"));
        assert_eq!(
            super::count(
                db,
                "SELECT COUNT(*) AS n FROM residents WHERE pin_hash IS NULL"
            )
            .await,
            0
        );
        let resident: i64 = sqlx::query("SELECT id FROM residents ORDER BY id DESC")
            .fetch_one(&db.pool)
            .await
            .expect("resident")
            .try_get("id")
            .expect("id");
        let r = openvisit_core::ResidentId(resident);
        let now = Timestamp::now();
        assert!(
            check_resident_pin(db, r, DEMO_RESIDENT_PIN, now)
                .await
                .expect("pin")
        );
        assert!(!check_resident_pin(db, r, "9999", now).await.expect("pin"));
        t.cleanup().await;
    }
    let mut unique = keys_seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        keys_seen.len(),
        "every database gets its own keys"
    );
}
