//! Reading the glTF JSON document: parsing it, looking things up without
//! panicking, the buffers a GLB can supply, and the mesh's size.

use serde_json::Value;

use crate::error::{GlbError, malformed};

/// Parses a JSON chunk; the document must be an object.
pub fn parse(json: &[u8]) -> Result<Value, GlbError> {
    let doc: Value = serde_json::from_slice(json)
        .map_err(|e| GlbError::Json(format!("does not parse ({e})")))?;
    if doc.is_object() {
        Ok(doc)
    } else {
        Err(GlbError::Json("is not an object".into()))
    }
}

/// Serialises a document for a JSON chunk.
pub fn to_json(doc: &Value) -> Vec<u8> {
    // Serialising a `Value` only fails for non-string map keys, which a
    // `Value` cannot hold.
    serde_json::to_vec(doc).unwrap_or_default()
}

/// `value[key]` as a slice, empty when absent or not an array.
pub fn array<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// `value[key]` as an unsigned integer.
pub fn uint(value: &Value, key: &str) -> Option<u64> {
    value.get(key).and_then(Value::as_u64)
}

/// `doc[key][index]`, or an error naming what is missing.
pub fn item<'a>(doc: &'a Value, key: &str, index: u64) -> Result<&'a Value, GlbError> {
    usize::try_from(index)
        .ok()
        .and_then(|i| array(doc, key).get(i))
        .ok_or_else(|| malformed(format!("{key}[{index}] does not exist")))
}

/// The data of every buffer a GLB can supply: the binary chunk, as buffer
/// 0. Buffers stored elsewhere are refused, except placeholders that no
/// buffer view reads directly: `EXT_meshopt_compression` fallbacks, which
/// are `None` here (their views are decoded instead).
pub fn buffers<'a>(doc: &Value, bin: Option<&'a [u8]>) -> Result<Vec<Option<&'a [u8]>>, GlbError> {
    let mut out = Vec::new();
    for (i, buffer) in array(doc, "buffers").iter().enumerate() {
        let declared = uint(buffer, "byteLength").unwrap_or(0);
        if i == 0 && buffer.get("uri").is_none() {
            let data = bin.ok_or_else(|| malformed("its binary chunk is missing"))?;
            if declared > data.len() as u64 {
                return Err(GlbError::Truncated {
                    expected: declared as usize,
                    actual: data.len(),
                });
            }
            out.push(Some(&data[..declared as usize]));
        } else if buffer.get("uri").is_none() && is_meshopt_fallback(doc, i) {
            out.push(None);
        } else {
            return Err(GlbError::Unsupported(
                "a buffer stored outside the GLB file".into(),
            ));
        }
    }
    Ok(out)
}

/// Whether buffer `index` is only read through `EXT_meshopt_compression`
/// views (whether or not it carries the `fallback` flag).
fn is_meshopt_fallback(doc: &Value, index: usize) -> bool {
    array(doc, "bufferViews").iter().all(|view| {
        uint(view, "buffer") != Some(index as u64)
            || view
                .pointer("/extensions/EXT_meshopt_compression")
                .is_some()
    })
}

/// Triangles and vertices of a document's meshes, summed over primitives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MeshCounts {
    /// Triangles (index count / 3, or vertex count / 3 without indices).
    pub triangles: u64,
    /// Vertices (the POSITION accessors' counts).
    pub vertices: u64,
}

/// Triangles and vertices of `doc`'s meshes, read from accessor counts
/// alone (no binary chunk needed).
pub fn mesh_counts(doc: &Value) -> Result<MeshCounts, GlbError> {
    let count = |index: Option<&Value>| -> Result<u64, GlbError> {
        let index = index
            .and_then(Value::as_u64)
            .ok_or_else(|| malformed("a mesh does not reference a valid accessor"))?;
        uint(item(doc, "accessors", index)?, "count")
            .ok_or_else(|| malformed(format!("accessors[{index}] has no count")))
    };
    let mut counts = MeshCounts::default();
    for mesh in array(doc, "meshes") {
        for primitive in array(mesh, "primitives") {
            let vertices = count(primitive.pointer("/attributes/POSITION"))?;
            counts.vertices += vertices;
            counts.triangles += match primitive.get("indices") {
                Some(indices) => count(Some(indices))? / 3,
                None => vertices / 3,
            };
        }
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parse_refuses_what_is_not_a_json_object() {
        assert!(matches!(parse(b"{not json"), Err(GlbError::Json(_))));
        assert!(matches!(parse(b"[1, 2]"), Err(GlbError::Json(_))));
        assert_eq!(parse(br#"{"a":1}"#).unwrap(), json!({ "a": 1 }));
    }

    #[test]
    fn mesh_counts_sum_primitives() {
        let doc = json!({
            "accessors": [{ "count": 4 }, { "count": 6 }, { "count": 9 }],
            "meshes": [
                { "primitives": [{ "attributes": { "POSITION": 0 }, "indices": 1 }] },
                { "primitives": [{ "attributes": { "POSITION": 2 } }] }
            ]
        });
        let counts = mesh_counts(&doc).unwrap();
        assert_eq!(
            counts,
            MeshCounts {
                triangles: 2 + 3,
                vertices: 13
            }
        );
        let dangling =
            json!({ "meshes": [{ "primitives": [{ "attributes": { "POSITION": 5 } }] }] });
        assert!(matches!(
            mesh_counts(&dangling),
            Err(GlbError::Malformed(_))
        ));
    }

    #[test]
    fn buffers_come_from_the_binary_chunk_or_are_meshopt_fallbacks() {
        let bin = [0u8; 16];
        let doc = json!({
            "buffers": [{ "byteLength": 8 }, { "byteLength": 100 }],
            "bufferViews": [
                { "buffer": 0, "byteLength": 8 },
                { "buffer": 1, "byteLength": 100,
                  "extensions": { "EXT_meshopt_compression": { "buffer": 0 } } }
            ]
        });
        let buffers = buffers(&doc, Some(&bin)).unwrap();
        assert_eq!(buffers, vec![Some(&bin[..8]), None]);

        let external = json!({ "buffers": [{ "byteLength": 8, "uri": "a.bin" }] });
        assert!(matches!(
            super::buffers(&external, Some(&bin)),
            Err(GlbError::Unsupported(_))
        ));
        let short = json!({ "buffers": [{ "byteLength": 32 }] });
        assert_eq!(
            super::buffers(&short, Some(&bin)),
            Err(GlbError::Truncated {
                expected: 32,
                actual: 16
            })
        );
        assert!(matches!(
            super::buffers(&short, None),
            Err(GlbError::Malformed(_))
        ));
    }
}
