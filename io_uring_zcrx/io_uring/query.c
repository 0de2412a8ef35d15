// SPDX-License-Identifier: GPL-2.0
/*
 * IORING_REGISTER_QUERY: a chain of struct io_uring_query_hdr entries, each
 * naming an operation and a buffer for its answer. Every entry gets result
 * 0 and size = the bytes of the answer written, or a negative errno in
 * result and size 0; the rest of the caller's buffer is zeroed, so a newer
 * program with a larger struct sees zeros where this kernel has nothing.
 *
 * Context: process context, the calling task; no lock (it works on a ring
 * and without one, fd -1). A chain longer than IO_MAX_QUERY_ENTRIES, which
 * is also what a loop in the chain becomes, fails with -ERANGE.
 *
 * 6.12 answers every query upstream has up to 6.19: OPCODES, ZCRX, SCQ.
 */

#include <linux/kernel.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <uapi/linux/io_uring.h>
#include <uapi/linux/io_uring/query.h>

#include "io_uring.h"
#include "query.h"
#include "zcrx.h"

union io_query_data {
	struct io_uring_query_opcode opcodes;
	struct io_uring_query_zcrx zcrx;
	struct io_uring_query_scq scq;
};

#define IO_MAX_QUERY_SIZE	sizeof(union io_query_data)
#define IO_MAX_QUERY_ENTRIES	1000

/* Copy size bytes of the answer and zero the rest of the user's usize. */
static int io_query_copy_out(void __user *udata, size_t usize,
			     const void *data, size_t size)
{
	if (copy_to_user(udata, data, size))
		return -EFAULT;
	if (usize > size && clear_user(udata + size, usize - size))
		return -EFAULT;
	return 0;
}

static ssize_t io_query_ops(union io_query_data *data)
{
	struct io_uring_query_opcode *e = &data->opcodes;

	memset(e, 0, sizeof(*e));
	e->nr_request_opcodes = IORING_OP_LAST;
	e->nr_register_opcodes = IORING_REGISTER_LAST;
	e->feature_flags = IORING_FEAT_FLAGS;
	e->ring_setup_flags = IORING_SETUP_FLAGS;
	e->enter_flags = IORING_ENTER_FLAGS;
	e->sqe_flags = SQE_VALID_FLAGS;
	e->nr_query_opcodes = __IO_URING_QUERY_MAX;
	return sizeof(*e);
}

static ssize_t io_query_scq(union io_query_data *data)
{
	struct io_uring_query_scq *e = &data->scq;

	memset(e, 0, sizeof(*e));
	e->hdr_size = sizeof(struct io_rings);
	e->hdr_alignment = SMP_CACHE_BYTES;
	return sizeof(*e);
}

static int io_handle_query_entry(union io_query_data *data,
				 void __user *uhdr, u64 *next_entry)
{
	struct io_uring_query_hdr hdr;
	size_t usize, res_size = 0;
	ssize_t ret = -EINVAL;
	void __user *udata;

	if (copy_from_user(&hdr, uhdr, sizeof(hdr)))
		return -EFAULT;
	usize = hdr.size;
	hdr.size = min_t(size_t, hdr.size, IO_MAX_QUERY_SIZE);
	udata = u64_to_user_ptr(hdr.query_data);

	if (hdr.query_op >= __IO_URING_QUERY_MAX) {
		ret = -EOPNOTSUPP;
		goto out;
	}
	if (!mem_is_zero(hdr.__resv, sizeof(hdr.__resv)) || hdr.result ||
	    !hdr.size)
		goto out;
	if (copy_from_user(data, udata, hdr.size))
		return -EFAULT;

	switch (hdr.query_op) {
	case IO_URING_QUERY_OPCODES:
		ret = io_query_ops(data);
		break;
	case IO_URING_QUERY_ZCRX:
		ret = io_zcrx_query(&data->zcrx);
		break;
	case IO_URING_QUERY_SCQ:
		ret = io_query_scq(data);
		break;
	default:
		ret = -EOPNOTSUPP;
		break;
	}
	if (ret >= 0) {
		res_size = ret;
		ret = 0;
	}
out:
	hdr.result = ret;
	hdr.size = min(usize, res_size);
	if (io_query_copy_out(udata, usize, data, hdr.size))
		return -EFAULT;
	if (copy_to_user(uhdr, &hdr, sizeof(hdr)))
		return -EFAULT;
	*next_entry = hdr.next_entry;
	return 0;
}

/**
 * io_query() - IORING_REGISTER_QUERY
 * @arg: the first struct io_uring_query_hdr of the chain (NULL: none)
 * @nr_args: must be 0
 *
 * Return: 0 when every entry got its answer (each entry's own result says
 * whether its operation is known), -EINVAL for nr_args, -EFAULT for memory
 * that cannot be read or written, -ERANGE for a chain too long, -EINTR on
 * a fatal signal.
 */
int io_query(void __user *arg, unsigned int nr_args)
{
	union io_query_data entry_buffer;
	void __user *uhdr = arg;
	int ret, nr = 0;

	memset(&entry_buffer, 0, sizeof(entry_buffer));
	if (nr_args)
		return -EINVAL;

	while (uhdr) {
		u64 next_hdr;

		ret = io_handle_query_entry(&entry_buffer, uhdr, &next_hdr);
		if (ret)
			return ret;
		uhdr = u64_to_user_ptr(next_hdr);

		/* a limit, so that a cycle in the chain ends */
		if (++nr >= IO_MAX_QUERY_ENTRIES)
			return -ERANGE;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}
