//! OBJ + MTL + textures in one zip, for Blender, Maya, ZBrush and the
//! like. Positions stay in the GLB's own frame (metres, Y up, which is
//! OBJ's convention too) so the model lines up with the GLB when both are
//! imported. The MTL uses the common PBR extension: `Pr`/`Pm` with
//! separate roughness and metallic maps split out of glTF's packed
//! texture, and `map_Bump` for the normal map, which is how Blender's
//! importer reads it.

use std::fmt::Write;

use image::{DynamicImage, GrayImage};
use serde::{Deserialize, Serialize};

use crate::Converted;
use crate::archive::{Archive, Entry};
use crate::error::ConvertError;
use crate::model::{AlphaMode, Model, Part, TextureRef, encode_png};

const OBJ: &str = "model.obj";
const MTL: &str = "model.mtl";

/// What went into the archive.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObjReport {
    pub triangles: u64,
    pub materials: usize,
    /// Texture files in the archive, split roughness and metallic maps
    /// included.
    pub textures: usize,
    /// Textures re-encoded because DCC tools may not read the original
    /// (WebP).
    pub reencoded_textures: usize,
}

pub(crate) fn convert(model: &Model<'_>) -> Result<Converted<ObjReport>, ConvertError> {
    let mut archive = Archive::new();
    archive.add(OBJ, geometry(model).as_bytes(), Entry::Deflated)?;

    let mut mtl = String::from(concat!(
        "# trellis-convert ",
        env!("CARGO_PKG_VERSION"),
        "\n"
    ));
    let texture_files = model.texture_files();
    let image_file = |texture: TextureRef| texture_files[texture.image].as_str();
    for (image, file) in model.images.iter().zip(&texture_files) {
        archive.add(file, &image.portable_bytes()?, Entry::Stored)?;
    }
    let mut textures = texture_files.len();
    for m in model.used_materials() {
        let material = &model.materials[m];
        let [r, g, b, a] = material.base_color;
        let _ = write!(mtl, "\nnewmtl Material{m}\nKd {r} {g} {b}\n");
        let _ = writeln!(mtl, "Pr {}\nPm {}", material.roughness, material.metallic);
        if material.alpha != AlphaMode::Opaque {
            let _ = writeln!(mtl, "d {a}");
        }
        let _ = writeln!(mtl, "illum 2");
        if let Some(texture) = material.base_color_texture {
            let file = image_file(texture);
            let _ = writeln!(mtl, "map_Kd {file}");
            if material.alpha != AlphaMode::Opaque {
                let _ = writeln!(mtl, "map_d {file}");
            }
        }
        if let Some(texture) = material.metallic_roughness_texture {
            let [roughness, metallic] = split_metallic_roughness(model, texture)?;
            for (key, kind, png) in [
                ("map_Pr", "roughness", roughness),
                ("map_Pm", "metallic", metallic),
            ] {
                let file = format!("textures/{kind}{m}.png");
                archive.add(&file, &png, Entry::Stored)?;
                let _ = writeln!(mtl, "{key} {file}");
                textures += 1;
            }
        }
        if let Some(texture) = material.normal_texture {
            let _ = writeln!(
                mtl,
                "map_Bump -bm {} {}",
                material.normal_scale,
                image_file(texture)
            );
        }
    }
    archive.add(MTL, mtl.as_bytes(), Entry::Deflated)?;
    Ok(Converted {
        bytes: archive.finish()?,
        report: ObjReport {
            triangles: model.triangle_count() as u64,
            materials: model.used_materials().len(),
            textures,
            reencoded_textures: model.images.iter().filter(|i| !i.is_portable()).count(),
        },
        notes: model.notes.clone(),
    })
}

/// The OBJ text: one object per part, 1-based indices shared across the
/// file, texture coordinates flipped to OBJ's v-up.
fn geometry(model: &Model<'_>) -> String {
    let vertices: usize = model.parts.iter().map(|p| p.positions.len()).sum();
    let mut obj = String::with_capacity(vertices * 100);
    let _ = write!(
        obj,
        "# trellis-convert {}\nmtllib {MTL}\n",
        env!("CARGO_PKG_VERSION")
    );
    let (mut next_v, mut next_vt, mut next_vn) = (1usize, 1usize, 1usize);
    for (index, part) in model.parts.iter().enumerate() {
        let _ = writeln!(obj, "o Mesh{index}");
        vertex_lines(&mut obj, part);
        let _ = writeln!(obj, "usemtl Material{}", part.material);
        let (uv, normal) = (part.uvs.is_some(), part.normals.is_some());
        for triangle in part.indices.chunks_exact(3) {
            obj.push('f');
            for &i in triangle {
                let i = i as usize;
                let _ = write!(obj, " {}", next_v + i);
                match (uv, normal) {
                    (true, true) => {
                        let _ = write!(obj, "/{}/{}", next_vt + i, next_vn + i);
                    }
                    (true, false) => {
                        let _ = write!(obj, "/{}", next_vt + i);
                    }
                    (false, true) => {
                        let _ = write!(obj, "//{}", next_vn + i);
                    }
                    (false, false) => {}
                }
            }
            obj.push('\n');
        }
        let count = part.positions.len();
        next_v += count;
        next_vt += if uv { count } else { 0 };
        next_vn += if normal { count } else { 0 };
    }
    obj
}

fn vertex_lines(obj: &mut String, part: &Part) {
    for (i, p) in part.positions.iter().enumerate() {
        let _ = write!(obj, "v {} {} {}", p[0], p[1], p[2]);
        // Vertex colours as three more numbers, the extension Blender,
        // MeshLab and trimesh read.
        if let Some(c) = part.colors.as_ref().map(|colors| colors[i]) {
            let _ = write!(obj, " {} {} {}", c[0], c[1], c[2]);
        }
        obj.push('\n');
    }
    for uv in part.uvs.iter().flatten() {
        let _ = writeln!(obj, "vt {} {}", uv[0], 1.0 - uv[1]);
    }
    for n in part.normals.iter().flatten() {
        let _ = writeln!(obj, "vn {} {} {}", n[0], n[1], n[2]);
    }
}

/// glTF's packed metallic-roughness texture as two grey PNGs: roughness
/// (G) and metallic (B), as DCC tools expect one map per slot.
fn split_metallic_roughness(
    model: &Model<'_>,
    texture: TextureRef,
) -> Result<[Vec<u8>; 2], ConvertError> {
    let packed = model.image(texture).decode()?.into_rgb8();
    let channel = |c: usize| {
        let grey = GrayImage::from_fn(packed.width(), packed.height(), |x, y| {
            image::Luma([packed.get_pixel(x, y)[c]])
        });
        encode_png(&DynamicImage::ImageLuma8(grey))
    };
    Ok([channel(1)?, channel(2)?])
}
