use crate::photo::PreparedPhoto;
use leptos::html::Input;
use leptos::prelude::*;
use web_sys::File;

/// What the file picker offers; anything else dropped or pasted is still
/// tried, and refused with an explanation if the browser can't decode it.
const ACCEPTED_TYPES: &str = "image/png,image/jpeg,image/webp,image/gif,image/bmp,image/avif";

/// Where the user picks the photo (files can also be dropped anywhere on
/// the page or pasted).
#[component]
pub fn DropZone(
    /// The prepared photo, once there is one.
    photo: RwSignal<Option<PreparedPhoto>, LocalStorage>,
    /// Called with each file the user picks.
    on_file: Callback<File>,
    /// True while a file is being decoded and resized.
    #[prop(into)]
    preparing: Signal<bool>,
    /// Whether picking is allowed (not while a job runs).
    #[prop(into)]
    enabled: Signal<bool>,
) -> impl IntoView {
    let input_ref = NodeRef::<Input>::new();
    let on_change = move |_| {
        let file = input_ref
            .get_untracked()
            .and_then(|input| input.files())
            .and_then(|files| files.get(0));
        if let Some(file) = file {
            on_file.run(file);
        }
    };

    view! {
        <label class="drop-zone" class:busy=move || preparing.get()>
            {move || match photo.get() {
                Some(photo) => {
                    view! { <img class="input-preview" src=photo.preview_url alt="The chosen photo, as it will be sent" /> }
                        .into_any()
                }
                None => {
                    view! {
                        <span class="drop-hint">
                            <strong>"Drop an image, paste one, or pick a file"</strong>
                            <small>"One object, plain background or transparent PNG. JPEG, PNG or WebP."</small>
                        </span>
                    }
                        .into_any()
                }
            }}
            <input
                id="image-input"
                node_ref=input_ref
                type="file"
                accept=ACCEPTED_TYPES
                class="visually-hidden"
                disabled=move || !enabled.get()
                on:change=on_change
            />
        </label>
    }
}
