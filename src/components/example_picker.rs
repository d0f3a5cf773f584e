use leptos::prelude::*;

/// The example photos shipped in `dist/examples/` (rendered by
/// `crates/e2e/examples/render_examples.rs`): file, and what it shows.
const EXAMPLES: [(&str, &str); 3] = [
    ("mug.png", "a striped mug on a grey background"),
    ("robot.png", "a toy robot, transparent background"),
    ("cactus.png", "a potted cactus, transparent background"),
];

/// A row of example photos to try the studio without one of your own.
#[component]
pub fn ExamplePicker(
    /// Called with the picked example's URL and file name.
    on_pick: Callback<(String, String)>,
    /// Whether picking is allowed (not while a job runs).
    #[prop(into)]
    enabled: Signal<bool>,
) -> impl IntoView {
    view! {
        <div class="examples" role="group" aria-label="Or try an example">
            <span class="examples-label">"Or try an example:"</span>
            {EXAMPLES
                .into_iter()
                .map(|(file, description)| {
                    let url = format!("examples/{file}");
                    let src = url.clone();
                    view! {
                        <button
                            type="button"
                            class="example"
                            data-example=file
                            aria-label=format!("Example: {description}")
                            disabled=move || !enabled.get()
                            on:click=move |_| on_pick.run((url.clone(), file.to_string()))
                        >
                            <img src=src alt="" width="56" height="56" />
                        </button>
                    }
                })
                .collect_view()}
        </div>
    }
}
