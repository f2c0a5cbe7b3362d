//! The facility's console in Chromium (`e2e/console.mjs`), each flow of the console
//! issue as a facility admin does it, then checked in the database: the fee refused
//! above the cap and saved under it, the roster's move (visit kept on the new unit's
//! kiosk) and release (visit cancelled and refunded), the approval, the cancelled visit's
//! refund, the blackout, and the answer emailed to the sender.

use jiff::Timestamp;
use openvisit_core::VisitId;
use openvisit_store::accounts::{NewAccount, Role, create_account};
use openvisit_store::approvals::{ApprovalStatus, request_approval};
use openvisit_store::visits::{VisitStatus, get_visit};
use serde_json::json;

use crate::browser::run_e2e;
use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_facility_admin_runs_visitation_from_the_console_in_chromium() {
    let chromium = chromium();
    let (app, smtp) = app_with_smtp().await;
    let db = app.db();
    let fx = fixture(db, 1, 3, settings()).await;
    let b_kiosk = unit_with_kiosk(db, fx.facility, "B Pod", 8 * 60, 20 * 60).await;
    let (visitor, email) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, visitor, 10_000).await;
    let client = app.client_for(&email, VISITOR_PASSWORD).await;
    let book = async |resident: usize, days: i64, hour: i8| {
        let v = client
            .book_remote(fx.residents[resident], local_start(days, hour, 0), 15)
            .await;
        VisitId(v["id"].as_i64().expect("id"))
    };
    // Resident 0 moves to B Pod (its kiosk is free then), resident 1 is released.
    let moved = book(0, 3, 10).await;
    let released = book(1, 3, 11).await;
    let cancelled = book(2, 4, 12).await;
    let blacked_out = book(2, 5, 10).await;
    let newcomer = create_account(
        db,
        &NewAccount {
            email_verified: true,
            email: "nora.newcomer@visitor.test".into(),
            password: VISITOR_PASSWORD.into(),
            display_name: "Nora Newcomer".into(),
            role: Role::Visitor,
            facility: None,
            language: "en".into(),
            time_zone: "America/Chicago".into(),
        },
        Timestamp::now(),
    )
    .await
    .expect("newcomer");
    let waiting = request_approval(db, newcomer, fx.residents[2], Timestamp::now())
        .await
        .expect("request");
    let reference = openvisit_store::support_tickets::open_ticket(
        db,
        &openvisit_store::support_tickets::NewSupportTicket {
            facility: Some(fx.facility),
            account: None,
            name: "Visitor".into(),
            email: email.clone(),
            language: "en".into(),
            message: "Will my visit on Thursday still happen?".into(),
        },
        Timestamp::now(),
    )
    .await
    .expect("ticket");
    let secret = openvisit_store::accounts::totp_secret_for_email(db, &fx.staff_email)
        .await
        .expect("secret")
        .expect("staff are enrolled");
    let tz = jiff::tz::TimeZone::get("America/Chicago").expect("zone");
    let local = |ts: Timestamp| tz.to_datetime(ts);
    let day5 = local(local_start(5, 10, 0)).date();
    let reply = "Yes, it goes ahead as booked.";
    let setup = json!({
        "base": app.base,
        "email": fx.staff_email,
        "password": STAFF_PASSWORD,
        "secret": secret,
        "offsetMs": (app.state.clock.now().as_millisecond() - Timestamp::now().as_millisecond()).to_string(),
        "rosterCsv": "booking_number,full_name,housing_unit\nB00000,Resident 0,B Pod\nB00002,Resident 2,A Pod\nN00001,New Person,A Pod\n",
        "cancelVisit": cancelled.0,
        "cancelDay": local(local_start(4, 12, 0)).date().to_string(),
        "newcomer": "Nora Newcomer",
        "blackoutStart": format!("{day5}T09:00"),
        "blackoutEnd": format!("{day5}T11:00"),
        "reference": reference,
        "reply": reply,
    })
    .to_string();
    if let Err(output) = run_e2e("console.mjs", vec![setup], chromium).await {
        panic!("the console run failed:\n{output}");
    }

    let mut conn = db.pool.acquire().await.expect("conn");
    let facility = openvisit_store::facilities::get_facility(&mut conn, fx.facility)
        .await
        .expect("facility");
    assert_eq!(
        facility.settings.fee_cents, 240,
        "the fee under the cap was saved; the one above it never was"
    );
    assert_eq!(
        facility.recording_days, 45,
        "the retention period was saved"
    );
    let v = get_visit(&mut conn, moved).await.expect("moved");
    assert_eq!(
        (v.status, v.housing_kiosk),
        (VisitStatus::Booked, b_kiosk),
        "the moved resident's visit stays, on the new unit's kiosk"
    );
    let v = get_visit(&mut conn, released).await.expect("released");
    assert_eq!(v.status, VisitStatus::Cancelled, "the released one's visit");
    assert_eq!(v.refund, v.price, "refunded in full");
    let v = get_visit(&mut conn, cancelled).await.expect("cancelled");
    assert_eq!(
        (v.status, v.cancelled_by.as_deref(), v.refund),
        (VisitStatus::Cancelled, Some("facility"), v.price),
        "cancelled by staff with a full refund"
    );
    assert_eq!(v.cancel_reason.as_deref(), Some("Unit lockdown"));
    let v = get_visit(&mut conn, blacked_out).await.expect("blackout");
    assert_eq!(
        (v.status, v.refund),
        (VisitStatus::Cancelled, v.price),
        "the blackout cancelled and refunded the visit inside it"
    );
    let blackouts =
        openvisit_store::blackouts::current_blackouts(&mut conn, fx.facility, Timestamp::now())
            .await
            .expect("blackouts");
    assert!(
        blackouts.is_empty(),
        "the blackout was lifted: {blackouts:?}"
    );
    let approvals = openvisit_store::approvals::approvals_of_facility(
        &mut conn,
        fx.facility,
        Some(ApprovalStatus::Approved),
    )
    .await
    .expect("approvals");
    assert!(
        approvals.iter().any(|a| a.id == waiting.id),
        "the newcomer is approved"
    );
    let check = openvisit_store::ledger::check_ledger(&mut conn)
        .await
        .expect("ledger");
    assert_eq!(check.total, 0);
    assert!(check.mismatched_balances.is_empty());
    let balance = openvisit_store::ledger::visitor_balance(&mut conn, visitor)
        .await
        .expect("balance");
    assert_eq!(
        balance.0,
        10_000 - 285,
        "only the kept visit is still paid for"
    );
    drop(conn);
    let answered = smtp
        .messages()
        .into_iter()
        .any(|m| m.contains(&format!("To: {email}")) && m.contains(reply));
    assert!(answered, "the answer reached the sender by email");
    app.stop().await;
}
