//! Setting a facility up, through the staff API and through the operator commands.

use serde_json::json;

use crate::harness::*;

async fn staff_client(app: &TestApp, fx: &Fixture) -> Client {
    use sqlx::Row;
    let email: String = sqlx::query("SELECT email FROM accounts WHERE id = $1")
        .bind(fx.staff.0)
        .fetch_one(&app.db().pool)
        .await
        .expect("row")
        .try_get("email")
        .expect("email");
    app.client_for(&email, "staff-password-1").await
}

async fn staff_add_a_unit_with_a_kiosk_and_hours_then_a_blackout_cancels_and_refunds(
    backend: openvisit_store::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let fx = fixture(app.db(), 1, 1, settings()).await;
    let staff = staff_client(&app, &fx).await;
    let (status, unit) = staff
        .post("/api/v1/staff/units", json!({ "name": "C Pod" }))
        .await;
    assert_eq!(status, 201, "{unit}");
    let unit_id = unit["id"].as_i64().expect("id");
    let (status, _) = staff
        .post("/api/v1/staff/units", json!({ "name": "C Pod" }))
        .await;
    assert_eq!(status, 409, "unit names are unique in a facility");
    let (status, _) = staff
        .post(
            "/api/v1/staff/kiosks",
            json!({ "name": "C kiosk 1", "housing_unit_id": unit_id }),
        )
        .await;
    assert_eq!(status, 201);
    let (status, body) = staff
        .put(
            "/api/v1/staff/hours",
            json!({ "housing_unit_id": unit_id, "hours": "mon-sun 09:00-10:00" }),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = staff
        .put(
            "/api/v1/staff/hours",
            json!({ "housing_unit_id": unit_id, "hours": "someday 9-10" }),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("invalid_hours")),
        "{body}"
    );
    let (_, layout) = staff.get("/api/v1/staff/units").await;
    let c_pod = layout
        .as_array()
        .expect("units")
        .iter()
        .find(|u| u["name"] == "C Pod")
        .expect("C Pod")
        .clone();
    assert_eq!(c_pod["kiosks"].as_array().map(Vec::len), Some(1));
    assert_eq!(c_pod["visiting_hours"].as_array().map(Vec::len), Some(7));

    // A resident of the new unit, found by a visitor, booked in the new hours.
    let mut tx = app.db().begin_write().await.expect("tx");
    let resident = openvisit_store::residents::create_resident(
        &mut tx,
        fx.facility,
        "C1",
        "Casey C",
        openvisit_core::HousingUnitId(unit_id),
    )
    .await
    .expect("resident");
    tx.commit().await.expect("commit");
    let (visitor, email) = approved_visitor(app.db(), &fx, &[resident]).await;
    fund(app.db(), visitor, 1000).await;
    let v = app.client_for(&email, VISITOR_PASSWORD).await;
    let day = jiff::tz::TimeZone::get("America/Chicago")
        .expect("tz")
        .to_datetime(local_start(3, 9, 0))
        .date();
    let (_, avail) = v
        .get(&format!(
            "/api/v1/availability?resident_id={}&kind=remote&length_minutes=30&from={day}&to={day}",
            resident.0
        ))
        .await;
    assert_eq!(
        avail["slots"].as_array().map(Vec::len),
        Some(3),
        "09:00, 09:15, 09:30 in a one-hour opening: {avail}"
    );
    let (status, visit) = v.post("/api/v1/visits", json!({ "resident_id": resident.0, "kind": "remote", "start": local_start(3, 9, 15), "length_minutes": 30 })).await;
    assert_eq!(status, 201, "{visit}");

    // A lockdown over the visit: first the preview, then the real thing.
    let lockdown = json!({ "start": local_start(3, 8, 0), "end": local_start(3, 12, 0), "reason": "Lockdown" });
    let (status, preview) = staff
        .post("/api/v1/staff/blackouts", lockdown.clone())
        .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["affected_visits"][0]["id"], visit["id"]);
    let (_, bal) = v.get("/api/v1/balance").await;
    assert_eq!(
        bal["balance_cents"],
        1000 - 570,
        "a preview changes nothing"
    );
    let mut confirmed = lockdown.clone();
    confirmed["confirm"] = json!(true);
    let (status, done) = staff.post("/api/v1/staff/blackouts", confirmed).await;
    assert_eq!(status, 201, "{done}");
    assert_eq!(done["cancelled_visits"], json!([visit["id"]]));
    let (_, bal) = v.get("/api/v1/balance").await;
    assert_eq!(bal["balance_cents"], 1000, "refunded in full");
    let (_, detail) = v.get(&format!("/api/v1/visits/{}", visit["id"])).await;
    assert_eq!(
        (
            detail["status"].as_str(),
            detail["cancelled_by"].as_str(),
            detail["cancel_reason"].as_str()
        ),
        (Some("cancelled"), Some("facility"), Some("Lockdown"))
    );
    let (_, avail) = v
        .get(&format!(
            "/api/v1/availability?resident_id={}&kind=remote&length_minutes=30&from={day}&to={day}",
            resident.0
        ))
        .await;
    assert_eq!(
        avail["slots"].as_array().map(Vec::len),
        Some(0),
        "nothing is offered during the lockdown"
    );
    // The lockdown is lifted before it begins: its times are offered again, and the
    // visit it cancelled stays cancelled (and refunded).
    let blackout = done["blackout"]["id"].as_i64().expect("blackout id");
    let lift = format!("/api/v1/staff/blackouts/{blackout}/lift");
    let (status, body) = v.post(&lift, json!({})).await;
    assert_eq!(status, 403, "visitors cannot lift it: {body}");
    let (status, body) = staff.post(&lift, json!({})).await;
    assert_eq!(status, 204, "{body}");
    let (_, avail) = v
        .get(&format!(
            "/api/v1/availability?resident_id={}&kind=remote&length_minutes=30&from={day}&to={day}",
            resident.0
        ))
        .await;
    assert_eq!(
        avail["slots"].as_array().map(Vec::len),
        Some(3),
        "the times are offered again: {avail}"
    );
    let (_, detail) = v.get(&format!("/api/v1/visits/{}", visit["id"])).await;
    assert_eq!(detail["status"], "cancelled");
    let (status, _) = staff.post(&lift, json!({})).await;
    assert_eq!(status, 404, "it is gone");
    let (_, current) = staff.get("/api/v1/staff/blackouts").await;
    assert_eq!(current, json!([]));
    // One under way ends now rather than vanishing.
    let now = app.state.clock.now();
    let (status, under_way) = staff
        .post(
            "/api/v1/staff/blackouts",
            json!({ "start": now - jiff::SignedDuration::from_hours(1), "end": now + jiff::SignedDuration::from_hours(2), "reason": "Count", "confirm": true }),
        )
        .await;
    assert_eq!(status, 201, "{under_way}");
    let id = under_way["blackout"]["id"].as_i64().expect("id");
    let (status, _) = staff
        .post(&format!("/api/v1/staff/blackouts/{id}/lift"), json!({}))
        .await;
    assert_eq!(status, 204);
    let (_, current) = staff.get("/api/v1/staff/blackouts").await;
    assert_eq!(current, json!([]), "it has ended");
    let (status, body) = staff
        .post(&format!("/api/v1/staff/blackouts/{id}/lift"), json!({}))
        .await;
    assert_eq!(
        status, 409,
        "an ended blackout cannot be lifted again: {body}"
    );
    // Visitors cannot set anything up.
    let (status, _) = v.post("/api/v1/staff/units", json!({ "name": "X" })).await;
    assert_eq!(status, 403);
    let (_, audit) = staff.get("/api/v1/staff/audit").await;
    let actions: Vec<&str> = audit
        .as_array()
        .expect("audit")
        .iter()
        .filter_map(|a| a["action"].as_str())
        .collect();
    for a in [
        "unit.add",
        "kiosk.add",
        "hours.set",
        "blackout.add",
        "blackout.lift",
        "visit.cancel",
    ] {
        assert!(actions.contains(&a), "{a} is audited: {actions:?}");
    }
    app.stop().await;
}
per_backend!(
    staff_add_a_unit_with_a_kiosk_and_hours_then_a_blackout_cancels_and_refunds,
    staff_add_a_unit_with_a_kiosk_and_hours_then_a_blackout_cancels_and_refunds
);

fn openvisit(data: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_openvisit"))
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .env_remove("OPENVISIT_DATABASE_URL")
        .env("RUST_LOG", "error")
        .output()
        .expect("run openvisit");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn an_operator_sets_up_a_facility_from_the_command_line() {
    let data = std::env::temp_dir().join(format!("ov_cli_{}", std::process::id()));
    let d = data.as_path();
    let ok = |args: &[&str]| {
        let (success, text) = openvisit(d, args);
        assert!(success, "{args:?}: {text}");
        text
    };
    ok(&[
        "create-facility",
        "--slug",
        "lake",
        "--name",
        "Lake County Jail",
        "--city",
        "Lake",
        "--state",
        "IL",
        "--time-zone",
        "America/Chicago",
        "--facility-type",
        "jail",
        "--population",
        "120",
    ]);
    ok(&["add-unit", "--facility", "lake", "--name", "North"]);
    ok(&[
        "add-kiosk",
        "--facility",
        "lake",
        "--unit",
        "North",
        "--name",
        "North 1",
    ]);
    ok(&["add-kiosk", "--facility", "lake", "--name", "Lobby 1"]);
    let text = ok(&[
        "set-hours",
        "--facility",
        "lake",
        "--unit",
        "North",
        "--hours",
        "mon-fri 08:00-11:30,13:00-20:00",
    ]);
    assert!(text.contains("10 opening(s)"), "{text}");
    let roster = d.join("roster.csv");
    std::fs::write(
        &roster,
        "booking_number,full_name,housing_unit\nL1,Lee One,North\nL2,\"Two, Lee\",North\n",
    )
    .expect("write");
    let roster_arg = roster.to_str().expect("path");
    let text = ok(&["import-roster", "--facility", "lake", "--file", roster_arg]);
    assert!(text.contains("2 added"), "{text}");
    let text = ok(&["import-roster", "--facility", "lake", "--file", roster_arg]);
    assert!(
        text.contains("0 added, 0 moved, 0 released, 2 unchanged"),
        "{text}"
    );
    // Kiosks get a one-time set-up code to type at /kiosk/setup (no key in a URL);
    // residents a kiosk PIN.
    let first = ok(&["kiosk-key", "--facility", "lake", "--name", "North 1"]);
    let second = ok(&["kiosk-key", "--facility", "lake", "--name", "North 1"]);
    assert!(first.contains("/kiosk/setup"), "{first}");
    assert!(!first.contains("key="), "{first}");
    assert_ne!(first, second, "a new code each time");
    let text = ok(&[
        "set-pin",
        "--facility",
        "lake",
        "--booking-number",
        "L1",
        "--pin",
        "4321",
    ]);
    assert!(text.contains("Lee One"), "{text}");
    let (success, text) = openvisit(
        d,
        &[
            "set-pin",
            "--facility",
            "lake",
            "--booking-number",
            "L1",
            "--pin",
            "12",
        ],
    );
    assert!(!success && text.contains("4 to 8 digits"), "{text}");
    let (success, text) = openvisit(d, &["kiosk-key", "--facility", "lake", "--name", "Nope"]);
    assert!(!success && text.contains("no kiosk called"), "{text}");
    // Mistakes get an answer a person can act on, and change nothing.
    let (success, text) = openvisit(
        d,
        &[
            "set-hours",
            "--facility",
            "lake",
            "--unit",
            "North",
            "--hours",
            "weekdays 8-5",
        ],
    );
    assert!(!success && text.contains("mon-fri"), "{text}");
    let (success, text) = openvisit(
        d,
        &[
            "add-kiosk",
            "--facility",
            "lake",
            "--unit",
            "South",
            "--name",
            "S1",
        ],
    );
    assert!(
        !success && text.contains("no housing unit named \"South\""),
        "{text}"
    );
    let (success, text) = openvisit(d, &["add-unit", "--facility", "nowhere", "--name", "X"]);
    assert!(
        !success && text.contains("no facility with the slug \"nowhere\""),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(d);
}

/// Issue 23: a kiosk taken out of service. Staff see which visits it still holds before
/// confirming; confirming cancels them with a full refund, and the kiosk offers no more
/// times. Units and kiosks can be renamed; a taken name is refused.
async fn a_kiosk_is_retired_after_its_visits_are_shown_and_units_and_kiosks_are_renamed(
    backend: openvisit_store::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let db = app.db();
    let fx = fixture(db, 2, 2, settings()).await;
    let staff = staff_client(&app, &fx).await;
    let (visitor, email) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, visitor, 10_000).await;
    let family = app.client_for(&email, VISITOR_PASSWORD).await;
    let mut visits = Vec::new();
    // Two families visit two residents at the same time: one on each kiosk.
    let (other, other_email) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, other, 10_000).await;
    let other_family = app.client_for(&other_email, VISITOR_PASSWORD).await;
    for (who, resident, hour) in [
        (&family, fx.residents[0], 10),
        (&other_family, fx.residents[1], 10),
    ] {
        let (status, v) = who
            .post(
                "/api/v1/visits",
                json!({ "resident_id": resident.0, "kind": "remote", "start": local_start(3, hour, 0), "length_minutes": 30 }),
            )
            .await;
        assert_eq!(status, 201, "{v}");
        visits.push(v);
    }
    let kiosk = visits[0]["housing_kiosk"].as_i64().expect("kiosk");
    let (_, balance) = family.get("/api/v1/balance").await;
    let paid = balance["balance_cents"].as_i64().expect("balance");

    // The preview changes nothing and names the visits the kiosk holds.
    let retire = format!("/api/v1/staff/kiosks/{kiosk}/retire");
    let (status, preview) = staff.post(&retire, json!({})).await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["retired"], false);
    let held: Vec<i64> = preview["affected_visits"]
        .as_array()
        .expect("visits")
        .iter()
        .filter_map(|v| v["id"].as_i64())
        .collect();
    let on_kiosk: Vec<i64> = visits
        .iter()
        .filter(|v| v["housing_kiosk"].as_i64() == Some(kiosk))
        .filter_map(|v| v["id"].as_i64())
        .collect();
    assert_eq!(held, on_kiosk);
    // The console shows the same before asking for a reason, in Spanish too.
    let (status, html) = crate::security::page_text(
        &app.base,
        &format!("/staff/settings?retire={kiosk}&lang=es"),
        staff.cookie.as_deref(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("1 visita reservada usa este quiosco"),
        "{html}"
    );
    assert!(
        html.contains("Retirarlo del servicio y cancelar 1 visita"),
        "{html}"
    );
    // A reason is required.
    let (status, refused) = staff.post(&retire, json!({ "confirm": true })).await;
    assert_eq!(status, 422, "{refused}");
    let (status, done) = staff
        .post(
            &retire,
            json!({ "confirm": true, "reason": "The screen is broken." }),
        )
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["retired"], true);
    for id in &held {
        let owner = if Some(*id) == visits[0]["id"].as_i64() {
            &family
        } else {
            &other_family
        };
        let (_, v) = owner.get(&format!("/api/v1/visits/{id}")).await;
        assert_eq!(v["status"], "cancelled", "{v}");
        assert_eq!(v["refund"], v["price"], "a full refund: {v}");
    }
    let (_, balance) = family.get("/api/v1/balance").await;
    let refunded: i64 = visits
        .iter()
        .take(1)
        .filter(|v| held.contains(&v["id"].as_i64().unwrap_or(0)))
        .filter_map(|v| v["price"].as_i64())
        .sum();
    assert_eq!(balance["balance_cents"].as_i64(), Some(paid + refunded));
    // Gone from the layout, not retired twice, and its times are not offered on it.
    let (_, units) = staff.get("/api/v1/staff/units").await;
    let listed: Vec<i64> = units
        .as_array()
        .expect("units")
        .iter()
        .flat_map(|u| u["kiosks"].as_array().cloned().unwrap_or_default())
        .filter_map(|k| k["id"].as_i64())
        .collect();
    assert!(!listed.contains(&kiosk), "{units}");
    let (status, _) = staff
        .post(&retire, json!({ "confirm": true, "reason": "again" }))
        .await;
    assert_eq!(status, 404);
    assert_eq!(held.len(), 1, "one visit on each kiosk: {preview}");
    // With one kiosk left and the other 10:00 visit on it, 10:00 is taken.
    let (status, again) = family
        .post(
            "/api/v1/visits",
            json!({ "resident_id": fx.residents[0].0, "kind": "remote", "start": local_start(3, 10, 0), "length_minutes": 30 }),
        )
        .await;
    assert_eq!(status, 409, "the only kiosk left is taken: {again}");
    let (status, v) = family
        .post(
            "/api/v1/visits",
            json!({ "resident_id": fx.residents[0].0, "kind": "remote", "start": local_start(3, 12, 0), "length_minutes": 30 }),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_ne!(
        v["housing_kiosk"].as_i64(),
        Some(kiosk),
        "never on the retired kiosk"
    );

    // Renaming: a unit, a kiosk, and a name already taken.
    let unit = units[0]["id"].as_i64().expect("unit");
    let (status, _) = staff
        .put(
            &format!("/api/v1/staff/units/{unit}"),
            json!({ "name": "North Pod" }),
        )
        .await;
    assert_eq!(status, 204);
    let (_, units) = staff.get("/api/v1/staff/units").await;
    assert_eq!(units[0]["name"], "North Pod", "{units}");
    let others: Vec<i64> = listed.into_iter().filter(|k| *k != kiosk).collect();
    let (status, _) = staff
        .put(
            &format!("/api/v1/staff/kiosks/{}", others[0]),
            json!({ "name": "Lobby 1" }),
        )
        .await;
    assert_eq!(status, 409, "a kiosk named Lobby 1 exists");
    let (status, _) = staff
        .put(
            &format!("/api/v1/staff/kiosks/{}", others[0]),
            json!({ "name": "North kiosk" }),
        )
        .await;
    assert_eq!(status, 204);
    let mut conn = db.pool.acquire().await.expect("conn");
    let actions: Vec<String> =
        openvisit_store::audit::audit_for_facility(&mut conn, fx.facility, 50)
            .await
            .expect("audit")
            .into_iter()
            .map(|l| l.action)
            .collect();
    drop(conn);
    for action in ["kiosk.retire", "unit.rename", "kiosk.rename"] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
    app.stop().await;
}
per_backend!(
    a_kiosk_is_retired_after_its_visits_are_shown,
    a_kiosk_is_retired_after_its_visits_are_shown_and_units_and_kiosks_are_renamed,
    multi_thread
);

/// Issue 23: staff book for a family on the phone, through the same rules, claims and
/// ledger as the website, with the facility's rules read to them, audited as theirs.
async fn staff_book_for_a_family_through_the_same_rules_and_ledger(
    backend: openvisit_store::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let db = app.db();
    let fx = fixture(db, 1, 1, settings()).await;
    let staff = staff_client(&app, &fx).await;
    let (_, facility) = staff.get("/api/v1/staff/facility").await;
    let mut s = facility["settings"].clone();
    s["visit_rules"] = json!("Dress modestly.");
    let (status, answer) = staff.put("/api/v1/staff/facility", s).await;
    assert_eq!(status, 200, "{answer}");
    let (visitor, email) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, visitor, 1_000).await;
    let family = app.client_for(&email, VISITOR_PASSWORD).await;
    let start = local_start(3, 10, 0);
    let form = json!({ "visitor_id": visitor.0, "resident_id": fx.residents[0].0, "kind": "remote", "start": start, "length_minutes": 30 });

    // The rules first: read to the family, or no booking.
    let (status, refused) = staff
        .post("/api/v1/staff/visits?lang=en", form.clone())
        .await;
    assert_eq!(status, 409, "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .is_some_and(|m| m.contains("read them to them")),
        "{refused}"
    );
    let mut read = form.clone();
    read["rules_read"] = json!(true);
    let (status, visit) = staff.post("/api/v1/staff/visits", read.clone()).await;
    assert_eq!(status, 201, "{visit}");
    // The family's visit, charged to their balance like one booked on the website.
    let id = visit["id"].as_i64().expect("id");
    let (status, mine) = family.get(&format!("/api/v1/visits/{id}")).await;
    assert_eq!(status, 200, "{mine}");
    let (_, balance) = family.get("/api/v1/balance").await;
    assert_eq!(
        balance["balance_cents"].as_i64(),
        Some(1_000 - visit["price"].as_i64().expect("price"))
    );
    // The same rules: the same time again is taken; more than the balance is refused.
    let (status, taken) = staff.post("/api/v1/staff/visits", read.clone()).await;
    assert_eq!(status, 409, "{taken}");
    let mut long = read.clone();
    long["start"] = json!(local_start(4, 10, 0));
    long["length_minutes"] = json!(45);
    let (status, broke) = staff.post("/api/v1/staff/visits", long).await;
    assert_eq!(status, 402, "{broke}");
    // Another facility's resident is not found; an unapproved visitor is refused.
    let other = fixture(db, 1, 1, settings()).await;
    let mut elsewhere = read.clone();
    elsewhere["resident_id"] = json!(other.residents[0].0);
    elsewhere["start"] = json!(local_start(5, 10, 0));
    let (status, _) = staff.post("/api/v1/staff/visits", elsewhere).await;
    assert_eq!(status, 404);
    let (stranger, _) = approved_visitor(db, &other, &other.residents).await;
    let mut unapproved = read.clone();
    unapproved["visitor_id"] = json!(stranger.0);
    unapproved["start"] = json!(local_start(5, 11, 0));
    let (status, _) = staff.post("/api/v1/staff/visits", unapproved).await;
    assert_eq!(status, 403);
    // The family accepted through staff: their own next booking needs nothing more.
    let (status, own) = family
        .post(
            "/api/v1/visits",
            json!({ "resident_id": fx.residents[0].0, "kind": "remote", "start": local_start(3, 14, 0), "length_minutes": 15 }),
        )
        .await;
    assert_eq!(status, 201, "{own}");
    let mut conn = db.pool.acquire().await.expect("conn");
    let lines = openvisit_store::audit::audit_for_facility(&mut conn, fx.facility, 50)
        .await
        .expect("audit");
    drop(conn);
    let by_staff = lines
        .iter()
        .find(|l| l.action == "visit.booked_by_staff")
        .expect("the booking is on the audit log");
    assert_eq!(by_staff.subject, format!("visit:{id}"));
    assert!(lines.iter().any(|l| l.action == "rules.read_by_staff"));

    // The console page: the approved family, then the same calendar and times, in Spanish.
    let (status, list) =
        crate::security::page_text(&app.base, "/staff/book?lang=es", staff.cookie.as_deref()).await;
    assert_eq!(status, 200);
    let approval = list
        .split("/staff/book?approval=")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("an approved family")
        .to_owned();
    assert!(list.contains("para visitar a"), "{list}");
    let path = format!("/staff/book?approval={approval}&lang=es");
    let (status, chosen) =
        crate::security::page_text(&app.base, &path, staff.cookie.as_deref()).await;
    assert_eq!(status, 200);
    assert!(chosen.contains("class=\"calendar\""), "{chosen}");
    assert!(chosen.contains("name=\"start\""), "{chosen}");
    // The family accepted the rules already: no rules to read.
    assert!(!chosen.contains("rules_read"), "{chosen}");
    // Short of funds, the page says so in the reader's language; with them, it books.
    let at = local_start(6, 9, 0);
    let fields = [
        ("approval", approval.as_str()),
        ("kind", "remote"),
        ("length", "15"),
        ("start", &at.as_second().to_string()),
    ];
    let (status, short) = staff.submit_form(&path, &fields).await;
    assert_eq!(status, 409, "{short}");
    assert!(short.contains("Primero debe agregar fondos."), "{short}");
    fund(db, visitor, 1_000).await;
    let (status, after) = staff
        .submit_form(
            &path,
            &[
                ("approval", approval.as_str()),
                ("kind", "remote"),
                ("length", "15"),
                ("start", &at.as_second().to_string()),
            ],
        )
        .await;
    assert_eq!(status, 200, "{after}");
    let (_, theirs) = family.get("/api/v1/visits").await;
    assert!(
        theirs
            .as_array()
            .expect("visits")
            .iter()
            .any(|v| v["start"] == json!(at)),
        "{theirs}"
    );
    app.stop().await;
}
per_backend!(
    staff_book_for_a_family,
    staff_book_for_a_family_through_the_same_rules_and_ledger,
    multi_thread
);
