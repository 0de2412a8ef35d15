// SPDX-License-Identifier: MIT
/*
 * zcrx.h over the uapi header of a later kernel (and liburing), mocked:
 * before zcrx.h comes in, this file defines what a real header of level
 * MOCK_UAPI_MAJOR.MOCK_UAPI_MINOR would already have, with that level's
 * layouts. zcrx.h must then add only what is missing: a redefinition
 * fails the build, a missing name fails the build, a wrong value fails
 * the run. Built without -I liburing-ext/include, so the base is the
 * system <liburing.h> (2.3, uapi 6.1) and zcrx.h is included by path.
 *
 *   6.1   nothing mocked: zcrx.h used directly rather than through the
 *         <liburing.h> wrapper
 *   6.13  memory regions
 *   6.15  zcrx itself, and liburing 2.10's struct io_uring_zcrx_rq
 *   7.3   everything, with ZCRX_EXT_HAVE_CTRL and ZCRX_EXT_HAVE_EVENTS
 *         set as the header documents for a uapi that has those
 */
#include <liburing.h>
#include <string.h>

#define MOCK_UAPI	(MOCK_UAPI_MAJOR * 100 + MOCK_UAPI_MINOR)

#if MOCK_UAPI >= 613
#define IORING_ENTER_EXT_ARG_REG	(1U << 6)
enum { IORING_MEM_REGION_TYPE_USER = 1 };
struct io_uring_region_desc {
	__u64 user_addr;
	__u64 size;
	__u32 flags;
	__u32 id;
	__u64 mmap_offset;
	__u64 __resv[4];
};
#endif

#if MOCK_UAPI >= 615
enum { IORING_OP_RECV_ZC = 58 };
enum { IORING_REGISTER_ZCRX_IFQ = 32 };
#define IORING_ZCRX_AREA_SHIFT	48
#define IORING_ZCRX_AREA_MASK	(~(((__u64)1 << IORING_ZCRX_AREA_SHIFT) - 1))
struct io_uring_zcrx_rqe { __u64 off; __u32 len; __u32 __pad; };
struct io_uring_zcrx_cqe { __u64 off; __u64 __pad; };
struct io_uring_zcrx_offsets { __u32 head, tail, rqes, __resv2; __u64 __resv[2]; };
#if MOCK_UAPI >= 616
enum io_uring_zcrx_area_flags { IORING_ZCRX_AREA_DMABUF = 1 };
#endif
struct io_uring_zcrx_area_reg {
	__u64 addr;
	__u64 len;
	__u64 rq_area_token;
	__u32 flags;
#if MOCK_UAPI >= 616
	__u32 dmabuf_fd;
#else
	__u32 __resv1;
#endif
	__u64 __resv2[2];
};
struct io_uring_zcrx_ifq_reg {
	__u32 if_idx, if_rxq, rq_entries, flags;
	__u64 area_ptr;
	__u64 region_ptr;
	struct io_uring_zcrx_offsets offsets;
	__u32 zcrx_id;
#if MOCK_UAPI >= 700
	__u32 rx_buf_len;
#else
	__u32 __resv2;
#endif
#if MOCK_UAPI >= 702
	__u64 event_desc;
	__u64 __resv[2];
#else
	__u64 __resv[3];
#endif
};

/* liburing 2.10 */
#define IO_URING_VERSION_MAJOR	2
#define IO_URING_VERSION_MINOR	10
struct io_uring_zcrx_rq {
	__u32 *khead;
	__u32 *ktail;
	__u32 rq_tail;
	unsigned ring_entries;
	struct io_uring_zcrx_rqe *rqes;
	void *ring_ptr;
};
int io_uring_register_ifq(struct io_uring *ring, struct io_uring_zcrx_ifq_reg *reg);
#endif

#if MOCK_UAPI >= 618
enum { IORING_REGISTER_QUERY = 35 };
/* <linux/io_uring/query.h> */
#define LINUX_IO_URING_QUERY_H
struct io_uring_query_hdr {
	__u64 next_entry;
	__u64 query_data;
	__u32 query_op;
	__u32 size;
	__s32 result;
	__u32 __resv[3];
};
enum { IO_URING_QUERY_OPCODES = 0, IO_URING_QUERY_ZCRX = 1, IO_URING_QUERY_SCQ = 2 };
struct io_uring_query_zcrx {
	__u64 register_flags, area_flags;
	__u32 nr_ctrl_opcodes, features, rq_hdr_size, rq_hdr_alignment;
	__u64 __resv2;
};
#endif

#if MOCK_UAPI >= 703
enum { IORING_REGISTER_ZCRX_CTRL = 36 };
enum { ZCRX_REG_IMPORT = 1, ZCRX_REG_NODEV = 2 };
enum { ZCRX_FEATURE_RX_PAGE_SIZE = 1 << 0, ZCRX_FEATURE_EVENT = 1 << 1 };
enum zcrx_ctrl_op {
	ZCRX_CTRL_FLUSH_RQ, ZCRX_CTRL_EXPORT, ZCRX_CTRL_ARM_EVENT, ZCRX_CTRL_ADD_AREA,
};
struct zcrx_ctrl {
	__u32 zcrx_id;
	__u32 op;
	__u64 __resv[2];
	union {
		struct { __u32 zcrx_fd; __u32 __resv1[11]; } zc_export;
		struct { __u64 __resv[6]; } zc_flush;
	};
};
struct zcrx_event_desc {
	__u64 user_data;
	__u32 type_mask, flags;
	__u64 stats_offset;
	__u64 __resv2[9];
};
struct zcrx_stats { __u64 copy_count, copy_bytes; };
#define ZCRX_EXT_HAVE_CTRL	1
#define ZCRX_EXT_HAVE_EVENTS	1
#endif

#include "../include/liburing/zcrx.h"
#include "test.h"

int main(void)
{
	struct io_uring_zcrx_ifq_reg reg;
	struct io_uring_zcrx_rq rq;
	struct io_uring_sqe sqe;
	__u32 ring[64] = { 0 };

	printf("guards: uapi mocked at %d.%d\n", MOCK_UAPI_MAJOR, MOCK_UAPI_MINOR);

	t_eq("IORING_OP_RECV_ZC", IORING_OP_RECV_ZC, 58);
	t_eq("IORING_REGISTER_ZCRX_IFQ", IORING_REGISTER_ZCRX_IFQ, 32);
	t_eq("IORING_REGISTER_QUERY", IORING_REGISTER_QUERY, 35);
	t_eq("IORING_REGISTER_ZCRX_CTRL", IORING_REGISTER_ZCRX_CTRL, 36);
	t_eq("IORING_MEM_REGION_TYPE_USER", IORING_MEM_REGION_TYPE_USER, 1);
	t_eq("IORING_ZCRX_AREA_DMABUF", IORING_ZCRX_AREA_DMABUF, 1);
	t_eq("IORING_ZCRX_AREA_MASK", IORING_ZCRX_AREA_MASK, 0xffff000000000000ULL);
	t_eq("ZCRX_REG_NODEV", ZCRX_REG_NODEV, 2);
	t_eq("ZCRX_FEATURE_EVENT", ZCRX_FEATURE_EVENT, 2);
	t_eq("ZCRX_CTRL_EXPORT", ZCRX_CTRL_EXPORT, 1);
	t_eq("ZCRX_CTRL_ADD_AREA", ZCRX_CTRL_ADD_AREA, 3);
	t_eq("IO_URING_QUERY_SCQ", IO_URING_QUERY_SCQ, 2);
	t_eq("sizeof(struct io_uring_zcrx_ifq_reg)", sizeof(struct io_uring_zcrx_ifq_reg), 96);
	t_eq("sizeof(struct zcrx_ctrl)", sizeof(struct zcrx_ctrl), 72);
	t_eq("sizeof(struct io_uring_query_zcrx)", sizeof(struct io_uring_query_zcrx), 40);
	t_eq("sizeof(struct zcrx_event_desc)", sizeof(struct zcrx_event_desc), 96);

	/* which groups zcrx.h took from the (mock) uapi */
#if MOCK_UAPI >= 613
	t_check(ZCRX_EXT_HAVE_REGION, "region not detected");
#endif
#if MOCK_UAPI >= 615
	t_check(ZCRX_EXT_HAVE_ZCRX, "zcrx not detected");
	t_check(ZCRX_EXT_LIBURING_HAVE_ZCRX, "liburing 2.10 not detected");
#else
#ifdef ZCRX_EXT_HAVE_ZCRX
	t_check(0, "zcrx detected in a uapi without it");
#endif
	/* only here does sqe->zcrx_ifq_idx need the file_index alias */
	t_eq("offsetof(struct io_uring_sqe, zcrx_ifq_idx)",
	     offsetof(struct io_uring_sqe, zcrx_ifq_idx), 44);
#endif
#if MOCK_UAPI >= 618
	t_check(ZCRX_EXT_HAVE_QUERY, "query.h not detected");
#endif

	/* the inline helpers compile over any level */
	io_uring_prep_recv_zc(&sqe, 5, 3, 0, IORING_RECV_MULTISHOT);
	t_eq("sqe opcode", sqe.opcode, 58);
	t_eq("sqe byte 44", sqe.file_index, 3);
	memset(&reg, 0, sizeof(reg));
	reg.rq_entries = 4;
	reg.offsets.tail = 64;
	reg.offsets.rqes = 128;
	t_eq("io_uring_zcrx_rq_init", io_uring_zcrx_rq_init(&rq, ring, &reg), 0);
	io_uring_zcrx_rq_get_rqe(&rq);
	io_uring_zcrx_rq_commit(&rq);
	t_eq("ktail", ring[16], 1);
	return t_result("guards");
}
