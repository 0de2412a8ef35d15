// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel trusts nothing in the refill ring. During a 32 MiB stream
 * through a 1 MiB NODEV area and a 256-entry refill ring (room for every
 * buffer, so running the area dry is not what is tested here), the
 * receiver keeps misbehaving, in turn:
 *
 *  - garbage entries: a non-zero __pad (naming a buffer it holds), an
 *    unknown area id (naming a buffer it holds), buffer indexes past the
 *    area, offsets of buffers it does not hold, and a buffer returned
 *    twice in one batch; pushed with ZCRX_CTRL_FLUSH_RQ, which must
 *    consume the whole ring. The held buffers named by the bad entries
 *    stay held, and their bytes are checked again much later;
 *  - the tail far ahead of the head, and behind it, over a ring full of
 *    garbage: the kernel consumes at most rq_entries per pass and the
 *    stream goes on while the tail is wrong; then the tail is set back to
 *    the head.
 *
 * The stream must still complete with every byte right; no CQE may name a
 * buffer the receiver holds (a buffer given out twice), and every buffer's
 * bytes are checked again when it is returned (none changed while held).
 * The harness fails the run on any kernel warning. One stream, so one
 * case.
 */
#include <signal.h>
#include <string.h>

#include "zcrx_util.h"

#define AREA_LEN	(1 * ZU_MIB)
#define AREA_PAGES	(AREA_LEN / ZU_PAGE)
#define STREAM_LEN	(32ull * ZU_MIB)
#define RQ_ENTRIES	256
#define ACT_EVERY	400	/* data CQEs between misbehaviours */
#define BAD_TAIL_CQES	48	/* data CQEs received with a bad tail */
#define NR_WITNESS	4

static struct zu_recv r;
static struct zu_ifq z;

static struct zu_buf witness[NR_WITNESS];
static int nr_witness;
static unsigned long witness_since;

static unsigned long nr_garbage, nr_ahead, nr_behind;

static uint32_t head(void)
{
	return __atomic_load_n(z.rq.khead, __ATOMIC_ACQUIRE);
}

static void set_tail(uint32_t t)
{
	__atomic_store_n(z.rq.ktail, t, __ATOMIC_RELEASE);
}

static void flush(const char *when)
{
	int ret = zu_flush_rq(&z);

	if (ret)
		tst_fail("%s: expected ZCRX_CTRL_FLUSH_RQ to succeed, got %s",
			 when, zu_errname(ret));
}

/* Flush, and check the kernel took every entry up to the tail. */
static void flush_all(const char *when)
{
	unsigned int left;

	flush(when);
	left = io_uring_zcrx_rq_space_left(&z.rq);
	if (left != RQ_ENTRIES)
		tst_fail("%s: expected FLUSH_RQ to consume the whole refill ring, got %u of %u entries free (head %u, tail %u)",
			 when, left, RQ_ENTRIES, head(), z.rq.rq_tail);
}

static struct io_uring_zcrx_rqe *rqe_next(void)
{
	struct io_uring_zcrx_rqe *rqe = io_uring_zcrx_rq_get_rqe(&z.rq);

	if (!rqe)
		tst_fail("internal: refill ring unexpectedly full");
	return rqe;
}

static void put_rqe(uint64_t off, uint32_t len, uint32_t pad)
{
	struct io_uring_zcrx_rqe *rqe = rqe_next();

	rqe->off = off;
	rqe->len = len;
	rqe->__pad = pad;
}

/* Return the witnesses, checking their bytes did not change. */
static void return_witnesses(void)
{
	int i;

	for (i = 0; i < nr_witness; i++) {
		zu_release(&r, &witness[i]);
		put_rqe(witness[i].off | z.token, witness[i].len, 0);
	}
	io_uring_zcrx_rq_commit(&z.rq);
	nr_witness = 0;
}

/* Returns false if too few buffers are held yet: try again later. */
static bool garbage(void)
{
	uint32_t not_held[4];
	struct zu_buf twice;
	int i, n = 0;

	if (zu_held(&r) < 3)
		return false;
	flush_all("before garbage");
	/* witnesses: held buffers that bad entries will name */
	for (i = 0; i < NR_WITNESS && zu_held(&r) > 1; i++)
		witness[nr_witness++] = zu_unhold(&r);
	twice = zu_unhold(&r);
	witness_since = r.cqes;

	for (i = 0; i < (int)AREA_PAGES && n < 4; i++)
		if (!r.page_refs[i] && i != (int)(twice.off / ZU_PAGE))
			not_held[n++] = i;

	put_rqe(witness[0].off | z.token, witness[0].len, 1);
	put_rqe(witness[0].off | z.token, witness[0].len, 0x80000000u);
	put_rqe(witness[1].off | (z.token + (1ull << IORING_ZCRX_AREA_SHIFT)),
		witness[1].len, 0);
	put_rqe(witness[1].off | (0xffffull << IORING_ZCRX_AREA_SHIFT),
		witness[1].len, 0);
	put_rqe(z.token | AREA_LEN, ZU_PAGE, 0);
	put_rqe(z.token | (AREA_LEN + 7 * ZU_PAGE), ZU_PAGE, 0);
	put_rqe(z.token | ((1ull << IORING_ZCRX_AREA_SHIFT) - ZU_PAGE), 1, 0);
	put_rqe(z.token | ((uint64_t)UINT32_MAX << 12), 1, 0);
	for (i = 0; i < n; i++)
		put_rqe(z.token | ((uint64_t)not_held[i] * ZU_PAGE), ZU_PAGE, 0);
	/* a held buffer, returned twice in one batch */
	zu_release(&r, &twice);
	put_rqe(twice.off | z.token, twice.len, 0);
	put_rqe(twice.off | z.token, twice.len, 0);
	io_uring_zcrx_rq_commit(&z.rq);
	flush_all("after garbage");
	/* and once more, now that it is the kernel's */
	put_rqe(twice.off | z.token, twice.len, 0);
	io_uring_zcrx_rq_commit(&z.rq);
	flush_all("after a stale entry");
	nr_garbage++;
	return true;
}

/*
 * Fill every slot with entries the kernel must skip, then move the tail
 * to head + delta. Returns the head at that moment.
 */
static uint32_t bad_tail(uint32_t delta)
{
	uint32_t h, h2, i;

	flush_all("before a bad tail");
	h = head();
	for (i = 0; i < RQ_ENTRIES; i++) {
		z.rq.rqes[i].off = z.token | (i * ZU_PAGE);
		z.rq.rqes[i].len = ZU_PAGE;
		z.rq.rqes[i].__pad = 0xbad;
	}
	set_tail(h + delta);
	flush("with a bad tail");
	h2 = head();
	if (h2 - h > RQ_ENTRIES)
		tst_fail("tail %u ahead of head %u: expected the kernel to consume at most %u entries in one pass, got head %u",
			 delta, h, RQ_ENTRIES, h2);
	return h;
}

/* Set the tail back to the kernel's head: an empty ring again. */
static void fix_tail(void)
{
	uint32_t h = head();

	z.rq.rq_tail = h;
	set_tail(h);
	flush_all("after setting the tail back");
}

static struct zu_sender *snd;

static void hostile_refill(void)
{
	unsigned long next_act = ACT_EVERY, fix_at = 0;
	struct io_uring *ring = z.ring;
	int act = 0;

	zu_arm(&r);
	while (!r.eof) {
		struct io_uring_cqe *cqe;
		int end = 1;

		cqe = zu_recv_wait(&r, 20000);
		do {
			enum zu_cqe_kind k = zu_handle_cqe(&r, cqe);

			if (k == ZU_CQE_END)
				end = cqe->res;
			io_uring_cqe_seen(ring, cqe);
			if (k == ZU_CQE_EOF)
				break;
		} while (!io_uring_peek_cqe(ring, &cqe));
		if (r.eof)
			break;

		/* enough CQEs with a bad tail, or the area ran dry under it */
		if (fix_at && (r.cqes >= fix_at ||
			       (end <= 0 && !r.data_since_arm))) {
			fix_tail();
			fix_at = 0;
		}
		if (!fix_at && nr_witness &&
		    r.cqes - witness_since > 3 * AREA_PAGES)
			return_witnesses();
		/* garbage names buffers of the latest CQEs, still held */
		if (!fix_at && r.cqes >= next_act && act % 3 == 0 &&
		    !nr_witness && garbage()) {
			act++;
			next_act = r.cqes + ACT_EVERY;
		}
		/* eager: each buffer back at once, unless the tail is bad */
		if (!fix_at)
			zu_return_held(&r, SIZE_MAX);
		if (!fix_at && r.cqes >= next_act && act % 3) {
			bad_tail(act % 3 == 1 ? 5 * RQ_ENTRIES + 3 :
				 (uint32_t)-3);
			if (act % 3 == 1)
				nr_ahead++;
			else
				nr_behind++;
			fix_at = r.cqes + BAD_TAIL_CQES;
			act++;
			next_act = r.cqes + ACT_EVERY;
		}
		if (end <= 0) {
			/* with a bad tail, re-arm without returning buffers */
			if (fix_at) {
				r.rearms++;
				zu_arm(&r);
			} else {
				zu_rearm_after_end(&r, end);
			}
		}
	}
	zu_wait_sender(snd);
	if (nr_witness)
		return_witnesses();
	if (!nr_garbage || !nr_ahead || !nr_behind)
		tst_fail("expected every misbehaviour at least once, got %lu garbage batches, %lu tails ahead, %lu behind",
			 nr_garbage, nr_ahead, nr_behind);
	printf("# %llu bytes intact in %lu CQEs despite %lu garbage batches, %lu tails ahead, %lu behind; %lu re-arms (%lu -ENOMEM)\n",
	       (unsigned long long)r.bytes, r.cqes, nr_garbage, nr_ahead,
	       nr_behind, r.rearms, r.enomem);
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
	r.recheck = true;

	TST_CASE(hostile_refill);

	zu_recv_free(&r);
	io_uring_queue_exit(&ring);
	zu_ifq_unmap(&z);
	close(rx);
	return tst_exit();
}
