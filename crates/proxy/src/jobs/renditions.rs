//! After every extraction: the web-optimized copy of the model, and for a
//! generation's first model its poster, made on the CPU in the background.
//!
//! The model is `succeeded` and downloadable the moment its GLB is stored:
//! its creator is watching and should not wait seconds more for a file
//! made for other people's links. Its `optimized_status` is `pending`
//! meanwhile, which keeps the generation unsettled (in memory, its event
//! stream open, and recorded as unsettled), so the URLs reach whoever
//! follows it, and a restart picks up what a crash interrupted.

use std::{io, sync::Arc};

use super::{Jobs, Record, lifecycle};
use crate::{
    id::GenerationId,
    renditions::{
        self,
        precompress::Coding,
        web::{self, WebFiles},
    },
};

/// Models optimized at once. One: the optimizer already encodes each
/// texture on a thread of its own, and a second model at once would only
/// slow the first on a machine of a few cores that also serves requests.
pub(super) const PARALLEL_OPTIMIZATIONS: usize = 1;

impl Jobs {
    /// Makes a succeeded model's web-optimized copy (and the poster, if the
    /// generation has none yet) in the background.
    pub(super) fn spawn_renditions(self: &Arc<Self>, record: Arc<Record>, variant: String) {
        let jobs = Arc::clone(self);
        tokio::spawn(async move { jobs.make_renditions(&record, &variant).await });
    }

    async fn make_renditions(&self, record: &Arc<Record>, variant: &str) {
        let id = &record.id;
        // Never closed, so this only waits for a turn.
        let Ok(_turn) = Arc::clone(&self.optimizations).acquire_owned().await else {
            return;
        };
        let glb = match self.files.read(&self.files.model_path(id, variant)).await {
            Ok(glb) => Arc::new(glb),
            Err(err) => {
                self.log_store_error(record, "read the model to optimize", &err);
                self.change(record, |g| lifecycle::optimized(g, variant, None))
                    .await;
                return;
            }
        };
        if record.tx.borrow().poster_url.is_none() {
            self.make_poster(record, Arc::clone(&glb)).await;
        }
        let optimized = tokio::task::spawn_blocking(move || web::optimize(&glb)).await;
        let outcome = match optimized {
            Ok(Ok(files)) => match self.store_web(id, variant, files).await {
                Ok(stored) => Some(stored),
                Err(err) => {
                    self.log_store_error(record, "store the optimized model", &err);
                    None
                }
            },
            Ok(Err(err)) if err.is_refusal() => {
                tracing::info!(%id, variant, reason = %err, "this model has no web-optimized copy");
                None
            }
            Ok(Err(err)) => {
                tracing::warn!(%id, variant, error = %err, "web-optimizing a model failed");
                None
            }
            Err(panic) => {
                tracing::error!(%id, variant, error = %panic, "the web optimizer panicked");
                None
            }
        };
        if self
            .change(record, |g| lifecycle::optimized(g, variant, outcome))
            .await
            && let Some(stored) = outcome
        {
            tracing::info!(
                %id,
                variant,
                bytes = stored.bytes,
                coarse_bytes = stored.coarse_bytes,
                "web-optimized copy ready"
            );
        }
    }

    /// Renders and stores the poster. A model the renderer cannot draw just
    /// has no poster: share pages then show the photo.
    async fn make_poster(&self, record: &Arc<Record>, glb: Arc<Vec<u8>>) {
        let id = &record.id;
        let png = match tokio::task::spawn_blocking(move || renditions::poster(&glb)).await {
            Ok(Ok(png)) => png,
            Ok(Err(err)) => {
                tracing::info!(%id, reason = %err, "no poster for this model");
                return;
            }
            Err(panic) => {
                tracing::error!(%id, error = %panic, "the poster renderer panicked");
                return;
            }
        };
        match self
            .files
            .store_derived(self.files.poster_path(id), png)
            .await
        {
            Ok(_) => {
                self.change(record, lifecycle::poster_done).await;
            }
            Err(err) => self.log_store_error(record, "store the poster", &err),
        }
    }

    /// Stores both levels, each after its precompressed copies, so a level
    /// is never served without the copies its listing promises. A copy
    /// left from an earlier attempt that this one does not keep is removed.
    async fn store_web(
        &self,
        id: &GenerationId,
        variant: &str,
        files: WebFiles,
    ) -> io::Result<lifecycle::OptimizedModel> {
        let stored = lifecycle::OptimizedModel {
            bytes: files.full.len() as u64,
            coarse_bytes: files.coarse.len() as u64,
            coarse_faces: files.coarse_faces,
        };
        let levels = [
            (
                self.files.coarse_path(id, variant),
                files.coarse,
                files.coarse_copies,
            ),
            (
                self.files.optimized_path(id, variant),
                files.full,
                files.full_copies,
            ),
        ];
        for (path, bytes, mut copies) in levels {
            for coding in Coding::ALL {
                let copy_path = coding.copy_path(&path);
                match copies.iter().position(|(kept, _)| *kept == coding) {
                    Some(at) => {
                        let (_, copy) = copies.swap_remove(at);
                        self.files.store_derived(copy_path, copy).await?;
                    }
                    None => self.files.remove_derived(copy_path).await?,
                }
            }
            self.files.store_derived(path, bytes).await?;
        }
        Ok(stored)
    }

    /// A derived file that could not be read or written: expected when the
    /// generation was removed meanwhile, a broken disk otherwise.
    fn log_store_error(&self, record: &Record, what: &str, err: &io::Error) {
        if record.removed.load(std::sync::atomic::Ordering::SeqCst) {
            tracing::debug!(id = %record.id, "could not {what}: the generation was removed");
        } else {
            tracing::error!(id = %record.id, error = %err, "could not {what}");
        }
    }
}
