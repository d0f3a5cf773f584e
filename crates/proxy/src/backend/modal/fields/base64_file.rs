//! Base64 text decoded into a file as it arrives: whole 4-character groups
//! are decoded at once, the 0–3 left over wait for the next piece, so
//! memory stays at one working buffer whatever the file's size.

use std::{
    fs::File,
    io::{self, BufWriter, Write},
    path::PathBuf,
};

use base64::{Engine as _, engine::general_purpose::STANDARD};

use super::{FieldsError, malformed};

/// Write buffer of each decoded file: large writes, few syscalls.
const FILE_BUFFER_BYTES: usize = 1024 * 1024;

/// Base64 text decoded into a file as it arrives: whole 4-character groups
/// are decoded at once, the 0–3 left over wait for the next piece.
pub(super) struct Base64File {
    key: String,
    out: BufWriter<File>,
    carry: Vec<u8>,
    buffer: Vec<u8>,
    written: u64,
    padded: bool,
}

impl Base64File {
    pub(super) fn create(key: String, path: PathBuf) -> io::Result<Self> {
        let file = File::create_new(path)?;
        Ok(Self {
            key,
            out: BufWriter::with_capacity(FILE_BUFFER_BYTES, file),
            carry: Vec::with_capacity(4),
            buffer: Vec::new(),
            written: 0,
            padded: false,
        })
    }

    pub(super) fn push(&mut self, mut text: &[u8]) -> Result<(), FieldsError> {
        if !self.carry.is_empty() {
            let take = (4 - self.carry.len()).min(text.len());
            self.carry.extend_from_slice(&text[..take]);
            text = &text[take..];
            if self.carry.len() < 4 {
                return Ok(());
            }
            let group = std::mem::take(&mut self.carry);
            self.decode(&group)?;
        }
        let whole = text.len() / 4 * 4;
        self.decode(&text[..whole])?;
        self.carry.extend_from_slice(&text[whole..]);
        Ok(())
    }

    fn decode(&mut self, text: &[u8]) -> Result<(), FieldsError> {
        if text.is_empty() {
            return Ok(());
        }
        if self.padded {
            return malformed("a base64 field goes on after its padding");
        }
        self.padded = text.last() == Some(&b'=');
        self.buffer.resize(text.len() / 4 * 3, 0);
        let len = STANDARD
            .decode_slice(text, &mut self.buffer)
            .map_err(|err| FieldsError::Malformed(format!("a base64 field is damaged ({err})")))?;
        self.out.write_all(&self.buffer[..len])?;
        self.written += len as u64;
        Ok(())
    }

    pub(super) fn finish(mut self) -> Result<(String, u64), FieldsError> {
        if !self.carry.is_empty() {
            return malformed(format!("its \"{}\" field is cut short", self.key));
        }
        self.out.flush()?;
        Ok((self.key, self.written))
    }
}
