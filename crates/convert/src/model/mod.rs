//! The converters' common input: a GLB flattened into world-space triangle
//! parts, one per material (and set of vertex attributes), with the glTF
//! metallic-roughness materials and the texture images they use. Images are
//! borrowed from the GLB, so a PNG or JPEG texture can be copied into the
//! output byte for byte.

mod container;
mod images;
mod load;
mod materials;
pub(crate) mod math;
mod primitive;

pub(crate) use images::{Image, decode_rgba, encode_png};
pub(crate) use load::load;

/// A GLB ready to convert.
pub(crate) struct Model<'a> {
    /// Triangle parts, each with one material.
    pub parts: Vec<Part>,
    /// The glTF materials, in order, plus a default one when a primitive
    /// has none.
    pub materials: Vec<Material>,
    /// The images the materials use, each once (not glTF's numbering).
    pub images: Vec<Image<'a>>,
    /// What the conversion left out, in words for the user.
    pub notes: Vec<String>,
}

/// World-space triangles sharing one material and one set of attributes.
#[derive(Debug, Default)]
pub(crate) struct Part {
    /// Index into [`Model::materials`].
    pub material: usize,
    /// Positions in metres, Y up (glTF's frame).
    pub positions: Vec<[f32; 3]>,
    /// Unit normals, when the GLB has them.
    pub normals: Option<Vec<[f32; 3]>>,
    /// `TEXCOORD_0`, glTF orientation: v grows down the image.
    pub uvs: Option<Vec<[f32; 2]>>,
    /// `COLOR_0` as linear RGBA in `0..=1`.
    pub colors: Option<Vec<[f32; 4]>>,
    /// Three vertex indices per triangle, counter-clockwise from outside.
    pub indices: Vec<u32>,
}

impl Part {
    pub fn triangle_count(&self) -> usize {
        self.indices.len() / 3
    }
}

/// A glTF metallic-roughness material, as far as the outputs can carry it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Material {
    /// Linear RGBA factor; multiplies the texture.
    pub base_color: [f32; 4],
    /// sRGB colour, alpha in A.
    pub base_color_texture: Option<TextureRef>,
    pub metallic: f32,
    pub roughness: f32,
    /// Roughness in G, metallic in B (linear).
    pub metallic_roughness_texture: Option<TextureRef>,
    /// Tangent-space normal map, OpenGL convention (+Y up).
    pub normal_texture: Option<TextureRef>,
    /// Scales the map's X and Y.
    pub normal_scale: f32,
    pub alpha: AlphaMode,
    pub double_sided: bool,
}

impl Material {
    /// What a primitive without a material gets. glTF's default is a white
    /// metal, which renders as a mirror; exporters that leave the material
    /// out mean a plain matte surface, and viewers draw it as one.
    pub fn fallback() -> Self {
        Self {
            base_color: [1.0; 4],
            base_color_texture: None,
            metallic: 0.0,
            roughness: 1.0,
            metallic_roughness_texture: None,
            normal_texture: None,
            normal_scale: 1.0,
            alpha: AlphaMode::Opaque,
            double_sided: false,
        }
    }
}

/// How a material's alpha is used.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum AlphaMode {
    /// Alpha is ignored.
    Opaque,
    /// Fully transparent below the cutoff, opaque above.
    Mask(f32),
    /// Alpha blending.
    Blend,
}

/// A material's use of an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TextureRef {
    /// Index into [`Model::images`].
    pub image: usize,
    /// Wrap mode along u and v.
    pub wrap: [Wrap; 2],
}

/// Texture wrapping, as glTF samplers define it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wrap {
    Repeat,
    Clamp,
    Mirror,
}

impl Model<'_> {
    pub fn triangle_count(&self) -> usize {
        self.parts.iter().map(Part::triangle_count).sum()
    }

    /// The package path of each image, as written into USDZ and OBJ
    /// archives: `textures/image{i}.png` or `.jpg`.
    pub fn texture_files(&self) -> Vec<String> {
        self.images
            .iter()
            .enumerate()
            .map(|(i, image)| format!("textures/image{i}.{}", image.portable_extension()))
            .collect()
    }

    /// The image behind `texture`.
    pub fn image(&self, texture: TextureRef) -> &Image<'_> {
        &self.images[texture.image]
    }

    /// Indices of the materials the parts use, ascending, without repeats.
    pub fn used_materials(&self) -> Vec<usize> {
        let mut used: Vec<usize> = self.parts.iter().map(|p| p.material).collect();
        used.sort_unstable();
        used.dedup();
        used
    }

    /// Axis-aligned bounds of the triangles' corners: (min, max). Vertices
    /// no triangle uses do not count.
    pub fn bounds(&self) -> ([f32; 3], [f32; 3]) {
        bounds(
            self.parts
                .iter()
                .flat_map(|part| part.indices.iter().map(|&i| &part.positions[i as usize])),
        )
    }
}

/// Axis-aligned bounds of `points`: (min, max); infinite when empty.
pub(crate) fn bounds<'p>(points: impl IntoIterator<Item = &'p [f32; 3]>) -> ([f32; 3], [f32; 3]) {
    let mut min = [f32::INFINITY; 3];
    let mut max = [f32::NEG_INFINITY; 3];
    for p in points {
        for axis in 0..3 {
            min[axis] = min[axis].min(p[axis]);
            max[axis] = max[axis].max(p[axis]);
        }
    }
    (min, max)
}
