//! What an extraction will weigh, before it is asked for: the download and
//! the GPU memory the variant picker shows next to each choice.

use trellis_api::ExtractParams;

/// Bytes per vertex of a TRELLIS.2 GLB (f32 position, normal, uv) and per
/// face (u32 indices); a mesh has about half as many vertices as faces plus
/// seams, hence the 0.6 factor (anchors §3.3).
const GEOMETRY_BYTES_PER_FACE: f64 = 12.0 + 32.0 * 0.6;
/// Compressed texture bytes per texel, measured on TRELLIS.2 PNG exports
/// (two textures: base colour and metallic-roughness).
const TEXTURE_FILE_BYTES_PER_TEXEL: f64 = 2.0 * 0.9;
/// GPU bytes per texel: RGBA8 plus a full mip chain, for two textures.
const TEXTURE_GPU_BYTES_PER_TEXEL: f64 = 2.0 * 4.0 * 4.0 / 3.0;
/// Predicted download size and GPU memory of an extraction, in MB.
pub fn predicted_mb(params: &ExtractParams) -> (f64, f64) {
    let texels = params.texture_size as f64 * params.texture_size as f64;
    let geometry = params.decimation_target as f64 * GEOMETRY_BYTES_PER_FACE;
    let file = geometry + texels * TEXTURE_FILE_BYTES_PER_TEXEL;
    let gpu = geometry + texels * TEXTURE_GPU_BYTES_PER_TEXEL;
    (file / 1_048_576.0, gpu / 1_048_576.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigger_textures_weigh_more_on_the_gpu_than_in_the_file() {
        let params = ExtractParams {
            decimation_target: 500_000,
            texture_size: 2048,
            ..ExtractParams::default()
        };
        let (file, gpu) = predicted_mb(&params);
        // 500k faces × 31.2 B, plus 2048² texels × 1.8 B (file) or 10.7 B (GPU).
        assert!((file - 22.08).abs() < 0.01, "{file}");
        assert!((gpu - 57.55).abs() < 0.01, "{gpu}");
        let four_k = ExtractParams {
            texture_size: 4096,
            ..params
        };
        assert!(predicted_mb(&four_k).1 > 3.0 * gpu);
    }
}
