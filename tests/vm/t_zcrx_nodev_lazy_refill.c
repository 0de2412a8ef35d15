// SPDX-License-Identifier: GPL-2.0
/*
 * Lazy refill through a 16-entry refill ring: the receiver holds every
 * buffer until the request ends with -ENOMEM (the 1 MiB NODEV area is
 * exhausted), then returns them all in batches no larger than
 * io_uring_zcrx_rq_space_left(), committing each, and re-arms.
 *
 * Run 1 re-arms after the first batch and keeps returning the rest as the
 * kernel consumes the ring (it takes entries when the area runs dry).
 * Run 2 pushes each batch with ZCRX_CTRL_FLUSH_RQ, which must consume the
 * whole ring at once, and re-arms only when every buffer is back.
 *
 * Both runs must receive a 32 MiB stream intact, hit -ENOMEM many times,
 * and never see the refill ring report more free entries than it has.
 * Each run is a case, with a ring, an ifq and a stream of its own.
 */
#include <signal.h>
#include <string.h>
#include <time.h>

#include "zcrx_util.h"

#define AREA_LEN	(1 * ZU_MIB)
#define STREAM_LEN	(32ull * ZU_MIB)
#define RQ_ENTRIES	16

static void run(bool flush)
{
	struct timespec t0, t1;
	struct io_uring ring;
	struct zu_recv r;
	struct zu_ifq z;
	int rx, tx;
	struct zu_sender *snd;
	double s;

	zu_tcp_pair(&rx, &tx);
	snd = zu_start_sender(tx, STREAM_LEN, 256 * 1024);
	zu_ring_init_or_die(&ring, 64, 1024, 0);
	zu_ifq_setup(&z, &ring, AREA_LEN, RQ_ENTRIES, false);
	if (z.rq.ring_entries != RQ_ENTRIES)
		tst_fail("expected a %u-entry refill ring, got %u", RQ_ENTRIES,
			 z.rq.ring_entries);
	zu_recv_init(&r, &z, rx, STREAM_LEN, ZU_REFILL_LAZY);
	r.flush_before_rearm = flush;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	zu_recv_all(&r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	zu_wait_sender(snd);

	/* each -ENOMEM came after the whole area was held */
	if (r.enomem < STREAM_LEN / AREA_LEN / 2)
		tst_fail("%s: expected the area to run dry about once per MiB (>= %llu -ENOMEM ends), got %lu",
			 flush ? "FLUSH_RQ run" : "plain run",
			 STREAM_LEN / AREA_LEN / 2, r.enomem);
	if (io_uring_zcrx_rq_space_left(&z.rq) > RQ_ENTRIES)
		tst_fail("expected at most %u free refill entries, got %u",
			 RQ_ENTRIES, io_uring_zcrx_rq_space_left(&z.rq));
	s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("# %s: %llu bytes in %lu CQEs, %.2f s; %lu -ENOMEM, %lu -ENOSPC, %lu re-arms, %lu buffers returned\n",
	       flush ? "lazy + FLUSH_RQ" : "lazy", (unsigned long long)r.bytes,
	       r.cqes, s, r.enomem, r.enospc, r.rearms, r.returned);
	zu_recv_free(&r);
	io_uring_queue_exit(&ring);
	zu_ifq_unmap(&z);
	close(rx);
}

static void lazy(void)
{
	run(false);
}

static void lazy_flush_rq(void)
{
	run(true);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	zu_require_zcrx();
	tst_plan(2);
	TST_CASE(lazy);
	TST_CASE(lazy_flush_rq);
	return tst_exit();
}
