//! Where a generation's files are, for the file routes. Only files the
//! generation lists as existing are ever turned into a path, and each is
//! fetched from the bucket first when this proxy has no copy yet.

use std::path::PathBuf;

use trellis_api::{JobStatus, OptimizedStatus};

use super::{GenerationError, Jobs};
use crate::{
    id::GenerationId,
    renditions::precompress::Coding,
    store::{COARSE_SUFFIX, MODEL_SUFFIX, OPTIMIZED_SUFFIX},
};

/// One of a model's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelFile {
    /// The GLB as the engine made it.
    Original,
    /// The web-optimized full level.
    Optimized,
    /// The web-optimized coarse level.
    Coarse,
}

impl ModelFile {
    /// The name ending after the variant in a URL or on disk.
    pub fn suffix(self) -> &'static str {
        match self {
            Self::Original => MODEL_SUFFIX,
            Self::Optimized => OPTIMIZED_SUFFIX,
            Self::Coarse => COARSE_SUFFIX,
        }
    }

    /// The URL of this file of a model, relative to the API base.
    pub fn url(self, id: &str, variant: &str) -> String {
        format!("generations/{id}/models/{variant}{}", self.suffix())
    }

    /// Which file `name` (`<variant><suffix>`) is, and its variant. The
    /// longer suffixes are tried first: a variant never ends in `.web` or
    /// `.coarse` (its names end in a digit or a word without a dot).
    pub fn parse(name: &str) -> Option<(Self, &str)> {
        [Self::Optimized, Self::Coarse, Self::Original]
            .into_iter()
            .find_map(|file| Some((file, name.strip_suffix(file.suffix())?)))
            .filter(|(_, variant)| !variant.is_empty())
    }
}

impl Jobs {
    /// Where the normalized input of a known generation is.
    pub async fn input_path(&self, id: &GenerationId) -> Result<PathBuf, GenerationError> {
        self.find(id).await?;
        self.fetched(self.files.input_path(id)).await
    }

    /// Where the preview video of a generation is, once it has one.
    pub async fn video_path(&self, id: &GenerationId) -> Result<PathBuf, GenerationError> {
        if self.get(id).await?.video_url.is_some() {
            self.fetched(self.files.video_path(id)).await
        } else {
            Err(GenerationError::NoVideo)
        }
    }

    /// Where the poster of a generation is, once it has one.
    pub async fn poster_path(&self, id: &GenerationId) -> Result<PathBuf, GenerationError> {
        if self.get(id).await?.poster_url.is_some() {
            self.fetched(self.files.poster_path(id)).await
        } else {
            Err(GenerationError::NoPoster)
        }
    }

    /// Where a file of a finished model is: the original once the model
    /// succeeded, the optimized levels once they are ready.
    pub async fn model_file(
        &self,
        id: &GenerationId,
        variant: &str,
        file: ModelFile,
    ) -> Result<PathBuf, GenerationError> {
        let generation = self.get(id).await?;
        let model = generation
            .models
            .iter()
            .find(|m| m.variant == variant && m.status == JobStatus::Succeeded)
            .ok_or_else(|| GenerationError::ModelNotFound(variant.to_owned()))?;
        let optimized = model.optimized_status == Some(OptimizedStatus::Ready);
        let path = match file {
            ModelFile::Original => return self.fetched(self.files.model_path(id, variant)).await,
            ModelFile::Optimized if optimized => self.files.optimized_path(id, variant),
            ModelFile::Coarse if optimized => self.files.coarse_path(id, variant),
            ModelFile::Optimized | ModelFile::Coarse => {
                return Err(GenerationError::NotOptimized(variant.to_owned()));
            }
        };
        // The precompressed copies are served in its place.
        for coding in Coding::ALL {
            self.files.fetch(&coding.copy_path(&path)).await?;
        }
        self.fetched(path).await
    }

    /// `path`, fetched first if this proxy has no copy.
    async fn fetched(&self, path: PathBuf) -> Result<PathBuf, GenerationError> {
        self.files.fetch(&path).await?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_split_into_level_and_variant() {
        assert_eq!(
            ModelFile::parse("500000-2048.glb"),
            Some((ModelFile::Original, "500000-2048"))
        );
        assert_eq!(
            ModelFile::parse("500000-2048-b2.5-p0.web.glb"),
            Some((ModelFile::Optimized, "500000-2048-b2.5-p0"))
        );
        assert_eq!(
            ModelFile::parse("100000-1024-noremesh.coarse.glb"),
            Some((ModelFile::Coarse, "100000-1024-noremesh"))
        );
        assert_eq!(ModelFile::parse("500000-2048.usdz"), None);
        assert_eq!(ModelFile::parse(".glb"), None);
    }
}
