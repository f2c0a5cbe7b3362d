//! Issue 23, staff changing how visits are held: a kiosk renamed or taken out of
//! service, a unit renamed, and staff booking for a family on the phone.

use serde_json::json;

use crate::harness::*;

async fn staff_client(app: &TestApp, fx: &Fixture) -> Client {
    app.client_for(&fx.staff_email, STAFF_PASSWORD).await
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
        let v = who.book_remote(resident, local_start(3, hour, 0), 30).await;
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
    let v = family
        .book_remote(fx.residents[0], local_start(3, 12, 0), 30)
        .await;
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
    family
        .book_remote(fx.residents[0], local_start(3, 14, 0), 15)
        .await;
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

/// Issue 23: a family walks in at the lobby; staff book the next free on-site time of
/// today from the console, the same slot the family's own calendar offers, through the
/// same rules and ledger. With nothing free for the rest of the day, the page says so.
async fn a_walk_in_at_the_lobby_takes_the_next_free_on_site_time_today(
    backend: openvisit_store::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let db = app.db();
    let fx = fixture(db, 1, 1, settings()).await;
    let (visitor, email) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, visitor, 5_000).await;
    // The lobby at 09:07, two days from now (facility time): the clock moves there.
    let arrival = local_start(2, 9, 7);
    app.state
        .clock
        .advance_seconds(arrival.as_second() - app.state.clock.now().as_second());
    let staff = staff_client(&app, &fx).await;
    let family = app.client_for(&email, VISITOR_PASSWORD).await;
    let day = jiff::tz::TimeZone::get("America/Chicago")
        .expect("zone")
        .to_datetime(arrival)
        .date();
    let (status, offered) = family
        .get(&format!(
            "/api/v1/availability?resident_id={}&kind=on_site&length_minutes=15&from={day}&to={day}",
            fx.residents[0].0
        ))
        .await;
    assert_eq!(status, 200, "{offered}");
    let first: jiff::Timestamp = offered["slots"][0]["start"]
        .as_str()
        .expect("a free on-site time today")
        .parse()
        .expect("time");
    assert!(first > arrival, "not in the past");

    let (_, list) =
        crate::security::page_text(&app.base, "/staff/book", staff.cookie.as_deref()).await;
    let approval = list
        .split("/staff/book?approval=")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("an approved family")
        .to_owned();
    let path = format!("/staff/book?approval={approval}&length=15");
    let (status, page) =
        crate::security::page_text(&app.base, &path, staff.cookie.as_deref()).await;
    assert_eq!(status, 200);
    assert!(page.contains("Walk-in at the lobby"), "{page}");
    let shown = jiff::tz::TimeZone::get("America/Chicago")
        .expect("zone")
        .to_datetime(first)
        .strftime("%H:%M")
        .to_string();
    assert!(
        page.contains(&format!("The next free on-site time today is {shown}")),
        "{shown}: {page}"
    );
    assert!(
        page.contains(&format!("name=\"start\" value=\"{}\"", first.as_second())),
        "the walk-in form books that time: {page}"
    );
    let (status, _) = staff
        .submit_form(
            &path,
            &[
                ("approval", approval.as_str()),
                ("kind", "on_site"),
                ("length", "15"),
                ("start", &first.as_second().to_string()),
            ],
        )
        .await;
    assert_eq!(status, 200);
    let (_, theirs) = family.get("/api/v1/visits").await;
    let visit = theirs
        .as_array()
        .expect("visits")
        .iter()
        .find(|v| v["start"] == json!(first))
        .cloned()
        .expect("the walk-in's visit is the family's");
    assert_eq!(visit["kind"], "on_site");
    assert!(visit["lobby_code"].is_string(), "{visit}");

    // Late in the day nothing is left: the page says so, in Spanish too.
    let late = local_start(2, 19, 59);
    app.state
        .clock
        .advance_seconds(late.as_second() - app.state.clock.now().as_second());
    let staff = staff_client(&app, &fx).await;
    let (_, none) = crate::security::page_text(
        &app.base,
        &format!("{path}&lang=es"),
        staff.cookie.as_deref(),
    )
    .await;
    assert!(
        none.contains("No queda ningún horario presencial libre hoy"),
        "{none}"
    );
    app.stop().await;
}
per_backend!(
    a_walk_in_at_the_lobby,
    a_walk_in_at_the_lobby_takes_the_next_free_on_site_time_today,
    multi_thread
);

/// Issue 23: a whole housing unit is taken out of service once nobody lives there: the
/// console and the API say who still does first; retiring it takes its kiosks with it,
/// and it no longer takes kiosks, names or roster lines.
async fn a_unit_is_retired_with_its_kiosks_once_nobody_lives_there(
    backend: openvisit_store::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let db = app.db();
    let fx = fixture(db, 1, 1, settings()).await;
    let staff = staff_client(&app, &fx).await;
    let empty_kiosk = unit_with_kiosk(db, fx.facility, "West", 8 * 60, 20 * 60).await;
    let (_, units) = staff.get("/api/v1/staff/units").await;
    let unit_named = |name: &str| {
        units
            .as_array()
            .expect("units")
            .iter()
            .find(|u| u["name"] == name)
            .and_then(|u| u["id"].as_i64())
            .expect("unit")
    };
    let west = unit_named("West");
    let lived_in = units
        .as_array()
        .expect("units")
        .iter()
        .find(|u| u["name"] != "West" && u["id"].is_i64())
        .and_then(|u| u["id"].as_i64())
        .expect("the fixture's unit");

    // The unit people live in: the preview says how many; confirming is refused, in the
    // reader's language.
    let (status, preview) = staff
        .post(&format!("/api/v1/staff/units/{lived_in}/retire"), json!({}))
        .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(
        (preview["retired"].as_bool(), preview["residents"].as_i64()),
        (Some(false), Some(1))
    );
    let (status, refused) = staff
        .post(
            &format!("/api/v1/staff/units/{lived_in}/retire?lang=es"),
            json!({ "reason": "Cierre", "confirm": true }),
        )
        .await;
    assert_eq!(status, 409, "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .is_some_and(|m| m.contains("todavía vive 1 persona")),
        "{refused}"
    );
    let (_, page) = crate::security::page_text(
        &app.base,
        &format!("/staff/settings?retire_unit={lived_in}"),
        staff.cookie.as_deref(),
    )
    .await;
    assert!(page.contains("1 person still lives in this unit"), "{page}");
    assert!(
        !page.contains("retire-unit-confirm"),
        "no way to confirm: {page}"
    );

    // The empty unit: nobody affected; retired with its kiosk, audited.
    let (_, page) = crate::security::page_text(
        &app.base,
        &format!("/staff/settings?retire_unit={west}&lang=es"),
        staff.cookie.as_deref(),
    )
    .await;
    assert!(page.contains("Nadie vive aquí"), "{page}");
    assert!(page.contains("retire-unit-confirm"), "{page}");
    let (status, none) = staff
        .post(
            &format!("/api/v1/staff/units/{west}/retire"),
            json!({ "confirm": true }),
        )
        .await;
    assert_eq!(status, 422, "a reason is needed: {none}");
    let (status, retired) = staff
        .post(
            &format!("/api/v1/staff/units/{west}/retire"),
            json!({ "reason": "Closed for renovation", "confirm": true }),
        )
        .await;
    assert_eq!(status, 200, "{retired}");
    assert_eq!(retired["retired"], true);
    let (_, units) = staff.get("/api/v1/staff/units").await;
    assert!(
        !units
            .as_array()
            .expect("units")
            .iter()
            .any(|u| u["name"] == "West"),
        "{units}"
    );
    let kiosks_left: Vec<i64> = units
        .as_array()
        .expect("units")
        .iter()
        .flat_map(|u| u["kiosks"].as_array().cloned().unwrap_or_default())
        .filter_map(|k| k["id"].as_i64())
        .collect();
    assert!(
        !kiosks_left.contains(&empty_kiosk.0),
        "its kiosk went with it: {units}"
    );
    // It takes no new kiosk, no new name, and no second retirement.
    let (status, _) = staff
        .post(
            "/api/v1/staff/kiosks",
            json!({ "housing_unit_id": west, "name": "West 2" }),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = staff
        .put(
            &format!("/api/v1/staff/units/{west}"),
            json!({ "name": "East" }),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = staff
        .post(&format!("/api/v1/staff/units/{west}/retire"), json!({}))
        .await;
    assert_eq!(status, 404);
    let mut conn = db.pool.acquire().await.expect("conn");
    let lines = openvisit_store::audit::audit_for_facility(&mut conn, fx.facility, 50)
        .await
        .expect("audit");
    drop(conn);
    assert!(
        lines
            .iter()
            .any(|l| l.action == "unit.retire" && l.subject == format!("unit:{west}")),
        "audited"
    );
    app.stop().await;
}
per_backend!(
    a_unit_is_retired,
    a_unit_is_retired_with_its_kiosks_once_nobody_lives_there,
    multi_thread
);
