// SPDX-License-Identifier: GPL-2.0
/*
 * A full CQ ends a recv-zc request with -ENOSPC and loses no data.
 *
 * The ring has an 8-entry CQ. For several rounds the receiver arms
 * recv-zc and reaps nothing until the request has ended: it only lets
 * the kernel run (io_uring_get_events) while a sender keeps the socket
 * busy. The request must end, without F_MORE, with -ENOSPC, after
 * exactly 8 data CQEs (the full CQ); the ending CQE comes through the
 * overflow list. The receiver then checks the 8 chunks, returns them,
 * re-arms, and after the rounds receives the rest of the 16 MiB stream
 * normally (still re-arming after each -ENOSPC): every byte must arrive
 * once and in order, so nothing was lost or repeated at the -ENOSPC.
 * One stream, so one case.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "zcrx_util.h"

#define AREA_LEN	(1 * ZU_MIB)
#define STREAM_LEN	(16ull * ZU_MIB)
#define CQ_ENTRIES	8
#define ROUNDS		16
#define END_WAIT_MS	20000

static struct io_uring ring;
static struct zu_recv r;
static struct zu_ifq z;

/* Has the request ended? Its last CQE is in the CQ or overflowed. */
static bool ended(unsigned int *ready, bool *overflow)
{
	struct io_uring_cqe *cqe;
	unsigned int head;

	*ready = io_uring_cq_ready(&ring);
	*overflow = IO_URING_READ_ONCE(*ring.sq.kflags) & IORING_SQ_CQ_OVERFLOW;
	if (*overflow)
		return true;
	io_uring_for_each_cqe(&ring, head, cqe)
		if (!(cqe->flags & IORING_CQE_F_MORE))
			return true;
	return false;
}

static void round_noreap(int round)
{
	unsigned int ready = 0, data = 0;
	struct io_uring_cqe *cqe;
	bool overflow = false;
	int waited = 0, end = 1, ret;

	/* let the kernel run, reap nothing, until the request ends */
	for (;;) {
		ret = io_uring_get_events(&ring);
		if (ret < 0)
			tst_fail("round %d: expected io_uring_get_events() to work, got %s",
				 round, zu_errname(ret));
		if (ended(&ready, &overflow))
			break;
		if (waited >= END_WAIT_MS)
			tst_fail("round %d: expected the unreaped request to end with -ENOSPC once the %u-entry CQ is full, got no end within %d ms: %u CQEs in the CQ, no overflow, %ld bytes waiting in the socket, %llu bytes received",
				 round, CQ_ENTRIES, END_WAIT_MS, ready,
				 zu_inq(r.fd), (unsigned long long)r.bytes);
		usleep(2000);
		waited += 2;
	}

	/* now reap: the data CQEs, then the end (maybe from the overflow) */
	while (end > 0 && !io_uring_peek_cqe(&ring, &cqe)) {
		enum zu_cqe_kind k = zu_handle_cqe(&r, cqe);

		if (k == ZU_CQE_DATA)
			data++;
		else
			end = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
		zu_return_held(&r, SIZE_MAX);
	}
	if (end > 0) {
		cqe = zu_recv_wait(&r, 5000);
		if (zu_handle_cqe(&r, cqe) == ZU_CQE_DATA)
			tst_fail("round %d: expected the request's end after the full CQ was reaped, got another data CQE (res %d)",
				 round, cqe->res);
		end = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
	}
	if (end == 0)
		tst_fail("round %d: expected -ENOSPC with the CQ full, got EOF (stream too short for the test)",
			 round);
	if (end != -ENOSPC)
		tst_fail("round %d: expected the request to end with -ENOSPC when the CQ is full, got %s",
			 round, zu_errname(end));
	if (data != CQ_ENTRIES)
		tst_fail("round %d: expected %u data CQEs (a full CQ) before -ENOSPC, got %u (overflow flag %d)",
			 round, CQ_ENTRIES, data, overflow);
	zu_rearm_after_end(&r, end);
}

static struct zu_sender *snd;

static void cq_full_no_loss(void)
{
	int round;

	zu_arm(&r);
	for (round = 1; round <= ROUNDS; round++)
		round_noreap(round);
	zu_recv_all(&r);
	zu_wait_sender(snd);

	printf("# %d unreaped rounds ended -ENOSPC after %u CQEs each; %llu bytes intact in %lu CQEs, %lu -ENOSPC, %lu -ENOMEM\n",
	       ROUNDS, CQ_ENTRIES, (unsigned long long)r.bytes, r.cqes,
	       r.enospc, r.enomem);
}

int main(void)
{
	int rx, tx;

	signal(SIGPIPE, SIG_IGN);
	zu_require_zcrx();
	tst_plan(1);
	zu_tcp_pair(&rx, &tx);
	snd = zu_start_sender(tx, STREAM_LEN, 256 * 1024);
	zu_ring_init_or_die(&ring, 4, CQ_ENTRIES, 0);
	if (ring.cq.ring_entries != CQ_ENTRIES)
		tst_fail("expected a %u-entry CQ, got %u", CQ_ENTRIES,
			 ring.cq.ring_entries);
	zu_ifq_setup(&z, &ring, AREA_LEN, 256, false);
	zu_recv_init(&r, &z, rx, STREAM_LEN, ZU_REFILL_EAGER);

	TST_CASE(cq_full_no_loss);

	zu_recv_free(&r);
	io_uring_queue_exit(&ring);
	zu_ifq_unmap(&z);
	close(rx);
	return tst_exit();
}
