//! The reader fed in every chunk size, and fed what it must refuse.

use super::*;
use base64::{Engine as _, engine::general_purpose::STANDARD};

fn read(answer: &[u8], chunk: usize) -> (Result<Fields, FieldsError>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state");
    let files = HashMap::from([("state".to_owned(), path.clone())]);
    let mut reader = FieldReader::new(files, &["request_id", "error"]);
    let mut result = Ok(());
    for piece in answer.chunks(chunk) {
        result = reader.feed(piece);
        if result.is_err() {
            break;
        }
    }
    let fields = result.and_then(|()| reader.finish());
    (fields, std::fs::read(path).unwrap_or_default())
}

#[test]
fn a_state_is_decoded_whatever_the_chunk_sizes() {
    let state: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    let answer = format!(
        "{{ \"state\" : \"{}\", \"video\": \"AAAA\", \"n\": 1.5, \"o\": {{\"a\": [1, \"}}\"]}}, \"request_id\":\"req_0123\" }}",
        STANDARD.encode(&state)
    );
    for chunk in [1, 3, 7, 4096, answer.len()] {
        let (fields, decoded) = read(answer.as_bytes(), chunk);
        let fields = fields.unwrap();
        assert_eq!(decoded, state, "chunk {chunk}");
        assert_eq!(fields.decoded["state"], 10_000);
        assert_eq!(fields.kept["request_id"], "req_0123");
    }
}

#[test]
fn an_error_object_is_kept() {
    let answer = br#"{"error": {"code": "cuda_oom", "message": "GPU out of memory."}}"#;
    let (fields, _) = read(answer, 5);
    assert_eq!(fields.unwrap().kept["error"]["code"], "cuda_oom");
}

#[test]
fn cut_short_or_damaged_answers_are_refused() {
    for answer in [
        &br#"{"state": "QUJD"#[..],
        br#"{"state": "QUJDRA"}"#,
        br#"{"state": "QU!D"}"#,
        br#"{"state": "QQ==QUJD"}"#,
        br#"{"state": "QUJD", "#,
        br#"["state"]"#,
    ] {
        let (fields, _) = read(answer, 3);
        assert!(fields.is_err(), "{}", String::from_utf8_lossy(answer));
    }
}
