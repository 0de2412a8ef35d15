// SPDX-License-Identifier: GPL-2.0
/*
 * Teardown of an ifq bound to a vnic rx queue, mid-stream, in each of the
 * ways that take the queue away:
 *
 * - restart: vB goes down and up while the stream runs (its queues stop,
 *   their page pools go, new ones take provider memory again); the
 *   stream completes, every byte checked, all of it zero-copy;
 * - netdev unregister: the pair is deleted while userspace holds buffers;
 *   the buffers stay readable and go back through the refill ring, the
 *   ring exits, every page is unpinned;
 * - receiver killed: a child receiving on the queue gets SIGKILL; the
 *   queue is free again at once: a new registration on it succeeds as
 *   soon as the child is reaped.
 */
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zcrx_util.h"
#include "zcrx_vnic.h"

#define AREA_LEN	(2 * ZU_MIB)
#define RQ_ENTRIES	1024
#define PORT		9000
#define QUEUE		1

/* A ring with an ifq bound to vB's QUEUE; returns register's result. */
static int bind_ifq(struct zu_ifq *z, struct io_uring *ring,
		    const struct zv_pair *p)
{
	zu_ring_init_or_die(ring, 64, 4096, 0);
	zu_ifq_prepare(z, ring, AREA_LEN, RQ_ENTRIES, false);
	z->reg.flags = 0;
	z->reg.if_idx = p->ifindex;
	z->reg.if_rxq = QUEUE;
	return zu_ifq_register(z);
}

static void bind_ifq_or_die(struct zu_ifq *z, struct io_uring *ring,
			    const struct zv_pair *p)
{
	int ret = bind_ifq(z, ring, p);

	if (ret)
		tst_fail("expected to bind an ifq to %s queue %d, got %s",
			 VN_B, QUEUE, zu_errname(ret));
}

/* A steered connection, the sender writing total bytes. */
static int stream_start(struct zv_pair *p, uint64_t total,
			struct zu_sender **snd, int *lfd)
{
	int tx, rx;

	*lfd = vn_listen(VN_B_ADDR, PORT);
	tx = zv_connect(p, PORT);
	rx = vn_accept(*lfd, 5000);
	*snd = zu_start_sender(tx, total, 128 * 1024);
	return rx;
}

/* One case: a pair, an ifq bound to its queue, a steered stream. */
struct tcase {
	struct zv_pair		p;
	struct io_uring		ring;
	struct zu_ifq		z;
	struct zu_recv		r;
	struct zu_sender	*snd;
	int			lfd, rx;
	long			pinned_before;
	bool			pair_gone;
};

static void tcase_start(struct tcase *t, uint64_t total)
{
	t->pinned_before = zu_vmpin_kb();
	t->pair_gone = false;
	zv_pair_setup(&t->p);
	vn_ntuple_add_or_die(VN_B, "tcp4", PORT, QUEUE, -1);
	bind_ifq_or_die(&t->z, &t->ring, &t->p);
	t->rx = stream_start(&t->p, total, &t->snd, &t->lfd);
	zu_recv_init(&t->r, &t->z, t->rx, total, ZU_REFILL_EAGER);
	t->r.recheck = true;
}

/* Everything goes; every page of the area must be unpinned after. */
static long tcase_end(struct tcase *t, const char *name)
{
	long pinned;

	zu_recv_free(&t->r);
	close(t->rx);
	close(t->lfd);
	io_uring_queue_exit(&t->ring);
	zu_ifq_unmap(&t->z);
	if (!t->pair_gone)
		zv_pair_delete(&t->p);
	pinned = zu_wait_vmpin(t->pinned_before, 5000);
	if (pinned > t->pinned_before)
		tst_fail("%s: expected VmPin back to %ld kB after the ring exit, got %ld kB",
			 name, t->pinned_before, pinned);
	return pinned;
}

static void case_restart(void)
{
	const uint64_t total = 16ull * ZU_MIB;
	struct zv_ifq_info info;
	struct tcase t;

	tcase_start(&t, total);
	zu_recv_until(&t.r, 6 * ZU_MIB);
	vn_sh_or_die("ip link set %s down && ip link set %s up", VN_B, VN_B);
	zu_recv_all(&t.r);
	zu_wait_sender(t.snd);

	if (zv_ifq_info(t.ring.ring_fd, t.z.id, &info))
		tst_fail("expected a ZcrxIfq%u line in the ring's fdinfo",
			 t.z.id);
	if (info.zc_bytes != total || info.copy_bytes)
		tst_fail("restart: expected %llu bytes zero-copy and none copied across the queue restart, got zc_bytes=%llu copy_bytes=%llu",
			 (unsigned long long)total, info.zc_bytes,
			 info.copy_bytes);
	printf("restart: %llu bytes zero-copy across a down/up of %s\n",
	       (unsigned long long)total, VN_B);
	tcase_end(&t, "restart");
}

static void case_unregister(void)
{
	struct tcase t;
	size_t held;
	long pinned;

	tcase_start(&t, 64ull * ZU_MIB);
	zu_recv_until(&t.r, 3 * ZU_MIB);
	/*
	 * Keep what comes next. The NIC drops when the area runs out, so
	 * hold less than the area (half of it).
	 */
	t.r.refill = ZU_REFILL_LAZY;
	zu_recv_until(&t.r, t.r.bytes + AREA_LEN / 4);

	/* Gone while userspace holds buffers and the request is armed. */
	if (zv_pair_delete(&t.p))
		tst_fail("unregister: expected to delete the pair under a bound queue");
	t.pair_gone = true;
	held = zu_held(&t.r);
	/* Still readable and unchanged (recheck), then given back. */
	while (zu_held(&t.r))
		if (!zu_return_held(&t.r, SIZE_MAX) || zu_flush_rq(&t.z))
			tst_fail("unregister: expected held buffers to go back through the refill ring after the netdev went");
	/*
	 * The sender's link is gone with the pair: it stays blocked in
	 * send() until the process exits, so it is not joined.
	 */
	pinned = tcase_end(&t, "unregister");
	printf("unregister: netdev deleted with %zu buffers held; all returned, VmPin %ld kB\n",
	       held, pinned);
}

/* The child: receive on the queue until killed. */
static void killed_child(struct zv_pair *p, int ready_fd)
{
	const uint64_t total = 1024ull * ZU_MIB;
	struct zu_sender *snd;
	struct io_uring ring;
	struct zu_recv r;
	struct zu_ifq z;
	int lfd, rx;

	bind_ifq_or_die(&z, &ring, p);
	rx = stream_start(p, total, &snd, &lfd);
	zu_recv_init(&r, &z, rx, total, ZU_REFILL_EAGER);
	zu_recv_until(&r, 2 * ZU_MIB);
	if (write(ready_fd, "r", 1) != 1)
		_exit(TST_FAIL);
	zu_recv_all(&r);	/* until killed */
	_exit(TST_FAIL);
}

static void case_killed(void)
{
	struct io_uring ring;
	struct zv_pair p;
	struct zu_ifq z;
	int pfd[2], st, ret;
	pid_t pid;
	char c;

	zv_pair_setup(&p);
	vn_ntuple_add_or_die(VN_B, "tcp4", PORT, QUEUE, -1);
	if (pipe(pfd))
		tst_fail("expected a pipe");
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		tst_fail("expected fork() to work");
	if (!pid) {
		close(pfd[0]);
		killed_child(&p, pfd[1]);
	}
	close(pfd[1]);
	if (read(pfd[0], &c, 1) != 1)
		tst_fail("killed: expected the child to receive 2 MiB zero-copy first");
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	if (!WIFSIGNALED(st))
		tst_fail("killed: expected the child to die of SIGKILL, status %#x",
			 st);

	/* The queue was released when the child's ring file went. */
	ret = bind_ifq(&z, &ring, &p);
	if (ret)
		tst_fail("killed: expected a new registration on queue %d at once after the receiver died, got %s",
			 QUEUE, zu_errname(ret));
	printf("killed: queue %d bound again at once after the receiver died\n",
	       QUEUE);
	io_uring_queue_exit(&ring);
	zu_ifq_unmap(&z);
	close(pfd[0]);
	zv_pair_delete(&p);
}

/* No argument: every case; else only the one named (killed, restart, unregister). */
int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;

	signal(SIGPIPE, SIG_IGN);
	zu_require_zcrx();
	/* First: it forks, which must happen before this process has a ring. */
	if (!only || !strcmp(only, "killed"))
		case_killed();
	if (!only || !strcmp(only, "restart"))
		case_restart();
	if (!only || !strcmp(only, "unregister"))
		case_unregister();
	return TST_PASS;
}
