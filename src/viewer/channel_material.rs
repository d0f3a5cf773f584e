//! A three-d material that shows one glTF material channel in isolation
//! (base colour, metallic, roughness or alpha) or a UV checker, for
//! inspecting generated assets; three-d has no built-in material for these.

use super::colour::SRGB_DECODE_GLSL;
use super::shader_ids;
use three_d::{
    ColorMapping, EffectMaterialId, Light, Material, MaterialType, PhysicalMaterial, Program,
    RenderStates, Texture2DRef, Vec4, Viewer,
};

/// Which channel to isolate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Base colour factor × `baseColorTexture` × vertex colour, unlit.
    BaseColor,
    /// Blue channel of `metallicRoughnessTexture` × `metallicFactor`.
    Metallic,
    /// Green channel of `metallicRoughnessTexture` × `roughnessFactor`.
    Roughness,
    /// Alpha of `baseColorTexture` × the base colour factor's alpha.
    Alpha,
    /// A procedural checker over the UVs.
    UvChecker,
}

impl Channel {
    fn define(self) -> &'static str {
        match self {
            Channel::BaseColor => "CHANNEL_BASE_COLOR",
            Channel::Metallic => "CHANNEL_METALLIC",
            Channel::Roughness => "CHANNEL_ROUGHNESS",
            Channel::Alpha => "CHANNEL_ALPHA",
            Channel::UvChecker => "CHANNEL_CHECKER",
        }
    }
}

/// Renders one channel of a part's PBR material: the base colour as colour,
/// the others as grey levels.
pub struct ChannelMaterial {
    channel: Channel,
    /// Linear RGBA for the base colour; the scalar factor, repeated, for
    /// the others.
    factor: Vec4,
    texture: Option<Texture2DRef>,
    has_uvs: bool,
}

impl ChannelMaterial {
    /// The `channel` view of `material`, on a mesh with or without UVs.
    pub fn new(channel: Channel, material: &PhysicalMaterial, has_uvs: bool) -> Self {
        let albedo = material.albedo.to_linear_srgb();
        let (factor, texture) = match channel {
            Channel::BaseColor => (albedo, &material.albedo_texture),
            Channel::Metallic => (
                Vec4::new(1.0, 1.0, 1.0, 1.0) * material.metallic,
                &material.metallic_roughness_texture,
            ),
            Channel::Roughness => (
                Vec4::new(1.0, 1.0, 1.0, 1.0) * material.roughness,
                &material.metallic_roughness_texture,
            ),
            Channel::Alpha => (
                Vec4::new(1.0, 1.0, 1.0, 1.0) * albedo.w,
                &material.albedo_texture,
            ),
            Channel::UvChecker => (Vec4::new(1.0, 1.0, 1.0, 1.0), &None),
        };
        Self {
            channel,
            factor,
            // A texture is only sampled through UVs.
            texture: texture.clone().filter(|_| has_uvs),
            has_uvs,
        }
    }
}

impl Material for ChannelMaterial {
    fn fragment_shader_source(&self, _lights: &[&dyn Light]) -> String {
        let mut source = format!("#define {}\n", self.channel.define());
        if self.has_uvs {
            source.push_str("#define USE_UVS\n");
        }
        if self.texture.is_some() {
            source.push_str("#define USE_TEXTURE\n");
        }
        source.push_str(ColorMapping::fragment_shader_source());
        source.push_str(SRGB_DECODE_GLSL);
        source.push_str(include_str!("channel.frag"));
        source
    }

    fn id(&self) -> EffectMaterialId {
        let channel = self.channel as u16;
        let bits = channel << 2 | u16::from(self.texture.is_some()) << 1 | u16::from(self.has_uvs);
        EffectMaterialId(shader_ids::CHANNEL | bits)
    }

    fn use_uniforms(&self, program: &Program, viewer: &dyn Viewer, _lights: &[&dyn Light]) {
        if matches!(self.channel, Channel::UvChecker) {
            return;
        }
        if self.channel == Channel::BaseColor {
            viewer.color_mapping().use_uniforms(program);
        }
        program.use_uniform_if_required("factor", self.factor);
        if let Some(texture) = &self.texture {
            program.use_uniform("textureTransformation", texture.transformation);
            program.use_texture("tex", texture);
        }
    }

    fn render_states(&self) -> RenderStates {
        RenderStates::default()
    }

    fn material_type(&self) -> MaterialType {
        MaterialType::Opaque
    }
}
