//! `window.trellisViewerShow(bytes)`: shows a GLB that is already in
//! memory (a `Uint8Array`), so `scripts/bench-viewer` can time the viewer
//! from "bytes in memory" without the download. The timings then appear as
//! `data-*-ms` attributes on `#viewer`.

use super::load::Input;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

/// The global the hook is installed under.
const HOOK: &str = "trellisViewerShow";

/// Installs the hook for as long as the calling component lives.
pub(super) fn install(begin: impl Fn(Input) + 'static) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let hook = Closure::<dyn Fn(js_sys::Uint8Array)>::new(move |bytes: js_sys::Uint8Array| {
        begin(Input::Bytes(bytes.to_vec()))
    });
    let _ = js_sys::Reflect::set(&window, &HOOK.into(), hook.as_ref());
    // The closure must outlive every call from JS: the component's owner
    // keeps it, and drops it when the component goes.
    let _ = StoredValue::new_local(hook);
    on_cleanup(|| {
        if let Some(window) = web_sys::window() {
            let _ = js_sys::Reflect::delete_property(&window, &HOOK.into());
        }
    });
}
