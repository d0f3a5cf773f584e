use super::camera_control::{self, OrbitBounds};
use super::display::{self, DisplayMode};
use super::glb::{self, AlphaMode, GlbError};
use std::sync::Arc;
use three_d::{
    AmbientLight, AxisAlignedBoundingBox, Camera, ClearState, Context, CpuGeometry, CpuModel,
    DirectionalLight, Geometry, Light, Model, PhysicalMaterial, RenderTarget, Srgba, Vec3,
    Viewport,
};
use wasm_bindgen::JsCast;
use web_sys::{HtmlCanvasElement, WebGl2RenderingContext, WebGlContextAttributes};

/// The viewer background: a neutral mid-dark grey that reads the same in
/// both page themes (linear RGB).
const BACKGROUND: [f32; 3] = [0.11, 0.115, 0.125];
/// Largest drawing-buffer side in device pixels: beyond this, high-DPI
/// screens cost GPU memory without a visible gain.
const MAX_CANVAS_SIDE: u32 = 4096;
/// Name the GLB is filed under in three-d-asset's in-memory asset store;
/// the extension is what selects the glTF loader.
const ASSET_NAME: &str = "model.glb";

/// Why the viewer could not show a model.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ViewerError {
    /// No WebGL2 context could be created on the canvas.
    #[error("This browser cannot show 3D here (WebGL2 is not available): {0}")]
    NoWebGl(String),
    /// The file failed the viewer's own structural checks.
    #[error("The model file cannot be shown: {0}.")]
    Invalid(#[from] GlbError),
    /// The glTF loader or the GPU upload refused the file.
    #[error("The model file could not be read: {0}")]
    BadModel(String),
    /// The file is valid but has nothing to draw.
    #[error("The model file contains no triangles to show.")]
    EmptyModel,
}

/// Validates and parses a GLB into a CPU-side model ready to upload, plus
/// the alpha mode its material declares. Meshes without normals get
/// computed ones, which every display mode needs.
pub fn parse_glb(bytes: Vec<u8>) -> Result<(CpuModel, AlphaMode), ViewerError> {
    let glb::Prepared { bytes, alpha } = glb::prepare(bytes)?;
    let mut assets = three_d_asset::io::RawAssets::new();
    assets.insert(ASSET_NAME, bytes);
    let mut model: CpuModel = assets
        .deserialize(ASSET_NAME)
        .map_err(|e| ViewerError::BadModel(e.to_string()))?;
    let mut triangles = 0;
    for primitive in &mut model.geometries {
        if let CpuGeometry::Triangles(mesh) = &mut primitive.geometry {
            triangles += mesh.triangle_count();
            if mesh.normals.is_none() {
                mesh.compute_normals();
            }
        }
    }
    if triangles == 0 {
        return Err(ViewerError::EmptyModel);
    }
    Ok((model, alpha))
}

/// A WebGL2 scene with one model, a camera, a fixed light rig and a display
/// mode.
pub struct Viewer {
    canvas: HtmlCanvasElement,
    context: Context,
    camera: Camera,
    bounds: OrbitBounds,
    home: (Vec3, f32),
    model: Option<LoadedModel>,
    lights: Lights,
    clay: PhysicalMaterial,
    mode: DisplayMode,
    alpha: AlphaMode,
}

/// The model on the GPU, with what its parts' shaders need to know.
struct LoadedModel {
    model: Model<PhysicalMaterial>,
    /// Per part, in model order: whether the mesh has texture coordinates.
    has_uvs: Vec<bool>,
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
            clay: display::clay_material(&context),
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
            mode: DisplayMode::default(),
            alpha: AlphaMode::Opaque,
        };
        viewer.reset_view();
        Ok(viewer)
    }

    /// Replaces the shown model with `cpu_model` and frames it. The old
    /// model's GPU buffers and textures are freed first, so two large models
    /// never need GPU memory at the same time.
    pub fn upload(&mut self, cpu_model: &CpuModel) -> Result<(), ViewerError> {
        self.model = None;
        let model = Model::<PhysicalMaterial>::new(&self.context, cpu_model)
            .map_err(|e| ViewerError::BadModel(e.to_string()))?;
        // Model::new keeps the triangle primitives in order; so does this.
        let has_uvs = cpu_model
            .geometries
            .iter()
            .filter_map(|p| match &p.geometry {
                CpuGeometry::Triangles(mesh) => Some(mesh.uvs.is_some()),
                _ => None,
            })
            .collect();
        let mut aabb = AxisAlignedBoundingBox::EMPTY;
        for part in model.iter() {
            aabb.expand_with_aabb(part.aabb());
        }
        let size = aabb.size();
        let radius = (size.x.max(size.y).max(size.z) * 0.5 * 3f32.sqrt()).max(1e-3);
        self.home = (aabb.center(), radius);
        self.model = Some(LoadedModel { model, has_uvs });
        self.reset_view();
        Ok(())
    }

    /// Drops the model, freeing its GPU memory.
    pub fn clear(&mut self) {
        self.model = None;
    }

    /// Draws the model in `mode` from the next frame on.
    pub fn set_mode(&mut self, mode: DisplayMode) {
        self.mode = mode;
    }

    /// Applies `alpha` to the shaded mode from the next frame on.
    pub fn set_alpha(&mut self, alpha: AlphaMode) {
        self.alpha = alpha;
    }

    /// Back to the framing the model had when it loaded.
    pub fn reset_view(&mut self) {
        let (center, radius) = self.home;
        self.bounds = camera_control::frame(&mut self.camera, center, radius);
    }

    /// Turns the camera around the model by a pointer movement in pixels.
    pub fn orbit(&mut self, dx_px: f32, dy_px: f32) {
        camera_control::orbit(&mut self.camera, &self.bounds, dx_px, dy_px);
    }

    /// Turns the camera around the vertical axis, for auto-rotation.
    pub fn spin(&mut self, radians: f32) {
        camera_control::spin(&mut self.camera, &self.bounds, radians);
    }

    /// Slides the view by a pointer movement in pixels.
    pub fn pan(&mut self, dx_px: f32, dy_px: f32) {
        camera_control::pan(&mut self.camera, &mut self.bounds, dx_px, dy_px);
    }

    /// Zooms by a wheel delta; positive zooms out.
    pub fn zoom(&mut self, wheel_delta: f32) {
        camera_control::zoom(&mut self.camera, &self.bounds, wheel_delta);
    }

    /// Zooms by a pinch factor; above 1 moves closer.
    pub fn zoom_by(&mut self, factor: f32) {
        camera_control::zoom_by(&mut self.camera, &self.bounds, factor);
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
        let Some(loaded) = &self.model else {
            return;
        };
        for (part, &has_uvs) in loaded.model.iter().zip(&loaded.has_uvs) {
            let material = self
                .mode
                .material(&part.material, &self.clay, has_uvs, self.alpha);
            target.render_with_material(
                material.as_ref(),
                &self.camera,
                std::iter::once(&part.geometry),
                &lights,
            );
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
    // An opaque drawing buffer: with OPAQUE or MASK the shaders still write
    // the texture's alpha, which would otherwise let the page show through.
    attributes.set_alpha(false);
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
