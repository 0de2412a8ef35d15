// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit microbenchmarks for io_uring zcrx: the receive path and the page
 * pool memory provider, at the speed kernel code runs on the bench kernel
 * (config/uml-bench.kunitconfig: UML without KASAN, lockdep or kmemleak;
 * none of the measured code makes a host system call, so it runs at
 * native speed). The numbers are printed, never checked: only
 * correctness is (every CQE posted, every buffer back).
 *
 * Included at the end of zcrx.c (CONFIG_IO_URING_ZCRX_KUNIT_BENCH), so the
 * cases call its static functions.
 *
 * What is real: io_zcrx_recv_skb(), the tcp_read_sock() actor of recv-zc,
 * walking header-split skbs as TCP leaves them (the headers pulled, so the
 * walk starts at offset 0 == skb_headlen(), all payload in page frags);
 * its CQEs posted by io_req_post_cqe32(); a real page pool with the
 * io_uring provider (page_pool_create() reads the provider from an rx
 * queue of a netdev, as for a driver); the refill ring consumers
 * io_zcrx_ring_refill() (inside the pool's allocation) and
 * io_zcrx_flush_rq(); the copy fallback; skb_copy_datagram_iter().
 *
 * What is fake: the io_ring_ctx is a kzalloc'd one with a CQ in kernel
 * memory (IORING_SETUP_CQE32, the lockless CQ of a DEFER_TASKRUN ring,
 * uring_lock held while posting); the request is a bare io_kiocb; the
 * netdev is allocated, never registered, only so that page_pool_create()
 * finds the provider on its rx queue; the area is kernel pages mapped for
 * a KUnit device instead of pinned user memory; the bench plays userspace
 * (reads CQEs, writes refill entries) in the kernel. Not measured:
 * tcp_read_sock() and the socket lock around the actor, the driver, DMA,
 * syscalls, and userspace touching the data.
 *
 * The copy baseline copies into kernel memory (ITER_KVEC): that is a
 * memcpy, the honest native cost of copy_to_user() on hardware. UML's
 * copy_to_user() walks the host page tables in software and would make
 * the copy look several times slower than it is.
 *
 * Time is ktime_get_ns() around whole passes or batches, not get_cycles():
 * get_cycles() is 0 on UML. UML's clock reads the host's in 256 ns steps
 * and costs tens of ns a read (the "clock" row), so samples group 2048
 * skbs or 4096 buffers, and a row reports the median sample (the host
 * preempting UML inflates a mean) beside the mean. The refill consumer
 * row times single allocations: one clock read per 64 entries.
 *
 * On a debug kernel (KASAN, lockdep or kmemleak) the cases run a smoke
 * pass only: a few passes and batches, the same checks, numbers printed
 * but meaningless.
 *
 * Context: process context (the KUnit case's kthread). Page pool
 * allocations and puts run with BHs disabled, as a driver's NAPI poll
 * would; the walk and the refill ring flush run in the task, as recv-zc
 * and ZCRX_CTRL_FLUSH_RQ do, with the fake ring's uring_lock held.
 */

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/etherdevice.h>
#include <linux/math64.h>
#include <linux/sort.h>
#include <linux/uio.h>

#define ZB_NIOVS		2048
#define ZB_RQ_ENTRIES		2048
#define ZB_CQ_ENTRIES		4096
/* net_iov frags per pass: every skb of a pass holds its buffers */
#define ZB_FRAGS_PER_PASS	1536
#define ZB_MAX_SKBS		512
#define ZB_DST_SIZE		SZ_1M
#define ZB_USER_DATA		0x7a6362656e6368ULL
#define ZB_BATCH		PP_ALLOC_CACHE_REFILL
#define ZB_POOL_BUFFERS		1000000
#define ZB_SMOKE_BUFFERS	(ZB_BATCH * 64)
#define ZB_ROW_NS		(300 * NSEC_PER_MSEC)
#define ZB_MAX_SAMPLES		16384
/* operations per sample: passes or batches of 10 us and more */
#define ZB_RECV_GROUP		2048
#define ZB_POOL_GROUP		4096

struct zb_ctx {
	struct kunit *test;
	struct io_zcrx_ifq *ifq;
	struct io_zcrx_area *area;
	struct io_uring *rq_ring;
	u32 rq_tail;

	struct io_ring_ctx *ring;
	struct io_kiocb *req;

	struct device *dev;
	struct page **pages;
	dma_addr_t *dma;
	struct net_device *ndev;
	struct page_pool *pool;

	struct sk_buff *skbs[ZB_MAX_SKBS];
	unsigned int nr_skbs;
	void *dst;
	unsigned int dst_first;	/* the skb last copied to dst[0] */
};

/*
 * One measured row: @ns for @iters operations over @bytes in all, and the
 * cost per operation of every @group operations or more (ps, the first
 * ZB_MAX_SAMPLES) for the median: the host may preempt UML, and a
 * preempted pass's wall time is not the code's. UML's clock ticks in
 * 256 ns steps (TIMER_MULTIPLIER): a group spans 10 us or more.
 */
struct zb_row {
	const char *name;
	const char *op;
	u64 iters;
	u64 bytes;
	u64 ns;
	u32 *ps;
	unsigned int nr;
	unsigned int group;
	u64 pend_ns, pend_ops;
};

static bool zb_smoke(void)
{
	return IS_ENABLED(CONFIG_KASAN) || IS_ENABLED(CONFIG_PROVE_LOCKING) ||
	       IS_ENABLED(CONFIG_DEBUG_KMEMLEAK);
}

static void zb_row_init(struct kunit *test, struct zb_row *r,
			const char *name, const char *op, unsigned int group)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->op = op;
	r->group = group;
	r->ps = kunit_kcalloc(test, ZB_MAX_SAMPLES, sizeof(*r->ps), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r->ps);
}

/* @ns for @ops operations of @bytes each. */
static void zb_sample(struct zb_row *r, u64 ns, u64 ops, u64 bytes)
{
	if (!ops)
		return;
	r->ns += ns;
	r->iters += ops;
	r->bytes += ops * bytes;
	r->pend_ns += ns;
	r->pend_ops += ops;
	if (r->pend_ops < r->group)
		return;
	if (r->nr < ZB_MAX_SAMPLES)
		r->ps[r->nr++] = min_t(u64, div64_u64(r->pend_ns * 1000,
						      r->pend_ops), U32_MAX);
	r->pend_ns = 0;
	r->pend_ops = 0;
}

/*
 * A batch of ZB_BATCH buffers that began at @t0 is done, @done in all:
 * sample it, yield every 256 batches (not timed), return the next start.
 */
static u64 zb_batch_done(struct zb_row *r, u64 t0, u64 done)
{
	u64 t1 = ktime_get_ns();

	zb_sample(r, t1 - t0, ZB_BATCH, PAGE_SIZE);
	if (done % (ZB_BATCH * 256))
		return t1;
	cond_resched();
	return ktime_get_ns();
}

static int zb_cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/* The median cost per operation in ps; sorts the samples once. */
static u64 zb_median_ps(struct zb_row *r)
{
	/* a row shorter than a group (a smoke run): the one sample it has */
	if (!r->nr && r->pend_ops)
		r->ps[r->nr++] = min_t(u64, div64_u64(r->pend_ns * 1000,
						      r->pend_ops), U32_MAX);
	if (!r->nr)
		return 0;
	sort(r->ps, r->nr, sizeof(*r->ps), zb_cmp_u32, NULL);
	return r->ps[r->nr / 2];
}

/*
 * A table line a script can grep: the median and the mean ns per
 * operation, ms per GiB at the median, and the ratio base / this at the
 * medians (how many times cheaper than the base). @base was printed
 * first (its samples are sorted).
 */
static void zb_print(struct kunit *test, const char *bench,
		     struct zb_row *r, struct zb_row *base)
{
	u64 ps = zb_median_ps(r), base_ps = zb_median_ps(base);
	u64 mean = r->iters ? div64_u64(r->ns * 1000, r->iters) : 0;
	u64 ms_gib = 0, ratio = ps ? div64_u64(base_ps * 100, ps) : 0;

	/* ps per op * ops per GiB, in tenths of ms */
	if (r->bytes)
		ms_gib = mul_u64_u64_div_u64(ps, (u64)SZ_1G * r->iters,
					     r->bytes * 100000000ULL);
	kunit_info(test,
		   "zcrx_bench: case=%s path=%s iters=%llu samples=%u ns/op=%llu.%llu mean=%llu.%llu op=%s ms/GiB=%llu.%llu base=%s ratio=%llu.%02llu\n",
		   bench, r->name, r->iters, r->nr, ps / 1000, ps % 1000 / 100,
		   mean / 1000, mean % 1000 / 100,
		   r->op, ms_gib / 10, ms_gib % 10, base->name,
		   ratio / 100, ratio % 100);
}

/* The fake ring: a CQE32 CQ in kernel memory, posted to locklessly. */
static void zb_ring_init(struct kunit *test, struct zb_ctx *ctx)
{
	struct io_ring_ctx *ring;
	size_t size;

	ring = kunit_kzalloc(test, sizeof(*ring), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ring);
	size = struct_size(ring->rings, cqes, 2 * ZB_CQ_ENTRIES);
	ring->rings = kvzalloc(size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ring->rings);

	ring->flags = IORING_SETUP_CQE32 | IORING_SETUP_SINGLE_ISSUER |
		      IORING_SETUP_DEFER_TASKRUN;
	ring->task_complete = 1;
	ring->lockless_cq = 1;
	ring->cq_entries = ZB_CQ_ENTRIES;
	mutex_init(&ring->uring_lock);
	spin_lock_init(&ring->completion_lock);
	INIT_WQ_LIST(&ring->submit_state.compl_reqs);

	ctx->req = kunit_kzalloc(test, sizeof(*ctx->req), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->req);
	ctx->req->ctx = ring;
	ctx->req->cqe.user_data = ZB_USER_DATA;
	ctx->ring = ring;
}

/* The area: kernel pages, DMA mapped for a KUnit device. */
static void zb_area_init(struct kunit *test, struct zb_ctx *ctx)
{
	struct io_zcrx_area *area = ctx->area;
	u32 i;

	area->nia.num_niovs = ZB_NIOVS;
	area->nia.niovs = kunit_kcalloc(test, ZB_NIOVS, sizeof(struct net_iov),
					GFP_KERNEL);
	area->freelist = kunit_kcalloc(test, ZB_NIOVS, sizeof(u32), GFP_KERNEL);
	area->user_refs = kunit_kcalloc(test, ZB_NIOVS, sizeof(atomic_t),
					GFP_KERNEL);
	ctx->pages = kunit_kcalloc(test, ZB_NIOVS, sizeof(*ctx->pages),
				   GFP_KERNEL);
	ctx->dma = kunit_kcalloc(test, ZB_NIOVS, sizeof(*ctx->dma), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, area->nia.niovs);
	KUNIT_ASSERT_NOT_NULL(test, area->freelist);
	KUNIT_ASSERT_NOT_NULL(test, area->user_refs);
	KUNIT_ASSERT_NOT_NULL(test, ctx->pages);
	KUNIT_ASSERT_NOT_NULL(test, ctx->dma);

	for (i = 0; i < ZB_NIOVS; i++) {
		struct net_iov *niov = &area->nia.niovs[i];

		ctx->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		KUNIT_ASSERT_NOT_NULL(test, ctx->pages[i]);
		ctx->dma[i] = dma_map_page(ctx->dev, ctx->pages[i], 0,
					   PAGE_SIZE, DMA_FROM_DEVICE);
		KUNIT_ASSERT_FALSE(test, dma_mapping_error(ctx->dev,
							   ctx->dma[i]));
		niov->type = NET_IOV_IOURING;
		niov->owner = &area->nia;
		KUNIT_ASSERT_EQ(test, 0,
				net_mp_niov_set_dma_addr(niov, ctx->dma[i]));
		area->freelist[i] = ZB_NIOVS - i - 1;
	}
	area->free_count = ZB_NIOVS;
	area->mem.pages = ctx->pages;
	area->is_mapped = true;
	area->ifq = ctx->ifq;
}

static int zb_init(struct kunit *test)
{
	struct zb_ctx *ctx;
	void *rq;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->test = test;
	test->priv = ctx;

	ctx->dev = kunit_device_register(test, "zcrx-bench");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx->dev);
	KUNIT_ASSERT_EQ(test, 0, dma_coerce_mask_and_coherent(ctx->dev,
							      DMA_BIT_MASK(64)));

	ctx->ifq = kunit_kzalloc(test, sizeof(*ctx->ifq), GFP_KERNEL);
	ctx->area = kunit_kzalloc(test, sizeof(*ctx->area), GFP_KERNEL);
	rq = kunit_kzalloc(test, L1_CACHE_BYTES +
			   ZB_RQ_ENTRIES * sizeof(struct io_uring_zcrx_rqe),
			   GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->ifq);
	KUNIT_ASSERT_NOT_NULL(test, ctx->area);
	KUNIT_ASSERT_NOT_NULL(test, rq);

	spin_lock_init(&ctx->ifq->rq.lock);
	spin_lock_init(&ctx->ifq->alloc_lock);
	/* the bench's own; a pool's init takes another */
	refcount_set(&ctx->ifq->refs, 1);
	ctx->ifq->dev = ctx->dev;
	ctx->ifq->area = ctx->area;
	ctx->ifq->rq.ring = rq;
	ctx->ifq->rq.rqes = rq + L1_CACHE_BYTES;
	ctx->ifq->rq.nr_entries = ZB_RQ_ENTRIES;
	ctx->rq_ring = rq;

	zb_area_init(test, ctx);
	zb_ring_init(test, ctx);
	return 0;
}

static void zb_free_skbs(struct zb_ctx *ctx)
{
	while (ctx->nr_skbs)
		consume_skb(ctx->skbs[--ctx->nr_skbs]);
}

static void zb_pool_destroy(struct zb_ctx *ctx)
{
	if (ctx->pool)
		page_pool_destroy(ctx->pool);
	ctx->pool = NULL;
	if (ctx->ndev)
		free_netdev(ctx->ndev);
	ctx->ndev = NULL;
}

static void zb_exit(struct kunit *test)
{
	struct zb_ctx *ctx = test->priv;
	u32 i;

	if (!ctx)
		return;
	/* after a failed case: what the "user" holds, then the skbs' */
	if (ctx->area && ctx->area->user_refs)
		io_zcrx_scrub(ctx->ifq);
	zb_free_skbs(ctx);
	zb_pool_destroy(ctx);
	kvfree(ctx->dst);
	if (ctx->ring)
		kvfree(ctx->ring->rings);
	for (i = 0; ctx->pages && i < ZB_NIOVS && ctx->pages[i]; i++) {
		dma_unmap_page(ctx->dev, ctx->dma[i], PAGE_SIZE,
			       DMA_FROM_DEVICE);
		__free_page(ctx->pages[i]);
	}
}

/* A real page pool with the io_uring provider, as a driver creates it. */
static void zb_pool_create(struct kunit *test, struct zb_ctx *ctx)
{
	struct page_pool_params pp = {
		.order		= 0,
		.pool_size	= 1024,
		.nid		= NUMA_NO_NODE,
		.dev		= ctx->dev,
		.dma_dir	= DMA_FROM_DEVICE,
		.max_len	= PAGE_SIZE,
		.queue_idx	= 0,
		.flags		= PP_FLAG_DMA_MAP | PP_FLAG_DMA_SYNC_DEV |
				  PP_FLAG_ALLOW_UNREADABLE_NETMEM,
	};
	struct page_pool *pool;

	ctx->ndev = alloc_etherdev_mqs(0, 1, 1);
	KUNIT_ASSERT_NOT_NULL(test, ctx->ndev);
	ctx->ndev->_rx[0].mp_params.mp_ops = &io_uring_pp_zc_ops;
	ctx->ndev->_rx[0].mp_params.mp_priv = ctx->ifq;
	pp.netdev = ctx->ndev;

	rtnl_lock();
	pool = page_pool_create(&pp);
	rtnl_unlock();
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	ctx->pool = pool;
	KUNIT_ASSERT_PTR_EQ(test, pool->mp_ops, &io_uring_pp_zc_ops);
	KUNIT_ASSERT_PTR_EQ(test, io_pp_to_ifq(pool), ctx->ifq);
}

static netmem_ref zb_pool_alloc(struct page_pool *pool)
{
	netmem_ref netmem;

	local_bh_disable();
	netmem = page_pool_alloc_netmems(pool, GFP_ATOMIC | __GFP_NOWARN);
	local_bh_enable();
	return netmem;
}

static u8 zb_pattern(unsigned int skb, unsigned int pos)
{
	return skb * 7 + pos * 13 + (pos >> 8);
}

/*
 * An skb as TCP leaves it after header split: no linear data left, the
 * payload in frags of whole pages. @zc: the frags are buffers of the
 * io_uring pool; else ordinary pages holding a pattern.
 */
static struct sk_buff *zb_skb(struct kunit *test, struct zb_ctx *ctx,
			      unsigned int idx, unsigned int payload, bool zc)
{
	struct sk_buff *skb = alloc_skb(0, GFP_KERNEL);
	unsigned int i, pos = 0;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	ctx->skbs[ctx->nr_skbs++] = skb;
	for (i = 0; pos < payload; i++) {
		unsigned int n = min_t(unsigned int, payload - pos, PAGE_SIZE);

		if (zc) {
			netmem_ref netmem = zb_pool_alloc(ctx->pool);

			KUNIT_ASSERT_NE(test, netmem, 0);
			skb_add_rx_frag_netmem(skb, i, netmem, 0, n, PAGE_SIZE);
		} else {
			struct page *page = alloc_page(GFP_KERNEL);
			u8 *p;
			unsigned int j;

			KUNIT_ASSERT_NOT_NULL(test, page);
			p = page_address(page);
			for (j = 0; j < n; j++)
				p[j] = zb_pattern(idx, pos + j);
			skb_add_rx_frag(skb, i, page, 0, n, PAGE_SIZE);
		}
		pos += n;
	}
	if (zc)
		skb_mark_for_recycle(skb);
	KUNIT_ASSERT_EQ(test, skb_headlen(skb), 0U);
	return skb;
}

static void zb_build_skbs(struct kunit *test, struct zb_ctx *ctx,
			  unsigned int nr, unsigned int payload, bool zc)
{
	unsigned int i;

	zb_free_skbs(ctx);
	for (i = 0; i < nr; i++)
		zb_skb(test, ctx, i, payload, zc);
}

/* Userspace's side of the refill ring and the CQ. */
static u32 zb_rq_head(struct zb_ctx *ctx)
{
	/* pairs with the consumer's store-release of the head */
	return smp_load_acquire(&ctx->rq_ring->head);
}

static void zb_rq_push(struct zb_ctx *ctx, u64 off, u32 len)
{
	struct io_uring_zcrx_rqe *rqe;

	rqe = &ctx->ifq->rq.rqes[ctx->rq_tail++ & (ZB_RQ_ENTRIES - 1)];
	rqe->off = off;
	rqe->len = len;
	rqe->__pad = 0;
}

static void zb_rq_publish(struct zb_ctx *ctx)
{
	/* entries before the tail, as userspace must */
	smp_store_release(&ctx->rq_ring->tail, ctx->rq_tail);
}

static struct io_uring_cqe *zb_cqe(struct zb_ctx *ctx, u32 idx)
{
	return &ctx->ring->rings->cqes[(idx & (ZB_CQ_ENTRIES - 1)) << 1];
}

static void zb_cq_consume(struct zb_ctx *ctx)
{
	/* the CQEs were read before the kernel may reuse their slots */
	smp_store_release(&ctx->ring->rings->cq.head,
			  ctx->ring->cached_cq_tail);
}

/* recv-zc's actor over every skb, as one tcp_read_sock() per skb. */
static u64 zb_walk_pass(struct kunit *test, struct zb_ctx *ctx)
{
	unsigned int i, bad = 0;
	u64 bytes = 0;

	mutex_lock(&ctx->ring->uring_lock);
	for (i = 0; i < ctx->nr_skbs; i++) {
		struct sk_buff *skb = ctx->skbs[i];
		struct io_zcrx_args args = {
			.req = ctx->req,
			.ifq = ctx->ifq,
		};
		read_descriptor_t desc = {
			.count = skb->len,
			.arg.data = &args,
		};

		if (io_zcrx_recv_skb(&desc, skb, 0, skb->len) != skb->len)
			bad++;
		bytes += skb->len;
	}
	mutex_unlock(&ctx->ring->uring_lock);
	KUNIT_EXPECT_EQ(test, bad, 0U);
	return bytes;
}

/* The copy fallback filled the buffer of @cqe from skb @idx at @pos. */
static void zb_check_copied(struct kunit *test, struct zb_ctx *ctx,
			    struct io_uring_cqe *cqe, unsigned int idx,
			    unsigned int pos)
{
	u32 niov_idx = (cqe->big_cqe[0] & ~IORING_ZCRX_AREA_MASK) >> PAGE_SHIFT;
	u8 *p = page_address(ctx->pages[niov_idx]);
	unsigned int j, bad = 0;

	for (j = 0; j < cqe->res; j++)
		bad += p[j] != zb_pattern(idx, pos + j);
	KUNIT_EXPECT_EQ(test, bad, 0U);
}

/*
 * Userspace: every CQE of the pass back as a refill entry, the CQ
 * consumed, then the refill ring flushed (user and pp references dropped;
 * a buffer whose last reference goes returns to its pool or the freelist).
 * @verify: the CQEs are the copy fallback's: check the data.
 * Return the CQEs consumed.
 */
static unsigned int zb_return_pass(struct kunit *test, struct zb_ctx *ctx,
				   bool verify)
{
	u32 head = ctx->ring->rings->cq.head;
	u32 tail = ctx->ring->cached_cq_tail;
	unsigned int n = 0, bad = 0, skb = 0, pos = 0;

	for (; head != tail; head++, n++) {
		struct io_uring_cqe *cqe = zb_cqe(ctx, head);

		bad += cqe->user_data != ZB_USER_DATA || cqe->res <= 0 ||
		       !(cqe->flags & IORING_CQE_F_MORE);
		if (verify && skb < ctx->nr_skbs) {
			zb_check_copied(test, ctx, cqe, skb, pos);
			pos += cqe->res;
			if (pos >= ctx->skbs[skb]->len) {
				skb++;
				pos = 0;
			}
		}
		zb_rq_push(ctx, cqe->big_cqe[0], cqe->res);
	}
	zb_cq_consume(ctx);
	zb_rq_publish(ctx);
	io_zcrx_flush_rq(ctx->ifq);
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_EQ(test, zb_rq_head(ctx), ctx->rq_tail);
	return n;
}

/* Walk rows: the walk timed in @walk, the return of its buffers in @ret. */
static void zb_run_zc(struct kunit *test, struct zb_ctx *ctx,
		      struct zb_row *walk, struct zb_row *ret, bool verify,
		      unsigned int cqes_per_pass)
{
	u64 passes = 0, max = zb_smoke() ? 2 : 100000;

	/* warm up (and check the data once) */
	zb_walk_pass(test, ctx);
	KUNIT_ASSERT_EQ(test, zb_return_pass(test, ctx, verify),
			cqes_per_pass);
	while (walk->ns < ZB_ROW_NS && passes < max) {
		u64 t0, t1, t2, bytes;

		t0 = ktime_get_ns();
		bytes = zb_walk_pass(test, ctx);
		t1 = ktime_get_ns();
		KUNIT_ASSERT_EQ(test, zb_return_pass(test, ctx, false),
				cqes_per_pass);
		t2 = ktime_get_ns();
		zb_sample(walk, t1 - t0, ctx->nr_skbs, bytes / ctx->nr_skbs);
		zb_sample(ret, t2 - t1, ctx->nr_skbs, bytes / ctx->nr_skbs);
		passes++;
		cond_resched();
	}
}

/* The ordinary copy of every skb into a reused 1 MiB buffer. */
static u64 zb_copy_pass(struct kunit *test, struct zb_ctx *ctx)
{
	unsigned int i, bad = 0, off = 0;
	u64 bytes = 0;

	for (i = 0; i < ctx->nr_skbs; i++) {
		struct sk_buff *skb = ctx->skbs[i];
		struct kvec kv;
		struct iov_iter iter;

		if (off + skb->len > ZB_DST_SIZE)
			off = 0;
		if (!off)
			ctx->dst_first = i;
		kv.iov_base = ctx->dst + off;
		kv.iov_len = skb->len;
		iov_iter_kvec(&iter, ITER_DEST, &kv, 1, skb->len);
		bad += skb_copy_datagram_iter(skb, 0, &iter, skb->len) != 0;
		off += skb->len;
		bytes += skb->len;
	}
	KUNIT_EXPECT_EQ(test, bad, 0U);
	return bytes;
}

/* The skb copied last to the start of the buffer is there. */
static void zb_check_dst(struct kunit *test, struct zb_ctx *ctx)
{
	unsigned int j, bad = 0, idx = ctx->dst_first;
	unsigned int len = ctx->skbs[idx]->len;
	u8 *p = ctx->dst;

	for (j = 0; j < len; j++)
		bad += p[j] != zb_pattern(idx, j);
	KUNIT_EXPECT_EQ(test, bad, 0U);
}

static void zb_run_copy(struct kunit *test, struct zb_ctx *ctx,
			struct zb_row *row)
{
	u64 passes = 0, max = zb_smoke() ? 2 : 100000;

	memset(ctx->dst, 0, ZB_DST_SIZE);
	zb_copy_pass(test, ctx);
	zb_check_dst(test, ctx);
	while (row->ns < ZB_ROW_NS && passes < max) {
		u64 t0 = ktime_get_ns();
		u64 bytes = zb_copy_pass(test, ctx);

		zb_sample(row, ktime_get_ns() - t0, ctx->nr_skbs,
			  bytes / ctx->nr_skbs);
		passes++;
		cond_resched();
	}
}

struct zb_recv_size {
	const char *name;
	unsigned int payload;
};

static const struct zb_recv_size zb_recv_sizes[] = {
	{ "recv-1448", 1448 },		/* MTU 1500: one frag */
	{ "recv-8948", 8948 },		/* MTU 9000: three 4K frags */
	{ "recv-64k", 65536 },		/* a GRO skb: sixteen 4K frags */
};

static void zb_recv_one_size(struct kunit *test, struct zb_ctx *ctx,
			     const struct zb_recv_size *sz)
{
	unsigned int frags = DIV_ROUND_UP(sz->payload, PAGE_SIZE);
	unsigned int nr = min_t(unsigned int, ZB_MAX_SKBS,
				 ZB_FRAGS_PER_PASS / frags);
	struct zb_row copy, zc, zc_ret, fb, fb_ret;

	zb_row_init(test, &copy, "copy", "skb", ZB_RECV_GROUP);
	zb_row_init(test, &zc, "zc", "skb", ZB_RECV_GROUP);
	zb_row_init(test, &zc_ret, "zc-return", "skb", ZB_RECV_GROUP);
	zb_row_init(test, &fb, "fallback", "skb", ZB_RECV_GROUP);
	zb_row_init(test, &fb_ret, "fallback-return", "skb", ZB_RECV_GROUP);

	/* ordinary pages: the copy, then recv-zc's copy fallback */
	zb_build_skbs(test, ctx, nr, sz->payload, false);
	zb_run_copy(test, ctx, &copy);
	zb_run_zc(test, ctx, &fb, &fb_ret, true, nr * frags);
	KUNIT_EXPECT_EQ(test, ctx->area->free_count, ZB_NIOVS);

	/* frags in the area, from a pool with the io_uring provider */
	zb_pool_create(test, ctx);
	zb_build_skbs(test, ctx, nr, sz->payload, true);
	zb_run_zc(test, ctx, &zc, &zc_ret, false, nr * frags);
	/* every buffer back: the skbs' go to the pool, the pool's here */
	zb_free_skbs(ctx);
	zb_pool_destroy(ctx);
	KUNIT_EXPECT_EQ(test, ctx->area->free_count, ZB_NIOVS);

	zb_print(test, sz->name, &copy, &copy);
	zb_print(test, sz->name, &zc, &copy);
	zb_print(test, sz->name, &zc_ret, &copy);
	zb_print(test, sz->name, &fb, &copy);
	zb_print(test, sz->name, &fb_ret, &copy);
}

static void zb_note(struct kunit *test)
{
	if (zb_smoke())
		kunit_info(test, "zcrx_bench: note=smoke-run (debug kernel: counts checked, numbers meaningless)\n");
}

/*
 * Receive path: the same header-split skbs through the ordinary copy,
 * recv-zc's walk and CQE posting, and recv-zc's copy fallback.
 */
static void zcrx_bench_recv(struct kunit *test)
{
	struct zb_ctx *ctx = test->priv;
	int i;

	zb_note(test);
	ctx->ring->submitter_task = current;
	ctx->dst = kvzalloc(ZB_DST_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->dst);

	for (i = 0; i < ARRAY_SIZE(zb_recv_sizes); i++)
		zb_recv_one_size(test, ctx, &zb_recv_sizes[i]);
}

static u64 zb_pool_buffers(void)
{
	return zb_smoke() ? ZB_SMOKE_BUFFERS : ZB_POOL_BUFFERS;
}

/* A plain page pool: alloc a batch, put it back; @direct: NAPI-local. */
static void zb_run_plain_pool(struct kunit *test, struct zb_row *row,
			      bool direct)
{
	struct page_pool_params pp = {
		.order		= 0,
		.pool_size	= 1024,
		.nid		= NUMA_NO_NODE,
		.dma_dir	= DMA_FROM_DEVICE,
	};
	netmem_ref batch[ZB_BATCH];
	struct page_pool *pool;
	u64 t0, done = 0, failed = 0;
	int i;

	pool = page_pool_create(&pp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);

	t0 = ktime_get_ns();
	while (done < zb_pool_buffers()) {
		local_bh_disable();
		for (i = 0; i < ZB_BATCH; i++) {
			batch[i] = page_pool_alloc_netmems(pool, GFP_ATOMIC);
			failed += !batch[i];
		}
		for (i = 0; i < ZB_BATCH; i++)
			if (batch[i])
				page_pool_put_full_netmem(pool, batch[i],
							  direct);
		local_bh_enable();
		done += ZB_BATCH;
		t0 = zb_batch_done(row, t0, done);
	}
	page_pool_destroy(pool);
	KUNIT_EXPECT_EQ(test, failed, 0ULL);
}

/*
 * One batch of the io_uring provider's round: alloc (the pool enters the
 * provider, whose ring consumer refills the cache, when the cache is
 * empty: timed apart in @refill), what io_zcrx_recv_frag() does for a
 * buffer (@cqe: with its CQE), the skb's reference dropped, then
 * userspace: the CQEs read, a refill entry each, the tail published.
 */
static void zb_iou_batch(struct kunit *test, struct zb_ctx *ctx, bool cqe,
			 struct zb_row *refill)
{
	struct page_pool *pool = ctx->pool;
	netmem_ref batch[ZB_BATCH];
	unsigned int i, bad = 0;

	local_bh_disable();
	for (i = 0; i < ZB_BATCH; i++) {
		if (!pool->alloc.count) {
			u64 t0 = ktime_get_ns();

			batch[i] = page_pool_alloc_netmems(pool, GFP_ATOMIC);
			zb_sample(refill, ktime_get_ns() - t0,
				  pool->alloc.count + 1, PAGE_SIZE);
		} else {
			batch[i] = page_pool_alloc_netmems(pool, GFP_ATOMIC);
		}
		bad += !batch[i];
	}
	local_bh_enable();
	KUNIT_ASSERT_EQ(test, bad, 0U);

	for (i = 0; i < ZB_BATCH; i++) {
		struct net_iov *niov = netmem_to_net_iov(batch[i]);

		if (cqe)
			bad += !io_zcrx_queue_cqe(ctx->req, niov, ctx->ifq, 0,
						  PAGE_SIZE);
		page_pool_ref_netmem(batch[i]);
		io_zcrx_get_niov_uref(niov);
	}
	local_bh_disable();
	for (i = 0; i < ZB_BATCH; i++)
		page_pool_put_full_netmem(pool, batch[i], false);
	local_bh_enable();

	for (i = 0; i < ZB_BATCH; i++) {
		u64 off;

		if (cqe)
			off = zb_cqe(ctx, ctx->ring->rings->cq.head + i)->big_cqe[0];
		else
			off = (u64)net_iov_idx(netmem_to_net_iov(batch[i])) <<
			      PAGE_SHIFT;
		zb_rq_push(ctx, off, PAGE_SIZE);
	}
	if (cqe)
		zb_cq_consume(ctx);
	zb_rq_publish(ctx);
	KUNIT_ASSERT_EQ(test, bad, 0U);
}

static void zb_run_iou(struct kunit *test, struct zb_ctx *ctx,
		       struct zb_row *row, struct zb_row *refill, bool cqe)
{
	u64 t0, done = 0;

	mutex_lock(&ctx->ring->uring_lock);
	t0 = ktime_get_ns();
	while (done < zb_pool_buffers()) {
		zb_iou_batch(test, ctx, cqe, refill);
		done += ZB_BATCH;
		t0 = zb_batch_done(row, t0, done);
	}
	mutex_unlock(&ctx->ring->uring_lock);
}

static void zb_run_clock(struct zb_row *row)
{
	int i, j;

	for (i = 0; i < 100; i++) {
		u64 t0 = ktime_get_ns();

		for (j = 0; j < 1000; j++)
			ktime_get_ns();
		zb_sample(row, ktime_get_ns() - t0, 1000, 0);
	}
}

/*
 * Provider: a plain page pool's alloc -> recycle against the io_uring
 * provider's alloc -> CQE -> refill -> recycle, per buffer, and the
 * refill consumer's cost per entry.
 */
static void zcrx_bench_provider(struct kunit *test)
{
	struct zb_ctx *ctx = test->priv;
	struct zb_row ring, direct, iou, iou_nocqe, refill, refill_nocqe, clock;

	zb_row_init(test, &ring, "pp-ring", "buf", ZB_POOL_GROUP);
	zb_row_init(test, &direct, "pp-direct", "buf", ZB_POOL_GROUP);
	zb_row_init(test, &iou, "iou-round", "buf", ZB_POOL_GROUP);
	zb_row_init(test, &iou_nocqe, "iou-round-nocqe", "buf", ZB_POOL_GROUP);
	zb_row_init(test, &refill, "iou-refill", "entry", ZB_POOL_GROUP);
	zb_row_init(test, &refill_nocqe, "iou-refill-nocqe", "entry", ZB_POOL_GROUP);
	zb_row_init(test, &clock, "clock", "read", 1);
	zb_note(test);
	ctx->ring->submitter_task = current;
	zb_run_clock(&clock);
	zb_run_plain_pool(test, &ring, false);
	zb_run_plain_pool(test, &direct, true);

	zb_pool_create(test, ctx);
	zb_run_iou(test, ctx, &iou, &refill, true);
	zb_run_iou(test, ctx, &iou_nocqe, &refill_nocqe, false);
	KUNIT_EXPECT_GT(test, refill.iters, 0ULL);

	/* the last batch, still in the refill ring, then the pool's cache */
	io_zcrx_flush_rq(ctx->ifq);
	KUNIT_EXPECT_EQ(test, zb_rq_head(ctx), ctx->rq_tail);
	zb_pool_destroy(ctx);
	KUNIT_EXPECT_EQ(test, ctx->area->free_count, ZB_NIOVS);

	zb_print(test, "pool", &ring, &ring);
	zb_print(test, "pool", &direct, &ring);
	zb_print(test, "pool", &iou, &ring);
	zb_print(test, "pool", &iou_nocqe, &ring);
	zb_print(test, "pool", &refill, &ring);
	zb_print(test, "pool", &refill_nocqe, &ring);
	zb_print(test, "pool", &clock, &clock);
}

static struct kunit_case zcrx_bench_cases[] = {
	KUNIT_CASE(zcrx_bench_recv),
	KUNIT_CASE(zcrx_bench_provider),
	{}
};

static struct kunit_suite zcrx_bench_suite = {
	.name = "io_uring_zcrx_bench",
	.init = zb_init,
	.exit = zb_exit,
	.test_cases = zcrx_bench_cases,
};

kunit_test_suite(zcrx_bench_suite);
