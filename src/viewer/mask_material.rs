//! glTF `alphaMode: MASK` for three-d's PBR material, which has no cutoff
//! of its own. Its shader already contains the cutoff test (guarded by
//! `ALPHACUT`, for the deferred variant); this wrapper turns it on with the
//! cutoff as a uniform, so moving the slider does not recompile the shader.

use three_d::{
    EffectMaterialId, Light, Material, MaterialType, PhysicalMaterial, Program, RenderStates,
    Viewer,
};

/// Start of this material's shader IDs, inside the range three-d leaves for
/// applications (0x0000–0x4FFF) and after `ChannelMaterial`'s; the low five
/// bits mirror which textures the wrapped material samples.
const ID_BASE: u16 = 0x0200;

/// A physical material whose fragments below `cutoff` alpha are discarded.
pub struct MaskMaterial {
    inner: PhysicalMaterial,
    cutoff: f32,
}

impl MaskMaterial {
    /// `material` drawn opaque, with fragments under `cutoff` discarded.
    pub fn new(material: &PhysicalMaterial, cutoff: f32) -> Self {
        Self {
            inner: PhysicalMaterial {
                is_transparent: false,
                render_states: RenderStates::default(),
                ..material.clone()
            },
            cutoff,
        }
    }
}

impl Material for MaskMaterial {
    fn fragment_shader_source(&self, lights: &[&dyn Light]) -> String {
        let mut source = String::from("#define ALPHACUT;\nuniform float acut;\n");
        source.push_str(&self.inner.fragment_shader_source(lights));
        source
    }

    fn id(&self) -> EffectMaterialId {
        let m = &self.inner;
        let bits = [
            m.albedo_texture.is_some(),
            m.metallic_roughness_texture.is_some(),
            m.occlusion_texture.is_some(),
            m.normal_texture.is_some(),
            m.emissive_texture.is_some(),
        ]
        .iter()
        .enumerate()
        .fold(0u16, |bits, (i, &on)| bits | u16::from(on) << i);
        EffectMaterialId(ID_BASE | bits)
    }

    fn use_uniforms(&self, program: &Program, viewer: &dyn Viewer, lights: &[&dyn Light]) {
        self.inner.use_uniforms(program, viewer, lights);
        // Unused (and compiled out) when there is no albedo texture to test.
        program.use_uniform_if_required("acut", self.cutoff);
    }

    fn render_states(&self) -> RenderStates {
        self.inner.render_states()
    }

    fn material_type(&self) -> MaterialType {
        MaterialType::Opaque
    }
}
