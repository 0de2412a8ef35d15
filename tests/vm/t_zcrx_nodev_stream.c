// SPDX-License-Identifier: GPL-2.0
/*
 * A 64 MiB TCP stream over loopback through a 1 MiB NODEV area, received
 * with multishot recv-zc and eager refill: every byte arrives, in order,
 * at area_base + (CQE off & ~IORING_ZCRX_AREA_MASK); each buffer goes back
 * through the refill ring as soon as it is checked (one entry per data
 * CQE, off = (cqe_off & ~MASK) | rq_area_token, len = res); the request is
 * re-armed when it ends with -ENOSPC or -ENOMEM, and ends with res 0 at
 * EOF. The area is 64 times smaller than the stream, so every buffer
 * makes the round trip many times.
 */
#include <signal.h>
#include <string.h>
#include <time.h>

#include "zcrx_util.h"

#define AREA_LEN	(1 * ZU_MIB)
#define STREAM_LEN	(64ull * ZU_MIB)
#define RQ_ENTRIES	4096

static struct zu_sender *snd;
static struct zu_recv r;
static struct zu_ifq z;

static void stream_eager_refill(void)
{
	struct timespec t0, t1;
	double s;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	zu_recv_all(&r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	zu_wait_sender(snd);

	/* the area went round many times: buffers were really reused */
	if (r.returned < STREAM_LEN / AREA_LEN)
		tst_fail("expected at least %llu buffers returned, got %lu",
			 STREAM_LEN / AREA_LEN, r.returned);
	s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("# %llu bytes in %lu CQEs, %.2f s (%.1f MiB/s); %lu re-arms (%lu -ENOSPC, %lu -ENOMEM), %lu buffers returned\n",
	       (unsigned long long)r.bytes, r.cqes, s, r.bytes / ZU_MIB / s,
	       r.rearms, r.enospc, r.enomem, r.returned);
}

int main(void)
{
	struct io_uring ring;
	int rx, tx;

	signal(SIGPIPE, SIG_IGN);
	zu_require_zcrx();
	tst_plan(1);
	zu_tcp_pair(&rx, &tx);
	snd = zu_start_sender(tx, STREAM_LEN, 256 * 1024);

	zu_ring_init_or_die(&ring, 64, 4096, 0);
	zu_ifq_setup(&z, &ring, AREA_LEN, RQ_ENTRIES, false);
	zu_recv_init(&r, &z, rx, STREAM_LEN, ZU_REFILL_EAGER);

	TST_CASE(stream_eager_refill);

	zu_recv_free(&r);
	io_uring_queue_exit(&ring);
	zu_ifq_unmap(&z);
	close(rx);
	return tst_exit();
}
