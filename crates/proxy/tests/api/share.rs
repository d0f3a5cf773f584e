//! `GET /share/{id}`: a page with link-preview tags that sends people on
//! to the app with the whole share query, and plain pages for links to
//! nothing.

use axum::{
    body::Body,
    http::{Request, StatusCode, header::HOST},
};
use trellis_api::{ConversionFormat, Generation, Health};

use crate::{
    common::{Reply, TestServer},
    fake::FakeEngine,
    images::subject_png,
    models::ball_glb,
};

/// The view state a copied share link carries.
const VIEW: &str = "v=1000-2048&mode=clay&cam=1.5,0.5,2,0,0.1,0";

async fn finished(flags: &[&str]) -> (TestServer, String) {
    let server = TestServer::with_backend_and(FakeEngine::writing(ball_glb()), flags).await;
    let id = server.submit(&subject_png(), &[]).await;
    server.wait_until(&id, Generation::is_settled).await;
    (server, id)
}

async fn page(server: &TestServer, path: &str) -> Reply {
    let request = Request::get(path)
        .header(HOST, "studio.test:8642")
        .body(Body::empty())
        .unwrap();
    server.send(request).await
}

/// The `content` of the `<meta>` whose `property` or `name` is `key`.
fn meta<'a>(html: &'a str, key: &str) -> Option<&'a str> {
    ["property", "name"].into_iter().find_map(|attribute| {
        let start = format!(r#"<meta {attribute}="{key}" content=""#);
        let at = html.find(&start)? + start.len();
        html[at..].split('"').next()
    })
}

/// Then: a page (not JSON) under a policy that allows no script.
fn assert_scriptless_page(reply: &Reply) {
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let policy = reply.header("content-security-policy").unwrap();
    assert!(policy.starts_with("default-src 'none';"), "{policy}");
    assert!(!policy.contains("script-src"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert_eq!(reply.header("x-frame-options"), Some("DENY"));
    assert!(!reply.text().to_lowercase().contains("<script"));
}

#[tokio::test]
async fn a_share_page_unfurls_with_the_poster_and_sends_people_on_with_the_whole_query() {
    let (server, id) = finished(&[]).await;

    let reply = page(&server, &format!("/share/{id}?{VIEW}")).await;

    reply.assert_status(StatusCode::OK);
    assert_scriptless_page(&reply);
    let html = reply.text();
    let origin = "http://studio.test:8642";
    let poster = format!("{origin}/api/generations/{id}/poster.png");
    assert_eq!(meta(&html, "og:image"), Some(poster.as_str()));
    assert_eq!(meta(&html, "twitter:image"), Some(poster.as_str()));
    assert_eq!(meta(&html, "og:image:width"), Some("1200"));
    assert_eq!(meta(&html, "og:image:height"), Some("630"));
    assert_eq!(meta(&html, "twitter:card"), Some("summary_large_image"));
    assert_eq!(meta(&html, "og:title"), Some("3D model · Trellis Studio"));
    // The fake engine reports the preset's faces as the model's.
    let description = meta(&html, "og:description").unwrap();
    assert!(description.contains("(500,000 triangles)"), "{description}");
    let query = format!("g={id}&amp;{}", VIEW.replace('&', "&amp;"));
    let own = format!("{origin}/share/{id}?{query}");
    assert_eq!(meta(&html, "og:url"), Some(own.as_str()));
    // The app is this server's own `/`; the link works without the refresh.
    let refresh = format!(r#"<meta http-equiv="refresh" content="0; url=../?{query}">"#);
    assert!(html.contains(&refresh), "{html}");
    assert!(
        html.contains(&format!(r#"<a href="../?{query}">"#)),
        "{html}"
    );

    // The poster it names is there
    let image = server
        .get(&format!("/api/generations/{id}/poster.png"))
        .await;
    image.assert_status(StatusCode::OK);
    assert_eq!(image.header("content-type"), Some("image/png"));
}

#[tokio::test]
async fn with_an_app_url_and_a_public_url_share_pages_point_there() {
    let (server, id) = finished(&[
        "--app-url",
        "https://static.example.com/studio",
        "--public-url",
        "https://studio-api.example.com",
    ])
    .await;

    let reply = page(&server, &format!("/share/{id}?g=someone-else&{VIEW}")).await;

    reply.assert_status(StatusCode::OK);
    let html = reply.text();
    let query = format!("g={id}&amp;{}", VIEW.replace('&', "&amp;"));
    let app = format!("https://static.example.com/studio/?{query}");
    assert!(
        html.contains(&format!(r#"content="0; url={app}">"#)),
        "{html}"
    );
    let poster = format!("https://studio-api.example.com/api/generations/{id}/poster.png");
    assert_eq!(meta(&html, "og:image"), Some(poster.as_str()));
}

#[tokio::test]
async fn links_to_nothing_get_plain_pages_with_the_right_status() {
    let (server, id) = finished(&[]).await;
    let unknown = page(&server, "/share/0123456789abcdef0123456789abcdef?v=x").await;
    unknown.assert_status(StatusCode::NOT_FOUND);
    assert_scriptless_page(&unknown);
    assert!(unknown.text().contains("No generation has this id"));
    assert!(!unknown.text().contains("refresh"));
    page(&server, "/share/not-an-id")
        .await
        .assert_status(StatusCode::NOT_FOUND);

    let remove = server.as_owner(
        &id,
        Request::delete(format!("/api/generations/{id}?remove=true")),
    );
    server.send(remove.body(Body::empty()).unwrap()).await;
    let removed = page(&server, &format!("/share/{id}")).await;
    removed.assert_status(StatusCode::GONE);
    assert_scriptless_page(&removed);
    assert!(removed.text().contains("deleted by its creator"));
}

#[tokio::test]
async fn health_says_share_pages_and_conversions_exist() {
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    let health: Health = server.get("/api/health").await.json();
    assert!(health.share_pages);
    assert_eq!(health.formats, ConversionFormat::ALL);
}
