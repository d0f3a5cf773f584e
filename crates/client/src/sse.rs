//! A decoder for the `data` of Server-Sent Events (the WHATWG "event
//! stream" format). Only `data` matters to this API: the proxy sends no
//! event names, and reconnecting is the caller's choice, so `id`, `event`
//! and `retry` are skipped.

/// The longest event accepted. A generation's JSON is a few KiB; a line
/// this long means the URL points at something that is not an event
/// stream, and it must not grow memory without end.
const MAX_EVENT_BYTES: usize = 1024 * 1024;

/// Why the stream cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SseError {
    /// An event or line over [`MAX_EVENT_BYTES`].
    TooLong,
    /// A line that is not UTF-8, which the format requires.
    NotUtf8,
}

impl std::fmt::Display for SseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooLong => write!(
                f,
                "an event is over {} KiB, far more than any progress update",
                MAX_EVENT_BYTES / 1024
            ),
            Self::NotUtf8 => f.write_str("an event is not UTF-8 text"),
        }
    }
}

/// Turns chunks of bytes, split anywhere, into the data of whole events.
#[derive(Debug, Default)]
pub(crate) struct SseDecoder {
    /// The line being read, up to its end-of-line.
    line: Vec<u8>,
    /// The data lines of the event being read, joined by `\n`.
    data: String,
    /// Whether the event being read has a `data` field at all.
    has_data: bool,
    /// The last chunk ended in `\r`: a `\n` starting the next one belongs
    /// to the same line break.
    after_cr: bool,
}

impl SseDecoder {
    /// Feeds a chunk; returns the data of every event it completes.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Result<Vec<String>, SseError> {
        let mut events = Vec::new();
        for &byte in chunk {
            let after_cr = std::mem::take(&mut self.after_cr);
            match byte {
                // Lines end in CRLF, LF or a lone CR.
                b'\n' if after_cr => {}
                b'\n' | b'\r' => {
                    self.after_cr = byte == b'\r';
                    let line = std::mem::take(&mut self.line);
                    if let Some(data) = self.end_line(&line)? {
                        events.push(data);
                    }
                }
                _ => {
                    if self.line.len() + self.data.len() >= MAX_EVENT_BYTES {
                        return Err(SseError::TooLong);
                    }
                    self.line.push(byte);
                }
            }
        }
        Ok(events)
    }

    /// Handles one complete line; a blank line ends an event.
    fn end_line(&mut self, line: &[u8]) -> Result<Option<String>, SseError> {
        if line.is_empty() {
            let data = std::mem::take(&mut self.data);
            // An event with no data line is not dispatched (e.g. one that
            // only set `retry`).
            return Ok(std::mem::take(&mut self.has_data).then_some(data));
        }
        let line = std::str::from_utf8(line).map_err(|_| SseError::NotUtf8)?;
        // Lines starting with ':' are comments: the proxy's keep-alives.
        let (field, value) = match line.split_once(':') {
            Some(("", _)) => return Ok(None),
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        if field == "data" {
            if self.has_data {
                self.data.push('\n');
            }
            self.data.push_str(value);
            self.has_data = true;
        }
        Ok(None)
    }
}

#[cfg(test)]
mod props;

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_in_pieces(stream: &[u8], piece: usize) -> Vec<String> {
        let mut decoder = SseDecoder::default();
        stream
            .chunks(piece)
            .flat_map(|chunk| decoder.push(chunk).unwrap())
            .collect()
    }

    #[test]
    fn events_are_the_same_however_the_stream_is_split() {
        let stream = b": keep-alive\n\ndata: {\"a\":1}\n\ndata:{\"b\":2}\r\n\r\nid: 7\ndata: x\n\n";
        for piece in 1..stream.len() {
            assert_eq!(
                decode_in_pieces(stream, piece),
                ["{\"a\":1}", "{\"b\":2}", "x"],
                "pieces of {piece}"
            );
        }
    }

    #[test]
    fn data_lines_join_with_newlines_and_lone_crs_end_lines() {
        assert_eq!(
            decode_in_pieces(b"data: one\rdata: two\r\r", 3),
            ["one\ntwo"]
        );
    }

    #[test]
    fn comments_and_events_without_data_dispatch_nothing() {
        assert!(decode_in_pieces(b": ping\n\nretry: 10\n\nevent: x\n\n", 4).is_empty());
    }

    #[test]
    fn an_unfinished_event_is_held_back() {
        let mut decoder = SseDecoder::default();
        assert!(decoder.push(b"data: half").unwrap().is_empty());
        assert_eq!(decoder.push(b"\n\n").unwrap(), ["half"]);
    }

    #[test]
    fn an_endless_line_is_refused_rather_than_buffered() {
        let mut decoder = SseDecoder::default();
        let chunk = vec![b'x'; 64 * 1024];
        let result = (0..=MAX_EVENT_BYTES / chunk.len()).try_for_each(|_| {
            decoder.push(&chunk)?;
            Ok(())
        });
        assert_eq!(result, Err(SseError::TooLong));
    }
}
