use leptos::prelude::*;

/// The viewer's icons, drawn as strokes so they take the button's colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IconName {
    Reset,
    Rotate,
    Fullscreen,
    ExitFullscreen,
    More,
    Close,
}

impl IconName {
    /// SVG path data on a 24×24 grid.
    fn path(self) -> &'static str {
        match self {
            IconName::Reset => "M4 12a8 8 0 1 0 2.3-5.7M4 4v4h4",
            IconName::Rotate => {
                "M12 4c4.4 0 8 1.8 8 4s-3.6 4-8 4-8-1.8-8-4M4 8v8c0 2.2 3.6 4 8 4M12 20l-2-2m2 2-2 2"
            }
            IconName::Fullscreen => "M4 9V4h5M15 4h5v5M20 15v5h-5M9 20H4v-5",
            IconName::ExitFullscreen => "M9 4v5H4M20 9h-5V4M15 20v-5h5M4 15h5v5",
            IconName::More => "M5 12h.01M12 12h.01M19 12h.01",
            IconName::Close => "M6 6l12 12M18 6 6 18",
        }
    }
}

/// An icon, hidden from assistive tech: its button carries the label.
#[component]
pub fn Icon(name: IconName) -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"
            fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
            <path d=name.path() />
        </svg>
    }
}
