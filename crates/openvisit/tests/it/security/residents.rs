//! Finding 4: a self-registered visitor listed a facility's whole roster with
//! `?q=%%`, booking numbers included.

use crate::harness::*;

async fn a_visitor_cannot_list_the_roster_and_sees_full_names_only_by_booking_number(
    backend: openvisit_store::Backend,
) {
    let app = TestApp::spawn(backend).await;
    let fx = fixture(app.db(), 1, 30, settings()).await;
    let (_v, email) = approved_visitor(app.db(), &fx, &[]).await;
    let c = app.client_for(&email, VISITOR_PASSWORD).await;
    let f = fx.facility.0;
    for wildcard in ["%25%25", "__", "%25_", "%5C%25%5C%25", "%20%20%20", "-.-"] {
        let (status, body) = c
            .get(&format!("/api/v1/facilities/{f}/residents?q={wildcard}"))
            .await;
        assert!(
            status == 422 || body.as_array().is_some_and(Vec::is_empty),
            "{backend:?} q={wildcard}: {status} {body}"
        );
    }
    // A name search: first name and last initial, no booking numbers, at most 20.
    let (status, body) = c
        .get(&format!("/api/v1/facilities/{f}/residents?q=resident"))
        .await;
    assert_eq!(status, 200, "{body}");
    let found = body.as_array().expect("list");
    assert_eq!(found.len(), 20, "{backend:?}: capped");
    for r in found {
        assert!(r["booking_number"].is_null(), "{r}");
        let name = r["name"].as_str().expect("name");
        assert!(name.ends_with('.'), "first name and initial only: {name}");
    }
    // The exact booking number: the full name, to be sure it is the right person.
    let (_, body) = c
        .get(&format!("/api/v1/facilities/{f}/residents?q=b00007"))
        .await;
    assert_eq!(body[0]["name"], "Resident 7", "{body}");
    assert_eq!(body[0]["booking_number"], "B00007", "{body}");
    app.stop().await;
}
per_backend!(
    a_visitor_cannot_list_the_roster_and_sees_full_names_only_by_booking_number,
    a_visitor_cannot_list_the_roster_and_sees_full_names_only_by_booking_number
);
