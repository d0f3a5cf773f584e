//! Every kind of GLB the converters cannot handle gets its own error, of
//! the class the proxy answers with 422, from every converter alike, and
//! nothing panics, whatever the bytes.

mod common;

use common::glb::{self, Builder, Encoding, Mesh};
use serde_json::{Value, json};
use trellis_convert::limits::{MAX_INPUT_BYTES, MAX_TRIANGLES};
use trellis_convert::{
    ConvertError, ErrorClass, PosterOptions, StlOptions, UsdzOptions, poster_png, to_obj_zip,
    to_stl, to_usdz,
};

/// A small poster keeps the many runs below quick.
const SMALL_POSTER: PosterOptions = PosterOptions {
    width: 32,
    height: 32,
};

/// Each converter's verdict on `glb`, as an error or "ok".
fn outcomes(glb: &[u8]) -> Vec<Result<(), ConvertError>> {
    vec![
        to_usdz(glb, &UsdzOptions::default()).map(drop),
        to_stl(
            glb,
            &StlOptions {
                make_printable: true,
                ..StlOptions::default()
            },
        )
        .map(drop),
        to_obj_zip(glb).map(drop),
        poster_png(glb, &SMALL_POSTER).map(drop),
    ]
}

/// Asserts every converter refuses `glb` as `expected` says, with a message
/// containing `words`, classed as the model's problem.
fn refused(glb: &[u8], expected: fn(&ConvertError) -> bool, words: &str) {
    for outcome in outcomes(glb) {
        let error = outcome
            .err()
            .unwrap_or_else(|| panic!("accepted; expected {words:?}"));
        assert!(expected(&error), "wrong error: {error:?}");
        assert!(error.to_string().contains(words), "{error} lacks {words:?}");
        assert_eq!(error.class(), ErrorClass::UnprocessableModel, "{error}");
    }
}

/// A one-triangle GLB whose JSON `edit` may change.
fn triangle_with(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut builder = Builder::default();
    let mesh = Mesh {
        positions: vec![[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
        indices: vec![0, 1, 2],
        ..Mesh::default()
    };
    let index = builder.mesh(&mesh, None);
    builder.node(index, json!({}));
    edit(&mut builder.json);
    builder.to_bytes()
}

#[test]
fn bytes_that_are_no_glb() {
    let is_not_glb = |e: &ConvertError| matches!(e, ConvertError::NotGlb(_));
    refused(b"", is_not_glb, "signature");
    refused(b"PK\x03\x04 a zip, not a model", is_not_glb, "signature");
    let robot = common::robot_glb();
    refused(&robot[..robot.len() * 2 / 3], is_not_glb, "truncated");
    refused(&robot[..10], is_not_glb, "cut short");
    let header_only = [
        b"glTF".as_slice(),
        &2u32.to_le_bytes(),
        &12u32.to_le_bytes(),
    ]
    .concat();
    refused(&header_only, is_not_glb, "no JSON chunk");
}

#[test]
fn glb_version_1_is_unsupported() {
    let mut glb = triangle_with(|_| {});
    glb[4] = 1;
    refused(
        &glb,
        |e| matches!(e, ConvertError::Unsupported(_)),
        "version 1",
    );
}

#[test]
fn broken_json_and_broken_references() {
    let invalid = |e: &ConvertError| matches!(e, ConvertError::InvalidGltf(_));
    let mut garbage = triangle_with(|_| {});
    garbage[20..24].copy_from_slice(b"{{{{");
    refused(&garbage, invalid, "JSON chunk does not parse");
    refused(
        &triangle_with(|json| {
            json["meshes"][0]["primitives"][0]["attributes"]["POSITION"] = json!(99)
        }),
        invalid,
        "accessor 99",
    );
    refused(
        &triangle_with(|json| json["accessors"][1]["count"] = json!(30)),
        invalid,
        "runs past the end",
    );
    refused(
        &triangle_with(|json| json["nodes"][0]["children"] = json!([0])),
        invalid,
        "reached twice",
    );
}

#[test]
fn index_out_of_range_and_non_finite_positions() {
    let invalid = |e: &ConvertError| matches!(e, ConvertError::InvalidGltf(_));
    let mut builder = Builder::default();
    let mesh = Mesh {
        positions: vec![[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
        indices: vec![0, 1, 7],
        ..Mesh::default()
    };
    let index = builder.mesh(&mesh, None);
    builder.node(index, json!({}));
    refused(&builder.to_bytes(), invalid, "uses vertex 7");

    let nan = triangle_with(|json| json["nodes"][0]["scale"] = json!([1.0, 1e39, 1.0]));
    refused(&nan, invalid, "not finite");
}

#[test]
fn nothing_to_convert() {
    let no_mesh = |e: &ConvertError| matches!(e, ConvertError::NoMesh);
    refused(
        &triangle_with(|json| json["scenes"][0]["nodes"] = json!([])),
        no_mesh,
        "no triangle mesh",
    );
    refused(
        &triangle_with(|json| json["meshes"][0]["primitives"][0]["mode"] = json!(0)),
        no_mesh,
        "no triangle mesh",
    );
}

#[test]
fn what_the_converter_does_not_read() {
    let unsupported = |e: &ConvertError| matches!(e, ConvertError::Unsupported(_));
    refused(
        &triangle_with(|json| {
            json["extensionsUsed"] = json!(["KHR_draco_mesh_compression"]);
            json["extensionsRequired"] = json!(["KHR_draco_mesh_compression"]);
        }),
        unsupported,
        "KHR_draco_mesh_compression",
    );
    refused(
        &triangle_with(|json| json["buffers"] = json!([{ "byteLength": 48, "uri": "model.bin" }])),
        unsupported,
        "outside the GLB",
    );
}

/// The sphere's base colour image replaced by `bytes`.
fn sphere_with_texture_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut builder = Builder::default();
    let view = builder.view(bytes);
    builder.json["images"] = json!([{ "bufferView": view, "mimeType": "image/png" }]);
    builder.json["textures"] = json!([{ "source": 0 }]);
    let material =
        builder.material(json!({ "pbrMetallicRoughness": { "baseColorTexture": { "index": 0 } } }));
    let mesh = builder.mesh(&Mesh::sphere(8, 4), Some(material));
    builder.node(mesh, json!({}));
    builder.to_bytes()
}

#[test]
fn textures_that_cannot_be_read() {
    refused(
        &sphere_with_texture_bytes(b"not an image at all"),
        |e| matches!(e, ConvertError::BadTexture { image: 0, .. }),
        "texture image 0",
    );
    // A PNG header claiming 100 000 × 100 000 pixels, with its checksum.
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut huge = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0d".to_vec();
    huge.extend_from_slice(&ihdr);
    huge.extend_from_slice(&crc32fast::hash(&ihdr).to_be_bytes());
    huge.extend_from_slice(b"\x00\x00\x00\x00IDAT");
    huge.extend_from_slice(&crc32fast::hash(b"IDAT").to_be_bytes());
    refused(
        &sphere_with_texture_bytes(&huge),
        |e| {
            matches!(
                e,
                ConvertError::TooLarge {
                    actual: 100_000,
                    ..
                }
            )
        },
        "texture's side",
    );
}

#[test]
fn inputs_past_the_limits() {
    let too_large = |e: &ConvertError| matches!(e, ConvertError::TooLarge { .. });
    // Refused on its length alone, before anything is parsed.
    refused(
        &vec![0; MAX_INPUT_BYTES as usize + 1],
        too_large,
        "GLB size",
    );
    let claimed = 3 * (MAX_TRIANGLES + 1);
    refused(
        &triangle_with(|json| json["accessors"][1]["count"] = json!(claimed)),
        too_large,
        "number of triangles",
    );
}

#[test]
fn no_damage_to_a_glb_makes_a_converter_panic() {
    let glb = glb::full_material_sphere(Encoding::Png);
    let json_end = 20 + u32::from_le_bytes([glb[12], glb[13], glb[14], glb[15]]) as usize;
    let mut damaged: Vec<Vec<u8>> = Vec::new();
    for cut in (0..glb.len()).step_by(glb.len() / 40) {
        damaged.push(glb[..cut].to_vec());
    }
    // Digits, quotes and brackets in the JSON; any byte in the binary chunk.
    let mut seed = 0x2545_F491_u32;
    for _ in 0..200 {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let mut copy = glb.clone();
        let at = seed as usize % glb.len();
        copy[at] = if at < json_end {
            b"09\"{}[],-e"[seed as usize % 10]
        } else {
            (seed >> 24) as u8
        };
        damaged.push(copy);
    }
    for bytes in &damaged {
        // Any result is fine; a panic fails the test.
        for outcome in outcomes(bytes) {
            if let Err(error) = outcome {
                assert_ne!(error.class(), ErrorClass::Internal, "{error}");
            }
        }
    }
}
