//! The USD layer, as USDA text: one `Mesh` per part and one
//! `UsdPreviewSurface` material per glTF material. Text rather than the
//! binary crate format: it is what the USDZ specification and ARKit accept
//! alike, and it needs no third-party encoder.

use std::fmt::Write;

use super::material;
use super::values::{ROOT, tuple};
use crate::model::{Model, Part, bounds};
use crate::placement::Placement;

/// Positions are written to the micrometre: finer than any display or
/// printer resolves, and half the characters of full `f32` precision.
const POSITION_STEPS: f64 = 1e6;
/// Normals to 1/10 000: well under a hundredth of a degree.
const NORMAL_STEPS: f64 = 1e4;
/// Texture coordinates to a millionth: 1/250 of a texel at 4096².
const UV_STEPS: f64 = 1e6;
/// Colours to 1/10 000, finer than 8-bit output.
const COLOR_STEPS: f64 = 1e4;

/// The whole layer. `texture_files[i]` is the package path of image `i`.
pub(super) fn layer(model: &Model<'_>, placement: &Placement, texture_files: &[String]) -> String {
    let vertices: usize = model.parts.iter().map(|p| p.positions.len()).sum();
    // About 90 characters per vertex with every attribute present.
    let mut out = String::with_capacity(4096 + vertices * 90);
    out.push_str(concat!(
        "#usda 1.0\n(\n",
        "    customLayerData = {\n",
        "        string creator = \"trellis-convert ",
        env!("CARGO_PKG_VERSION"),
        "\"\n    }\n",
    ));
    let _ = write!(
        out,
        "    defaultPrim = \"{ROOT}\"\n    metersPerUnit = 1\n    upAxis = \"Y\"\n)\n\n"
    );
    let _ = write!(
        out,
        "def Xform \"{ROOT}\" (\n    kind = \"component\"\n)\n{{\n    def Scope \"Materials\"\n    {{\n"
    );
    for m in model.used_materials() {
        let vertex_colors = model
            .parts
            .iter()
            .any(|p| p.material == m && p.colors.is_some());
        material::write(
            &mut out,
            m,
            &model.materials[m],
            vertex_colors,
            texture_files,
        );
    }
    out.push_str("    }\n");
    for (index, part) in model.parts.iter().enumerate() {
        mesh(&mut out, index, part, model, placement);
    }
    out.push_str("}\n");
    out
}

fn mesh(out: &mut String, index: usize, part: &Part, model: &Model<'_>, placement: &Placement) {
    let material = &model.materials[part.material];
    let points: Vec<[f32; 3]> = part.positions.iter().map(|&p| placement.apply(p)).collect();
    let _ = write!(
        out,
        "\n    def Mesh \"Mesh{index}\" (\n        prepend apiSchemas = [\"MaterialBindingAPI\"]\n    )\n    {{\n"
    );
    let _ = writeln!(
        out,
        "        uniform bool doubleSided = {}",
        u8::from(material.double_sided)
    );
    let (min, max) = bounds(&points);
    out.push_str("        float3[] extent = [");
    tuple(out, &min, POSITION_STEPS);
    out.push_str(", ");
    tuple(out, &max, POSITION_STEPS);
    out.push_str("]\n");
    array(
        out,
        "int[] faceVertexCounts",
        part.indices.chunks_exact(3),
        |out, _| {
            out.push('3');
        },
    );
    out.push('\n');
    array(
        out,
        "int[] faceVertexIndices",
        part.indices.iter(),
        |out, i| {
            let _ = write!(out, "{i}");
        },
    );
    out.push('\n');
    let _ = writeln!(
        out,
        "        rel material:binding = </{ROOT}/Materials/{}>",
        material::name(part.material)
    );
    if let Some(normals) = &part.normals {
        array(out, "normal3f[] normals", normals.iter(), |out, n| {
            tuple(out, n, NORMAL_STEPS);
        });
        vertex_interpolation(out);
    }
    array(out, "point3f[] points", points.iter(), |out, p| {
        tuple(out, p, POSITION_STEPS);
    });
    out.push('\n');
    if let Some(uvs) = &part.uvs {
        // glTF's v runs down the image, USD's t up it.
        array(out, "texCoord2f[] primvars:st", uvs.iter(), |out, uv| {
            tuple(out, &[uv[0], 1.0 - uv[1]], UV_STEPS);
        });
        vertex_interpolation(out);
    }
    if let Some(colors) = &part.colors {
        let factor = material.base_color;
        array(
            out,
            "color3f[] primvars:displayColor",
            colors.iter(),
            |out, c| {
                tuple(
                    out,
                    &[c[0] * factor[0], c[1] * factor[1], c[2] * factor[2]],
                    COLOR_STEPS,
                );
            },
        );
        vertex_interpolation(out);
    }
    out.push_str("        uniform token subdivisionScheme = \"none\"\n    }\n");
}

fn vertex_interpolation(out: &mut String) {
    out.push_str(" (\n            interpolation = \"vertex\"\n        )\n");
}

/// `        <declaration> = [a, b, …]`, without the line end so metadata can
/// follow.
fn array<T>(
    out: &mut String,
    declaration: &str,
    items: impl Iterator<Item = T>,
    mut item: impl FnMut(&mut String, T),
) {
    let _ = write!(out, "        {declaration} = [");
    for (i, value) in items.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        item(out, value);
    }
    out.push(']');
}
