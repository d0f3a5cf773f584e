//! Renders the example photos shipped with the app (`assets/examples/`):
//! small signed-distance-field scenes, ray-marched and shaded on the CPU, so
//! the examples are the project's own work and rebuild byte for byte.
//!
//! `cargo run --release -p trellis-e2e --example render_examples -- assets/examples`

use image::{Rgba, RgbaImage};
use std::path::{Path, PathBuf};

type V = [f32; 3];

fn add(a: V, b: V) -> V {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}
fn sub(a: V, b: V) -> V {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}
fn mul(a: V, s: f32) -> V {
    [a[0] * s, a[1] * s, a[2] * s]
}
fn dot(a: V, b: V) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}
fn len(a: V) -> f32 {
    dot(a, a).sqrt()
}
fn norm(a: V) -> V {
    mul(a, 1.0 / len(a).max(1e-6))
}

fn sphere(p: V, c: V, r: f32) -> f32 {
    len(sub(p, c)) - r
}
/// A vertical capped cylinder, rounded by `round`.
fn cylinder(p: V, c: V, r: f32, half_h: f32, round: f32) -> f32 {
    let q = sub(p, c);
    let d = [
        (q[0] * q[0] + q[2] * q[2]).sqrt() - r + round,
        q[1].abs() - half_h + round,
    ];
    d[0].max(d[1]).min(0.0) + len([d[0].max(0.0), d[1].max(0.0), 0.0]) - round
}
/// A torus around the z axis (a mug handle seen from the side).
fn torus_z(p: V, c: V, major: f32, minor: f32) -> f32 {
    let q = sub(p, c);
    let ring = (q[0] * q[0] + q[1] * q[1]).sqrt() - major;
    (ring * ring + q[2] * q[2]).sqrt() - minor
}
fn rounded_box(p: V, c: V, half: V, round: f32) -> f32 {
    let q = sub(p, c);
    let d = [
        q[0].abs() - half[0],
        q[1].abs() - half[1],
        q[2].abs() - half[2],
    ];
    len([d[0].max(0.0), d[1].max(0.0), d[2].max(0.0)]) + d[0].max(d[1]).max(d[2]).min(0.0) - round
}

/// A scene: distance and material colour at a point.
type Scene = fn(V) -> (f32, V);

fn mug(p: V) -> (f32, V) {
    let body = cylinder(p, [0.0, 0.0, 0.0], 0.5, 0.55, 0.06);
    let inside = cylinder(p, [0.0, 0.12, 0.0], 0.42, 0.55, 0.04);
    let cup = body.max(-inside);
    let handle = torus_z(p, [0.55, 0.0, 0.0], 0.26, 0.07).max(-(p[0] - 0.45));
    let stripe = if (p[1] * 6.0).sin() > 0.6 {
        [0.95, 0.93, 0.88]
    } else {
        [0.16, 0.42, 0.72]
    };
    if cup < handle {
        (cup, stripe)
    } else {
        (handle, [0.16, 0.42, 0.72])
    }
}

fn robot(p: V) -> (f32, V) {
    let parts: [(f32, V); 6] = [
        (
            rounded_box(p, [0.0, -0.15, 0.0], [0.32, 0.36, 0.22], 0.06),
            [0.85, 0.55, 0.12],
        ),
        (
            rounded_box(p, [0.0, 0.45, 0.0], [0.24, 0.18, 0.2], 0.07),
            [0.8, 0.8, 0.78],
        ),
        (sphere(p, [-0.1, 0.48, 0.24], 0.06), [0.1, 0.1, 0.12]),
        (sphere(p, [0.1, 0.48, 0.24], 0.06), [0.1, 0.1, 0.12]),
        (
            rounded_box(p, [-0.45, -0.1, 0.0], [0.08, 0.3, 0.08], 0.05),
            [0.8, 0.8, 0.78],
        ),
        (
            rounded_box(p, [0.45, -0.1, 0.0], [0.08, 0.3, 0.08], 0.05),
            [0.8, 0.8, 0.78],
        ),
    ];
    let legs = rounded_box(p, [-0.15, -0.72, 0.0], [0.09, 0.2, 0.1], 0.04).min(rounded_box(
        p,
        [0.15, -0.72, 0.0],
        [0.09, 0.2, 0.1],
        0.04,
    ));
    parts
        .into_iter()
        .chain(std::iter::once((legs, [0.35, 0.35, 0.4])))
        .fold((f32::MAX, [0.0; 3]), |best, part| {
            if part.0 < best.0 { part } else { best }
        })
}

fn cactus(p: V) -> (f32, V) {
    let pot = cylinder(p, [0.0, -0.55, 0.0], 0.36, 0.25, 0.04);
    let stem = cylinder(p, [0.0, 0.05, 0.0], 0.17, 0.45, 0.16);
    let arm = cylinder(p, [0.3, 0.15, 0.0], 0.1, 0.2, 0.09).min(rounded_box(
        p,
        [0.17, -0.02, 0.0],
        [0.14, 0.06, 0.06],
        0.05,
    ));
    let ribs = 0.75 + 0.25 * (p[0].atan2(p[2]) * 10.0).cos();
    let plant = stem.min(arm);
    if pot < plant {
        (pot, [0.72, 0.36, 0.22])
    } else {
        (plant, mul([0.2, 0.55, 0.25], ribs))
    }
}

fn normal(scene: Scene, p: V) -> V {
    let e = 1e-3;
    norm([
        scene(add(p, [e, 0.0, 0.0])).0 - scene(sub(p, [e, 0.0, 0.0])).0,
        scene(add(p, [0.0, e, 0.0])).0 - scene(sub(p, [0.0, e, 0.0])).0,
        scene(add(p, [0.0, 0.0, e])).0 - scene(sub(p, [0.0, 0.0, e])).0,
    ])
}

/// Shades the surface hit along the ray, or `None` for background.
fn trace(scene: Scene, origin: V, dir: V) -> Option<V> {
    let mut t = 0.0;
    for _ in 0..160 {
        let p = add(origin, mul(dir, t));
        let (d, colour) = scene(p);
        if d < 1e-4 {
            let n = normal(scene, p);
            let light = norm([-0.5, 0.8, 0.6]);
            let diffuse = dot(n, light).max(0.0);
            let half = norm(sub(light, dir));
            let specular = dot(n, half).max(0.0).powf(40.0) * 0.35;
            let occlusion = (scene(add(p, mul(n, 0.08))).0 / 0.08).clamp(0.4, 1.0);
            let lit = mul(colour, (0.25 + 0.85 * diffuse) * occlusion);
            return Some(add(lit, [specular; 3]));
        }
        t += d;
        if t > 10.0 {
            break;
        }
    }
    None
}

fn render(scene: Scene, size: u32, transparent: bool) -> RgbaImage {
    let eye: V = [0.9, 0.55, 3.0];
    let forward = norm(sub([0.0, -0.12, 0.0], eye));
    let right = norm([forward[2], 0.0, -forward[0]]);
    let up = [
        right[1] * forward[2] - right[2] * forward[1],
        right[2] * forward[0] - right[0] * forward[2],
        right[0] * forward[1] - right[1] * forward[0],
    ];
    const SAMPLES: u32 = 2;
    RgbaImage::from_fn(size, size, |x, y| {
        let mut colour = [0.0f32; 3];
        let mut coverage = 0.0;
        for sy in 0..SAMPLES {
            for sx in 0..SAMPLES {
                let u = ((x as f32 + (sx as f32 + 0.5) / SAMPLES as f32) / size as f32 - 0.5) * 0.7;
                let v = ((y as f32 + (sy as f32 + 0.5) / SAMPLES as f32) / size as f32 - 0.5) * 0.7;
                let dir = norm(add(forward, add(mul(right, u), mul(up, v))));
                match trace(scene, eye, dir) {
                    Some(c) => {
                        colour = add(colour, c);
                        coverage += 1.0;
                    }
                    None if !transparent => {
                        let shade = 0.93 - 0.12 * (y as f32 / size as f32);
                        colour = add(colour, [shade, shade, shade * 0.98]);
                        coverage += 1.0;
                    }
                    None => {}
                }
            }
        }
        let n = (SAMPLES * SAMPLES) as f32;
        let alpha = coverage / n;
        let scale = if coverage > 0.0 { 1.0 / coverage } else { 0.0 };
        let channel = |c: f32| ((c * scale).clamp(0.0, 1.0).powf(1.0 / 2.2) * 255.0).round() as u8;
        Rgba([
            channel(colour[0]),
            channel(colour[1]),
            channel(colour[2]),
            (alpha * 255.0).round() as u8,
        ])
    })
}

fn main() -> Result<(), image::ImageError> {
    let dir = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("assets/examples"), PathBuf::from);
    let scenes: [(&str, Scene, bool); 3] = [
        ("mug.png", mug, false),
        ("robot.png", robot, true),
        ("cactus.png", cactus, true),
    ];
    for (name, scene, transparent) in scenes {
        let path: &Path = &dir.join(name);
        render(scene, 640, transparent).save(path)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
