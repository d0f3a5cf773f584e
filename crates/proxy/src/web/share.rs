//! `GET /share/{id}`: the link people paste into chats. The app is a
//! static page that cannot say what a link shows, so this page carries the
//! Open Graph and Twitter card tags (title, description, the poster) for
//! unfurlers, then sends the person on to the app's share URL with the
//! whole query (`?g=<id>&v=…&mode=…&cam=…`) by a meta refresh and a link:
//! the page has no script at all, which its policy enforces.

use std::sync::{Arc, LazyLock};

use axum::{
    Router,
    extract::{ConnectInfo, FromRef, Path, Request, State},
    http::{
        HeaderMap, HeaderValue, StatusCode,
        header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, HOST, X_FRAME_OPTIONS},
    },
    response::{IntoResponse, Response},
    routing::get,
};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use sha2::{Digest as _, Sha256};
use trellis_api::{BackendKind, Generation, JobStatus};

use super::WebApp;
use crate::{access::Access, error::AppError, id::GenerationId, jobs::Jobs};

/// The query parameter of the app's share links that names the generation.
const GENERATION_QUERY: &str = "g";
/// Unfurlers cache pages themselves; a minute keeps a fresh poster or a
/// removal from waiting long behind a shared cache.
const CACHE: HeaderValue = HeaderValue::from_static("public, max-age=60");
/// The poster's size, as `renditions::poster` renders it.
const POSTER_SIZE: (u32, u32) = (1200, 630);
/// The site name unfurlers show above the title.
const SITE_NAME: &str = "Trellis Studio";
/// The page's only style, allowed by its hash.
const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;margin:0;display:grid;place-items:center;min-height:100vh;background:#22252a;color:#e8eaed}a{color:#8ab4f8}main{max-width:32rem;padding:1rem;text-align:center}";

/// The policy of a share page: no script, no frames, nothing loaded; its
/// one style by hash. (The meta refresh is a navigation, which no policy
/// governs.)
static POLICY: LazyLock<HeaderValue> = LazyLock::new(|| {
    let hash = STANDARD.encode(Sha256::digest(STYLE));
    let policy = format!(
        "default-src 'none'; style-src 'sha256-{hash}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    );
    HeaderValue::from_str(&policy).unwrap_or(HeaderValue::from_static("default-src 'none'"))
});

/// Where share pages send people, and how they name themselves.
#[derive(Debug, Clone, Default)]
pub struct ShareLinks {
    /// The app's address when a static host serves it (`--app-url`).
    pub app_url: Option<String>,
    /// This server's public address (`--public-url`).
    pub public_url: Option<String>,
}

/// The share pages, under any state that holds the generations, the
/// access settings and the web app.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Jobs>: FromRef<S>,
    Arc<Access>: FromRef<S>,
    Arc<WebApp>: FromRef<S>,
{
    Router::new().route("/share/{id}", get(share))
}

async fn share(
    State(jobs): State<Arc<Jobs>>,
    State(access): State<Arc<Access>>,
    State(web): State<Arc<WebApp>>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let links = &web.share;
    let query = app_query(&id, request.uri().query());
    let app = match &links.app_url {
        Some(app) => format!("{app}?{query}"),
        // The app is this server's own `/`, one level up from here.
        None => format!("../?{query}"),
    };
    let generation = match GenerationId::parse(&id) {
        Ok(id) => jobs.get(&id).await.map_err(AppError::from),
        Err(_) => Err(AppError::NotFound),
    };
    let generation = match generation {
        Ok(generation) => generation,
        Err(err) => return missing(&err, &app),
    };
    let base = links.public_url.clone().or_else(|| {
        let peer = request
            .extensions()
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .map(|ConnectInfo(peer)| *peer);
        let trusted = peer.is_some_and(|peer| access.trusted.trusts_peer(peer));
        base_from_headers(
            request.headers(),
            request.uri().authority().map(|a| a.as_str()),
            trusted,
        )
    });
    let page = Page::of(&generation, base.as_deref(), &query, &app);
    respond(StatusCode::OK, page.html())
}

/// The app's share query: `g=<id>` first, then every other parameter of
/// the request as it came (already percent-encoded).
fn app_query(id: &str, query: Option<&str>) -> String {
    let mut pairs = vec![format!("{GENERATION_QUERY}={}", percent_encode(id))];
    pairs.extend(
        query
            .unwrap_or_default()
            .split('&')
            .filter(|pair| !pair.is_empty())
            .filter(|pair| pair.split('=').next() != Some(GENERATION_QUERY))
            .map(str::to_owned),
    );
    pairs.join("&")
}

/// Ids are hex, so this only matters for a mistyped link's id.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// `scheme://host/` as the client addressed this server: a trusted
/// proxy's `X-Forwarded-Proto` and `X-Forwarded-Host`, else `Host` over
/// plain HTTP (this server does not terminate TLS). `None` when the host
/// has characters no host name has.
fn base_from_headers(
    headers: &HeaderMap,
    authority: Option<&str>,
    trusted: bool,
) -> Option<String> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let forwarded = |name| trusted.then(|| header(name)).flatten();
    let host = forwarded("x-forwarded-host")
        .or_else(|| header(HOST.as_str()))
        .or(authority)?;
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    let scheme = match forwarded("x-forwarded-proto") {
        Some("https") => "https",
        _ => "http",
    };
    valid.then(|| format!("{scheme}://{host}/"))
}

/// What a share page says about a generation.
struct Page {
    title: String,
    description: String,
    /// The share page's own absolute URL, when this server knows its name.
    url: Option<String>,
    /// The preview image's absolute URL and size.
    image: Option<(String, (u32, u32))>,
    /// Where the person goes next.
    app: String,
}

impl Page {
    fn of(generation: &Generation, base: Option<&str>, query: &str, app: &str) -> Self {
        let id = &generation.id;
        let made_by = match generation.backend {
            BackendKind::Builtin => "by the CPU preview engine (no AI model)",
            BackendKind::Modal | BackendKind::Fastapi => "with TRELLIS.2",
        };
        let description = match (generation.status, generation.ready_model()) {
            (JobStatus::Succeeded, Some(model)) => format!(
                "A textured 3D model{} made from one photo {made_by}. Turn it around in your browser, view it in AR or download it.",
                model
                    .faces
                    .map(|faces| format!(" ({} triangles)", thousands(faces)))
                    .unwrap_or_default()
            ),
            (JobStatus::Queued | JobStatus::Running, _) => format!(
                "A 3D model being made from one photo {made_by}. Open the link to watch it take shape."
            ),
            _ => "This generation did not produce a 3D model.".to_owned(),
        };
        // The poster once it exists; until then the photo it is made from,
        // which is what the model will look like.
        let image = base.map(|base| match &generation.poster_url {
            Some(poster) => (format!("{base}api/{poster}"), POSTER_SIZE),
            None => (format!("{base}api/{}", generation.input_url), (0, 0)),
        });
        Self {
            title: format!("3D model · {SITE_NAME}"),
            description,
            url: base.map(|base| format!("{base}share/{id}?{query}")),
            image,
            app: app.to_owned(),
        }
    }

    fn html(&self) -> String {
        let mut head = vec![
            meta_property("og:type", "website"),
            meta_property("og:site_name", SITE_NAME),
            meta_property("og:title", &self.title),
            meta_property("og:description", &self.description),
            meta_name("description", &self.description),
            meta_name("twitter:title", &self.title),
            meta_name("twitter:description", &self.description),
        ];
        if let Some(url) = &self.url {
            head.push(meta_property("og:url", url));
            head.push(format!(r#"<link rel="canonical" href="{}">"#, escape(url)));
        }
        let card = match &self.image {
            Some((image, (width, height))) => {
                head.push(meta_property("og:image", image));
                head.push(meta_name("twitter:image", image));
                if *width > 0 {
                    head.push(meta_property("og:image:type", "image/png"));
                    head.push(meta_property("og:image:width", &width.to_string()));
                    head.push(meta_property("og:image:height", &height.to_string()));
                    "summary_large_image"
                } else {
                    "summary"
                }
            }
            None => "summary",
        };
        head.push(meta_name("twitter:card", card));
        head.push(format!(
            r#"<meta http-equiv="refresh" content="0; url={}">"#,
            escape(&self.app)
        ));
        document(
            &self.title,
            &head.join("\n"),
            &format!(
                r#"<p><a href="{}">Open the 3D model in {SITE_NAME}</a></p>"#,
                escape(&self.app)
            ),
        )
    }
}

/// The page for an id with no generation behind it: 404, or 410 once
/// removed, in words, with a way into the app.
fn missing(err: &AppError, app: &str) -> Response {
    let status = match err {
        AppError::NotFound | AppError::Expired | AppError::Deleted => err.status(),
        other => {
            tracing::error!(error = %other, "a share page could not be made");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    let home = app.split_once('?').map_or(app, |(home, _)| home);
    let body = format!(
        r#"<p>{}</p><p><a href="{}">Open {SITE_NAME}</a></p>"#,
        escape(&err.to_string()),
        escape(home)
    );
    respond(
        status,
        document(&format!("Model not available · {SITE_NAME}"), "", &body),
    )
}

fn respond(status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(CONTENT_SECURITY_POLICY, POLICY.clone());
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(CACHE_CONTROL, CACHE);
    response
}

fn document(title: &str, head: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n{head}\n<style>{STYLE}</style>\n</head>\n\
         <body><main>{body}</main></body>\n</html>\n",
        escape(title)
    )
}

fn meta_property(property: &str, content: &str) -> String {
    format!(
        r#"<meta property="{property}" content="{}">"#,
        escape(content)
    )
}

fn meta_name(name: &str, content: &str) -> String {
    format!(r#"<meta name="{name}" content="{}">"#, escape(content))
}

/// Text safe inside an HTML attribute or element.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// 1234567 → "1,234,567".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_query_names_the_generation_first_and_keeps_the_rest() {
        assert_eq!(
            app_query("ab12", Some("v=500000-2048&mode=clay&cam=1,2,3,0,0,0")),
            "g=ab12&v=500000-2048&mode=clay&cam=1,2,3,0,0,0"
        );
        assert_eq!(app_query("ab12", Some("g=other&embed=1")), "g=ab12&embed=1");
        assert_eq!(app_query("ab12", None), "g=ab12");
        assert_eq!(app_query("a b", Some("&&")), "g=a%20b");
    }

    #[test]
    fn escaping_leaves_no_way_out_of_an_attribute() {
        assert_eq!(
            escape(r#""><script>alert('x')</script>&"#),
            "&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"
        );
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(999), "999");
    }

    #[test]
    fn the_public_base_comes_from_trusted_headers_only() {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, "studio.test:8642".parse().unwrap());
        headers.insert("x-forwarded-host", "studio.example.com".parse().unwrap());
        headers.insert("x-forwarded-proto", "https".parse().unwrap());
        assert_eq!(
            base_from_headers(&headers, None, false).as_deref(),
            Some("http://studio.test:8642/")
        );
        assert_eq!(
            base_from_headers(&headers, None, true).as_deref(),
            Some("https://studio.example.com/")
        );
        headers.insert(HOST, "evil\"host".parse().unwrap());
        assert_eq!(base_from_headers(&headers, None, false), None);
    }
}
