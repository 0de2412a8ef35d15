// SPDX-License-Identifier: GPL-2.0
/*
 * Two CPUs at once on one bound queue. The sender runs on CPU 0, so vnic's
 * NAPI for vB's queue 1 (scheduled from the sender's transmit) allocates
 * from the io_uring page pool and consumes the refill ring there, while on
 * CPU 1 the receiver fills the refill ring with every buffer it is done
 * with, flushes it (ZCRX_CTRL_FLUSH_RQ, the second consumer of the ring)
 * every 256 KiB, and a restarter thread binds and unbinds an ifq on queue
 * 2 over and over (each a restart of that queue under rtnl) and takes vB
 * down and up (a restart of queue 1 itself, with the provider, while the
 * receiver holds buffers). At half the stream the receiver stops reaping
 * until the restarter has done a few rounds, so the restarts also meet a
 * full window and held buffers.
 *
 * Cases: stream (32 MiB, every byte checked on arrival and again when its
 * buffer goes back; the restarter saw no error), all_zero_copy (fdinfo:
 * zc_bytes is the stream, copy_bytes 0), two_cpus (the receiver ran on
 * CPU 1 and CPU 0 took NET_RX softirqs meanwhile, from /proc/softirqs),
 * area_unpinned (after the ring exit). The kernel log is checked by the
 * runner as for every test: a lockdep, KASAN or DMA-API report fails it.
 * Skipped with fewer than two CPUs (UML).
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "zcrx_util.h"
#include "zcrx_vnic.h"

#define AREA_LEN	(4 * ZU_MIB)
#define STREAM_LEN	(32ull * ZU_MIB)
#define RQ_ENTRIES	4096
#define PORT		9000
#define QUEUE		1
#define OTHER_QUEUE	2
#define FLUSH_EVERY	(256 * 1024)
#define MAX_FLAPS	3
#define RX_CPU		1
#define TX_CPU		0

struct restarter {
	pthread_t	thread;
	int		ifindex;
	bool		stop;			/* __atomic */
	unsigned long	cycles, flaps;		/* __atomic */
	int		err;
	char		what[160];
};

static struct zv_pair pair;
static struct io_uring ring;
static struct zu_ifq z;
static struct zu_recv r;
static struct zu_sender *snd;
static struct restarter rs;
static int lfd = -1, rx = -1;
static long pinned_before;
static unsigned long long net_rx_before[2], net_rx_after[2];
static int rx_cpu_seen = -1;
static unsigned long flushes;
static bool streamed;

static void pin_to(int cpu)
{
	cpu_set_t set;
	int ret;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	ret = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (ret)
		tst_fail("expected to pin a thread to CPU %d, got %s", cpu,
			 strerror(ret));
}

/* NET_RX softirqs taken so far by CPU 0 and CPU 1. */
static void read_net_rx(unsigned long long n[2])
{
	char line[512];
	FILE *f = fopen("/proc/softirqs", "r");

	n[0] = n[1] = 0;
	if (!f)
		tst_fail("expected /proc/softirqs, got %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " NET_RX: %llu %llu", &n[0], &n[1]) == 2)
			break;
	}
	fclose(f);
}

/* Bind an ifq of a ring of its own to OTHER_QUEUE, then close it all. */
static int bind_other_queue(struct restarter *s)
{
	struct io_uring oring;
	struct zu_ifq oz;
	int ret;

	ret = zu_ring_init(&oring, 8, 0, 0);
	if (ret)
		return ret;
	zu_ifq_prepare(&oz, &oring, 64 * ZU_PAGE, 64, false);
	oz.reg.flags = 0;
	oz.reg.if_idx = s->ifindex;
	oz.reg.if_rxq = OTHER_QUEUE;
	ret = zu_ifq_register(&oz);
	io_uring_queue_exit(&oring);
	zu_ifq_unmap(&oz);
	return ret;
}

static void restarter_fail(struct restarter *s, int err, const char *what)
{
	s->err = err;
	snprintf(s->what, sizeof(s->what), "%s", what);
}

static void *restarter_main(void *arg)
{
	struct restarter *s = arg;
	unsigned long n = 0;
	int ret;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		ret = bind_other_queue(s);
		if (ret) {
			restarter_fail(s, ret, "binding an ifq to queue 2");
			break;
		}
		__atomic_store_n(&s->cycles, ++n, __ATOMIC_RELEASE);
		if (n % 8 != 2 || __atomic_load_n(&s->flaps, __ATOMIC_ACQUIRE) >= MAX_FLAPS)
			continue;
		ret = vn_sh("ip link set %s down && ip link set %s up", VN_B,
			    VN_B);
		if (ret) {
			restarter_fail(s, ret, "ip link set vB down and up");
			break;
		}
		__atomic_add_fetch(&s->flaps, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* Wait until the restarter did min_cycles rounds and a flap, or failed. */
static void wait_restarter(unsigned long min_cycles)
{
	int ms;

	for (ms = 0; ms < 60000; ms += 10) {
		if (rs.err || (__atomic_load_n(&rs.cycles, __ATOMIC_ACQUIRE) >= min_cycles &&
			       __atomic_load_n(&rs.flaps, __ATOMIC_ACQUIRE) >= 1))
			return;
		usleep(10000);
	}
	tst_fail("expected %lu restarter rounds and a flap of %s within 60 s, got %lu and %lu",
		 min_cycles, VN_B, __atomic_load_n(&rs.cycles, __ATOMIC_ACQUIRE),
		 __atomic_load_n(&rs.flaps, __ATOMIC_ACQUIRE));
}

static void setup(void)
{
	int tx, ret;

	zv_pair_setup(&pair);
	vn_ntuple_add_or_die(VN_B, "tcp4", PORT, QUEUE, -1);

	pin_to(RX_CPU);
	zu_ring_init_or_die(&ring, 64, 4096, 0);
	zu_ifq_prepare(&z, &ring, AREA_LEN, RQ_ENTRIES, false);
	z.reg.flags = 0;
	z.reg.if_idx = pair.ifindex;
	z.reg.if_rxq = QUEUE;
	ret = zu_ifq_register(&z);
	if (ret)
		tst_fail("expected to bind an ifq to %s queue %d, got %s",
			 VN_B, QUEUE, zu_errname(ret));

	lfd = vn_listen(VN_B_ADDR, PORT);
	tx = zv_connect(&pair, PORT);
	rx = vn_accept(lfd, 5000);
	/* the sender thread inherits CPU 0, and vnic's NAPI runs there */
	pin_to(TX_CPU);
	snd = zu_start_sender(tx, STREAM_LEN, 128 * 1024);
	pin_to(RX_CPU);
	zu_recv_init(&r, &z, rx, STREAM_LEN, ZU_REFILL_EAGER);
	r.recheck = true;

	rs.ifindex = pair.ifindex;
	ret = pthread_create(&rs.thread, NULL, restarter_main, &rs);
	if (ret)
		tst_fail("expected a restarter thread, got %s", strerror(ret));
}

static void stream(void)
{
	uint64_t next = FLUSH_EVERY;
	bool paused = false;
	int ret;

	setup();
	read_net_rx(net_rx_before);
	while (!r.eof) {
		zu_recv_until(&r, next);
		rx_cpu_seen = sched_getcpu();
		ret = zu_flush_rq(&z);
		if (ret)
			tst_fail("expected ZCRX_CTRL_FLUSH_RQ to succeed mid-stream, got %s",
				 zu_errname(ret));
		flushes++;
		next = r.bytes + FLUSH_EVERY;
		if (!paused && r.bytes >= STREAM_LEN / 2) {
			/* hold everything, let the window fill, restart */
			wait_restarter(__atomic_load_n(&rs.cycles, __ATOMIC_ACQUIRE) + 4);
			paused = true;
		}
	}
	read_net_rx(net_rx_after);
	__atomic_store_n(&rs.stop, true, __ATOMIC_RELEASE);
	pthread_join(rs.thread, NULL);
	rs.thread = 0;
	zu_wait_sender(snd);

	tst_check(r.bytes == STREAM_LEN,
		  "expected %llu bytes before EOF, got %llu",
		  (unsigned long long)STREAM_LEN, (unsigned long long)r.bytes);
	if (rs.err)
		tst_fail("expected the restarter to run without error, got %s from %s after %lu rounds",
			 zu_errname(rs.err), rs.what, rs.cycles);
	if (!tst_check(rs.flaps >= 1 && rs.cycles >= 4 && flushes > 0,
		       "expected restarts of both queues and flushes during the stream, got %lu queue-2 binds, %lu flaps of %s, %lu flushes",
		       rs.cycles, rs.flaps, VN_B, flushes))
		return;
	streamed = true;
	printf("# %llu MiB checked; on CPU %d: %lu flushes, %lu binds of queue 2, %lu flaps of %s\n",
	       (unsigned long long)(STREAM_LEN / ZU_MIB), RX_CPU, flushes,
	       rs.cycles, rs.flaps, VN_B);
}

static void all_zero_copy(void)
{
	struct zv_ifq_info info;

	if (!streamed)
		tst_fail("expected the whole stream first, got %llu bytes",
			 (unsigned long long)r.bytes);
	if (zv_ifq_info(ring.ring_fd, z.id, &info))
		tst_fail("expected a ZcrxIfq%u line in the ring's fdinfo", z.id);
	tst_check(info.zc_bytes == STREAM_LEN && !info.copy_bytes,
		  "expected %llu bytes zero-copy and none copied, got zc_bytes=%llu copy_bytes=%llu",
		  (unsigned long long)STREAM_LEN, info.zc_bytes,
		  info.copy_bytes);
}

static void two_cpus(void)
{
	unsigned long long d0 = net_rx_after[0] - net_rx_before[0];

	if (!streamed)
		tst_fail("expected the whole stream first, got %llu bytes",
			 (unsigned long long)r.bytes);
	tst_check(rx_cpu_seen == RX_CPU,
		  "expected the receiver on CPU %d, got CPU %d", RX_CPU,
		  rx_cpu_seen);
	tst_check(d0 >= 100,
		  "expected CPU %d to take NET_RX softirqs during the stream (vnic's NAPI), got %llu",
		  TX_CPU, d0);
	printf("# NET_RX softirqs during the stream: CPU0 %llu, CPU1 %llu\n",
	       d0, net_rx_after[1] - net_rx_before[1]);
}

static void area_unpinned(void)
{
	long pinned;

	if (rs.thread) {
		__atomic_store_n(&rs.stop, true, __ATOMIC_RELEASE);
		pthread_join(rs.thread, NULL);
	}
	zu_recv_free(&r);
	if (rx >= 0)
		close(rx);
	if (lfd >= 0)
		close(lfd);
	io_uring_queue_exit(&ring);
	zu_ifq_unmap(&z);
	zv_pair_delete(&pair);
	pinned = zu_wait_vmpin(pinned_before, 5000);
	tst_check(pinned <= pinned_before,
		  "expected VmPin back to %ld kB after the ring exit, got %ld kB",
		  pinned_before, pinned);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	zu_require_zcrx();
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		tst_skip("needs two CPUs, the machine has %ld",
			 sysconf(_SC_NPROCESSORS_ONLN));
	pinned_before = zu_vmpin_kb();

	tst_plan(4);
	TST_CASE(stream);
	TST_CASE(all_zero_copy);
	TST_CASE(two_cpus);
	TST_CASE(area_unpinned);
	return tst_exit();
}
