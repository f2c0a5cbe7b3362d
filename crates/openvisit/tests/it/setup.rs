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
    let visit = v.book_remote(resident, local_start(3, 9, 15), 30).await;

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
