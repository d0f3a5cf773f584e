//! Binary STL for 3D printing, with a print report. Slicers read STL as
//! millimetres with Z up, so the model is scaled to the requested height
//! in millimetres, turned from glTF's Y up to Z up (front facing -Y, as
//! slicers show it) and stood on the build plate at z = 0.

mod holes;
mod mesh;
mod repair;

use serde::{Deserialize, Serialize};

pub use trellis_api::{PrintReport, RepairReport};

use crate::error::{ConvertError, within};
use crate::limits::{MAX_OUTPUT_BYTES, PRINT_HEIGHT_RANGE_MM};
use crate::model::Model;
use crate::model::math::normalize;
use crate::placement::Placement;
use crate::{Converted, check_range};
use mesh::{EdgeCounts, Solid};

/// Binary STL: an 80-byte header, a triangle count, then per triangle a
/// normal, three corners (twelve f32) and a 2-byte attribute.
const HEADER_LEN: usize = 80;
const TRIANGLE_LEN: usize = 50;

/// How to make the STL.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StlOptions {
    /// The printed height in millimetres.
    pub height_mm: f32,
    /// Repair the mesh first ([`RepairReport`] says what changed): fill
    /// holes, remove non-manifold edges, orient faces outward.
    pub make_printable: bool,
}

impl Default for StlOptions {
    /// 10 cm tall, unrepaired: a figurine size that prints in a few
    /// hours on any consumer printer.
    fn default() -> Self {
        Self {
            height_mm: 100.0,
            make_printable: false,
        }
    }
}

pub(crate) fn convert(
    model: &Model<'_>,
    options: &StlOptions,
) -> Result<Converted<PrintReport>, ConvertError> {
    check_range("height_mm", options.height_mm, PRINT_HEIGHT_RANGE_MM)?;
    let placement = Placement::standing(model, options.height_mm)?;
    let to_plate = |p: [f32; 3]| {
        let [x, y, z] = placement.apply(p);
        // Y up to Z up, a rotation (not a mirror): glTF's front (+Z)
        // becomes the slicer's front (-Y).
        [x, -z, y]
    };
    let mut solid = Solid::weld(model.parts.iter().map(|part| {
        let positions = part.positions.iter().map(|&p| to_plate(p)).collect();
        (positions, part.indices.as_slice())
    }));
    let repair = options
        .make_printable
        .then(|| repair::make_printable(&mut solid));
    let report = report(&solid, repair);
    Ok(Converted {
        bytes: write(&solid)?,
        report,
        notes: model.notes.clone(),
    })
}

fn report(solid: &Solid, repair: Option<RepairReport>) -> PrintReport {
    let edges = EdgeCounts::of(solid);
    let mut shells = repair::shells(solid);
    shells.sort_unstable();
    shells.dedup();
    let (min, max) = crate::model::bounds(
        solid
            .faces
            .iter()
            .flatten()
            .map(|&v| &solid.vertices[v as usize]),
    );
    PrintReport {
        triangles: solid.faces.len() as u64,
        closed: edges.closed(),
        manifold: edges.manifold(),
        boundary_edges: edges.boundary,
        non_manifold_edges: edges.non_manifold,
        inconsistent_edges: edges.inconsistent,
        shells: shells.len() as u64,
        volume_mm3: edges
            .closed()
            .then(|| solid.signed_volume(solid.faces.iter().copied()).abs()),
        size_mm: std::array::from_fn(|axis| (max[axis] - min[axis]).max(0.0)),
        repair,
    }
}

fn write(solid: &Solid) -> Result<Vec<u8>, ConvertError> {
    let size = HEADER_LEN + 4 + solid.faces.len() * TRIANGLE_LEN;
    within(
        "the converted file's size in bytes",
        size as u64,
        MAX_OUTPUT_BYTES,
    )?;
    let mut stl = Vec::with_capacity(size);
    let mut header = [b' '; HEADER_LEN];
    // Not "solid…": some readers take that for an ASCII STL.
    let title = concat!(
        "binary STL, millimetres, trellis-convert ",
        env!("CARGO_PKG_VERSION")
    );
    header[..title.len()].copy_from_slice(title.as_bytes());
    stl.extend_from_slice(&header);
    stl.extend_from_slice(&(solid.faces.len() as u32).to_le_bytes());
    for &face in &solid.faces {
        let [x, y, z] = solid.area_vector(face);
        let normal = normalize([x as f32, y as f32, z as f32]).unwrap_or([0.0; 3]);
        for value in normal.iter().chain(solid.corners(face).iter().flatten()) {
            stl.extend_from_slice(&value.to_le_bytes());
        }
        stl.extend_from_slice(&[0, 0]);
    }
    Ok(stl)
}

#[cfg(test)]
mod tests;
