//! The authorization matrix: every API route (read from the OpenAPI document, so a new
//! route without an entry fails this test) and the staff and kiosk pages, against every
//! kind of caller. Allowed means anything but 401/403 (the request may still be invalid);
//! refused means 401 without a session and 403 with the wrong one. A facility's staff get
//! 404 for another facility's records.

use std::collections::BTreeMap;

use openvisit_core::KioskId;
use openvisit_store::accounts::{NewAccount, Role, create_account};
use serde_json::json;

use crate::harness::*;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Policy {
    Anyone,
    SignedIn,
    Visitor,
    Staff,
    Admin,
    Kiosk,
}

/// Every route of the API and who may call it. Adding a route means adding it here.
const ROUTES: &[(&str, &str, Policy)] = &[
    ("post", "/auth/register", Policy::Anyone),
    ("post", "/auth/verify", Policy::Anyone),
    ("post", "/auth/login", Policy::Anyone),
    ("get", "/me", Policy::SignedIn),
    ("get", "/facilities", Policy::Anyone),
    ("get", "/facilities/{id}", Policy::Anyone),
    ("get", "/facilities/{id}/residents", Policy::Visitor),
    ("post", "/facilities/{id}/rules/accept", Policy::Visitor),
    ("get", "/approvals", Policy::Visitor),
    ("post", "/approvals", Policy::Visitor),
    ("get", "/availability", Policy::Visitor),
    ("get", "/visits", Policy::Visitor),
    ("post", "/visits", Policy::Visitor),
    ("get", "/visits/{id}", Policy::Visitor),
    ("post", "/visits/{id}/reschedule", Policy::Visitor),
    ("post", "/visits/{id}/live-ticket", Policy::Visitor),
    ("get", "/balance", Policy::Visitor),
    ("get", "/ledger", Policy::Visitor),
    ("post", "/deposits", Policy::Visitor),
    ("post", "/kiosk/live-ticket", Policy::Kiosk),
    ("get", "/kiosk/next", Policy::Kiosk),
    ("get", "/staff/approvals", Policy::Staff),
    ("post", "/staff/approvals/{id}", Policy::Staff),
    ("get", "/staff/facility", Policy::Staff),
    ("put", "/staff/units/{id}", Policy::Admin),
    ("put", "/staff/kiosks/{id}", Policy::Admin),
    ("post", "/staff/kiosks/{id}/retire", Policy::Admin),
    ("post", "/staff/units/{id}/retire", Policy::Admin),
    ("put", "/staff/facility", Policy::Admin),
    ("get", "/staff/visits", Policy::Staff),
    ("post", "/staff/visits", Policy::Staff),
    ("get", "/staff/audit", Policy::Staff),
    ("get", "/staff/tickets", Policy::Staff),
    ("get", "/staff/tickets/{reference}", Policy::Staff),
    ("post", "/staff/tickets/{reference}/reply", Policy::Staff),
    ("post", "/staff/tickets/{reference}/close", Policy::Staff),
    ("post", "/staff/credits", Policy::Staff),
    ("get", "/staff/reports", Policy::Staff),
    ("get", "/staff/reports.csv", Policy::Staff),
    ("get", "/staff/undelivered-emails", Policy::Staff),
    ("get", "/staff/live", Policy::Staff),
    ("post", "/staff/visits/{id}/live-ticket", Policy::Staff),
    ("post", "/staff/visits/{id}/notices", Policy::Staff),
    ("post", "/staff/visits/{id}/no-show", Policy::Staff),
    ("get", "/staff/visits/{id}/recording", Policy::Staff),
    ("get", "/staff/visits/{id}/recording/{file}", Policy::Staff),
    ("get", "/staff/units", Policy::Staff),
    ("post", "/staff/units", Policy::Admin),
    ("post", "/staff/kiosks", Policy::Admin),
    ("put", "/staff/hours", Policy::Admin),
    ("put", "/staff/recording-days", Policy::Admin),
    ("get", "/staff/blackouts", Policy::Staff),
    ("post", "/staff/blackouts", Policy::Admin),
    ("post", "/staff/blackouts/{id}/lift", Policy::Admin),
    ("post", "/staff/roster", Policy::Admin),
    // These change what the rows above use, so they run last.
    ("post", "/staff/visits/{id}/end", Policy::Staff),
    ("post", "/staff/visits/{id}/cancel", Policy::Staff),
    ("post", "/visits/{id}/cancel", Policy::Visitor),
    ("post", "/auth/logout", Policy::Anyone),
];

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    Visitor,
    Officer,
    Admin,
    Support,
    /// The admin of another facility.
    OtherAdmin,
    Kiosk,
}

const CALLERS: [Caller; 7] = [
    Caller::Anonymous,
    Caller::Visitor,
    Caller::Officer,
    Caller::Admin,
    Caller::Support,
    Caller::OtherAdmin,
    Caller::Kiosk,
];

/// What a caller must get: Ok(()) allowed, Err(status) refused with that status.
fn expected(policy: Policy, caller: Caller, has_record_id: bool) -> Result<(), u16> {
    use Caller as C;
    let staff = matches!(caller, C::Officer | C::Admin | C::Support | C::OtherAdmin);
    match policy {
        Policy::Anyone => Ok(()),
        Policy::SignedIn => match caller {
            C::Anonymous | C::Kiosk => Err(401),
            _ => Ok(()),
        },
        Policy::Visitor => match caller {
            C::Anonymous | C::Kiosk => Err(401),
            C::Visitor => Ok(()),
            _ => Err(403),
        },
        Policy::Staff => match caller {
            C::Anonymous | C::Kiosk => Err(401),
            C::Visitor => Err(403),
            C::OtherAdmin if has_record_id => Err(404),
            _ if staff => Ok(()),
            _ => Err(403),
        },
        Policy::Admin => match caller {
            C::Anonymous | C::Kiosk => Err(401),
            C::Admin | C::OtherAdmin => Ok(()),
            _ => Err(403),
        },
        Policy::Kiosk => match caller {
            C::Kiosk => Ok(()),
            _ => Err(401),
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_and_staff_page_answers_each_caller_as_the_matrix_says() {
    // The matrix covers exactly the documented routes.
    let (_, doc) = openvisit_web::api_router().split_for_parts();
    let doc = serde_json::to_value(&doc).expect("doc");
    let mut documented = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("item").keys() {
            documented.push((
                method.clone(),
                path.trim_start_matches("/api/v1").to_owned(),
            ));
        }
    }
    for (method, path) in &documented {
        assert!(
            ROUTES.iter().any(|(m, p, _)| m == method && p == path),
            "{method} {path} has no entry in the authorization matrix"
        );
    }
    assert_eq!(
        documented.len(),
        ROUTES.len(),
        "the matrix lists a route that does not exist"
    );

    let app = TestApp::spawn(openvisit_store::Backend::Sqlite).await;
    let db = app.db();
    let fx = fixture(db, 1, 1, settings()).await;
    let other = fixture(db, 1, 1, settings()).await;
    let (visitor, email) = approved_visitor(db, &fx, &fx.residents).await;
    fund(db, visitor, 10_000).await;
    let mut clients: BTreeMap<&str, Client> = BTreeMap::new();
    clients.insert("visitor", app.client_for(&email, VISITOR_PASSWORD).await);
    let (status, visit) = clients["visitor"]
        .post(
            "/api/v1/visits",
            json!({ "resident_id": fx.residents[0].0, "kind": "remote", "start": local_start(2, 12, 0), "length_minutes": 15 }),
        )
        .await;
    assert_eq!(status, 201, "{visit}");
    let visit_id = visit["id"].as_i64().expect("id");
    let kiosk_key = openvisit_store::kiosks::issue_kiosk_key(
        db,
        KioskId(visit["housing_kiosk"].as_i64().expect("kiosk")),
    )
    .await
    .expect("key");
    for (name, role) in [("officer", Role::Officer), ("support", Role::Support)] {
        let email = format!("{name}-{}@staff.test", fx.facility.0);
        create_account(
            db,
            &NewAccount {
                email_verified: true,
                email: email.clone(),
                password: STAFF_PASSWORD.into(),
                display_name: name.into(),
                role,
                facility: Some(fx.facility),
                language: "en".into(),
                time_zone: "America/Chicago".into(),
            },
            jiff::Timestamp::now(),
        )
        .await
        .expect("staff");
        clients.insert(name, app.client_for(&email, STAFF_PASSWORD).await);
    }
    clients.insert(
        "admin",
        app.client_for(&fx.staff_email, STAFF_PASSWORD).await,
    );
    clients.insert(
        "other",
        app.client_for(&other.staff_email, STAFF_PASSWORD).await,
    );
    let reference = openvisit_store::support_tickets::open_ticket(
        db,
        &openvisit_store::support_tickets::NewSupportTicket {
            facility: Some(fx.facility),
            account: None,
            name: "Sam".into(),
            email: email.clone(),
            language: "en".into(),
            message: "Where is my refund?".into(),
        },
        jiff::Timestamp::now(),
    )
    .await
    .expect("ticket");
    let approval = {
        let (_, list) = clients["admin"].get("/api/v1/staff/approvals").await;
        list[0]["id"].as_i64().expect("an approval")
    };

    let http = reqwest::Client::new();
    let mut failures = Vec::new();
    for (method, path, policy) in ROUTES {
        // Routes naming one of facility A's records (in the path, or the credit's visitor).
        let has_record_id = (path.contains("{id}") || path.contains("{reference}"))
            && path.starts_with("/staff/")
            || *path == "/staff/credits";
        let id = if path.starts_with("/facilities/") {
            fx.facility.0
        } else if path.starts_with("/staff/approvals/") {
            approval
        } else {
            visit_id
        };
        let url = format!(
            "{}/api/v1{}",
            app.base,
            path.replace("{id}", &id.to_string())
                .replace("{file}", "visitor.webm")
                .replace("{reference}", &reference)
        );
        let url = if path.starts_with("/staff/reports") {
            format!("{url}?from=2030-01-01&to=2030-01-31")
        } else if *path == "/availability" {
            format!(
                "{url}?resident_id={}&kind=remote&length_minutes=15&from=2030-01-01&to=2030-01-02",
                fx.residents[0].0
            )
        } else {
            url
        };
        for caller in CALLERS {
            // Well-formed bodies where the route checks the record after the body, so a
            // refusal cannot hide behind a malformed request.
            let body = match *path {
                "/staff/approvals/{id}" => json!({ "status": "approved", "reason": "" }),
                "/staff/visits/{id}/notices" => json!({ "kind": "delay" }),
                "/staff/visits/{id}/end" | "/staff/visits/{id}/cancel" => {
                    json!({ "reason": "matrix" })
                }
                "/staff/tickets/{reference}/reply" => json!({ "body": "Here is the answer." }),
                "/staff/visits/{id}/no-show" => json!({ "reason": "at court" }),
                "/staff/recording-days" => json!({ "days": 30 }),
                "/staff/credits" => {
                    json!({ "visitor_id": visitor.0, "amount_cents": 100, "memo": "matrix" })
                }
                _ => json!({}),
            };
            let mut req = match *method {
                "get" => http.get(&url),
                "put" => http.put(&url).json(&body),
                _ => http.post(&url).json(&body),
            };
            let name = match caller {
                Caller::Anonymous => None,
                Caller::Visitor => Some("visitor"),
                Caller::Officer => Some("officer"),
                Caller::Admin => Some("admin"),
                Caller::Support => Some("support"),
                Caller::OtherAdmin => Some("other"),
                Caller::Kiosk => None,
            };
            if let Some(cookie) = name.and_then(|n| clients[n].cookie.clone()) {
                req = req.header("cookie", cookie);
            }
            if caller == Caller::Kiosk {
                req = req.bearer_auth(&kiosk_key);
            }
            // Logging out would end the callers' sessions for the rows after it.
            if *path == "/auth/logout" && name.is_some() {
                continue;
            }
            let status = req.send().await.expect("request").status().as_u16();
            let ok = match expected(*policy, caller, has_record_id) {
                Ok(()) => !matches!(status, 401 | 403) && status < 500,
                Err(want) => status == want,
            };
            if !ok {
                failures.push(format!(
                    "{method} {path} as {caller:?}: {status}, expected {:?}",
                    expected(*policy, caller, has_record_id)
                ));
            }
        }
    }

    // Staff pages: sign-in first, only staff, and kiosk pages only for kiosks.
    let pages: Vec<String> = openvisit_web::pages::STAFF_PAGES
        .iter()
        .map(|(path, _)| {
            path.replace("{id}", &visit_id.to_string())
                .replace("{reference}", &reference)
        })
        .collect();
    assert!(pages.len() >= 10, "the console's pages are listed");
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    for page in &pages {
        // Another facility's admin opens the facility-wide pages (showing their own
        // facility) but not this facility's visit, recording or ticket.
        let other_wants = if page.contains(&visit_id.to_string()) || page.contains(&reference) {
            404
        } else {
            200
        };
        for (who, want) in [
            (None, 303),
            (Some("visitor"), 403),
            (Some("officer"), 200),
            (Some("support"), 200),
            (Some("admin"), 200),
            (Some("other"), other_wants),
        ] {
            let mut r = no_redirect.get(format!("{}{page}", app.base));
            if let Some(c) = who.and_then(|n| clients[n].cookie.clone()) {
                r = r.header("cookie", c);
            }
            let status = r.send().await.expect("page").status().as_u16();
            if status != want {
                failures.push(format!("page {page} as {who:?}: {status}, expected {want}"));
            }
        }
    }
    let status = no_redirect
        .get(format!("{}/kiosk", app.base))
        .header(
            "cookie",
            clients["admin"].cookie.clone().unwrap_or_default(),
        )
        .send()
        .await
        .expect("kiosk page")
        .status()
        .as_u16();
    if status != 401 {
        failures.push(format!(
            "the kiosk page without a kiosk key: {status}, expected 401"
        ));
    }
    assert!(
        failures.is_empty(),
        "authorization matrix:\n{}",
        failures.join("\n")
    );
    app.stop().await;
}
