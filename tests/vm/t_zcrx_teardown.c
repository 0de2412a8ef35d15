// SPDX-License-Identifier: GPL-2.0
/*
 * Teardown: closing the ring, or the process dying, takes everything back.
 *
 * (a) A child registers, receives part of a stream, holds every buffer
 *     and is killed with SIGKILL; the parent registers at once and
 *     streams 8 MiB fine.
 * (b) The ring is closed while a recv-zc request is armed: issued inline
 *     with no data yet; issued inline with buffers held and more data
 *     waiting; submitted with IOSQE_ASYNC and closed at once; submitted
 *     with IOSQE_ASYNC and closed after it went to poll. The socket stays
 *     usable with plain recv().
 * (c) Register and close the ring 50 times in a row, alternating user and
 *     kernel (mmapped, still mapped at close) refill regions.
 *
 * After each part the pages the areas pinned (VmPin) must go back to what
 * they were before; the harness runs kmemleak at the end of the boot.
 *
 * Each part, and each way of closing in (b), is a case with its own ring
 * and sockets. (a) forks, so it runs first: in UML a child forked after
 * the process mapped a ring hits "BUG: Bad page map" when it exits.
 */
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zcrx_util.h"

#define AREA_LEN	(1 * ZU_MIB)
#define RQ_ENTRIES	256
#define PIN_WAIT_MS	5000

static long pin_start, pin_base;

/*
 * VmPin before a case: what it was at the start, or, after a case that
 * failed with pages still pinned, whatever is left of them after
 * PIN_WAIT_MS, so that they do not fail this case too.
 */
static void pin_baseline(void)
{
	pin_base = zu_wait_vmpin(pin_start, PIN_WAIT_MS);
}

static void check_unpinned(const char *after)
{
	long pin = zu_wait_vmpin(pin_base, PIN_WAIT_MS);

	if (pin != pin_base)
		tst_fail("%s: expected VmPin back to %ld kB within %d ms, got %ld kB",
			 after, pin_base, PIN_WAIT_MS, pin);
}

/* The child of part (a): receive, hold everything, report, wait. */
static void child_hold(int rx, int report)
{
	struct io_uring ring;
	struct zu_recv r;
	struct zu_ifq z;

	zu_ring_init_or_die(&ring, 16, 1024, 0);
	zu_ifq_setup(&z, &ring, AREA_LEN, RQ_ENTRIES, false);
	zu_recv_init(&r, &z, rx, UINT64_MAX, ZU_REFILL_LAZY);
	zu_arm(&r);
	while (zu_held(&r) < AREA_LEN / ZU_PAGE / 2 && r.armed) {
		struct io_uring_cqe *cqe = zu_recv_wait(&r, 20000);

		do {
			zu_handle_cqe(&r, cqe);
			io_uring_cqe_seen(&ring, cqe);
		} while (!io_uring_peek_cqe(&ring, &cqe));
	}
	if (zu_vmpin_kb() < AREA_LEN / 1024)
		tst_fail("child: expected the %u kB area pinned, got VmPin %ld kB",
			 AREA_LEN / 1024, zu_vmpin_kb());
	if (write(report, "h", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

static void stream(const char *what, uint64_t len)
{
	struct io_uring ring;
	struct zu_recv r;
	struct zu_sender *snd;
	struct zu_ifq z;
	int rx, tx, ret;

	zu_tcp_pair(&rx, &tx);
	snd = zu_start_sender(tx, len, 256 * 1024);
	zu_ring_init_or_die(&ring, 16, 1024, 0);
	zu_ifq_prepare(&z, &ring, AREA_LEN, RQ_ENTRIES, false);
	ret = zu_ifq_register(&z);
	if (ret)
		tst_fail("%s: expected to register again at once, got %s",
			 what, zu_errname(ret));
	zu_recv_init(&r, &z, rx, len, ZU_REFILL_EAGER);
	zu_recv_all(&r);
	zu_wait_sender(snd);
	zu_recv_free(&r);
	io_uring_queue_exit(&ring);
	zu_ifq_unmap(&z);
	close(rx);
}

/* (a) */
static void sigkill_holder(void)
{
	struct zu_sender *snd;
	int rx, tx, p[2], errp[2], st = 0;
	const char *why;
	char c, msg[400];
	pid_t child;

	pin_baseline();
	zu_tcp_pair(&rx, &tx);
	snd = zu_start_sender(tx, 64ull * ZU_MIB, 256 * 1024);
	if (pipe(p) || pipe(errp))
		tst_fail("expected a pipe, got %s", strerror(errno));
	fflush(NULL);
	child = fork();
	if (child < 0)
		tst_fail("expected fork() to work, got %s", strerror(errno));
	if (!child) {
		close(p[0]);
		close(errp[0]);
		close(tx);	/* the sender thread's, not the child's */
		/* its tst_fail() line goes to the parent's case */
		if (dup2(errp[1], STDERR_FILENO) < 0)
			_exit(TST_FAIL);
		child_hold(rx, p[1]);
	}
	close(p[1]);
	close(errp[1]);
	close(rx);
	if (read(p[0], &c, 1) != 1) {
		/* the child failed and said why */
		why = tst_child_why(errp[0], msg, sizeof(msg));
		waitpid(child, &st, 0);
		close(p[0]);
		close(errp[0]);
		zu_join_sender(snd);
		if (WIFEXITED(st) && WEXITSTATUS(st) == TST_SKIP)
			tst_skip("%s", why);
		if (WIFEXITED(st))
			tst_fail("the child holding the buffers failed (exit %d): %s",
				 WEXITSTATUS(st), why);
		tst_fail("the child holding the buffers failed (status %#x): %s",
			 st, why);
	}
	close(p[0]);
	if (kill(child, SIGKILL))
		tst_fail("expected to kill the child, got %s", strerror(errno));
	if (waitpid(child, &st, 0) != child || !WIFSIGNALED(st) ||
	    WTERMSIG(st) != SIGKILL)
		tst_fail("expected the child killed by SIGKILL, got status %#x",
			 st);
	close(errp[0]);
	/* the sender sees the connection go away */
	zu_join_sender(snd);

	stream("after SIGKILL of a holder", 8ull * ZU_MIB);
	check_unpinned("(a) SIGKILL of a process holding every buffer");
}

enum close_how { NO_DATA, HOLDING, ASYNC_AT_ONCE, ASYNC_POLLED };

static const char *const how_case[] = {
	"close_no_data",
	"close_holding",
	"close_async_at_once",
	"close_async_polled",
};

static const char *const how_name[] = {
	"armed inline with no data",
	"armed inline, buffers held and data waiting",
	"submitted with IOSQE_ASYNC, closed at once",
	"submitted with IOSQE_ASYNC, closed after it went to poll",
};

/* (b), one case per way */
static void close_armed(void *arg)
{
	enum close_how how = (uintptr_t)arg;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	struct zu_recv r;
	struct zu_ifq z;
	char buf[64];
	int rx, tx, ret;

	pin_baseline();
	zu_tcp_pair(&rx, &tx);
	zu_ring_init_or_die(&ring, 16, 1024, 0);
	zu_ifq_setup(&z, &ring, AREA_LEN, RQ_ENTRIES, false);
	zu_recv_init(&r, &z, rx, UINT64_MAX, ZU_REFILL_LAZY);

	if (how == HOLDING) {
		uint8_t *data = malloc(512 * 1024);

		if (!data)
			tst_fail("expected memory, got none");
		zu_fill_pattern(data, 0, 512 * 1024);
		if (write(tx, data, 512 * 1024) != 512 * 1024)
			tst_fail("expected to write 512 KiB to the socket, got %s",
				 strerror(errno));
		free(data);
		zu_arm(&r);
		/* take some CQEs, hold them, leave the rest waiting */
		while (zu_held(&r) < 16 && r.armed) {
			struct io_uring_cqe *cqe = zu_recv_wait(&r, 20000);

			zu_handle_cqe(&r, cqe);
			io_uring_cqe_seen(&ring, cqe);
		}
		if (write(tx, "more", 4) != 4)
			tst_fail("expected to write to the socket, got %s",
				 strerror(errno));
	} else {
		sqe = io_uring_get_sqe(&ring);
		io_uring_prep_recv_zc(sqe, rx, z.id, 0, IORING_RECV_MULTISHOT);
		sqe->user_data = r.user_data;
		if (how == ASYNC_AT_ONCE || how == ASYNC_POLLED)
			sqe->flags |= IOSQE_ASYNC;
		ret = io_uring_submit(&ring);
		if (ret != 1)
			tst_fail("%s: expected the SQE submitted, got %s",
				 how_name[how], zu_errname(ret));
		if (how == ASYNC_POLLED) {
			/* let io-wq arm the poll; no CQE may come */
			usleep(50000);
			io_uring_get_events(&ring);
			if (io_uring_cq_ready(&ring))
				tst_fail("%s: expected no CQE before data, got %u",
					 how_name[how], io_uring_cq_ready(&ring));
		}
	}
	io_uring_queue_exit(&ring);
	zu_recv_free(&r);
	zu_ifq_unmap(&z);

	/* the socket is still a socket: plain recv() works */
	if (write(tx, "plain", 5) != 5)
		tst_fail("%s: expected the socket writable after the ring closed, got %s",
			 how_name[how], strerror(errno));
	shutdown(tx, SHUT_WR);
	do {
		ret = recv(rx, buf, sizeof(buf), 0);
	} while (ret > 0);
	if (ret < 0)
		tst_fail("%s: expected plain recv() to work after the ring closed, got %s",
			 how_name[how], strerror(errno));
	close(rx);
	close(tx);
	check_unpinned(how_name[how]);
}

/* (c) */
static void register_close_cycles(void)
{
	struct io_uring ring;
	struct zu_ifq z;
	int i;

	pin_baseline();
	for (i = 0; i < 50; i++) {
		bool kernel = i & 1;

		zu_ring_init_or_die(&ring, 4, 0, 0);
		zu_ifq_setup(&z, &ring, 64 * ZU_PAGE, 64, kernel);
		io_uring_queue_exit(&ring);
		if (kernel) {
			/* the mapping outlives the ring: still our memory */
			__atomic_store_n(z.rq.ktail, 1, __ATOMIC_RELEASE);
		}
		zu_ifq_unmap(&z);
	}
	check_unpinned("(c) 50 register/close cycles");
}

int main(void)
{
	unsigned int i;

	signal(SIGPIPE, SIG_IGN);
	zu_require_zcrx();
	pin_start = zu_vmpin_kb();
	if (pin_start < 0)
		tst_skip("no VmPin in /proc/self/status");
	tst_plan(2 + ZU_ARRAY_SIZE(how_case));

	/* it forks: before this process maps any ring */
	TST_CASE(sigkill_holder);
	for (i = NO_DATA; i <= ASYNC_POLLED; i++)
		tst_case(how_case[i], close_armed, (void *)(uintptr_t)i);
	TST_CASE(register_close_cycles);
	return tst_exit();
}
