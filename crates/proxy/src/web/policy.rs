//! The Content-Security-Policy of the app's pages, made from the build
//! itself: trunk writes one inline module script into `index.html` (it
//! loads the wasm), so the policy allows exactly that script by its
//! SHA-256 and no other inline script; and `connect-src` names the API
//! base the build's `config.json` points at, and nothing else.
//!
//! The policy is cached and remade when `index.html` or `config.json`
//! changes, so rebuilding the app while the server runs needs no restart.

use std::{
    path::{Path, PathBuf},
    sync::{Mutex, PoisonError},
    time::SystemTime,
};

use axum::http::HeaderValue;
use base64::{Engine as _, engine::general_purpose::STANDARD};
use sha2::{Digest as _, Sha256};

/// The deployment settings file the app reads next to `index.html`.
const CONFIG_FILE: &str = "config.json";
const INDEX_FILE: &str = "index.html";

/// The two policies of a build: for pages, and for embed links (the viewer
/// alone), which other sites may frame.
#[derive(Debug, Clone)]
pub struct Policies {
    pub page: HeaderValue,
    pub embed: HeaderValue,
}

/// What the cached policies were made from.
type Fingerprint = [Option<(SystemTime, u64)>; 2];

/// Makes and caches the policies of the build in a dist dir.
#[derive(Debug)]
pub struct PolicyMaker {
    dist: PathBuf,
    model_origins: Vec<String>,
    cached: Mutex<Option<(Fingerprint, Policies)>>,
}

async fn fingerprint_of(path: &Path) -> Option<(SystemTime, u64)> {
    let metadata = tokio::fs::metadata(path).await.ok()?;
    Some((metadata.modified().ok()?, metadata.len()))
}

impl PolicyMaker {
    pub fn new(dist: &Path, model_origins: &[String]) -> Self {
        Self {
            dist: dist.to_owned(),
            model_origins: model_origins.to_vec(),
            cached: Mutex::new(None),
        }
    }

    /// The policies of the build as it is now.
    pub async fn policies(&self) -> Policies {
        let (index, config) = (self.dist.join(INDEX_FILE), self.dist.join(CONFIG_FILE));
        let fingerprint = [fingerprint_of(&index).await, fingerprint_of(&config).await];
        if let Some((seen, policies)) = &*self.lock()
            && *seen == fingerprint
        {
            return policies.clone();
        }
        let html = tokio::fs::read_to_string(&index).await.unwrap_or_default();
        let api_base = match tokio::fs::read(&config).await {
            Ok(json) => api_origin(&json),
            Err(_) => None,
        };
        let policies = make(&html, api_base.as_deref(), &self.model_origins);
        *self.lock() = Some((fingerprint, policies.clone()));
        policies
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Fingerprint, Policies)>> {
        self.cached.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The SHA-256 sources of the inline scripts in `html` (those without a
/// `src`), as CSP writes them.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut hashes = Vec::new();
    let mut at = 0;
    while let Some(start) = lower[at..].find("<script").map(|i| at + i) {
        let Some(tag_end) = lower[start..].find('>').map(|i| start + i + 1) else {
            break;
        };
        let Some(close) = lower[tag_end..].find("</script").map(|i| tag_end + i) else {
            break;
        };
        let tag = &lower[start..tag_end];
        if !tag.contains(" src=") && !tag.contains("\tsrc=") && !tag.contains("\nsrc=") {
            let digest = Sha256::digest(&html.as_bytes()[tag_end..close]);
            hashes.push(format!("'sha256-{}'", STANDARD.encode(digest)));
        }
        at = close;
    }
    hashes
}

/// The API base from `config.json` when it is on another origin, as a CSP
/// source; `None` when the API is on this origin (a relative base) or the
/// value could break out of the policy.
fn api_origin(json: &[u8]) -> Option<String> {
    let config: serde_json::Value = serde_json::from_slice(json).ok()?;
    let base = config.get("api_base")?.as_str()?.trim();
    let absolute = base.starts_with("https://") || base.starts_with("http://");
    let safe = base
        .chars()
        .all(|c| c.is_ascii_graphic() && !matches!(c, ';' | ',' | '\'' | '"'));
    if absolute && safe {
        Some(base.to_owned())
    } else {
        if absolute {
            tracing::warn!(
                "config.json's api_base has characters a policy cannot hold; using this origin only"
            );
        }
        None
    }
}

fn make(html: &str, api: Option<&str>, model_origins: &[String]) -> Policies {
    let scripts = inline_script_hashes(html).join(" ");
    let api = api.unwrap_or_default();
    let models = model_origins.join(" ");
    let base = format!(
        "default-src 'self'; \
         script-src 'self' 'wasm-unsafe-eval' {scripts}; \
         style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob: {api} {models}; \
         media-src 'self' blob: {api}; \
         connect-src 'self' blob: data: {api} {models}; \
         worker-src 'self' blob:; \
         font-src 'self'; \
         object-src 'none'; \
         base-uri 'none'; \
         form-action 'none'"
    );
    // A `?model=` page may show a poster (`&poster=`) from where its model
    // comes from, so img-src allows the model origins too.
    // `blob:` and `data:` in connect-src name no server: they let the page
    // read back what it made itself (a download it built, a thumbnail), and
    // cannot carry anything off the machine.
    let tidy = |policy: String| {
        let policy = policy.split_whitespace().collect::<Vec<_>>().join(" ");
        let policy = policy.replace(" ;", ";");
        // Every part was checked for header-safe characters.
        HeaderValue::from_str(&policy).unwrap_or(HeaderValue::from_static("default-src 'self'"))
    };
    Policies {
        page: tidy(format!("{base}; frame-ancestors 'none'")),
        // An embed link exists to be framed by other sites' pages.
        embed: tidy(format!("{base}; frame-ancestors *")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_inline_scripts_are_hashed_exactly_as_written() {
        let html = r#"<head><script type="module">import init from './a.js';
await init();</script><script src="x.js"></script><SCRIPT>b()</SCRIPT></head>"#;
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 2);
        let first = Sha256::digest(b"import init from './a.js';\nawait init();");
        assert_eq!(hashes[0], format!("'sha256-{}'", STANDARD.encode(first)));
    }

    #[test]
    fn connect_src_names_only_this_origin_the_api_and_model_origins() {
        let policies = make(
            "<script>x</script>",
            api_origin(br#"{"api_base":"https://api.example.com/api/"}"#).as_deref(),
            &["http://127.0.0.1:*".to_owned()],
        );
        let page = policies.page.to_str().unwrap();
        assert!(
            page.contains(
                "connect-src 'self' blob: data: https://api.example.com/api/ http://127.0.0.1:*;"
            ),
            "{page}"
        );
        assert!(page.contains("'wasm-unsafe-eval'") && page.contains("'sha256-"));
        assert!(!page.contains("'unsafe-eval'") && page.ends_with("frame-ancestors 'none'"));
        assert!(
            policies
                .embed
                .to_str()
                .unwrap()
                .ends_with("frame-ancestors *")
        );
        assert_eq!(api_origin(br#"{"api_base":"api/"}"#), None);
        assert_eq!(
            api_origin(br#"{"api_base":"https://x.test; script-src *"}"#),
            None
        );
    }
}
