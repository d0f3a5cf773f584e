//! Precompressed copies of a file, made once when it is stored so that
//! downloads cost no CPU: gzip for every browser, brotli for the ones that
//! take it. The file server picks one by `Accept-Encoding` (see
//! `routes::files`).

use std::{
    io::Write as _,
    path::{Path, PathBuf},
};

use flate2::{Compression, write::GzEncoder};

/// A copy is kept only when it is at most this share of the original: a
/// few percent saved is not worth a second file to store and keep in step.
const MAX_KEPT_RATIO: f64 = 0.9;
/// Brotli's quality (0–11) and window (log2 of bytes). 9 with a 4 MiB
/// window gets within a few percent of 11 on meshopt data in a fraction
/// of the time; the copy is made once per model, off the request path.
const BROTLI_QUALITY: u32 = 9;
const BROTLI_WINDOW_BITS: u32 = 22;
/// Bytes handed to the encoders at a time.
const BUFFER_BYTES: usize = 64 * 1024;

/// A content coding the server stores copies in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Gzip,
    Brotli,
}

impl Coding {
    pub const ALL: [Coding; 2] = [Coding::Gzip, Coding::Brotli];

    /// The file name ending the file server looks for (tower-http's
    /// `precompressed_gzip` and `precompressed_br`).
    pub fn extension(self) -> &'static str {
        match self {
            Coding::Gzip => "gz",
            Coding::Brotli => "br",
        }
    }

    /// Where the copy in this coding of the file at `path` is: the same
    /// name with this coding's ending added.
    pub fn copy_path(self, path: &Path) -> PathBuf {
        let mut name = path.as_os_str().to_owned();
        name.push(".");
        name.push(self.extension());
        PathBuf::from(name)
    }

    /// `bytes` in this coding.
    pub fn encode(self, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
        match self {
            Coding::Gzip => {
                let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
                encoder.write_all(bytes)?;
                encoder.finish()
            }
            Coding::Brotli => {
                let mut out = Vec::new();
                let mut encoder = brotli::CompressorWriter::new(
                    &mut out,
                    BUFFER_BYTES,
                    BROTLI_QUALITY,
                    BROTLI_WINDOW_BITS,
                );
                encoder.write_all(bytes)?;
                encoder.flush()?;
                drop(encoder);
                Ok(out)
            }
        }
    }
}

/// The copies of `bytes` worth keeping, each with its coding.
pub fn copies(bytes: &[u8]) -> std::io::Result<Vec<(Coding, Vec<u8>)>> {
    let mut kept = Vec::new();
    for coding in Coding::ALL {
        let copy = coding.encode(bytes)?;
        #[allow(clippy::cast_precision_loss)] // a ratio of file sizes
        let ratio = copy.len() as f64 / bytes.len().max(1) as f64;
        if ratio <= MAX_KEPT_RATIO {
            kept.push((coding, copy));
        }
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;

    #[test]
    fn copies_decode_to_the_original_and_incompressible_data_gets_none() {
        let text: Vec<u8> = (0..200_000u32)
            .flat_map(|i| format!("v {i} {}\n", i % 7).into_bytes())
            .collect();
        let kept = copies(&text).unwrap();
        assert_eq!(kept.len(), 2);
        for (coding, copy) in kept {
            let mut back = Vec::new();
            match coding {
                Coding::Gzip => flate2::read::GzDecoder::new(&copy[..])
                    .read_to_end(&mut back)
                    .unwrap(),
                Coding::Brotli => brotli::Decompressor::new(&copy[..], BUFFER_BYTES)
                    .read_to_end(&mut back)
                    .unwrap(),
            };
            assert_eq!(back, text, "{coding:?}");
        }
        let mut noise = vec![0u8; 100_000];
        getrandom::fill(&mut noise).unwrap();
        assert!(copies(&noise).unwrap().is_empty());
    }
}
