//! Every bound a conversion enforces, in one place. A model past one of them
//! gets [`crate::ConvertError::TooLarge`] (422) instead of an unbounded run:
//! conversions happen on demand on a shared server, so each must have a
//! predictable worst case in memory and time.

/// Largest GLB accepted, in bytes. The biggest model our backends write is
/// a 2M-triangle mesh (about 64 MB of geometry) with two 4096² textures
/// (up to about 60 MB as PNG); twice that leaves room for other exporters,
/// while keeping a conversion's memory (about 3× its input) within a few
/// hundred megabytes.
pub const MAX_INPUT_BYTES: u64 = 256 << 20;

/// Most triangles converted, after instancing. The app's largest
/// decimation target is 2M faces (`trellis_api::MAX_DECIMATION_TARGET`);
/// decimation can overshoot, so 1.5× that. Every converter is linear in
/// triangles, so this bounds time as well as memory.
pub const MAX_TRIANGLES: u64 = 3_000_000;

/// Largest texture side decoded, in pixels. The GPU servers write at most
/// 4096²; 8192² is the largest Quick Look and most DCC tools load, and an
/// 8192² RGBA image is already 256 MiB decoded.
pub const MAX_TEXTURE_SIDE: u32 = 8192;

/// Most bytes a decoded image may allocate (an 8192² RGBA image, plus the
/// decoder's working space). Guards against files whose header claims a
/// small size but whose decoder would allocate more.
pub const MAX_DECODE_BYTES: u64 = 8192 * 8192 * 4 * 2;

/// Largest converted file, in bytes. USDZ is stored uncompressed and USDA
/// text is about 70 bytes per triangle, so a 2M-triangle model with two
/// re-encoded 4096² textures lands near 250 MB; past 512 MiB a file is no
/// longer something a phone or a slicer should be handed.
pub const MAX_OUTPUT_BYTES: u64 = 512 << 20;

/// Smallest and largest real-world height for AR, in metres: a 1 cm
/// trinket to a 100 m building. Quick Look lets people rescale from there.
pub const AR_HEIGHT_RANGE_M: (f32, f32) = (0.01, 100.0);

/// Smallest and largest print height, in millimetres: below 1 mm nothing
/// prints; 2 m is past every consumer printer's build volume.
pub const PRINT_HEIGHT_RANGE_MM: (f32, f32) = (1.0, 2000.0);

/// Smallest and largest poster side, in pixels: Open Graph asks for
/// 1200×630; a 2048² poster is drawn at 4096² for anti-aliasing, which is
/// already 128 MiB of colour and depth.
pub const POSTER_SIDE_RANGE: (u32, u32) = (16, 2048);
