// SPDX-License-Identifier: GPL-2.0
/*
 * True zero copy end to end: an ifq bound to rx queue 1 of a vnic, a TCP
 * flow steered to that queue by an ntuple rule, 24 MiB received with
 * multishot recv-zc through a 4 MiB area, every byte checked (and checked
 * again when its buffer goes back), while a second flow on queue 0 goes
 * through the normal stack. Then the counters must prove the zero copy:
 * the ifq's fdinfo says every byte came from net_iovs (zc_bytes = stream,
 * copy_bytes = 0), vnic placed at least that much payload in provider
 * memory on queue 1 and none on queue 0, and the other flow arrived
 * intact.
 *
 * Cases, one stage of that each: bind_queue, zc_stream, other_flow_intact,
 * fdinfo_all_zero_copy, provider_placement (these two need the whole
 * stream in), area_unpinned (after the ring exit, whatever went before).
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "zcrx_util.h"
#include "zcrx_vnic.h"

#define AREA_LEN	(4 * ZU_MIB)
#define STREAM_LEN	(24ull * ZU_MIB)
#define OTHER_LEN	(8ull * ZU_MIB)
#define RQ_ENTRIES	4096
#define ZC_PORT		9000
#define OTHER_PORT	9001
#define ZC_QUEUE	1

/* The flow on queue 0: plain recv(), checked. */
struct other_rx {
	int		fd;
	uint64_t	bytes;
	long		bad;	/* first bad stream position, or -1 */
};

static void *other_rx_main(void *arg)
{
	static uint8_t buf[256 * 1024];
	struct other_rx *o = arg;
	ssize_t n;
	long bad;

	o->bad = -1;
	while ((n = recv(o->fd, buf, sizeof(buf), 0)) > 0) {
		bad = zu_check_pattern(buf, o->bytes, n);
		if (bad >= 0 && o->bad < 0)
			o->bad = o->bytes + bad;
		o->bytes += n;
	}
	return NULL;
}

/* What the cases share, and what area_unpinned closes. */
static struct zv_pair p;
static struct io_uring ring;
static bool ring_up;
static struct zu_ifq z;
static bool bound;
static struct zu_recv r;
static bool recv_inited;
static int lfd = -1, rx = -1, olfd = -1;
static struct other_rx other = { .fd = -1 };
static struct zu_sender *other_snd;
static pthread_t other_th;
static bool other_started;	/* receiver thread and sender running */
static bool stream_done;	/* all STREAM_LEN bytes in and checked */

static void bind_queue(void)
{
	int ret;

	zu_ifq_prepare(&z, &ring, AREA_LEN, RQ_ENTRIES, false);
	z.reg.flags = 0;
	z.reg.if_idx = p.ifindex;
	z.reg.if_rxq = ZC_QUEUE;
	ret = zu_ifq_register(&z);
	if (ret) {
		zu_ifq_unmap(&z);
		tst_fail("expected to bind an ifq to %s queue %d, got %s",
			 VN_B, ZC_QUEUE, zu_errname(ret));
	}
	bound = true;
}

static void zc_stream(void)
{
	/* The other flow's receiver gives up after this long without data. */
	struct timeval tv = { .tv_sec = 30 };
	struct zu_sender *snd;
	struct timespec t0, t1;
	int tx, otx;
	double s;

	if (!bound)
		tst_skip("no ifq on %s queue %d: bind_queue failed", VN_B,
			 ZC_QUEUE);

	/* The other flow first, so that both run at the same time. */
	olfd = vn_listen(VN_B_ADDR, OTHER_PORT);
	otx = zv_connect(&p, OTHER_PORT);
	other.fd = vn_accept(olfd, 5000);
	setsockopt(other.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (pthread_create(&other_th, NULL, other_rx_main, &other))
		tst_fail("expected a receiver thread for the other flow");
	other_snd = zu_start_sender(otx, OTHER_LEN, 64 * 1024);
	other_started = true;

	lfd = vn_listen(VN_B_ADDR, ZC_PORT);
	tx = zv_connect(&p, ZC_PORT);
	rx = vn_accept(lfd, 5000);
	snd = zu_start_sender(tx, STREAM_LEN, 256 * 1024);

	zu_recv_init(&r, &z, rx, STREAM_LEN, ZU_REFILL_EAGER);
	recv_inited = true;
	r.recheck = true;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	zu_recv_all(&r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	zu_wait_sender(snd);
	stream_done = true;

	s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("# %llu bytes zero-copy in %lu CQEs, %.2f s (%.1f MiB/s); %lu buffers returned\n",
	       (unsigned long long)r.bytes, r.cqes, s, r.bytes / ZU_MIB / s,
	       r.returned);
}

static void other_flow_intact(void)
{
	if (!other_started)
		tst_skip("the queue 0 flow did not start: zc_stream failed or was skipped before it");
	other_started = false;
	pthread_join(other_th, NULL);
	/* A receiver that gave up must not leave the sender blocked. */
	if (other.bytes != OTHER_LEN)
		shutdown(other.fd, SHUT_RDWR);
	tst_check(other.bytes == OTHER_LEN && other.bad < 0,
		  "expected the queue 0 flow to deliver %llu good bytes, got %llu (first bad byte at %ld)",
		  OTHER_LEN, (unsigned long long)other.bytes, other.bad);
	zu_wait_sender(other_snd);
}

static void need_stream(void)
{
	if (!stream_done)
		tst_skip("the zero-copy stream did not complete: zc_stream failed or was skipped");
}

/* The ifq's own count: every byte from net_iovs, none copied. */
static void fdinfo_all_zero_copy(void)
{
	struct zv_ifq_info info;

	need_stream();
	if (zv_ifq_info(ring.ring_fd, z.id, &info))
		tst_fail("expected a ZcrxIfq%u line in the ring's fdinfo", z.id);
	tst_check(info.ifindex == (unsigned int)p.ifindex &&
		  info.rxq == ZC_QUEUE,
		  "expected fdinfo to show ifindex %d queue %d, got %u and %u",
		  p.ifindex, ZC_QUEUE, info.ifindex, info.rxq);
	tst_check(info.zc_bytes == STREAM_LEN && !info.copy_bytes,
		  "expected all %llu bytes zero-copy and none copied, got zc_bytes=%llu copy_bytes=%llu",
		  STREAM_LEN, info.zc_bytes, info.copy_bytes);
}

/* vnic's count: the payload went to provider memory on queue 1 only. */
static void provider_placement(void)
{
	long long placed, placed0;

	need_stream();
	placed = vn_stat(VN_B, "rx1_provider_bytes");
	placed0 = vn_stat(VN_B, "rx0_provider_bytes");
	tst_check(placed >= (long long)STREAM_LEN && !placed0,
		  "expected vnic to place >= %llu payload bytes in provider memory on queue 1 and none on queue 0, got %lld and %lld",
		  STREAM_LEN, placed, placed0);
	tst_check(vn_stat(VN_B, "rx0_packets") > 0,
		  "expected the other flow's packets on queue 0");
	printf("# queue 1 placed %lld B in the area, dropped %lld frames for lack of buffers\n",
	       placed, vn_stat(VN_B, "rx1_drops_nobuf"));
}

/* Everything closed: every area page unpinned after the ring exit. */
static void area_unpinned(void)
{
	long pinned;

	if (recv_inited)
		zu_recv_free(&r);
	recv_inited = false;
	if (rx >= 0)
		close(rx);
	if (lfd >= 0)
		close(lfd);
	if (other.fd >= 0)
		close(other.fd);
	if (olfd >= 0)
		close(olfd);
	rx = lfd = other.fd = olfd = -1;
	if (ring_up)
		io_uring_queue_exit(&ring);
	ring_up = false;
	if (bound)
		zu_ifq_unmap(&z);
	bound = false;
	pinned = zu_wait_vmpin(0, 5000);
	if (pinned)
		tst_fail("expected every area page unpinned after the ring exit, VmPin is %ld kB",
			 pinned);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	zu_require_zcrx();
	/* Left behind by a failure outside the cases, the pair goes at exit. */
	zv_pair_setup(&p);
	vn_ntuple_add_or_die(VN_B, "tcp4", ZC_PORT, ZC_QUEUE, -1);
	zu_ring_init_or_die(&ring, 64, 4096, 0);
	ring_up = true;

	tst_plan(6);
	TST_CASE(bind_queue);
	TST_CASE(zc_stream);
	TST_CASE(other_flow_intact);
	TST_CASE(fdinfo_all_zero_copy);
	TST_CASE(provider_placement);
	TST_CASE(area_unpinned);

	if (ring_up)
		io_uring_queue_exit(&ring);
	zv_pair_delete(&p);
	return tst_exit();
}
