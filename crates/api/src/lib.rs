//! Wire types of the Trellis Studio proxy API (`/api`), shared by the web app,
//! the proxy and the Rust client. Plain serde data plus the validation rules,
//! so every side rejects bad input with the same words.

mod access;
pub mod codes;
mod conversion;
mod cutout;
mod error;
mod extract;
mod generate;
mod generation;
mod health;

pub use access::{AccessMode, Limits, OWNER_TOKEN_HEADER, bearer};
pub use conversion::{
    AR_HEIGHT_RANGE_M, ArReport, Conversion, ConversionFormat, ConversionList, ConversionReport,
    ConversionRequest, DEFAULT_AR_HEIGHT_M, DEFAULT_PRINT_HEIGHT_MM, DccReport,
    PRINT_HEIGHT_RANGE_MM, PrintReport, RepairReport,
};
pub use cutout::{CUTOUT_PREVIEW_SIDE, CutoutPreview, CutoutSource};
pub use error::{ApiError, ErrorDetail, FieldError};
pub use extract::{
    ExtractParams, ExtractRequest, MAX_DECIMATION_TARGET, MIN_DECIMATION_TARGET, Preset,
    TEXTURE_SIZES,
};
pub use generate::{
    GenerateAccepted, GenerateParams, MAX_GUIDANCE_STRENGTH, MAX_SAMPLING_STEPS, MAX_SEED,
    MIN_GUIDANCE_STRENGTH, MIN_SAMPLING_STEPS, PipelineType,
};
pub use generation::{Generation, JobStatus, ModelVariant, OptimizedStatus, Phase, PhaseTiming};
pub use health::{BackendKind, Health, HealthStatus, PipelineEstimate};
