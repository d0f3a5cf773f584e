//! An engine that holds every generation until the test lets it go, so a
//! browser test can act while a job is provably still running.

use async_trait::async_trait;
use std::path::Path;
use std::sync::Arc;
use tokio::sync::Semaphore;
use trellis_api::{BackendKind, ExtractParams};
use trellis_proxy::backend::{
    Backend, BackendError, BackendHealth, Builtin, Capabilities, GenerateOutputs, GenerateRequest,
    Generated, ModelCounts,
};

/// The built-in engine behind a gate that opens on [`Gate::open`].
pub struct GatedBuiltin {
    gate: Arc<Semaphore>,
}

/// The test's handle on the gate.
#[derive(Clone)]
pub struct Gate(Arc<Semaphore>);

impl Gate {
    /// Lets every waiting and future generation through.
    pub fn open(&self) {
        self.0.add_permits(Semaphore::MAX_PERMITS / 2);
    }
}

impl GatedBuiltin {
    pub fn new() -> (Self, Gate) {
        let gate = Arc::new(Semaphore::new(0));
        (Self { gate: gate.clone() }, Gate(gate))
    }
}

#[async_trait]
impl Backend for GatedBuiltin {
    fn kind(&self) -> BackendKind {
        Builtin.kind()
    }

    fn capabilities(&self) -> Capabilities {
        Builtin.capabilities()
    }

    async fn health(&self) -> BackendHealth {
        Builtin.health().await
    }

    async fn generate(
        &self,
        request: GenerateRequest,
        outputs: &GenerateOutputs,
    ) -> Result<Generated, BackendError> {
        // A closed semaphore only means the test ended; run anyway.
        let _permit = self.gate.acquire().await;
        Builtin.generate(request, outputs).await
    }

    async fn extract_glb(
        &self,
        state: &Path,
        params: ExtractParams,
        model: &Path,
    ) -> Result<ModelCounts, BackendError> {
        Builtin.extract_glb(state, params, model).await
    }

    fn preview_cutout(
        &self,
        image: &image::RgbaImage,
    ) -> Result<trellis_proxy::backend::SubjectPreview, BackendError> {
        Builtin.preview_cutout(image)
    }
}
