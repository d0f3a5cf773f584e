//! The other formats of the model on screen (USDZ, STL, OBJ): the ones
//! made so far, which anyone with the link may download, and making one,
//! which only the model's creator may do. Shared by the formats menu and
//! the "View in your space" button.

use crate::api::{self, ApiClientError};
use leptos::prelude::*;
use leptos::task::spawn_local;
use trellis_api::{
    Conversion, ConversionFormat, ConversionRequest, JobStatus, ModelVariant, codes,
};

/// Why a format could not be made.
#[derive(Debug, Clone, PartialEq)]
pub struct FormatProblem {
    pub format: ConversionFormat,
    /// The server's words.
    pub message: String,
    /// The model itself cannot be converted to it (422): trying again with
    /// other settings will not help.
    pub unavailable: bool,
}

/// The files made from one model version, and the work under way.
#[derive(Clone, Copy)]
pub struct Renditions {
    /// The generation and version the lists below belong to.
    model: Memo<Option<(String, String)>>,
    pub conversions: RwSignal<Vec<Conversion>>,
    pub problems: RwSignal<Vec<FormatProblem>>,
    /// The format being made, if any: one at a time per model.
    pub making: RwSignal<Option<ConversionFormat>>,
}

impl Renditions {
    /// Follows the version shown: `generation` holds its id, `model` the
    /// version. The list is read again whenever either changes.
    pub fn new(
        generation: impl Fn() -> Option<String> + Send + Sync + 'static,
        model: Signal<Option<ModelVariant>>,
    ) -> Self {
        let key = Memo::new(move |_| {
            let variant = model.with(|m| {
                m.as_ref()
                    .filter(|m| m.status == JobStatus::Succeeded)
                    .map(|m| m.variant.clone())
            })?;
            Some((generation()?, variant))
        });
        let this = Self {
            model: key,
            conversions: RwSignal::new(Vec::new()),
            problems: RwSignal::new(Vec::new()),
            making: RwSignal::new(None),
        };
        Effect::new(move |_| {
            this.conversions.set(Vec::new());
            this.problems.set(Vec::new());
            let Some((id, variant)) = key.get() else {
                return;
            };
            spawn_local(async move {
                // Nothing made, or an older server: the menu offers what
                // the creator may make, and says so to others.
                let list = api::conversions(&id, &variant)
                    .await
                    .map(|list| list.conversions)
                    .unwrap_or_default();
                if this.is_current(&id, &variant) {
                    this.conversions.set(list);
                }
            });
        });
        this
    }

    fn is_current(&self, id: &str, variant: &str) -> bool {
        self.model
            .try_with_untracked(|m| {
                m.as_ref()
                    .is_some_and(|(i, v)| i.as_str() == id && v.as_str() == variant)
            })
            .unwrap_or(false)
    }

    /// The file made with exactly these (resolved) settings, if any.
    pub fn made_with(&self, request: &ConversionRequest) -> Option<Conversion> {
        self.conversions
            .with(|list| list.iter().find(|c| &c.request == request).cloned())
    }

    /// The files of `format` made so far, oldest first.
    pub fn of_format(&self, format: ConversionFormat) -> Vec<Conversion> {
        self.conversions.with(|list| {
            list.iter()
                .filter(|c| c.request.format() == format)
                .cloned()
                .collect()
        })
    }

    /// Why `format` could not be made last time, if it could not.
    pub fn problem(&self, format: ConversionFormat) -> Option<FormatProblem> {
        self.problems
            .with(|list| list.iter().find(|p| p.format == format).cloned())
    }

    /// Makes the file `request` asks for with the creator's `owner_token`,
    /// then hands it to `done` (e.g. to download it), unless the page has
    /// moved on to another model meanwhile.
    pub fn make(
        &self,
        request: ConversionRequest,
        owner_token: String,
        done: impl FnOnce(Conversion) + 'static,
    ) {
        let this = *self;
        let Some((id, variant)) = self.model.get_untracked() else {
            return;
        };
        let format = request.format();
        this.making.set(Some(format));
        this.problems
            .update(|list| list.retain(|p| p.format != format));
        spawn_local(async move {
            let result = api::convert(&id, &variant, &request, &owner_token).await;
            if !this.is_current(&id, &variant) {
                return;
            }
            this.making.set(None);
            match result {
                Ok(conversion) => {
                    this.conversions.update(|list| {
                        list.retain(|c| c.request != conversion.request);
                        list.push(conversion.clone());
                    });
                    done(conversion);
                }
                Err(error) => {
                    let unavailable = matches!(&error, ApiClientError::Api(detail)
                        if detail.code == codes::MODEL_UNCONVERTIBLE);
                    this.problems.update(|list| {
                        list.push(FormatProblem {
                            format,
                            message: error.to_string(),
                            unavailable,
                        });
                    });
                }
            }
        });
    }
}
