//! How the USD layer writes its numbers, and the root prim's name: shared
//! by the meshes and the materials.

use std::fmt::Write;

/// The root prim; also the layer's `defaultPrim`.
pub(super) const ROOT: &str = "Model";

/// `(a, b, …)` with each value rounded to `1/steps`.
pub(super) fn tuple(out: &mut String, values: &[f32], steps: f64) {
    out.push('(');
    for (i, &value) in values.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        number(out, value, steps);
    }
    out.push(')');
}

/// `value` rounded to `1/steps`, in the shortest text that reads back as
/// the rounded value.
pub(super) fn number(out: &mut String, value: f32, steps: f64) {
    let rounded = (f64::from(value) * steps).round() / steps;
    // `-0` reads back fine but costs a character on every axis-aligned normal.
    let rounded = if rounded == 0.0 { 0.0 } else { rounded };
    let _ = write!(out, "{rounded}");
}
