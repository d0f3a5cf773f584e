use leptos::prelude::*;

/// Where the chosen theme is remembered between visits.
const STORAGE_KEY: &str = "trellis-theme";

/// Light or dark, overriding the system setting once chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Theme {
    Light,
    Dark,
}

impl Theme {
    fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    fn other(self) -> Self {
        match self {
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Light,
        }
    }

    /// The remembered choice, else what the system prefers.
    fn initial() -> Self {
        let stored = window()
            .local_storage()
            .ok()
            .flatten()
            .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
        match stored.as_deref() {
            Some("dark") => Theme::Dark,
            Some("light") => Theme::Light,
            _ => {
                let dark = window()
                    .match_media("(prefers-color-scheme: dark)")
                    .ok()
                    .flatten()
                    .is_some_and(|q| q.matches());
                if dark { Theme::Dark } else { Theme::Light }
            }
        }
    }

    fn apply(self) {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-theme", self.as_str());
        }
    }
}

/// A header button that switches between the light and the dark theme. It
/// names the theme it switches to, so it never says "Dark theme" while the
/// page is dark.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let theme = RwSignal::new(Theme::initial());
    Effect::new(move |_| theme.get().apply());
    let toggle = move |_| {
        let next = theme.get_untracked().other();
        if let Some(storage) = window().local_storage().ok().flatten() {
            let _ = storage.set_item(STORAGE_KEY, next.as_str());
        }
        theme.set(next);
    };
    view! {
        <button type="button" class="theme-toggle" id="theme-toggle" data-theme=move || theme.get().as_str() on:click=toggle>
            <span aria-hidden="true">{move || match theme.get() {
                Theme::Dark => "☀",
                Theme::Light => "☾",
            }}</span>
            <span class="label-text">{move || match theme.get() {
                Theme::Dark => " Light theme",
                Theme::Light => " Dark theme",
            }}</span>
        </button>
    }
}
