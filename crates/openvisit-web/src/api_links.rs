//! Links between operations in the OpenAPI document: what a client may do next with what
//! an answer names (book → the visit → cancel or move it; add a unit → rename or retire
//! it), so clients and stateful fuzzers can follow a resource's life without guessing.

use utoipa::openapi::path::Operation;
use utoipa::openapi::{OpenApi, RefOr, link::LinkBuilder};

/// One link: from an operation's answer to another operation.
struct Link {
    path: &'static str,
    method: &'static str,
    status: &'static str,
    name: &'static str,
    to_path: &'static str,
    to_method: &'static str,
    /// The new resource's id from the answer's body, as the target's `id`.
    with_id: bool,
}

const fn link(
    (path, method, status): (&'static str, &'static str, &'static str),
    name: &'static str,
    (to_path, to_method): (&'static str, &'static str),
    with_id: bool,
) -> Link {
    Link {
        path,
        method,
        status,
        name,
        to_path,
        to_method,
        with_id,
    }
}

const BOOKED: (&str, &str, &str) = ("/api/v1/visits", "post", "201");
const BOOKED_BY_STAFF: (&str, &str, &str) = ("/api/v1/staff/visits", "post", "201");
const UNIT_ADDED: (&str, &str, &str) = ("/api/v1/staff/units", "post", "201");
const KIOSK_ADDED: (&str, &str, &str) = ("/api/v1/staff/kiosks", "post", "201");

const LINKS: &[Link] = &[
    link(BOOKED, "GetVisit", ("/api/v1/visits/{id}", "get"), true),
    link(
        BOOKED,
        "CancelVisit",
        ("/api/v1/visits/{id}/cancel", "post"),
        true,
    ),
    link(
        BOOKED,
        "MoveVisit",
        ("/api/v1/visits/{id}/reschedule", "post"),
        true,
    ),
    link(
        BOOKED_BY_STAFF,
        "CancelVisit",
        ("/api/v1/staff/visits/{id}/cancel", "post"),
        true,
    ),
    link(
        ("/api/v1/deposits", "post", "201"),
        "GetBalance",
        ("/api/v1/balance", "get"),
        false,
    ),
    link(
        UNIT_ADDED,
        "RenameUnit",
        ("/api/v1/staff/units/{id}", "put"),
        true,
    ),
    link(
        UNIT_ADDED,
        "RetireUnit",
        ("/api/v1/staff/units/{id}/retire", "post"),
        true,
    ),
    link(
        KIOSK_ADDED,
        "RenameKiosk",
        ("/api/v1/staff/kiosks/{id}", "put"),
        true,
    ),
    link(
        KIOSK_ADDED,
        "RetireKiosk",
        ("/api/v1/staff/kiosks/{id}/retire", "post"),
        true,
    ),
];

fn operation<'a>(doc: &'a mut OpenApi, path: &str, method: &str) -> Option<&'a mut Operation> {
    let item = doc.paths.paths.get_mut(path)?;
    match method {
        "get" => item.get.as_mut(),
        "post" => item.post.as_mut(),
        "put" => item.put.as_mut(),
        _ => None,
    }
}

/// A JSON pointer to an operation of this document (`#/paths/~1api~1v1~1visits/post`).
fn operation_ref(path: &str, method: &str) -> String {
    format!(
        "#/paths/{}/{method}",
        path.replace('~', "~0").replace('/', "~1")
    )
}

/// Adds the links to `doc`. Returns the ones whose operation, answer or target the
/// document lacks (none, unless a route changed without its link).
pub fn add(doc: &mut OpenApi) -> Vec<&'static str> {
    let mut missing = Vec::new();
    for l in LINKS {
        if operation(doc, l.to_path, l.to_method).is_none() {
            missing.push(l.name);
            continue;
        }
        let mut built = LinkBuilder::new().operation_ref(operation_ref(l.to_path, l.to_method));
        if l.with_id {
            built = built.parameter("id", "$response.body#/id");
        }
        let answer = operation(doc, l.path, l.method)
            .and_then(|op| op.responses.responses.get_mut(l.status));
        match answer {
            Some(RefOr::T(response)) => {
                response
                    .links
                    .insert(l.name.to_owned(), RefOr::T(built.build()));
            }
            _ => missing.push(l.name),
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_link_joins_two_operations_of_the_document() {
        let (_, mut doc) = crate::api_router().split_for_parts();
        assert_eq!(add(&mut doc), Vec::<&str>::new());
        let json = serde_json::to_value(&doc).expect("json");
        let booked = &json["paths"]["/api/v1/visits"]["post"]["responses"]["201"]["links"];
        assert_eq!(
            booked["CancelVisit"]["operationRef"],
            "#/paths/~1api~1v1~1visits~1{id}~1cancel/post"
        );
        assert_eq!(
            booked["CancelVisit"]["parameters"]["id"],
            "$response.body#/id"
        );
    }
}
