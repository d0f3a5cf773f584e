//! A proxy on 127.0.0.1 for each test, with the built-in CPU engine on its
//! own temporary data dir.

use std::time::Duration;

use futures_util::TryStreamExt as _;

use clap::Parser as _;
use tempfile::TempDir;
use tokio::{net::TcpListener, task::JoinHandle};
use trellis_client::{
    Client, Error, ExtractRequest, GenerateRequest, Generation, GenerationHandle, ModelVariant,
    Preset,
};
use trellis_proxy::{AppState, Config};

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
        Self::with_flags(&[]).await
    }

    /// A server in keys mode, and a key for it.
    pub async fn with_key() -> (Self, String) {
        let dir = tempfile::tempdir().unwrap();
        let key = trellis_proxy::cli::add_key(&dir.path().join("data"), "tester")
            .await
            .unwrap();
        (Self::on(dir, &["--access", "keys"]).await, key)
    }

    /// The built-in engine with more proxy flags.
    pub async fn with_flags(extra: &[&str]) -> Self {
        Self::on(tempfile::tempdir().unwrap(), extra).await
    }

    async fn on(dir: TempDir, extra: &[&str]) -> Self {
        let data_dir = dir.path().join("data");
        let dist_dir = dir.path().join("dist");
        let config = Config::try_parse_from(
            [
                "trellis-proxy".as_ref(),
                "--bind".as_ref(),
                "127.0.0.1:0".as_ref(),
                "--data-dir".as_ref(),
                data_dir.as_os_str(),
                "--dist-dir".as_ref(),
                dist_dir.as_os_str(),
                // Explicit, so a TRELLIS_BACKEND in the environment is ignored.
                "--backend".as_ref(),
                "builtin".as_ref(),
            ]
            .into_iter()
            .chain(extra.iter().map(std::ffi::OsStr::new)),
        )
        .unwrap();
        let state = AppState::new(&config).await.unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            trellis_proxy::serve_on(listener, state, std::future::pending())
                .await
                .unwrap();
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

    /// Fills the only worker and the line with slow jobs (about a second
    /// each here), so that a job submitted next waits in line: a test can
    /// then cancel one that is certainly not finished, however fast the
    /// machine.
    pub async fn occupy(&self) -> Occupied {
        let mut jobs = Vec::new();
        for _ in 0..OCCUPYING_JOBS {
            let request =
                GenerateRequest::from_bytes(large_subject_png()).extract_preset(Preset::Quality);
            jobs.push(self.client().generate(request).await.unwrap());
        }
        Occupied(jobs)
    }
}

/// Slow jobs put ahead of a test's own: several, for a margin of seconds
/// on a machine busy with other tests.
const OCCUPYING_JOBS: usize = 3;

/// The jobs of [`TestServer::occupy`].
pub struct Occupied(Vec<GenerationHandle>);

impl Occupied {
    /// Cancels them, last first so that the worker takes none of them up
    /// meanwhile; the test then waits at exit only for the running one's
    /// current step. On a slow machine the first may have finished
    /// already, which is fine.
    pub async fn release(self) {
        for job in self.0.iter().rev() {
            match job.cancel().await {
                Ok(_) => {}
                Err(err) if err.code() == "already_finished" => {}
                Err(err) => panic!("cannot cancel an occupying job: {err}"),
            }
        }
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

/// Waits until nothing more will change: the generation succeeded and
/// the server has made its models' web-optimized copies. The event
/// stream ends exactly then.
pub async fn settle(handle: &GenerationHandle) -> Generation {
    finish(handle).await;
    let events = tokio::time::timeout(JOB_TIMEOUT, async {
        let events: Vec<Generation> = handle.events().await?.try_collect().await?;
        Ok::<_, Error>(events)
    });
    let events = events
        .await
        .expect("the generation settles in time")
        .unwrap();
    let last = events.last().cloned().expect("at least one event");
    assert!(last.is_settled(), "{last:?}");
    last
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
