//! The ways the viewer can draw a model, and the material each one uses for
//! a model part. Materials other than the model's own are cheap views that
//! share its GPU textures, so they are built per frame rather than stored.

use super::channel_material::{Channel, ChannelMaterial};
use super::clay_material::ClayMaterial;
use super::surface_material::SurfaceMaterial;
use three_d::{Material, NormalMaterial, PhysicalMaterial};
use trellis_viewer_glb::AlphaMode;

/// How the model is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DisplayMode {
    /// The full PBR material under the studio lights.
    #[default]
    Shaded,
    /// Shaded, with every triangle edge drawn over it, to judge the mesh's
    /// density and topology.
    ShadedWireframe,
    /// Geometry only, in neutral grey, to judge the shape.
    Clay,
    /// World-space normals as colours.
    Normals,
    /// The unlit albedo texture and factor.
    BaseColor,
    /// The metallic channel as grey levels.
    Metallic,
    /// The roughness channel as grey levels.
    Roughness,
    /// The base colour's alpha as grey levels.
    Alpha,
    /// A checker pattern over the UVs, to judge texture stretching.
    UvChecker,
}

impl DisplayMode {
    /// Every mode, in toolbar order.
    pub const ALL: [DisplayMode; 9] = [
        DisplayMode::Shaded,
        DisplayMode::ShadedWireframe,
        DisplayMode::Clay,
        DisplayMode::Normals,
        DisplayMode::BaseColor,
        DisplayMode::Metallic,
        DisplayMode::Roughness,
        DisplayMode::Alpha,
        DisplayMode::UvChecker,
    ];

    /// The short button label.
    pub fn label(self) -> &'static str {
        match self {
            DisplayMode::Shaded => "Shaded",
            DisplayMode::ShadedWireframe => "Wireframe",
            DisplayMode::Clay => "Clay",
            DisplayMode::Normals => "Normals",
            DisplayMode::BaseColor => "Base colour",
            DisplayMode::Metallic => "Metallic",
            DisplayMode::Roughness => "Roughness",
            DisplayMode::Alpha => "Alpha",
            DisplayMode::UvChecker => "UV checker",
        }
    }

    /// A stable identifier for tests and styling (`data-mode`).
    pub fn key(self) -> &'static str {
        match self {
            DisplayMode::Shaded => "shaded",
            DisplayMode::ShadedWireframe => "wireframe",
            DisplayMode::Clay => "clay",
            DisplayMode::Normals => "normals",
            DisplayMode::BaseColor => "base-color",
            DisplayMode::Metallic => "metallic",
            DisplayMode::Roughness => "roughness",
            DisplayMode::Alpha => "alpha",
            DisplayMode::UvChecker => "uv-checker",
        }
    }

    /// The mode whose [`DisplayMode::key`] is `key`.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|mode| mode.key() == key)
    }

    /// The material to draw a part with in this mode. `own` is the part's
    /// material from the file; `alpha` only affects the shaded modes.
    pub(super) fn material(
        self,
        own: &PhysicalMaterial,
        clay: &ClayMaterial,
        has_uvs: bool,
        alpha: AlphaMode,
    ) -> Box<dyn Material> {
        let channel = |c| Box::new(ChannelMaterial::new(c, own, has_uvs)) as Box<dyn Material>;
        match self {
            // Materials draw triangles only: the lines go over the parts
            // afterwards, in `Viewer::render`.
            DisplayMode::Shaded | DisplayMode::ShadedWireframe => {
                Box::new(SurfaceMaterial::new(own, alpha))
            }
            DisplayMode::Clay => Box::new(*clay),
            DisplayMode::Normals => Box::new(NormalMaterial::from_physical_material(own)),
            // Unlit and opaque: alpha has its own mode.
            DisplayMode::BaseColor => channel(Channel::BaseColor),
            DisplayMode::Metallic => channel(Channel::Metallic),
            DisplayMode::Roughness => channel(Channel::Roughness),
            DisplayMode::Alpha => channel(Channel::Alpha),
            DisplayMode::UvChecker => channel(Channel::UvChecker),
        }
    }
}
