// SPDX-License-Identifier: GPL-2.0

//! What `/proc/self/fdinfo/FD` says about an open relay file.

/// The fields of `/proc/self/fdinfo/FD` a relay reader uses.
///
/// Every open file has a `pos:` line; relay's `read()` leaves there the
/// buffer offset it read up to, which is how a reader finds where an earlier
/// one stopped. The per-CPU files of relay-rs channels add the buffer's
/// geometry and counters (`relay_*` lines, from the crates' C helpers):
/// other relay files, such as a C driver's made with
/// `relay_file_operations`, have none of them.
///
/// ```
/// use relay_reader::FdInfo;
/// let info = FdInfo::parse(
///     "pos:\t4120\nflags:\t0100000\nrelay_subbuf_size:\t4096\nrelay_n_subbufs:\t4\n\
///      relay_produced:\t9\nrelay_consumed:\t5\nrelay_full:\t2\nrelay_too_big:\t0\n",
/// );
/// assert_eq!(info.pos, Some(4120));
/// assert_eq!(info.geometry, Some((4096, 4)));
/// assert_eq!((info.produced, info.consumed), (Some(9), Some(5)));
/// assert_eq!((info.full, info.too_big), (Some(2), Some(0)));
/// let plain = FdInfo::parse("pos:\t0\nflags:\t0100000\n");
/// assert_eq!((plain.pos, plain.geometry, plain.full), (Some(0), None, None));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FdInfo {
    /// The file position (`pos:`).
    pub pos: Option<usize>,
    /// Sub-buffer size and count (`relay_subbuf_size:`, `relay_n_subbufs:`),
    /// both or neither.
    pub geometry: Option<(usize, usize)>,
    /// Sub-buffers the writer has moved past (`relay_produced:`).
    pub produced: Option<u64>,
    /// Sub-buffers readers consumed (`relay_consumed:`).
    pub consumed: Option<u64>,
    /// Times the writer found the buffer full when it needed a new
    /// sub-buffer (`relay_full:`, relay's own count on kernels since 6.17).
    pub full: Option<u64>,
    /// Writes refused as larger than a sub-buffer (`relay_too_big:`, same
    /// kernels).
    pub too_big: Option<u64>,
}

impl FdInfo {
    /// Parses the text of an fdinfo file. Lines it does not know, and values
    /// that are not decimal numbers, are ignored.
    pub fn parse(text: &str) -> Self {
        let mut info = Self::default();
        let (mut subbuf_size, mut n_subbufs) = (None, None);
        for line in text.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let Ok(value) = value.trim().parse::<u64>() else {
                continue;
            };
            match key {
                "pos" => info.pos = usize::try_from(value).ok(),
                "relay_subbuf_size" => subbuf_size = usize::try_from(value).ok(),
                "relay_n_subbufs" => n_subbufs = usize::try_from(value).ok(),
                "relay_produced" => info.produced = Some(value),
                "relay_consumed" => info.consumed = Some(value),
                "relay_full" => info.full = Some(value),
                "relay_too_big" => info.too_big = Some(value),
                _ => {}
            }
        }
        info.geometry = subbuf_size.zip(n_subbufs);
        info
    }

    /// The length relay maps the buffer at: the whole buffer rounded up to
    /// pages, if the geometry is known.
    pub fn buffer_len(&self, page_size: usize) -> Option<usize> {
        let (size, count) = self.geometry?;
        size.checked_mul(count)?.checked_next_multiple_of(page_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        assert_eq!(
            FdInfo::parse("pos:\t65556\nflags:\t0100000\nmnt_id:\t21\n").pos,
            Some(65556)
        );
        assert_eq!(FdInfo::parse("flags:\t0\npos:\t0\n").pos, Some(0));
        assert_eq!(FdInfo::parse("flags:\t0\n").pos, None);
        assert_eq!(FdInfo::parse("pos:\t-1\n").pos, None);
        assert_eq!(FdInfo::parse("pos:\tx\n").pos, None);
    }

    #[test]
    fn geometry_needs_both_lines() {
        let half = FdInfo::parse("pos:\t0\nrelay_subbuf_size:\t4096\n");
        assert_eq!(half.geometry, None);
        assert_eq!(half.buffer_len(4096), None);
        let whole = FdInfo::parse("relay_subbuf_size:\t100\nrelay_n_subbufs:\t3\n");
        assert_eq!(whole.buffer_len(4096), Some(4096));
        let big = FdInfo::parse("relay_subbuf_size:\t4194304\nrelay_n_subbufs:\t10\n");
        assert_eq!(big.buffer_len(4096), Some(40 << 20));
        let overflow = FdInfo::parse(&format!(
            "relay_subbuf_size:\t{}\nrelay_n_subbufs:\t3\n",
            u64::MAX
        ));
        assert_eq!(overflow.buffer_len(4096), None);
    }
}
