//! The sheet the viewer's "more" button opens: statistics, alpha preview
//! and the downloads that depend on it, and the screenshot. Over the lower
//! part of the viewer on a phone, beside the bar on a desktop.

use super::stats_panel::{LoadReport, StatsPanel};
use crate::components::icon::{Icon, IconName};
use leptos::prelude::*;

#[component]
pub(super) fn DetailsSheet(
    open: RwSignal<bool>,
    #[prop(into)] report: Signal<Option<LoadReport>>,
    #[prop(into)] on_screenshot: Callback<()>,
    /// The alpha panel and downloads.
    children: Children,
) -> impl IntoView {
    view! {
        <div class="viewer-sheet" id="viewer-sheet" role="dialog" aria-label="Model details"
            hidden=move || !open.get()
            on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }>
            <div class="sheet-header">
                <h3>"Model details"</h3>
                <button type="button" class="viewer-button icon-button" id="viewer-sheet-close"
                    aria-label="Close details" on:click=move |_| open.set(false)>
                    <Icon name=IconName::Close />
                </button>
            </div>
            <StatsPanel report />
            {children()}
            <button type="button" class="viewer-button" id="viewer-screenshot"
                title="Save this view as a PNG image" on:click=move |_| on_screenshot.run(())>
                "Save a screenshot"
            </button>
        </div>
    }
}
