//! GLB → [`Model`]: walks the scene's node tree, reads every triangle
//! primitive into world space, and merges primitives that share a material
//! into parts.

use std::collections::HashMap;

use gltf::mesh::Mode;

use super::container::{self, Container};
use super::images::load_images;
use super::materials;
use super::math::{IDENTITY, Mat4, NormalTransform, multiply};
use super::primitive::{Attributes, ReadPrimitive, read_primitive};
use super::{Material, Model, Part};
use crate::error::{ConvertError, within};
use crate::limits::MAX_TRIANGLES;

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
