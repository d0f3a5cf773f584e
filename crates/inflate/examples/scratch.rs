#[path = "../tests/common/mod.rs"]
mod common;
use std::time::Instant;
fn main() {
    let scene = common::photo(1024, 1024);
    let s = trellis_inflate::segment(&scene.image).unwrap();
    for (t, tex) in [(200_000, 64), (1000, 2048), (1000, 64), (200_000, 2048), (2_000_000, 2048)] {
        let start = Instant::now();
        let m = s.extract_glb(t, tex).unwrap();
        println!("{t} {tex}: {:?} faces {} verts {} bytes {}", start.elapsed(), m.faces, m.vertices, m.bytes.len());
    }
}
