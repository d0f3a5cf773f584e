//! The on-the-fly compression that the API's JSON answers and the web
//! app's files share.

use tower_http::{CompressionLevel, compression::CompressionLayer};

/// Compression effort for gzip and brotli alike. Brotli's default (11)
/// takes seconds on a multi-megabyte wasm file for a few percent smaller
/// output; 4 compresses on the fly at about the speed of gzip.
const COMPRESSION_QUALITY: i32 = 4;

/// gzip or brotli, whichever the client prefers.
pub fn layer() -> CompressionLayer {
    CompressionLayer::new().quality(CompressionLevel::Precise(COMPRESSION_QUALITY))
}
