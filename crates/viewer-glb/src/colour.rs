//! glTF's linear colours as the 8-bit sRGB values three-d takes (it
//! decodes every `Srgba` once on upload).

/// Linear values are looked up at this many steps: one step is under half
/// an 8-bit sRGB level even in the darkest shades, and a table keeps a
/// million vertex colours from costing three million `powf` calls.
const LINEAR_STEPS: usize = 4096;

/// Encodes linear intensities in `0..=1` as 8-bit sRGB.
pub struct SrgbEncoder([u8; LINEAR_STEPS]);

impl Default for SrgbEncoder {
    fn default() -> Self {
        Self::new()
    }
}

impl SrgbEncoder {
    pub fn new() -> Self {
        Self(std::array::from_fn(|i| {
            encode(i as f32 / (LINEAR_STEPS - 1) as f32)
        }))
    }

    /// One linear intensity as 8-bit sRGB.
    pub fn encode(&self, linear: f32) -> u8 {
        let step = (linear.clamp(0.0, 1.0) * (LINEAR_STEPS - 1) as f32).round();
        self.0[step as usize]
    }

    /// A linear RGBA colour (alpha is always linear, and stays so).
    pub fn rgba(&self, [r, g, b, a]: [f32; 4]) -> [u8; 4] {
        let alpha = (a.clamp(0.0, 1.0) * 255.0).round() as u8;
        [self.encode(r), self.encode(g), self.encode(b), alpha]
    }
}

/// The sRGB transfer function: a linear intensity in `0..=1` as 8-bit sRGB.
fn encode(linear: f32) -> u8 {
    let encoded = if linear <= 0.003_130_8 {
        linear * 12.92
    } else {
        1.055 * linear.powf(1.0 / 2.4) - 0.055
    };
    (encoded.clamp(0.0, 1.0) * 255.0).round() as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_matches_the_transfer_function_within_half_a_level() {
        let encoder = SrgbEncoder::new();
        for level in 0..=1000 {
            let linear = level as f32 / 1000.0;
            assert!(encoder.encode(linear).abs_diff(encode(linear)) <= 1);
        }
        // Mid grey in linear light is sRGB 188; 0.5 alpha stays 128.
        assert_eq!(encoder.rgba([0.5, 0.0, 1.0, 0.5]), [188, 0, 255, 128]);
        assert_eq!(encoder.rgba([-1.0, 2.0, f32::NAN, 1.0])[..2], [0, 255]);
    }
}
