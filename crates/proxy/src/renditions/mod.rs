//! Files made from a stored model on the CPU, with no GPU time: the
//! web-optimized levels and their precompressed copies ([`web`]), the
//! poster, and the conversions to USDZ, STL and OBJ ([`convert`]).
//!
//! Everything here is synchronous and does no I/O: the job side
//! (`jobs::renditions`, `jobs::conversions`) runs it on the blocking pool,
//! a bounded number at a time, and stores what it returns.

pub mod convert;
pub mod precompress;
pub mod web;

use trellis_convert::{ConvertError, PosterOptions};

/// The poster of a model: 1200×630, the Open Graph size every unfurler
/// shows uncropped.
pub fn poster(glb: &[u8]) -> Result<Vec<u8>, ConvertError> {
    trellis_convert::poster_png(glb, &PosterOptions::default()).map(|poster| poster.bytes)
}
