//! Properties of the event-stream decoder over generated streams: nothing
//! panics, the only refusals are the two it names, and how the bytes are
//! split and which line endings are used never changes the events.

use proptest::prelude::*;

use super::*;

/// Cases per property: `PROPTEST_CASES`, else a few for the test suite.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(64);
    ProptestConfig::with_cases(cases)
}

/// Decodes `stream` fed in pieces ending at `cuts`.
fn decode_split(stream: &[u8], cuts: &[usize]) -> Result<Vec<String>, SseError> {
    let mut cuts: Vec<usize> = cuts.iter().map(|cut| cut % (stream.len() + 1)).collect();
    cuts.push(stream.len());
    cuts.sort_unstable();
    let mut decoder = SseDecoder::default();
    let mut events = Vec::new();
    let mut start = 0;
    for cut in cuts {
        events.extend(decoder.push(&stream[start..cut])?);
        start = cut;
    }
    Ok(events)
}

const LINE_ENDINGS: [&str; 3] = ["\n", "\r\n", "\r"];

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_bytes_in_any_pieces_decode_or_are_refused_by_name(
        stream in proptest::collection::vec(any::<u8>(), 0..800),
        cuts in proptest::collection::vec(any::<usize>(), 0..10),
    ) {
        if let Err(err) = decode_split(&stream, &cuts) {
            prop_assert!(matches!(err, SseError::TooLong | SseError::NotUtf8));
            prop_assert!(!err.to_string().is_empty());
        }
    }

    #[test]
    fn events_are_the_same_whatever_the_pieces_and_line_endings(
        events in proptest::collection::vec(proptest::collection::vec("[^\r\n]{0,30}", 1..4), 0..6),
        comments in proptest::collection::vec("[^\r\n]{0,20}", 0..3),
        ending in 0usize..LINE_ENDINGS.len(),
        cuts in proptest::collection::vec(any::<usize>(), 0..16),
    ) {
        let eol = LINE_ENDINGS[ending];
        let mut stream = String::new();
        for comment in &comments {
            stream.push_str(&format!(":{comment}{eol}{eol}"));
        }
        for lines in &events {
            stream.push_str(&format!("id: 1{eol}"));
            for line in lines {
                stream.push_str(&format!("data: {line}{eol}"));
            }
            stream.push_str(eol);
        }
        let expected: Vec<String> = events.iter().map(|lines| lines.join("\n")).collect();
        prop_assert_eq!(decode_split(stream.as_bytes(), &cuts).unwrap(), expected);
    }
}
