//! Zip archives in memory, through the `zip` crate: stored entries with
//! their data 64-byte aligned for USDZ (the crate pads the local header's
//! extra field, the same mechanism Pixar's own writer uses), deflated ones
//! for the OBJ download. Timestamps are fixed, so the same model always
//! gives the same bytes and caches can compare files by hash.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::error::{ConvertError, within};
use crate::limits::MAX_OUTPUT_BYTES;

/// USDZ requires every file's data to start on a multiple of 64 bytes, so
/// a reader can map it in place.
pub(crate) const USDZ_ALIGNMENT: u16 = 64;

/// Deflate's fastest level: OBJ text still shrinks to about a third, in a
/// fraction of the default level's time, while someone waits for the file.
const DEFLATE_LEVEL: i64 = 1;

/// How an entry is stored.
#[derive(Clone, Copy)]
pub(crate) enum Entry {
    /// Uncompressed, data aligned to [`USDZ_ALIGNMENT`].
    StoredAligned,
    /// Uncompressed: for files that are compressed already (PNG, JPEG).
    Stored,
    /// Deflated: for text.
    Deflated,
}

pub(crate) struct Archive {
    writer: ZipWriter<Cursor<Vec<u8>>>,
    written: u64,
}

impl Archive {
    pub fn new() -> Self {
        Self {
            writer: ZipWriter::new(Cursor::new(Vec::new())),
            written: 0,
        }
    }

    /// Adds `name` with `data`. Fails once the entries add up to more than
    /// [`MAX_OUTPUT_BYTES`], before the archive grows further.
    pub fn add(&mut self, name: &str, data: &[u8], entry: Entry) -> Result<(), ConvertError> {
        self.written += data.len() as u64;
        within(
            "the converted file's size in bytes",
            self.written,
            MAX_OUTPUT_BYTES,
        )?;
        let options = SimpleFileOptions::default().last_modified_time(DateTime::default());
        let options = match entry {
            Entry::StoredAligned => options
                .compression_method(CompressionMethod::Stored)
                .with_alignment(USDZ_ALIGNMENT),
            Entry::Stored => options.compression_method(CompressionMethod::Stored),
            Entry::Deflated => options
                .compression_method(CompressionMethod::Deflated)
                .compression_level(Some(DEFLATE_LEVEL)),
        };
        let failed =
            |e: &dyn std::fmt::Display| ConvertError::internal("writing the zip archive", e);
        self.writer
            .start_file(name, options)
            .map_err(|e| failed(&e))?;
        self.writer.write_all(data).map_err(|e| failed(&e))
    }

    pub fn finish(self) -> Result<Vec<u8>, ConvertError> {
        self.writer
            .finish()
            .map(Cursor::into_inner)
            .map_err(|e| ConvertError::internal("finishing the zip archive", e))
    }
}
