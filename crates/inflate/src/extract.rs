//! The "extract" step: from a masked photo to a textured, closed GLB.

use image::RgbaImage;

use crate::field::SignedField;
use crate::glb::{Material, MeshData, write_glb};
use crate::mask::Mask;
use crate::solid::solidify;
use crate::triangulate::triangulate;
use crate::{GlbModel, InflateError, texture};

/// Non-metallic: the inflated shape is a stand-in painted with the photo,
/// and metal would mirror an environment the photo never showed.
const METALLIC: f32 = 0.0;

/// Mostly matte, like TRELLIS.2's own materials: shading stays soft enough
/// that the baked-in lighting of the photo still reads.
const ROUGHNESS: f32 = 0.8;

/// Inflates the subject in `image`'s alpha into a GLB of about
/// `decimation_target` triangles, textured at `texture_size`².
pub(crate) fn extract(
    image: &RgbaImage,
    decimation_target: u32,
    texture_size: u32,
) -> Result<GlbModel, InflateError> {
    let mask = Mask::from_alpha(image);
    let bounds = mask.bounds().ok_or_else(|| {
        InflateError::NoSubject("the stored subject is empty; generate it again".into())
    })?;
    let field = SignedField::new(&mask);
    let planar = triangulate(&field, bounds, decimation_target)?;
    let solid = solidify(&planar, image.width(), image.height());
    let material = Material {
        base_color_png: Some(texture::bake(image, &mask, texture_size)?),
        metallic: METALLIC,
        roughness: ROUGHNESS,
    };
    let mesh = MeshData {
        positions: solid.positions,
        normals: None,
        uvs: Some(solid.uvs),
        colors: None,
        indices: solid.indices,
    };
    let bytes = write_glb(&mesh, Some(&material))?;
    Ok(GlbModel {
        bytes,
        faces: (mesh.indices.len() / 3) as u64,
        vertices: mesh.positions.len() as u64,
    })
}
