use leptos::html::Input;
use leptos::prelude::*;
use web_sys::{DragEvent, File, Url};

/// Largest file the page accepts, matching the server's limit on raw image
/// bytes (the upstream GPU service refuses more than 10 MiB).
const MAX_IMAGE_BYTES: f64 = 10.0 * 1024.0 * 1024.0;
/// Types the server can decode.
const ACCEPTED_TYPES: &str = "image/png,image/jpeg,image/webp,image/gif,image/bmp,image/tiff";

/// An image the user picked, with a URL the page can show it from.
#[derive(Clone)]
pub struct SelectedImage {
    pub file: File,
    pub preview_url: String,
}

impl SelectedImage {
    /// Checks the file before anything is uploaded.
    fn from_file(file: File) -> Result<Self, String> {
        let kind = file.type_();
        let name = file.name();
        let lower = name.to_lowercase();
        if lower.ends_with(".heic")
            || lower.ends_with(".heif")
            || kind.contains("heic")
            || kind.contains("heif")
        {
            return Err(format!(
                "{name} is a HEIC photo, which browsers cannot read. On iPhone, choose \"Most Compatible\" in Settings › Camera › Formats, or export it as JPEG."
            ));
        }
        if !ACCEPTED_TYPES.split(',').any(|t| t == kind) {
            return Err(format!(
                "{name} is not a PNG, JPEG, WebP, GIF, BMP or TIFF image."
            ));
        }
        if file.size() > MAX_IMAGE_BYTES {
            return Err(format!(
                "{name} is {:.1} MB; the limit is 10 MB. Save a smaller copy and try again.",
                file.size() / 1_048_576.0
            ));
        }
        let preview_url = Url::create_object_url_with_blob(&file)
            .map_err(|_| format!("{name} could not be opened."))?;
        Ok(Self { file, preview_url })
    }
}

/// Where the user picks or drops the photo to turn into a model.
#[component]
pub fn DropZone(
    /// The chosen image.
    selected: RwSignal<Option<SelectedImage>, LocalStorage>,
    /// Set to a sentence when the chosen file cannot be used.
    problem: RwSignal<Option<String>>,
    /// Whether picking is allowed (not while a job runs).
    #[prop(into)]
    enabled: Signal<bool>,
) -> impl IntoView {
    let input_ref = NodeRef::<Input>::new();
    let dragging = RwSignal::new(false);

    let choose = move |file: File| match SelectedImage::from_file(file) {
        Ok(image) => {
            if let Some(old) = selected.get_untracked() {
                let _ = Url::revoke_object_url(&old.preview_url);
            }
            problem.set(None);
            selected.set(Some(image));
        }
        Err(message) => problem.set(Some(message)),
    };

    let on_change = move |_| {
        let file = input_ref
            .get_untracked()
            .and_then(|input| input.files())
            .and_then(|files| files.get(0));
        if let Some(file) = file {
            choose(file);
        }
    };
    let on_drop = move |event: DragEvent| {
        event.prevent_default();
        dragging.set(false);
        if !enabled.get_untracked() {
            return;
        }
        let file = event
            .data_transfer()
            .and_then(|transfer| transfer.files())
            .and_then(|files| files.get(0));
        if let Some(file) = file {
            choose(file);
        }
    };

    view! {
        <label
            class="drop-zone"
            class:dragging=move || dragging.get()
            on:dragover=move |event: DragEvent| {
                event.prevent_default();
                dragging.set(true);
            }
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop
        >
            {move || match selected.get() {
                Some(image) => view! { <img class="input-preview" src=image.preview_url alt="The chosen photo" /> }.into_any(),
                None => view! {
                    <span class="drop-hint">
                        <strong>"Drop an image here"</strong>
                        " or click to pick a file"
                        <small>"PNG, JPEG or WebP, one object, up to 10 MB"</small>
                    </span>
                }.into_any(),
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
