use super::CutoutView;
use crate::session::Session;
use leptos::html::Input;
use leptos::prelude::*;

/// What the file picker offers; anything else dropped or pasted is still
/// tried, and refused with an explanation if the browser can't decode it.
const ACCEPTED_TYPES: &str = "image/png,image/jpeg,image/webp,image/gif,image/bmp,image/avif";

/// Where the user picks the photo, in words that fit the device: a phone
/// offers its camera and its library, a desktop a file, a drop or a paste.
/// Once chosen, the photo is shown with what will count as its subject.
#[component]
pub fn DropZone(session: Session) -> impl IntoView {
    let file_input = NodeRef::<Input>::new();
    let camera_input = NodeRef::<Input>::new();
    let touch = is_touch_device();
    let pick = move |input: NodeRef<Input>| {
        let file = input
            .get_untracked()
            .and_then(|input| input.files())
            .and_then(|files| files.get(0));
        if let Some(file) = file {
            let name = file.name();
            session.choose_photo(file.into(), name);
        }
        // The same file picked again must still count as a change.
        if let Some(input) = input.get_untracked() {
            input.set_value("");
        }
    };
    let disabled = move || !session.editable();
    let has_photo = move || session.photo.with(Option::is_some);
    let (title, hint, choose_label) = if touch {
        (
            "Take or choose a photo",
            "One object, in plain light, on a plain background.",
            "Choose a photo",
        )
    } else {
        (
            "Drop an image, paste one, or choose a file",
            "One object on a plain background, or a PNG with transparency. JPEG, PNG or WebP.",
            "Choose a file",
        )
    };

    view! {
        <div class="drop-zone" class:busy=move || session.preparing.get() class:has-photo=has_photo>
            <Show when=has_photo fallback=move || view! {
                <div class="drop-hint">
                    <strong>{title}</strong>
                    <small>{hint}</small>
                </div>
            }>
                <CutoutView session />
            </Show>
            <div class="drop-actions">
                {touch.then(|| view! {
                    <label class="button primary" class:disabled=disabled>
                        "Take a photo"
                        <input
                            id="camera-input"
                            node_ref=camera_input
                            type="file"
                            accept="image/*"
                            capture="environment"
                            class="visually-hidden"
                            disabled=disabled
                            on:change=move |_| pick(camera_input)
                        />
                    </label>
                })}
                <label class="button" class:primary=move || !touch && !has_photo() class:disabled=disabled>
                    {move || if has_photo() { "Change photo" } else { choose_label }}
                    <input
                        id="image-input"
                        node_ref=file_input
                        type="file"
                        accept=ACCEPTED_TYPES
                        class="visually-hidden"
                        disabled=disabled
                        on:change=move |_| pick(file_input)
                    />
                </label>
            </div>
            {move || session.photo_problem.get().map(|p| view! {
                <p class="error-banner" role="alert" id="photo-problem">{p}</p>
            })}
        </div>
    }
}

/// A touch screen without a fine pointer: a phone or a tablet.
fn is_touch_device() -> bool {
    window()
        .match_media("(pointer: coarse)")
        .ok()
        .flatten()
        .is_some_and(|q| q.matches())
}
