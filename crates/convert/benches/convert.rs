//! Conversion times for the largest model the GPU servers write by default:
//! 1M triangles with a 4096² base colour and a 4096² metallic-roughness
//! texture, as PNG (the Modal server's export) and as WebP (the official
//! TRELLIS.2 export, whose textures USDZ and OBJ must re-encode).
//! `cargo bench -p trellis-convert` prints the median of a few runs per
//! format with the output size; it asserts nothing, the tests do that.

#[path = "../tests/common/glb.rs"]
#[allow(dead_code, reason = "the benchmark uses part of the test helpers")]
mod glb;

use std::time::{Duration, Instant};

use glb::{Builder, Encoding, Mesh};
use image::RgbaImage;
use serde_json::json;
use trellis_convert::{
    ConvertError, PosterOptions, StlOptions, UsdzOptions, poster_png, to_obj_zip, to_stl, to_usdz,
};

/// One conversion, giving the output's size in bytes.
type Convert<'a> = dyn Fn(&[u8]) -> Result<usize, ConvertError> + 'a;

/// A 1000 × 500 quad grid: exactly 1M triangles.
const AROUND: u32 = 1000;
const ALONG: u32 = 500;
const TEXTURE_SIDE: u32 = 4096;
/// Enough runs for a stable median on a shared two-core machine, few
/// enough that the whole bench takes a couple of minutes.
const RUNS: usize = 3;

fn main() -> Result<(), ConvertError> {
    let start = Instant::now();
    let png = model(Encoding::Png);
    let webp = model(Encoding::Webp);
    println!(
        "model: {} triangles, two {TEXTURE_SIDE}² textures; GLB {:.1} MB (PNG), {:.1} MB (WebP); generated in {:.1} s",
        2 * AROUND * ALONG,
        megabytes(png.len()),
        megabytes(webp.len()),
        start.elapsed().as_secs_f64()
    );
    println!("median of {RUNS} runs:");
    let printable = StlOptions {
        make_printable: true,
        ..StlOptions::default()
    };
    let cases: [(&str, &[u8], &Convert<'_>); 7] = [
        ("USDZ (PNG textures copied)", &png, &|g| {
            to_usdz(g, &UsdzOptions::default()).map(|c| c.bytes.len())
        }),
        ("USDZ (WebP re-encoded)", &webp, &|g| {
            to_usdz(g, &UsdzOptions::default()).map(|c| c.bytes.len())
        }),
        ("STL + print report", &png, &|g| {
            to_stl(g, &StlOptions::default()).map(|c| c.bytes.len())
        }),
        ("STL, make printable", &png, &|g| {
            to_stl(g, &printable).map(|c| c.bytes.len())
        }),
        ("OBJ zip (PNG)", &png, &|g| {
            to_obj_zip(g).map(|c| c.bytes.len())
        }),
        ("OBJ zip (WebP re-encoded)", &webp, &|g| {
            to_obj_zip(g).map(|c| c.bytes.len())
        }),
        ("poster 1200×630", &png, &|g| {
            poster_png(g, &PosterOptions::default()).map(|c| c.bytes.len())
        }),
    ];
    for (name, glb, convert) in cases {
        let mut times = Vec::with_capacity(RUNS);
        let mut size = 0;
        for _ in 0..RUNS {
            let start = Instant::now();
            size = convert(glb)?;
            times.push(start.elapsed());
        }
        println!(
            "  {name:<28} {:>7.2} s   {:>7.1} MB",
            median(&mut times).as_secs_f64(),
            megabytes(size)
        );
    }
    Ok(())
}

/// The benchmark model: a bumpy sphere (so the poster and printability
/// checks see real relief) with photo-like textures encoded as `encoding`.
fn model(encoding: Encoding) -> Vec<u8> {
    let mut mesh = Mesh::sphere(AROUND, ALONG);
    for p in &mut mesh.positions {
        let bump = 1.0 + 0.05 * (7.0 * p[1]).sin() * (7.0 * p[0].atan2(p[2])).sin();
        *p = p.map(|c| c * bump);
    }
    let mut builder = Builder::default();
    let base = builder.texture(&photo_like(TEXTURE_SIDE), encoding);
    let packed = builder.texture(&glb::metallic_roughness(TEXTURE_SIDE), encoding);
    let material = builder.material(json!({
        "pbrMetallicRoughness": {
            "baseColorTexture": { "index": base },
            "metallicRoughnessTexture": { "index": packed },
        },
    }));
    let index = builder.mesh(&mesh, Some(material));
    builder.node(index, json!({}));
    builder.to_bytes()
}

/// Smooth colour fields with sensor-like grain: compresses like a baked
/// photo texture rather than like noise or a flat colour.
fn photo_like(side: u32) -> RgbaImage {
    RgbaImage::from_fn(side, side, |x, y| {
        let (u, v) = (x as f32 / side as f32, y as f32 / side as f32);
        let mut hash = x.wrapping_mul(0x9E37_79B1) ^ y.wrapping_mul(0x85EB_CA77);
        hash ^= hash >> 15;
        hash = hash.wrapping_mul(0x2C1B_3C6D);
        let grain = (hash >> 28) as f32 - 8.0;
        let shade = |base: f32, wave: f32| (base + 50.0 * wave + grain).clamp(0.0, 255.0) as u8;
        image::Rgba([
            shade(150.0, (u * 9.0).sin()),
            shade(120.0, (v * 7.0 + 1.0).sin()),
            shade(90.0, ((u + v) * 5.0).cos()),
            255,
        ])
    })
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

fn megabytes(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}
