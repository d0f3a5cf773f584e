//! Trellis Studio: the web app. Built to WebAssembly by trunk.

mod api;
mod api_key;
mod app;
mod components;
mod history;
mod pages;
mod photo;
mod renditions;
mod session;
mod share;
mod viewer;

// The app's pure logic, tested natively in its own crate.
use trellis_app_logic::{formats, naming, sizes, webm};

fn main() {
    console_error_panic_hook::set_once();
    // Leptos starts its own executor on mount; this runs before it.
    wasm_bindgen_futures::spawn_local(async {
        api::configure().await;
        leptos::mount::mount_to_body(app::App);
    });
}
