/* SPDX-License-Identifier: MIT */
/*
 * The io_uring receivers' wait, one counted syscall (include after
 * <liburing.h> and example.h). liburing's io_uring_submit_and_wait_timeout()
 * makes zero, one or more io_uring_enter() calls as it sees fit; a
 * benchmark that reports syscalls per GiB makes them itself: every
 * ex_uring_wait() and ex_uring_submit() is exactly one io_uring_enter(),
 * counted in *calls.
 */
#ifndef EX_URING_H
#define EX_URING_H

#include <liburing.h>

/* Publish the SQEs taken so far; the number the kernel has not consumed. */
static inline unsigned int ex_uring_flush_sq(struct io_uring *ring)
{
	struct io_uring_sq *sq = &ring->sq;
	unsigned int tail = sq->sqe_tail;

	if (sq->sqe_head != tail) {
		sq->sqe_head = tail;
		io_uring_smp_store_release(sq->ktail, tail);
	}
	return tail - io_uring_smp_load_acquire(sq->khead);
}

/*
 * Submit what is queued, run the deferred task work and wait up to @ts
 * for at least one CQE: one io_uring_enter(). Returns 0 or -errno
 * (-ETIME: nothing completed in time, -EINTR).
 */
static inline int ex_uring_wait(struct io_uring *ring,
				struct __kernel_timespec *ts, uint64_t *calls)
{
	struct io_uring_getevents_arg arg = {
		.ts = (uint64_t)(uintptr_t)ts,
	};
	int ret;

	(*calls)++;
	ret = io_uring_enter2(ring->ring_fd, ex_uring_flush_sq(ring), 1,
			      IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG,
			      (sigset_t *)&arg, sizeof(arg));
	return ret < 0 ? ret : 0;
}

/* Submit what is queued without waiting: one io_uring_enter(). */
static inline int ex_uring_submit(struct io_uring *ring, uint64_t *calls)
{
	int ret;

	(*calls)++;
	ret = io_uring_enter(ring->ring_fd, ex_uring_flush_sq(ring), 0, 0,
			     NULL);
	return ret < 0 ? ret : 0;
}

/* A free SQE, submitting the queue once if it is full. */
static inline struct io_uring_sqe *ex_uring_sqe(struct io_uring *ring,
						uint64_t *calls)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	int ret;

	if (!sqe) {
		ret = ex_uring_submit(ring, calls);
		if (ret)
			ex_die("io_uring_enter: %s", strerror(-ret));
		sqe = io_uring_get_sqe(ring);
		if (!sqe)
			ex_die("no free SQE");
	}
	return sqe;
}

#endif /* EX_URING_H */
