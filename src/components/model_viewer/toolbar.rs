//! The buttons over the viewer: display modes on the left, view actions on
//! the right.

use crate::viewer::DisplayMode;
use leptos::prelude::*;

/// Display-mode buttons in a compact toolbar; the active one is pressed.
#[component]
pub(super) fn ModeToolbar(
    /// The current mode; clicking a button sets it.
    mode: RwSignal<DisplayMode>,
) -> impl IntoView {
    let buttons = DisplayMode::ALL
        .into_iter()
        .map(|m| {
            view! {
                <button
                    type="button"
                    class="viewer-button"
                    data-mode=m.key()
                    aria-pressed=move || (mode.get() == m).to_string()
                    on:click=move |_| mode.set(m)
                >
                    {m.label()}
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="viewer-toolbar viewer-modes" role="toolbar" aria-label="Display mode">
            {buttons}
        </div>
    }
}

/// Auto-rotate, reset and screenshot.
#[component]
pub(super) fn ActionToolbar(
    /// Whether the model turns by itself.
    auto_rotate: RwSignal<bool>,
    /// Whether the user asked the system for reduced motion; auto-rotation
    /// is then unavailable.
    reduced_motion: bool,
    /// Puts the camera back where it was after loading.
    #[prop(into)]
    on_reset: Callback<()>,
    /// Saves the current view as a PNG.
    #[prop(into)]
    on_screenshot: Callback<()>,
) -> impl IntoView {
    let rotate_title = if reduced_motion {
        "Auto-rotate is off because your system asks for reduced motion"
    } else {
        "Turn the model slowly"
    };
    view! {
        <div class="viewer-toolbar viewer-actions" role="toolbar" aria-label="View">
            <button
                type="button"
                class="viewer-button"
                id="viewer-auto-rotate"
                title=rotate_title
                disabled=reduced_motion
                aria-pressed=move || auto_rotate.get().to_string()
                on:click=move |_| auto_rotate.update(|on| *on = !*on)
            >
                "Auto-rotate"
            </button>
            <button
                type="button"
                class="viewer-button"
                id="viewer-reset"
                title="Back to the starting view (R)"
                on:click=move |_| on_reset.run(())
            >
                "Reset view"
            </button>
            <button
                type="button"
                class="viewer-button"
                id="viewer-screenshot"
                title="Save this view as a PNG image"
                on:click=move |_| on_screenshot.run(())
            >
                "Screenshot"
            </button>
        </div>
    }
}
