//! Reading the size of a GLB from its JSON chunk, without loading the
//! binary chunk: enough to report faces and vertices for a model an
//! upstream sent as an opaque file, and to refuse a file that is no GLB.

use std::path::Path;

use serde_json::Value;
use tokio::io::AsyncReadExt;

use super::{BackendError, ModelCounts};

/// "glTF", little-endian: the first four bytes of every GLB.
const GLB_MAGIC: u32 = 0x4654_6C67;
/// "JSON", little-endian: the type of the first chunk.
const JSON_CHUNK: u32 = 0x4E4F_534A;
/// The JSON chunk of a real model is kilobytes; anything past this is a
/// corrupt length field, not a document worth reading.
const MAX_JSON_CHUNK: u32 = 16 * 1024 * 1024;

/// Faces and vertices of the GLB at `path`, summed over its primitives.
pub async fn counts(path: &Path) -> Result<ModelCounts, BackendError> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut header = [0u8; 20];
    file.read_exact(&mut header)
        .await
        .map_err(|_| broken("it is shorter than a GLB header"))?;
    let word = |at: usize| {
        u32::from_le_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    if word(0) != GLB_MAGIC || word(16) != JSON_CHUNK {
        return Err(broken("it is not a GLB file"));
    }
    let json_len = word(12);
    if json_len > MAX_JSON_CHUNK {
        return Err(broken("its JSON chunk is implausibly large"));
    }
    let mut json = vec![0u8; json_len as usize];
    file.read_exact(&mut json)
        .await
        .map_err(|_| broken("it is cut short"))?;
    let document: Value =
        serde_json::from_slice(&json).map_err(|_| broken("its JSON chunk is not JSON"))?;
    count(&document).ok_or_else(|| broken("its meshes do not reference valid accessors"))
}

fn count(document: &Value) -> Option<ModelCounts> {
    let accessors = document.get("accessors")?.as_array()?;
    let accessor_count = |index: &Value| -> Option<u64> {
        accessors.get(usize::try_from(index.as_u64()?).ok()?)?["count"].as_u64()
    };
    let mut counts = ModelCounts {
        faces: 0,
        vertices: 0,
    };
    for mesh in document.get("meshes")?.as_array()? {
        for primitive in mesh.get("primitives")?.as_array()? {
            counts.vertices += accessor_count(&primitive["attributes"]["POSITION"])?;
            counts.faces += match primitive.get("indices") {
                Some(indices) => accessor_count(indices)? / 3,
                None => accessor_count(&primitive["attributes"]["POSITION"])? / 3,
            };
        }
    }
    Some(counts)
}

fn broken(what: &str) -> BackendError {
    BackendError::BadResponse(format!("the model file is unreadable: {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use trellis_inflate::glb::{MeshData, write_glb};

    #[tokio::test]
    async fn a_written_glb_reports_its_triangles_and_vertices() {
        let mesh = MeshData {
            positions: vec![
                [0.0, 0.0, 0.0],
                [1.0, 0.0, 0.0],
                [0.0, 1.0, 0.0],
                [1.0, 1.0, 0.0],
            ],
            indices: vec![0, 1, 2, 2, 1, 3],
            ..MeshData::default()
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.glb");
        std::fs::write(&path, write_glb(&mesh, None).unwrap()).unwrap();
        let counts = counts(&path).await.unwrap();
        assert_eq!((counts.faces, counts.vertices), (2, 4));

        std::fs::write(&path, b"not a model at all, just text").unwrap();
        assert!(matches!(
            counts_err(&path).await,
            BackendError::BadResponse(_)
        ));
    }

    async fn counts_err(path: &Path) -> BackendError {
        counts(path).await.unwrap_err()
    }
}
