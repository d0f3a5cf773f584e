//! The studio the model is lit by: a generated environment (a bright sky
//! over a grey floor, with two large soft boxes) turned into image-based
//! lighting once per viewer. Generated rather than shipped as an HDR file:
//! no download, no decoder in the bundle, a few lines of code.

use three_d::{
    AmbientLight, Context, CpuTexture, Environment, EnvironmentOptions, GeometryFunction,
    InnerSpace, Interpolation, LightingModel, NormalDistributionFunction, Srgba, TextureCubeMap,
    TextureData, Vec3, Wrapping, f16,
};

/// The equirectangular studio image; 128×64 gives 32² cube faces, plenty
/// for light that has no sharp detail.
const WIDTH: u32 = 128;
const HEIGHT: u32 = 64;
/// Pre-filtering sizes and sample counts, well below three-d's defaults:
/// a smooth studio needs few samples and looks the same with these, and
/// under SwiftShader the start-up task shrinks from about 450 ms (defaults)
/// to about 250 ms.
const OPTIONS: EnvironmentOptions = EnvironmentOptions {
    lighting_model: LightingModel::Cook(
        NormalDistributionFunction::TrowbridgeReitzGGX,
        GeometryFunction::SmithSchlickGGX,
    ),
    irradiance_map_size: 8,
    irradiance_sample_count: 32,
    prefilter_map_size: 32,
    prefilter_map_max_mip_levels: 4,
    prefilter_sample_count: 32,
    brdf_map_size: 64,
    brdf_sample_count: 32,
};

/// A soft box: a disc of light seen from the model.
struct SoftBox {
    /// Where it hangs, seen from the model.
    towards: [f32; 3],
    /// Angular radius, in radians, out to the soft edge's middle.
    radius: f32,
    /// Linear radiance at its centre.
    radiance: f32,
}

/// The key box sits where the key light comes from (upper left, front);
/// the rim box behind the model, right, so silhouettes catch an edge.
const SOFT_BOXES: [SoftBox; 2] = [
    SoftBox {
        towards: [-0.6, 0.65, 0.45],
        radius: 0.45,
        radiance: 4.0,
    },
    SoftBox {
        towards: [0.8, 0.3, -0.6],
        radius: 0.35,
        radiance: 2.5,
    },
];

/// Image-based ambient light from the generated studio.
pub fn studio_light(context: &Context, intensity: f32) -> AmbientLight {
    let map = TextureCubeMap::new_from_equirectangular::<f16>(context, &studio_image());
    AmbientLight {
        intensity,
        color: Srgba::WHITE,
        environment: Some(Environment::new_with_options(context, &map, OPTIONS)),
    }
}

/// The studio as an equirectangular HDR image, top row at the zenith (as
/// three-d's cube map conversion reads it).
fn studio_image() -> CpuTexture {
    let boxes: Vec<(Vec3, f32, f32)> = SOFT_BOXES
        .iter()
        .map(|b| (Vec3::from(b.towards).normalize(), b.radius, b.radiance))
        .collect();
    let mut texels = Vec::with_capacity((WIDTH * HEIGHT) as usize);
    for row in 0..HEIGHT {
        let elevation =
            std::f32::consts::FRAC_PI_2 - std::f32::consts::PI * (row as f32 + 0.5) / HEIGHT as f32;
        for column in 0..WIDTH {
            // Matches the conversion's u = atan2(z, x) / 2π + 0.5.
            let azimuth = std::f32::consts::TAU * ((column as f32 + 0.5) / WIDTH as f32 - 0.5);
            let direction = Vec3::new(
                elevation.cos() * azimuth.cos(),
                elevation.sin(),
                elevation.cos() * azimuth.sin(),
            );
            let value = radiance(direction, &boxes);
            texels.push([
                f16::from_f32(value[0]),
                f16::from_f32(value[1]),
                f16::from_f32(value[2]),
                f16::ONE,
            ]);
        }
    }
    CpuTexture {
        name: "studio".into(),
        data: TextureData::RgbaF16(texels),
        width: WIDTH,
        height: HEIGHT,
        min_filter: Interpolation::Linear,
        mag_filter: Interpolation::Linear,
        mipmap: None,
        wrap_s: Wrapping::Repeat,
        wrap_t: Wrapping::ClampToEdge,
    }
}

/// Linear RGB light arriving from `direction`: a sky brightening towards
/// the zenith, a darker warm floor, a soft horizon, and the soft boxes.
fn radiance(direction: Vec3, boxes: &[(Vec3, f32, f32)]) -> [f32; 3] {
    let up = direction.y;
    let sky = 0.6 + 0.35 * up.max(0.0).sqrt();
    let floor = 0.12;
    // Blend over a few degrees either side of the horizon.
    let sky_share = smoothstep(-0.08, 0.08, up);
    let base = floor + (sky - floor) * sky_share;
    let mut light = [base * 0.98, base, base * 1.03];
    for (towards, radius, strength) in boxes {
        let angle = direction.dot(*towards).clamp(-1.0, 1.0).acos();
        let glow = strength * (1.0 - smoothstep(radius * 0.7, radius * 1.3, angle));
        for channel in &mut light {
            *channel += glow;
        }
    }
    light
}

fn smoothstep(edge0: f32, edge1: f32, x: f32) -> f32 {
    let t = ((x - edge0) / (edge1 - edge0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}
