//! Other formats of a finished model, made by the proxy on the CPU from the
//! stored GLB: USDZ for AR on iPhones and iPads, STL for 3D printing, OBJ
//! for DCC tools.
//!
//! - `POST /api/generations/{id}/models/{variant}/conversions` with a
//!   [`ConversionRequest`] makes one (creator only, like extractions) and
//!   answers `200` with the [`Conversion`] once it is done; asking again
//!   for the same settings answers with the stored one.
//! - `GET …/conversions` lists the ones that exist ([`ConversionList`]), so
//!   anyone with the link can download them.
//! - `GET …/conversions/{file}` downloads one.
//!
//! Android's Scene Viewer takes the GLB itself, and not a meshopt-compressed
//! one: link the original model (`ModelVariant::url`), not the optimized
//! copy.

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// Smallest and largest real-world height for AR, in metres: a 1 cm
/// trinket to a 100 m building. Quick Look lets people rescale from there.
pub const AR_HEIGHT_RANGE_M: (f32, f32) = (0.01, 100.0);
/// What a model measures in AR unless asked otherwise: a tabletop object,
/// the size most generated models represent.
pub const DEFAULT_AR_HEIGHT_M: f32 = 0.3;
/// Smallest and largest print height, in millimetres: below 1 mm nothing
/// prints; 2 m is past every consumer printer's build volume.
pub const PRINT_HEIGHT_RANGE_MM: (f32, f32) = (1.0, 2000.0);
/// The printed height unless asked otherwise: a figurine that prints in a
/// few hours on any consumer printer.
pub const DEFAULT_PRINT_HEIGHT_MM: f32 = 100.0;
/// AR heights are kept to whole millimetres and print heights to tenths:
/// finer steps change nothing a person can see, and each distinct value
/// is a file on the server.
const AR_STEPS_PER_M: f32 = 1000.0;
const PRINT_STEPS_PER_MM: f32 = 10.0;

/// The formats a model converts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConversionFormat {
    /// USDZ for iOS Quick Look ("View in your space").
    Usdz,
    /// Binary STL in millimetres, Z up, with a print report.
    Stl,
    /// OBJ + MTL + textures in one zip, for Blender, Maya and friends.
    Obj,
}

impl ConversionFormat {
    pub const ALL: [ConversionFormat; 3] = [Self::Usdz, Self::Stl, Self::Obj];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Usdz => "usdz",
            Self::Stl => "stl",
            Self::Obj => "obj",
        }
    }

    /// The file name ending of a download.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Usdz => "usdz",
            Self::Stl => "stl",
            Self::Obj => "obj.zip",
        }
    }
}

/// The body of `POST …/models/{variant}/conversions`: the format and its
/// settings, e.g. `{"format":"usdz","height_m":0.3}`,
/// `{"format":"stl","height_mm":120,"make_printable":true}` or
/// `{"format":"obj"}`. Unset settings take their defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "format", rename_all = "lowercase", deny_unknown_fields)]
pub enum ConversionRequest {
    /// USDZ, Y up, in metres, standing on the origin.
    Usdz {
        /// The model's height when placed at 100 % in AR.
        #[serde(default = "default_ar_height")]
        height_m: f32,
    },
    /// STL standing on the build plate.
    Stl {
        /// The printed height.
        #[serde(default = "default_print_height")]
        height_mm: f32,
        /// Fill holes, remove non-manifold edges and orient faces outward
        /// first (the report says what changed).
        #[serde(default)]
        make_printable: bool,
    },
    /// OBJ + MTL + textures, in the GLB's own units and axes.
    Obj {},
}

fn default_ar_height() -> f32 {
    DEFAULT_AR_HEIGHT_M
}

fn default_print_height() -> f32 {
    DEFAULT_PRINT_HEIGHT_MM
}

impl ConversionRequest {
    /// The format asked for.
    pub fn format(&self) -> ConversionFormat {
        match self {
            Self::Usdz { .. } => ConversionFormat::Usdz,
            Self::Stl { .. } => ConversionFormat::Stl,
            Self::Obj {} => ConversionFormat::Obj,
        }
    }

    /// Checks the settings and rounds them to the steps a conversion is
    /// stored by, so equal requests name one file.
    pub fn resolve(&self) -> Result<Self, FieldError> {
        Ok(match *self {
            Self::Usdz { height_m } => Self::Usdz {
                height_m: stepped("height_m", height_m, AR_HEIGHT_RANGE_M, AR_STEPS_PER_M, "m")?,
            },
            Self::Stl {
                height_mm,
                make_printable,
            } => Self::Stl {
                height_mm: stepped(
                    "height_mm",
                    height_mm,
                    PRINT_HEIGHT_RANGE_MM,
                    PRINT_STEPS_PER_MM,
                    "mm",
                )?,
                make_printable,
            },
            Self::Obj {} => Self::Obj {},
        })
    }

    /// The file a resolved request is stored and served as, e.g.
    /// `300mm.usdz`, `120mm-printable.stl` or `model.obj.zip`: letters,
    /// digits, `-` and `.` only.
    pub fn file_name(&self) -> String {
        let stem = match *self {
            Self::Usdz { height_m } => format!("{}mm", tenths((height_m * 1e4).round())),
            Self::Stl {
                height_mm,
                make_printable,
            } => {
                let printable = if make_printable { "-printable" } else { "" };
                format!("{}mm{printable}", tenths((height_mm * 10.0).round()))
            }
            Self::Obj {} => "model".to_owned(),
        };
        format!("{stem}.{}", self.format().extension())
    }
}

/// `value` in tenths as text without a trailing `.0`: 1200 → "120",
/// 254 → "25.4".
fn tenths(value: f32) -> String {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    // Checked to lie within a range far below u32::MAX before.
    let value = value.max(0.0) as u32;
    match value % 10 {
        0 => (value / 10).to_string(),
        rest => format!("{}.{rest}", value / 10),
    }
}

/// `value`, checked against `range` and rounded to `1 / steps`.
fn stepped(
    field: &str,
    value: f32,
    (low, high): (f32, f32),
    steps: f32,
    unit: &str,
) -> Result<f32, FieldError> {
    if !(value.is_finite() && (low..=high).contains(&value)) {
        return Err(FieldError::new(
            field,
            format!("{field} must be from {low} to {high} {unit} (got {value})"),
        ));
    }
    Ok(((value * steps).round() / steps).clamp(low, high))
}

/// A finished conversion: the `200` answer of the POST, and each entry of
/// the list. URLs are relative to the API base.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversion {
    /// The settings it was made with, as resolved (defaults filled in,
    /// heights rounded).
    pub request: ConversionRequest,
    /// Download URL, `generations/{id}/models/{variant}/conversions/{file}`.
    pub url: String,
    /// The name the download is saved as, e.g. `trellis-1a2b3c4d-500000-2048-300mm.usdz`.
    pub file_name: String,
    /// The `Content-Type` it is served with.
    pub media_type: String,
    pub bytes: u64,
    /// When it was made, Unix time in milliseconds.
    pub created_at: u64,
    /// What the conversion found.
    pub report: ConversionReport,
    /// What the conversion had to leave out or change, one sentence each;
    /// worth showing next to the download.
    pub notes: Vec<String>,
}

/// Format-specific facts about a conversion, tagged like the request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "format", rename_all = "lowercase")]
pub enum ConversionReport {
    Usdz(ArReport),
    Stl(PrintReport),
    Obj(DccReport),
}

/// What went into a USDZ.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArReport {
    pub triangles: u64,
    pub materials: u64,
    /// Texture files in the package.
    pub textures: u64,
    /// Of those, how many were re-encoded (WebP to PNG, which USDZ needs).
    pub reencoded_textures: u64,
    /// Width, height and depth in metres (X, Y, Z).
    pub size_m: [f32; 3],
}

/// What a slicer will find in an STL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrintReport {
    pub triangles: u64,
    /// Watertight: every edge belongs to exactly two triangles, so the
    /// surface encloses a volume.
    pub closed: bool,
    /// No edge has more than two triangles and neighbouring triangles
    /// agree on which side is out.
    pub manifold: bool,
    /// Edges with one triangle: the borders of holes.
    pub boundary_edges: u64,
    /// Edges with more than two triangles.
    pub non_manifold_edges: u64,
    /// Edges whose two triangles disagree on which side is out.
    pub inconsistent_edges: u64,
    /// Separate pieces (connected sets of triangles).
    pub shells: u64,
    /// Enclosed volume in mm³, when the mesh is closed (otherwise it
    /// encloses nothing well defined).
    pub volume_mm3: Option<f64>,
    /// Width (X), depth (Y) and height (Z) in millimetres.
    pub size_mm: [f32; 3],
    /// What "make printable" changed, when it ran.
    pub repair: Option<RepairReport>,
}

/// What "make printable" changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepairReport {
    /// Vertices merged into a near neighbour.
    pub vertices_merged: u64,
    /// Zero-area triangles and exact duplicates removed.
    pub degenerate_removed: u64,
    /// Faces removed so that no edge has more than two.
    pub non_manifold_removed: u64,
    /// Faces turned over to agree with their neighbours or to face out.
    pub flipped: u64,
    /// Holes closed.
    pub holes_filled: u64,
    /// Triangles added to close them.
    pub triangles_added: u64,
}

/// What went into an OBJ archive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DccReport {
    pub triangles: u64,
    pub materials: u64,
    /// Texture files in the archive (split roughness and metallic maps
    /// included).
    pub textures: u64,
    /// Textures re-encoded as PNG because DCC tools may not read WebP.
    pub reencoded_textures: u64,
}

/// `GET …/models/{variant}/conversions`: the conversions that exist.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ConversionList {
    pub conversions: Vec<Conversion>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<ConversionRequest, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn requests_fill_in_defaults_and_refuse_other_formats_settings() {
        assert_eq!(
            parse(r#"{"format":"usdz"}"#).unwrap(),
            ConversionRequest::Usdz { height_m: 0.3 }
        );
        assert_eq!(
            parse(r#"{"format":"stl","make_printable":true}"#).unwrap(),
            ConversionRequest::Stl {
                height_mm: 100.0,
                make_printable: true
            }
        );
        assert_eq!(
            parse(r#"{"format":"obj"}"#).unwrap(),
            ConversionRequest::Obj {}
        );
        let wrong = parse(r#"{"format":"obj","height_m":1}"#).unwrap_err();
        assert!(wrong.to_string().contains("height_m"), "{wrong}");
        assert!(parse(r#"{"format":"fbx"}"#).is_err());
        assert!(parse(r#"{"height_m":1}"#).is_err());
    }

    #[test]
    fn resolving_rounds_to_the_stored_steps_and_names_one_file() {
        let usdz = ConversionRequest::Usdz { height_m: 0.30004 }
            .resolve()
            .unwrap();
        assert_eq!(usdz, ConversionRequest::Usdz { height_m: 0.3 });
        assert_eq!(usdz.file_name(), "300mm.usdz");
        let stl = ConversionRequest::Stl {
            height_mm: 25.43,
            make_printable: true,
        }
        .resolve()
        .unwrap();
        assert_eq!(stl.file_name(), "25.4mm-printable.stl");
        assert_eq!(
            ConversionRequest::Stl {
                height_mm: 120.0,
                make_printable: false
            }
            .file_name(),
            "120mm.stl"
        );
        assert_eq!(ConversionRequest::Obj {}.file_name(), "model.obj.zip");
        assert_eq!(
            ConversionRequest::Usdz { height_m: 1.5 }.file_name(),
            "1500mm.usdz"
        );
    }

    #[test]
    fn heights_out_of_range_or_not_numbers_are_refused_with_the_field() {
        for height_m in [0.0, -1.0, 100.5, f32::NAN, f32::INFINITY] {
            let err = ConversionRequest::Usdz { height_m }.resolve().unwrap_err();
            assert_eq!(err.field, "height_m");
            assert!(err.message.contains("from 0.01 to 100 m"), "{err}");
        }
        let err = ConversionRequest::Stl {
            height_mm: 0.5,
            make_printable: false,
        }
        .resolve()
        .unwrap_err();
        assert_eq!(err.field, "height_mm");
    }

    #[test]
    fn reports_carry_their_format_tag() {
        let report = ConversionReport::Obj(DccReport {
            triangles: 2,
            materials: 1,
            textures: 0,
            reencoded_textures: 0,
        });
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["format"], "obj");
        assert_eq!(json["triangles"], 2);
        assert_eq!(
            serde_json::from_value::<ConversionReport>(json).unwrap(),
            report
        );
    }
}
