//! How alike two renders are: PSNR over the RGB channels and SSIM over
//! luma, the figures the fidelity targets use.

use image::RgbaImage;

/// Side of the square windows SSIM compares (non-overlapping).
const SSIM_WINDOW: u32 = 8;
/// SSIM's stabilising constants for 8-bit data: (0.01·255)² and (0.03·255)².
const SSIM_C1: f64 = 6.5025;
const SSIM_C2: f64 = 58.5225;

/// Peak signal-to-noise ratio in dB over R, G and B (infinite for equal
/// images). The images must have the same size.
pub fn psnr(a: &RgbaImage, b: &RgbaImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions(), "renders of different sizes");
    let mut squared = 0.0;
    for (p, q) in a.pixels().zip(b.pixels()) {
        for c in 0..3 {
            let d = f64::from(p.0[c]) - f64::from(q.0[c]);
            squared += d * d;
        }
    }
    let mse = squared / (f64::from(a.width()) * f64::from(a.height()) * 3.0);
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0 * 255.0 / mse).log10()
    }
}

/// Mean structural similarity of the two images' luma (Rec. 601) over
/// 8×8 windows; 1 for equal images.
pub fn ssim(a: &RgbaImage, b: &RgbaImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions(), "renders of different sizes");
    let luma = |p: &image::Rgba<u8>| {
        0.299 * f64::from(p.0[0]) + 0.587 * f64::from(p.0[1]) + 0.114 * f64::from(p.0[2])
    };
    let (width, height) = a.dimensions();
    let mut total = 0.0;
    let mut windows = 0u32;
    for y0 in (0..height - SSIM_WINDOW + 1).step_by(SSIM_WINDOW as usize) {
        for x0 in (0..width - SSIM_WINDOW + 1).step_by(SSIM_WINDOW as usize) {
            let pairs: Vec<(f64, f64)> = (y0..y0 + SSIM_WINDOW)
                .flat_map(|y| (x0..x0 + SSIM_WINDOW).map(move |x| (x, y)))
                .map(|(x, y)| (luma(a.get_pixel(x, y)), luma(b.get_pixel(x, y))))
                .collect();
            let n = pairs.len() as f64;
            let (ma, mb) = pairs
                .iter()
                .fold((0.0, 0.0), |(sa, sb), (x, y)| (sa + x / n, sb + y / n));
            let (mut va, mut vb, mut cov) = (0.0, 0.0, 0.0);
            for (x, y) in &pairs {
                va += (x - ma) * (x - ma) / n;
                vb += (y - mb) * (y - mb) / n;
                cov += (x - ma) * (y - mb) / n;
            }
            total += ((2.0 * ma * mb + SSIM_C1) * (2.0 * cov + SSIM_C2))
                / ((ma * ma + mb * mb + SSIM_C1) * (va + vb + SSIM_C2));
            windows += 1;
        }
    }
    total / f64::from(windows.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_images_are_perfect_and_noise_lowers_both_figures() {
        let a = RgbaImage::from_fn(32, 32, |x, y| {
            image::Rgba([(x * 7) as u8, (y * 8) as u8, 90, 255])
        });
        assert_eq!(psnr(&a, &a), f64::INFINITY);
        assert!((ssim(&a, &a) - 1.0).abs() < 1e-12);
        let noisy = RgbaImage::from_fn(32, 32, |x, y| {
            let p = a.get_pixel(x, y).0;
            let n = if (x + y) % 2 == 0 { 8 } else { 0 };
            image::Rgba([p[0].saturating_add(n), p[1], p[2], 255])
        });
        // An error of 8 levels on every other red value: MSE = 64 / 6.
        assert!((psnr(&a, &noisy) - 10.0 * (255.0f64 * 255.0 * 6.0 / 64.0).log10()).abs() < 1e-9);
        assert!(ssim(&a, &noisy) < 1.0);
    }
}
