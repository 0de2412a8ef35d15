// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for io_uring zcrx: the refill ring consumer against hostile
 * entries and ring pointers, the user reference / page pool reference
 * interplay, the freelist, and the scrub.
 *
 * Included at the end of zcrx.c (CONFIG_IO_URING_ZCRX_KUNIT_TEST), so the
 * cases call its static functions: io_zcrx_flush_rq(), the consumer of
 * ZCRX_CTRL_FLUSH_RQ and the copy fallback, io_alloc_fallback_niov(),
 * io_zcrx_scrub() and the copy fallback's io_copy_page().
 *
 * Each case builds an ifq with an area of kernel pages (no page pool, as
 * with ZCRX_REG_NODEV) and a refill ring in kernel memory, and plays
 * userspace by writing refill entries and the tail.
 *
 * Context: process context; the code under test takes BH safe spinlocks.
 */

#include <kunit/test.h>
#include <linux/kthread.h>

#define ZT_NIOVS	16
#define ZT_ENTRIES	8

struct zt_ctx {
	struct io_zcrx_ifq *ifq;
	struct io_zcrx_area *area;
	struct io_uring *ring;
	u32 tail;
};

static int zcrx_test_init(struct kunit *test)
{
	struct io_zcrx_area *area;
	struct io_zcrx_ifq *ifq;
	struct zt_ctx *ctx;
	void *ring;
	u32 i;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	ifq = kunit_kzalloc(test, sizeof(*ifq), GFP_KERNEL);
	area = kunit_kzalloc(test, sizeof(*area), GFP_KERNEL);
	ring = kunit_kzalloc(test, L1_CACHE_BYTES +
			     ZT_ENTRIES * sizeof(struct io_uring_zcrx_rqe),
			     GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_NOT_NULL(test, ifq);
	KUNIT_ASSERT_NOT_NULL(test, area);
	KUNIT_ASSERT_NOT_NULL(test, ring);

	area->nia.num_niovs = ZT_NIOVS;
	area->nia.niovs = kunit_kcalloc(test, ZT_NIOVS, sizeof(struct net_iov),
					GFP_KERNEL);
	area->freelist = kunit_kcalloc(test, ZT_NIOVS, sizeof(u32), GFP_KERNEL);
	area->user_refs = kunit_kcalloc(test, ZT_NIOVS, sizeof(atomic_t),
					GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, area->nia.niovs);
	KUNIT_ASSERT_NOT_NULL(test, area->freelist);
	KUNIT_ASSERT_NOT_NULL(test, area->user_refs);
	for (i = 0; i < ZT_NIOVS; i++) {
		area->nia.niovs[i].type = NET_IOV_IOURING;
		area->nia.niovs[i].owner = &area->nia;
		area->freelist[i] = ZT_NIOVS - i - 1;
	}
	area->free_count = ZT_NIOVS;
	area->ifq = ifq;

	spin_lock_init(&ifq->rq.lock);
	spin_lock_init(&ifq->alloc_lock);
	ifq->area = area;
	ifq->rq.ring = ring;
	ifq->rq.rqes = ring + L1_CACHE_BYTES;
	ifq->rq.nr_entries = ZT_ENTRIES;

	ctx->ifq = ifq;
	ctx->area = area;
	ctx->ring = ring;
	test->priv = ctx;
	return 0;
}

/* What the receive path does when it reports a buffer to userspace. */
static struct net_iov *zt_give_to_user(struct kunit *test, struct zt_ctx *ctx)
{
	struct net_iov *niov = io_alloc_fallback_niov(ctx->ifq);

	KUNIT_ASSERT_NOT_NULL(test, niov);
	io_zcrx_get_niov_uref(niov);
	return niov;
}

static u64 zt_off(struct zt_ctx *ctx, struct net_iov *niov)
{
	return ((u64)ctx->area->area_id << IORING_ZCRX_AREA_SHIFT) |
	       ((u64)net_iov_idx(niov) << PAGE_SHIFT);
}

/* Userspace writes one refill entry; the tail is published separately. */
static void zt_rqe(struct zt_ctx *ctx, u64 off, u32 len, u32 pad)
{
	struct io_uring_zcrx_rqe *rqe;

	rqe = &ctx->ifq->rq.rqes[ctx->tail++ & (ZT_ENTRIES - 1)];
	rqe->off = off;
	rqe->len = len;
	rqe->__pad = pad;
}

/*
 * Hand ZT_ENTRIES - 1 buffers to userspace and have it write a refill
 * entry for each (the tail is not published yet).
 */
static void zt_hand_out_and_refill(struct kunit *test, struct zt_ctx *ctx)
{
	struct net_iov *niov[ZT_ENTRIES - 1];
	int i;

	for (i = 0; i < ARRAY_SIZE(niov); i++)
		niov[i] = zt_give_to_user(test, ctx);
	for (i = 0; i < ARRAY_SIZE(niov); i++)
		zt_rqe(ctx, zt_off(ctx, niov[i]), PAGE_SIZE, 0);
}

static void zt_publish(struct zt_ctx *ctx)
{
	/* entries before the tail, as userspace must */
	smp_store_release(&ctx->ring->tail, ctx->tail);
}

static u32 zt_head(struct zt_ctx *ctx)
{
	/* pairs with the consumer's store-release of the head */
	return smp_load_acquire(&ctx->ring->head);
}

static int zt_uref(struct zt_ctx *ctx, struct net_iov *niov)
{
	return atomic_read(&ctx->area->user_refs[net_iov_idx(niov)]);
}

static void test_refill_returns_buffers(struct kunit *test)
{
	struct zt_ctx *ctx = test->priv;
	struct net_iov *a = zt_give_to_user(test, ctx);
	struct net_iov *b = zt_give_to_user(test, ctx);

	KUNIT_EXPECT_EQ(test, ctx->area->free_count, ZT_NIOVS - 2);
	zt_rqe(ctx, zt_off(ctx, a), PAGE_SIZE, 0);
	zt_rqe(ctx, zt_off(ctx, b), 100, 0);
	zt_publish(ctx);

	io_zcrx_flush_rq(ctx->ifq);
	KUNIT_EXPECT_EQ(test, ctx->area->free_count, ZT_NIOVS);
	KUNIT_EXPECT_EQ(test, zt_uref(ctx, a), 0);
	KUNIT_EXPECT_EQ(test, zt_head(ctx), 2U);
}

struct zt_bad_entry {
	const char *name;
	u64 off;	/* added to a held buffer's offset */
	u32 pad;
	bool not_held;	/* name a buffer userspace does not hold */
};

static const struct zt_bad_entry zt_bad_entries[] = {
	{ "non-zero pad", 0, 1, false },
	{ "unknown area", 1ULL << IORING_ZCRX_AREA_SHIFT, 0, false },
	{ "last area id", ~0ULL << IORING_ZCRX_AREA_SHIFT, 0, false },
	{ "index out of range", (u64)ZT_NIOVS << PAGE_SHIFT, 0, false },
	{ "index far out of range", 0xffffffffULL << PAGE_SHIFT, 0, false },
	{ "index past 32 bits", 1ULL << (32 + PAGE_SHIFT), 0, false },
	{ "buffer not held", 0, 0, true },
};

static void zt_bad_desc(const struct zt_bad_entry *e, char *desc)
{
	strscpy(desc, e->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(zt_bad, zt_bad_entries, zt_bad_desc);

static void test_refill_skips_bad_entry(struct kunit *test)
{
	const struct zt_bad_entry *e = test->param_value;
	struct zt_ctx *ctx = test->priv;
	struct net_iov *held = zt_give_to_user(test, ctx);
	u64 off = zt_off(ctx, held);

	if (e->not_held) {
		/* buffer 1, which userspace never got */
		KUNIT_ASSERT_EQ(test, net_iov_idx(held), 0U);
		off += PAGE_SIZE;
	}
	zt_rqe(ctx, off + e->off, PAGE_SIZE, e->pad);
	zt_publish(ctx);

	io_zcrx_flush_rq(ctx->ifq);
	/* consumed, but nothing changed hands */
	KUNIT_EXPECT_EQ(test, zt_head(ctx), 1U);
	KUNIT_EXPECT_EQ(test, zt_uref(ctx, held), 1);
	KUNIT_EXPECT_EQ(test, ctx->area->free_count, ZT_NIOVS - 1);
}

static void test_refill_skips_repeated_entry(struct kunit *test)
{
	struct zt_ctx *ctx = test->priv;
	struct net_iov *a = zt_give_to_user(test, ctx);
	struct net_iov *b = zt_give_to_user(test, ctx);

	zt_rqe(ctx, zt_off(ctx, a), PAGE_SIZE, 0);
	zt_rqe(ctx, zt_off(ctx, a), PAGE_SIZE, 0);
	zt_publish(ctx);
	io_zcrx_flush_rq(ctx->ifq);

	/* a came back once; b, still held, was not taken by the repeat */
	KUNIT_EXPECT_EQ(test, ctx->area->free_count, ZT_NIOVS - 1);
	KUNIT_EXPECT_EQ(test, zt_uref(ctx, b), 1);
	KUNIT_EXPECT_EQ(test, zt_uref(ctx, a), 0);
}

static void test_refill_clamps_runaway_tail(struct kunit *test)
{
	struct zt_ctx *ctx = test->priv;
	int i;

	/* buffer 0, which userspace does not hold: consumed, skipped */
	for (i = 0; i < ZT_ENTRIES; i++)
		zt_rqe(ctx, 0, 0, 0);
	/* a tail far ahead of the head: at most rq_entries are consumed */
	WRITE_ONCE(ctx->ring->tail, 0x80000000U);
	io_zcrx_flush_rq(ctx->ifq);
	KUNIT_EXPECT_EQ(test, zt_head(ctx),
			(u32)ZT_ENTRIES);
	/* a tail behind the head wraps to a huge count: clamped too */
	WRITE_ONCE(ctx->ring->tail, 0);
	io_zcrx_flush_rq(ctx->ifq);
	KUNIT_EXPECT_EQ(test, zt_head(ctx),
			(u32)(2 * ZT_ENTRIES));
	KUNIT_EXPECT_EQ(test, ctx->area->free_count, ZT_NIOVS);
}

static void test_refill_wraps_around(struct kunit *test)
{
	struct zt_ctx *ctx = test->priv;
	int round;

	for (round = 0; round < 5; round++) {
		zt_hand_out_and_refill(test, ctx);
		zt_publish(ctx);
		io_zcrx_flush_rq(ctx->ifq);
		KUNIT_ASSERT_EQ(test, ctx->area->free_count, ZT_NIOVS);
	}
	KUNIT_EXPECT_EQ(test, zt_head(ctx), ctx->tail);
}

static void test_buffer_kept_while_stack_holds_it(struct kunit *test)
{
	struct zt_ctx *ctx = test->priv;
	struct net_iov *niov = zt_give_to_user(test, ctx);
	netmem_ref netmem = net_iov_to_netmem(niov);

	/* another reference, as an skb still queued would hold */
	page_pool_ref_netmem(netmem);
	zt_rqe(ctx, zt_off(ctx, niov), PAGE_SIZE, 0);
	zt_publish(ctx);
	io_zcrx_flush_rq(ctx->ifq);

	KUNIT_EXPECT_EQ(test, zt_uref(ctx, niov), 0);
	KUNIT_EXPECT_EQ(test, ctx->area->free_count, ZT_NIOVS - 1);

	/* the last reference going returns it */
	if (!page_pool_unref_netmem(netmem, 1))
		io_zcrx_return_niov(niov);
	KUNIT_EXPECT_EQ(test, ctx->area->free_count, ZT_NIOVS);
}

static void test_scrub_takes_back_user_buffers(struct kunit *test)
{
	struct zt_ctx *ctx = test->priv;
	struct net_iov *a = zt_give_to_user(test, ctx);
	struct net_iov *b = zt_give_to_user(test, ctx);

	/* a second CQE pointing into a, as two chunks of one buffer give */
	io_zcrx_get_niov_uref(a);
	page_pool_ref_netmem(net_iov_to_netmem(a));

	io_zcrx_scrub(ctx->ifq);
	KUNIT_EXPECT_EQ(test, zt_uref(ctx, a), 0);
	KUNIT_EXPECT_EQ(test, zt_uref(ctx, b), 0);
	KUNIT_EXPECT_EQ(test, ctx->area->free_count, ZT_NIOVS);

	/* entries written before the scrub are now stale: skipped */
	zt_rqe(ctx, zt_off(ctx, a), PAGE_SIZE, 0);
	zt_publish(ctx);
	io_zcrx_flush_rq(ctx->ifq);
	KUNIT_EXPECT_EQ(test, ctx->area->free_count, ZT_NIOVS);
}

struct zt_race {
	struct zt_ctx *ctx;
	struct completion go;
	int rounds;
};

static int zt_refill_thread(void *data)
{
	struct zt_race *r = data;

	wait_for_completion(&r->go);
	while (!kthread_should_stop()) {
		io_zcrx_flush_rq(r->ctx->ifq);
		cond_resched();
	}
	return 0;
}

static void zt_stop_thread(void *t)
{
	kthread_stop(t);
}

/* Scrub and refill both drop user references: never twice, never lost. */
static void test_scrub_races_refill(struct kunit *test)
{
	struct zt_ctx *ctx = test->priv;
	struct task_struct *t;
	struct zt_race *r;
	int round;

	/* test memory, and the thread stopped first if an assertion ends us */
	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->ctx = ctx;
	r->rounds = 200;
	init_completion(&r->go);
	t = kthread_run(zt_refill_thread, r, "zcrx-kunit-refill");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, zt_stop_thread, t), 0);
	complete(&r->go);

	for (round = 0; round < r->rounds; round++) {
		zt_hand_out_and_refill(test, ctx);
		zt_publish(ctx);
		io_zcrx_scrub(ctx->ifq);
		/* wait for the consumer to catch up with the tail */
		while (zt_head(ctx) != ctx->tail)
			cond_resched();
		/*
		 * It publishes the head before it gives the batch back, both
		 * under rq.lock: once the lock is free, the batch is back.
		 */
		spin_lock_bh(&ctx->ifq->rq.lock);
		spin_unlock_bh(&ctx->ifq->rq.lock);
		if (ctx->area->free_count != ZT_NIOVS)
			break;
	}
	kunit_release_action(test, zt_stop_thread, t);
	KUNIT_EXPECT_EQ(test, round, r->rounds);
	KUNIT_EXPECT_EQ(test, ctx->area->free_count, ZT_NIOVS);
}

/* Two pages of one compound page with a byte pattern, and a zeroed page. */
static void zt_copy_pages(struct kunit *test, struct page **src,
			  struct page **dst)
{
	u8 *p;
	int i;

	*src = alloc_pages(GFP_KERNEL | __GFP_COMP, 1);
	*dst = alloc_page(GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, *src);
	KUNIT_ASSERT_NOT_NULL(test, *dst);
	p = page_address(*src);
	for (i = 0; i < 2 * PAGE_SIZE; i++)
		p[i] = i * 7 + (i >> 8);
}

/* The copy fallback fills a whole buffer where the source crosses pages. */
static void test_copy_page_fills_across_source_pages(struct kunit *test)
{
	struct page *src, *dst;
	size_t n;

	zt_copy_pages(test, &src, &dst);
	n = io_copy_page(dst, src, 100, 2 * PAGE_SIZE - 100);
	KUNIT_EXPECT_EQ(test, n, PAGE_SIZE);
	KUNIT_EXPECT_MEMEQ(test, page_address(dst), page_address(src) + 100,
			   PAGE_SIZE);
	__free_pages(src, 1);
	__free_page(dst);
}

/* A chunk shorter than a buffer is copied whole, the rest left alone. */
static void test_copy_page_short_chunk(struct kunit *test)
{
	static const u8 zeroes[64];
	struct page *src, *dst;
	size_t n;

	zt_copy_pages(test, &src, &dst);
	n = io_copy_page(dst, src, PAGE_SIZE - 10, 50);
	KUNIT_EXPECT_EQ(test, n, 50);
	KUNIT_EXPECT_MEMEQ(test, page_address(dst),
			   page_address(src) + PAGE_SIZE - 10, 50);
	KUNIT_EXPECT_MEMEQ(test, page_address(dst) + 50, zeroes,
			   sizeof(zeroes));
	__free_pages(src, 1);
	__free_page(dst);
}

static struct kunit_case zcrx_test_cases[] = {
	KUNIT_CASE(test_refill_returns_buffers),
	KUNIT_CASE_PARAM(test_refill_skips_bad_entry, zt_bad_gen_params),
	KUNIT_CASE(test_refill_skips_repeated_entry),
	KUNIT_CASE(test_refill_clamps_runaway_tail),
	KUNIT_CASE(test_refill_wraps_around),
	KUNIT_CASE(test_buffer_kept_while_stack_holds_it),
	KUNIT_CASE(test_scrub_takes_back_user_buffers),
	KUNIT_CASE(test_scrub_races_refill),
	KUNIT_CASE(test_copy_page_fills_across_source_pages),
	KUNIT_CASE(test_copy_page_short_chunk),
	{}
};

static struct kunit_suite zcrx_test_suite = {
	.name = "io_uring_zcrx",
	.init = zcrx_test_init,
	.test_cases = zcrx_test_cases,
};

kunit_test_suite(zcrx_test_suite);
