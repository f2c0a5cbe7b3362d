//! Page forms as a person sends them: the page first (for its form-token cookie), then
//! the fields with that token, as that client (signed in or not).

use super::Client;

/// The form-token cookie pair (`ov_csrf=…`) a page response sets.
pub fn csrf_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("ov_csrf="))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned)
}

impl Client {
    /// GETs `path`, then POSTs `fields` to it with the page's form token, as a browser
    /// would. Returns the status and the page that came back.
    pub async fn submit_form(&self, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let url = format!("{}{}", self.base, path);
        let mut get = self.http.get(&url);
        if let Some(c) = &self.cookie {
            get = get.header("cookie", c);
        }
        let page = get.send().await.expect("get the form");
        let csrf = csrf_cookie(&page).expect("the page sets a form token");
        let token = csrf.trim_start_matches("ov_csrf=").to_owned();
        let cookie = match &self.cookie {
            Some(session) => format!("{session}; {csrf}"),
            None => csrf,
        };
        let mut all = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        let res = self
            .http
            .post(&url)
            .header("cookie", cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(crate::pages::form_body(&all))
            .send()
            .await
            .expect("post the form");
        let status = res.status().as_u16();
        (status, res.text().await.unwrap_or_default())
    }
}
