//! The file behind the viewer's downloads: the original, as extracted.
//! When that is what the viewer showed, it is already in memory; when the
//! viewer showed the web-optimized copy (quantized and meshopt-compressed,
//! which DCC tools may not open), the original is fetched the first time
//! a download needs it.

use super::source::ModelSource;
use crate::viewer::has_webp_images;
use std::cell::RefCell;
use std::rc::Rc;

/// A shown model's original file; cheap to clone.
#[derive(Clone)]
pub(super) struct OriginalFile(Rc<Inner>);

struct Inner {
    bytes: RefCell<Option<Rc<Vec<u8>>>>,
    /// Where to fetch it from when it is not in memory.
    source: Option<ModelSource>,
}

impl OriginalFile {
    /// The file that was shown, which is the original.
    pub fn loaded(bytes: Vec<u8>) -> Self {
        Self(Rc::new(Inner {
            bytes: RefCell::new(Some(Rc::new(bytes))),
            source: None,
        }))
    }

    /// The original of a model shown from another file.
    pub fn remote(source: ModelSource) -> Self {
        Self(Rc::new(Inner {
            bytes: RefCell::new(None),
            source: Some(source),
        }))
    }

    /// Whether the original has WebP textures, which DCC tools may refuse;
    /// `None` until it is in memory.
    pub fn has_webp_images(&self) -> Option<bool> {
        let bytes = self.0.bytes.borrow();
        bytes.as_deref().map(|bytes| has_webp_images(bytes))
    }

    /// The original's bytes, downloaded on first use; a message for the
    /// page on failure.
    pub async fn bytes(&self) -> Result<Rc<Vec<u8>>, String> {
        if let Some(bytes) = self.0.bytes.borrow().clone() {
            return Ok(bytes);
        }
        let source = self
            .0
            .source
            .as_ref()
            .ok_or("the model's original file is not available")?;
        let buffer = source.fetch(&source.files.url).await?;
        let bytes = Rc::new(js_sys::Uint8Array::new(&buffer).to_vec());
        *self.0.bytes.borrow_mut() = Some(bytes.clone());
        Ok(bytes)
    }
}
