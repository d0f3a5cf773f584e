//! A stand-in engine for tests about the queue rather than the models.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::Semaphore;
use trellis_api::{BackendKind, ExtractParams, HealthStatus};
use trellis_proxy::backend::{
    Backend, BackendError, BackendHealth, Builtin, Capabilities, GenerateOutputs, GenerateRequest,
    Generated, ModelCounts,
};

/// What the fake writes as a model unless told otherwise: no GLB at all,
/// which is all the queue tests need (and which the optimizer and the
/// converters refuse at once).
const JUNK_MODEL: &[u8] = b"glTF fake model";

/// A stand-in engine: instant, slow, or holding each generate step until
/// the test lets it through.
pub struct FakeEngine {
    gate: Option<Semaphore>,
    delay: Duration,
    model: Vec<u8>,
    pub generated: AtomicUsize,
}

impl FakeEngine {
    pub fn instant() -> Arc<Self> {
        Self::slow(Duration::ZERO)
    }

    /// Every generate step takes `delay`.
    pub fn slow(delay: Duration) -> Arc<Self> {
        Arc::new(Self {
            gate: None,
            delay,
            model: JUNK_MODEL.to_vec(),
            generated: AtomicUsize::new(0),
        })
    }

    pub fn gated() -> Arc<Self> {
        Arc::new(Self {
            gate: Some(Semaphore::new(0)),
            delay: Duration::ZERO,
            model: JUNK_MODEL.to_vec(),
            generated: AtomicUsize::new(0),
        })
    }

    /// Instant, extracting `glb` as every model.
    pub fn writing(glb: Vec<u8>) -> Arc<Self> {
        Arc::new(Self {
            gate: None,
            delay: Duration::ZERO,
            model: glb,
            generated: AtomicUsize::new(0),
        })
    }

    /// Lets one held generate step finish.
    pub fn release_one(&self) {
        self.gate.as_ref().expect("a gated engine").add_permits(1);
    }

    pub fn generated(&self) -> usize {
        self.generated.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl Backend for FakeEngine {
    fn kind(&self) -> BackendKind {
        BackendKind::Builtin
    }

    fn capabilities(&self) -> Capabilities {
        // It stands in for the CPU engine, so it offers what that offers.
        Builtin.capabilities()
    }

    async fn health(&self) -> BackendHealth {
        BackendHealth {
            status: HealthStatus::Ready,
            label: "fake".to_owned(),
        }
    }

    async fn generate(
        &self,
        request: GenerateRequest,
        outputs: &GenerateOutputs,
    ) -> Result<Generated, BackendError> {
        if let Some(gate) = &self.gate {
            gate.acquire().await.unwrap().forget();
        }
        tokio::time::sleep(self.delay).await;
        self.generated.fetch_add(1, Ordering::SeqCst);
        tokio::fs::write(&outputs.state, request.image_png).await?;
        Ok(Generated::State { video: false })
    }

    async fn extract_glb(
        &self,
        _state: &Path,
        params: ExtractParams,
        model: &Path,
    ) -> Result<ModelCounts, BackendError> {
        tokio::fs::write(model, &self.model).await?;
        Ok(ModelCounts {
            faces: u64::from(params.decimation_target),
            vertices: u64::from(params.decimation_target) / 2,
        })
    }
}
