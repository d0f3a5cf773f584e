//! GLB → [`Model`]: walks the scene's node tree, reads every triangle
//! primitive through `gltf`'s accessor readers (after checking each
//! accessor's type and that it lies inside the binary chunk, which the
//! readers assume), and moves it to world space.

use std::collections::HashMap;

use gltf::accessor::{DataType, Dimensions};
use gltf::mesh::Mode;

use super::container::{self, Container};
use super::materials;
use super::math::{IDENTITY, Mat4, NormalTransform, multiply, transform_point};
use super::{Image, Material, Model, Part, TextureRef};
use crate::error::{ConvertError, within};
use crate::limits::MAX_TRIANGLES;

/// Which optional attributes a part has; primitives merge into one part only
/// when these and the material agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Attributes {
    normals: bool,
    uvs: bool,
    colors: bool,
}

/// Reads and flattens the GLB in `bytes`.
pub(crate) fn load(bytes: &[u8]) -> Result<Model<'_>, ConvertError> {
    let Container { document, bin } = container::parse(bytes)?;
    let bin = check_buffers(&document, bin)?;
    let mut notes = Vec::new();
    let instances = instances(&document, &mut notes)?;

    let triangles: u64 = instances
        .iter()
        .flat_map(|(mesh, _)| mesh.primitives())
        .map(|primitive| triangles_in(&primitive))
        .sum();
    within("the number of triangles", triangles, MAX_TRIANGLES)?;
    if triangles == 0 {
        return Err(ConvertError::NoMesh);
    }

    let default_material = document.materials().len();
    let mut parts: Vec<Part> = Vec::new();
    let mut part_of: HashMap<(usize, Attributes), usize> = HashMap::new();
    let mut skipped_modes = false;
    for (mesh, transform) in &instances {
        let normal_transform = NormalTransform::new(transform);
        for primitive in mesh.primitives() {
            if triangles_in(&primitive) == 0 {
                skipped_modes |= !matches!(primitive.mode(), Mode::Triangles);
                continue;
            }
            let label = format!("mesh {} primitive {}", mesh.index(), primitive.index());
            let read = read_primitive(&primitive, &label, transform, &normal_transform, bin)?;
            let material = primitive.material().index().unwrap_or(default_material);
            let key = (material, read.attributes());
            let index = *part_of.entry(key).or_insert_with(|| {
                parts.push(Part {
                    material,
                    ..Part::default()
                });
                parts.len() - 1
            });
            append(&mut parts[index], read);
        }
    }
    if skipped_modes {
        notes.push("points and lines are left out; only triangles are converted".into());
    }

    let mut materials: Vec<Material> = document
        .materials()
        .map(|material| materials::convert(&material, &mut notes))
        .collect();
    if parts.iter().any(|part| part.material == default_material) {
        materials.push(Material::fallback());
    }
    let mut model = Model {
        parts,
        materials,
        images: Vec::new(),
        notes,
    };
    model.images = load_images(&document, bin, &mut model)?;
    Ok(model)
}

/// The BIN chunk, once every buffer is known to live inside it.
fn check_buffers<'a>(
    document: &gltf::Document,
    bin: Option<&'a [u8]>,
) -> Result<&'a [u8], ConvertError> {
    let bin = bin.unwrap_or_default();
    for buffer in document.buffers() {
        match buffer.source() {
            gltf::buffer::Source::Bin => {
                if buffer.length() > bin.len() {
                    return Err(ConvertError::InvalidGltf(format!(
                        "buffer {} declares {} bytes but the BIN chunk holds {}",
                        buffer.index(),
                        buffer.length(),
                        bin.len()
                    )));
                }
            }
            gltf::buffer::Source::Uri(_) => {
                return Err(ConvertError::Unsupported(format!(
                    "buffer {} refers to a file outside the GLB",
                    buffer.index()
                )));
            }
        }
    }
    Ok(bin)
}

/// Every mesh the scene shows, with its node's world transform. Uses the
/// default scene, else the first, else every node that is no node's child.
fn instances<'a>(
    document: &'a gltf::Document,
    notes: &mut Vec<String>,
) -> Result<Vec<(gltf::Mesh<'a>, Mat4)>, ConvertError> {
    let roots: Vec<gltf::Node<'a>> = match document
        .default_scene()
        .or_else(|| document.scenes().next())
    {
        Some(scene) => scene.nodes().collect(),
        None => {
            let mut is_child = vec![false; document.nodes().len()];
            for child in document.nodes().flat_map(|node| node.children()) {
                is_child[child.index()] = true;
            }
            document.nodes().filter(|n| !is_child[n.index()]).collect()
        }
    };
    let mut seen = vec![false; document.nodes().len()];
    let mut stack: Vec<(gltf::Node<'a>, Mat4)> =
        roots.into_iter().map(|node| (node, IDENTITY)).collect();
    let mut instances = Vec::new();
    let mut skinned = false;
    while let Some((node, parent)) = stack.pop() {
        if std::mem::replace(&mut seen[node.index()], true) {
            return Err(ConvertError::InvalidGltf(format!(
                "node {} is reached twice: the node hierarchy must be a tree",
                node.index()
            )));
        }
        let world = multiply(&parent, &node.transform().matrix());
        if let Some(mesh) = node.mesh() {
            skinned |= node.skin().is_some();
            instances.push((mesh, world));
        }
        stack.extend(node.children().map(|child| (child, world)));
    }
    if skinned {
        notes.push("skinned meshes are converted in their rest pose".into());
    }
    Ok(instances)
}

/// Triangles `primitive` draws, from the accessor counts alone.
fn triangles_in(primitive: &gltf::Primitive<'_>) -> u64 {
    let corners = match (
        primitive.indices(),
        primitive.get(&gltf::Semantic::Positions),
    ) {
        (Some(indices), _) => indices.count(),
        (None, Some(positions)) => positions.count(),
        (None, None) => 0,
    } as u64;
    match primitive.mode() {
        Mode::Triangles => corners / 3,
        Mode::TriangleStrip | Mode::TriangleFan => corners.saturating_sub(2),
        Mode::Points | Mode::Lines | Mode::LineLoop | Mode::LineStrip => 0,
    }
}

/// One primitive's data in world space, as separate arrays.
struct ReadPrimitive {
    positions: Vec<[f32; 3]>,
    normals: Option<Vec<[f32; 3]>>,
    uvs: Option<Vec<[f32; 2]>>,
    colors: Option<Vec<[f32; 4]>>,
    indices: Vec<u32>,
}

impl ReadPrimitive {
    fn attributes(&self) -> Attributes {
        Attributes {
            normals: self.normals.is_some(),
            uvs: self.uvs.is_some(),
            colors: self.colors.is_some(),
        }
    }
}

const FLOAT: &[DataType] = &[DataType::F32];
const FLOAT_OR_NORMALIZED: &[DataType] = &[DataType::F32, DataType::U8, DataType::U16];
const INDEX_TYPES: &[DataType] = &[DataType::U8, DataType::U16, DataType::U32];

fn read_primitive(
    primitive: &gltf::Primitive<'_>,
    label: &str,
    transform: &Mat4,
    normal_transform: &NormalTransform,
    bin: &[u8],
) -> Result<ReadPrimitive, ConvertError> {
    let attribute = |semantic: gltf::Semantic, dims: &[Dimensions], types: &[DataType]| {
        primitive
            .get(&semantic)
            .map(|accessor| {
                check_accessor(&accessor, &format!("{semantic:?}"), dims, types, bin)
                    .map(|()| accessor)
            })
            .transpose()
    };
    let position_accessor = attribute(gltf::Semantic::Positions, &[Dimensions::Vec3], FLOAT)?
        .ok_or_else(|| ConvertError::InvalidGltf(format!("{} has no POSITION attribute", label)))?;
    let has_normals = attribute(gltf::Semantic::Normals, &[Dimensions::Vec3], FLOAT)?.is_some();
    let has_uvs = attribute(
        gltf::Semantic::TexCoords(0),
        &[Dimensions::Vec2],
        FLOAT_OR_NORMALIZED,
    )?
    .is_some();
    let has_colors = attribute(
        gltf::Semantic::Colors(0),
        &[Dimensions::Vec3, Dimensions::Vec4],
        FLOAT_OR_NORMALIZED,
    )?
    .is_some();
    if let Some(indices) = primitive.indices() {
        check_accessor(&indices, "indices", &[Dimensions::Scalar], INDEX_TYPES, bin)?;
    }

    let reader = primitive.reader(|buffer| match buffer.source() {
        gltf::buffer::Source::Bin => Some(bin),
        gltf::buffer::Source::Uri(_) => None,
    });
    // The checks above guarantee every reader below finds its data.
    let missing = || ConvertError::internal("reading checked accessors", label);
    let positions: Vec<[f32; 3]> = reader
        .read_positions()
        .ok_or_else(missing)?
        .map(|p| transform_point(transform, p))
        .collect();
    if positions.iter().flatten().any(|c| !c.is_finite()) {
        return Err(ConvertError::InvalidGltf(format!(
            "{} has positions that are not finite numbers",
            label
        )));
    }
    let vertex_count = position_accessor.count();
    let normals = if has_normals {
        let normals = reader.read_normals().ok_or_else(missing)?;
        Some(
            normals
                .map(|n| normal_transform.apply(n, [0.0, 1.0, 0.0]))
                .collect(),
        )
    } else {
        None
    };
    let uvs = if has_uvs {
        let uvs = reader.read_tex_coords(0).ok_or_else(missing)?.into_f32();
        Some(uvs.map(|uv| uv.map(finite_or_zero)).collect())
    } else {
        None
    };
    let colors = if has_colors {
        let colors = reader.read_colors(0).ok_or_else(missing)?.into_rgba_f32();
        Some(
            colors
                .map(|c| c.map(|v| finite_or_zero(v).clamp(0.0, 1.0)))
                .collect(),
        )
    } else {
        None
    };
    let corners: Vec<u32> = match reader.read_indices() {
        Some(indices) => indices.into_u32().collect(),
        None => (0..vertex_count as u32).collect(),
    };
    if let Some(&bad) = corners.iter().find(|&&i| i as usize >= vertex_count) {
        return Err(ConvertError::InvalidGltf(format!(
            "{} uses vertex {bad}, but it has {vertex_count}",
            label
        )));
    }
    let mut indices = triangle_list(primitive.mode(), &corners);
    if normal_transform.mirrors {
        for triangle in indices.chunks_exact_mut(3) {
            triangle.swap(1, 2);
        }
    }
    let read = ReadPrimitive {
        positions,
        normals,
        uvs,
        colors,
        indices,
    };
    let lengths_agree = [
        read.normals.as_ref().map(Vec::len),
        read.uvs.as_ref().map(Vec::len),
        read.colors.as_ref().map(Vec::len),
    ]
    .into_iter()
    .flatten()
    .all(|len| len == vertex_count);
    if !lengths_agree {
        return Err(ConvertError::InvalidGltf(format!(
            "{}'s attributes have different vertex counts",
            label
        )));
    }
    Ok(read)
}

/// Strips and fans unrolled into a list, each triangle keeping the
/// strip's alternating winding consistent.
fn triangle_list(mode: Mode, corners: &[u32]) -> Vec<u32> {
    match mode {
        Mode::TriangleStrip => (0..corners.len().saturating_sub(2))
            .flat_map(|i| {
                let (a, b, c) = (corners[i], corners[i + 1], corners[i + 2]);
                if i % 2 == 0 { [a, b, c] } else { [b, a, c] }
            })
            .collect(),
        Mode::TriangleFan => (1..corners.len().saturating_sub(1))
            .flat_map(|i| [corners[i], corners[i + 1], corners[0]])
            .collect(),
        _ => corners[..corners.len() / 3 * 3].to_vec(),
    }
}

fn finite_or_zero(v: f32) -> f32 {
    if v.is_finite() { v } else { 0.0 }
}

/// Checks that `accessor` has one of the allowed layouts and lies wholly
/// inside its buffer view and the binary chunk.
fn check_accessor(
    accessor: &gltf::Accessor<'_>,
    what: &str,
    dims: &[Dimensions],
    types: &[DataType],
    bin: &[u8],
) -> Result<(), ConvertError> {
    let index = accessor.index();
    let invalid =
        |reason: String| ConvertError::InvalidGltf(format!("accessor {index} ({what}) {reason}"));
    if !dims.contains(&accessor.dimensions()) || !types.contains(&accessor.data_type()) {
        return Err(invalid(format!(
            "is {:?} of {:?}, which glTF does not allow here",
            accessor.dimensions(),
            accessor.data_type()
        )));
    }
    if accessor.sparse().is_some() {
        return Err(ConvertError::Unsupported(format!(
            "accessor {index} ({what}) is sparse"
        )));
    }
    let Some(view) = accessor.view() else {
        return Err(ConvertError::Unsupported(format!(
            "accessor {index} ({what}) has no buffer view"
        )));
    };
    if accessor.count() == 0 {
        return Err(invalid("has no elements".into()));
    }
    let element = accessor.size() as u64;
    let stride = view.stride().map_or(element, |s| s as u64);
    if stride < element {
        return Err(invalid(format!(
            "has {element}-byte elements in a view with a {stride}-byte stride"
        )));
    }
    let needed = (accessor.count() as u64 - 1)
        .checked_mul(stride)
        .and_then(|span| span.checked_add(element + accessor.offset() as u64));
    if needed.is_none_or(|needed| needed > view.length() as u64) {
        return Err(invalid(format!(
            "runs past the end of buffer view {}",
            view.index()
        )));
    }
    let view_end = view.offset() as u64 + view.length() as u64;
    if view_end > view.buffer().length() as u64 || view_end > bin.len() as u64 {
        return Err(ConvertError::InvalidGltf(format!(
            "buffer view {} runs past the end of its buffer",
            view.index()
        )));
    }
    Ok(())
}

/// Appends `read` to `part`, renumbering its indices.
fn append(part: &mut Part, read: ReadPrimitive) {
    let offset = part.positions.len() as u32;
    part.positions.extend(read.positions);
    extend(&mut part.normals, read.normals);
    extend(&mut part.uvs, read.uvs);
    extend(&mut part.colors, read.colors);
    part.indices
        .extend(read.indices.into_iter().map(|i| i + offset));
}

fn extend<T>(into: &mut Option<Vec<T>>, values: Option<Vec<T>>) {
    if let Some(values) = values {
        into.get_or_insert_with(Vec::new).extend(values);
    }
}

/// Loads the images the parts' materials use, numbered in order of first
/// use, and renumbers the materials' references to match. Images of unused
/// materials are never read.
fn load_images<'a>(
    document: &gltf::Document,
    bin: &'a [u8],
    model: &mut Model<'a>,
) -> Result<Vec<Image<'a>>, ConvertError> {
    let mut images: Vec<Image<'a>> = Vec::new();
    let mut number: HashMap<usize, usize> = HashMap::new();
    for m in model.used_materials() {
        let material = &mut model.materials[m];
        for slot in [
            &mut material.base_color_texture,
            &mut material.metallic_roughness_texture,
            &mut material.normal_texture,
        ] {
            let Some(texture) = slot.as_mut() else {
                continue;
            };
            let gltf_index = texture.image;
            let index = match number.get(&gltf_index) {
                Some(&index) => index,
                None => {
                    images.push(load_image(document, bin, gltf_index)?);
                    number.insert(gltf_index, images.len() - 1);
                    images.len() - 1
                }
            };
            *texture = TextureRef {
                image: index,
                ..*texture
            };
        }
    }
    Ok(images)
}

fn load_image<'a>(
    document: &gltf::Document,
    bin: &'a [u8],
    index: usize,
) -> Result<Image<'a>, ConvertError> {
    // Read from the JSON: `gltf::Image::source` panics on an embedded image
    // without a MIME type, which validation lets through (and which we
    // sniff anyway).
    let json = &document.as_json().images[index];
    match (&json.buffer_view, &json.uri) {
        (Some(view), _) => {
            let view = &document.as_json().buffer_views[view.value()];
            let start = view.byte_offset.map_or(0, |o| o.0) as usize;
            let bytes = start
                .checked_add(view.byte_length.0 as usize)
                .and_then(|end| bin.get(start..end))
                .ok_or_else(|| {
                    ConvertError::InvalidGltf(format!(
                        "image {index}'s buffer view runs past the end of the BIN chunk"
                    ))
                })?;
            Image::probe(index, bytes)
        }
        (None, Some(_)) => Err(ConvertError::Unsupported(format!(
            "image {index} refers to a file outside the GLB"
        ))),
        (None, None) => Err(ConvertError::InvalidGltf(format!(
            "image {index} has neither a buffer view nor a URI"
        ))),
    }
}
