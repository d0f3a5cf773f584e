//! The sizes a model may have before the viewer refuses it: named here,
//! where both the checks and their error messages read them.

/// Largest texture side accepted. WebGL2 only guarantees 2048 and common
/// GPUs allow 8192–16384; an 8192² RGBA texture already needs 256 MB decoded
/// plus mipmaps, so anything larger would exhaust memory before it showed.
pub const MAX_TEXTURE_SIDE: u32 = 8192;

/// Deepest node hierarchy accepted: real scenes nest a few levels, and
/// both readers walk it recursively, where a hostile chain thousands of
/// nodes deep would overflow the wasm stack (an abort, not an error).
pub const MAX_NODE_DEPTH: usize = 64;
