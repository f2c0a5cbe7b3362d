//! Issue 23, "Spanish everywhere": a refusal from the core, the store or the web layer
//! is worded in the reader's language when it is answered, on the API and the pages.

use serde_json::json;

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_worded_in_the_readers_language() {
    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let db = app.db();
    let fx = fixture(db, 1, 1, settings()).await;
    let (visitor, email) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, visitor, 10_000).await;
    let client = app.client_for(&email, VISITOR_PASSWORD).await;
    let night = local_start(3, 3, 0);
    for (lang, rule, deposit, missing) in [
        (
            "en",
            "the visit is outside visiting hours",
            "add between $1.00 and $500.00 at a time",
            "this visit was not found",
        ),
        (
            "es",
            "la visita queda fuera del horario de visitas",
            "agrega entre $1.00 y $500.00 cada vez",
            "no se encontró esta visita",
        ),
    ] {
        // A rule of the core: no visits at 03:00.
        let (status, body) = client
            .post(
                &format!("/api/v1/visits?lang={lang}"),
                json!({ "resident_id": fx.residents[0].0, "kind": "remote", "start": night, "length_minutes": 15 }),
            )
            .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["error"], "not_bookable");
        assert_eq!(body["message"], rule);
        // A refusal of the store, with its values.
        let (status, body) = client
            .post(
                &format!("/api/v1/deposits?lang={lang}"),
                json!({ "amount_cents": 50, "payment_token": "ok" }),
            )
            .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["message"], deposit);
        // Something that is not there.
        let (status, body) = client
            .get(&format!("/api/v1/visits/987654?lang={lang}"))
            .await;
        assert_eq!(status, 404, "{body}");
        assert_eq!(body["message"], missing);
    }
    // A declined card on the funds page, in Spanish: no English, no provider's words.
    let (status, page) = client
        .submit_form(
            "/funds?lang=es",
            &[
                ("amount_cents", "2000"),
                ("card", "decline"),
                ("key", "declined-once"),
            ],
        )
        .await;
    assert_eq!(status, 422, "{page}");
    assert!(
        page.contains("el pago fue rechazado y no se cobró nada"),
        "{page}"
    );
    assert!(!page.contains("declined"), "{page}");
    app.stop().await;
}
