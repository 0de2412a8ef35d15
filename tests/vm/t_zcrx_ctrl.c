// SPDX-License-Identifier: GPL-2.0
/*
 * IORING_REGISTER_ZCRX_CTRL refuses malformed requests with -EINVAL:
 * nr_args != 0, a zcrx_id with no ifq (before and after one is
 * registered), a reserved header field set, an unknown op, FLUSH_RQ with
 * a byte of its reserved union set; an unmapped argument gives -EFAULT.
 * FLUSH_RQ on an empty refill ring succeeds and changes nothing, and
 * FLUSH_RQ after returning received buffers makes the kernel consume
 * every entry up to the tail (head == tail).
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zcrx_util.h"

#define DATA_LEN	(16 * ZU_PAGE)

static struct io_uring ring;

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

static void expect(const char *what, int ret, int want)
{
	if (ret != want)
		tst_fail("%s: expected %s, got %s", what, zu_errname(want),
			 zu_errname(ret));
}

int main(void)
{
	static const uint32_t bad_ops[] = { 4, 99, 0x80000000u, 0xffffffffu };
	struct io_uring_zcrx_rq *rq;
	struct zcrx_ctrl c;
	struct zu_recv r;
	struct zu_ifq z;
	uint8_t *u8;
	uint32_t h0;
	unsigned int i;
	void *hole;
	int rx, tx;
	struct zu_sender *snd;

	zu_require_zcrx();
	zu_ring_init_or_die(&ring, 8, 0, 0);

	flush_req(&c, 0);
	expect("FLUSH_RQ on a ring with no ifq", ctrl(&c), -EINVAL);

	zu_ifq_setup(&z, &ring, 64 * ZU_PAGE, 64, false);
	rq = &z.rq;

	flush_req(&c, z.id);
	expect("FLUSH_RQ with nr_args 1",
	       zu_register(ring.ring_fd, IORING_REGISTER_ZCRX_CTRL, &c, 1),
	       -EINVAL);
	expect("FLUSH_RQ with nr_args 2",
	       zu_register(ring.ring_fd, IORING_REGISTER_ZCRX_CTRL, &c, 2),
	       -EINVAL);

	flush_req(&c, z.id + 1);
	expect("FLUSH_RQ for zcrx_id 1 (only 0 exists)", ctrl(&c), -EINVAL);
	flush_req(&c, 0xffffffffu);
	expect("FLUSH_RQ for zcrx_id 0xffffffff", ctrl(&c), -EINVAL);

	flush_req(&c, z.id);
	c.__resv[0] = 1;
	expect("ctrl __resv[0] != 0", ctrl(&c), -EINVAL);
	flush_req(&c, z.id);
	c.__resv[1] = 1ull << 63;
	expect("ctrl __resv[1] != 0", ctrl(&c), -EINVAL);

	for (i = 0; i < ZU_ARRAY_SIZE(bad_ops); i++) {
		char what[48];

		flush_req(&c, z.id);
		c.op = bad_ops[i];
		snprintf(what, sizeof(what), "unknown op %#x", bad_ops[i]);
		expect(what, ctrl(&c), -EINVAL);
	}

	/* every byte of FLUSH_RQ's 48-byte union is reserved */
	for (i = 0; i < sizeof(c.zc_flush); i++) {
		char what[64];

		flush_req(&c, z.id);
		u8 = (uint8_t *)&c.zc_flush;
		u8[i] = 0x10;
		snprintf(what, sizeof(what), "FLUSH_RQ with union byte %u set", i);
		expect(what, ctrl(&c), -EINVAL);
	}

	hole = zu_map(ZU_PAGE, PROT_NONE);
	munmap(hole, ZU_PAGE);
	expect("ctrl argument unmapped",
	       zu_register(ring.ring_fd, IORING_REGISTER_ZCRX_CTRL, hole, 0),
	       -EFAULT);

	/* FLUSH_RQ on an empty ring: fine, nothing moves */
	h0 = __atomic_load_n(rq->khead, __ATOMIC_ACQUIRE);
	flush_req(&c, z.id);
	expect("FLUSH_RQ on an empty refill ring", ctrl(&c), 0);
	if (__atomic_load_n(rq->khead, __ATOMIC_ACQUIRE) != h0)
		tst_fail("FLUSH_RQ on an empty refill ring: expected head %u unchanged, got %u",
			 h0, *rq->khead);

	/* receive a little, hold it, return it, FLUSH_RQ: all consumed */
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
	expect("FLUSH_RQ with entries pending", ctrl(&c), 0);
	if (io_uring_zcrx_rq_space_left(rq) != rq->ring_entries)
		tst_fail("FLUSH_RQ: expected the kernel to consume every entry (head == tail %u), got head %u",
			 rq->rq_tail, *rq->khead);

	printf("ctrl errors as expected; FLUSH_RQ consumed %lu entries\n",
	       r.returned);
	zu_recv_free(&r);
	io_uring_queue_exit(&ring);
	zu_ifq_unmap(&z);
	close(rx);
	return TST_PASS;
}
