//! One mesh primitive read into world space through `gltf`'s accessor
//! readers, after checking each accessor's type and that it lies inside
//! the binary chunk, which the readers assume (they slice, and
//! debug-assert element sizes).

use gltf::accessor::{DataType, Dimensions};
use gltf::mesh::Mode;

use super::math::{Mat4, NormalTransform, transform_point};
use crate::error::ConvertError;

/// Which optional attributes a part has; primitives merge into one part only
/// when these and the material agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct Attributes {
    pub normals: bool,
    pub uvs: bool,
    pub colors: bool,
}

/// One primitive's data in world space, as separate arrays.
pub(super) struct ReadPrimitive {
    pub positions: Vec<[f32; 3]>,
    pub normals: Option<Vec<[f32; 3]>>,
    pub uvs: Option<Vec<[f32; 2]>>,
    pub colors: Option<Vec<[f32; 4]>>,
    pub indices: Vec<u32>,
}

impl ReadPrimitive {
    pub(super) fn attributes(&self) -> Attributes {
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

pub(super) fn read_primitive(
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
