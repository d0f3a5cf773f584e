//! The poster: a picture of the model for link previews, rendered on the
//! CPU (a server has no GPU to spare for it). Base-colour textured, lit by
//! a key, a fill and a sky light, standing in a soft contact shadow on the
//! neutral dark gradient the app's viewer uses, drawn at twice the size and
//! averaged down for smooth edges.

mod camera;
mod raster;
mod texture;

use image::{DynamicImage, RgbImage};
use serde::{Deserialize, Serialize};

use crate::error::ConvertError;
use crate::limits::POSTER_SIDE_RANGE;
use crate::model::math::{cross, sub};
use crate::model::{AlphaMode, Model, Part, decode_rgba, encode_png};
use crate::{Converted, check_range};
use camera::Camera;
use raster::{Corner, Frame, Surface};
use texture::{Texture, linear_to_srgb};

/// Samples per pixel along each axis.
const SUPERSAMPLING: usize = 2;
/// The background gradient, top to bottom: neutral greys that flatter any
/// colour and stay apart from white or black models.
const BACKGROUND_TOP: [u8; 3] = [0x4b, 0x50, 0x58];
const BACKGROUND_BOTTOM: [u8; 3] = [0x22, 0x25, 0x2a];
/// The contact shadow: how dark at its centre, and its radius as a share
/// of the model's footprint; it fades to nothing at the edge.
const SHADOW_DARKNESS: f32 = 0.6;
const SHADOW_RADIUS: f32 = 0.75;
/// Segments around the shadow's disc.
const SHADOW_SEGMENTS: usize = 64;

/// The poster's size.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PosterOptions {
    pub width: u32,
    pub height: u32,
}

impl Default for PosterOptions {
    /// 1200 × 630, the Open Graph image size Facebook, LinkedIn, Slack and
    /// X (summary_large_image) all display uncropped.
    fn default() -> Self {
        Self {
            width: 1200,
            height: 630,
        }
    }
}

/// What the poster shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PosterReport {
    pub width: u32,
    pub height: u32,
    /// Share of the pixels showing the model, 0..=1.
    pub coverage: f32,
}

pub(crate) fn render(
    model: &Model<'_>,
    options: &PosterOptions,
) -> Result<Converted<PosterReport>, ConvertError> {
    check_range("width", options.width, POSTER_SIDE_RANGE)?;
    check_range("height", options.height, POSTER_SIDE_RANGE)?;
    let (width, height) = (options.width as usize, options.height as usize);
    let (big_width, big_height) = (width * SUPERSAMPLING, height * SUPERSAMPLING);
    let camera = Camera::framing(model, big_width as u32, big_height as u32);
    let textures = base_color_textures(model)?;
    let mut frame = Frame::new(big_width, big_height, |y| {
        let t = y as f32 / big_height as f32;
        std::array::from_fn(|c| {
            let (top, bottom) = (
                f32::from(BACKGROUND_TOP[c]),
                f32::from(BACKGROUND_BOTTOM[c]),
            );
            (top + (bottom - top) * t).round() as u8
        })
    });
    ground_shadow(&mut frame, model, &camera);
    for part in &model.parts {
        let material = &model.materials[part.material];
        let surface = Surface {
            base: material.base_color,
            texture: textures[part.material].as_ref(),
            cutoff: match material.alpha {
                AlphaMode::Mask(cutoff) => Some(cutoff),
                AlphaMode::Opaque | AlphaMode::Blend => None,
            },
        };
        draw(&mut frame, part, &camera, &surface);
    }
    let (image, covered) = downsample(&frame, width, height);
    Ok(Converted {
        bytes: encode_png(&DynamicImage::ImageRgb8(image))?,
        report: PosterReport {
            width: options.width,
            height: options.height,
            coverage: covered as f32 / (width * height) as f32,
        },
        notes: model.notes.clone(),
    })
}

/// Each used material's decoded base colour texture, by material index.
fn base_color_textures(model: &Model<'_>) -> Result<Vec<Option<Texture>>, ConvertError> {
    let mut textures: Vec<Option<Texture>> = model.materials.iter().map(|_| None).collect();
    for m in model.used_materials() {
        if let Some(texture) = model.materials[m].base_color_texture {
            let pixels = decode_rgba(model.image(texture))?;
            textures[m] = Some(Texture::new(pixels, texture.wrap));
        }
    }
    Ok(textures)
}

fn draw(frame: &mut Frame, part: &Part, camera: &Camera, surface: &Surface<'_>) {
    let corners: Vec<Corner> = (0..part.positions.len())
        .map(|i| Corner {
            screen: camera.screen(part.positions[i]),
            normal: part
                .normals
                .as_ref()
                .map_or([0.0; 3], |n| camera.view_direction(n[i])),
            uv: part.uvs.as_ref().map_or([0.0; 2], |uv| uv[i]),
            color: part.colors.as_ref().map_or([1.0; 4], |c| c[i]),
        })
        .collect();
    for triangle in part.indices.chunks_exact(3) {
        let mut three = [0, 1, 2].map(|c| corners[triangle[c] as usize]);
        if part.normals.is_none() {
            // Flat shading from the face's own normal.
            let [a, b, c] = [0, 1, 2].map(|k| part.positions[triangle[k] as usize]);
            let normal = camera.view_direction(cross(sub(b, a), sub(c, a)));
            for corner in &mut three {
                corner.normal = normal;
            }
        }
        frame.triangle(&three, surface);
    }
}

/// A soft disc of shadow on the ground under the model: darkest in the
/// middle, fading out in two rings so it reads as contact, not a blot.
fn ground_shadow(frame: &mut Frame, model: &Model<'_>, camera: &Camera) {
    let (min, max) = model.bounds();
    let centre = [(min[0] + max[0]) / 2.0, min[1], (min[2] + max[2]) / 2.0];
    let radius = SHADOW_RADIUS * (max[0] - min[0]).max(max[2] - min[2]);
    let ring = |scale: f32, k: usize| {
        let angle = k as f32 / SHADOW_SEGMENTS as f32 * std::f32::consts::TAU;
        camera.screen([
            centre[0] + radius * scale * angle.cos(),
            centre[1],
            centre[2] + radius * scale * angle.sin(),
        ])
    };
    let middle = camera.screen(centre);
    let inner_darkness = SHADOW_DARKNESS * 0.6;
    for k in 0..SHADOW_SEGMENTS {
        let (inner, inner_next) = (ring(0.55, k), ring(0.55, k + 1));
        let (outer, outer_next) = (ring(1.0, k), ring(1.0, k + 1));
        frame.shadow(
            [middle, inner, inner_next],
            [SHADOW_DARKNESS, inner_darkness, inner_darkness],
        );
        frame.shadow([inner, outer, outer_next], [inner_darkness, 0.0, 0.0]);
        frame.shadow(
            [inner, outer_next, inner_next],
            [inner_darkness, 0.0, inner_darkness],
        );
    }
}

/// Averages each SUPERSAMPLING² block in linear light; also counts the
/// output pixels the model touches.
fn downsample(frame: &Frame, width: usize, height: usize) -> (RgbImage, usize) {
    let linear = frame.linear();
    let mut covered = 0;
    let mut image = RgbImage::new(width as u32, height as u32);
    let samples = (SUPERSAMPLING * SUPERSAMPLING) as f32;
    for (x, y, pixel) in image.enumerate_pixels_mut() {
        let mut sum = [0.0f32; 3];
        let mut any = false;
        for dy in 0..SUPERSAMPLING {
            for dx in 0..SUPERSAMPLING {
                let index = (y as usize * SUPERSAMPLING + dy) * frame.width
                    + x as usize * SUPERSAMPLING
                    + dx;
                any |= frame.covered(index);
                for (s, &value) in sum.iter_mut().zip(&frame.pixels[index]) {
                    *s += linear.get(value);
                }
            }
        }
        covered += usize::from(any);
        *pixel = image::Rgb(sum.map(|s| linear_to_srgb(s / samples)));
    }
    (image, covered)
}
