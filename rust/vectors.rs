// SPDX-License-Identifier: GPL-2.0

//! The KUnit vectors as `mkvectors.py` lays them out (little-endian): an 8-byte magic, u32
//! count, u32 0, then per vector: `char name[64]`, s32 probe, s32 load, u32 flags, u32
//! image_len, u32 data_len, s32 alt, data padded to 8 bytes. The zboot vectors
//! (`kexec_zboot_vectors.bin`, magic `ZBVECT01`) and the UKI vectors (`kexec_uki_vectors.bin`,
//! `UKVECT01`) share the layout.

const HEADER_LEN: usize = 16;
const NAME_LEN: usize = 64;
const VECTOR_HEADER_LEN: usize = NAME_LEN + 6 * 4;

/// One test vector.
pub(crate) struct Vector<'a> {
    pub(crate) name: &'a str,
    pub(crate) probe: i32,
    pub(crate) load: i32,
    pub(crate) alt: i32,
    pub(crate) flags: u32,
    pub(crate) image_len: usize,
    pub(crate) data: &'a [u8],
}

fn le32(bytes: &[u8], at: usize) -> Option<u32> {
    let field = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([field[0], field[1], field[2], field[3]]))
}

/// The number of vectors `blob` says it holds, if it starts with `magic`.
pub(crate) fn count(blob: &[u8], magic: &[u8]) -> Option<u32> {
    if !blob.starts_with(magic) {
        return None;
    }
    le32(blob, magic.len())
}

/// The vector at `at` and where the next one starts, or `None` past the end or if it is
/// malformed.
fn vector_at(blob: &[u8], at: usize) -> Option<(Vector<'_>, usize)> {
    let head = blob.get(at..at.checked_add(VECTOR_HEADER_LEN)?)?;
    let name = head[..NAME_LEN].split(|&b| b == 0).next()?;
    let field = |i: usize| le32(head, NAME_LEN + 4 * i);
    let data_len = usize::try_from(field(4)?).ok()?;
    let data_at = at + VECTOR_HEADER_LEN;
    let data = blob.get(data_at..data_at.checked_add(data_len)?)?;
    let vector = Vector {
        name: core::str::from_utf8(name).ok()?,
        probe: field(0)? as i32,
        load: field(1)? as i32,
        flags: field(2)?,
        image_len: usize::try_from(field(3)?).ok()?,
        alt: field(5)? as i32,
        data,
    };
    Some((vector, data_at + data_len.next_multiple_of(8)))
}

/// Every vector of `blob`, in order.
pub(crate) fn vectors(blob: &[u8]) -> impl Iterator<Item = Vector<'_>> {
    let mut at = HEADER_LEN;
    core::iter::from_fn(move || {
        let (vector, next) = vector_at(blob, at)?;
        at = next;
        Some(vector)
    })
}
