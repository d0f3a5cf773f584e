//! A three-d material that shows one glTF material channel in isolation
//! (metallic, roughness or alpha) or a UV checker, for inspecting generated
//! assets; three-d has no built-in material for these.

use three_d::{
    EffectMaterialId, Light, Material, MaterialType, PhysicalMaterial, Program, RenderStates,
    Texture2DRef, Viewer,
};

/// Start of this material's shader IDs, inside the range three-d leaves for
/// applications (0x0000–0x4FFF); the low bits encode the shader variant.
const ID_BASE: u16 = 0x0100;

/// Which channel to isolate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
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
            Channel::Metallic => "CHANNEL_METALLIC",
            Channel::Roughness => "CHANNEL_ROUGHNESS",
            Channel::Alpha => "CHANNEL_ALPHA",
            Channel::UvChecker => "CHANNEL_CHECKER",
        }
    }
}

/// Renders one channel of a part's PBR material as grey levels.
pub struct ChannelMaterial {
    channel: Channel,
    factor: f32,
    texture: Option<Texture2DRef>,
    has_uvs: bool,
}

impl ChannelMaterial {
    /// The `channel` view of `material`, on a mesh with or without UVs.
    pub fn new(channel: Channel, material: &PhysicalMaterial, has_uvs: bool) -> Self {
        let (factor, texture) = match channel {
            Channel::Metallic => (material.metallic, &material.metallic_roughness_texture),
            Channel::Roughness => (material.roughness, &material.metallic_roughness_texture),
            Channel::Alpha => (
                f32::from(material.albedo.a) / 255.0,
                &material.albedo_texture,
            ),
            Channel::UvChecker => (1.0, &None),
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
        source.push_str(include_str!("channel.frag"));
        source
    }

    fn id(&self) -> EffectMaterialId {
        let channel = self.channel as u16;
        let bits = channel << 2 | u16::from(self.texture.is_some()) << 1 | u16::from(self.has_uvs);
        EffectMaterialId(ID_BASE | bits)
    }

    fn use_uniforms(&self, program: &Program, _viewer: &dyn Viewer, _lights: &[&dyn Light]) {
        if matches!(self.channel, Channel::UvChecker) {
            return;
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
