//! The wireframe overlay: every triangle edge drawn once, as a thin dark
//! line over the shaded model, as strongly as the edges' density on screen
//! allows (see `density`). The edges are only found the first time the
//! overlay is asked for, a step per frame, so loads that never show it pay
//! nothing for it beyond keeping the mesh's positions and indices, and
//! showing it never blocks the page for long.

mod density;
mod edges;

pub use density::WireframeState;

use density::{TriangleSample, sample_stride, sample_triangles};
use edges::EdgeFinder;
use three_d::{
    Blend, Camera, Context, CpuGeometry, CpuModel, DepthTest, ElementBuffer, Indices, Mat4,
    Program, RenderStates, Vec3, VertexBuffer, WriteMask,
};
use web_sys::WebGl2RenderingContext as Gl;

/// Near-black: reads on light and dark textures alike.
const LINE_COLOR: Vec3 = Vec3::new(0.04, 0.045, 0.05);
/// How far lines are pulled towards the camera, in normalised depth: an
/// edge and the triangles beside it rasterise to nearly the same depth, so
/// without it the surface hides parts of its own edges. At the framing
/// distance this is about 0.25% of the distance to the model, small enough
/// that edges of surfaces behind a fold stay hidden.
const DEPTH_BIAS: f32 = 5e-5;
/// Main-thread time the edge search may take per frame before it yields:
/// with one step at most ~40 ms, a frame's task stays well under 200 ms.
const BUILD_BUDGET_MS: f64 = 50.0;

const VERTEX_SHADER: &str = "
uniform mat4 transform;
uniform float depthBias;
in vec3 position;
void main() {
    gl_Position = transform * vec4(position, 1.0);
    gl_Position.z -= depthBias * gl_Position.w;
}
";

const FRAGMENT_SHADER: &str = "
uniform vec4 color;
layout (location = 0) out vec4 outColor;
void main() {
    outColor = color;
}
";

/// The lines for one model; dropping it frees their GPU buffers.
pub(super) struct Wireframe(State);

enum State {
    /// Not asked for yet: each part's mesh as it loaded.
    Pending(Vec<PartMesh>),
    /// Finding the edges, one part after another.
    Building(Vec<PartBuild>),
    /// On the GPU; `None` if the line shader failed to build (a lost
    /// context), so it is not retried every frame.
    Ready(Option<Lines>),
}

struct PartMesh {
    positions: Vec<Vec3>,
    indices: Indices,
    transformation: Mat4,
}

impl PartMesh {
    fn triangle_count(&self) -> usize {
        self.indices.len().unwrap_or(self.positions.len()) / 3
    }
}

struct PartBuild {
    positions: Vec<Vec3>,
    transformation: Mat4,
    finder: EdgeFinder,
    edges: Option<Vec<u32>>,
    /// Every `stride`-th triangle, for measuring density on screen.
    sample: Vec<[Vec3; 3]>,
}

impl PartBuild {
    fn new(mesh: PartMesh, stride: usize) -> Self {
        let vertex_count = mesh.positions.len() as u32;
        let indices = mesh
            .indices
            .into_u32()
            .unwrap_or_else(|| (0..vertex_count).collect());
        Self {
            sample: sample_triangles(&mesh.positions, &indices, mesh.transformation, stride),
            finder: EdgeFinder::new(indices, vertex_count),
            positions: mesh.positions,
            transformation: mesh.transformation,
            edges: None,
        }
    }
}

struct Lines {
    program: Program,
    parts: Vec<PartLines>,
    /// For measuring how crowded the lines are on screen.
    sample: TriangleSample,
}

struct PartLines {
    positions: VertexBuffer<Vec3>,
    edges: ElementBuffer<u32>,
    transformation: Mat4,
}

impl Wireframe {
    /// Keeps the positions and indices of `cpu_model`'s triangle meshes,
    /// moved rather than copied, in the order `Model::new` uploads them.
    pub(super) fn new(cpu_model: CpuModel) -> Self {
        let parts = cpu_model
            .geometries
            .into_iter()
            .filter_map(|primitive| match primitive.geometry {
                CpuGeometry::Triangles(mesh) => Some(PartMesh {
                    positions: mesh.positions.into_f32(),
                    indices: mesh.indices,
                    transformation: primitive.transformation,
                }),
                _ => None,
            })
            .collect();
        Self(State::Pending(parts))
    }

    /// Draws the edges over what `camera` sees. Until they are found, each
    /// call advances the search for a while and draws nothing; returns
    /// whether it needs another frame to go on. `gl` is the context under
    /// `context`: three-d draws triangles only, and its raw context is
    /// unsafe to call.
    pub(super) fn draw(&mut self, context: &Context, gl: &Gl, camera: &Camera) -> bool {
        if let State::Pending(parts) = &mut self.0 {
            let parts = std::mem::take(parts);
            let stride = sample_stride(parts.iter().map(PartMesh::triangle_count).sum());
            let parts = parts.into_iter().map(|p| PartBuild::new(p, stride));
            self.0 = State::Building(parts.collect());
        }
        if let State::Building(parts) = &mut self.0 {
            let start = js_sys::Date::now();
            for part in parts.iter_mut().filter(|p| p.edges.is_none()) {
                while part.edges.is_none() {
                    if js_sys::Date::now() - start > BUILD_BUDGET_MS {
                        return true;
                    }
                    part.edges = part.finder.step();
                }
            }
            let parts = std::mem::take(parts);
            self.0 = State::Ready(Lines::new(context, parts));
        }
        if let State::Ready(Some(lines)) = &self.0 {
            lines.draw(gl, camera);
        }
        false
    }

    /// How the overlay shows from `camera`, once it is drawn.
    pub(super) fn state(&self, camera: &Camera) -> WireframeState {
        match &self.0 {
            State::Pending(_) | State::Building(_) => WireframeState::Preparing,
            State::Ready(Some(lines)) => lines.sample.legibility(camera).1,
            State::Ready(None) => WireframeState::Off,
        }
    }
}

impl Lines {
    fn new(context: &Context, built: Vec<PartBuild>) -> Option<Self> {
        let program = Program::from_source(context, VERTEX_SHADER, FRAGMENT_SHADER).ok()?;
        let mut sample = Vec::new();
        let parts = built
            .into_iter()
            .filter_map(|part| {
                sample.extend(part.sample);
                let edges = part.edges.filter(|edges| !edges.is_empty())?;
                Some(PartLines {
                    positions: VertexBuffer::new_with_data(context, &part.positions),
                    edges: ElementBuffer::new_with_data(context, &edges),
                    transformation: part.transformation,
                })
            })
            .collect::<Vec<_>>();
        Some(Self {
            program,
            parts,
            sample: TriangleSample::new(sample),
        })
    }

    fn draw(&self, gl: &Gl, camera: &Camera) {
        let (alpha, state) = self.sample.legibility(camera);
        if state == WireframeState::Hidden {
            return;
        }
        let view_projection = camera.projection() * camera.view();
        let render_states = RenderStates {
            // Equal depth passes too, and lines leave the depth buffer to
            // the surface so they never hide one another.
            depth_test: DepthTest::LessOrEqual,
            write_mask: WriteMask::COLOR,
            blend: Blend::TRANSPARENCY,
            ..Default::default()
        };
        self.program.use_uniform("color", LINE_COLOR.extend(alpha));
        self.program.use_uniform("depthBias", DEPTH_BIAS);
        for part in &self.parts {
            self.program
                .use_uniform("transform", view_projection * part.transformation);
            self.program
                .use_vertex_attribute("position", &part.positions);
            let count = part.edges.count() as i32;
            // three-d binds the buffers and sets the states around this
            // call, and unbinds and resets them after it.
            self.program
                .draw_elements_with(render_states, camera.viewport(), &part.edges, || {
                    gl.draw_elements_with_i32(Gl::LINES, count, Gl::UNSIGNED_INT, 0)
                });
        }
    }
}
