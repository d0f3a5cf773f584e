//! A decode's result as the decode worker posts it to the page: the small
//! parts as JSON, the large arrays as typed buffers, which the worker
//! transfers (moves between threads without copying) as typed arrays.

use serde::{Deserialize, Serialize};

use crate::error::{GlbError, malformed};
use crate::model::{Indices, Material, MeshModel, Part};
use crate::transform::Matrix;
use crate::{
    AlphaMode, BrowserImages, Decoded, EncodedImage, Geometry, ImageFormat, MaterialImages,
};

/// One typed array of a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Buffer {
    F32(Vec<f32>),
    U32(Vec<u32>),
    U16(Vec<u16>),
    U8(Vec<u8>),
}

/// A decode's result, ready to post.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// JSON naming each array by its index in `buffers`.
    pub meta: String,
    pub buffers: Vec<Buffer>,
}

#[derive(Serialize, Deserialize)]
enum Meta {
    Decoded {
        alpha: AlphaMode,
        images: Vec<ImageMeta>,
        image_slots: Vec<MaterialImages>,
        geometry: GeometryMeta,
    },
    Failed(GlbError),
}

#[derive(Serialize, Deserialize)]
enum GeometryMeta {
    Read {
        parts: Vec<PartMeta>,
        materials: Vec<Material>,
    },
    Glb {
        buffer: usize,
    },
}

#[derive(Serialize, Deserialize)]
struct ImageMeta {
    format: ImageFormat,
    buffer: usize,
}

#[derive(Serialize, Deserialize)]
struct PartMeta {
    positions: usize,
    normals: usize,
    uvs: Option<usize>,
    colors: Option<usize>,
    indices: Option<usize>,
    transform: Matrix,
    material: Option<usize>,
}

/// `result` as a message (moving its arrays, not copying them).
pub fn to_message(result: Result<Decoded, GlbError>) -> Message {
    let mut buffers = Vec::new();
    let mut push = |buffer: Buffer| {
        buffers.push(buffer);
        buffers.len() - 1
    };
    let meta = match result {
        Err(error) => Meta::Failed(error),
        Ok(decoded) => {
            let images = decoded
                .images
                .images
                .into_iter()
                .map(|image| ImageMeta {
                    format: image.format,
                    buffer: push(Buffer::U8(image.bytes)),
                })
                .collect();
            let geometry = match decoded.geometry {
                Geometry::Glb(bytes) => GeometryMeta::Glb {
                    buffer: push(Buffer::U8(bytes)),
                },
                Geometry::Read(model) => GeometryMeta::Read {
                    parts: model
                        .parts
                        .into_iter()
                        .map(|part| PartMeta {
                            positions: push(Buffer::F32(part.positions)),
                            normals: push(Buffer::F32(part.normals)),
                            uvs: part.uvs.map(|uvs| push(Buffer::F32(uvs))),
                            colors: part.colors.map(|colors| push(Buffer::U8(colors))),
                            indices: part.indices.map(|indices| {
                                push(match indices {
                                    Indices::U8(i) => Buffer::U8(i),
                                    Indices::U16(i) => Buffer::U16(i),
                                    Indices::U32(i) => Buffer::U32(i),
                                })
                            }),
                            transform: part.transform,
                            material: part.material,
                        })
                        .collect(),
                    materials: model.materials,
                },
            };
            Meta::Decoded {
                alpha: decoded.alpha,
                images,
                image_slots: decoded.images.materials,
                geometry,
            }
        }
    };
    Message {
        // Serialising plain structs and enums cannot fail.
        meta: serde_json::to_string(&meta).unwrap_or_default(),
        buffers,
    }
}

/// The result a message carries. A message that does not fit together
/// (which only a bug could post) is an error, never a panic.
pub fn from_message(message: Message) -> Result<Decoded, GlbError> {
    let meta: Meta = serde_json::from_str(&message.meta)
        .map_err(|e| malformed(format!("the decoder's answer does not parse ({e})")))?;
    let mut buffers: Vec<Option<Buffer>> = message.buffers.into_iter().map(Some).collect();
    let mut take = |index: usize| {
        buffers
            .get_mut(index)
            .and_then(Option::take)
            .ok_or_else(|| malformed(format!("the decoder's answer lacks array {index}")))
    };
    let (alpha, images, image_slots, geometry) = match meta {
        Meta::Failed(error) => return Err(error),
        Meta::Decoded {
            alpha,
            images,
            image_slots,
            geometry,
        } => (alpha, images, image_slots, geometry),
    };
    let images = images
        .into_iter()
        .map(|image| {
            Ok(EncodedImage {
                bytes: bytes(take(image.buffer)?)?,
                format: image.format,
            })
        })
        .collect::<Result<_, GlbError>>()?;
    let geometry = match geometry {
        GeometryMeta::Glb { buffer } => Geometry::Glb(bytes(take(buffer)?)?),
        GeometryMeta::Read { parts, materials } => {
            let mut read = Vec::with_capacity(parts.len());
            for part in parts {
                read.push(Part {
                    positions: floats(take(part.positions)?, 3)?,
                    normals: floats(take(part.normals)?, 3)?,
                    uvs: part.uvs.map(|i| floats(take(i)?, 2)).transpose()?,
                    colors: part.colors.map(|i| bytes(take(i)?)).transpose()?,
                    indices: part.indices.map(|i| indices(take(i)?)).transpose()?,
                    transform: part.transform,
                    material: part.material,
                });
            }
            Geometry::Read(MeshModel {
                parts: read,
                materials,
            })
        }
    };
    Ok(Decoded {
        alpha,
        images: BrowserImages {
            images,
            materials: image_slots,
        },
        geometry,
    })
}

fn unexpected(what: &str) -> GlbError {
    malformed(format!("the decoder's answer has {what} of the wrong type"))
}

fn bytes(buffer: Buffer) -> Result<Vec<u8>, GlbError> {
    match buffer {
        Buffer::U8(bytes) => Ok(bytes),
        _ => Err(unexpected("bytes")),
    }
}

/// A float array of `width`-component elements.
fn floats(buffer: Buffer, width: usize) -> Result<Vec<f32>, GlbError> {
    match buffer {
        Buffer::F32(values) if values.len().is_multiple_of(width) => Ok(values),
        _ => Err(unexpected("vertex data")),
    }
}

fn indices(buffer: Buffer) -> Result<Indices, GlbError> {
    Ok(match buffer {
        Buffer::U8(i) => Indices::U8(i),
        Buffer::U16(i) => Indices::U16(i),
        Buffer::U32(i) => Indices::U32(i),
        Buffer::F32(_) => return Err(unexpected("indices")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IDENTITY;

    fn sample() -> Decoded {
        Decoded {
            alpha: AlphaMode::Mask { cutoff: 0.25 },
            images: BrowserImages {
                images: vec![EncodedImage {
                    bytes: vec![1, 2, 3],
                    format: ImageFormat::Webp,
                }],
                materials: vec![MaterialImages {
                    base_color: Some(0),
                    metallic_roughness: None,
                }],
            },
            geometry: Geometry::Read(MeshModel {
                parts: vec![Part {
                    positions: vec![0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0],
                    normals: [0.0, 0.0, 1.0].repeat(3),
                    uvs: Some(vec![0.0, 0.0, 1.0, 0.0, 0.0, 1.0]),
                    colors: Some(vec![255; 12]),
                    indices: Some(Indices::U16(vec![0, 1, 2])),
                    transform: IDENTITY,
                    material: Some(0),
                }],
                materials: vec![Material {
                    name: "clay".into(),
                    base_color: [0.5, 0.5, 0.5, 1.0],
                    metallic: 0.0,
                    roughness: 0.8,
                    alpha_cutoff: Some(0.25),
                }],
            }),
        }
    }

    #[test]
    fn a_decoded_model_and_an_error_survive_the_trip() {
        assert_eq!(from_message(to_message(Ok(sample()))), Ok(sample()));
        let fallback = Decoded {
            geometry: Geometry::Glb(vec![9; 8]),
            ..sample()
        };
        assert_eq!(from_message(to_message(Ok(fallback.clone()))), Ok(fallback));
        let error = GlbError::TextureTooLarge {
            width: 9000,
            height: 1,
        };
        assert_eq!(from_message(to_message(Err(error.clone()))), Err(error));
    }

    #[test]
    fn a_message_that_does_not_fit_together_is_an_error() {
        let mut message = to_message(Ok(sample()));
        message.buffers.pop();
        assert!(matches!(from_message(message), Err(GlbError::Malformed(_))));

        let mut message = to_message(Ok(sample()));
        message.buffers.swap(0, 1);
        assert!(matches!(from_message(message), Err(GlbError::Malformed(_))));

        let garbled = Message {
            meta: "{".into(),
            buffers: Vec::new(),
        };
        assert!(matches!(from_message(garbled), Err(GlbError::Malformed(_))));
    }
}
