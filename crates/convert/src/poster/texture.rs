//! Base colour textures for the poster: decoded once, sampled bilinearly in
//! linear light with the material's wrap modes.

use image::RgbaImage;

use crate::model::Wrap;

/// sRGB byte to linear light.
pub(super) fn srgb_to_linear(value: u8) -> f32 {
    let c = f32::from(value) / 255.0;
    if c <= 0.040_45 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// Linear light to an sRGB byte.
pub(super) fn linear_to_srgb(value: f32) -> u8 {
    let c = value.clamp(0.0, 1.0);
    let encoded = if c <= 0.003_130_8 {
        c * 12.92
    } else {
        1.055 * c.powf(1.0 / 2.4) - 0.055
    };
    (encoded * 255.0).round() as u8
}

/// Every sRGB byte's linear value, so sampling costs a lookup.
pub(super) struct Linear([f32; 256]);

impl Linear {
    pub fn new() -> Self {
        Self(std::array::from_fn(|i| srgb_to_linear(i as u8)))
    }

    pub fn get(&self, value: u8) -> f32 {
        self.0[usize::from(value)]
    }
}

pub(super) struct Texture {
    pixels: RgbaImage,
    wrap: [Wrap; 2],
}

impl Texture {
    pub fn new(pixels: RgbaImage, wrap: [Wrap; 2]) -> Self {
        Self { pixels, wrap }
    }

    /// Linear RGB and alpha at glTF texture coordinates (v down).
    pub fn sample(&self, uv: [f32; 2], linear: &Linear) -> [f32; 4] {
        let (w, h) = self.pixels.dimensions();
        let x = uv[0] * w as f32 - 0.5;
        let y = uv[1] * h as f32 - 0.5;
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        // Saturating: coordinates far outside 0..1 are legal glTF.
        let texel = |dx: i64, dy: i64| {
            let tx = wrap((x0 as i64).saturating_add(dx), w, self.wrap[0]);
            let ty = wrap((y0 as i64).saturating_add(dy), h, self.wrap[1]);
            let p = self.pixels.get_pixel(tx, ty);
            [
                linear.get(p[0]),
                linear.get(p[1]),
                linear.get(p[2]),
                f32::from(p[3]) / 255.0,
            ]
        };
        let (a, b, c, d) = (texel(0, 0), texel(1, 0), texel(0, 1), texel(1, 1));
        std::array::from_fn(|i| {
            let top = a[i] + (b[i] - a[i]) * fx;
            let bottom = c[i] + (d[i] - c[i]) * fx;
            top + (bottom - top) * fy
        })
    }
}

/// Texel index `i` wrapped into `0..size`.
fn wrap(i: i64, size: u32, mode: Wrap) -> u32 {
    let n = i64::from(size);
    let wrapped = match mode {
        Wrap::Repeat => i.rem_euclid(n),
        Wrap::Clamp => i.clamp(0, n - 1),
        Wrap::Mirror => {
            let period = i.rem_euclid(2 * n);
            if period < n {
                period
            } else {
                2 * n - 1 - period
            }
        }
    };
    wrapped as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srgb_round_trips() {
        for value in 0..=255u8 {
            assert_eq!(linear_to_srgb(srgb_to_linear(value)), value);
        }
    }

    #[test]
    fn wrap_modes() {
        assert_eq!(wrap(-1, 4, Wrap::Repeat), 3);
        assert_eq!(wrap(5, 4, Wrap::Clamp), 3);
        assert_eq!(wrap(4, 4, Wrap::Mirror), 3);
        assert_eq!(wrap(-1, 4, Wrap::Mirror), 0);
    }
}
