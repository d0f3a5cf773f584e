//! The JSON form of `POST /api/generate`, read straight from the body: the
//! base64 image is borrowed from it (not copied into a `serde_json::Value`),
//! so decoding holds the body and the decoded image, and nothing else.

use std::{borrow::Cow, fmt};

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use trellis_api::FieldError;

use super::{Form, GenerateUpload, IMAGE_FIELD, base64::decode_base64_image};
use crate::error::AppError;

/// Reads a JSON generate request.
pub fn from_json(body: &[u8]) -> Result<GenerateUpload, AppError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let form = deserializer
        .deserialize_map(FormVisitor)
        .and_then(|form| deserializer.end().map(|()| form))
        .map_err(|err| {
            AppError::InvalidJson(format!(
                "{err}; send one JSON object such as {{\"image\": \"<base64>\"}}"
            ))
        })?;
    form?.finish()
}

/// Collects the fields; the first field error is kept while the rest of the
/// object is still read, so a syntax error later on is reported instead.
struct FormVisitor;

impl<'de> Visitor<'de> for FormVisitor {
    type Value = Result<Form, AppError>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut form = Form::default();
        let mut first_error = None;
        while let Some(name) = map.next_key::<Text<'de>>()? {
            if first_error.is_some() {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let name = name.0;
            let outcome = if name == IMAGE_FIELD {
                match map.next_value::<Text<'de>>() {
                    Ok(Text(text)) => {
                        decode_base64_image(&text).map(|image| form.image = Some(image))
                    }
                    Err(_) => Err(FieldError::new(
                        IMAGE_FIELD,
                        "image must be base64 text (a data: URI is fine too)",
                    )
                    .into()),
                }
            } else {
                let value = map.next_value::<Value>()?;
                set_value(&mut form, &name, value)
            };
            if let Err(err) = outcome {
                first_error = Some(err);
            }
        }
        Ok(match first_error {
            Some(err) => Err(err),
            None => Ok(form),
        })
    }
}

/// A setting's JSON value as the text the shared validation reads.
fn set_value(form: &mut Form, name: &str, value: Value) -> Result<(), AppError> {
    let text = match value {
        // Absent and null mean the same: use the default.
        Value::Null => return Ok(()),
        Value::String(text) => text,
        Value::Number(number) => number.to_string(),
        Value::Bool(flag) if name == super::CACHE_FIELD => flag.to_string(),
        Value::Bool(_) | Value::Array(_) | Value::Object(_) => {
            return Err(
                FieldError::new(name, format!("{name} must be a number or a string")).into(),
            );
        }
    };
    form.set_text(name, &text)
}

/// A JSON string, borrowed from the body unless it has escapes.
struct Text<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Borrowed(text)))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(text.to_owned())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trellis_api::Preset;

    #[test]
    fn json_fields_become_text_for_the_shared_validation() {
        let upload = from_json(br#"{"image":"aGk=","seed":7,"pipeline_type":"512","ss_guidance_strength":2.5,"extract_preset":"fast"}"#).unwrap();
        assert_eq!(upload.image, b"hi");
        assert_eq!(upload.params.seed, 7);
        assert_eq!(upload.params.ss_guidance_strength, 2.5);
        assert_eq!(upload.first_model, Preset::Fast.params());
        let err = from_json(br#"{"image":"aGk=","seed":-1}"#).unwrap_err();
        assert!(err.to_string().contains("seed must be"), "{err}");
        let err = from_json(br#"{"image":12}"#).unwrap_err();
        assert_eq!(err.code(), "invalid_field");
        let err = from_json(br#"{"image":"aGk=","seed":1"#).unwrap_err();
        assert_eq!(err.code(), "invalid_json");
    }

    #[test]
    fn the_image_text_is_borrowed_from_the_body_not_copied() {
        let body = br#"{"seed": 1, "image": "aGk="}"#;
        let mut deserializer = serde_json::Deserializer::from_slice(body);
        let mut borrowed = false;
        struct Probe<'a>(&'a mut bool);
        impl<'de> Visitor<'de> for Probe<'_> {
            type Value = ();
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
                while let Some(key) = map.next_key::<Text<'de>>()? {
                    if key.0 == IMAGE_FIELD {
                        let Text(text) = map.next_value()?;
                        *self.0 = matches!(text, Cow::Borrowed(_));
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(())
            }
        }
        deserializer.deserialize_map(Probe(&mut borrowed)).unwrap();
        assert!(borrowed, "the image was copied out of the body");
    }
}
