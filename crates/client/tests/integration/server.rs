//! A proxy on 127.0.0.1 for each test, with the built-in CPU engine on its
//! own temporary data dir.

use std::time::Duration;

use clap::Parser as _;
use tempfile::TempDir;
use tokio::{net::TcpListener, task::JoinHandle};
use trellis_client::{
    Client, Error, ExtractRequest, GenerateRequest, Generation, GenerationHandle, ModelVariant,
    Preset,
};
use trellis_proxy::{AppState, Config, app};

use crate::photo::large_subject_png;

/// Long enough for the CPU engine on a slow, busy machine; a hang fails
/// the test instead of stalling the run.
pub const JOB_TIMEOUT: Duration = Duration::from_secs(180);

/// A proxy serving on an ephemeral port until dropped. It runs one job at
/// a time (the default concurrency), which [`TestServer::occupy`] uses.
pub struct TestServer {
    pub url: String,
    task: JoinHandle<()>,
    _dir: TempDir,
}

impl TestServer {
    pub async fn builtin() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("data");
        let dist_dir = dir.path().join("dist");
        let config = Config::try_parse_from([
            "trellis-proxy".as_ref(),
            "--bind".as_ref(),
            "127.0.0.1:0".as_ref(),
            "--data-dir".as_ref(),
            data_dir.as_os_str(),
            "--dist-dir".as_ref(),
            dist_dir.as_os_str(),
        ])
        .unwrap();
        let state = AppState::new(&config).await.unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app(state)).await.unwrap();
        });
        Self {
            url,
            task,
            _dir: dir,
        }
    }

    pub fn client(&self) -> Client {
        Client::new(&self.url).unwrap()
    }

    /// Starts a slow job on the only worker, so that jobs submitted next
    /// wait in line: a test can then cancel one that is certainly not
    /// finished, however fast the machine. Cancel it when done, so the
    /// test does not wait for it at exit.
    pub async fn occupy(&self) -> GenerationHandle {
        let request =
            GenerateRequest::from_bytes(large_subject_png()).extract_preset(Preset::Quality);
        self.client().generate(request).await.unwrap()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The URL of a port where nothing listens: bound, then released.
pub async fn down_server_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

/// Waits for a generation to succeed, within [`JOB_TIMEOUT`].
pub async fn finish(handle: &GenerationHandle) -> Generation {
    tokio::time::timeout(JOB_TIMEOUT, handle.wait())
        .await
        .expect("the generation finishes in time")
        .expect("the generation succeeds")
}

/// Extracts a model, within [`JOB_TIMEOUT`].
pub async fn extract(
    handle: &GenerationHandle,
    request: impl Into<ExtractRequest>,
) -> Result<ModelVariant, Error> {
    tokio::time::timeout(JOB_TIMEOUT, handle.extract_glb(request))
        .await
        .expect("the extraction finishes in time")
}
