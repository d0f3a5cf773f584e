//! Full screen for the viewer, where the browser allows an element to go
//! full screen (iPhone Safari does not: there the button is left out).

use super::control_bar::FullscreenControl;
use leptos::html::Div;
use leptos::prelude::*;

/// The control for `viewer`, or `None` where full screen is unavailable.
pub(super) fn control(viewer: NodeRef<Div>) -> Option<FullscreenControl> {
    if !document().fullscreen_enabled() {
        return None;
    }
    let active = RwSignal::new(false);
    let _ = window_event_listener(leptos::ev::fullscreenchange, move |_| {
        active.set(document().fullscreen_element().is_some());
    });
    let toggle = Callback::new(move |()| {
        if document().fullscreen_element().is_some() {
            document().exit_fullscreen();
        } else if let Some(element) = viewer.get_untracked() {
            // Refused only without a user gesture, which a click is.
            let _ = element.request_fullscreen();
        }
    });
    Some(FullscreenControl { active, toggle })
}
