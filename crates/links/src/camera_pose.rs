//! Where the camera stands and looks, in a form a link can carry, so a
//! colleague who opens a shared generation sees the view it was shared from.

/// Decimal places kept per coordinate: models are framed to about unit
/// size, so 1e-4 is far below a pixel while keeping links short.
const DECIMALS: usize = 4;
/// Largest coordinate accepted from a link: nothing framed sits further out,
/// and the limit keeps a hand-edited link from breaking the projection.
const MAX_COORDINATE: f32 = 1.0e6;
/// Closest the eye may be to its target: a shorter view direction has no
/// usable orientation.
const MIN_EYE_DISTANCE: f32 = 1.0e-4;

/// The camera's eye and the point it orbits, in model space. The up
/// direction is always +Y, so these two fix the view.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CameraPose {
    pub eye: [f32; 3],
    pub target: [f32; 3],
}

impl CameraPose {
    /// Six comma-separated numbers: eye x,y,z then target x,y,z.
    pub fn to_param(self) -> String {
        self.eye
            .iter()
            .chain(&self.target)
            .map(|v| format_coordinate(*v))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads [`CameraPose::to_param`]'s form; anything else (wrong count,
    /// not finite, out of range, eye on the target) is ignored as a whole.
    pub fn from_param(param: &str) -> Option<Self> {
        let values = param
            .split(',')
            .map(|part| part.trim().parse::<f32>().ok())
            .collect::<Option<Vec<f32>>>()?;
        let [ex, ey, ez, tx, ty, tz] = values.as_slice() else {
            return None;
        };
        let pose = Self {
            eye: [*ex, *ey, *ez],
            target: [*tx, *ty, *tz],
        };
        let in_range = values
            .iter()
            .all(|v| v.is_finite() && v.abs() <= MAX_COORDINATE);
        (in_range && pose.distance() >= MIN_EYE_DISTANCE).then_some(pose)
    }

    fn distance(&self) -> f32 {
        self.eye
            .iter()
            .zip(&self.target)
            .map(|(e, t)| (e - t) * (e - t))
            .sum::<f32>()
            .sqrt()
    }
}

/// `1.50000` → `1.5`, `-0.00001` → `0`: the shortest text that rounds back
/// to the kept precision.
fn format_coordinate(value: f32) -> String {
    let text = format!("{value:.DECIMALS$}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    match text {
        "-0" | "" => "0".to_string(),
        other => other.to_string(),
    }
}
