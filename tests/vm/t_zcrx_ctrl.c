// SPDX-License-Identifier: GPL-2.0
/*
 * IORING_REGISTER_ZCRX_CTRL refuses malformed requests with upstream's
 * errnos: -EINVAL for nr_args != 0 and for FLUSH_RQ with a byte of its
 * reserved union set, -ENXIO for a zcrx_id with no ifq (before and after
 * one is registered), -EFAULT for a reserved header field set and for an
 * unmapped argument, -EOPNOTSUPP for an unknown op.
 * FLUSH_RQ on an empty refill ring succeeds and changes nothing, and
 * FLUSH_RQ after returning received buffers makes the kernel consume
 * every entry up to the tail (head == tail). One case per behaviour; all
 * but the first share one ifq, registered in main().
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zcrx_util.h"

#define DATA_LEN	(48 * ZU_PAGE)	/* more entries than one flush batch (32) */

static struct io_uring ring;
static struct zu_ifq z;

static int ctrl(struct zcrx_ctrl *c)
{
	return io_uring_register_zcrx_ctrl(&ring, c);
}

static void flush_req(struct zcrx_ctrl *c, uint32_t id)
{
	memset(c, 0, sizeof(*c));
	c->zcrx_id = id;
	c->op = ZCRX_CTRL_FLUSH_RQ;
}

/* before any ifq is registered */
static void flush_no_ifq(void)
{
	struct zcrx_ctrl c;

	flush_req(&c, 0);
	zu_expect("FLUSH_RQ on a ring with no ifq", ctrl(&c), -ENXIO);
}

static void nr_args1(void)
{
	struct zcrx_ctrl c;

	flush_req(&c, z.id);
	zu_expect("FLUSH_RQ with nr_args 1",
	       zu_register(ring.ring_fd, IORING_REGISTER_ZCRX_CTRL, &c, 1),
	       -EINVAL);
}

static void nr_args2(void)
{
	struct zcrx_ctrl c;

	flush_req(&c, z.id);
	zu_expect("FLUSH_RQ with nr_args 2",
	       zu_register(ring.ring_fd, IORING_REGISTER_ZCRX_CTRL, &c, 2),
	       -EINVAL);
}

static void zcrx_id_unknown(void)
{
	struct zcrx_ctrl c;

	flush_req(&c, z.id + 1);
	zu_expect("FLUSH_RQ for zcrx_id 1 (only 0 exists)", ctrl(&c), -ENXIO);
}

static void zcrx_id_max(void)
{
	struct zcrx_ctrl c;

	flush_req(&c, 0xffffffffu);
	zu_expect("FLUSH_RQ for zcrx_id 0xffffffff", ctrl(&c), -ENXIO);
}

static void resv0(void)
{
	struct zcrx_ctrl c;

	flush_req(&c, z.id);
	c.__resv[0] = 1;
	zu_expect("ctrl __resv[0] != 0", ctrl(&c), -EFAULT);
}

static void resv1(void)
{
	struct zcrx_ctrl c;

	flush_req(&c, z.id);
	c.__resv[1] = 1ull << 63;
	zu_expect("ctrl __resv[1] != 0", ctrl(&c), -EFAULT);
}

/* every op in the list: -EOPNOTSUPP, each wrong one named */
static void unknown_op(void)
{
	static const uint32_t bad_ops[] = { 4, 99, 0x80000000u, 0xffffffffu };
	struct zcrx_ctrl c;
	unsigned int i;

	for (i = 0; i < ZU_ARRAY_SIZE(bad_ops); i++) {
		char what[48];

		flush_req(&c, z.id);
		c.op = bad_ops[i];
		snprintf(what, sizeof(what), "unknown op %#x", bad_ops[i]);
		zu_expect(what, ctrl(&c), -EOPNOTSUPP);
	}
}

/* every byte of FLUSH_RQ's 48-byte union is reserved */
static void flush_union_byte(void)
{
	struct zcrx_ctrl c;
	unsigned int i;
	uint8_t *u8;

	for (i = 0; i < sizeof(c.zc_flush); i++) {
		char what[64];

		flush_req(&c, z.id);
		u8 = (uint8_t *)&c.zc_flush;
		u8[i] = 0x10;
		snprintf(what, sizeof(what), "FLUSH_RQ with union byte %u set", i);
		zu_expect(what, ctrl(&c), -EINVAL);
	}
}

static void arg_unmapped(void)
{
	void *hole = zu_map(ZU_PAGE, PROT_NONE);

	munmap(hole, ZU_PAGE);
	zu_expect("ctrl argument unmapped",
	       zu_register(ring.ring_fd, IORING_REGISTER_ZCRX_CTRL, hole, 0),
	       -EFAULT);
}

/* FLUSH_RQ on an empty ring: fine, nothing moves */
static void flush_empty(void)
{
	struct io_uring_zcrx_rq *rq = &z.rq;
	struct zcrx_ctrl c;
	uint32_t h0;

	h0 = __atomic_load_n(rq->khead, __ATOMIC_ACQUIRE);
	flush_req(&c, z.id);
	if (!zu_expect("FLUSH_RQ on an empty refill ring", ctrl(&c), 0))
		return;
	if (__atomic_load_n(rq->khead, __ATOMIC_ACQUIRE) != h0)
		tst_fail("FLUSH_RQ on an empty refill ring: expected head %u unchanged, got %u",
			 h0, *rq->khead);
}

/* receive a little, hold it, return it, FLUSH_RQ: all consumed */
static void flush_pending(void)
{
	struct io_uring_zcrx_rq *rq = &z.rq;
	struct zu_sender *snd;
	struct zcrx_ctrl c;
	struct zu_recv r;
	int rx, tx;

	zu_tcp_pair(&rx, &tx);
	snd = zu_start_sender(tx, DATA_LEN, DATA_LEN);
	zu_recv_init(&r, &z, rx, DATA_LEN, ZU_REFILL_LAZY);
	zu_recv_all(&r);
	zu_wait_sender(snd);
	if (!zu_held(&r))
		tst_fail("expected to hold the %u bytes' buffers, got none",
			 DATA_LEN);
	zu_return_held(&r, SIZE_MAX);
	if (io_uring_zcrx_rq_space_left(rq) == rq->ring_entries)
		tst_fail("expected refill entries pending before FLUSH_RQ, got none");
	flush_req(&c, z.id);
	if (!zu_expect("FLUSH_RQ with entries pending", ctrl(&c), 0))
		return;
	if (io_uring_zcrx_rq_space_left(rq) != rq->ring_entries)
		tst_fail("FLUSH_RQ: expected the kernel to consume every entry (head == tail %u), got head %u",
			 rq->rq_tail, *rq->khead);

	printf("# FLUSH_RQ consumed %lu entries\n", r.returned);
	zu_recv_free(&r);
	close(rx);
}

int main(void)
{
	zu_require_zcrx();
	tst_plan(12);
	zu_ring_init_or_die(&ring, 8, 0, 0);

	TST_CASE(flush_no_ifq);
	zu_ifq_setup(&z, &ring, 64 * ZU_PAGE, 64, false);
	TST_CASE(nr_args1);
	TST_CASE(nr_args2);
	TST_CASE(zcrx_id_unknown);
	TST_CASE(zcrx_id_max);
	TST_CASE(resv0);
	TST_CASE(resv1);
	TST_CASE(unknown_op);
	TST_CASE(flush_union_byte);
	TST_CASE(arg_unmapped);
	TST_CASE(flush_empty);
	TST_CASE(flush_pending);

	io_uring_queue_exit(&ring);
	zu_ifq_unmap(&z);
	return tst_exit();
}
