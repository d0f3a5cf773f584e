//! The clay material: geometry only, lit by a cheap hemisphere plus the key
//! light. three-d's PBR material with image-based lighting would do, but
//! the clay stand-in is drawn while textures decode, when a frame must be
//! fast, and a 1M-triangle model under software rendering pays for every
//! instruction of its shader.

use super::shader_ids;
use three_d::{
    ColorMapping, EffectMaterialId, Light, Material, MaterialType, Program, RenderStates,
    ToneMapping, Vec3, Viewer,
};

/// Light grey clay lit from a fixed key direction.
#[derive(Debug, Clone, Copy)]
pub struct ClayMaterial {
    /// The direction the key light travels in.
    pub key_direction: Vec3,
    /// The key light's strength, as the shaded mode's key light has it.
    pub key_intensity: f32,
}

impl Material for ClayMaterial {
    fn fragment_shader_source(&self, _lights: &[&dyn Light]) -> String {
        format!(
            "{}{}{}",
            ToneMapping::fragment_shader_source(),
            ColorMapping::fragment_shader_source(),
            include_str!("clay.frag")
        )
    }

    fn id(&self) -> EffectMaterialId {
        EffectMaterialId(shader_ids::CLAY)
    }

    fn use_uniforms(&self, program: &Program, viewer: &dyn Viewer, _lights: &[&dyn Light]) {
        viewer.tone_mapping().use_uniforms(program);
        viewer.color_mapping().use_uniforms(program);
        program.use_uniform("keyDirection", self.key_direction);
        program.use_uniform("keyIntensity", self.key_intensity);
    }

    fn render_states(&self) -> RenderStates {
        RenderStates::default()
    }

    fn material_type(&self) -> MaterialType {
        MaterialType::Opaque
    }
}
