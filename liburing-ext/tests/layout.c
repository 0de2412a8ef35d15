// SPDX-License-Identifier: MIT
/*
 * Every number, size and field offset of the zcrx ABI, printed and checked
 * against the values upstream's ABI has (shared/abi/README.md). The header
 * asserts these at compile time; this prints them for a reader and checks
 * them again through a program that only includes <liburing.h>.
 */
#include <liburing.h>
#include <stddef.h>

#include "test.h"

struct abi_fact {
	const char		*name;
	unsigned long long	got;
	unsigned long long	want;
};

#define VAL(name, want)		{ #name, (unsigned long long)(name), want }
#define SIZE(type, want)	{ "sizeof(" #type ")", sizeof(type), want }
#define OFF(type, field, want)	{ #type "." #field, offsetof(type, field), want }

static const struct abi_fact facts[] = {
	/* numbers */
	VAL(IORING_OP_RECV_ZC, 58),
	VAL(IORING_REGISTER_ZCRX_IFQ, 32),
	VAL(IORING_REGISTER_QUERY, 35),
	VAL(IORING_REGISTER_ZCRX_CTRL, 36),
	VAL(IORING_ZCRX_AREA_SHIFT, 48),
	VAL(IORING_ZCRX_AREA_MASK, 0xffff000000000000ULL),
	VAL(IORING_ZCRX_AREA_DMABUF, 1),
	VAL(ZCRX_REG_IMPORT, 1),
	VAL(ZCRX_REG_NODEV, 2),
	VAL(ZCRX_FEATURE_RX_PAGE_SIZE, 1),
	VAL(ZCRX_FEATURE_EVENT, 2),
	VAL(ZCRX_CTRL_FLUSH_RQ, 0),
	VAL(ZCRX_CTRL_EXPORT, 1),
	VAL(ZCRX_CTRL_ARM_EVENT, 2),
	VAL(ZCRX_CTRL_ADD_AREA, 3),
	VAL(IO_URING_QUERY_OPCODES, 0),
	VAL(IO_URING_QUERY_ZCRX, 1),
	VAL(IO_URING_QUERY_SCQ, 2),
	VAL(IORING_MEM_REGION_TYPE_USER, 1),
	VAL(ZCRX_EVENT_ALLOC_FAIL, 0),
	VAL(ZCRX_EVENT_COPY, 1),
	VAL(ZCRX_EVENT_DESC_FLAG_STATS, 1),

	/* the SQE field recv-zc names its instance with */
	OFF(struct io_uring_sqe, zcrx_ifq_idx, 44),
	OFF(struct io_uring_sqe, file_index, 44),
	OFF(struct io_uring_sqe, splice_fd_in, 44),
	SIZE(struct io_uring_sqe, 64),
	SIZE(struct io_uring_cqe, 16),

	SIZE(struct io_uring_zcrx_rqe, 16),
	OFF(struct io_uring_zcrx_rqe, off, 0),
	OFF(struct io_uring_zcrx_rqe, len, 8),
	OFF(struct io_uring_zcrx_rqe, __pad, 12),

	SIZE(struct io_uring_zcrx_cqe, 16),
	OFF(struct io_uring_zcrx_cqe, off, 0),
	OFF(struct io_uring_zcrx_cqe, __pad, 8),

	SIZE(struct io_uring_zcrx_offsets, 32),
	OFF(struct io_uring_zcrx_offsets, head, 0),
	OFF(struct io_uring_zcrx_offsets, tail, 4),
	OFF(struct io_uring_zcrx_offsets, rqes, 8),
	OFF(struct io_uring_zcrx_offsets, __resv2, 12),
	OFF(struct io_uring_zcrx_offsets, __resv, 16),

	SIZE(struct io_uring_zcrx_area_reg, 48),
	OFF(struct io_uring_zcrx_area_reg, addr, 0),
	OFF(struct io_uring_zcrx_area_reg, len, 8),
	OFF(struct io_uring_zcrx_area_reg, rq_area_token, 16),
	OFF(struct io_uring_zcrx_area_reg, flags, 24),
	OFF(struct io_uring_zcrx_area_reg, dmabuf_fd, 28),
	OFF(struct io_uring_zcrx_area_reg, __resv2, 32),

	SIZE(struct io_uring_region_desc, 64),
	OFF(struct io_uring_region_desc, user_addr, 0),
	OFF(struct io_uring_region_desc, size, 8),
	OFF(struct io_uring_region_desc, flags, 16),
	OFF(struct io_uring_region_desc, id, 20),
	OFF(struct io_uring_region_desc, mmap_offset, 24),
	OFF(struct io_uring_region_desc, __resv, 32),

	SIZE(struct io_uring_zcrx_ifq_reg, 96),
	OFF(struct io_uring_zcrx_ifq_reg, if_idx, 0),
	OFF(struct io_uring_zcrx_ifq_reg, if_rxq, 4),
	OFF(struct io_uring_zcrx_ifq_reg, rq_entries, 8),
	OFF(struct io_uring_zcrx_ifq_reg, flags, 12),
	OFF(struct io_uring_zcrx_ifq_reg, area_ptr, 16),
	OFF(struct io_uring_zcrx_ifq_reg, region_ptr, 24),
	OFF(struct io_uring_zcrx_ifq_reg, offsets, 32),
	OFF(struct io_uring_zcrx_ifq_reg, zcrx_id, 64),
	OFF(struct io_uring_zcrx_ifq_reg, rx_buf_len, 68),
	OFF(struct io_uring_zcrx_ifq_reg, event_desc, 72),
	OFF(struct io_uring_zcrx_ifq_reg, __resv, 80),

	SIZE(struct zcrx_ctrl, 72),
	OFF(struct zcrx_ctrl, zcrx_id, 0),
	OFF(struct zcrx_ctrl, op, 4),
	OFF(struct zcrx_ctrl, __resv, 8),
	OFF(struct zcrx_ctrl, zc_flush, 24),
	OFF(struct zcrx_ctrl, zc_flush.__resv, 24),
	OFF(struct zcrx_ctrl, zc_export, 24),
	OFF(struct zcrx_ctrl, zc_export.zcrx_fd, 24),
	OFF(struct zcrx_ctrl, zc_export.__resv1, 28),
	OFF(struct zcrx_ctrl, zc_arm_event.event_type, 24),
	OFF(struct zcrx_ctrl, zc_arm_event.__resv, 28),
	OFF(struct zcrx_ctrl, zc_area.area_ptr, 24),
	OFF(struct zcrx_ctrl, zc_area.__resv, 32),
	SIZE(struct zcrx_ctrl_flush_rq, 48),
	SIZE(struct zcrx_ctrl_export, 48),
	SIZE(struct zcrx_ctrl_arm_event, 48),
	SIZE(struct zcrx_ctrl_add_area, 48),

	SIZE(struct io_uring_query_hdr, 40),
	OFF(struct io_uring_query_hdr, next_entry, 0),
	OFF(struct io_uring_query_hdr, query_data, 8),
	OFF(struct io_uring_query_hdr, query_op, 16),
	OFF(struct io_uring_query_hdr, size, 20),
	OFF(struct io_uring_query_hdr, result, 24),
	OFF(struct io_uring_query_hdr, __resv, 28),

	SIZE(struct io_uring_query_zcrx, 40),
	OFF(struct io_uring_query_zcrx, register_flags, 0),
	OFF(struct io_uring_query_zcrx, area_flags, 8),
	OFF(struct io_uring_query_zcrx, nr_ctrl_opcodes, 16),
	OFF(struct io_uring_query_zcrx, features, 20),
	OFF(struct io_uring_query_zcrx, rq_hdr_size, 24),
	OFF(struct io_uring_query_zcrx, rq_hdr_alignment, 28),
	OFF(struct io_uring_query_zcrx, __resv2, 32),

	SIZE(struct zcrx_event_desc, 96),
	OFF(struct zcrx_event_desc, user_data, 0),
	OFF(struct zcrx_event_desc, type_mask, 8),
	OFF(struct zcrx_event_desc, flags, 12),
	OFF(struct zcrx_event_desc, stats_offset, 16),
	OFF(struct zcrx_event_desc, __resv2, 24),

	SIZE(struct zcrx_stats, 16),
	OFF(struct zcrx_stats, copy_count, 0),
	OFF(struct zcrx_stats, copy_bytes, 8),
};

/* liburing's own struct: its layout is the program's, on LP64 as upstream's */
static const struct abi_fact lp64_facts[] = {
	SIZE(struct io_uring_zcrx_rq, 40),
	OFF(struct io_uring_zcrx_rq, khead, 0),
	OFF(struct io_uring_zcrx_rq, ktail, 8),
	OFF(struct io_uring_zcrx_rq, rq_tail, 16),
	OFF(struct io_uring_zcrx_rq, ring_entries, 20),
	OFF(struct io_uring_zcrx_rq, rqes, 24),
	OFF(struct io_uring_zcrx_rq, ring_ptr, 32),
};

static void check_facts(const struct abi_fact *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		printf(f[i].got < 0x10000 ? "%-48s %20llu %s\n" : "%-48s %#20llx %s\n",
		       f[i].name, f[i].got,
		       f[i].got == f[i].want ? "ok" : "WRONG");
		t_eq(f[i].name, f[i].got, f[i].want);
	}
}

int main(void)
{
	check_facts(facts, sizeof(facts) / sizeof(facts[0]));
	if (sizeof(void *) == 8)
		check_facts(lp64_facts, sizeof(lp64_facts) / sizeof(lp64_facts[0]));
	return t_result("layout");
}
