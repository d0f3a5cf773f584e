//! The body of an `extract_glb` request, streamed from the stored state:
//! `{"state":"<base64>", <settings>}` with the base64 encoded piece by piece
//! as the file is read, so the state is never in memory whole.

use std::{io, path::Path};

use axum::body::Bytes;
use base64::{Engine as _, engine::general_purpose::STANDARD};
use futures_util::{StreamExt as _, stream};
use serde_json::json;
use tokio::{fs::File, io::AsyncReadExt as _};
use trellis_api::ExtractParams;

/// Bytes of state encoded per piece. A multiple of 3, so every piece but
/// the last encodes without padding; 768 KiB keeps syscalls few and
/// memory to one small buffer per transfer.
const PIECE_BYTES: usize = 3 * 256 * 1024;

/// A request body and its exact length.
pub struct ExtractBody {
    pub body: reqwest::Body,
    pub length: u64,
}

/// The streamed body for the state at `state` and these settings.
pub async fn extract_body(state: &Path, params: &ExtractParams) -> io::Result<ExtractBody> {
    let file = File::open(state).await?;
    let size = file.metadata().await?.len();
    let prefix = Bytes::from_static(b"{\"state\":\"");
    // The settings as upstream spells them (contract §1.6); `remesh` must
    // be a JSON boolean, since the server reads any string as true.
    let settings = json!({
        "decimation_target": params.decimation_target,
        "texture_size": params.texture_size,
        "remesh": params.remesh,
        "remesh_band": params.remesh_band,
        "remesh_project": params.remesh_project,
    })
    .to_string();
    let suffix = Bytes::from(format!("\",{}", &settings[1..]));
    let length = prefix.len() as u64 + size.div_ceil(3) * 4 + suffix.len() as u64;

    let pieces = stream::try_unfold(file, |mut file| async move {
        let mut piece = vec![0u8; PIECE_BYTES];
        let mut filled = 0;
        while filled < PIECE_BYTES {
            let read = file.read(&mut piece[filled..]).await?;
            if read == 0 {
                break;
            }
            filled += read;
        }
        if filled == 0 {
            return Ok(None);
        }
        Ok(Some((Bytes::from(STANDARD.encode(&piece[..filled])), file)))
    });
    let body = stream::once(async { Ok::<_, io::Error>(prefix) })
        .chain(pieces)
        .chain(stream::once(async { Ok(suffix) }));
    Ok(ExtractBody {
        body: reqwest::Body::wrap_stream(body),
        length,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt as _;
    use serde_json::Value;

    #[tokio::test]
    async fn the_body_is_the_state_in_base64_with_the_settings_and_its_length_is_exact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.bin");
        let state: Vec<u8> = (0..PIECE_BYTES * 2 + 5).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &state).unwrap();

        let params = trellis_api::Preset::Fast.params();
        let ExtractBody { body, length } = extract_body(&path, &params).await.unwrap();
        let bytes = body.collect().await.unwrap().to_bytes();

        assert_eq!(bytes.len() as u64, length);
        let json: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            STANDARD.decode(json["state"].as_str().unwrap()).unwrap(),
            state
        );
        assert_eq!(json["decimation_target"], 100_000);
        assert_eq!(json["remesh"], true);
    }
}
