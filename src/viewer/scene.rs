use super::camera_control::{self, OrbitBounds};
use super::canvas;
use super::clay_material::ClayMaterial;
use super::colour::ColourTextures;
use super::display::DisplayMode;
use super::environment;
use super::parse::ViewerError;
use super::textures::{Bitmap, GpuFence, TextureLedger, TextureUpload};
use super::wireframe::{Wireframe, WireframeState};
use three_d::{
    AmbientLight, AxisAlignedBoundingBox, Camera, ClearState, Context, CpuGeometry, CpuModel,
    DirectionalLight, Geometry, Light, Model, PhysicalMaterial, RenderTarget, Srgba, Texture2DRef,
    Vec3, Viewport,
};
use trellis_links::CameraPose;
use trellis_viewer_glb::{AlphaMode, MaterialImages};
use web_sys::{HtmlCanvasElement, WebGl2RenderingContext};

/// The viewer background: a neutral mid-dark grey that reads the same in
/// both page themes. Cleared straight into the canvas, so these are the
/// displayed (sRGB-encoded) values, not linear ones.
const BACKGROUND: [f32; 3] = [0.11, 0.115, 0.125];
/// Strength of the key light; with the studio's image-based light it keeps
/// base colours at their own brightness after tone mapping.
const KEY_INTENSITY: f32 = 2.0;
/// A WebGL2 scene with one model, a camera, a fixed light rig and a display
/// mode.
pub struct Viewer {
    canvas: HtmlCanvasElement,
    context: Context,
    /// The same WebGL2 context unwrapped, for what three-d cannot do.
    gl: WebGl2RenderingContext,
    camera: Camera,
    bounds: OrbitBounds,
    /// The shown model's bounding box, which the camera frames and stays
    /// outside of.
    home: AxisAlignedBoundingBox,
    /// A view to show the next model from instead of its framing, once.
    start_pose: Option<CameraPose>,
    model: Option<LoadedModel>,
    lights: Lights,
    clay: ClayMaterial,
    mode: DisplayMode,
    alpha: AlphaMode,
    textures: TextureLedger,
    /// A drawing-buffer size that overrides the page layout's, while a
    /// video of a set resolution is recorded.
    fixed_size: Option<(u32, u32)>,
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
    /// Holds on to the mesh so the wireframe mode can find its edges.
    wireframe: Wireframe,
}

impl LoadedModel {
    fn set_textures(&mut self, textures: &[Texture2DRef], materials: &[MaterialImages]) {
        let texture = |index: Option<usize>| index.and_then(|i| textures.get(i)).cloned();
        for (part, material) in self.model.iter_mut().zip(&self.materials) {
            let Some(images) = material.and_then(|m| materials.get(m)) else {
                continue;
            };
            let own = &mut part.material;
            own.albedo_texture = texture(images.base_color).or(own.albedo_texture.take());
            own.metallic_roughness_texture =
                texture(images.metallic_roughness).or(own.metallic_roughness_texture.take());
        }
        self.textures_pending = false;
    }
}

/// A model on the GPU waiting to be shown (see [`Viewer::stage`]).
pub struct StagedModel {
    loaded: LoadedModel,
    aabb: AxisAlignedBoundingBox,
}

impl StagedModel {
    /// Gives the staged model its textures, as [`Viewer::set_textures`]
    /// does for the shown one.
    pub fn set_textures(&mut self, textures: &[Texture2DRef], materials: &[MaterialImages]) {
        self.loaded.set_textures(textures, materials);
    }
}

/// Where the camera goes when a model is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// A new model: framed, or shown from the start pose a link asked for.
    Frame,
    /// A finer level of the model on screen, which shares its placement:
    /// the camera stays where it is, so nothing jumps.
    Keep,
}

struct Lights {
    ambient: AmbientLight,
    key: DirectionalLight,
}

impl Viewer {
    /// Creates the WebGL2 context on `canvas`.
    pub fn new(canvas: HtmlCanvasElement) -> Result<Self, ViewerError> {
        let (context, gl) = canvas::create_context(&canvas)?;
        // Placed and given its planes by `frame` below.
        let mut camera = Camera::new_perspective(
            Viewport::new_at_origo(1, 1),
            Vec3::new(0.0, 0.0, 2.5),
            Vec3::new(0.0, 0.0, 0.0),
            Vec3::unit_y(),
            three_d::degrees(camera_control::FIELD_OF_VIEW_DEGREES),
            0.01,
            100.0,
        );
        let white = Srgba::WHITE;
        let key_direction = Vec3::new(0.6, -0.65, -0.45);
        let lights = Lights {
            ambient: environment::studio_light(&context, 0.8),
            // From the studio's key soft box, upper left: light from the
            // side shows the shape; from the camera it would flatten it.
            key: DirectionalLight::new(&context, KEY_INTENSITY, white, key_direction),
        };
        // A unit cube until a model arrives.
        let home = AxisAlignedBoundingBox::new_with_positions(&[
            Vec3::new(-0.5, -0.5, -0.5),
            Vec3::new(0.5, 0.5, 0.5),
        ]);
        let bounds = camera_control::frame(&mut camera, &home);
        Ok(Self {
            clay: ClayMaterial {
                key_direction,
                key_intensity: KEY_INTENSITY,
            },
            canvas,
            context,
            gl,
            camera,
            bounds,
            home,
            start_pose: None,
            model: None,
            lights,
            mode: DisplayMode::default(),
            alpha: AlphaMode::Opaque,
            textures: TextureLedger::default(),
            fixed_size: None,
        })
    }

    /// Puts `cpu_model` on the GPU without showing it: the shown model
    /// stays on screen until [`Viewer::show`] swaps them in one frame. With
    /// `textures_pending`, it is drawn in clay until
    /// [`Viewer::set_textures`]. To replace a large model with another,
    /// [`Viewer::clear`] first, so the two never need GPU memory at once.
    pub fn stage(
        &self,
        mut cpu_model: CpuModel,
        textures_pending: bool,
    ) -> Result<StagedModel, ViewerError> {
        let colour_textures = ColourTextures::take(&mut cpu_model);
        let mut model = Model::<PhysicalMaterial>::new(&self.context, &cpu_model)
            .map_err(|e| ViewerError::BadModel(e.to_string()))?;
        // Model::new keeps the triangle primitives in order; so does this.
        let (has_uvs, materials): (Vec<bool>, Vec<Option<usize>>) = cpu_model
            .geometries
            .iter()
            .filter_map(|p| match &p.geometry {
                CpuGeometry::Triangles(mesh) => Some((mesh.uvs.is_some(), p.material_index)),
                _ => None,
            })
            .unzip();
        colour_textures.give(&self.context, &mut model, &materials);
        let mut aabb = AxisAlignedBoundingBox::EMPTY;
        for part in model.iter() {
            aabb.expand_with_aabb(part.aabb());
        }
        Ok(StagedModel {
            loaded: LoadedModel {
                model,
                has_uvs,
                materials,
                textures_pending,
                wireframe: Wireframe::new(cpu_model),
            },
            aabb,
        })
    }

    /// Shows `staged` in place of the shown model (whose GPU memory is
    /// freed), drawn from the next frame on.
    pub fn show(&mut self, staged: StagedModel, framing: Framing) {
        self.home = staged.aabb;
        self.model = Some(staged.loaded);
        if framing == Framing::Keep {
            return;
        }
        self.reset_view();
        if let Some(pose) = self.start_pose.take() {
            let (eye, target) = (Vec3::from(pose.eye), Vec3::from(pose.target));
            camera_control::place(&mut self.camera, &mut self.bounds, eye, target);
        }
    }

    /// Shows the next model from `pose` rather than framed, as a shared
    /// link asks (moved within the zoom limits, like any other view);
    /// later models and Reset frame as usual.
    pub fn start_at(&mut self, pose: CameraPose) {
        self.start_pose = Some(pose);
    }

    /// Moves the camera to `pose` now (within the zoom limits).
    pub fn place_at(&mut self, pose: CameraPose) {
        let (eye, target) = (Vec3::from(pose.eye), Vec3::from(pose.target));
        camera_control::place(&mut self.camera, &mut self.bounds, eye, target);
    }

    /// Draws at exactly `size` device pixels whatever the page layout, or
    /// back at the layout's size with `None`; the page keeps the picture's
    /// aspect (`object-fit`) meanwhile.
    pub fn set_fixed_size(&mut self, size: Option<(u32, u32)>) {
        self.fixed_size = size;
    }

    /// Where the camera is, once a model is shown.
    pub fn pose(&self) -> Option<CameraPose> {
        self.model.as_ref()?;
        Some(CameraPose {
            eye: self.camera.position().into(),
            target: self.bounds.target.into(),
        })
    }

    /// Starts uploading one decoded image as a texture with mipmaps; each
    /// [`Viewer::continue_upload`] call then does one bounded step of it.
    pub fn start_texture_upload(&mut self, bitmap: Bitmap) -> TextureUpload {
        self.textures.start_upload(&self.context, &self.gl, bitmap)
    }

    /// One step of `upload`; the texture once the last step is done.
    pub fn continue_upload(&self, upload: &mut TextureUpload) -> Option<Texture2DRef> {
        upload.step(&self.gl)
    }

    /// A fence after the GPU work queued so far.
    pub fn gpu_fence(&self) -> Option<GpuFence> {
        GpuFence::new(&self.gl)
    }

    /// Estimated GPU bytes of every uploaded texture still alive.
    pub fn live_texture_bytes(&self) -> u64 {
        self.textures.live_bytes()
    }

    /// Gives every part of the shown model the textures its material names
    /// (`textures` indexed as in `materials`) and ends the clay stand-in.
    pub fn set_textures(&mut self, textures: &[Texture2DRef], materials: &[MaterialImages]) {
        if let Some(loaded) = &mut self.model {
            loaded.set_textures(textures, materials);
        }
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
        self.bounds = camera_control::frame(&mut self.camera, &self.home);
    }

    /// Turns the camera around the model by a pointer movement in pixels.
    pub fn orbit(&mut self, dx_px: f32, dy_px: f32) {
        camera_control::orbit(&mut self.camera, &mut self.bounds, dx_px, dy_px);
    }

    /// Turns the camera around the vertical axis, for auto-rotation.
    pub fn spin(&mut self, radians: f32) {
        camera_control::spin(&mut self.camera, &mut self.bounds, radians);
    }

    /// Slides the view by a pointer movement in pixels.
    pub fn pan(&mut self, dx_px: f32, dy_px: f32) {
        camera_control::pan(&mut self.camera, &mut self.bounds, dx_px, dy_px);
    }

    /// Zooms by a wheel delta; positive zooms out. The camera stays
    /// outside the model and no more than twice its framing distance away.
    pub fn zoom(&mut self, wheel_delta: f32) {
        camera_control::zoom(&mut self.camera, &mut self.bounds, wheel_delta);
    }

    /// Zooms by a pinch factor; above 1 moves closer. Limited as
    /// [`Viewer::zoom`] is.
    pub fn zoom_by(&mut self, factor: f32) {
        camera_control::zoom_by(&mut self.camera, &mut self.bounds, factor);
    }

    /// How the wireframe overlay shows from the current view: whether it is
    /// faded or hidden because the mesh is dense at this zoom, for the page
    /// to explain ([`WireframeState::explanation`]). Each frame also puts it
    /// on the canvas, as `data-wireframe` and a tooltip.
    /// [`WireframeState::Off`] outside the wireframe mode.
    pub fn wireframe_state(&self) -> WireframeState {
        match &self.model {
            Some(loaded)
                if self.mode == DisplayMode::ShadedWireframe && !loaded.textures_pending =>
            {
                loaded.wireframe.state(&self.camera)
            }
            _ => WireframeState::Off,
        }
    }

    /// Draws one frame at the canvas's current size and pixel ratio; returns
    /// whether work begun for it (the wireframe's edge search) needs more
    /// frames.
    pub fn render(&mut self) -> bool {
        let unfinished = self.draw();
        canvas::show_wireframe_state(&self.canvas, self.wireframe_state());
        unfinished
    }

    fn draw(&mut self) -> bool {
        let (width, height) = match self.fixed_size {
            Some(size) => canvas::set_drawing_buffer(&self.canvas, size),
            None => canvas::fit_drawing_buffer(&self.canvas),
        };
        self.camera
            .set_viewport(Viewport::new_at_origo(width, height));
        let lights: [&dyn Light; 2] = [&self.lights.ambient, &self.lights.key];
        let [r, g, b] = BACKGROUND;
        let target = RenderTarget::screen(&self.context, width, height);
        target.clear(ClearState::color_and_depth(r, g, b, 1.0, 1.0));
        let Some(loaded) = &mut self.model else {
            return false;
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
        mode == DisplayMode::ShadedWireframe
            && loaded.wireframe.draw(&self.context, &self.gl, &self.camera)
    }
}
