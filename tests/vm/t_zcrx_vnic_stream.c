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
 */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
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

int main(void)
{
	struct zv_ifq_info info;
	struct zu_sender *snd, *other_snd;
	struct other_rx other = { 0 };
	long long placed, placed0;
	struct io_uring ring;
	struct timespec t0, t1;
	struct zv_pair p;
	struct zu_recv r;
	struct zu_ifq z;
	pthread_t other_th;
	int lfd, olfd, rx, tx, otx, ret;
	long pinned;
	double s;

	signal(SIGPIPE, SIG_IGN);
	zu_require_zcrx();
	zv_pair_setup(&p);
	vn_ntuple_add_or_die(VN_B, "tcp4", ZC_PORT, ZC_QUEUE, -1);

	zu_ring_init_or_die(&ring, 64, 4096, 0);
	zu_ifq_prepare(&z, &ring, AREA_LEN, RQ_ENTRIES, false);
	z.reg.flags = 0;
	z.reg.if_idx = p.ifindex;
	z.reg.if_rxq = ZC_QUEUE;
	ret = zu_ifq_register(&z);
	if (ret)
		tst_fail("expected to bind an ifq to %s queue %d, got %s",
			 VN_B, ZC_QUEUE, zu_errname(ret));

	/* The other flow first, so that both run at the same time. */
	olfd = vn_listen(VN_B_ADDR, OTHER_PORT);
	otx = zv_connect(&p, OTHER_PORT);
	other.fd = vn_accept(olfd, 5000);
	if (pthread_create(&other_th, NULL, other_rx_main, &other))
		tst_fail("expected a receiver thread for the other flow");
	other_snd = zu_start_sender(otx, OTHER_LEN, 64 * 1024);

	lfd = vn_listen(VN_B_ADDR, ZC_PORT);
	tx = zv_connect(&p, ZC_PORT);
	rx = vn_accept(lfd, 5000);
	snd = zu_start_sender(tx, STREAM_LEN, 256 * 1024);

	zu_recv_init(&r, &z, rx, STREAM_LEN, ZU_REFILL_EAGER);
	r.recheck = true;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	zu_recv_all(&r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	zu_wait_sender(snd);
	zu_wait_sender(other_snd);
	pthread_join(other_th, NULL);

	if (other.bytes != OTHER_LEN || other.bad >= 0)
		tst_fail("expected the queue 0 flow to deliver %llu good bytes, got %llu (first bad byte at %ld)",
			 OTHER_LEN, (unsigned long long)other.bytes, other.bad);
	if (zv_ifq_info(ring.ring_fd, z.id, &info))
		tst_fail("expected a ZcrxIfq%u line in the ring's fdinfo", z.id);
	if (info.ifindex != (unsigned int)p.ifindex || info.rxq != ZC_QUEUE)
		tst_fail("expected fdinfo to show ifindex %d queue %d, got %u and %u",
			 p.ifindex, ZC_QUEUE, info.ifindex, info.rxq);
	if (info.zc_bytes != STREAM_LEN || info.copy_bytes)
		tst_fail("expected all %llu bytes zero-copy and none copied, got zc_bytes=%llu copy_bytes=%llu",
			 STREAM_LEN, info.zc_bytes, info.copy_bytes);
	placed = vn_stat(VN_B, "rx1_provider_bytes");
	placed0 = vn_stat(VN_B, "rx0_provider_bytes");
	if (placed < (long long)STREAM_LEN || placed0)
		tst_fail("expected vnic to place >= %llu payload bytes in provider memory on queue 1 and none on queue 0, got %lld and %lld",
			 STREAM_LEN, placed, placed0);
	if (vn_stat(VN_B, "rx0_packets") <= 0)
		tst_fail("expected the other flow's packets on queue 0");

	s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%llu bytes zero-copy in %lu CQEs, %.2f s (%.1f MiB/s), copied 0; %lu buffers returned; queue 1 placed %lld B in the area, dropped %lld frames for lack of buffers\n",
	       (unsigned long long)r.bytes, r.cqes, s, r.bytes / ZU_MIB / s,
	       r.returned, placed, vn_stat(VN_B, "rx1_drops_nobuf"));

	zu_recv_free(&r);
	close(rx);
	close(lfd);
	close(other.fd);
	close(olfd);
	io_uring_queue_exit(&ring);
	zu_ifq_unmap(&z);
	pinned = zu_wait_vmpin(0, 5000);
	if (pinned)
		tst_fail("expected every area page unpinned after the ring exit, VmPin is %ld kB",
			 pinned);
	zv_pair_delete(&p);
	return TST_PASS;
}
