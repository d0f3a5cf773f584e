//! The wireframe overlay: every triangle edge drawn once, as a thin dark
//! line over the shaded model. The edges are only found the first time the
//! overlay is drawn, so loads that never show it pay nothing for it beyond
//! keeping the mesh's positions and indices.

use three_d::{
    Blend, Camera, Context, CpuGeometry, CpuModel, DepthTest, ElementBuffer, Indices, Mat4,
    Program, RenderStates, Vec3, Vec4, VertexBuffer, WriteMask,
};
use web_sys::WebGl2RenderingContext as Gl;

/// Near-black and half transparent: reads on light and dark textures alike,
/// and a 1M-triangle mesh, whose edges cover most pixels, still shows its
/// shading through them.
const LINE_COLOR: Vec4 = Vec4::new(0.04, 0.045, 0.05, 0.45);
/// How far lines are pulled towards the camera, in normalised depth: an
/// edge and the triangles beside it rasterise to nearly the same depth, so
/// without it the surface hides parts of its own edges. At the framing
/// distance this is about 0.25% of the distance to the model, small enough
/// that edges of surfaces behind a fold stay hidden.
const DEPTH_BIAS: f32 = 5e-5;

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
    /// Not drawn yet: each part's mesh as it loaded.
    Pending(Vec<PartMesh>),
    /// On the GPU; `None` if the line shader failed to build (a lost
    /// context), so it is not retried every frame.
    Ready(Option<Lines>),
}

struct PartMesh {
    positions: Vec<Vec3>,
    indices: Indices,
    transformation: Mat4,
}

struct Lines {
    program: Program,
    parts: Vec<PartLines>,
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

    /// Draws the edges over what `camera` sees, building them on the first
    /// call. `gl` is the context under `context`: three-d draws triangles
    /// only, and its raw context is unsafe to call.
    pub(super) fn draw(&mut self, context: &Context, gl: &Gl, camera: &Camera) {
        if let State::Pending(parts) = &mut self.0 {
            let parts = std::mem::take(parts);
            self.0 = State::Ready(Lines::new(context, parts));
        }
        if let State::Ready(Some(lines)) = &self.0 {
            lines.draw(gl, camera);
        }
    }
}

impl Lines {
    fn new(context: &Context, meshes: Vec<PartMesh>) -> Option<Self> {
        let program = Program::from_source(context, VERTEX_SHADER, FRAGMENT_SHADER).ok()?;
        let parts = meshes
            .into_iter()
            .filter_map(|mesh| {
                let vertex_count = mesh.positions.len() as u32;
                let indices = mesh
                    .indices
                    .into_u32()
                    .unwrap_or_else(|| (0..vertex_count).collect());
                let edges = unique_edges(&indices);
                (!edges.is_empty()).then(|| PartLines {
                    positions: VertexBuffer::new_with_data(context, &mesh.positions),
                    edges: ElementBuffer::new_with_data(context, &edges),
                    transformation: mesh.transformation,
                })
            })
            .collect();
        Some(Self { program, parts })
    }

    fn draw(&self, gl: &Gl, camera: &Camera) {
        let view_projection = camera.projection() * camera.view();
        let render_states = RenderStates {
            // Equal depth passes too, and lines leave the depth buffer to
            // the surface so they never hide one another.
            depth_test: DepthTest::LessOrEqual,
            write_mask: WriteMask::COLOR,
            blend: Blend::TRANSPARENCY,
            ..Default::default()
        };
        self.program.use_uniform("color", LINE_COLOR);
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

/// Each undirected edge of the triangles in `indices` once, as vertex pairs
/// for `LINES`.
///
/// Every edge becomes one `u64`, lower index first, and a sort drops the
/// repeats: about 60 ms natively for a 1M-triangle mesh in any vertex
/// order. Bucketing edges by vertex instead is faster only while triangles
/// come in vertex order, and four times slower when they do not.
fn unique_edges(indices: &[u32]) -> Vec<u32> {
    let mut keys: Vec<u64> = indices
        .chunks_exact(3)
        .flat_map(|t| [(t[0], t[1]), (t[1], t[2]), (t[2], t[0])])
        .filter(|(a, b)| a != b)
        .map(|(a, b)| (u64::from(a.min(b)) << 32) | u64::from(a.max(b)))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let mut lines = Vec::with_capacity(keys.len() * 2);
    lines.extend(
        keys.iter()
            .flat_map(|&key| [(key >> 32) as u32, key as u32]),
    );
    lines
}
