//! USDZ for iOS Quick Look: a zip whose entries are stored uncompressed
//! with 64-byte-aligned data, the USD layer first, then its PNG and JPEG
//! textures (WebP, which the USDZ specification does not allow, is
//! re-encoded as PNG). Y up and metres, scaled to the requested height and
//! standing on the origin.

mod material;
mod usda;
mod values;

use serde::{Deserialize, Serialize};

use crate::archive::{Archive, Entry};
use crate::error::ConvertError;
use crate::limits::AR_HEIGHT_RANGE_M;
use crate::model::Model;
use crate::placement::Placement;
use crate::{Converted, check_range};

/// The layer's name inside the package; the first entry, as the USDZ
/// specification requires.
const LAYER: &str = "model.usda";

/// How to make the USDZ.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UsdzOptions {
    /// The model's real-world height in metres: what it measures when
    /// placed at 100 % in AR.
    pub height_m: f32,
}

impl Default for UsdzOptions {
    /// 30 cm: a tabletop object, the size most generated models represent.
    fn default() -> Self {
        Self { height_m: 0.3 }
    }
}

/// What went into the USDZ.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UsdzReport {
    pub triangles: u64,
    pub materials: usize,
    /// Texture files in the package.
    pub textures: usize,
    /// Of those, how many were re-encoded (WebP to PNG).
    pub reencoded_textures: usize,
    /// Width, height and depth in metres (X, Y, Z).
    pub size_m: [f32; 3],
}

pub(crate) fn convert(
    model: &Model<'_>,
    options: &UsdzOptions,
) -> Result<Converted<UsdzReport>, ConvertError> {
    check_range("height_m", options.height_m, AR_HEIGHT_RANGE_M)?;
    let placement = Placement::standing(model, options.height_m)?;
    let texture_files = model.texture_files();
    let layer = usda::layer(model, &placement, &texture_files);

    let mut archive = Archive::new();
    archive.add(LAYER, layer.as_bytes(), Entry::StoredAligned)?;
    drop(layer);
    for (image, file) in model.images.iter().zip(&texture_files) {
        archive.add(file, &image.portable_bytes()?, Entry::StoredAligned)?;
    }
    Ok(Converted {
        bytes: archive.finish()?,
        report: UsdzReport {
            triangles: model.triangle_count() as u64,
            materials: model.used_materials().len(),
            textures: model.images.len(),
            reencoded_textures: model.images.iter().filter(|i| !i.is_portable()).count(),
            size_m: placement.size(model),
        },
        notes: notes(model),
    })
}

/// The model's notes, plus what USDZ in particular leaves out.
fn notes(model: &Model<'_>) -> Vec<String> {
    let mut notes = model.notes.clone();
    let hidden_colors = model.parts.iter().any(|part| {
        part.colors.is_some() && model.materials[part.material].base_color_texture.is_some()
    });
    if hidden_colors {
        notes.push(
            "vertex colours under a base colour texture are left out: USD's preview material cannot multiply the two"
                .into(),
        );
    }
    notes
}
