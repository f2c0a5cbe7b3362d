//! An HTTP client for the API, with or without a session.

use super::*;

/// An HTTP client with an optional session.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub cookie: Option<String>,
}

impl Client {
    fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(c) = &self.cookie {
            r = r.header("cookie", c);
        }
        r
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        answer(self.req(reqwest::Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        answer(self.req(reqwest::Method::POST, path).json(&body)).await
    }

    pub async fn post_with_key(&self, path: &str, body: Value, key: &str) -> (u16, Value) {
        let req = self.req(reqwest::Method::POST, path);
        answer(req.header("idempotency-key", key).json(&body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        answer(self.req(reqwest::Method::PUT, path).json(&body)).await
    }

    /// Books a remote visit through the API as this client and fails the test unless it
    /// is booked (201); the visit as the API answers it.
    pub async fn book_remote(
        &self,
        resident: openvisit_core::ResidentId,
        start: jiff::Timestamp,
        length_minutes: u32,
    ) -> Value {
        let body = json!({
            "resident_id": resident.0,
            "kind": "remote",
            "start": start,
            "length_minutes": length_minutes,
        });
        let (status, visit) = self.post("/api/v1/visits", body).await;
        assert_eq!(status, 201, "booking refused: {visit}");
        visit
    }

    pub async fn raw_post(
        &self,
        path: &str,
        content_type: &str,
        body: &'static str,
    ) -> (u16, Value) {
        let req = self.req(reqwest::Method::POST, path);
        answer(req.header("content-type", content_type).body(body)).await
    }
}

/// Sends `req`: the status, and the body as JSON (`Null` when it is not JSON).
async fn answer(req: reqwest::RequestBuilder) -> (u16, Value) {
    let res = req.send().await.expect("send");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The text of the files in `dir` (those ending in `.ext`, if given), by name.
pub fn files_in_order(dir: &std::path::Path, ext: Option<&str>) -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| ext.is_none_or(|ext| p.extension().is_some_and(|x| x == ext)))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect()
}
