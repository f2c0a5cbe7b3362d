//! The lobby kiosk: an on-site visitor joins with the booking code.

use super::*;

async fn an_on_site_visitor_joins_at_the_lobby_kiosk_with_the_booking_code_for_free(
    backend: openvisit_store::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let db = app.db();
    let fx = fixture(db, 1, 1, settings()).await;
    let (visitor, email) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, visitor, 1_000).await;
    let client = app.client_for(&email, VISITOR_PASSWORD).await;
    let start = local_start(1, 12, 0);
    let (status, visit) = client
        .post(
            "/api/v1/visits",
            json!({ "resident_id": fx.residents[0].0, "kind": "on_site", "start": start, "length_minutes": 15 }),
        )
        .await;
    assert_eq!(status, 201, "{visit}");
    assert_eq!(visit["price"], 0, "on-site visits are free");
    let id = visit["id"].as_i64().expect("id");
    let code = visit["lobby_code"]
        .as_str()
        .expect("a lobby code")
        .to_owned();
    let lobby_key = issue_kiosk_key(db, KioskId(visit["lobby_kiosk"].as_i64().expect("lobby")))
        .await
        .expect("key");
    let housing_key = issue_kiosk_key(db, KioskId(visit["housing_kiosk"].as_i64().expect("kiosk")))
        .await
        .expect("key");
    set_resident_pin(db, fx.residents[0], "2468")
        .await
        .expect("pin");
    set_clock(&app, start);

    // The remote Join is not for on-site visits.
    let (status, _) = client
        .post(&format!("/api/v1/visits/{id}/live-ticket"), json!({}))
        .await;
    assert_eq!(status, 409);
    let lobby = |body: Value| {
        let (base, key) = (app.base.clone(), lobby_key.clone());
        async move {
            let r = reqwest::Client::new()
                .post(format!("{base}/api/v1/kiosk/live-ticket"))
                .bearer_auth(key)
                .json(&body)
                .send()
                .await
                .expect("lobby");
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, body) = lobby(json!({ "code": "ZZZZZZZZ" })).await;
    assert_eq!(status, 403, "{body}");
    // Typed in lower case with a dash, as people do.
    let typed = format!("{}-{}", &code[..4], &code[4..]).to_lowercase();
    let (status, t) = lobby(json!({ "code": typed })).await;
    assert_eq!(status, 201, "{t}");
    assert_eq!(t["role"], "visitor");
    let mut on_site = Participant::connect(&app, &t).await;
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/kiosk/live-ticket", app.base))
        .bearer_auth(&housing_key)
        .json(&json!({ "visit_id": id, "pin": "2468" }))
        .send()
        .await
        .expect("kiosk");
    assert_eq!(r.status().as_u16(), 201);
    let t: Value = r.json().await.expect("json");
    let mut resident = Participant::connect(&app, &t).await;
    for p in [&mut on_site, &mut resident] {
        p.start_media(false).await;
        p.send(json!({ "type": "ready" })).await;
    }
    on_site.expect("started").await;
    wait_for("media both ways", || {
        on_site.peer().received(1) > 3 && resident.peer().received(1) > 3
    })
    .await;
    app.stop().await;
}
per_backend!(
    an_on_site_visitor_joins_at_the_lobby_kiosk_with_the_booking_code_for_free,
    an_on_site_visitor_joins_at_the_lobby_kiosk_with_the_booking_code_for_free,
    multi_thread
);
