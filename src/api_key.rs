//! The operator's API key, for servers that require one (`keys` access):
//! asked for once, kept in this browser's localStorage, and forgotten on
//! request. Never put in links.

use leptos::prelude::window;

/// Where the key is kept.
const STORAGE_KEY: &str = "trellis-api-key";

/// The key this browser holds, if any.
pub fn stored() -> Option<String> {
    let storage = window().local_storage().ok().flatten()?;
    storage
        .get_item(STORAGE_KEY)
        .ok()
        .flatten()
        .map(|key| key.trim().to_string())
        .filter(|key| !key.is_empty())
}

/// Keeps `key` for later visits. Fails only where storage is blocked
/// (private browsing), in which case the key lasts for this page only.
pub fn remember(key: &str) -> bool {
    window()
        .local_storage()
        .ok()
        .flatten()
        .is_some_and(|storage| storage.set_item(STORAGE_KEY, key.trim()).is_ok())
}

/// Forgets the key.
pub fn forget() {
    if let Some(storage) = window().local_storage().ok().flatten() {
        let _ = storage.remove_item(STORAGE_KEY);
    }
}
