/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * IORING_REGISTER_QUERY: what the kernel's io_uring supports. Programs
 * include it themselves, as upstream has it.
 */
#ifndef LINUX_IO_URING_QUERY_H
#define LINUX_IO_URING_QUERY_H

#include <linux/types.h>

/* IORING_REGISTER_QUERY: a chain of these, each followed by its data */
enum io_uring_query_op {
	IO_URING_QUERY_OPCODES		= 0,
	IO_URING_QUERY_ZCRX		= 1,
	IO_URING_QUERY_SCQ		= 2,

	__IO_URING_QUERY_MAX,
};

struct io_uring_query_hdr {
	__u64	next_entry;
	__u64	query_data;
	__u32	query_op;
	__u32	size;
	__s32	result;
	__u32	__resv[3];
};

/* The answer to IO_URING_QUERY_OPCODES; it needs no ring. */
struct io_uring_query_opcode {
	/* the number of supported IORING_OP_* opcodes */
	__u32	nr_request_opcodes;
	/* the number of supported IORING_[UN]REGISTER_* opcodes */
	__u32	nr_register_opcodes;
	/* bitmask of every supported IORING_FEAT_* flag */
	__u64	feature_flags;
	/* bitmask of every supported IORING_SETUP_* flag */
	__u64	ring_setup_flags;
	/* bitmask of every supported IORING_ENTER_* flag */
	__u64	enter_flags;
	/* bitmask of every supported IOSQE_* flag */
	__u64	sqe_flags;
	/* the number of query opcodes */
	__u32	nr_query_opcodes;
	__u32	__pad;
};

struct io_uring_query_zcrx {
	__u64	register_flags;
	__u64	area_flags;
	__u32	nr_ctrl_opcodes;
	__u32	features;
	__u32	rq_hdr_size;
	__u32	rq_hdr_alignment;
	__u64	__resv2;
};

/* The answer to IO_URING_QUERY_SCQ */
struct io_uring_query_scq {
	/* the SQ/CQ rings header size */
	__u64	hdr_size;
	/* the alignment for the header */
	__u64	hdr_alignment;
};

#endif /* LINUX_IO_URING_QUERY_H */
