// SPDX-License-Identifier: GPL-2.0
/*
 * Buffers that come back on another CPU. When the receiver reads on one
 * CPU skbs that NAPI built on another, 6.12 does not free them there: it
 * defers the free to the CPU that allocated them (skb_attempt_defer_free(),
 * an IPI only when 32 are waiting), and that CPU frees them in its next
 * NET_RX softirq. Until then the area's buffers stay with those skbs, even
 * after userspace gave them back. A NIC's interrupt runs NAPI on the
 * queue's CPU for every frame, so the next frame frees them before it needs
 * a buffer. vnic does the same (its queue's "interrupt" is affine to a
 * CPU); before it did, NAPI ran wherever the sender ran, and a stream could
 * stall for good: buffers waiting on an idle CPU, every frame dropped for
 * want of them on the other (the KCSAN stall of the restart case).
 *
 * Cases:
 * - napi_on_irq_cpu: sender and receiver both on CPU 0, the queue's
 *   interrupt on CPU 1: NAPI runs on CPU 1 (its NET_RX softirqs count),
 *   as it would for a NIC; before, it ran where the sender ran;
 * - deferred: the sender's thread on CPU 1 writes the whole stream at
 *   once and goes idle; the receiver on CPU 0 does not read until the
 *   window is full, then reads everything, so the skbs it frees are
 *   deferred to the CPU that built them while its window update makes
 *   the rest of the stream be sent from CPU 0. The area (512 buffers) is
 *   larger than the window, so nothing but deferred frees can hold it;
 *   every byte arrives zero-copy;
 * - area_unpinned.
 * Skipped with fewer than two CPUs (UML).
 */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zcrx_util.h"
#include "zcrx_vnic.h"

/* larger than any window TCP grows to here (docs/zcrx.md, Known limitations) */
#define AREA_LEN	(2 * ZU_MIB)
#define STREAM_LEN	(2ull * ZU_MIB)
#define RQ_ENTRIES	1024
#define PORT		9000
#define QUEUE		1
#define SENDER_CPU	1
#define RECEIVER_CPU	0
/* queue 1's interrupt: the second CPU (cpumask_local_spread(1)) */
#define IRQ_CPU		1

static struct zv_pair pair;
static struct io_uring ring;
static struct zu_ifq z;
static long pinned_before;
static int lfd = -1;
static bool have_setup;

static void pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		tst_fail("expected to pin the thread to CPU %d, got %s", cpu,
			 zu_errname(-errno));
}

/* Wait until the socket's queue stops growing: the window is full. */
static long wait_window_full(int fd)
{
	long inq = 0, last = -1;
	int stable_ms = 0, ms;

	for (ms = 0; ms < 10000 && stable_ms < 500; ms += 50) {
		usleep(50 * 1000);
		inq = zu_inq(fd);
		if (inq < 0)
			tst_fail("expected SIOCINQ on the receiver, got %s",
				 zu_errname(inq));
		stable_ms = inq > 0 && inq == last ? stable_ms + 50 : 0;
		last = inq;
	}
	return inq;
}

/* The pair and an ifq bound to its QUEUE, shared by the cases. */
static void setup(void)
{
	zv_pair_setup(&pair);
	vn_ntuple_add_or_die(VN_B, "tcp4", PORT, QUEUE, -1);
	zu_ring_init_or_die(&ring, 64, 4096, 0);
	zu_ifq_prepare(&z, &ring, AREA_LEN, RQ_ENTRIES, false);
	z.reg.flags = 0;
	z.reg.if_idx = pair.ifindex;
	z.reg.if_rxq = QUEUE;
	if (zu_ifq_register(&z))
		tst_fail("expected to bind an ifq to %s queue %d", VN_B, QUEUE);
	lfd = vn_listen(VN_B_ADDR, PORT);
}

/* A steered connection: the sender's socket in *tx, the receiver's back. */
static int connect_pair(int *tx)
{
	int sndbuf = 4 << 20;

	*tx = zv_connect(&pair, PORT);
	/* the whole stream in the send buffer: the sender never waits */
	if (setsockopt(*tx, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)))
		tst_fail("expected SO_SNDBUF, got %s", zu_errname(-errno));
	return vn_accept(lfd, 5000);
}

/* NET_RX softirqs run on each CPU so far (/proc/softirqs). */
static void net_rx_counts(unsigned long long *cpu, int n)
{
	char line[1024], *p, *end;
	FILE *f = fopen("/proc/softirqs", "r");
	int i;

	if (!f)
		tst_fail("expected /proc/softirqs, got %s", zu_errname(-errno));
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, "NET_RX:");
		if (!p)
			continue;
		p += strlen("NET_RX:");
		for (i = 0; i < n; i++) {
			cpu[i] = strtoull(p, &end, 10);
			if (end == p)
				tst_fail("expected %d CPU columns on the NET_RX line of /proc/softirqs, got: %s",
					 n, line);
			p = end;
		}
		fclose(f);
		return;
	}
	fclose(f);
	tst_fail("expected a NET_RX line in /proc/softirqs");
}

/*
 * Sender and receiver on CPU 0, the queue's interrupt on CPU 1: NAPI must
 * run there (NET_RX on CPU 1), not on the CPU that sent.
 */
static void napi_on_irq_cpu(void)
{
	unsigned long long before[2], after[2];
	struct zu_sender *snd;
	struct zu_recv r;
	int tx, rx;

	setup();
	have_setup = true;
	pin_to(RECEIVER_CPU);
	rx = connect_pair(&tx);
	net_rx_counts(before, 2);
	snd = zu_start_sender(tx, STREAM_LEN, 128 * 1024);
	zu_recv_init(&r, &z, rx, STREAM_LEN, ZU_REFILL_EAGER);
	zu_recv_all(&r);
	zu_wait_sender(snd);
	net_rx_counts(after, 2);
	zu_recv_free(&r);
	close(rx);

	printf("# napi_on_irq_cpu: NET_RX softirqs during the stream: CPU 0 %llu, CPU 1 %llu\n",
	       after[0] - before[0], after[1] - before[1]);
	/* with NAPI on the sending CPU (the old vnic) CPU 1 saw 7 */
	tst_check(after[IRQ_CPU] - before[IRQ_CPU] >= 32,
		  "expected NAPI of %s queue %d to run on its interrupt CPU %d (at least 32 NET_RX softirqs there for %llu bytes) with everything else on CPU %d, got %llu",
		  VN_B, QUEUE, IRQ_CPU, STREAM_LEN, RECEIVER_CPU,
		  after[IRQ_CPU] - before[IRQ_CPU]);
}

static void deferred(void)
{
	struct zv_ifq_info before, info;
	struct zu_sender *snd;
	struct zu_recv r;
	int tx, rx;
	long inq;

	if (!have_setup)
		tst_skip("no bound ifq: napi_on_irq_cpu failed to set up");
	if (zv_ifq_info(ring.ring_fd, z.id, &before))
		tst_fail("expected a ZcrxIfq%u line in the ring's fdinfo", z.id);
	rx = connect_pair(&tx);
	pin_to(SENDER_CPU);
	snd = zu_start_sender(tx, STREAM_LEN, STREAM_LEN);
	pin_to(RECEIVER_CPU);

	inq = wait_window_full(rx);
	printf("# deferred: %ld bytes in the socket before the first read\n",
	       inq);

	zu_recv_init(&r, &z, rx, STREAM_LEN, ZU_REFILL_EAGER);
	zu_recv_all(&r);
	zu_wait_sender(snd);

	if (zv_ifq_info(ring.ring_fd, z.id, &info))
		tst_fail("expected a ZcrxIfq%u line in the ring's fdinfo", z.id);
	tst_check(info.zc_bytes - before.zc_bytes == STREAM_LEN &&
		  info.copy_bytes == before.copy_bytes,
		  "deferred: expected %llu more bytes zero-copy and none copied, got %llu more zero-copy and %llu more copied",
		  STREAM_LEN, info.zc_bytes - before.zc_bytes,
		  info.copy_bytes - before.copy_bytes);
	zu_recv_free(&r);
	close(rx);
}

static void area_unpinned(void)
{
	if (!have_setup)
		tst_skip("nothing set up: napi_on_irq_cpu failed");
	close(lfd);
	io_uring_queue_exit(&ring);
	zu_ifq_unmap(&z);
	zv_pair_delete(&pair);
	zu_check_vmpin_back(pinned_before);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	zu_require_zcrx();
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		tst_skip("needs two CPUs, the machine has %ld",
			 sysconf(_SC_NPROCESSORS_ONLN));
	pinned_before = zu_vmpin_kb();

	tst_plan(3);
	TST_CASE(napi_on_irq_cpu);
	TST_CASE(deferred);
	TST_CASE(area_unpinned);
	return tst_exit();
}
