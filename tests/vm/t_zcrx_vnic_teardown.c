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
 *
 * Cases: killed, restart, unregister (in that order: killed forks, which
 * must happen before this process has a ring), each with a pair and a
 * ring of its own. What a case that fails leaves (a child, the ring, the
 * pair) main() closes before the next one starts.
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

/* One case: a pair, an ifq bound to its queue, a steered stream. */
struct tcase {
	struct zv_pair		p;
	struct io_uring		ring;
	struct zu_ifq		z;
	struct zu_recv		r;
	struct zu_sender	*snd;
	int			lfd, rx;
	long			pinned_before;
	/* what there is to close */
	bool			have_pair, have_ring, have_ifq, have_recv;
	struct zu_child		child;		/* killed's receiver */
};

static struct tcase t;

static void tcase_init(struct tcase *t)
{
	memset(t, 0, sizeof(*t));
	t->lfd = t->rx = -1;
	zu_child_init(&t->child);
	t->pinned_before = zu_vmpin_kb();
}

static void tcase_pair(struct tcase *t)
{
	zv_pair_setup(&t->p);
	t->have_pair = true;
	vn_ntuple_add_or_die(VN_B, "tcp4", PORT, QUEUE, -1);
}

/* A ring with an ifq bound to vB's QUEUE; returns register's result. */
static int bind_ifq(struct tcase *t)
{
	zu_ring_init_or_die(&t->ring, 64, 4096, 0);
	t->have_ring = true;
	zu_ifq_prepare(&t->z, &t->ring, AREA_LEN, RQ_ENTRIES, false);
	t->have_ifq = true;
	t->z.reg.flags = 0;
	t->z.reg.if_idx = t->p.ifindex;
	t->z.reg.if_rxq = QUEUE;
	return zu_ifq_register(&t->z);
}

static void bind_ifq_or_die(struct tcase *t)
{
	int ret = bind_ifq(t);

	if (ret)
		tst_fail("expected to bind an ifq to %s queue %d, got %s",
			 VN_B, QUEUE, zu_errname(ret));
}

/* A steered connection, the sender writing total bytes. */
static void stream_start(struct tcase *t, uint64_t total)
{
	int tx;

	t->lfd = vn_listen(VN_B_ADDR, PORT);
	tx = zv_connect(&t->p, PORT);
	t->rx = vn_accept(t->lfd, 5000);
	t->snd = zu_start_sender(tx, total, 128 * 1024);
	zu_recv_init(&t->r, &t->z, t->rx, total, ZU_REFILL_EAGER);
	t->have_recv = true;
}

static void tcase_start(struct tcase *t, uint64_t total)
{
	tcase_init(t);
	tcase_pair(t);
	bind_ifq_or_die(t);
	stream_start(t, total);
	t->r.recheck = true;
}

/*
 * Close what the case has: the child, the stream, the ring, the area, the
 * pair. A sender still blocked in send() is left to the process's exit.
 */
static void tcase_release(struct tcase *t)
{
	zu_child_close(&t->child);
	if (t->have_recv)
		zu_recv_free(&t->r);
	if (t->rx >= 0)
		close(t->rx);
	if (t->lfd >= 0)
		close(t->lfd);
	t->rx = t->lfd = -1;
	if (t->have_ring)
		io_uring_queue_exit(&t->ring);
	if (t->have_ifq)
		zu_ifq_unmap(&t->z);
	if (t->have_pair)
		zv_pair_delete(&t->p);
	else if (vn_link_exists(NULL, VN_B))	/* a setup that failed */
		vn_pair_delete(VN_B);
	t->have_recv = t->have_ring = t->have_ifq = t->have_pair = false;
}

/* Everything goes; every page of the area must be unpinned after. */
static long tcase_end(struct tcase *t, const char *name)
{
	long pinned;

	tcase_release(t);
	pinned = zu_wait_vmpin(t->pinned_before, 5000);
	if (pinned > t->pinned_before)
		tst_fail("%s: expected VmPin back to %ld kB after the ring exit, got %ld kB",
			 name, t->pinned_before, pinned);
	return pinned;
}

static void restart(void)
{
	const uint64_t total = 16ull * ZU_MIB;
	struct zv_ifq_info info;
	long long flap_ms;

	tcase_start(&t, total);
	zu_recv_until(&t.r, 6 * ZU_MIB);
	flap_ms = zu_now_ms();
	vn_sh_or_die("ip link set %s down && ip link set %s up", VN_B, VN_B);
	printf("# restart: down/up of %s at %llu bytes took %lld ms\n", VN_B,
	       (unsigned long long)t.r.bytes, zu_now_ms() - flap_ms);
	zu_recv_all(&t.r);
	zu_wait_sender(t.snd);

	if (zv_ifq_info(t.ring.ring_fd, t.z.id, &info))
		tst_fail("expected a ZcrxIfq%u line in the ring's fdinfo",
			 t.z.id);
	if (tst_check(info.zc_bytes == total && !info.copy_bytes,
		      "restart: expected %llu bytes zero-copy and none copied across the queue restart, got zc_bytes=%llu copy_bytes=%llu",
		      (unsigned long long)total, info.zc_bytes,
		      info.copy_bytes))
		printf("# restart: %llu bytes zero-copy across a down/up of %s\n",
		       (unsigned long long)total, VN_B);
	tcase_end(&t, "restart");
}

static void unregister(void)
{
	size_t held;
	long pinned;
	int ret;

	tcase_start(&t, 64ull * ZU_MIB);
	zu_recv_until(&t.r, 3 * ZU_MIB);
	/*
	 * Keep what comes next. The NIC drops when the area runs out, so
	 * hold less than the area (half of it).
	 */
	t.r.refill = ZU_REFILL_LAZY;
	zu_recv_until(&t.r, t.r.bytes + AREA_LEN / 4);

	/* Gone while userspace holds buffers and the request is armed. */
	ret = zv_pair_delete(&t.p);
	t.have_pair = false;
	if (ret)
		tst_fail("unregister: expected to delete the pair under a bound queue");
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
	printf("# unregister: netdev deleted with %zu buffers held; all returned, VmPin %ld kB\n",
	       held, pinned);
}

/* The child: receive on the queue until killed. */
static void killed_child(void *pair, int ready_fd)
{
	const uint64_t total = 1024ull * ZU_MIB;
	struct tcase c;

	tcase_init(&c);
	c.p = *(const struct zv_pair *)pair;
	bind_ifq_or_die(&c);
	stream_start(&c, total);
	zu_recv_until(&c.r, 2 * ZU_MIB);
	if (write(ready_fd, "r", 1) != 1)
		_exit(TST_FAIL);
	zu_recv_all(&c.r);	/* until killed */
	_exit(TST_FAIL);
}

static void killed(void)
{
	const char *why;
	char msg[512];
	int st, ret;

	tcase_init(&t);
	tcase_pair(&t);
	zu_child_start(&t.child, killed_child, &t.p);
	why = zu_child_ready(&t.child, msg, sizeof(msg));
	if (why)
		tst_fail("killed: expected the child to receive 2 MiB zero-copy first, it did not: %s",
			 why);
	st = zu_child_kill(&t.child);
	if (!WIFSIGNALED(st))
		tst_fail("killed: expected the child to die of SIGKILL, status %#x",
			 st);

	/* The queue was released when the child's ring file went. */
	ret = bind_ifq(&t);
	if (ret)
		tst_fail("killed: expected a new registration on queue %d at once after the receiver died, got %s",
			 QUEUE, zu_errname(ret));
	printf("# killed: queue %d bound again at once after the receiver died\n",
	       QUEUE);
	tcase_release(&t);
}

/* A case, then whatever it left closed. */
#define RUN(fn)	do { TST_CASE(fn); tcase_release(&t); } while (0)

/* No argument: every case; else only the one named (killed, restart, unregister). */
int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;

	if (only && strcmp(only, "killed") && strcmp(only, "restart") &&
	    strcmp(only, "unregister"))
		tst_fail("expected a case to run (killed, restart or unregister), got %s",
			 only);
	signal(SIGPIPE, SIG_IGN);
	zu_require_zcrx();
	tcase_init(&t);

	tst_plan(only ? 1 : 3);
	/* First: it forks, which must happen before this process has a ring. */
	if (!only || !strcmp(only, "killed"))
		RUN(killed);
	if (!only || !strcmp(only, "restart"))
		RUN(restart);
	if (!only || !strcmp(only, "unregister"))
		RUN(unregister);
	return tst_exit();
}
