//! Mode 1, the triangle codec (one code byte per triangle that names a
//! recent edge and a recent or new vertex), and mode 2, the index sequence
//! codec (varint deltas against two baselines).

use super::MeshoptError;
use super::reader::{Reader, unzigzag};

/// The triangle header `EXT_meshopt_compression` requires: codec 0xe,
/// version 1.
const TRIANGLES_HEADER: u8 = 0xe1;
/// The index sequence header it requires: codec 0xd, version 1.
const SEQUENCE_HEADER: u8 = 0xd1;
/// The triangle stream ends with a 16-byte lookup table.
const CODEAUX_LEN: usize = 16;
/// The sequence stream ends with 4 reserved bytes.
const SEQUENCE_TAIL_LEN: usize = 4;
/// Both FIFOs hold this many entries.
const FIFO_LEN: usize = 16;

/// A FIFO of recent edges or vertices; reading an entry that was never
/// written is an error rather than the unspecified value the spec allows.
struct Fifo<T: Copy> {
    entries: [T; FIFO_LEN],
    next: usize,
    filled: usize,
}

impl<T: Copy> Fifo<T> {
    fn new(empty: T) -> Self {
        Self {
            entries: [empty; FIFO_LEN],
            next: 0,
            filled: 0,
        }
    }

    fn push(&mut self, value: T) {
        self.entries[self.next] = value;
        self.next = (self.next + 1) % FIFO_LEN;
        self.filled = (self.filled + 1).min(FIFO_LEN);
    }

    /// The entry `age` pushes ago (0 = the most recent).
    fn get(&self, age: usize, what: &'static str) -> Result<T, MeshoptError> {
        if age >= self.filled {
            return Err(MeshoptError::Corrupt(what));
        }
        Ok(self.entries[(self.next + FIFO_LEN - 1 - age) % FIFO_LEN])
    }
}

/// The decoder's state, as the spec names it.
struct Triangles<'a> {
    edges: Fifo<(u32, u32)>,
    vertices: Fifo<u32>,
    /// The next new vertex (the high-watermark).
    next: u32,
    /// The last explicitly encoded index.
    last: u32,
    data: Reader<'a>,
}

const NO_EDGE: &str = "a triangle refers to an edge not yet seen";
const NO_VERTEX: &str = "a triangle refers to a vertex not yet seen";

impl Triangles<'_> {
    fn new_vertex(&mut self) -> u32 {
        let vertex = self.next;
        self.next = self.next.wrapping_add(1);
        vertex
    }

    /// An explicit index: a zigzag delta from `last`.
    fn free_vertex(&mut self) -> Result<u32, MeshoptError> {
        self.last = self.last.wrapping_add(unzigzag(self.data.varint()?));
        Ok(self.last)
    }

    /// Code `0xXY` with X < 0xf: edge X of the FIFO plus a third vertex.
    fn edge_triangle(&mut self, code: u8) -> Result<[u32; 3], MeshoptError> {
        let (a, b) = self.edges.get(usize::from(code >> 4), NO_EDGE)?;
        let c = match code & 15 {
            0 => {
                let c = self.new_vertex();
                self.vertices.push(c);
                c
            }
            recent @ 1..=12 => self.vertices.get(usize::from(recent), NO_VERTEX)?,
            step @ (13 | 14) => {
                self.last = if step == 13 {
                    self.last.wrapping_sub(1)
                } else {
                    self.last.wrapping_add(1)
                };
                self.vertices.push(self.last);
                self.last
            }
            _ => {
                let c = self.free_vertex()?;
                self.vertices.push(c);
                c
            }
        };
        self.edges.push((c, b));
        self.edges.push((a, c));
        Ok([a, b, c])
    }

    /// Codes `0xfY`: three vertices, each new or recent, described by
    /// nibbles Z and W of `aux`; `first` is a new vertex or an explicit one.
    fn vertex_triangle(&mut self, explicit_first: bool, aux: u8) -> Result<[u32; 3], MeshoptError> {
        let (zb, zc) = (usize::from(aux >> 4), usize::from(aux & 15));
        // All FIFO reads see the state before this triangle, and `next`
        // advances for a, b, c in that order, as the encoder does.
        let a_new = (!explicit_first).then(|| self.new_vertex());
        let pick = |state: &mut Self, nibble: usize| -> Result<Option<u32>, MeshoptError> {
            Ok(match nibble {
                0 => Some(state.new_vertex()),
                15 => None,
                recent => Some(state.vertices.get(recent - 1, NO_VERTEX)?),
            })
        };
        let (b_pick, c_pick) = (pick(self, zb)?, pick(self, zc)?);
        let a = match a_new {
            Some(a) => a,
            None => self.free_vertex()?,
        };
        let b = match b_pick {
            Some(b) => b,
            None => self.free_vertex()?,
        };
        let c = match c_pick {
            Some(c) => c,
            None => self.free_vertex()?,
        };
        self.vertices.push(a);
        if zb == 0 || zb == 15 {
            self.vertices.push(b);
        }
        if zc == 0 || zc == 15 {
            self.vertices.push(c);
        }
        self.edges.push((b, a));
        self.edges.push((c, b));
        self.edges.push((a, c));
        Ok([a, b, c])
    }
}

/// Decodes a triangle list of `out.len()` indices (a multiple of 3).
pub fn decode_index_buffer(out: &mut [u32], data: &[u8]) -> Result<(), MeshoptError> {
    if !out.len().is_multiple_of(3) {
        return Err(MeshoptError::Layout(format!(
            "{} indices do not make whole triangles",
            out.len()
        )));
    }
    let triangles = out.len() / 3;
    check_header(data, TRIANGLES_HEADER, 1 + triangles + CODEAUX_LEN)?;
    let (codes, rest) = data[1..].split_at(triangles);
    let (extra, codeaux) = rest.split_at(rest.len() - CODEAUX_LEN);
    let mut state = Triangles {
        edges: Fifo::new((0, 0)),
        vertices: Fifo::new(0),
        next: 0,
        last: 0,
        data: Reader::new(extra),
    };
    for (triangle, &code) in out.chunks_exact_mut(3).zip(codes) {
        let indices = match code {
            0x00..=0xef => state.edge_triangle(code)?,
            0xf0..=0xfd => {
                let aux = codeaux[usize::from(code & 15)];
                if aux >> 4 == 15 || aux & 15 == 15 {
                    return Err(MeshoptError::Corrupt(
                        "the triangle lookup table holds an explicit-vertex code",
                    ));
                }
                state.vertex_triangle(false, aux)?
            }
            _ => {
                let aux = state.data.byte()?;
                if aux == 0 {
                    state.next = 0;
                }
                state.vertex_triangle(code == 0xff, aux)?
            }
        };
        triangle.copy_from_slice(&indices);
    }
    state.data.finish()
}

/// Decodes `out.len()` indices of any topology.
pub fn decode_index_sequence(out: &mut [u32], data: &[u8]) -> Result<(), MeshoptError> {
    check_header(data, SEQUENCE_HEADER, 1 + out.len() + SEQUENCE_TAIL_LEN)?;
    let mut reader = Reader::new(&data[1..data.len() - SEQUENCE_TAIL_LEN]);
    let mut baselines = [0u32; 2];
    for index in out.iter_mut() {
        let value = reader.varint()?;
        let baseline = &mut baselines[(value & 1) as usize];
        *baseline = baseline.wrapping_add(unzigzag(value >> 1));
        *index = *baseline;
    }
    reader.finish()
}

/// Checks the header byte, then that the stream has at least `min_len`
/// bytes (one per triangle or index, plus the tail).
fn check_header(data: &[u8], header: u8, min_len: usize) -> Result<(), MeshoptError> {
    match data.first() {
        None => Err(MeshoptError::Truncated),
        Some(&found) if found != header => Err(MeshoptError::Header {
            expected: header,
            found,
        }),
        Some(_) if data.len() < min_len => Err(MeshoptError::Truncated),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_triangle_of_new_vertices_decodes() {
        // 0xfe with aux 0x00 would reset `next`; 0xfe with aux byte 0x00 is
        // (0, 1, 2) all new. Then 0x00: edge 0 of the FIFO, (a, c) of the
        // first triangle = (0, 2), plus new vertex 3.
        let mut stream = vec![TRIANGLES_HEADER, 0xfe, 0x00, 0x00];
        stream.extend([0u8; CODEAUX_LEN]);
        let mut out = [0u32; 6];
        decode_index_buffer(&mut out, &stream).unwrap();
        assert_eq!(out, [0, 1, 2, 0, 2, 3]);
    }

    #[test]
    fn references_to_unwritten_fifo_entries_are_corrupt() {
        let mut stream = vec![TRIANGLES_HEADER, 0x10];
        stream.extend([0u8; CODEAUX_LEN]);
        let mut out = [0u32; 3];
        assert_eq!(
            decode_index_buffer(&mut out, &stream),
            Err(MeshoptError::Corrupt(NO_EDGE))
        );
    }

    #[test]
    fn sequences_use_two_baselines() {
        // +5 on baseline 0, +7 on baseline 1, -1 on baseline 0.
        let stream = [SEQUENCE_HEADER, 5 << 2, (7 << 2) | 1, 2, 0, 0, 0, 0];
        let mut out = [0u32; 3];
        decode_index_sequence(&mut out, &stream).unwrap();
        assert_eq!(out, [5, 7, 4]);
        let mut short = [0u32; 4];
        assert_eq!(
            decode_index_sequence(&mut short, &stream),
            Err(MeshoptError::Truncated)
        );
    }
}
