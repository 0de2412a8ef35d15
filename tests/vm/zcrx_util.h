/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the t_zcrx_* VM tests: a zcrx ring, an area, a NODEV
 * registration, a loopback TCP pair with a sender process writing a byte
 * pattern, and a receive loop that checks every byte and returns buffers
 * through the refill ring.
 *
 * Only upstream names are used (<liburing.h> from liburing-ext). Setup
 * problems that are not the behaviour under test end the test with
 * tst_fail() or tst_skip(); what a test checks it checks itself.
 */
#ifndef ZCRX_UTIL_H
#define ZCRX_UTIL_H

#include <liburing.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tst.h"

#define ZU_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define ZU_PAGE		4096u
#define ZU_MIB		(1024u * 1024u)

/* io_uring_register(2) returning 0+ or -errno, for malformed calls. */
int zu_register(int fd, unsigned int opcode, const void *arg,
		unsigned int nr_args);

/* "-EINVAL" and friends, for messages. */
const char *zu_errname(int err);
/* Record a failure unless got is want; the case goes on either way. */
static inline bool zu_expect(const char *what, int got, int want)
{
	return tst_check(got == want, "%s: expected %s, got %s", what,
			 zu_errname(want), zu_errname(got));
}

/*
 * The stream's byte at position i: changes with the byte, the 256-byte
 * block, the page and the MiB, so reordered or stale data shows.
 */
static inline uint8_t zu_pattern(uint64_t i)
{
	return (uint8_t)(i * 7 + (i >> 8) * 13 + (i >> 12) * 0x9d + (i >> 20));
}

void zu_fill_pattern(uint8_t *buf, uint64_t at, size_t len);
/*
 * Index of the first byte of p[0..len) that is not the pattern at
 * stream position at, or -1.
 */
long zu_check_pattern(const uint8_t *p, uint64_t at, size_t len);

/* Ring flags zcrx needs. */
#define ZU_RING_FLAGS	(IORING_SETUP_SINGLE_ISSUER | \
			 IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQE32)

/*
 * io_uring_queue_init_params() with ZU_RING_FLAGS | extra_flags and
 * cq_entries (0: the default). Returns 0 or -errno.
 */
int zu_ring_init(struct io_uring *ring, unsigned int sq_entries,
		 unsigned int cq_entries, unsigned int extra_flags);
/*
 * The same, skipping the test if io_uring is not available and failing
 * it on any other error.
 */
void zu_ring_init_or_die(struct io_uring *ring, unsigned int sq_entries,
			 unsigned int cq_entries, unsigned int extra_flags);

/* Skip unless the kernel has IORING_REGISTER_ZCRX_IFQ and we may use it. */
void zu_require_zcrx(void);

/* An anonymous private mapping; fails the test if mmap fails. */
void *zu_map(size_t len, int prot);

/* An ifq as a test registers it. */
struct zu_ifq {
	struct io_uring			*ring;
	void				*area;
	size_t				area_len;
	bool				kernel_region;
	struct io_uring_zcrx_area_reg	area_reg;
	struct io_uring_region_desc	rd;
	struct io_uring_zcrx_ifq_reg	reg;
	struct io_uring_zcrx_rq		rq;
	void				*rq_ptr;	/* the refill region */
	size_t				rq_len;
	uint32_t			id;
	uint64_t			token;		/* rq_area_token */
};

/*
 * Fill z for a NODEV registration of a new area_len area with an
 * rq_entries refill ring, in user memory or (kernel_region) kernel
 * memory. Nothing is registered yet.
 */
void zu_ifq_prepare(struct zu_ifq *z, struct io_uring *ring, size_t area_len,
		    unsigned int rq_entries, bool kernel_region);
/*
 * io_uring_register_ifq(); on success also maps a kernel region and sets
 * up z->rq, id and token. Returns what io_uring_register_ifq() returned.
 */
int zu_ifq_register(struct zu_ifq *z);
/* prepare + register; fails the test if registration fails. */
void zu_ifq_setup(struct zu_ifq *z, struct io_uring *ring, size_t area_len,
		  unsigned int rq_entries, bool kernel_region);
/*
 * Unmap the area and region (after the ring is gone, or to leak nothing
 * in a process that goes on).
 */
void zu_ifq_unmap(struct zu_ifq *z);

/* ZCRX_CTRL_FLUSH_RQ; returns 0 or -errno. */
int zu_flush_rq(struct zu_ifq *z);

/* A connected loopback TCP pair. */
void zu_tcp_pair(int *rx, int *tx);
/*
 * Start a thread that writes total bytes of the pattern to tx, in writes
 * of up to chunk bytes, then shuts the socket down and closes it. A
 * thread, not a process: a fork() after the ring is mapped is not needed
 * (and copies a process's io_uring mappings). SIGPIPE gets ignored.
 */
struct zu_sender;
struct zu_sender *zu_start_sender(int tx, uint64_t total, size_t chunk);
/* Wait for the sender; fail the test unless it wrote everything. */
void zu_wait_sender(struct zu_sender *s);
/* Wait for it, whatever happened (after the receiver went away). */
void zu_join_sender(struct zu_sender *s);

/* Pages pinned by this process (VmPin of /proc/self/status), in kB. */
long zu_vmpin_kb(void);
/*
 * Wait up to ms milliseconds for VmPin to drop to at most kb; returns
 * the last value seen.
 */
long zu_wait_vmpin(long kb, int ms);
/*
 * Record a failure unless VmPin gets back to at most kb within 5 s (after
 * every ring and area of the process is gone).
 */
void zu_check_vmpin_back(long kb);

/*
 * A buffer userspace holds: area offset (without the area id), length
 * and the stream position of its first byte.
 */
struct zu_buf {
	uint64_t	off;
	uint64_t	pos;
	uint32_t	len;
};

enum zu_refill {
	ZU_REFILL_EAGER,	/* one refill entry per data CQE, at once */
	ZU_REFILL_LAZY,		/* hold until -ENOMEM, then return all */
};

/* The receive state of one recv-zc stream. */
struct zu_recv {
	struct zu_ifq	*z;
	int		fd;
	uint64_t	total;		/* bytes until EOF */
	uint64_t	user_data;
	enum zu_refill	refill;
	bool		flush_before_rearm;	/* lazy: FLUSH_RQ, then re-arm */
	unsigned int	ioprio_extra;	/* or'ed to IORING_RECV_MULTISHOT */
	uint32_t	arm_len;	/* sqe->len of the next arm: byte limit */
	uint64_t	limit_at;	/* stream position the armed limit ends at */

	uint64_t	bytes;		/* received and checked */
	bool		armed;
	bool		eof;

	/* buffers held: a FIFO of held[head..tail) */
	struct zu_buf	*held;
	size_t		held_cap, held_head, held_tail;
	size_t		to_return;	/* lazy: the first to_return are due */
	/*
	 * CQEs userspace holds per area page. With NODEV every chunk is
	 * copied into a buffer of its own, so a CQE must never name a page
	 * still held: that would be a buffer given out twice. (Zero-copy
	 * chunks may share a page: a frag read in two parts.)
	 */
	uint16_t	*page_refs;
	/*
	 * check a buffer's bytes again when returning it: they must not
	 * have changed while userspace held it
	 */
	bool		recheck;
	/* per area page: the stream position and length of its last chunk */
	uint64_t	*page_pos;
	uint32_t	*page_len;

	/*
	 * A CQE with another user_data than the stream's (an event): true if
	 * the test's handler took it, false to fail as any unexpected CQE.
	 */
	bool		(*other_cqe)(struct zu_recv *r,
				     const struct io_uring_cqe *cqe);
	void		*other_arg;

	/* statistics */
	unsigned long	cqes, rearms, enospc, enomem, empty_rearms;
	unsigned long	returned, data_since_arm;
};

void zu_recv_init(struct zu_recv *r, struct zu_ifq *z, int fd,
		  uint64_t total, enum zu_refill refill);
void zu_recv_free(struct zu_recv *r);

/* Submit a multishot recv-zc request for the stream. */
void zu_arm(struct zu_recv *r);
/*
 * The two halves of zu_arm(), for a test that submits itself: queue the
 * request's SQE (not submitted), and mark the stream armed once it was.
 */
void zu_prep_arm(struct zu_recv *r);
void zu_armed(struct zu_recv *r);

static inline size_t zu_held(const struct zu_recv *r)
{
	return r->held_tail - r->held_head;
}

/* Append a buffer to the held FIFO / take the oldest. */
void zu_hold(struct zu_recv *r, uint64_t off, uint32_t len, uint64_t pos);
struct zu_buf zu_unhold(struct zu_recv *r);
/*
 * A buffer taken off the FIFO is being returned: check it again if
 * r->recheck and drop its page reference.
 */
void zu_release(struct zu_recv *r, const struct zu_buf *b);

/*
 * Write up to max refill entries (limited by the ring's space) for the
 * oldest held buffers and commit. Returns how many.
 */
size_t zu_return_held(struct zu_recv *r, size_t max);

/* What a CQE was. */
enum zu_cqe_kind {
	ZU_CQE_DATA,	/* data, checked and held */
	ZU_CQE_EOF,	/* res 0 without F_MORE */
	ZU_CQE_LIMIT,	/* res 0 without F_MORE at the request's byte limit */
	ZU_CQE_END,	/* ended with -ENOSPC or -ENOMEM: re-arm */
};

/*
 * For a failure message: how many bytes of the chunk p[0..len) are not
 * the pattern at pos, and what they are instead (the page's previous
 * chunk, other stream bytes).
 */
const char *zu_explain(const struct zu_recv *r, const uint8_t *p,
		       size_t len, uint64_t pos);

/*
 * Check one CQE of the stream (user_data, flags, offset, the bytes); a
 * data CQE's buffer goes to the held FIFO. Fails the test on anything
 * unexpected, including an end with an errno other than -ENOSPC or
 * -ENOMEM. Does not mark the CQE seen.
 */
enum zu_cqe_kind zu_handle_cqe(struct zu_recv *r,
			       const struct io_uring_cqe *cqe);

/*
 * React to the end of the request as the refill policy says: return
 * buffers (eager: all held; lazy: all held, in ring-sized batches, with
 * FLUSH_RQ between them if flush_before_rearm) and re-arm. Fails the test
 * if the request keeps ending without data.
 */
void zu_rearm_after_end(struct zu_recv *r, int res);

/*
 * Between CQE batches: eager returns every held buffer, lazy continues
 * returning the due ones as space allows.
 */
void zu_refill_step(struct zu_recv *r);

/*
 * The whole stream: arm, wait, check, refill, re-arm, until EOF; checks
 * that exactly total bytes arrived.
 */
void zu_recv_all(struct zu_recv *r);
/*
 * Cancel every request in flight on ring and reap every CQE, so that a
 * case starts clean after one that failed part-way. The cancel's CQE has
 * user_data ZU_CANCEL_TAG.
 */
#define ZU_CANCEL_TAG	0xca9ce1ull
void zu_quiesce(struct io_uring *ring);
/*
 * The same, but return once at least until bytes arrived (or at EOF),
 * with the request possibly still armed.
 */
void zu_recv_until(struct zu_recv *r, uint64_t until);

/*
 * Wait for one CQE (io_uring_wait_cqe), failing the test on error or if
 * none comes within timeout_ms.
 */
struct io_uring_cqe *zu_wait_cqe(struct io_uring *ring, int timeout_ms);
/*
 * The same for a stream: on timeout the failure says what the stream
 * was doing (request armed, bytes waiting in the socket, buffers held,
 * refill entries the kernel has not taken).
 */
struct io_uring_cqe *zu_recv_wait(struct zu_recv *r, int timeout_ms);
/*
 * Before that failure, zu_recv_wait() prints (as "# " lines) the socket's
 * memory and TCP_INFO, the TcpExt drop and prune counters, then calls
 * this if set: a test adds what its NIC counts (zv_pair_setup() prints
 * vB's ethtool -S).
 */
extern void (*zu_stall_report)(void);

/* CLOCK_MONOTONIC in milliseconds. */
long long zu_now_ms(void);

/* Bytes waiting in a socket's receive queue (SIOCINQ), or -errno. */
long zu_inq(int fd);

/*
 * A child process that reports through two pipes: it writes a byte to
 * its ready fd once it got as far as the parent waits for, and its
 * stderr (the "<test>: FAIL: <why>" line of a tst_fail() in it) goes to
 * the parent, which gives it as the reason when the child never got
 * ready. pid 0 and fds -1 when there is none.
 */
struct zu_child {
	pid_t	pid;
	int	ready;		/* read end of the ready pipe */
	int	err;		/* read end of the child's stderr */
};

/* A zu_child with nothing to close. */
void zu_child_init(struct zu_child *c);
/*
 * Fork a child that runs fn(arg, ready_fd) and must not return (it
 * _exit()s or is killed). Fails the running case if it cannot.
 */
void zu_child_start(struct zu_child *c, void (*fn)(void *arg, int ready_fd),
		    void *arg);
/*
 * Wait for the child's ready byte: NULL once it came, else the child's
 * reason (what it said on stderr, read into msg) for never sending it.
 */
const char *zu_child_ready(struct zu_child *c, char *msg, size_t size);
/* SIGKILL the child and reap it; returns its wait status. */
int zu_child_kill(struct zu_child *c);
/* Kill and reap the child if there is one, close the pipes. */
void zu_child_close(struct zu_child *c);

#endif /* ZCRX_UTIL_H */
