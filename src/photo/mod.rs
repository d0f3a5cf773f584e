//! The photo before any GPU time is spent: decoded by the browser with its
//! EXIF orientation, downscaled to what the server would use anyway, encoded
//! as PNG (keeping alpha), and assessed for the coaching notes.

mod coaching;
mod prepare;

pub use coaching::Tone;
pub use prepare::{PreparedPhoto, fetch_image, prepare};
