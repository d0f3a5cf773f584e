//! A streaming reader for the one JSON shape Modal answers with: a flat
//! object whose big values are base64 strings (`{"state":"…","video":"…",
//! "request_id":"…"}` or `{"error":{…}}`). Chosen base64 fields are decoded
//! straight into files as the bytes arrive, so a state of hundreds of
//! megabytes never sits in memory; small fields are kept as JSON values;
//! anything else is skipped. Sync code: it runs on a blocking thread.

mod base64_file;

use std::{collections::HashMap, io, path::PathBuf};

use serde_json::Value;

use self::base64_file::Base64File;

/// A kept value is an error object or an id; anything longer is not one.
const MAX_KEPT_BYTES: usize = 64 * 1024;

/// Why an answer could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FieldsError {
    /// Not the JSON shape expected, or cut short.
    #[error("{0}")]
    Malformed(String),
    /// A decoded file could not be written.
    #[error(transparent)]
    Io(#[from] io::Error),
}

pub(super) fn malformed<T>(what: impl Into<String>) -> Result<T, FieldsError> {
    Err(FieldsError::Malformed(what.into()))
}

/// What the reader found: the kept fields, and the bytes decoded into each
/// file field that was present.
#[derive(Debug, Default)]
pub struct Fields {
    pub kept: HashMap<String, Value>,
    pub decoded: HashMap<String, u64>,
}

enum State {
    Start,
    KeyOrEnd {
        after_comma: bool,
    },
    Key {
        escaped: bool,
    },
    Colon,
    Value,
    Decoding,
    DecodingEscape,
    Raw {
        depth: u32,
        in_string: bool,
        escaped: bool,
    },
    CommaOrEnd,
    Done,
}

/// Reads one answer, fed chunk by chunk.
pub struct FieldReader {
    files: HashMap<String, PathBuf>,
    keep: Vec<String>,
    state: State,
    key: Vec<u8>,
    raw: Vec<u8>,
    sink: Option<Base64File>,
    found: Fields,
}

impl FieldReader {
    /// `files`: fields whose base64 value is decoded into a new file at the
    /// path; `keep`: fields whose value is kept.
    pub fn new(files: HashMap<String, PathBuf>, keep: &[&str]) -> Self {
        Self {
            files,
            keep: keep.iter().map(|&k| k.to_owned()).collect(),
            state: State::Start,
            key: Vec::new(),
            raw: Vec::new(),
            sink: None,
            found: Fields::default(),
        }
    }

    /// Reads the next chunk of the answer.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), FieldsError> {
        let mut at = 0;
        while at < chunk.len() {
            if matches!(self.state, State::Decoding) {
                // The bulk of the answer: hand whole runs to the decoder.
                let rest = &chunk[at..];
                let end = rest.iter().position(|&b| b == b'"' || b == b'\\');
                let run = &rest[..end.unwrap_or(rest.len())];
                self.decoding()?.push(run)?;
                at += run.len();
                if end.is_none() {
                    break;
                }
            }
            self.step(chunk[at])?;
            at += 1;
        }
        Ok(())
    }

    /// The end of the answer: it must have been one whole object.
    pub fn finish(self) -> Result<Fields, FieldsError> {
        match self.state {
            State::Done => Ok(self.found),
            _ => malformed("it was cut short"),
        }
    }

    fn decoding(&mut self) -> Result<&mut Base64File, FieldsError> {
        match self.sink.as_mut() {
            Some(sink) => Ok(sink),
            None => malformed("internal: decoding without a file"),
        }
    }

    fn step(&mut self, byte: u8) -> Result<(), FieldsError> {
        let space = byte.is_ascii_whitespace();
        self.state = match (&self.state, byte) {
            (State::Start, b'{') => State::KeyOrEnd { after_comma: false },
            (State::Start | State::Colon | State::Value | State::CommaOrEnd | State::Done, _)
                if space =>
            {
                return Ok(());
            }
            (State::KeyOrEnd { .. }, _) if space => return Ok(()),
            (State::KeyOrEnd { .. }, b'"') => {
                self.key.clear();
                State::Key { escaped: false }
            }
            (State::KeyOrEnd { after_comma: false }, b'}') => State::Done,
            (State::Key { escaped: false }, b'"') => State::Colon,
            (State::Key { escaped }, _) => {
                self.key.push(byte);
                State::Key {
                    escaped: !escaped && byte == b'\\',
                }
            }
            (State::Colon, b':') => State::Value,
            (State::Value, b'"') => self.start_string()?,
            (State::Value, b'{' | b'[') => {
                self.raw.clear();
                self.raw.push(byte);
                State::Raw {
                    depth: 1,
                    in_string: false,
                    escaped: false,
                }
            }
            (State::Value, _) => {
                self.raw.clear();
                self.raw.push(byte);
                State::Raw {
                    depth: 0,
                    in_string: false,
                    escaped: false,
                }
            }
            (State::Decoding, b'"') => {
                self.finish_file()?;
                State::CommaOrEnd
            }
            (State::Decoding, _) => State::DecodingEscape,
            (State::DecodingEscape, b'/') => {
                self.decoding()?.push(b"/")?;
                State::Decoding
            }
            (State::DecodingEscape, _) => return malformed("a base64 field holds an escape"),
            (
                &State::Raw {
                    depth,
                    in_string,
                    escaped,
                },
                _,
            ) => return self.raw_byte(depth, in_string, escaped, byte),
            (State::CommaOrEnd, b',') => State::KeyOrEnd { after_comma: true },
            (State::CommaOrEnd, b'}') => State::Done,
            _ => {
                return malformed(format!(
                    "it is not the expected JSON (unexpected {:?})",
                    char::from(byte)
                ));
            }
        };
        Ok(())
    }

    fn key(&self) -> String {
        String::from_utf8_lossy(&self.key).into_owned()
    }

    fn start_string(&mut self) -> Result<State, FieldsError> {
        let key = self.key();
        if let Some(path) = self.files.remove(&key) {
            self.sink = Some(Base64File::create(key, path)?);
            return Ok(State::Decoding);
        }
        self.raw.clear();
        self.raw.push(b'"');
        Ok(State::Raw {
            depth: 0,
            in_string: true,
            escaped: false,
        })
    }

    fn finish_file(&mut self) -> Result<(), FieldsError> {
        if let Some(sink) = self.sink.take() {
            let (key, written) = sink.finish()?;
            self.found.decoded.insert(key, written);
        }
        Ok(())
    }

    /// One byte of a value that is not decoded: strings, numbers, objects.
    fn raw_byte(
        &mut self,
        depth: u32,
        in_string: bool,
        escaped: bool,
        byte: u8,
    ) -> Result<(), FieldsError> {
        if in_string {
            self.keep_byte(byte);
            let closed = !escaped && byte == b'"';
            self.state = if closed && depth == 0 {
                self.end_value()?;
                State::CommaOrEnd
            } else {
                State::Raw {
                    depth,
                    in_string: !closed,
                    escaped: !escaped && byte == b'\\',
                }
            };
            return Ok(());
        }
        let depth = match byte {
            b'"' => {
                self.keep_byte(byte);
                self.state = State::Raw {
                    depth,
                    in_string: true,
                    escaped: false,
                };
                return Ok(());
            }
            b'{' | b'[' => depth + 1,
            b'}' | b']' if depth > 0 => depth - 1,
            b',' | b'}' if depth == 0 => {
                // The end of a number, `true`, `false` or `null`.
                self.end_value()?;
                self.state = State::CommaOrEnd;
                return self.step(byte);
            }
            _ if depth == 0 && byte.is_ascii_whitespace() => {
                self.end_value()?;
                self.state = State::CommaOrEnd;
                return Ok(());
            }
            _ => depth,
        };
        self.keep_byte(byte);
        let closed = matches!(byte, b'}' | b']') && depth == 0;
        self.state = if closed {
            self.end_value()?;
            State::CommaOrEnd
        } else {
            State::Raw {
                depth,
                in_string: false,
                escaped: false,
            }
        };
        Ok(())
    }

    fn keep_byte(&mut self, byte: u8) {
        // Skipped values are not stored; the limit bounds kept ones.
        if self.raw.len() <= MAX_KEPT_BYTES {
            self.raw.push(byte);
        }
    }

    fn end_value(&mut self) -> Result<(), FieldsError> {
        let key = self.key();
        if self.keep.contains(&key) {
            if self.raw.len() > MAX_KEPT_BYTES {
                return malformed(format!("its \"{key}\" field is too long"));
            }
            let value = serde_json::from_slice(&self.raw)
                .map_err(|_| FieldsError::Malformed(format!("its \"{key}\" field is not JSON")))?;
            self.found.kept.insert(key, value);
        }
        self.raw.clear();
        Ok(())
    }
}

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;
