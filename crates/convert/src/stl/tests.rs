//! The repair steps on meshes small enough to reason about by hand; the
//! integration tests check the files with trimesh.

use super::mesh::{EdgeCounts, Solid};
use super::repair::make_printable;
use super::report;

/// A 2 mm cube centred on the origin: eight vertices, twelve outward
/// triangles.
fn cube() -> Solid {
    let vertices = (0..8)
        .map(|i| {
            let bit = |b: u32| if i & (1 << b) != 0 { 1.0 } else { -1.0 };
            [bit(0), bit(1), bit(2)]
        })
        .collect();
    let quads = [
        [0, 4, 6, 2],
        [1, 3, 7, 5],
        [0, 1, 5, 4],
        [2, 6, 7, 3],
        [0, 2, 3, 1],
        [4, 5, 7, 6],
    ];
    let faces = quads
        .iter()
        .flat_map(|q| [[q[0], q[1], q[2]], [q[0], q[2], q[3]]])
        .collect();
    Solid { vertices, faces }
}

/// A cylinder of radius 1 around Z with `segments` sides, closed at the
/// bottom, open at the top.
fn open_cylinder(segments: u32) -> Solid {
    let mut solid = Solid::default();
    for i in 0..segments {
        let angle = i as f32 / segments as f32 * std::f32::consts::TAU;
        solid.vertices.push([angle.cos(), angle.sin(), 0.0]);
        solid.vertices.push([angle.cos(), angle.sin(), 1.0]);
    }
    solid.vertices.push([0.0, 0.0, 0.0]);
    let centre = 2 * segments;
    for i in 0..segments {
        let j = (i + 1) % segments;
        let (b0, t0, b1, t1) = (2 * i, 2 * i + 1, 2 * j, 2 * j + 1);
        solid
            .faces
            .extend([[b0, b1, t1], [b0, t1, t0], [centre, b1, b0]]);
    }
    solid
}

fn assert_printable(solid: &Solid) {
    let edges = EdgeCounts::of(solid);
    assert!(edges.closed() && edges.manifold(), "{edges:?}");
    assert!(
        solid.signed_volume(solid.faces.iter().copied()) > 0.0,
        "faces point in"
    );
}

#[test]
fn a_cube_is_closed_with_volume_8() {
    let report = report(&cube(), None);
    assert!(report.closed && report.manifold, "{report:?}");
    assert_eq!(report.shells, 1);
    assert_eq!(report.size_mm, [2.0; 3]);
    let volume = report.volume_mm3.unwrap_or_default();
    assert!((volume - 8.0).abs() < 1e-9, "{volume}");
}

#[test]
fn a_missing_face_is_reported_and_filled_flat() {
    let mut solid = cube();
    solid.faces.truncate(10);
    let report = report(&solid, None);
    assert!(!report.closed && report.manifold, "{report:?}");
    assert_eq!(report.boundary_edges, 4);
    assert_eq!(report.volume_mm3, None);

    let repair = make_printable(&mut solid);
    assert_eq!((repair.holes_filled, repair.triangles_added), (1, 2));
    assert_printable(&solid);
    let volume = solid.signed_volume(solid.faces.iter().copied());
    assert!(
        (volume - 8.0).abs() < 1e-9,
        "the hole closes flat: {volume}"
    );
}

#[test]
fn a_fin_on_an_edge_is_removed() {
    let mut solid = cube();
    solid.vertices.push([0.0, -1.0, -1.2]);
    // A small triangle hanging off the edge between vertices 0 and 1.
    solid.faces.push([0, 1, 8]);
    assert_eq!(EdgeCounts::of(&solid).non_manifold, 1);
    let repair = make_printable(&mut solid);
    assert_eq!(repair.non_manifold_removed, 1);
    assert_printable(&solid);
    assert_eq!(solid.faces.len(), 12);
}

#[test]
fn a_flipped_face_is_turned_back() {
    let mut solid = cube();
    solid.faces[3].swap(1, 2);
    assert_eq!(EdgeCounts::of(&solid).inconsistent, 3);
    let repair = make_printable(&mut solid);
    assert_eq!(repair.flipped, 1);
    assert_printable(&solid);
}

#[test]
fn an_inside_out_mesh_is_turned_outward() {
    let mut solid = cube();
    for face in &mut solid.faces {
        face.swap(1, 2);
    }
    assert!(solid.signed_volume(solid.faces.iter().copied()) < 0.0);
    let repair = make_printable(&mut solid);
    assert_eq!(repair.flipped, 12);
    assert_printable(&solid);
}

#[test]
fn degenerate_and_duplicate_faces_go() {
    let mut solid = cube();
    solid.faces.push([0, 0, 1]);
    solid.faces.push(solid.faces[0]);
    let mut reversed = solid.faces[1];
    reversed.swap(0, 1);
    solid.faces.push(reversed);
    let repair = make_printable(&mut solid);
    assert_eq!(repair.degenerate_removed, 3);
    assert_printable(&solid);
}

#[test]
fn small_and_large_holes_both_close() {
    for segments in [12, 300] {
        let mut solid = open_cylinder(segments);
        assert_eq!(EdgeCounts::of(&solid).boundary, u64::from(segments));
        let repair = make_printable(&mut solid);
        assert_eq!(repair.holes_filled, 1, "{segments} segments");
        assert_printable(&solid);
    }
}

#[test]
fn welding_joins_split_seams_and_signed_zeros() {
    let first = vec![[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
    let second = vec![[-0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]];
    let solid = Solid::weld([(first, [0, 1, 2].as_slice()), (second, &[0, 1, 2])].into_iter());
    assert_eq!(solid.vertices.len(), 3);
    assert_eq!(solid.faces, [[0, 1, 2], [0, 2, 1]]);
}

#[test]
fn hairline_cracks_are_merged_shut() {
    let mut solid = cube();
    // The +z face's corners, recomputed a hair off, as separate vertices.
    let offset: Vec<u32> = (4..8)
        .map(|v| {
            let [x, y, z] = solid.vertices[v];
            solid.vertices.push([x + 1e-6, y, z - 1e-6]);
            solid.vertices.len() as u32 - 1
        })
        .collect();
    for face in &mut solid.faces[10..12] {
        *face = face.map(|v| if v >= 4 { offset[v as usize - 4] } else { v });
    }
    assert!(!EdgeCounts::of(&solid).closed());
    let repair = make_printable(&mut solid);
    assert_eq!(repair.vertices_merged, 4);
    assert_eq!(repair.holes_filled, 0);
    assert_printable(&solid);
}
