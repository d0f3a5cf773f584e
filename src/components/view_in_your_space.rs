//! "View in your space": the model placed in the room through the phone's
//! own AR viewer. iPhones and iPads get AR Quick Look with the USDZ,
//! Android phones Scene Viewer with the GLB; desktops get nothing.

use crate::api;
use crate::formats::{ArViewer, ar_viewer, scene_viewer_intent};
use crate::naming::version_name;
use crate::renditions::Renditions;
use crate::session::Session;
use leptos::prelude::*;
use trellis_api::{ConversionFormat, ConversionRequest, DEFAULT_AR_HEIGHT_M, ModelVariant};

/// The label, drawn as the link's picture: Quick Look opens only from a
/// link whose one child is an image (and puts its AR badge on it).
const BADGE_SVG: &str = "<svg xmlns='http://www.w3.org/2000/svg' width='220' height='44' viewBox='0 0 220 44'><rect width='220' height='44' rx='8' fill='#3d6ef5'/><path d='M22 12l10 5v11l-10 5-10-5V17z' fill='none' stroke='#fff' stroke-width='2' stroke-linejoin='round'/><path d='M12 17l10 5 10-5M22 22v11' fill='none' stroke='#fff' stroke-width='2'/><text x='44' y='28' font-family='-apple-system,system-ui,sans-serif' font-size='16' font-weight='600' fill='#fff'>View in your space</text></svg>";
const LABEL: &str = "View in your space";

/// The AR button of the model on screen, where the device has an AR viewer.
#[component]
pub fn ViewInYourSpace(
    session: Session,
    /// The version shown.
    #[prop(into)]
    model: Signal<Option<ModelVariant>>,
    renditions: Renditions,
) -> impl IntoView {
    let navigator = window().navigator();
    let device = ar_viewer(
        &navigator.user_agent().unwrap_or_default(),
        navigator.max_touch_points(),
    );
    let id = move || session.shown.with(|g| g.as_ref().map(|g| g.id.clone()));
    let title = move || {
        let photo = id()
            .map(|id| session.photo_name_of(&id))
            .unwrap_or_default();
        let photo = photo
            .rsplit_once('.')
            .map_or(photo.as_str(), |(stem, _)| stem);
        let version = model.with(|m| m.as_ref().map(|m| version_name(&m.params)));
        format!("{photo} ({})", version.unwrap_or_default())
    };
    let owner_token = move || id().and_then(|id| session.owner_token_of(&id));

    let scene_viewer = move || {
        let url = model.get()?.url?;
        let page = window().location().href().unwrap_or_default();
        // The GLB as extracted: Scene Viewer reads neither meshopt
        // geometry nor WebP textures, which the web-optimized copy needs.
        let intent = scene_viewer_intent(&api::absolute(&url), &title(), &page);
        Some(view! {
            <a class="button secondary ar-link" id="view-in-your-space" href=intent>{LABEL}</a>
        })
    };
    let makes_usdz = move || {
        session
            .health_value()
            .is_some_and(|h| h.formats.contains(&ConversionFormat::Usdz))
    };
    let quick_look = move || {
        if !makes_usdz() {
            return ().into_any();
        }
        // The newest USDZ: the creator's last choice of size.
        if let Some(usdz) = renditions.of_format(ConversionFormat::Usdz).pop() {
            let badge = format!(
                "data:image/svg+xml,{}",
                String::from(js_sys::encode_uri_component(BADGE_SVG))
            );
            return view! {
                <a class="ar-link" id="view-in-your-space" rel="ar" href=api::absolute(&usdz.url)>
                    <img src=badge alt=LABEL width="220" height="44" />
                </a>
            }
            .into_any();
        }
        let making = move || renditions.making.get() == Some(ConversionFormat::Usdz);
        let problem = move || {
            renditions
                .problem(ConversionFormat::Usdz)
                .map(|p| p.message)
        };
        match owner_token() {
            Some(token) => view! {
                <button type="button" class="secondary" id="prepare-ar"
                    disabled=making
                    on:click=move |_| renditions.make(
                        ConversionRequest::Usdz { height_m: DEFAULT_AR_HEIGHT_M },
                        token.clone(),
                        |_| {},
                    )>
                    {move || if making() { "Preparing the AR view…" } else { "Prepare \u{201c}View in your space\u{201d}" }}
                </button>
                {move || problem().map(|message| view! { <p class="field-problem" role="alert">{message}</p> })}
            }
            .into_any(),
            None => view! {
                <p class="muted" id="ar-missing">"View in your space: the model's creator has not prepared it yet."</p>
            }
            .into_any(),
        }
    };

    match device {
        Some(ArViewer::SceneViewer) => scene_viewer.into_any(),
        Some(ArViewer::QuickLook) => quick_look.into_any(),
        None => ().into_any(),
    }
}
