//! The whole application: the `/api` routes, the web app and its share
//! pages, inside the layers every answer passes through.

use axum::{
    Router,
    error_handling::HandleErrorLayer,
    http::{
        HeaderName, HeaderValue, Method,
        header::{
            AUTHORIZATION, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, RETRY_AFTER,
            X_CONTENT_TYPE_OPTIONS,
        },
    },
    middleware,
    response::IntoResponse as _,
};
use tower::{ServiceBuilder, limit::GlobalConcurrencyLimitLayer};
use tower_http::{
    cors::{AllowOrigin, CorsLayer},
    set_header::SetResponseHeaderLayer,
    trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer},
};
use tracing::Level;
use trellis_api::OWNER_TOKEN_HEADER;

use crate::{access, error, routes, state::AppState, web};

/// The policy of every API answer: none of them is a page, so nothing in
/// them may run or load, and none may be framed.
const API_POLICY: HeaderValue =
    HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'");
/// Links from the app's pages carry generation ids in their query; other
/// sites must not learn them from the `Referer`.
const REFERRER: HeaderValue = HeaderValue::from_static("same-origin");

/// The whole application: `/api` plus the web app.
pub fn app(state: AppState) -> Router {
    // CORS lets the listed origins read answers; what keeps other sites
    // from starting work is `access::cross_site`, since a multipart POST
    // needs no preflight.
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(state.cors_origins.iter().cloned()))
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .allow_headers([
            CONTENT_TYPE,
            AUTHORIZATION,
            HeaderName::from_static(OWNER_TOKEN_HEADER),
        ])
        .expose_headers([RETRY_AFTER]);
    let api = routes::router()
        .layer(middleware::from_fn_with_state(
            state.clone(),
            access::cross_site::refuse_cross_site,
        ))
        .layer(cors)
        .layer(SetResponseHeaderLayer::if_not_present(
            CONTENT_SECURITY_POLICY,
            API_POLICY,
        ));
    // Past this many requests being handled, answer 503 at once rather
    // than let them pile up. Event streams and downloads count only until
    // their headers are sent.
    let shed = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
            error::AppError::ServerBusy.into_response()
        }))
        .load_shed()
        .layer(GlobalConcurrencyLimitLayer::new(
            state.max_requests_in_flight,
        ));
    Router::new()
        .nest("/api", api)
        .merge(web::share_router())
        .merge(web::router(&state.web))
        .layer(middleware::from_fn(error::json_errors))
        .layer(shed)
        .layer(SetResponseHeaderLayer::overriding(
            X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            REFERRER_POLICY,
            REFERRER,
        ))
        // Layers wrap what is above them: the error log runs inside the
        // trace span, so each logged error carries its request.
        .layer(middleware::from_fn(error::log_internal_errors))
        // One INFO line per request, so the default log shows traffic.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}
