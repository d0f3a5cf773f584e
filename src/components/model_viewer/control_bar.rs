//! The compact bar over the viewer: the display mode as a menu and the view
//! actions as icon buttons, so the model keeps the stage.

use crate::components::icon::{Icon, IconName};
use crate::viewer::{DisplayMode, WireframeState};
use leptos::prelude::*;

/// What the wireframe option's tooltip says before any is drawn.
const WIREFRAME_HINT: &str =
    "Edges over the shaded model; on dense meshes they fade until you zoom in.";

/// Display mode, reset, auto-rotate, full screen and the details sheet.
#[component]
pub(super) fn ControlBar(
    /// The current mode; the menu sets it.
    mode: RwSignal<DisplayMode>,
    /// Whether the model turns by itself.
    auto_rotate: RwSignal<bool>,
    /// Whether the user asked the system for reduced motion.
    reduced_motion: bool,
    /// Whether the details sheet is open.
    sheet_open: RwSignal<bool>,
    #[prop(into)] on_reset: Callback<()>,
    /// Present when the page may go full screen.
    fullscreen: Option<FullscreenControl>,
    /// How the wireframe is drawn at this zoom, explained when faded.
    #[prop(into)]
    wireframe: Signal<WireframeState>,
) -> impl IntoView {
    let options = DisplayMode::ALL
        .into_iter()
        .map(|m| {
            let title = (m == DisplayMode::ShadedWireframe).then_some(WIREFRAME_HINT);
            view! {
                <option value=m.key() title=title prop:selected=move || mode.get() == m>{m.label()}</option>
            }
        })
        .collect_view();
    let on_mode = move |ev| {
        if let Some(m) = DisplayMode::from_key(&event_target_value(&ev)) {
            mode.set(m);
        }
    };
    let rotate_title = if reduced_motion {
        "Auto-rotate is off because your system asks for reduced motion"
    } else {
        "Turn the model slowly"
    };
    let wireframe_note = move || {
        let state = wireframe.get();
        state.explanation().map(|explanation| {
            let short = match state {
                WireframeState::Hidden => "Edges hidden · zoom in",
                _ => "Edges faded · zoom in",
            };
            view! { <span class="viewer-hint" id="wireframe-hint" title=explanation>{short}</span> }
        })
    };
    view! {
        <div class="viewer-bar" role="toolbar" aria-label="Viewer">
            <label class="mode-picker">
                <span class="visually-hidden">"Display mode"</span>
                <select id="viewer-mode" title="How the model is drawn" on:change=on_mode>{options}</select>
            </label>
            <button type="button" class="viewer-button icon-button" id="viewer-reset"
                aria-label="Reset view" title="Back to the starting view (R)"
                on:click=move |_| on_reset.run(())>
                <Icon name=IconName::Reset />
            </button>
            <button type="button" class="viewer-button icon-button" id="viewer-auto-rotate"
                aria-label="Auto-rotate" title=rotate_title disabled=reduced_motion
                aria-pressed=move || auto_rotate.get().to_string()
                on:click=move |_| auto_rotate.update(|on| *on = !*on)>
                <Icon name=IconName::Rotate />
            </button>
            {fullscreen.map(|control| view! { <FullscreenButton control /> })}
            <button type="button" class="viewer-button icon-button" id="viewer-more"
                aria-label="Details and downloads" title="Model details, alpha, downloads and screenshot"
                aria-controls="viewer-sheet" aria-expanded=move || sheet_open.get().to_string()
                on:click=move |_| sheet_open.update(|open| *open = !*open)>
                <Icon name=IconName::More />
            </button>
            {wireframe_note}
        </div>
    }
}

/// Full screen for the viewer element, where the browser allows it (not
/// on iPhone, which only puts videos full screen).
#[derive(Clone, Copy)]
pub(super) struct FullscreenControl {
    /// Whether the viewer is full screen now.
    pub active: RwSignal<bool>,
    pub toggle: Callback<()>,
}

#[component]
pub(super) fn FullscreenButton(control: FullscreenControl) -> impl IntoView {
    view! {
        <button type="button" class="viewer-button icon-button" id="viewer-fullscreen"
            aria-label=move || if control.active.get() { "Leave full screen" } else { "Full screen" }
            title="Full screen (Esc to leave)"
            on:click=move |_| control.toggle.run(())>
            {move || if control.active.get() {
                view! { <Icon name=IconName::ExitFullscreen /> }
            } else {
                view! { <Icon name=IconName::Fullscreen /> }
            }}
        </button>
    }
}
