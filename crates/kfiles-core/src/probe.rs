// SPDX-License-Identifier: GPL-2.0

//! Probe records: self-checking records with which a test proves that a
//! channel loses, duplicates and corrupts nothing.
//!
//! A writer numbers the records of each of its streams `0, 1, 2, ...`
//! (counting refused ones too) and builds each with [`encode`]; a reader checks
//! each record it gets with [`check`]. A record is a function of its stream,
//! sequence number and length alone, so a reader that knows how many records
//! each stream attempted and how many the channel refused can account for
//! every one: read once and intact, refused, or lost.
//!
//! ```text
//!  0       4     8        12         16         24
//!  | magic | len | stream | checksum | sequence | payload ... |
//! ```
//!
//! All fields are little-endian; `len` is the whole record's length and
//! `checksum` is FNV-1a over every other byte of the record. Payload byte `i`
//! (counted from the record's start) is `i + 31 * sequence + stream`, mod 256.
//!
//! ```
//! use kfiles_core::probe::{check, encode, Probe, ProbeError, PROBE_HEADER_LEN};
//!
//! let mut record = [0u8; 64];
//! encode(&mut record, 3, 17).unwrap();
//! assert_eq!(check(&record), Ok(Probe { stream: 3, sequence: 17, len: 64 }));
//! record[40] ^= 1;
//! assert_eq!(check(&record), Err(ProbeError::Checksum));
//! assert_eq!(encode(&mut [0u8; PROBE_HEADER_LEN - 1], 0, 0), Err(ProbeError::Length));
//! ```

/// The first four bytes of every probe record: `KFPR`.
pub const PROBE_MAGIC: u32 = u32::from_le_bytes(*b"KFPR");

/// Bytes before the payload; also the shortest record.
pub const PROBE_HEADER_LEN: usize = 24;

const LEN_OFFSET: usize = 4;
const STREAM_OFFSET: usize = 8;
const CHECKSUM_OFFSET: usize = 12;
const SEQUENCE_OFFSET: usize = 16;

/// What a checked probe record says about itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Probe {
    /// The writer's stream.
    pub stream: u32,
    /// The record's number within its stream.
    pub sequence: u64,
    /// The record's length in bytes.
    pub len: usize,
}

/// Why bytes are not an intact probe record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeError {
    /// Not a record start.
    Magic,
    /// Shorter than [`PROBE_HEADER_LEN`], longer than `u32::MAX`, or not the
    /// length the record says it has.
    Length,
    /// A byte of the record differs from what its header implies.
    Checksum,
}

fn le32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn payload_byte(i: usize, stream: u32, sequence: u64) -> u8 {
    (i as u8)
        .wrapping_add((sequence as u8).wrapping_mul(31))
        .wrapping_add(stream as u8)
}

/// FNV-1a over the record, skipping the checksum field.
fn checksum(record: &[u8]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for (i, &b) in record.iter().enumerate() {
        if (CHECKSUM_OFFSET..CHECKSUM_OFFSET + 4).contains(&i) {
            continue;
        }
        hash = (hash ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    hash
}

/// Fills `record` (all of it) with record `sequence` of `stream`.
pub fn encode(record: &mut [u8], stream: u32, sequence: u64) -> Result<(), ProbeError> {
    let len = record.len();
    if len < PROBE_HEADER_LEN || u32::try_from(len).is_err() {
        return Err(ProbeError::Length);
    }
    record[..LEN_OFFSET].copy_from_slice(&PROBE_MAGIC.to_le_bytes());
    record[LEN_OFFSET..STREAM_OFFSET].copy_from_slice(&(len as u32).to_le_bytes());
    record[STREAM_OFFSET..CHECKSUM_OFFSET].copy_from_slice(&stream.to_le_bytes());
    record[SEQUENCE_OFFSET..PROBE_HEADER_LEN].copy_from_slice(&sequence.to_le_bytes());
    for (i, b) in record.iter_mut().enumerate().skip(PROBE_HEADER_LEN) {
        *b = payload_byte(i, stream, sequence);
    }
    let sum = checksum(record);
    record[CHECKSUM_OFFSET..SEQUENCE_OFFSET].copy_from_slice(&sum.to_le_bytes());
    Ok(())
}

/// The length a record starting with `head` claims, once `head` holds its
/// first eight bytes: `Ok(None)` while it is shorter, `Err` if it cannot
/// start a record.
pub fn claimed_len(head: &[u8]) -> Result<Option<usize>, ProbeError> {
    if head.len() < STREAM_OFFSET {
        let have = head.len().min(LEN_OFFSET);
        if head[..have] != PROBE_MAGIC.to_le_bytes()[..have] {
            return Err(ProbeError::Magic);
        }
        return Ok(None);
    }
    if le32(head, 0) != PROBE_MAGIC {
        return Err(ProbeError::Magic);
    }
    let len = le32(head, LEN_OFFSET) as usize;
    if len < PROBE_HEADER_LEN {
        return Err(ProbeError::Length);
    }
    Ok(Some(len))
}

/// Checks that `record` is exactly one intact probe record.
pub fn check(record: &[u8]) -> Result<Probe, ProbeError> {
    match claimed_len(record)? {
        Some(len) if len == record.len() => {}
        _ => return Err(ProbeError::Length),
    }
    let stream = le32(record, STREAM_OFFSET);
    let mut sequence = [0u8; 8];
    sequence.copy_from_slice(&record[SEQUENCE_OFFSET..PROBE_HEADER_LEN]);
    let sequence = u64::from_le_bytes(sequence);
    let payload_ok = record
        .iter()
        .enumerate()
        .skip(PROBE_HEADER_LEN)
        .all(|(i, &b)| b == payload_byte(i, stream, sequence));
    if !payload_ok || le32(record, CHECKSUM_OFFSET) != checksum(record) {
        return Err(ProbeError::Checksum);
    }
    Ok(Probe {
        stream,
        sequence,
        len: record.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;

    #[test]
    fn round_trip_every_length() {
        for len in PROBE_HEADER_LEN..300 {
            let mut r = vec![0u8; len];
            encode(&mut r, 7, u64::MAX - len as u64).unwrap();
            assert_eq!(claimed_len(&r[..8]), Ok(Some(len)));
            assert_eq!(
                check(&r),
                Ok(Probe {
                    stream: 7,
                    sequence: u64::MAX - len as u64,
                    len
                })
            );
        }
    }

    #[test]
    fn every_flipped_bit_is_caught() {
        let mut r = vec![0u8; 48];
        encode(&mut r, 1, 2).unwrap();
        for byte in 0..r.len() {
            for bit in 0..8 {
                let mut bad = r.clone();
                bad[byte] ^= 1 << bit;
                assert!(check(&bad).is_err(), "byte {byte} bit {bit}");
            }
        }
    }

    #[test]
    fn records_differ_by_stream_and_sequence() {
        let (mut a, mut b) = (vec![0u8; 40], vec![0u8; 40]);
        encode(&mut a, 1, 5).unwrap();
        encode(&mut b, 2, 5).unwrap();
        assert_ne!(a[PROBE_HEADER_LEN..], b[PROBE_HEADER_LEN..]);
        encode(&mut b, 1, 6).unwrap();
        assert_ne!(a[PROBE_HEADER_LEN..], b[PROBE_HEADER_LEN..]);
    }

    #[test]
    fn framing() {
        let mut r = vec![0u8; 30];
        encode(&mut r, 0, 0).unwrap();
        assert_eq!(claimed_len(&r[..0]), Ok(None));
        assert_eq!(claimed_len(&r[..3]), Ok(None));
        assert_eq!(claimed_len(b"KFPx"), Err(ProbeError::Magic));
        assert_eq!(claimed_len(b"KFPR\x05\0\0\0"), Err(ProbeError::Length));
        assert_eq!(check(&r[..29]), Err(ProbeError::Length));
        assert_eq!(check(&[0u8; 30]), Err(ProbeError::Magic));
    }
}
