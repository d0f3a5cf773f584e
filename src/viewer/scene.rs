use super::camera_control::{self, OrbitBounds};
use super::display::{self, DisplayMode};
use super::glb::{AlphaMode, MaterialImages};
use super::parse::ViewerError;
use super::textures::{Bitmap, GpuFence, TextureLedger};
use std::sync::Arc;
use three_d::{
    AmbientLight, AxisAlignedBoundingBox, Camera, ClearState, Context, CpuGeometry, CpuModel,
    DirectionalLight, Geometry, Light, Model, PhysicalMaterial, RenderTarget, Srgba, Texture2DRef,
    Vec3, Viewport,
};
use wasm_bindgen::JsCast;
use web_sys::{HtmlCanvasElement, WebGl2RenderingContext, WebGlContextAttributes};

/// The viewer background: a neutral mid-dark grey that reads the same in
/// both page themes (linear RGB).
const BACKGROUND: [f32; 3] = [0.11, 0.115, 0.125];
/// Largest drawing-buffer side in device pixels: beyond this, high-DPI
/// screens cost GPU memory without a visible gain.
const MAX_CANVAS_SIDE: u32 = 4096;
/// A WebGL2 scene with one model, a camera, a fixed light rig and a display
/// mode.
pub struct Viewer {
    canvas: HtmlCanvasElement,
    context: Context,
    /// The same WebGL2 context unwrapped, for what three-d cannot do.
    gl: WebGl2RenderingContext,
    camera: Camera,
    bounds: OrbitBounds,
    home: (Vec3, f32),
    model: Option<LoadedModel>,
    lights: Lights,
    clay: PhysicalMaterial,
    mode: DisplayMode,
    alpha: AlphaMode,
    textures: TextureLedger,
}

/// The model on the GPU, with what its parts' shaders need to know.
struct LoadedModel {
    model: Model<PhysicalMaterial>,
    /// Per part, in model order: whether the mesh has texture coordinates.
    has_uvs: Vec<bool>,
    /// Per part, in model order: the glTF material it uses.
    materials: Vec<Option<usize>>,
    /// Drawn in clay until the browser-decoded textures arrive.
    textures_pending: bool,
}

struct Lights {
    ambient: AmbientLight,
    key: DirectionalLight,
    fill: DirectionalLight,
}

impl Viewer {
    /// Creates the WebGL2 context on `canvas`.
    pub fn new(canvas: HtmlCanvasElement) -> Result<Self, ViewerError> {
        let (context, gl) = create_context(&canvas)?;
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
            gl,
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
            textures: TextureLedger::default(),
        };
        viewer.reset_view();
        Ok(viewer)
    }

    /// Replaces the shown model with `cpu_model` and frames it. The old
    /// model's GPU buffers and textures are freed first, so two large models
    /// never need GPU memory at the same time. With `textures_pending`, it
    /// is drawn in clay until [`Viewer::set_textures`].
    pub fn upload(
        &mut self,
        cpu_model: &CpuModel,
        textures_pending: bool,
    ) -> Result<(), ViewerError> {
        self.model = None;
        let model = Model::<PhysicalMaterial>::new(&self.context, cpu_model)
            .map_err(|e| ViewerError::BadModel(e.to_string()))?;
        // Model::new keeps the triangle primitives in order; so does this.
        let (has_uvs, materials) = cpu_model
            .geometries
            .iter()
            .filter_map(|p| match &p.geometry {
                CpuGeometry::Triangles(mesh) => Some((mesh.uvs.is_some(), p.material_index)),
                _ => None,
            })
            .unzip();
        let mut aabb = AxisAlignedBoundingBox::EMPTY;
        for part in model.iter() {
            aabb.expand_with_aabb(part.aabb());
        }
        let size = aabb.size();
        let radius = (size.x.max(size.y).max(size.z) * 0.5 * 3f32.sqrt()).max(1e-3);
        self.home = (aabb.center(), radius);
        self.model = Some(LoadedModel {
            model,
            has_uvs,
            materials,
            textures_pending,
        });
        self.reset_view();
        Ok(())
    }

    /// Uploads one decoded image as a texture with mipmaps.
    pub fn upload_texture(&mut self, bitmap: &Bitmap) -> Texture2DRef {
        self.textures.upload(&self.context, &self.gl, bitmap)
    }

    /// A fence after the GPU work queued so far.
    pub fn gpu_fence(&self) -> Option<GpuFence> {
        GpuFence::new(&self.gl)
    }

    /// Estimated GPU bytes of every uploaded texture still alive.
    pub fn live_texture_bytes(&self) -> u64 {
        self.textures.live_bytes()
    }

    /// Gives every part the textures its material names (`textures` indexed
    /// as in `materials`) and ends the clay stand-in.
    pub fn set_textures(&mut self, textures: &[Texture2DRef], materials: &[MaterialImages]) {
        let Some(loaded) = &mut self.model else {
            return;
        };
        let texture = |index: Option<usize>| index.and_then(|i| textures.get(i)).cloned();
        for (part, material) in loaded.model.iter_mut().zip(&loaded.materials) {
            let Some(images) = material.and_then(|m| materials.get(m)) else {
                continue;
            };
            let own = &mut part.material;
            own.albedo_texture = texture(images.base_color).or(own.albedo_texture.take());
            own.metallic_roughness_texture =
                texture(images.metallic_roughness).or(own.metallic_roughness_texture.take());
        }
        loaded.textures_pending = false;
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
        let mode = if loaded.textures_pending {
            DisplayMode::Clay
        } else {
            self.mode
        };
        for (part, &has_uvs) in loaded.model.iter().zip(&loaded.has_uvs) {
            let material = mode.material(&part.material, &self.clay, has_uvs, self.alpha);
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

/// The three-d context on `canvas`, and the raw WebGL2 context under it.
fn create_context(
    canvas: &HtmlCanvasElement,
) -> Result<(Context, WebGl2RenderingContext), ViewerError> {
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
    let glow = three_d::context::Context::from_webgl2_context(gl.clone());
    // three-d's API takes an Arc; the context never leaves the main thread.
    #[allow(clippy::arc_with_non_send_sync)]
    let glow = Arc::new(glow);
    let context =
        Context::from_gl_context(glow).map_err(|e| ViewerError::NoWebGl(e.to_string()))?;
    Ok((context, gl))
}
