//! One format in the formats menu (USDZ, STL or OBJ): its settings and a
//! Make button for the model's creator, the files made so far for everyone,
//! and why the format is unavailable when the server cannot make it.

use super::downloads;
use super::print_report::PrintReportFacts;
use crate::api;
use crate::formats::{file_size, format_name, format_use, settings_words};
use crate::renditions::Renditions;
use leptos::prelude::*;
use trellis_api::{
    AR_HEIGHT_RANGE_M, Conversion, ConversionFormat, ConversionReport, ConversionRequest,
    DEFAULT_AR_HEIGHT_M, DEFAULT_PRINT_HEIGHT_MM, PRINT_HEIGHT_RANGE_MM,
};

/// Centimetres in a metre: AR heights are asked for in centimetres, the
/// unit people measure a tabletop object in.
const CM_PER_M: f32 = 100.0;

/// The settings a creator chose for a format, before they are checked.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Settings {
    ar_height_cm: f32,
    print_height_mm: f32,
    make_printable: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            // Rounded: 0.3 × 100 is 30.000002 in f32.
            ar_height_cm: (DEFAULT_AR_HEIGHT_M * CM_PER_M).round(),
            print_height_mm: DEFAULT_PRINT_HEIGHT_MM,
            make_printable: false,
        }
    }
}

impl Settings {
    /// The request these settings make for `format`, or what to fix.
    fn request(&self, format: ConversionFormat) -> Result<ConversionRequest, String> {
        let request = match format {
            ConversionFormat::Usdz => ConversionRequest::Usdz {
                height_m: self.ar_height_cm / CM_PER_M,
            },
            ConversionFormat::Stl => ConversionRequest::Stl {
                height_mm: self.print_height_mm,
                make_printable: self.make_printable,
            },
            ConversionFormat::Obj => ConversionRequest::Obj {},
        };
        request.resolve().map_err(|_| match format {
            ConversionFormat::Usdz => format!(
                "Choose a height from {} to {} cm.",
                AR_HEIGHT_RANGE_M.0 * CM_PER_M,
                AR_HEIGHT_RANGE_M.1 * CM_PER_M
            ),
            _ => format!(
                "Choose a height from {} to {} mm.",
                PRINT_HEIGHT_RANGE_MM.0, PRINT_HEIGHT_RANGE_MM.1
            ),
        })
    }
}

/// The name a conversion is saved as: `cactus-balanced-300mm.usdz`.
fn saved_name(stem: &str, conversion: &Conversion) -> String {
    match conversion.request {
        ConversionRequest::Obj {} => format!("{stem}.obj.zip"),
        request => format!("{stem}-{}", request.file_name()),
    }
}

/// A format of the model, made on demand by its creator.
#[component]
pub(super) fn FormatRow(
    format: ConversionFormat,
    renditions: Renditions,
    /// The creator's owner token; `None` for everyone else.
    #[prop(into)]
    owner_token: Signal<Option<String>>,
    /// The start of download names.
    file_stem: Signal<String>,
) -> impl IntoView {
    let key = format.as_str();
    let settings = RwSignal::new(Settings::default());
    let request = Memo::new(move |_| settings.get().request(format));
    let is_creator = move || owner_token.with(Option::is_some);
    let making = move || renditions.making.get() == Some(format);
    let problem = move || renditions.problem(format);
    let unavailable = move || problem().is_some_and(|p| p.unavailable);
    // The file this row is about: the one made with the chosen settings
    // for the creator, the newest one for everyone else.
    let shown = Memo::new(move |_| {
        if is_creator() {
            request.get().ok().and_then(|r| renditions.made_with(&r))
        } else {
            renditions.of_format(format).pop()
        }
    });

    let on_make = move |_| {
        let (Ok(request), Some(token)) = (request.get_untracked(), owner_token.get_untracked())
        else {
            return;
        };
        renditions.make(request, token, move |made| {
            downloads::save_url(
                &api::resolve(&made.url),
                &saved_name(&file_stem.get_untracked(), &made),
            );
        });
    };
    let download_link = move |conversion: Conversion, label: String| {
        let name = saved_name(&file_stem.get_untracked(), &conversion);
        view! {
            <a class="viewer-button format-file" href=api::resolve(&conversion.url) download=name
                data-format=key>
                {format!("{label} · {}", file_size(conversion.bytes))}
            </a>
        }
    };
    let settings_inputs = move || match format {
        ConversionFormat::Usdz => {
            let value = Signal::derive(move || settings.get().ar_height_cm);
            let set = Callback::new(move |cm| settings.update(|s| s.ar_height_cm = cm));
            view! {
                <HeightInput label="Height in the room " id="format-usdz-height" unit="cm"
                    max="10000" step="1" value set />
            }
            .into_any()
        }
        ConversionFormat::Stl => {
            let value = Signal::derive(move || settings.get().print_height_mm);
            let set = Callback::new(move |mm| settings.update(|s| s.print_height_mm = mm));
            let printable = move || settings.get().make_printable;
            let on_printable = move |ev: leptos::ev::Event| {
                let on = event_target_checked(&ev);
                settings.update(|s| s.make_printable = on);
            };
            view! {
                <HeightInput label="Printed height " id="format-stl-height" unit="mm"
                    max="2000" step="0.1" value set />
                <label title="Fill holes, remove non-manifold edges and turn every face outward">
                    <input type="checkbox" id="format-stl-printable"
                        prop:checked=printable on:change=on_printable />
                    " Make printable"
                </label>
            }
            .into_any()
        }
        ConversionFormat::Obj => ().into_any(),
    };
    let creator_action = move || match shown.get() {
        Some(made) => download_link(made, format!("Download {}", format_name(format))).into_any(),
        None => view! {
            <button type="button" class="viewer-button" id=format!("format-{key}-make")
                disabled=move || making() || unavailable() || request.with(Result::is_err)
                aria-busy=move || making().to_string()
                on:click=on_make>
                {move || if making() {
                    format!("Making {}…", format_name(format))
                } else {
                    format!("Make {}", format_name(format))
                }}
            </button>
        }
        .into_any(),
    };
    let others_files = move || {
        let files = renditions.of_format(format);
        if files.is_empty() {
            view! {
                <p class="muted format-missing">"Not made yet: only the model's creator can make this file."</p>
            }
            .into_any()
        } else {
            files
                .into_iter()
                .map(|c| {
                    let label = format!("Download, {}", settings_words(&c.request));
                    download_link(c, label)
                })
                .collect_view()
                .into_any()
        }
    };
    let report = move || {
        shown.get().and_then(|made| match made.report {
            ConversionReport::Stl(report) => Some(view! { <PrintReportFacts report /> }),
            _ => None,
        })
    };
    let notes = move || shown.get().map(|made| made.notes).unwrap_or_default();

    view! {
        <section class="format" id=format!("format-{key}") aria-label=format_name(format)
            data-unavailable=move || unavailable().to_string()>
            <h5>{format_name(format)} <span class="muted">{format_use(format)}</span></h5>
            <Show when=is_creator fallback=others_files>
                <div class="format-settings">{settings_inputs}</div>
                {move || request.get().err().map(|fix| view! { <p class="field-problem">{fix}</p> })}
                {creator_action}
            </Show>
            {move || problem().map(|p| view! {
                <p class="field-problem" role="alert" id=format!("format-{key}-problem")>
                    {if p.unavailable { format!("Unavailable. {}", p.message) } else { p.message }}
                </p>
            })}
            {report}
            <ul class="format-notes">
                {move || notes().into_iter().map(|note| view! { <li>{note}</li> }).collect_view()}
            </ul>
        </section>
    }
}

/// A height field; what is not a number is kept as NaN, which the settings'
/// check turns into a message.
#[component]
fn HeightInput(
    label: &'static str,
    id: &'static str,
    unit: &'static str,
    max: &'static str,
    step: &'static str,
    #[prop(into)] value: Signal<f32>,
    set: Callback<f32>,
) -> impl IntoView {
    view! {
        <label>{label}
            <input type="number" id=id min="1" max=max step=step
                prop:value=move || value.get().to_string()
                on:change=move |ev| set.run(event_target_value(&ev).parse().unwrap_or(f32::NAN)) />
            {format!(" {unit}")}
        </label>
    }
}
