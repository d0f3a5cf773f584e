use crate::api;
use leptos::html::Video;
use leptos::prelude::*;

/// The preview MP4's frame (contract §1.5): 1024×768, shaded | normal on the
/// top row (512² each), base colour | metallic | roughness | alpha below
/// (256² each).
const FRAME: (f64, f64) = (1024.0, 768.0);

/// One panel of the preview frame: a square at `(x, y)` of `side` pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Panel {
    label: &'static str,
    x: f64,
    y: f64,
    side: f64,
}

const PANELS: [Panel; 6] = [
    Panel {
        label: "Shaded",
        x: 0.0,
        y: 0.0,
        side: 512.0,
    },
    Panel {
        label: "Normals",
        x: 512.0,
        y: 0.0,
        side: 512.0,
    },
    Panel {
        label: "Base colour",
        x: 0.0,
        y: 512.0,
        side: 256.0,
    },
    Panel {
        label: "Metallic",
        x: 256.0,
        y: 512.0,
        side: 256.0,
    },
    Panel {
        label: "Roughness",
        x: 512.0,
        y: 512.0,
        side: 256.0,
    },
    Panel {
        label: "Alpha",
        x: 768.0,
        y: 512.0,
        side: 256.0,
    },
];

/// The server's turntable preview, looping and muted, with a scrubber and
/// its PBR panels shown whole or one at a time.
#[component]
pub fn PreviewVideo(
    /// The video URL, relative to the API base.
    #[prop(into)]
    url: Signal<String>,
) -> impl IntoView {
    let video_ref = NodeRef::<Video>::new();
    let panel = RwSignal::new(None::<Panel>);
    let position = RwSignal::new(0.0);
    let duration = RwSignal::new(0.0);

    // Crops by scaling the video inside a square window onto one panel.
    let video_style = move || match panel.get() {
        None => "position: static; width: 100%;".to_string(),
        Some(p) => format!(
            "position: absolute; width: {:.3}%; left: {:.3}%; top: {:.3}%;",
            FRAME.0 / p.side * 100.0,
            -p.x / p.side * 100.0,
            -p.y / p.side * 100.0,
        ),
    };
    let window_style = move || match panel.get() {
        None => format!("aspect-ratio: {} / {};", FRAME.0, FRAME.1),
        Some(_) => "aspect-ratio: 1 / 1;".to_string(),
    };
    let seek = move |ev| {
        if let (Some(video), Ok(seconds)) = (
            video_ref.get_untracked(),
            event_target_value(&ev).parse::<f64>(),
        ) {
            video.set_current_time(seconds);
        }
    };

    view! {
        <section class="preview-video" aria-label="Preview video">
            <div class="preview-window" style=window_style>
                <video
                    node_ref=video_ref
                    id="preview-video"
                    src=move || api::resolve(&url.get())
                    autoplay
                    loop
                    muted
                    playsinline
                    style=video_style
                    on:loadedmetadata=move |ev| duration.set(event_target::<web_sys::HtmlVideoElement>(&ev).duration())
                    on:timeupdate=move |ev| position.set(event_target::<web_sys::HtmlVideoElement>(&ev).current_time())
                ></video>
            </div>
            <input
                type="range"
                class="scrubber"
                aria-label="Turn the preview"
                min="0"
                step="0.01"
                prop:max=move || duration.get()
                prop:value=move || position.get()
                on:input=seek
            />
            <div class="panel-buttons" role="group" aria-label="Preview channel">
                <button type="button" aria-pressed=move || panel.get().is_none().to_string() on:click=move |_| panel.set(None)>
                    "All"
                </button>
                {PANELS.into_iter().map(|p| view! {
                    <button type="button" aria-pressed=move || (panel.get() == Some(p)).to_string() on:click=move |_| panel.set(Some(p))>
                        {p.label}
                    </button>
                }).collect_view()}
            </div>
        </section>
    }
}
