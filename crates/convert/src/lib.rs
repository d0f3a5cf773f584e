//! Takes a stored GLB anywhere: USDZ for AR on iPhones and iPads, a binary
//! STL with a print report for 3D printing, OBJ + MTL + textures in a zip
//! for DCC tools, and a poster PNG for link unfurls. Pure Rust on the CPU,
//! synchronous, with no I/O: each function takes the GLB's bytes and returns
//! the file's bytes, so a server runs it on a blocking thread and caches
//! the result.
//!
//! ```no_run
//! # fn demo(glb: &[u8]) -> Result<(), trellis_convert::ConvertError> {
//! let usdz = trellis_convert::to_usdz(glb, &trellis_convert::UsdzOptions::default())?;
//! std::fs::write("model.usdz", &usdz.bytes).ok();
//! # Ok(()) }
//! ```
//!
//! Every failure is a [`ConvertError`]; its [`ConvertError::class`] tells a
//! model the converter cannot handle (422, with the message as the reason)
//! from a bad option (400) and from an internal failure (500). Every limit
//! is a constant in [`limits`].

mod archive;
mod error;
pub mod limits;
mod model;
mod obj;
mod placement;
mod poster;
mod stl;
mod usdz;

use serde::{Deserialize, Serialize};

pub use error::{ConvertError, ErrorClass};
pub use obj::ObjReport;
pub use poster::{PosterOptions, PosterReport};
pub use stl::{PrintReport, RepairReport, StlOptions};
pub use usdz::{UsdzOptions, UsdzReport};

/// A converted file and what the conversion found.
#[derive(Clone, Debug)]
pub struct Converted<R> {
    /// The file.
    pub bytes: Vec<u8>,
    /// Format-specific facts about it.
    pub report: R,
    /// What the conversion had to leave out or change, one sentence each
    /// (empty for a TRELLIS model): worth showing next to the download.
    pub notes: Vec<String>,
}

/// The formats this crate writes, for routes and caches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// [`to_usdz`].
    Usdz,
    /// [`to_stl`].
    Stl,
    /// [`to_obj_zip`].
    Obj,
    /// [`poster_png`].
    Poster,
}

impl Format {
    pub const ALL: [Format; 4] = [Self::Usdz, Self::Stl, Self::Obj, Self::Poster];

    /// The `Content-Type` to serve the file with.
    pub fn media_type(self) -> &'static str {
        match self {
            // The type Safari needs to hand the file to Quick Look.
            Self::Usdz => "model/vnd.usdz+zip",
            Self::Stl => "model/stl",
            Self::Obj => "application/zip",
            Self::Poster => "image/png",
        }
    }

    /// The download's file name ending.
    pub fn file_extension(self) -> &'static str {
        match self {
            Self::Usdz => "usdz",
            Self::Stl => "stl",
            Self::Obj => "obj.zip",
            Self::Poster => "png",
        }
    }
}

/// USDZ for iOS Quick Look ("View in your space"), at the real-world height
/// in `options`.
pub fn to_usdz(glb: &[u8], options: &UsdzOptions) -> Result<Converted<UsdzReport>, ConvertError> {
    usdz::convert(&model::load(glb)?, options)
}

/// A binary STL in millimetres, Z up, standing on the build plate, with a
/// print report; `options.make_printable` repairs the mesh first.
pub fn to_stl(glb: &[u8], options: &StlOptions) -> Result<Converted<PrintReport>, ConvertError> {
    stl::convert(&model::load(glb)?, options)
}

/// A zip of `model.obj`, `model.mtl` and the textures, in the GLB's own
/// units and axes.
pub fn to_obj_zip(glb: &[u8]) -> Result<Converted<ObjReport>, ConvertError> {
    obj::convert(&model::load(glb)?)
}

/// A PNG picture of the model for link previews (Open Graph, Twitter
/// cards).
pub fn poster_png(
    glb: &[u8],
    options: &PosterOptions,
) -> Result<Converted<PosterReport>, ConvertError> {
    poster::render(&model::load(glb)?, options)
}

/// Checks that option `name` lies in `range` (inclusive); NaN fails.
fn check_range<T: PartialOrd + std::fmt::Display + Copy>(
    name: &str,
    value: T,
    (low, high): (T, T),
) -> Result<(), ConvertError> {
    if low <= value && value <= high {
        Ok(())
    } else {
        Err(ConvertError::InvalidOption(format!(
            "{name} must be from {low} to {high}, not {value}"
        )))
    }
}
