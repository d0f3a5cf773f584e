//! Shader ids of the viewer's own materials, together so that no two
//! collide: three-d caches compiled programs by id, and a clash silently
//! draws one material with another's shader. All lie in the range three-d
//! leaves for applications (0x0000–0x4FFF); the low bits of a base are the
//! material's shader variants.

/// `ChannelMaterial`: channel and texture/UV bits, up to 0x013F.
pub const CHANNEL: u16 = 0x0100;
/// `ClayMaterial`: one shader.
pub const CLAY: u16 = 0x0200;
/// `SurfaceMaterial`: texture and alpha-cutoff bits, up to 0x033F.
pub const SURFACE: u16 = 0x0300;
