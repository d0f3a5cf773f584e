//! The opaque state between the two steps.

mod common;

use std::io::Cursor;

use image::{ImageFormat, RgbImage};
use trellis_inflate::{InflateError, Subject, segment};

#[test]
fn state_round_trips_exactly() {
    let subject = segment(&common::photo(200, 160).image);
    let subject = subject.unwrap_or_else(|e| panic!("segment: {e}"));
    let state = subject.to_state();
    assert!(state.starts_with(b"\x89PNG"), "the state is a PNG");
    let back = Subject::from_state(&state).unwrap_or_else(|e| panic!("from_state: {e}"));
    assert_eq!(back.image, subject.image);
}

#[test]
fn garbage_and_foreign_pngs_are_invalid_states() {
    let mut rgb_png = Vec::new();
    let written = RgbImage::new(8, 8).write_to(&mut Cursor::new(&mut rgb_png), ImageFormat::Png);
    assert!(written.is_ok());
    let truncated = segment(&common::photo(64, 64).image).map(|s| s.to_state()[..40].to_vec());
    for bytes in [
        b"not a png".to_vec(),
        Vec::new(),
        rgb_png,
        truncated.unwrap_or_default(),
    ] {
        assert!(
            matches!(
                Subject::from_state(&bytes),
                Err(InflateError::InvalidState(_))
            ),
            "{} bytes accepted",
            bytes.len()
        );
    }
}
