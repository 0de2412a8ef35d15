/* SPDX-License-Identifier: MIT */
/*
 * liburing-ext: io_uring zero-copy receive (zcrx) for liburing 2.3.
 *
 * Part one is the uapi: what upstream's <linux/io_uring.h> and
 * <linux/io_uring/query.h> define for zcrx and liburing 2.3's copy of the
 * uapi header lacks, with upstream's names, numbers and layouts. Part two
 * is the liburing side: the names upstream liburing 2.10 and later give
 * programs, plus a few refill-ring helpers of our own.
 *
 * Include <liburing.h> with -I liburing-ext/include rather than this file;
 * it comes along.
 */
#ifndef LIBURING_EXT_ZCRX_H
#define LIBURING_EXT_ZCRX_H

#ifndef LIBURING_EXT_WARN	/* see <liburing.h> */
#pragma GCC system_header
#endif

#include <stddef.h>
#include <liburing.h>

#ifdef __cplusplus
#define ZCRX_EXT_ASSERT(expr, msg)	static_assert(expr, msg)
#else
#define ZCRX_EXT_ASSERT(expr, msg)	_Static_assert(expr, msg)
#endif

#define ZCRX_EXT_ASSERT_SIZE(type, size) \
	ZCRX_EXT_ASSERT(sizeof(type) == (size), "sizeof(" #type ") != " #size)
#define ZCRX_EXT_ASSERT_OFF(type, field, off) \
	ZCRX_EXT_ASSERT(offsetof(type, field) == (off), \
			"offsetof(" #type ", " #field ") != " #off)

/*
 * What the uapi header in use already has. <liburing.h> has included its
 * copy of <linux/io_uring.h> by now; upstream added these macros in the
 * same change as the definitions they stand for:
 *
 *   IORING_ZCRX_AREA_SHIFT    6.15  zcrx: IORING_OP_RECV_ZC,
 *                                   IORING_REGISTER_ZCRX_IFQ,
 *                                   sqe->zcrx_ifq_idx, the rqe, cqe,
 *                                   offsets, area and ifq structures
 *   IORING_ENTER_EXT_ARG_REG  6.13  struct io_uring_region_desc
 *   LINUX_IO_URING_QUERY_H    6.18  guard of <linux/io_uring/query.h>
 *
 * The control (6.19) and event (7.2) structures came with no macro to test:
 * define ZCRX_EXT_HAVE_CTRL or ZCRX_EXT_HAVE_EVENTS before the include when
 * the uapi header in use has them. Any ZCRX_EXT_HAVE_* may be predefined.
 *
 * An enumerator cannot be tested by the preprocessor. Those of a group
 * detected above are defined only when the group is absent; the others
 * are macros under #ifndef. The uapi header has been parsed before this
 * point, so such a macro naming an enumerator that does exist carries the
 * same value and changes nothing.
 */
#if !defined(ZCRX_EXT_HAVE_ZCRX) && defined(IORING_ZCRX_AREA_SHIFT)
#define ZCRX_EXT_HAVE_ZCRX		1
#endif
#if !defined(ZCRX_EXT_HAVE_REGION) && \
	(defined(ZCRX_EXT_HAVE_ZCRX) || defined(IORING_ENTER_EXT_ARG_REG))
#define ZCRX_EXT_HAVE_REGION		1
#endif
#if !defined(ZCRX_EXT_HAVE_QUERY) && defined(LINUX_IO_URING_QUERY_H)
#define ZCRX_EXT_HAVE_QUERY		1
#endif

/* liburing 2.10 brought struct io_uring_zcrx_rq and io_uring_register_ifq() */
#if !defined(ZCRX_EXT_LIBURING_HAVE_ZCRX) && defined(IO_URING_VERSION_MAJOR) && \
	(IO_URING_VERSION_MAJOR > 2 || \
	 (IO_URING_VERSION_MAJOR == 2 && IO_URING_VERSION_MINOR >= 10))
#define ZCRX_EXT_LIBURING_HAVE_ZCRX	1
#endif

/* ------------------------------------------------------------------ */
/* uapi: memory regions (6.13)                                         */

#ifndef ZCRX_EXT_HAVE_REGION

#ifndef IORING_MEM_REGION_TYPE_USER
#define IORING_MEM_REGION_TYPE_USER	1	/* memory given by the user */
#endif

/*
 * A region of memory shared with the kernel. With flags = 0 the kernel
 * allocates it and returns mmap_offset, the offset to mmap() the ring fd
 * at; with IORING_MEM_REGION_TYPE_USER it uses user_addr.
 */
struct io_uring_region_desc {
	__u64	user_addr;
	__u64	size;
	__u32	flags;
	__u32	id;
	__u64	mmap_offset;
	__u64	__resv[4];
};

ZCRX_EXT_ASSERT_OFF(struct io_uring_region_desc, user_addr, 0);
ZCRX_EXT_ASSERT_OFF(struct io_uring_region_desc, size, 8);
ZCRX_EXT_ASSERT_OFF(struct io_uring_region_desc, flags, 16);
ZCRX_EXT_ASSERT_OFF(struct io_uring_region_desc, id, 20);
ZCRX_EXT_ASSERT_OFF(struct io_uring_region_desc, mmap_offset, 24);
ZCRX_EXT_ASSERT_OFF(struct io_uring_region_desc, __resv, 32);

#endif /* !ZCRX_EXT_HAVE_REGION */

ZCRX_EXT_ASSERT_SIZE(struct io_uring_region_desc, 64);

/* ------------------------------------------------------------------ */
/* uapi: zero-copy receive (6.15)                                      */

#ifndef ZCRX_EXT_HAVE_ZCRX

#ifndef IORING_OP_RECV_ZC
#define IORING_OP_RECV_ZC		58
#endif
#ifndef IORING_REGISTER_ZCRX_IFQ
#define IORING_REGISTER_ZCRX_IFQ	32
#endif

/* An offset's area id lives in bits 48..63, the byte offset below them. */
#define IORING_ZCRX_AREA_SHIFT		48
#define IORING_ZCRX_AREA_MASK		(~(((__u64)1 << IORING_ZCRX_AREA_SHIFT) - 1))

/*
 * Upstream's sqe->zcrx_ifq_idx is the u32 at byte 44 that liburing 2.3's
 * struct io_uring_sqe calls file_index (the union with splice_fd_in).
 * The struct cannot grow a member, so the name maps onto it.
 */
#define zcrx_ifq_idx			file_index

/* One refill ring entry: a buffer handed back to the kernel. */
struct io_uring_zcrx_rqe {
	__u64	off;		/* (area_id << 48) | byte offset in the area */
	__u32	len;
	__u32	__pad;		/* must be 0 */
};

/* The second half of a 32-byte CQE of IORING_OP_RECV_ZC. */
struct io_uring_zcrx_cqe {
	__u64	off;		/* (area_id << 48) | byte offset in the area */
	__u64	__pad;
};

/* Where the refill ring lives in its region; filled by the kernel. */
struct io_uring_zcrx_offsets {
	__u32	head;
	__u32	tail;
	__u32	rqes;
	__u32	__resv2;
	__u64	__resv[2];
};

/* The memory data lands in; argument of io_uring_zcrx_ifq_reg::area_ptr. */
struct io_uring_zcrx_area_reg {
	__u64	addr;
	__u64	len;
	__u64	rq_area_token;	/* out: area_id << 48; in: 0 */
	__u32	flags;		/* IORING_ZCRX_AREA_* */
	__u32	dmabuf_fd;	/* with IORING_ZCRX_AREA_DMABUF (6.16) */
	__u64	__resv2[2];
};

/* Argument of IORING_REGISTER_ZCRX_IFQ. */
struct io_uring_zcrx_ifq_reg {
	__u32	if_idx;
	__u32	if_rxq;
	__u32	rq_entries;	/* in/out: rounded up to a power of two */
	__u32	flags;		/* ZCRX_REG_* */
	__u64	area_ptr;	/* struct io_uring_zcrx_area_reg * */
	__u64	region_ptr;	/* struct io_uring_region_desc * */
	struct io_uring_zcrx_offsets offsets;	/* out */
	__u32	zcrx_id;	/* out */
	__u32	rx_buf_len;	/* in/out (7.0) */
	__u64	event_desc;	/* struct zcrx_event_desc * (7.2) */
	__u64	__resv[2];
};

ZCRX_EXT_ASSERT_OFF(struct io_uring_zcrx_rqe, off, 0);
ZCRX_EXT_ASSERT_OFF(struct io_uring_zcrx_rqe, len, 8);
ZCRX_EXT_ASSERT_OFF(struct io_uring_zcrx_rqe, __pad, 12);
ZCRX_EXT_ASSERT_OFF(struct io_uring_zcrx_cqe, off, 0);
ZCRX_EXT_ASSERT_OFF(struct io_uring_zcrx_cqe, __pad, 8);
ZCRX_EXT_ASSERT_OFF(struct io_uring_zcrx_offsets, head, 0);
ZCRX_EXT_ASSERT_OFF(struct io_uring_zcrx_offsets, tail, 4);
ZCRX_EXT_ASSERT_OFF(struct io_uring_zcrx_offsets, rqes, 8);
ZCRX_EXT_ASSERT_OFF(struct io_uring_zcrx_offsets, __resv, 16);
ZCRX_EXT_ASSERT_OFF(struct io_uring_zcrx_area_reg, addr, 0);
ZCRX_EXT_ASSERT_OFF(struct io_uring_zcrx_area_reg, len, 8);
ZCRX_EXT_ASSERT_OFF(struct io_uring_zcrx_area_reg, rq_area_token, 16);
ZCRX_EXT_ASSERT_OFF(struct io_uring_zcrx_area_reg, flags, 24);
ZCRX_EXT_ASSERT_OFF(struct io_uring_zcrx_area_reg, dmabuf_fd, 28);
ZCRX_EXT_ASSERT_OFF(struct io_uring_zcrx_area_reg, __resv2, 32);
ZCRX_EXT_ASSERT_OFF(struct io_uring_zcrx_ifq_reg, if_idx, 0);
ZCRX_EXT_ASSERT_OFF(struct io_uring_zcrx_ifq_reg, if_rxq, 4);
ZCRX_EXT_ASSERT_OFF(struct io_uring_zcrx_ifq_reg, rq_entries, 8);
ZCRX_EXT_ASSERT_OFF(struct io_uring_zcrx_ifq_reg, flags, 12);
ZCRX_EXT_ASSERT_OFF(struct io_uring_zcrx_ifq_reg, area_ptr, 16);
ZCRX_EXT_ASSERT_OFF(struct io_uring_zcrx_ifq_reg, region_ptr, 24);
ZCRX_EXT_ASSERT_OFF(struct io_uring_zcrx_ifq_reg, offsets, 32);
ZCRX_EXT_ASSERT_OFF(struct io_uring_zcrx_ifq_reg, zcrx_id, 64);
ZCRX_EXT_ASSERT_OFF(struct io_uring_zcrx_ifq_reg, rx_buf_len, 68);
ZCRX_EXT_ASSERT_OFF(struct io_uring_zcrx_ifq_reg, event_desc, 72);
ZCRX_EXT_ASSERT_OFF(struct io_uring_zcrx_ifq_reg, __resv, 80);

#endif /* !ZCRX_EXT_HAVE_ZCRX */

ZCRX_EXT_ASSERT_SIZE(struct io_uring_zcrx_rqe, 16);
ZCRX_EXT_ASSERT_SIZE(struct io_uring_zcrx_cqe, 16);
ZCRX_EXT_ASSERT_SIZE(struct io_uring_zcrx_offsets, 32);
ZCRX_EXT_ASSERT_SIZE(struct io_uring_zcrx_area_reg, 48);
ZCRX_EXT_ASSERT_SIZE(struct io_uring_zcrx_ifq_reg, 96);
ZCRX_EXT_ASSERT(IORING_ZCRX_AREA_SHIFT == 48, "IORING_ZCRX_AREA_SHIFT != 48");
ZCRX_EXT_ASSERT(IORING_ZCRX_AREA_MASK == 0xffff000000000000ULL,
		"IORING_ZCRX_AREA_MASK != ~((1 << 48) - 1)");
/* A zcrx CQE is the second half of a 32-byte (IORING_SETUP_CQE32) CQE. */
ZCRX_EXT_ASSERT_SIZE(struct io_uring_cqe, 16);
/* sqe->zcrx_ifq_idx shares the u32 at byte 44 with file_index. */
ZCRX_EXT_ASSERT_OFF(struct io_uring_sqe, file_index, 44);

/* ------------------------------------------------------------------ */
/* uapi: flags and opcodes that are enumerators upstream               */

#ifndef IORING_ZCRX_AREA_DMABUF
#define IORING_ZCRX_AREA_DMABUF		1	/* 6.16: area is a dma-buf */
#endif

#ifndef ZCRX_REG_IMPORT
#define ZCRX_REG_IMPORT			1	/* 6.19 */
#endif
#ifndef ZCRX_REG_NODEV
#define ZCRX_REG_NODEV			2	/* 7.1 */
#endif

#ifndef ZCRX_FEATURE_RX_PAGE_SIZE
#define ZCRX_FEATURE_RX_PAGE_SIZE	(1U << 0)	/* 7.0 */
#endif
#ifndef ZCRX_FEATURE_EVENT
#define ZCRX_FEATURE_EVENT		(1U << 1)	/* 7.2 */
#endif

#ifndef IORING_REGISTER_QUERY
#define IORING_REGISTER_QUERY		35	/* 6.18: works with fd -1 */
#endif
#ifndef IORING_REGISTER_ZCRX_CTRL
#define IORING_REGISTER_ZCRX_CTRL	36	/* 6.19: nr_args must be 0 */
#endif

/* ------------------------------------------------------------------ */
/* uapi: IORING_REGISTER_ZCRX_CTRL (6.19)                              */

#ifndef ZCRX_EXT_HAVE_CTRL

#ifndef ZCRX_CTRL_FLUSH_RQ
#define ZCRX_CTRL_FLUSH_RQ		0	/* 6.19 */
#endif
#ifndef ZCRX_CTRL_EXPORT
#define ZCRX_CTRL_EXPORT		1	/* 6.19 */
#endif
#ifndef ZCRX_CTRL_ARM_EVENT
#define ZCRX_CTRL_ARM_EVENT		2	/* 7.2 */
#endif
#ifndef ZCRX_CTRL_ADD_AREA
#define ZCRX_CTRL_ADD_AREA		3	/* 7.3 */
#endif

struct zcrx_ctrl_flush_rq {
	__u64	__resv[6];
};

struct zcrx_ctrl_export {
	__u32	zcrx_fd;	/* out */
	__u32	__resv1[11];
};

struct zcrx_ctrl_arm_event {
	__u32	event_type;
	__u32	__resv[11];
};

struct zcrx_ctrl_add_area {
	__u64	area_ptr;	/* struct io_uring_zcrx_area_reg * */
	__u64	__resv[5];
};

/* Argument of IORING_REGISTER_ZCRX_CTRL. */
struct zcrx_ctrl {
	__u32	zcrx_id;
	__u32	op;		/* ZCRX_CTRL_* */
	__u64	__resv[2];
	union {
		struct zcrx_ctrl_export		zc_export;
		struct zcrx_ctrl_flush_rq	zc_flush;
		struct zcrx_ctrl_arm_event	zc_arm_event;
		struct zcrx_ctrl_add_area	zc_area;
	};
};

ZCRX_EXT_ASSERT_SIZE(struct zcrx_ctrl_flush_rq, 48);
ZCRX_EXT_ASSERT_SIZE(struct zcrx_ctrl_export, 48);
ZCRX_EXT_ASSERT_SIZE(struct zcrx_ctrl_arm_event, 48);
ZCRX_EXT_ASSERT_SIZE(struct zcrx_ctrl_add_area, 48);
ZCRX_EXT_ASSERT_OFF(struct zcrx_ctrl, zcrx_id, 0);
ZCRX_EXT_ASSERT_OFF(struct zcrx_ctrl, op, 4);
ZCRX_EXT_ASSERT_OFF(struct zcrx_ctrl, __resv, 8);
ZCRX_EXT_ASSERT_OFF(struct zcrx_ctrl, zc_export.zcrx_fd, 24);
ZCRX_EXT_ASSERT_OFF(struct zcrx_ctrl, zc_flush, 24);
ZCRX_EXT_ASSERT_OFF(struct zcrx_ctrl, zc_arm_event.event_type, 24);
ZCRX_EXT_ASSERT_OFF(struct zcrx_ctrl, zc_area.area_ptr, 24);

#endif /* !ZCRX_EXT_HAVE_CTRL */

ZCRX_EXT_ASSERT_SIZE(struct zcrx_ctrl, 72);

/* ------------------------------------------------------------------ */
/* uapi: IORING_REGISTER_QUERY (6.18), upstream's <linux/io_uring/query.h> */

#ifndef ZCRX_EXT_HAVE_QUERY

#ifndef IO_URING_QUERY_OPCODES
#define IO_URING_QUERY_OPCODES		0	/* 6.18 */
#endif
#ifndef IO_URING_QUERY_ZCRX
#define IO_URING_QUERY_ZCRX		1	/* 6.19 */
#endif
#ifndef IO_URING_QUERY_SCQ
#define IO_URING_QUERY_SCQ		2	/* 6.19 */
#endif

/*
 * One query; entries chain through next_entry. The kernel fills
 * query_data (size bytes) and result (0 or -errno) of each.
 */
struct io_uring_query_hdr {
	__u64	next_entry;	/* struct io_uring_query_hdr *, 0 ends */
	__u64	query_data;	/* e.g. struct io_uring_query_zcrx * */
	__u32	query_op;	/* IO_URING_QUERY_* */
	__u32	size;		/* of query_data */
	__s32	result;		/* out */
	__u32	__resv[3];
};

/* The answer to IO_URING_QUERY_OPCODES (no ring needed). */
struct io_uring_query_opcode {
	__u32	nr_request_opcodes;	/* IORING_OP_* below this exist */
	__u32	nr_register_opcodes;	/* IORING_[UN]REGISTER_* likewise */
	__u64	feature_flags;		/* IORING_FEAT_* */
	__u64	ring_setup_flags;	/* IORING_SETUP_* the kernel takes */
	__u64	enter_flags;		/* IORING_ENTER_* */
	__u64	sqe_flags;		/* IOSQE_* */
	__u32	nr_query_opcodes;	/* IO_URING_QUERY_* below this exist */
	__u32	__pad;
};

/* The answer to IO_URING_QUERY_SCQ. */
struct io_uring_query_scq {
	__u64	hdr_size;		/* SQ/CQ rings header size */
	__u64	hdr_alignment;		/* and its alignment */
};

/* The answer to IO_URING_QUERY_ZCRX. */
struct io_uring_query_zcrx {
	__u64	register_flags;		/* ZCRX_REG_* the kernel takes */
	__u64	area_flags;		/* IORING_ZCRX_AREA_* */
	__u32	nr_ctrl_opcodes;	/* ZCRX_CTRL_* below this work */
	__u32	features;		/* ZCRX_FEATURE_* (7.0) */
	__u32	rq_hdr_size;		/* refill ring header size */
	__u32	rq_hdr_alignment;	/* and its alignment */
	__u64	__resv2;
};

ZCRX_EXT_ASSERT_OFF(struct io_uring_query_hdr, next_entry, 0);
ZCRX_EXT_ASSERT_OFF(struct io_uring_query_hdr, query_data, 8);
ZCRX_EXT_ASSERT_OFF(struct io_uring_query_hdr, query_op, 16);
ZCRX_EXT_ASSERT_OFF(struct io_uring_query_hdr, size, 20);
ZCRX_EXT_ASSERT_OFF(struct io_uring_query_hdr, result, 24);
ZCRX_EXT_ASSERT_OFF(struct io_uring_query_hdr, __resv, 28);
ZCRX_EXT_ASSERT_OFF(struct io_uring_query_zcrx, register_flags, 0);
ZCRX_EXT_ASSERT_OFF(struct io_uring_query_zcrx, area_flags, 8);
ZCRX_EXT_ASSERT_OFF(struct io_uring_query_zcrx, nr_ctrl_opcodes, 16);
ZCRX_EXT_ASSERT_OFF(struct io_uring_query_zcrx, features, 20);
ZCRX_EXT_ASSERT_OFF(struct io_uring_query_zcrx, rq_hdr_size, 24);
ZCRX_EXT_ASSERT_OFF(struct io_uring_query_zcrx, rq_hdr_alignment, 28);
ZCRX_EXT_ASSERT_OFF(struct io_uring_query_zcrx, __resv2, 32);
ZCRX_EXT_ASSERT_OFF(struct io_uring_query_opcode, feature_flags, 8);
ZCRX_EXT_ASSERT_OFF(struct io_uring_query_opcode, sqe_flags, 32);
ZCRX_EXT_ASSERT_OFF(struct io_uring_query_opcode, nr_query_opcodes, 40);
ZCRX_EXT_ASSERT_OFF(struct io_uring_query_scq, hdr_alignment, 8);
/* only ours: a 6.18 <linux/io_uring/query.h> has no scq answer */
ZCRX_EXT_ASSERT_SIZE(struct io_uring_query_opcode, 48);
ZCRX_EXT_ASSERT_SIZE(struct io_uring_query_scq, 16);

#endif /* !ZCRX_EXT_HAVE_QUERY */

ZCRX_EXT_ASSERT_SIZE(struct io_uring_query_hdr, 40);
ZCRX_EXT_ASSERT_SIZE(struct io_uring_query_zcrx, 40);

/* ------------------------------------------------------------------ */
/* uapi: events (7.2)                                                  */

#ifndef ZCRX_EXT_HAVE_EVENTS

#ifndef ZCRX_EVENT_ALLOC_FAIL
#define ZCRX_EVENT_ALLOC_FAIL		0	/* event types */
#endif
#ifndef ZCRX_EVENT_COPY
#define ZCRX_EVENT_COPY			1
#endif
#ifndef __ZCRX_EVENT_TYPE_LAST
#define __ZCRX_EVENT_TYPE_LAST		2
#endif
#ifndef ZCRX_EVENT_DESC_FLAG_STATS
#define ZCRX_EVENT_DESC_FLAG_STATS		(1U << 0)	/* zcrx_event_desc::flags */
#endif

/* Argument of io_uring_zcrx_ifq_reg::event_desc. */
struct zcrx_event_desc {
	__u64	user_data;
	__u32	type_mask;
	__u32	flags;		/* ZCRX_EVENT_DESC_FLAG_* */
	__u64	stats_offset;	/* of struct zcrx_stats in the refill region */
	__u64	__resv2[9];
};

/* Lives in the refill region at zcrx_event_desc::stats_offset. */
struct zcrx_stats {
	__u64	copy_count;
	__u64	copy_bytes;
};

ZCRX_EXT_ASSERT_OFF(struct zcrx_event_desc, user_data, 0);
ZCRX_EXT_ASSERT_OFF(struct zcrx_event_desc, type_mask, 8);
ZCRX_EXT_ASSERT_OFF(struct zcrx_event_desc, flags, 12);
ZCRX_EXT_ASSERT_OFF(struct zcrx_event_desc, stats_offset, 16);
ZCRX_EXT_ASSERT_OFF(struct zcrx_event_desc, __resv2, 24);
ZCRX_EXT_ASSERT_OFF(struct zcrx_stats, copy_count, 0);
ZCRX_EXT_ASSERT_OFF(struct zcrx_stats, copy_bytes, 8);

#endif /* !ZCRX_EXT_HAVE_EVENTS */

ZCRX_EXT_ASSERT_SIZE(struct zcrx_event_desc, 96);
ZCRX_EXT_ASSERT_SIZE(struct zcrx_stats, 16);

/* ------------------------------------------------------------------ */
/* liburing side                                                       */

#ifdef __cplusplus
extern "C" {
#endif

#ifndef ZCRX_EXT_LIBURING_HAVE_ZCRX
/*
 * The user's view of a refill ring: the kernel's head and tail in the
 * region, the user's private tail, and the entries.
 */
struct io_uring_zcrx_rq {
	__u32				*khead;
	__u32				*ktail;
	__u32				rq_tail;
	unsigned			ring_entries;

	struct io_uring_zcrx_rqe	*rqes;
	void				*ring_ptr;
};
#endif

/* Return 0 or -errno, as liburing does. */
int io_uring_register_ifq(struct io_uring *ring,
			  struct io_uring_zcrx_ifq_reg *reg);
int io_uring_register_zcrx_ctrl(struct io_uring *ring, struct zcrx_ctrl *ctrl);
int io_uring_register_query(int fd, struct io_uring_query_hdr *hdr);

/* A refill region in user memory (IORING_MEM_REGION_TYPE_USER). */
size_t io_uring_zcrx_rq_region_size(unsigned rq_entries);
int io_uring_zcrx_rq_region_alloc(struct io_uring_region_desc *rd,
				  unsigned rq_entries);
void io_uring_zcrx_rq_region_free(struct io_uring_region_desc *rd);

/*
 * Receive from socket fd into zcrx instance zcrx_id: up to len bytes
 * (0: no limit). flags go to sqe->ioprio: IORING_RECV_MULTISHOT and
 * IORING_RECVSEND_POLL_FIRST.
 */
static inline void io_uring_prep_recv_zc(struct io_uring_sqe *sqe, int fd,
					 unsigned zcrx_id, unsigned len,
					 unsigned flags)
{
	io_uring_prep_rw(IORING_OP_RECV_ZC, sqe, fd, NULL, len, 0);
	sqe->ioprio = (__u16)flags;
	/* sqe->zcrx_ifq_idx: the u32 at byte 44, named file_index in any header */
	sqe->file_index = zcrx_id;
}

/*
 * Point rq at the refill ring of a registered zcrx instance. ring_ptr is
 * where the region is mapped; reg is what io_uring_register_ifq() returned.
 * Returns 0, or -EINVAL when rq_entries is not a power of two.
 */
static inline int io_uring_zcrx_rq_init(struct io_uring_zcrx_rq *rq,
					void *ring_ptr,
					const struct io_uring_zcrx_ifq_reg *reg)
{
	char *base = (char *)ring_ptr;
	unsigned entries = reg->rq_entries;

	if (!entries || (entries & (entries - 1)))
		return -EINVAL;

	rq->khead = (__u32 *)(base + reg->offsets.head);
	rq->ktail = (__u32 *)(base + reg->offsets.tail);
	rq->rqes = (struct io_uring_zcrx_rqe *)(base + reg->offsets.rqes);
	rq->ring_entries = entries;
	rq->ring_ptr = ring_ptr;
	/* the tail is ours: the kernel only set it at registration */
	rq->rq_tail = __atomic_load_n(rq->ktail, __ATOMIC_RELAXED);
	return 0;
}

/*
 * Free entries: ring_entries less those taken by io_uring_zcrx_rq_get_rqe()
 * that the kernel has not consumed yet, committed or not. The acquire
 * orders the kernel's reads of consumed entries before our next writes.
 */
static inline unsigned io_uring_zcrx_rq_space_left(const struct io_uring_zcrx_rq *rq)
{
	__u32 head = __atomic_load_n(rq->khead, __ATOMIC_ACQUIRE);

	return rq->ring_entries - (rq->rq_tail - head);
}

/*
 * The next free entry, or NULL when the ring is full. Fill off and len
 * (leave __pad 0); the kernel sees it after io_uring_zcrx_rq_commit().
 */
static inline struct io_uring_zcrx_rqe *
io_uring_zcrx_rq_get_rqe(struct io_uring_zcrx_rq *rq)
{
	if (!io_uring_zcrx_rq_space_left(rq))
		return NULL;
	return &rq->rqes[rq->rq_tail++ & (rq->ring_entries - 1)];
}

/*
 * Hand every entry taken so far to the kernel: the release makes the
 * entries visible before the tail that covers them.
 */
static inline void io_uring_zcrx_rq_commit(struct io_uring_zcrx_rq *rq)
{
	__atomic_store_n(rq->ktail, rq->rq_tail, __ATOMIC_RELEASE);
}

#ifdef __cplusplus
}
#endif

#endif /* LIBURING_EXT_ZCRX_H */
