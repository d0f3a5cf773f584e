//! The built-in engine with what a browser test needs changed: held until
//! the test lets it go (so it can act while a job is provably running),
//! failing or hanging after its first generation, or presenting itself as
//! a GPU server (so the page's GPU wording can be checked on a machine
//! without one).

use async_trait::async_trait;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Semaphore;
use trellis_api::{BackendKind, ExtractParams};
use trellis_proxy::backend::{
    Backend, BackendError, BackendHealth, Builtin, Capabilities, GenerateOutputs, GenerateRequest,
    Generated, ModelCounts, SubjectPreview,
};

/// What generations after the first do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFirst {
    /// Run as the first did.
    Run,
    /// Fail, as a GPU server's sampler can.
    Fail,
    /// Never finish, as a stuck GPU job would.
    Hang,
}

/// The built-in engine, changed as a test asks.
pub struct TestEngine {
    gate: Option<Arc<Semaphore>>,
    after_first: AfterFirst,
    generated: AtomicUsize,
    /// Presents itself as the Modal GPU service, with no cut-out preview.
    as_gpu: bool,
}

/// The test's handle on a [`TestEngine::gated`] engine.
#[derive(Clone)]
pub struct Gate(Arc<Semaphore>);

impl Gate {
    /// Lets every waiting and future generation through.
    pub fn open(&self) {
        self.0.add_permits(Semaphore::MAX_PERMITS / 2);
    }
}

impl TestEngine {
    fn with(after_first: AfterFirst, as_gpu: bool) -> Self {
        Self {
            gate: None,
            after_first,
            generated: AtomicUsize::new(0),
            as_gpu,
        }
    }

    /// Holds every generation until [`Gate::open`].
    pub fn gated() -> (Arc<Self>, Gate) {
        let gate = Arc::new(Semaphore::new(0));
        let engine = Self {
            gate: Some(gate.clone()),
            ..Self::with(AfterFirst::Run, false)
        };
        (Arc::new(engine), Gate(gate))
    }

    /// Runs the first generation, then does `later` with every other.
    pub fn after_first(later: AfterFirst) -> Arc<Self> {
        Arc::new(Self::with(later, false))
    }

    /// The built-in engine presenting itself as a GPU server.
    pub fn pretending_gpu() -> Arc<Self> {
        Arc::new(Self::with(AfterFirst::Run, true))
    }
}

#[async_trait]
impl Backend for TestEngine {
    fn kind(&self) -> BackendKind {
        if self.as_gpu {
            BackendKind::Modal
        } else {
            Builtin.kind()
        }
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            cutout_preview: !self.as_gpu,
            ..Builtin.capabilities()
        }
    }

    async fn health(&self) -> BackendHealth {
        Builtin.health().await
    }

    async fn generate(
        &self,
        request: GenerateRequest,
        outputs: &GenerateOutputs,
    ) -> Result<Generated, BackendError> {
        if let Some(gate) = &self.gate {
            // A closed semaphore only means the test ended; run anyway.
            let _permit = gate.acquire().await;
        }
        let first = self.generated.fetch_add(1, Ordering::SeqCst) == 0;
        match (first, self.after_first) {
            (true, _) | (false, AfterFirst::Run) => Builtin.generate(request, outputs).await,
            (false, AfterFirst::Fail) => Err(BackendError::Failed {
                step: "generating",
                detail: "the sampler diverged".into(),
            }),
            (false, AfterFirst::Hang) => std::future::pending().await,
        }
    }

    async fn extract_glb(
        &self,
        state: &Path,
        params: ExtractParams,
        model: &Path,
    ) -> Result<ModelCounts, BackendError> {
        Builtin.extract_glb(state, params, model).await
    }

    fn preview_cutout(&self, image: &image::RgbaImage) -> Result<SubjectPreview, BackendError> {
        Builtin.preview_cutout(image)
    }
}
