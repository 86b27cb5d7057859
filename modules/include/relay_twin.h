/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the relay C twins (relay_exam_c, relay_lab_c) share: relay-rs's
 * sub-buffer header scheme (kfiles_core::relay) and geometry limits, and
 * what relay-rs's subbuf_start callback does with them
 * (crates/relay-rs/src/callbacks.rs), so that the twins' channels match
 * relay-rs's byte for byte. A driver header (relay-rs's
 * Callbacks::DRIVER_HEADER) follows the 24-byte header; its length is in
 * bits 8 to 15 of the flags. Bits 16 to 23 hold the channel's reset count
 * (SubbufHeader::generation), always 0 here: the twins never reset.
 */
#ifndef RELAY_TWIN_H
#define RELAY_TWIN_H

#include <linux/relay.h>
#include <linux/unaligned.h>

#define HEADER_LEN 24
#define HEADER_MAGIC 0x4c52464bU /* "KFRL" read as a little-endian u32 */
#define PADDING_OPEN 0xffffffffU
#define MIN_SUBBUF_SIZE (HEADER_LEN + 64)
#define MAX_SUBBUFS 4096
#define MAX_BUFFER_BYTES (64UL << 20)
#define MAX_DRIVER_HEADER 64
#define DRIVER_HEADER_SHIFT 8

/*
 * The checks of kfiles_core::relay::Geometry::new() and, for a driver header
 * of @driver_header bytes, Geometry::with_driver_header().
 */
static inline bool twin_geometry_ok(unsigned long subbuf_size, unsigned long n_subbufs,
				    size_t driver_header)
{
	return subbuf_size >= MIN_SUBBUF_SIZE && n_subbufs >= 2 && n_subbufs <= MAX_SUBBUFS &&
	       subbuf_size <= MAX_BUFFER_BYTES / n_subbufs &&
	       driver_header <= MAX_DRIVER_HEADER && subbuf_size >= MIN_SUBBUF_SIZE + driver_header;
}

/*
 * Writes the 24-byte little-endian header of a sub-buffer at @at, for a
 * channel whose driver header is @driver_header bytes long.
 */
static inline void twin_put_header(void *at, u32 padding, u32 sequence, u32 subbuf_size,
				   u32 n_subbufs, bool overwrite, size_t driver_header)
{
	put_unaligned_le32(HEADER_MAGIC, at);
	put_unaligned_le32(padding, at + 4);
	put_unaligned_le32(sequence, at + 8);
	put_unaligned_le32(subbuf_size, at + 12);
	put_unaligned_le32(n_subbufs, at + 16);
	put_unaligned_le32((overwrite ? 1 : 0) | (u32)driver_header << DRIVER_HEADER_SHIFT, at + 20);
}

/*
 * In subbuf_start(): fills in the finished sub-buffer's padding (relay
 * recorded it before calling), if there is one.
 */
static inline void twin_finish_prev(struct rchan_buf *buf, void *prev_subbuf)
{
	size_t n = buf->chan->n_subbufs;

	if (prev_subbuf)
		put_unaligned_le32(buf->padding[(buf->subbufs_produced - 1) % n], prev_subbuf + 4);
}

/*
 * In subbuf_start(), once the new sub-buffer is accepted: its header and the
 * @driver_header_len bytes of the driver's header at @driver_header (none if
 * 0) after it, then, as relay-rs does, the sub-buffer put in place (padding,
 * data with release) before the offset moves past both headers.
 */
static inline void twin_start_subbuf(struct rchan_buf *buf, void *subbuf, bool overwrite,
				     const void *driver_header, size_t driver_header_len)
{
	size_t produced = buf->subbufs_produced, n = buf->chan->n_subbufs;

	twin_put_header(subbuf, PADDING_OPEN, produced, buf->chan->subbuf_size, n, overwrite,
			driver_header_len);
	if (driver_header_len)
		memcpy(subbuf + HEADER_LEN, driver_header, driver_header_len);
	WRITE_ONCE(buf->padding[produced % n], 0);
	smp_store_release(&buf->data, subbuf);
	smp_store_release(&buf->offset, HEADER_LEN + driver_header_len);
}

#endif
