//! Reading the size of a GLB from its JSON chunk, without loading the
//! binary chunk: enough to report faces and vertices for a model an
//! upstream sent as an opaque file, and to refuse a file that is no GLB.

use std::path::Path;

use tokio::io::AsyncReadExt;
use trellis_glb::{PRELUDE_LEN, Prelude};

use super::{BackendError, ModelCounts};

/// The JSON chunk of a real model is kilobytes; anything past this is a
/// corrupt length field, not a document worth reading.
const MAX_JSON_CHUNK: u32 = 16 * 1024 * 1024;

/// Faces and vertices of the GLB at `path`, summed over its primitives.
pub async fn counts(path: &Path) -> Result<ModelCounts, BackendError> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut prelude = [0u8; PRELUDE_LEN];
    file.read_exact(&mut prelude)
        .await
        .map_err(|_| broken("it is shorter than a GLB header"))?;
    let prelude = Prelude::read(&prelude).map_err(broken)?;
    if prelude.json_len > MAX_JSON_CHUNK {
        return Err(broken("its JSON chunk is implausibly large"));
    }
    let mut json = vec![0u8; prelude.json_len as usize];
    file.read_exact(&mut json)
        .await
        .map_err(|_| broken("it is cut short"))?;
    let counts = trellis_glb::parse(&json)
        .and_then(|document| trellis_glb::mesh_counts(&document))
        .map_err(broken)?;
    Ok(ModelCounts {
        faces: counts.triangles,
        vertices: counts.vertices,
    })
}

fn broken(what: impl std::fmt::Display) -> BackendError {
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
