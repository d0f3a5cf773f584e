//! Whole files with `EXT_meshopt_compression`: a compressed GLB laid out
//! as the extension's fallback rules describe decompresses into a plain
//! GLB whose accessors read back the original data; broken extension JSON
//! gives a specific error.

mod common;

use common::sphere;
use serde_json::{Value, json};
use trellis_glb::meshopt::{EXTENSION, decompress, is_compressed};
use trellis_glb::{GlbError, GlbWriter, Target, accessor, buffers, parse, split};

/// A GLB whose three vertex streams and indices live only in compressed
/// form, behind a fallback placeholder buffer, plus one plain view.
fn compressed_glb(tamper: impl FnOnce(&mut Value)) -> (Vec<u8>, common::QuantizedMesh) {
    let mesh = sphere(32, 16);
    let count = mesh.vertex_count();
    let mut writer = GlbWriter::new();
    let fallback_len =
        mesh.positions.len() + mesh.normals.len() + mesh.uvs.len() + mesh.indices.len() * 4;
    let fallback = writer.add_buffer(json!({
        "byteLength": fallback_len,
        "extensions": { EXTENSION: { "fallback": true } }
    }));
    let mut fallback_offset = 0;
    let mut compressed_view = |writer: &mut GlbWriter,
                               encoded: Vec<u8>,
                               stride: usize,
                               count: usize,
                               mode: &str,
                               filter: &str,
                               target: Target| {
        let offset = writer.push_bytes(&encoded);
        let mut view_json = json!({
            "buffer": fallback, "byteOffset": fallback_offset, "byteLength": stride * count,
            "target": target.code(),
            "extensions": { EXTENSION: {
                "buffer": 0, "byteOffset": offset, "byteLength": encoded.len(),
                "byteStride": stride, "count": count, "mode": mode, "filter": filter
            } }
        });
        if target == Target::Vertices {
            view_json["byteStride"] = json!(stride);
        }
        let view = writer.add_view(view_json);
        fallback_offset += stride * count;
        view
    };
    let encode = |bytes: &[u8], stride: usize| -> Vec<u8> {
        match stride {
            8 => {
                let v: Vec<[u8; 8]> = bytes
                    .chunks_exact(8)
                    .map(|c| c.try_into().unwrap())
                    .collect();
                meshopt::encode_vertex_buffer_level(&v, 2, Some(0)).unwrap()
            }
            _ => {
                let v: Vec<[u8; 4]> = bytes
                    .chunks_exact(4)
                    .map(|c| c.try_into().unwrap())
                    .collect();
                meshopt::encode_vertex_buffer_level(&v, 2, Some(0)).unwrap()
            }
        }
    };
    let positions = compressed_view(
        &mut writer,
        encode(&mesh.positions, 8),
        8,
        count,
        "ATTRIBUTES",
        "NONE",
        Target::Vertices,
    );
    let normals = compressed_view(
        &mut writer,
        encode(&mesh.normals, 4),
        4,
        count,
        "ATTRIBUTES",
        "OCTAHEDRAL",
        Target::Vertices,
    );
    let uvs = compressed_view(
        &mut writer,
        encode(&mesh.uvs, 4),
        4,
        count,
        "ATTRIBUTES",
        "NONE",
        Target::Vertices,
    );
    let triangles = meshopt::encode_index_buffer(&mesh.indices, count).unwrap();
    let indices = compressed_view(
        &mut writer,
        triangles,
        4,
        mesh.indices.len(),
        "TRIANGLES",
        "NONE",
        Target::Indices,
    );
    let plain = writer.push_view(b"an image", None);
    for (view, component, kind, normalized) in [
        (positions, 5123, "VEC3", true),
        (normals, 5120, "VEC3", true),
        (uvs, 5123, "VEC2", true),
        (indices, 5125, "SCALAR", false),
    ] {
        let elements = if kind == "SCALAR" {
            mesh.indices.len()
        } else {
            count
        };
        let mut accessor = json!({ "bufferView": view, "componentType": component, "count": elements, "type": kind });
        if normalized {
            accessor["normalized"] = json!(true);
        }
        writer.add_accessor(accessor);
    }
    let mut doc = json!({
        "asset": { "version": "2.0" },
        "extensionsUsed": [EXTENSION, "KHR_mesh_quantization"],
        "extensionsRequired": [EXTENSION, "KHR_mesh_quantization"],
        "images": [{ "bufferView": plain, "mimeType": "image/webp" }],
    });
    let glb = writer.finish(doc.take()).unwrap();
    let chunks = split(&glb).unwrap();
    let mut doc = parse(chunks.json).unwrap();
    tamper(&mut doc);
    let glb = trellis_glb::join(&trellis_glb::to_json(&doc), chunks.bin).unwrap();
    (glb, mesh)
}

#[test]
fn a_compressed_glb_decompresses_to_its_original_data() {
    let (glb, mesh) = compressed_glb(|_| {});
    let plain = decompress(&glb).unwrap();
    let chunks = split(&plain).unwrap();
    let doc = parse(chunks.json).unwrap();
    assert!(!is_compressed(&doc));
    assert_eq!(doc["extensionsUsed"], json!(["KHR_mesh_quantization"]));
    assert_eq!(
        doc["buffers"].as_array().unwrap().len(),
        1,
        "the fallback buffer is gone"
    );
    let buffers = buffers(&doc, chunks.bin).unwrap();
    let raw = |index: u64| -> Vec<u8> {
        accessor(&doc, &buffers, index)
            .unwrap()
            .elements()
            .unwrap()
            .flatten()
            .copied()
            .collect()
    };
    let positions: Vec<u8> = mesh
        .positions
        .chunks_exact(8)
        .flat_map(|p| p[..6].to_vec())
        .collect();
    assert_eq!(raw(0), positions);
    assert_eq!(raw(2), mesh.uvs);
    assert_eq!(
        accessor(&doc, &buffers, 3)
            .unwrap()
            .read_u32()
            .unwrap()
            .len(),
        mesh.indices.len()
    );
    let normals = accessor(&doc, &buffers, 1)
        .unwrap()
        .read_f32::<3>()
        .unwrap();
    for n in normals {
        let length = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
        assert!(
            (length - 1.0).abs() < 0.02,
            "normal {n:?} is not unit length"
        );
    }
    let image = trellis_glb::buffer_view(&doc, &buffers, 4).unwrap();
    assert_eq!(image.bytes, b"an image");
}

#[test]
fn a_plain_glb_comes_back_as_it_is() {
    let glb = GlbWriter::new()
        .finish(json!({ "asset": { "version": "2.0" } }))
        .unwrap();
    assert!(matches!(
        decompress(&glb),
        Ok(std::borrow::Cow::Borrowed(_))
    ));
}

#[test]
fn compressed_views_are_unreadable_without_decoding() {
    let (glb, _) = compressed_glb(|_| {});
    let chunks = split(&glb).unwrap();
    let doc = parse(chunks.json).unwrap();
    let buffers = buffers(&doc, chunks.bin).unwrap();
    assert!(matches!(
        accessor(&doc, &buffers, 0),
        Err(GlbError::Unsupported(_))
    ));
}

#[test]
fn broken_extension_json_gives_specific_errors() {
    let ext = |view: usize, key: &str| format!("/bufferViews/{view}/extensions/{EXTENSION}/{key}");
    let cases = [
        (
            ext(0, "byteStride"),
            json!(12),
            "disagrees with its own layout",
        ),
        (
            ext(0, "mode"),
            json!("SPLINES"),
            "unknown EXT_meshopt_compression mode",
        ),
        (
            ext(0, "buffer"),
            json!(1),
            "does not point into the binary chunk",
        ),
        (
            ext(0, "byteOffset"),
            json!(u32::MAX),
            "lies outside the file",
        ),
        (
            ext(0, "byteLength"),
            json!(40),
            "compressed buffer view 0 does not decode",
        ),
        (
            ext(1, "filter"),
            json!("QUATERNION"),
            "cannot be stored with mode ATTRIBUTES and filter QUATERNION",
        ),
    ];
    for (pointer, value, message) in cases {
        let (glb, _) = compressed_glb(|doc| *doc.pointer_mut(&pointer).unwrap() = value.clone());
        let error = decompress(&glb).unwrap_err().to_string();
        assert!(
            error.contains(message),
            "{pointer}: {error:?} should mention {message:?}"
        );
    }
}
