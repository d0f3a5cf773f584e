//! GLB files for every part of Trellis Studio, native and wasm32 alike:
//! the container (header, JSON chunk, binary chunk, padding), the JSON
//! document's buffers, views and accessors read with bounds checks, a
//! writer, and a pure-Rust `EXT_meshopt_compression` decoder.
//!
//! Every malformed input gives a [`GlbError`], never a panic: in the wasm
//! app a panic aborts the whole page.
//!
//! Reading a file:
//! ```
//! # fn main() -> Result<(), trellis_glb::GlbError> {
//! # let glb = trellis_glb::GlbWriter::new().finish(serde_json::json!({
//! #     "accessors": [], "asset": { "version": "2.0" } }))?;
//! let chunks = trellis_glb::split(&glb)?;
//! let doc = trellis_glb::parse(chunks.json)?;
//! let buffers = trellis_glb::buffers(&doc, chunks.bin)?;
//! assert!(trellis_glb::accessor(&doc, &buffers, 0).is_err());
//! # Ok(()) }
//! ```

mod accessor;
mod container;
mod document;
mod error;
pub mod meshopt;
mod writer;

pub use accessor::{Accessor, AccessorType, ComponentType, Indices, View, accessor, buffer_view};
pub use container::{ALIGN, Chunks, PRELUDE_LEN, Prelude, join, split};
pub use document::{MeshCounts, array, buffers, item, mesh_counts, parse, to_json, uint};
pub use error::GlbError;
pub use writer::{GlbWriter, Target, bounds_of};
