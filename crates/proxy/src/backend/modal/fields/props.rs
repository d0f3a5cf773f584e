//! Properties of the streaming field reader over generated answers:
//! nothing panics, refusals are `Malformed` (which the caller turns into
//! `upstream_bad_response`), and how the bytes are split never matters.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use proptest::prelude::*;

use super::*;

/// Feeds `answer` in pieces ending at `cuts`; returns the outcome and the
/// decoded state file.
fn read_split(answer: &[u8], cuts: &[usize]) -> (Result<Fields, FieldsError>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state");
    let files = HashMap::from([("state".to_owned(), path.clone())]);
    let mut reader = FieldReader::new(files, &["request_id", "error"]);
    let mut cuts: Vec<usize> = cuts.iter().map(|cut| cut % (answer.len() + 1)).collect();
    cuts.push(answer.len());
    cuts.sort_unstable();
    let mut start = 0;
    let mut result = Ok(());
    for cut in cuts {
        result = reader.feed(&answer[start..cut]);
        start = cut;
        if result.is_err() {
            break;
        }
    }
    let fields = result.and_then(|()| reader.finish());
    (fields, std::fs::read(path).unwrap_or_default())
}

/// A JSON value a Modal answer might carry besides its files.
fn other_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(serde_json::Value::from),
        any::<bool>().prop_map(serde_json::Value::from),
        ".{0,20}".prop_map(serde_json::Value::from),
        Just(serde_json::Value::Null),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            proptest::collection::btree_map("[a-z]{1,5}", inner, 0..4)
                .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(crate::testing::proptest_config())]

    #[test]
    fn any_bytes_in_any_pieces_are_read_or_refused_as_malformed(
        answer in proptest::collection::vec(any::<u8>(), 0..600),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        if let (Err(err), _) = read_split(&answer, &cuts) {
            prop_assert!(matches!(err, FieldsError::Malformed(_)), "{err}");
            prop_assert!(!err.to_string().is_empty());
        }
    }

    #[test]
    fn a_well_formed_answer_reads_the_same_however_it_is_split(
        state in proptest::collection::vec(any::<u8>(), 0..3000),
        request_id in "[a-z0-9_]{1,20}",
        others in proptest::collection::btree_map("[a-z]{1,6}", other_value(), 0..4),
        state_first in any::<bool>(),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
    ) {
        let mut fields = vec![
            format!("\"state\": \"{}\"", STANDARD.encode(&state)),
            format!("\"request_id\": {}", serde_json::Value::from(request_id.clone())),
        ];
        if !state_first {
            fields.reverse();
        }
        for (key, value) in &others {
            if key != "state" && key != "request_id" && key != "error" {
                fields.push(format!("{}: {value}", serde_json::Value::from(key.clone())));
            }
        }
        let answer = format!("{{ {} }}", fields.join(", "));
        let (fields, decoded) = read_split(answer.as_bytes(), &cuts);
        let fields = fields.unwrap();
        prop_assert_eq!(decoded, state.clone());
        prop_assert_eq!(fields.decoded["state"], state.len() as u64);
        prop_assert_eq!(&fields.kept["request_id"], &serde_json::Value::from(request_id));
    }
}
