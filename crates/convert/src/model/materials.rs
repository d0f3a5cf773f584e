//! glTF materials reduced to what USDZ, OBJ and the poster carry.

use gltf::texture::WrappingMode;

use super::{AlphaMode, Material, TextureRef, Wrap};

/// `material` with texture references still in glTF image numbering.
/// Textures on a second UV set are left out, with a note: every output
/// carries one set of texture coordinates.
pub(super) fn convert(material: &gltf::Material<'_>, notes: &mut Vec<String>) -> Material {
    let label = match material.index() {
        Some(index) => format!("material {index}"),
        None => "the default material".to_owned(),
    };
    let mut first_set_only = |slot: &str, tex_coord: u32, texture: gltf::Texture<'_>| {
        if tex_coord == 0 {
            return Some(texture_ref(&texture));
        }
        notes.push(format!(
            "{label}: the {slot} texture uses UV set {tex_coord}, which is not converted"
        ));
        None
    };
    let pbr = material.pbr_metallic_roughness();
    let base_color_texture = pbr
        .base_color_texture()
        .and_then(|info| first_set_only("base colour", info.tex_coord(), info.texture()));
    let metallic_roughness_texture = pbr
        .metallic_roughness_texture()
        .and_then(|info| first_set_only("metallic-roughness", info.tex_coord(), info.texture()));
    let normal = material.normal_texture();
    let normal_scale = normal.as_ref().map_or(1.0, |n| n.scale());
    let normal_texture =
        normal.and_then(|info| first_set_only("normal", info.tex_coord(), info.texture()));
    Material {
        base_color: pbr.base_color_factor().map(unit),
        base_color_texture,
        metallic: unit(pbr.metallic_factor()),
        roughness: unit(pbr.roughness_factor()),
        metallic_roughness_texture,
        normal_texture,
        normal_scale: if normal_scale.is_finite() {
            normal_scale
        } else {
            1.0
        },
        alpha: match material.alpha_mode() {
            gltf::material::AlphaMode::Opaque => AlphaMode::Opaque,
            gltf::material::AlphaMode::Mask => {
                AlphaMode::Mask(unit(material.alpha_cutoff().unwrap_or(0.5)))
            }
            gltf::material::AlphaMode::Blend => AlphaMode::Blend,
        },
        double_sided: material.double_sided(),
    }
}

fn texture_ref(texture: &gltf::Texture<'_>) -> TextureRef {
    let sampler = texture.sampler();
    TextureRef {
        image: texture.source().index(),
        wrap: [wrap(sampler.wrap_s()), wrap(sampler.wrap_t())],
    }
}

fn wrap(mode: WrappingMode) -> Wrap {
    match mode {
        WrappingMode::Repeat => Wrap::Repeat,
        WrappingMode::ClampToEdge => Wrap::Clamp,
        WrappingMode::MirroredRepeat => Wrap::Mirror,
    }
}

/// `value` clamped into `0..=1`, with NaN as 0: factors outside that range
/// break the specification and every consumer handles them differently.
fn unit(value: f32) -> f32 {
    if value.is_nan() {
        0.0
    } else {
        value.clamp(0.0, 1.0)
    }
}
