use super::camera_control::{self, OrbitBounds};
use std::sync::Arc;
use three_d::{
    AmbientLight, AxisAlignedBoundingBox, Camera, ClearState, Context, CpuModel, DirectionalLight,
    Geometry, Light, Model, PhysicalMaterial, RenderTarget, Srgba, Vec3, Viewport,
};
use wasm_bindgen::JsCast;
use web_sys::{HtmlCanvasElement, WebGl2RenderingContext, WebGlContextAttributes};

/// The viewer background: a neutral mid-dark grey that reads the same in
/// both page themes (linear RGB).
const BACKGROUND: [f32; 3] = [0.11, 0.115, 0.125];
/// Largest drawing-buffer side in device pixels: beyond this, high-DPI
/// screens cost GPU memory without a visible gain.
const MAX_CANVAS_SIDE: u32 = 4096;

/// Why the viewer could not show a model.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ViewerError {
    #[error("This browser cannot show 3D here (WebGL2 is not available): {0}")]
    NoWebGl(String),
    #[error("The model file could not be read: {0}")]
    BadModel(String),
    #[error("The model file contains no triangles to show.")]
    EmptyModel,
}

/// Counts shown next to the model.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ModelStats {
    pub triangles: u64,
    pub vertices: u64,
}

/// A WebGL2 scene with one model, a camera and a fixed light rig.
pub struct Viewer {
    canvas: HtmlCanvasElement,
    context: Context,
    camera: Camera,
    bounds: OrbitBounds,
    home: (Vec3, f32),
    model: Option<Model<PhysicalMaterial>>,
    lights: Lights,
}

struct Lights {
    ambient: AmbientLight,
    key: DirectionalLight,
    fill: DirectionalLight,
}

impl Viewer {
    /// Creates the WebGL2 context on `canvas`.
    pub fn new(canvas: HtmlCanvasElement) -> Result<Self, ViewerError> {
        let context = create_context(&canvas)?;
        let camera = Camera::new_perspective(
            Viewport::new_at_origo(1, 1),
            Vec3::new(0.0, 0.0, 2.5),
            Vec3::new(0.0, 0.0, 0.0),
            Vec3::unit_y(),
            three_d::degrees(camera_control::FIELD_OF_VIEW_DEGREES),
            0.01,
            100.0,
        );
        let white = Srgba::WHITE;
        let lights = Lights {
            ambient: AmbientLight::new(&context, 0.45, white),
            key: DirectionalLight::new(&context, 2.2, white, Vec3::new(-0.5, -0.7, -1.0)),
            fill: DirectionalLight::new(&context, 0.9, white, Vec3::new(0.8, -0.2, 0.6)),
        };
        let mut viewer = Self {
            canvas,
            context,
            camera,
            bounds: OrbitBounds {
                target: Vec3::new(0.0, 0.0, 0.0),
                min_distance: 0.1,
                max_distance: 50.0,
            },
            home: (Vec3::new(0.0, 0.0, 0.0), 0.87),
            model: None,
            lights,
        };
        viewer.reset_view();
        Ok(viewer)
    }

    /// Replaces the shown model with the GLB in `bytes` and frames it. The
    /// old model's GPU buffers are freed when it is dropped here.
    pub fn load_glb(&mut self, bytes: Vec<u8>) -> Result<ModelStats, ViewerError> {
        let mut assets = three_d_asset::io::RawAssets::new();
        assets.insert("model.glb", bytes);
        let cpu_model: CpuModel = assets
            .deserialize("model.glb")
            .map_err(|e| ViewerError::BadModel(e.to_string()))?;
        let stats = count(&cpu_model);
        if stats.triangles == 0 {
            return Err(ViewerError::EmptyModel);
        }
        let model = Model::<PhysicalMaterial>::new(&self.context, &cpu_model)
            .map_err(|e| ViewerError::BadModel(e.to_string()))?;
        let mut aabb = AxisAlignedBoundingBox::EMPTY;
        for part in model.iter() {
            aabb.expand_with_aabb(part.aabb());
        }
        let radius =
            (aabb.size().x.max(aabb.size().y).max(aabb.size().z) * 0.5 * 3f32.sqrt()).max(1e-3);
        self.home = (aabb.center(), radius);
        self.model = Some(model);
        self.reset_view();
        Ok(stats)
    }

    /// Drops the model, freeing its GPU memory.
    pub fn clear(&mut self) {
        self.model = None;
    }

    /// Back to the framing the model had when it loaded.
    pub fn reset_view(&mut self) {
        let (center, radius) = self.home;
        self.bounds = camera_control::frame(&mut self.camera, center, radius);
    }

    pub fn orbit(&mut self, dx_px: f32, dy_px: f32) {
        camera_control::orbit(&mut self.camera, &self.bounds, dx_px, dy_px);
    }

    pub fn pan(&mut self, dx_px: f32, dy_px: f32) {
        camera_control::pan(&mut self.camera, &mut self.bounds, dx_px, dy_px);
    }

    pub fn zoom(&mut self, wheel_delta: f32) {
        camera_control::zoom(&mut self.camera, &self.bounds, wheel_delta);
    }

    /// Draws one frame at the canvas's current size and pixel ratio.
    pub fn render(&mut self) {
        let (width, height) = self.sync_canvas_size();
        self.camera
            .set_viewport(Viewport::new_at_origo(width, height));
        let lights: [&dyn Light; 3] = [&self.lights.ambient, &self.lights.key, &self.lights.fill];
        let [r, g, b] = BACKGROUND;
        let target = RenderTarget::screen(&self.context, width, height);
        target.clear(ClearState::color_and_depth(r, g, b, 1.0, 1.0));
        if let Some(model) = &self.model {
            target.render(&self.camera, model, &lights);
        }
    }

    /// Matches the drawing buffer to the canvas's CSS size × device pixels.
    fn sync_canvas_size(&self) -> (u32, u32) {
        let ratio = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio());
        let side =
            |css: i32| ((css.max(1) as f64 * ratio).round() as u32).clamp(1, MAX_CANVAS_SIDE);
        let (width, height) = (
            side(self.canvas.client_width()),
            side(self.canvas.client_height()),
        );
        if self.canvas.width() != width {
            self.canvas.set_width(width);
        }
        if self.canvas.height() != height {
            self.canvas.set_height(height);
        }
        (width, height)
    }
}

fn create_context(canvas: &HtmlCanvasElement) -> Result<Context, ViewerError> {
    let attributes = WebGlContextAttributes::new();
    attributes.set_antialias(true);
    // Keeps the last frame readable for screenshots and canvas read-backs.
    attributes.set_preserve_drawing_buffer(true);
    let gl = canvas
        .get_context_with_context_options("webgl2", &attributes)
        .ok()
        .flatten()
        .and_then(|context| context.dyn_into::<WebGl2RenderingContext>().ok())
        .ok_or_else(|| ViewerError::NoWebGl("no webgl2 context".into()))?;
    // three-d renders to float targets for lighting; these are optional
    // extensions, so a missing one only lowers quality.
    for extension in ["EXT_color_buffer_float", "OES_texture_float_linear"] {
        let _ = gl.get_extension(extension);
    }
    let gl = three_d::context::Context::from_webgl2_context(gl);
    // three-d's API takes an Arc; the context never leaves the main thread.
    #[allow(clippy::arc_with_non_send_sync)]
    let gl = Arc::new(gl);
    Context::from_gl_context(gl).map_err(|e| ViewerError::NoWebGl(e.to_string()))
}

fn count(model: &CpuModel) -> ModelStats {
    let mut stats = ModelStats::default();
    for primitive in &model.geometries {
        if let three_d::CpuGeometry::Triangles(mesh) = &primitive.geometry {
            stats.vertices += mesh.positions.len() as u64;
            stats.triangles += mesh.triangle_count() as u64;
        }
    }
    stats
}
