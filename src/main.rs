//! Trellis Studio: the web app. Built to WebAssembly by trunk.

mod api;
mod api_key;
mod app;
mod components;
mod history;
mod naming;
mod pages;
mod photo;
mod session;
mod share;
mod viewer;
mod webm;

fn main() {
    console_error_panic_hook::set_once();
    // Leptos starts its own executor on mount; this runs before it.
    wasm_bindgen_futures::spawn_local(async {
        api::configure().await;
        leptos::mount::mount_to_body(app::App);
    });
}
