use crate::api::ApiResult;
use leptos::prelude::*;
use trellis_api::{Health, HealthStatus};

/// The backend's state as a dot and a few words in the header.
#[component]
pub fn HealthBadge(
    /// `GET /api/health`, fetched by the page.
    health: LocalResource<ApiResult<Health>>,
) -> impl IntoView {
    let badge = move || {
        let (class, text) = match health.get() {
            None => ("checking", "Checking the server…".to_string()),
            Some(Ok(h)) => {
                let class = match h.status {
                    HealthStatus::Ready => "ready",
                    HealthStatus::Cold | HealthStatus::Loading => "waiting",
                    HealthStatus::Error => "down",
                };
                (class, h.label)
            }
            Some(Err(e)) => ("down", e.to_string()),
        };
        view! {
            <span class=format!("health-badge {class}") id="health">
                <span class="dot" aria-hidden="true"></span>
                {text}
            </span>
        }
    };
    view! { {badge} }
}
