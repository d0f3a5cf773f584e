//! Base64 image text to bytes, in pieces: whitespace (line-wrapped
//! encoders) is skipped as it is read rather than by first making a
//! compacted copy, so the only copies are the request body and the result.

use base64::{
    Engine as _, alphabet,
    engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig},
};
use trellis_api::FieldError;

use super::{IMAGE_FIELD, MAX_IMAGE_BYTES, decode::image_too_big};
use crate::error::AppError;

/// Standard base64, padded or not: browsers' `btoa` pads, some tools don't.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
/// Characters decoded at a time: a multiple of 4, so every piece but the
/// last is whole groups; small enough to sit on the stack.
const PIECE_CHARS: usize = 4096;

/// Decodes base64 image text, with or without a `data:image/...;base64,`
/// prefix, checking the size before decoding anything.
pub fn decode_base64_image(text: &str) -> Result<Vec<u8>, AppError> {
    let payload = match text.strip_prefix("data:") {
        Some(uri) => {
            let (header, data) = uri.split_once(',').ok_or_else(|| {
                FieldError::new(
                    IMAGE_FIELD,
                    "the image data: URI has no comma before its data",
                )
            })?;
            if !header.ends_with(";base64") {
                return Err(FieldError::new(
                    IMAGE_FIELD,
                    "the image data: URI must be base64-encoded (data:image/png;base64,...)",
                )
                .into());
            }
            data
        }
        None => text,
    };
    let chars = payload.bytes().filter(|b| !b.is_ascii_whitespace()).count();
    let decoded_len = chars / 4 * 3;
    if decoded_len > MAX_IMAGE_BYTES {
        return Err(image_too_big(decoded_len));
    }
    let mut image = Vec::with_capacity(decoded_len + 2);
    let mut piece = [0u8; PIECE_CHARS];
    let mut filled = 0;
    let mut padded = false;
    let mut meaningful = payload
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .peekable();
    while let Some(byte) = meaningful.next() {
        piece[filled] = byte;
        filled += 1;
        if filled == PIECE_CHARS || meaningful.peek().is_none() {
            if padded {
                return Err(damaged("it goes on after its padding"));
            }
            padded = piece[filled - 1] == b'=';
            BASE64
                .decode_vec(&piece[..filled], &mut image)
                .map_err(|err| damaged(&err.to_string()))?;
            filled = 0;
        }
    }
    Ok(image)
}

fn damaged(why: &str) -> AppError {
    AppError::InvalidImage(format!(
        "The image field is not valid base64 ({why}). Send the file's bytes base64-encoded, \
         optionally as a data: URI."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_with_or_without_a_data_uri_and_padding() {
        assert_eq!(decode_base64_image("aGk=").unwrap(), b"hi");
        assert_eq!(decode_base64_image("aGk").unwrap(), b"hi");
        assert_eq!(
            decode_base64_image("data:image/png;base64,aGk=").unwrap(),
            b"hi"
        );
        assert_eq!(decode_base64_image("aG\nk=").unwrap(), b"hi");
        assert!(decode_base64_image("data:image/png,hi").is_err());
        assert!(decode_base64_image("not base64!").is_err());
        assert_eq!(decode_base64_image("").unwrap(), b"");
    }

    #[test]
    fn long_text_decodes_across_pieces_and_padding_midway_is_refused() {
        let bytes: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
        let text = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let wrapped: String = text
            .as_bytes()
            .chunks(76)
            .map(|line| format!("{}\r\n", std::str::from_utf8(line).unwrap()))
            .collect();
        assert_eq!(decode_base64_image(&wrapped).unwrap(), bytes);
        let early_pad = format!("{}aGk={}", "A".repeat(PIECE_CHARS - 4), "aGk=");
        assert!(decode_base64_image(&early_pad).is_err());
    }
}
