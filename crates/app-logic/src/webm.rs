//! Writing the duration into a WebM file. Chrome's MediaRecorder streams
//! WebM without one (it cannot know it in advance), so players show no
//! length and cannot seek; the file is patched once recording has ended.
//!
//! WebM is EBML: each element is an ID and a size, both variable-length
//! integers, then its payload. The duration lives in `Segment › Info ›
//! Duration`, a float in units of `Info › TimecodeScale` (nanoseconds,
//! 1 ms when absent).

/// `Segment`, `Info`, `Duration` and `TimecodeScale` element IDs, with
/// their length markers, as they appear in the file.
const SEGMENT: &[u8] = &[0x18, 0x53, 0x80, 0x67];
const INFO: &[u8] = &[0x15, 0x49, 0xA9, 0x66];
const DURATION: &[u8] = &[0x44, 0x89];
const TIMECODE_SCALE: &[u8] = &[0x2A, 0xD7, 0xB1];
/// The timecode scale when a file names none: a millisecond.
const DEFAULT_TIMECODE_SCALE_NS: f64 = 1_000_000.0;

/// Why a file could not be patched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebmError {
    #[error("the recording is not a WebM file")]
    NotWebm,
    #[error("the recording ends inside an element")]
    Truncated,
}

/// One element's place in the file.
#[derive(Debug, Clone, Copy)]
struct Element<'a> {
    id: &'a [u8],
    /// Where its size field starts, and how many bytes it takes.
    size_at: usize,
    size_len: usize,
    /// Its payload's range; `None` for an unknown size (to the end).
    data: (usize, Option<usize>),
}

/// The element starting at `at`.
fn element(bytes: &[u8], at: usize) -> Result<Element<'_>, WebmError> {
    let id_len = vint_len(*bytes.get(at).ok_or(WebmError::Truncated)?, 4)?;
    let size_at = at + id_len;
    let size_len = vint_len(*bytes.get(size_at).ok_or(WebmError::Truncated)?, 8)?;
    let field = bytes
        .get(size_at..size_at + size_len)
        .ok_or(WebmError::Truncated)?;
    let mask = if size_len == 8 { 0 } else { 0xFFu8 >> size_len };
    let mut value = u64::from(field[0] & mask);
    let mut unknown = field[0] & mask == mask;
    for &byte in &field[1..] {
        value = value << 8 | u64::from(byte);
        unknown &= byte == 0xFF;
    }
    let start = size_at + size_len;
    let end = if unknown {
        None
    } else {
        let end = usize::try_from(value)
            .ok()
            .and_then(|v| start.checked_add(v))
            .filter(|end| *end <= bytes.len())
            .ok_or(WebmError::Truncated)?;
        Some(end)
    };
    Ok(Element {
        id: &bytes[at..size_at],
        size_at,
        size_len,
        data: (start, end),
    })
}

/// The length of a variable-length integer from its first byte.
fn vint_len(first: u8, max: usize) -> Result<usize, WebmError> {
    let len = first.leading_zeros() as usize + 1;
    if len > max {
        return Err(WebmError::NotWebm);
    }
    Ok(len)
}

/// `value` as a size field of exactly `len` bytes.
fn encode_size(value: u64, len: usize) -> Option<Vec<u8>> {
    let bits = 7 * len;
    if value >= (1u64 << bits) - 1 {
        return None;
    }
    let marked = value | 1u64 << bits;
    Some(marked.to_be_bytes()[8 - len..].to_vec())
}

/// The children of the payload `from..to` (to the end of the file when
/// `to` is `None`), stopping at the first whose size is unknown.
fn children(bytes: &[u8], from: usize, to: Option<usize>) -> Result<Vec<Element<'_>>, WebmError> {
    let to = to.unwrap_or(bytes.len()).min(bytes.len());
    let mut found = Vec::new();
    let mut at = from;
    while at < to {
        let child = element(bytes, at)?;
        found.push(child);
        match child.data.1 {
            Some(end) => at = end,
            None => break,
        }
    }
    Ok(found)
}

/// The first child of the payload `from..to` with `id`, reading no
/// further than needed: the clusters after Info do not matter here.
fn find_child<'a>(
    bytes: &'a [u8],
    from: usize,
    to: Option<usize>,
    id: &[u8],
) -> Result<Option<Element<'a>>, WebmError> {
    let to = to.unwrap_or(bytes.len()).min(bytes.len());
    let mut at = from;
    while at < to {
        let child = element(bytes, at)?;
        if child.id == id {
            return Ok(Some(child));
        }
        match child.data.1 {
            Some(end) => at = end,
            None => return Ok(None),
        }
    }
    Ok(None)
}

/// `webm` with its duration set to `duration_ms`.
pub fn with_duration(webm: &[u8], duration_ms: f64) -> Result<Vec<u8>, WebmError> {
    let segment = find_child(webm, 0, None, SEGMENT)?.ok_or(WebmError::NotWebm)?;
    let info = find_child(webm, segment.data.0, segment.data.1, INFO)?.ok_or(WebmError::NotWebm)?;
    let info_end = info.data.1.ok_or(WebmError::NotWebm)?;
    let fields = children(webm, info.data.0, Some(info_end))?;
    let scale = fields
        .iter()
        .find(|e| e.id == TIMECODE_SCALE)
        .and_then(|e| e.data.1.map(|end| &webm[e.data.0..end]))
        .filter(|v| !v.is_empty() && v.len() <= 8)
        .map(|v| v.iter().fold(0u64, |n, &b| n << 8 | u64::from(b)) as f64)
        .filter(|scale| *scale > 0.0)
        .unwrap_or(DEFAULT_TIMECODE_SCALE_NS);
    let duration = duration_ms * 1_000_000.0 / scale;

    let mut out = webm.to_vec();
    if let Some(existing) = fields.iter().find(|e| e.id == DURATION) {
        let (start, end) = (existing.data.0, existing.data.1.ok_or(WebmError::NotWebm)?);
        match end - start {
            8 => out[start..end].copy_from_slice(&duration.to_be_bytes()),
            4 => out[start..end].copy_from_slice(&(duration as f32).to_be_bytes()),
            _ => return Err(WebmError::NotWebm),
        }
        return Ok(out);
    }
    // A new Duration element at the end of Info: ID, size 8, a float.
    let mut element = DURATION.to_vec();
    element.push(0x88);
    element.extend_from_slice(&duration.to_be_bytes());
    let grown = (info_end - info.data.0 + element.len()) as u64;
    let info_size = encode_size(grown, info.size_len)
        .or_else(|| encode_size(grown, 8))
        .ok_or(WebmError::NotWebm)?;
    out.splice(info_end..info_end, element.iter().copied());
    let size_delta = info_size.len() as isize - info.size_len as isize;
    out.splice(info.size_at..info.size_at + info.size_len, info_size);
    if let Some(segment_end) = segment.data.1 {
        let added = element.len() as isize + size_delta;
        let new_size = (segment_end - segment.data.0) as isize + added;
        let field = encode_size(new_size as u64, segment.size_len).ok_or(WebmError::NotWebm)?;
        out.splice(segment.size_at..segment.size_at + segment.size_len, field);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An element with a one-byte size.
    fn el(id: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut out = id.to_vec();
        out.push(0x80 | payload.len() as u8);
        out.extend_from_slice(payload);
        out
    }

    /// A file as Chrome writes one: EBML header, a Segment of unknown size
    /// holding Info (no Duration) and a Cluster.
    fn chrome_like(scale: Option<u32>) -> Vec<u8> {
        let mut info = Vec::new();
        if let Some(scale) = scale {
            info.extend(el(TIMECODE_SCALE, &scale.to_be_bytes()));
        }
        info.extend(el(&[0x4D, 0x80], b"Chrome"));
        let mut file = el(&[0x1A, 0x45, 0xDF, 0xA3], &el(&[0x42, 0x82], b"webm"));
        file.extend_from_slice(SEGMENT);
        file.extend_from_slice(&[0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        file.extend(el(INFO, &info));
        file.extend(el(&[0x1F, 0x43, 0xB6, 0x75], &[0xE7, 0x81, 0x00]));
        file
    }

    fn duration_of(webm: &[u8]) -> f64 {
        let at = webm
            .windows(3)
            .position(|w| w == [0x44, 0x89, 0x88])
            .expect("a Duration element");
        f64::from_be_bytes(webm[at + 3..at + 11].try_into().unwrap())
    }

    #[test]
    fn a_missing_duration_is_added_in_the_files_own_units() {
        let patched = with_duration(&chrome_like(None), 6000.0).unwrap();
        assert_eq!(duration_of(&patched), 6000.0);
        // Info grew by the element and the file still parses to the end.
        let segment = find_child(&patched, 0, None, SEGMENT).unwrap().unwrap();
        let inner = children(&patched, segment.data.0, segment.data.1).unwrap();
        assert_eq!(inner.len(), 2, "Info and the Cluster");
        assert_eq!(inner[1].id, &[0x1F, 0x43, 0xB6, 0x75]);

        let microseconds = with_duration(&chrome_like(Some(1000)), 6000.0).unwrap();
        assert_eq!(duration_of(&microseconds), 6_000_000.0);
    }

    #[test]
    fn an_existing_duration_is_overwritten_and_patching_twice_is_stable() {
        let once = with_duration(&chrome_like(None), 4000.0).unwrap();
        let twice = with_duration(&once, 5000.0).unwrap();
        assert_eq!(twice.len(), once.len());
        assert_eq!(duration_of(&twice), 5000.0);
    }

    #[test]
    fn what_is_not_webm_is_refused_not_panicked_on() {
        assert_eq!(with_duration(b"", 1.0), Err(WebmError::NotWebm));
        assert_eq!(with_duration(&[0x00; 16], 1.0), Err(WebmError::NotWebm));
        // Cut anywhere before Info ends, the file cannot be patched; after
        // that, the clusters are not needed.
        let file = chrome_like(None);
        let info_end = file
            .windows(4)
            .position(|w| w == [0x1F, 0x43, 0xB6, 0x75])
            .unwrap();
        for cut in 0..file.len() {
            let patched = with_duration(&file[..cut], 1.0);
            assert_eq!(patched.is_ok(), cut >= info_end, "cut at {cut}");
        }
    }
}
