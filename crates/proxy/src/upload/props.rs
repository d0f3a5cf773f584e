//! Properties of upload decoding, over generated inputs: nothing panics,
//! every refusal is a 4xx with a code, and what was encoded decodes back.
//! Few cases in the test suite; `scripts/proptest-long` runs many more.

use base64::Engine as _;
use proptest::prelude::*;

use super::{base64::decode_base64_image, decode::normalize, json::from_json};
use crate::error::AppError;

/// Then: a refusal the client can act on, never a server error.
fn assert_refusal(err: &AppError) {
    assert!(!err.code().is_empty());
    assert!(err.status().is_client_error(), "{} for {err}", err.status());
    assert!(!err.to_string().is_empty());
}

/// The first bytes of each format the decoder reads, so generated inputs
/// reach the decoders instead of stopping at format detection.
const SIGNATURES: [&[u8]; 5] = [
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF89a",
    b"RIFF\0\0\0\0WEBPVP8 ",
    b"BM",
];

proptest! {
    #![proptest_config(crate::testing::proptest_config())]

    #[test]
    fn any_text_decodes_or_is_refused_with_a_code(text in ".{0,300}") {
        if let Err(err) = decode_base64_image(&text) {
            assert_refusal(&err);
        }
    }

    #[test]
    fn encoded_bytes_decode_back_whatever_the_wrapping(
        bytes in proptest::collection::vec(any::<u8>(), 0..6000),
        padded in any::<bool>(),
        data_uri in any::<bool>(),
        breaks in proptest::collection::vec(0usize..8200, 0..20),
    ) {
        let engine = if padded { base64::engine::general_purpose::STANDARD } else { base64::engine::general_purpose::STANDARD_NO_PAD };
        let mut text = engine.encode(&bytes);
        for at in breaks {
            let at = at.min(text.len());
            text.insert_str(at, "\r\n");
        }
        if data_uri {
            text.insert_str(0, "data:image/png;base64,");
        }
        prop_assert_eq!(decode_base64_image(&text).unwrap(), bytes);
    }

    #[test]
    fn any_json_body_is_read_or_refused_with_a_code(body in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Err(err) = from_json(&body) {
            assert_refusal(&err);
        }
    }

    #[test]
    fn json_objects_of_settings_are_read_or_refused_with_a_code(
        seed in proptest::option::of(any::<i64>()),
        steps in proptest::option::of(any::<i32>()),
        guidance in proptest::option::of(any::<f32>()),
        pipeline in proptest::option::of("[0-9a-z_]{0,14}"),
        image in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut fields = serde_json::Map::new();
        fields.insert("image".into(), base64::engine::general_purpose::STANDARD.encode(&image).into());
        if let Some(seed) = seed { fields.insert("seed".into(), seed.into()); }
        if let Some(steps) = steps { fields.insert("ss_sampling_steps".into(), steps.into()); }
        if let Some(guidance) = guidance { fields.insert("ss_guidance_strength".into(), serde_json::json!(guidance)); }
        if let Some(pipeline) = pipeline { fields.insert("pipeline_type".into(), pipeline.into()); }
        let body = serde_json::Value::Object(fields).to_string();
        match from_json(body.as_bytes()) {
            Ok(upload) => prop_assert_eq!(upload.image, image),
            Err(err) => assert_refusal(&err),
        }
    }

    #[test]
    fn any_file_is_normalized_or_refused_with_a_code(
        signature in 0usize..SIGNATURES.len(),
        rest in proptest::collection::vec(any::<u8>(), 0..2000),
    ) {
        let mut file = SIGNATURES[signature].to_vec();
        file.extend_from_slice(&rest);
        if let Err(err) = normalize(&file) {
            assert_refusal(&err);
        }
    }
}
