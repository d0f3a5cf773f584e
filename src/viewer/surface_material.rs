//! The shaded mode's material: the part's glTF metallic-roughness material
//! under the studio lights, with its colour textures decoded from sRGB
//! (see `colour`) and the file's alpha mode applied. three-d's own
//! `PhysicalMaterial` shader samples colour textures as if they were
//! linear, and has no alpha cutoff; its lighting, tone mapping and output
//! encoding are reused as they are.

use super::colour::SRGB_DECODE_GLSL;
use super::shader_ids;
use three_d::{
    Blend, ColorMapping, EffectMaterialId, Light, Material, MaterialType, PhysicalMaterial,
    Program, RenderStates, ToneMapping, Viewer, WriteMask, lights_shader_source,
};
use trellis_viewer_glb::AlphaMode;

/// A part's PBR material as the shaded mode draws it.
pub struct SurfaceMaterial {
    /// Holds the factors and textures, and sends their uniforms.
    inner: PhysicalMaterial,
    alpha: AlphaMode,
}

impl SurfaceMaterial {
    /// `material` with `alpha` applied. three-d guesses transparency from
    /// the texels, but glTF says the file's `alphaMode` decides: TRELLIS.2
    /// bakes alpha yet exports OPAQUE, and blending that punches holes in
    /// the model.
    pub fn new(material: &PhysicalMaterial, alpha: AlphaMode) -> Self {
        let blend = alpha == AlphaMode::Blend;
        let render_states = if blend {
            RenderStates {
                write_mask: WriteMask::COLOR,
                blend: Blend::TRANSPARENCY,
                ..Default::default()
            }
        } else {
            RenderStates::default()
        };
        Self {
            inner: PhysicalMaterial {
                is_transparent: blend,
                render_states,
                ..material.clone()
            },
            alpha,
        }
    }

    /// The texture slots in use, each with the define that turns it on.
    fn textures(&self) -> [(bool, &'static str); 5] {
        let m = &self.inner;
        [
            (m.albedo_texture.is_some(), "USE_ALBEDO_TEXTURE"),
            (
                m.metallic_roughness_texture.is_some(),
                "USE_METALLIC_ROUGHNESS_TEXTURE",
            ),
            (m.occlusion_texture.is_some(), "USE_OCCLUSION_TEXTURE"),
            (m.normal_texture.is_some(), "USE_NORMAL_TEXTURE"),
            (m.emissive_texture.is_some(), "USE_EMISSIVE_TEXTURE"),
        ]
    }
}

impl Material for SurfaceMaterial {
    fn fragment_shader_source(&self, lights: &[&dyn Light]) -> String {
        let mut source = lights_shader_source(lights);
        let textures = self.textures();
        if textures.iter().any(|(used, _)| *used) {
            source.push_str("in vec2 uvs;\n");
        }
        for (_, define) in textures.iter().filter(|(used, _)| *used) {
            source.push_str(&format!("#define {define}\n"));
        }
        if self.inner.normal_texture.is_some() {
            source.push_str("in vec3 tang;\nin vec3 bitang;\n");
        }
        if matches!(self.alpha, AlphaMode::Mask { .. }) {
            source.push_str("#define ALPHA_CUTOFF\n");
        }
        source.push_str(ToneMapping::fragment_shader_source());
        source.push_str(ColorMapping::fragment_shader_source());
        source.push_str(SRGB_DECODE_GLSL);
        source.push_str(include_str!("surface.frag"));
        source
    }

    fn id(&self) -> EffectMaterialId {
        let mask = matches!(self.alpha, AlphaMode::Mask { .. });
        let bits = self
            .textures()
            .iter()
            .map(|(used, _)| *used)
            .chain([mask])
            .enumerate()
            .fold(0u16, |bits, (i, on)| bits | u16::from(on) << i);
        EffectMaterialId(shader_ids::SURFACE | bits)
    }

    fn use_uniforms(&self, program: &Program, viewer: &dyn Viewer, lights: &[&dyn Light]) {
        self.inner.use_uniforms(program, viewer, lights);
        if let AlphaMode::Mask { cutoff } = self.alpha {
            program.use_uniform("alphaCutoff", cutoff);
        }
    }

    fn render_states(&self) -> RenderStates {
        self.inner.render_states()
    }

    fn material_type(&self) -> MaterialType {
        self.inner.material_type()
    }
}
