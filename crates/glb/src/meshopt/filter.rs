//! The extension's filters (Appendix B), applied in place after attribute
//! decoding. The spec allows results within one unit in the last place;
//! these follow its formulas in f32, rounding half away from zero.

/// Octahedral unit vectors: four i8 (stride 4) or four i16 (stride 8)
/// components per element, the third encoding 1.0 at the element's own
/// precision; the fourth passes through.
pub fn decode_octahedral(data: &mut [u8], stride: usize) {
    if stride == 4 {
        for element in data.chunks_exact_mut(4) {
            let input = [0, 1, 2].map(|i| f32::from(element[i] as i8));
            let [x, y, z] = octahedral(input, f32::from(i8::MAX));
            for (byte, value) in element.iter_mut().zip([x, y, z]) {
                *byte = value as i8 as u8;
            }
        }
    } else {
        for element in data.chunks_exact_mut(8) {
            let input = [0, 2, 4].map(|at| f32::from(read_i16(element, at)));
            let [x, y, z] = octahedral(input, f32::from(i16::MAX));
            for (at, value) in [0, 2, 4].into_iter().zip([x, y, z]) {
                element[at..at + 2].copy_from_slice(&(value as i16).to_le_bytes());
            }
        }
    }
}

/// One octahedral vector scaled to `max`, rounded.
fn octahedral([x, y, one]: [f32; 3], max: f32) -> [i32; 3] {
    // Unnormalised: renormalising below removes the 1/one factor.
    let z = one - x.abs() - y.abs();
    let fold = z.min(0.0);
    let x = x - fold.copysign(x);
    let y = y - fold.copysign(y);
    let scale = max / (x * x + y * y + z * z).sqrt();
    [x, y, z].map(|v| round(v * scale))
}

/// Unit quaternions (four i16 per element): three components scaled by
/// √2 and the index of the omitted largest one in the low two bits of the
/// fourth, whose other bits encode 1.0.
pub fn decode_quaternion(data: &mut [u8]) {
    let scale = 32767.0 / std::f32::consts::SQRT_2;
    for element in data.chunks_exact_mut(8) {
        let last = read_i16(element, 6);
        let one = f32::from(last | 3);
        let [x, y, z] = [0, 2, 4].map(|at| f32::from(read_i16(element, at)));
        let ww = one * one * 2.0 - x * x - y * y - z * z;
        let w = ww.max(0.0).sqrt();
        let s = scale / one;
        let max_component = (last & 3) as usize;
        for (offset, value) in [(1, x), (2, y), (3, z), (0, w)] {
            let at = (max_component + offset) % 4 * 2;
            element[at..at + 2].copy_from_slice(&(round(value * s) as i16).to_le_bytes());
        }
    }
}

/// Floats as `2^e · m`: an 8-bit signed exponent over a 24-bit signed
/// mantissa in each little-endian u32.
pub fn decode_exponential(data: &mut [u8]) {
    /// The exponent range the spec allows; others are clamped so the
    /// power of two stays a normal f32.
    const EXPONENT_RANGE: i32 = 100;
    for word in data.chunks_exact_mut(4) {
        let bits = i32::from_le_bytes([word[0], word[1], word[2], word[3]]);
        let exponent = (bits >> 24).clamp(-EXPONENT_RANGE, EXPONENT_RANGE);
        let mantissa = (bits << 8) >> 8;
        let power = f32::from_bits(((exponent + 127) as u32) << 23);
        word.copy_from_slice(&(power * mantissa as f32).to_le_bytes());
    }
}

fn read_i16(element: &[u8], at: usize) -> i16 {
    i16::from_le_bytes([element[at], element[at + 1]])
}

/// Round half away from zero, saturating.
fn round(value: f32) -> i32 {
    value.round() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octahedral_axes_decode_to_unit_vectors() {
        // +Z: (0, 0, one); -Z folds the corner (one, one) over.
        let mut data = [0, 0, 127, 9, 127, 127, 127, 0];
        decode_octahedral(&mut data, 4);
        assert_eq!(data, [0, 0, 127, 9, 0, 0, (-127i8) as u8, 0]);
    }

    #[test]
    fn exponential_is_mantissa_times_a_power_of_two() {
        let mut data = Vec::new();
        for (e, m) in [(0i32, 3i32), (-2, -6), (10, 1)] {
            data.extend_from_slice(&((e << 24) | (m & 0xff_ffff)).to_le_bytes());
        }
        decode_exponential(&mut data);
        let floats: Vec<f32> = data
            .chunks_exact(4)
            .map(|w| f32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        assert_eq!(floats, [3.0, -1.5, 1024.0]);
    }

    #[test]
    fn the_identity_quaternion_decodes() {
        // Largest component w (index 3 → stored last), x = y = z = 0,
        // 1.0 at 12 bits with the index in the low bits.
        let one = (1i16 << 11) - 1;
        let mut data = Vec::new();
        for v in [0i16, 0, 0, (one & !3) | 3] {
            data.extend_from_slice(&v.to_le_bytes());
        }
        decode_quaternion(&mut data);
        let out: Vec<i16> = data
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect();
        assert_eq!(out, [0, 0, 0, 32767]);
    }
}
