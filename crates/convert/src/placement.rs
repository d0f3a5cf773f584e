//! Real-world placement: a uniform scale to the height the user asked for,
//! with the model standing on the ground (lowest point at y = 0) and
//! centred over the origin, where AR viewers and slicers put their anchor.

use crate::error::ConvertError;
use crate::model::Model;

/// `apply(p) = (p - origin) · scale`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Placement {
    origin: [f32; 3],
    scale: f32,
}

impl Placement {
    /// Scales `model` so its Y extent (glTF's up) becomes `height`, in the
    /// output's unit. A flat model with no height is sized by its largest
    /// extent instead.
    pub fn standing(model: &Model<'_>, height: f32) -> Result<Self, ConvertError> {
        let (min, max) = model.bounds();
        let extent: [f32; 3] = std::array::from_fn(|axis| max[axis] - min[axis]);
        let measured = if extent[1] > 0.0 {
            extent[1]
        } else {
            extent.into_iter().fold(0.0, f32::max)
        };
        if !(measured > 0.0 && measured.is_finite()) {
            return Err(ConvertError::InvalidGltf(
                "the model has no size: all its points coincide".into(),
            ));
        }
        Ok(Self {
            origin: [(min[0] + max[0]) / 2.0, min[1], (min[2] + max[2]) / 2.0],
            scale: height / measured,
        })
    }

    /// The placed model's extent along X, Y and Z.
    pub fn size(&self, model: &Model<'_>) -> [f32; 3] {
        let (min, max) = model.bounds();
        std::array::from_fn(|axis| (max[axis] - min[axis]) * self.scale)
    }

    pub fn apply(&self, p: [f32; 3]) -> [f32; 3] {
        std::array::from_fn(|axis| (p[axis] - self.origin[axis]) * self.scale)
    }
}
