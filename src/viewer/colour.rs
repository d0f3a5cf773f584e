//! Colour management in one place. glTF stores base colour and emissive
//! textures sRGB-encoded; everything else is linear: colour factors, vertex
//! colours (`COLOR_0`), and the normal, metallic-roughness and occlusion
//! textures. The viewer lights in linear light and three-d encodes each
//! frame to sRGB once, on output (`ColorMapping::ComputeToSrgb`).
//!
//! three-d's conventions differ from glTF's in two places, bridged here:
//! - It takes every `Srgba` (material factors, `CpuMesh::colors`) as
//!   sRGB-encoded and decodes it on upload, so glTF's linear values are
//!   encoded first (by `trellis_viewer_glb`'s reader, which does the
//!   viewer's own glTF reading, and [`encode_loader_colours`]).
//! - Its safe API has no `SRGB8_ALPHA8` texture, so colour textures keep the
//!   file's texels in RGBA8 and the viewer's shaders decode them
//!   ([`SRGB_DECODE_GLSL`]). Filtering then blends encoded values, which
//!   only shows as a slight darkening on sharp, high-contrast texel edges.
//!   three-d's own CPU-side decode (to 8-bit linear) is avoided too: it
//!   crushes dark shades into a few levels ([`ColourTextures`]).

use three_d::{
    Context, CpuGeometry, CpuModel, CpuTexture, Model, PhysicalMaterial, Srgba, Texture2DRef,
};
use trellis_viewer_glb::SrgbEncoder;

/// `srgb_to_linear(vec4)`: an sRGB-encoded texel to linear light
/// (IEC 61966-2-1), alpha untouched, for shaders sampling colour textures.
pub const SRGB_DECODE_GLSL: &str = "
vec4 srgb_to_linear(vec4 encoded) {
    vec3 low = encoded.rgb / 12.92;
    vec3 high = pow((encoded.rgb + 0.055) / 1.055, vec3(2.4));
    return vec4(mix(low, high, step(vec3(0.04045), encoded.rgb)), encoded.a);
}
";

/// Fixes a model from three-d-asset's glTF loader, which copies glTF's
/// linear factors and vertex colours into `Srgba` unconverted (three-d
/// would then decode them a second time and draw them too dark): encodes
/// them, so three-d's decode gives back the file's values.
pub fn encode_loader_colours(model: &mut CpuModel) {
    let encoder = SrgbEncoder::new();
    let fix = |c: Srgba| {
        let linear = |v: u8| f32::from(v) / 255.0;
        let [r, g, b, a] = encoder.rgba([linear(c.r), linear(c.g), linear(c.b), linear(c.a)]);
        Srgba::new(r, g, b, a)
    };
    for material in &mut model.materials {
        material.albedo = fix(material.albedo);
        material.emissive = fix(material.emissive);
    }
    for primitive in &mut model.geometries {
        if let CpuGeometry::Triangles(mesh) = &mut primitive.geometry
            && let Some(colours) = &mut mesh.colors
        {
            for colour in colours {
                *colour = fix(*colour);
            }
        }
    }
}

/// The base colour and emissive textures of a model's materials, held back
/// from three-d's `PhysicalMaterial::new` (which would decode them to 8-bit
/// linear on the CPU) and uploaded as the file has them instead, like the
/// browser-decoded ones: every colour texture on the GPU is then
/// sRGB-encoded, and every shader decodes it the same way.
pub struct ColourTextures(Vec<[Option<CpuTexture>; 2]>);

impl ColourTextures {
    /// Takes the colour textures out of `model`'s materials.
    pub fn take(model: &mut CpuModel) -> Self {
        Self(
            model
                .materials
                .iter_mut()
                .map(|m| [m.albedo_texture.take(), m.emissive_texture.take()])
                .collect(),
        )
    }

    /// Uploads the textures and gives them to the parts of `model`, which
    /// use the materials listed in `materials` (one entry per part).
    pub fn give(
        self,
        context: &Context,
        model: &mut Model<PhysicalMaterial>,
        materials: &[Option<usize>],
    ) {
        let upload = |texture: Option<CpuTexture>| {
            texture.map(|t| Texture2DRef::from_cpu_texture(context, &t))
        };
        let uploaded: Vec<[Option<Texture2DRef>; 2]> =
            self.0.into_iter().map(|pair| pair.map(upload)).collect();
        for (part, material) in model.iter_mut().zip(materials) {
            let Some([albedo, emissive]) = material.and_then(|m| uploaded.get(m)) else {
                continue;
            };
            part.material.albedo_texture = albedo.clone();
            part.material.emissive_texture = emissive.clone();
        }
    }
}
