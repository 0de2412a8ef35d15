// SPDX-License-Identifier: GPL-2.0
/*
 * Events and statistics (upstream 7.2): an ifq registered with an event
 * descriptor posts one CQE (user_data from the descriptor, res the event
 * type, flags 0, the CQE's second half zero) the first time an event it
 * asked for happens: ZCRX_EVENT_COPY when a frag takes the copy path,
 * ZCRX_EVENT_ALLOC_FAIL when the page pool finds no free buffer. Then it
 * stays quiet until ZCRX_CTRL_ARM_EVENT re-arms that type. With
 * ZCRX_EVENT_DESC_FLAG_STATS, struct zcrx_stats in the refill region
 * counts the copied frags and their bytes.
 *
 * Cases:
 * - copy_event: a NODEV stream over loopback (every frag copied), the
 *   receiver holding buffers until the copy path runs out (-ENOMEM): one
 *   COPY event, no ALLOC_FAIL (only a page pool raises it), stats
 *   copy_bytes = the stream, copy_count at most the CQEs;
 * - arm_event: ARM_EVENT's errnos (-EINVAL for a type never fired, an
 *   unknown type, reserved bits, a second arm), then a second stream
 *   gets one more COPY event and the stats go on counting;
 * - not_asked: stats without events: counted, no CQE, ARM -EINVAL;
 * - imported: events go to the ring that registered the ifq, not to one
 *   that imported it; once that ring is gone an event has nowhere to go
 *   (what checks it: the kernel log, area_unpinned);
 * - alloc_fail: on a vnic queue, a receiver that holds every buffer gets
 *   one ALLOC_FAIL event, gives everything back, and the stream completes
 *   zero-copy (skipped without vnic);
 * - area_unpinned: after all rings are gone.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "zcrx_util.h"
#include "zcrx_vnic.h"

#define AREA_LEN	(1 * ZU_MIB)
#define RQ_ENTRIES	4096
#define STREAM_LEN	(1ull * ZU_MIB)
#define STREAM2_LEN	(256ull * 1024)
#define VNIC_STREAM_LEN	(8ull * ZU_MIB)
#define EVT_TAG		0xe7e7e7e7e7ull
#define PORT		9000
#define QUEUE		1

struct events {
	uint64_t	tag;
	unsigned long	n[__ZCRX_EVENT_TYPE_LAST];
	/* alloc_fail: stop holding buffers at the first ALLOC_FAIL */
	bool		release_on_alloc_fail;
};

static struct io_uring ring;
static struct zu_ifq z;
static struct events ev;
static struct zcrx_stats *stats;
static long pinned_before;
static bool copy_event_ok;

static int arm(struct io_uring *r, uint32_t id, uint32_t type, uint32_t resv0)
{
	struct zcrx_ctrl c;

	memset(&c, 0, sizeof(c));
	c.zcrx_id = id;
	c.op = ZCRX_CTRL_ARM_EVENT;
	c.zc_arm_event.event_type = type;
	c.zc_arm_event.__resv[0] = resv0;
	return io_uring_register_zcrx_ctrl(r, &c);
}

/* Fails the test unless cqe is a well-formed event CQE of e's tag. */
static void count_event(struct events *e, const struct io_uring_cqe *cqe)
{
	const uint64_t *big = (const uint64_t *)(cqe + 1);

	if (cqe->user_data != e->tag)
		tst_fail("expected an event CQE with user_data %#llx, got user_data %#llx res %d flags %#x",
			 (unsigned long long)e->tag,
			 (unsigned long long)cqe->user_data, cqe->res,
			 cqe->flags);
	if (cqe->res < 0 || cqe->res >= __ZCRX_EVENT_TYPE_LAST ||
	    cqe->flags || big[0] || big[1])
		tst_fail("expected an event CQE with res 0 or 1, flags 0 and a zero second half, got res %d flags %#x big %#llx %#llx",
			 cqe->res, cqe->flags, (unsigned long long)big[0],
			 (unsigned long long)big[1]);
	e->n[cqe->res]++;
}

static bool on_event(struct zu_recv *r, const struct io_uring_cqe *cqe)
{
	struct events *e = r->other_arg;

	count_event(e, cqe);
	if (cqe->res == ZCRX_EVENT_ALLOC_FAIL && e->release_on_alloc_fail) {
		printf("# alloc_fail: ALLOC_FAIL with %zu buffers held, giving them back\n",
		       zu_held(r));
		r->refill = ZU_REFILL_EAGER;
	}
	return true;
}

/* Count the event CQEs that come within ms; anything else fails. */
static void drain_events(struct io_uring *r, struct events *e, int ms)
{
	struct __kernel_timespec ts = { .tv_nsec = ms * 1000000ll };
	struct io_uring_cqe *cqe;

	while (!io_uring_wait_cqe_timeout(r, &cqe, &ts)) {
		count_event(e, cqe);
		io_uring_cqe_seen(r, cqe);
	}
}

/* A NODEV ifq on r asking for types (0: none) and, if want_stats, stats. */
static void setup_ifq(struct zu_ifq *zi, struct io_uring *r, uint32_t types,
		      bool want_stats, struct zcrx_stats **st)
{
	struct zcrx_event_desc ed;
	int ret;

	zu_ring_init_or_die(r, 64, 4096, 0);
	zu_ifq_prepare(zi, r, AREA_LEN, RQ_ENTRIES, false);
	memset(&ed, 0, sizeof(ed));
	ed.user_data = EVT_TAG;
	ed.type_mask = types;
	if (want_stats) {
		ed.flags = ZCRX_EVENT_DESC_FLAG_STATS;
		ed.stats_offset = zi->rd.size - sizeof(struct zcrx_stats);
	}
	zi->reg.event_desc = (uint64_t)(uintptr_t)&ed;
	ret = zu_ifq_register(zi);
	if (ret)
		tst_fail("expected a NODEV registration with events %#x%s, got %s",
			 types, want_stats ? " and stats" : "",
			 zu_errname(ret));
	if (st)
		*st = want_stats ?
		      (void *)((uint8_t *)zi->rq_ptr + ed.stats_offset) : NULL;
}

/*
 * A loopback stream of len bytes received on zi, events counted in e;
 * returns the stream's data CQEs.
 */
static unsigned long stream(struct zu_ifq *zi, uint64_t len, struct events *e,
			    enum zu_refill refill)
{
	struct zu_sender *snd;
	unsigned long cqes;
	struct zu_recv r;
	int rx, tx;

	zu_tcp_pair(&rx, &tx);
	snd = zu_start_sender(tx, len, 64 * 1024);
	zu_recv_init(&r, zi, rx, len, refill);
	r.other_cqe = on_event;
	r.other_arg = e;
	zu_recv_all(&r);
	zu_wait_sender(snd);
	/* an event raised by the last chunk may still be on its way */
	drain_events(zi->ring, e, 200);
	close(rx);
	cqes = r.cqes;
	zu_recv_free(&r);
	return cqes;
}

static void copy_event(void)
{
	uint64_t count, bytes;
	unsigned long cqes;

	ev.tag = EVT_TAG;
	setup_ifq(&z, &ring, (1u << ZCRX_EVENT_COPY) |
		  (1u << ZCRX_EVENT_ALLOC_FAIL), true, &stats);
	if (stats->copy_count || stats->copy_bytes)
		tst_fail("expected the stats zeroed at registration, got copy_count %llu copy_bytes %llu",
			 (unsigned long long)stats->copy_count,
			 (unsigned long long)stats->copy_bytes);
	/* lazy: the copy path runs out of buffers (-ENOMEM), no pool does */
	cqes = stream(&z, STREAM_LEN, &ev, ZU_REFILL_LAZY);

	count = stats->copy_count;
	bytes = stats->copy_bytes;
	printf("# copy_event: events COPY %lu ALLOC_FAIL %lu; stats copy_count %llu copy_bytes %llu\n",
	       ev.n[ZCRX_EVENT_COPY], ev.n[ZCRX_EVENT_ALLOC_FAIL],
	       (unsigned long long)count, (unsigned long long)bytes);
	tst_check(ev.n[ZCRX_EVENT_COPY] == 1,
		  "expected one ZCRX_EVENT_COPY CQE for a copied stream (then none until re-armed), got %lu",
		  ev.n[ZCRX_EVENT_COPY]);
	tst_check(!ev.n[ZCRX_EVENT_ALLOC_FAIL],
		  "expected no ZCRX_EVENT_ALLOC_FAIL when the copy path runs dry (only a page pool raises it), got %lu",
		  ev.n[ZCRX_EVENT_ALLOC_FAIL]);
	tst_check(bytes == STREAM_LEN,
		  "expected stats copy_bytes %llu (every loopback frag copied), got %llu",
		  STREAM_LEN, (unsigned long long)bytes);
	/* one per copied frag, which takes one CQE or more */
	tst_check(count >= 1 && count <= cqes,
		  "expected stats copy_count between 1 and the stream's %lu CQEs, got %llu",
		  cqes, (unsigned long long)count);
	copy_event_ok = true;
}

static void arm_event(void)
{
	uint64_t bytes0;

	if (!copy_event_ok)
		tst_skip("no fired COPY event: copy_event failed");
	zu_expect("ARM_EVENT of ALLOC_FAIL, which never fired",
	       arm(&ring, z.id, ZCRX_EVENT_ALLOC_FAIL, 0), -EINVAL);
	zu_expect("ARM_EVENT of type __ZCRX_EVENT_TYPE_LAST",
	       arm(&ring, z.id, __ZCRX_EVENT_TYPE_LAST, 0), -EINVAL);
	zu_expect("ARM_EVENT of type 0xffffffff",
	       arm(&ring, z.id, 0xffffffffu, 0), -EINVAL);
	zu_expect("ARM_EVENT with __resv[0] set",
	       arm(&ring, z.id, ZCRX_EVENT_COPY, 1), -EINVAL);
	zu_expect("ARM_EVENT of unknown zcrx_id",
	       arm(&ring, z.id + 1, ZCRX_EVENT_COPY, 0), -ENXIO);
	zu_expect("ARM_EVENT of the fired COPY event",
	       arm(&ring, z.id, ZCRX_EVENT_COPY, 0), 0);
	zu_expect("a second ARM_EVENT of COPY before it fired again",
	       arm(&ring, z.id, ZCRX_EVENT_COPY, 0), -EINVAL);

	bytes0 = stats->copy_bytes;
	stream(&z, STREAM2_LEN, &ev, ZU_REFILL_EAGER);
	tst_check(ev.n[ZCRX_EVENT_COPY] == 2,
		  "expected a second COPY event after ARM_EVENT, got %lu in all",
		  ev.n[ZCRX_EVENT_COPY]);
	tst_check(stats->copy_bytes == bytes0 + STREAM2_LEN,
		  "expected stats copy_bytes to grow by %llu to %llu, got %llu",
		  STREAM2_LEN, (unsigned long long)(bytes0 + STREAM2_LEN),
		  (unsigned long long)stats->copy_bytes);
	io_uring_queue_exit(&ring);
	zu_ifq_unmap(&z);
}

static void not_asked(void)
{
	struct events e = { .tag = EVT_TAG };
	struct zcrx_stats *st;
	struct io_uring r;
	struct zu_ifq zi;

	setup_ifq(&zi, &r, 0, true, &st);
	stream(&zi, STREAM2_LEN, &e, ZU_REFILL_EAGER);
	tst_check(!e.n[ZCRX_EVENT_COPY] && !e.n[ZCRX_EVENT_ALLOC_FAIL],
		  "expected no event CQE without a type asked for, got COPY %lu ALLOC_FAIL %lu",
		  e.n[ZCRX_EVENT_COPY], e.n[ZCRX_EVENT_ALLOC_FAIL]);
	tst_check(st->copy_bytes == STREAM2_LEN,
		  "expected stats copy_bytes %llu without events, got %llu",
		  STREAM2_LEN, (unsigned long long)st->copy_bytes);
	zu_expect("ARM_EVENT of COPY on an ifq that asked for no events",
	       arm(&r, zi.id, ZCRX_EVENT_COPY, 0), -EINVAL);
	io_uring_queue_exit(&r);
	zu_ifq_unmap(&zi);
}

/* Ring B imports the ifq ring A registered with COPY events. */
static void imported(void)
{
	struct events ea = { .tag = EVT_TAG }, eb = { .tag = EVT_TAG };
	struct zcrx_ctrl c;
	struct io_uring a, b;
	struct zu_ifq za, zb;
	int ret;

	setup_ifq(&za, &a, 1u << ZCRX_EVENT_COPY, false, NULL);
	memset(&c, 0, sizeof(c));
	c.zcrx_id = za.id;
	c.op = ZCRX_CTRL_EXPORT;
	ret = io_uring_register_zcrx_ctrl(&a, &c);
	if (ret)
		tst_fail("expected ZCRX_CTRL_EXPORT to work, got %s",
			 zu_errname(ret));

	zu_ring_init_or_die(&b, 64, 4096, 0);
	zb = za;
	zb.ring = &b;
	memset(&zb.reg, 0, sizeof(zb.reg));
	zb.reg.flags = ZCRX_REG_IMPORT;
	zb.reg.if_idx = c.zc_export.zcrx_fd;
	ret = io_uring_register_ifq(&b, &zb.reg);
	close(c.zc_export.zcrx_fd);
	if (ret)
		tst_fail("expected ZCRX_REG_IMPORT of the exported ifq, got %s",
			 zu_errname(ret));
	zb.id = zb.reg.zcrx_id;

	/* B copies; the event goes to A, the ring that asked for it */
	stream(&zb, STREAM2_LEN, &eb, ZU_REFILL_EAGER);
	drain_events(&a, &ea, 200);
	tst_check(ea.n[ZCRX_EVENT_COPY] == 1 && !eb.n[ZCRX_EVENT_COPY],
		  "expected the COPY event on the registering ring only, got %lu there and %lu on the importing ring",
		  ea.n[ZCRX_EVENT_COPY], eb.n[ZCRX_EVENT_COPY]);

	/*
	 * A goes: re-armed from B, the next copy raises an event with
	 * nowhere to go (the kernel log and area_unpinned say it went well)
	 */
	io_uring_queue_exit(&a);
	zu_expect("ARM_EVENT from the importing ring",
	       arm(&b, zb.id, ZCRX_EVENT_COPY, 0), 0);
	stream(&zb, STREAM2_LEN, &eb, ZU_REFILL_EAGER);
	io_uring_queue_exit(&b);
	zu_ifq_unmap(&za);
}

static void alloc_fail(void)
{
	struct events e = { .tag = EVT_TAG, .release_on_alloc_fail = true };
	struct zcrx_event_desc ed;
	struct zv_ifq_info info;
	struct zu_sender *snd;
	struct zv_pair p;
	struct io_uring r;
	struct zu_ifq zi;
	struct zu_recv rv;
	int lfd, tx, rx, ret;

	zv_pair_setup(&p);
	vn_ntuple_add_or_die(VN_B, "tcp4", PORT, QUEUE, -1);
	zu_ring_init_or_die(&r, 64, 4096, 0);
	zu_ifq_prepare(&zi, &r, AREA_LEN, RQ_ENTRIES, false);
	memset(&ed, 0, sizeof(ed));
	ed.user_data = EVT_TAG;
	ed.type_mask = 1u << ZCRX_EVENT_ALLOC_FAIL;
	zi.reg.flags = 0;
	zi.reg.if_idx = p.ifindex;
	zi.reg.if_rxq = QUEUE;
	zi.reg.event_desc = (uint64_t)(uintptr_t)&ed;
	ret = zu_ifq_register(&zi);
	if (ret)
		tst_fail("expected to bind an ifq with ALLOC_FAIL events to %s queue %d, got %s",
			 VN_B, QUEUE, zu_errname(ret));

	lfd = vn_listen(VN_B_ADDR, PORT);
	tx = zv_connect(&p, PORT);
	rx = vn_accept(lfd, 5000);
	snd = zu_start_sender(tx, VNIC_STREAM_LEN, 128 * 1024);
	/* hold every buffer (lazy, nothing due) until the event */
	zu_recv_init(&rv, &zi, rx, VNIC_STREAM_LEN, ZU_REFILL_LAZY);
	rv.other_cqe = on_event;
	rv.other_arg = &e;
	zu_recv_all(&rv);
	zu_wait_sender(snd);
	drain_events(&r, &e, 200);

	tst_check(e.n[ZCRX_EVENT_ALLOC_FAIL] == 1 && !e.n[ZCRX_EVENT_COPY],
		  "expected one ALLOC_FAIL event (not re-armed) and no COPY, got ALLOC_FAIL %lu COPY %lu",
		  e.n[ZCRX_EVENT_ALLOC_FAIL], e.n[ZCRX_EVENT_COPY]);
	if (zv_ifq_info(r.ring_fd, zi.id, &info))
		tst_fail("expected a ZcrxIfq%u line in the ring's fdinfo", zi.id);
	tst_check(info.zc_bytes == VNIC_STREAM_LEN && !info.copy_bytes,
			  "expected %llu bytes zero-copy and none copied, got zc_bytes=%llu copy_bytes=%llu",
			  VNIC_STREAM_LEN, info.zc_bytes, info.copy_bytes);
	zu_expect("ARM_EVENT of the fired ALLOC_FAIL",
	       arm(&r, zi.id, ZCRX_EVENT_ALLOC_FAIL, 0), 0);
	zu_recv_free(&rv);
	close(rx);
	close(lfd);
	io_uring_queue_exit(&r);
	zu_ifq_unmap(&zi);
	zv_pair_delete(&p);
}

static void area_unpinned(void)
{
	long pinned = zu_wait_vmpin(pinned_before, 5000);

	tst_check(pinned <= pinned_before,
		  "expected VmPin back to %ld kB after every ring exit, got %ld kB",
		  pinned_before, pinned);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	zu_require_zcrx();
	pinned_before = zu_vmpin_kb();

	tst_plan(6);
	TST_CASE(copy_event);
	TST_CASE(arm_event);
	TST_CASE(not_asked);
	TST_CASE(imported);
	TST_CASE(alloc_fail);
	TST_CASE(area_unpinned);
	return tst_exit();
}
