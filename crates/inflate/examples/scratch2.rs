#[path = "../tests/common/mod.rs"]
mod common;
use std::time::Instant;
use image::imageops::{resize, thumbnail, FilterType};
fn main() {
    let scene = common::photo(1024, 1024);
    let rgb = image::DynamicImage::ImageRgba8(scene.image).into_rgb8();
    for size in [2048, 4096, 512, 1024] {
        let t = Instant::now(); let a = resize(&rgb, size, size, FilterType::Triangle); let ta = t.elapsed();
        let t = Instant::now(); let b = thumbnail(&rgb, size, size); let tb = t.elapsed();
        let diff: f64 = a.as_raw().iter().zip(b.as_raw()).map(|(x, y)| (*x as f64 - *y as f64).abs()).sum::<f64>() / a.as_raw().len() as f64;
        println!("{size}: triangle {ta:?} thumbnail {tb:?} mean abs diff {diff:.2}");
    }
}
