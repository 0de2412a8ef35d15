// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring zero-copy receive (zcrx).
 *
 * One buffer's life, in the order of this file
 * --------------------------------------------
 * IORING_REGISTER_ZCRX_IFQ pins an area of user memory and maps it for
 * the device; each page of it is a buffer, a net_iov of the area. The
 * interface queue (ifq) binds a page pool memory provider over the area
 * to one rx queue of a netdev. When the queue's page pool needs buffers
 * it calls ->alloc_netmems(): buffers userspace gave back through the
 * refill ring come first (io_zcrx_ring_refill()), then buffers nobody has
 * (the freelist, io_zcrx_refill_slow()). The NIC writes payload into
 * them, the stack queues the skbs on a socket, and IORING_OP_RECV_ZC
 * (io_zcrx_recv()) walks the skbs and posts one 32-byte CQE per chunk,
 * its second half the chunk's offset in the area (io_zcrx_queue_cqe()).
 * Payload in other memory is copied into a free buffer first (the copy
 * fallback). Userspace reads the data in place and writes a refill entry
 * for each CQE; the next ->alloc_netmems() takes the buffer back.
 *
 * References
 * ----------
 * A buffer has the page pool's pp_ref_count and, apart from it, a user
 * count (area->user_refs[], upstream's IO_ZC_RX_UREF idea): how many CQEs
 * naming it userspace has not returned. Every user reference is backed by
 * one pp reference, so a buffer userspace holds is never recycled; a
 * refill entry for a buffer with no user reference is skipped. At
 * shutdown the scrub drops whatever user references are left.
 *
 * An ifq has two counts: @user_refs, the rings that registered or
 * imported it and its export files, and @refs, those users' one
 * reference plus one per page pool using it. The last user going unbinds
 * the queue and scrubs; the last reference frees the ifq, so pages are
 * never unpinned under a page pool that still has buffers out.
 *
 * Context and locking
 * -------------------
 * - Registration, ctrl, query and fdinfo run in process context under
 *   ctx->uring_lock (query also without a ring). Binding and unbinding
 *   the queue take rtnl_lock inside uring_lock, as upstream takes the
 *   netdev lock there; nothing takes uring_lock under rtnl_lock.
 * - ctx->zcrx_ctxs maps ids to ifqs. Entries appear at the end of a
 *   successful registration and go when the ring is freed, so a request
 *   or an mmap that found an ifq may use it while it holds the ring.
 * - ->alloc_netmems() and ->release_netmem() run in the page pool's
 *   contexts (NAPI/softirq, or process context when a pool goes). They
 *   take ifq->rq.lock (the refill ring) and ifq->alloc_lock (the
 *   freelist), BH safe spinlocks; alloc_lock nests inside rq.lock when a
 *   buffer the ring gives back goes to the freelist, never the other way.
 * - ->init() and ->destroy() run in process context, ->uninstall() under
 *   rtnl_lock when the netdev is unregistered. ifq->pp_lock serialises
 *   the area's DMA unmap between ->uninstall() and the ifq's free.
 * - IORING_OP_RECV_ZC runs in the submitter task (the ring is
 *   DEFER_TASKRUN) with uring_lock held, the socket under lock_sock().
 * - user_refs[] are atomics: the receive path increments, the refill
 *   consumer and the scrub decrement with compare-and-exchange, so a
 *   reference is dropped exactly once.
 * - Events (7.2) are raised where they happen: ALLOC_FAIL in
 *   ->alloc_netmems() (softirq), COPY on the copy path (the submitter
 *   task), after rq.lock and alloc_lock are let go. ifq->ctx_lock, a BH
 *   safe spinlock that nests inside the socket lock and takes no other
 *   lock of this file, guards master_ctx and fired_notifs. The event's
 *   CQE is posted by task work in the master ring's submitter task, the
 *   work holding a ctx reference. The ring lets go of master_ctx when its
 *   file goes (io_terminate_zcrx()), before its exit work waits for
 *   ctx->refs.
 */

#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/io_uring.h>
#include <linux/mm.h>
#include <linux/netdevice.h>
#include <linux/nospec.h>
#include <linux/rtnetlink.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include <net/netdev_rx_queue.h>
#include <net/netlink.h>
#include <net/page_pool/helpers.h>
#include <net/page_pool/memory_provider.h>
#include <net/rps.h>
#include <net/tcp.h>

#include <uapi/linux/io_uring.h>
#include <uapi/linux/io_uring/query.h>

#include "io_uring.h"
#include "memmap.h"
#include "rsrc.h"
#include "zcrx.h"

#define IO_DMA_ATTR		(DMA_ATTR_SKIP_CPU_SYNC | DMA_ATTR_WEAK_ORDERING)
#define IO_ZCRX_REG_FLAGS	(ZCRX_REG_IMPORT | ZCRX_REG_NODEV)
#define IO_ZCRX_FEATURES	ZCRX_FEATURE_EVENT
#define IO_ZCRX_EVENT_TYPES	(BIT(ZCRX_EVENT_ALLOC_FAIL) | BIT(ZCRX_EVENT_COPY))
/* 6.12's page helpers count a region's pages in an unsigned short */
#define IO_ZCRX_REGION_MAX	((u64)U16_MAX << PAGE_SHIFT)

static inline struct io_zcrx_ifq *io_pp_to_ifq(struct page_pool *pp)
{
	return pp->mp_priv;
}

static inline struct io_zcrx_area *io_zcrx_iov_to_area(const struct net_iov *niov)
{
	struct net_iov_area *owner = net_iov_owner(niov);

	return container_of(owner, struct io_zcrx_area, nia);
}

static inline struct page *io_zcrx_iov_page(const struct net_iov *niov)
{
	struct io_zcrx_area *area = io_zcrx_iov_to_area(niov);

	lockdep_assert(!area->mem.is_dmabuf);
	return area->mem.pages[net_iov_idx(niov)];
}

/* Give each buffer its DMA address, walking the mapped segments. */
static int io_populate_area_dma(struct io_zcrx_ifq *ifq,
				struct io_zcrx_area *area)
{
	struct sg_table *sgt = area->mem.sgt;
	struct scatterlist *sg;
	unsigned int i, niov_idx = 0;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		dma_addr_t dma = sg_dma_address(sg);
		unsigned long sg_len = sg_dma_len(sg);

		if (WARN_ON_ONCE(sg_len % PAGE_SIZE))
			return -EINVAL;

		while (sg_len && niov_idx < area->nia.num_niovs) {
			struct net_iov *niov = &area->nia.niovs[niov_idx];

			if (net_mp_niov_set_dma_addr(niov, dma))
				return -EFAULT;
			sg_len -= PAGE_SIZE;
			dma += PAGE_SIZE;
			niov_idx++;
		}
	}

	if (WARN_ON_ONCE(niov_idx != area->nia.num_niovs))
		return -EFAULT;
	return 0;
}

/*
 * What pinning costs: a folio is pinned whole, so each folio the pages
 * belong to is charged with all its pages.
 */
static unsigned long io_count_account_pages(struct page **pages,
					    unsigned long nr_pages)
{
	struct folio *last_folio = NULL;
	unsigned long i, res = 0;

	for (i = 0; i < nr_pages; i++) {
		struct folio *folio = page_folio(pages[i]);

		if (folio == last_folio)
			continue;
		last_folio = folio;
		res += folio_nr_pages(folio);
	}
	return res;
}

/*
 * The largest sg segment the device maps in one piece: contiguous pages
 * are merged into one segment, and swiotlb bounces at most
 * dma_max_mapping_size() bytes at a time (IO_TLB_SEGSIZE slots), so an
 * unbounded segment fails to map with swiotlb=force or a DMA-limited
 * device. As drm_prime_pages_to_sg() does.
 */
static unsigned int io_zcrx_max_segment(struct device *dev)
{
	size_t max = UINT_MAX;

	if (dev) {
		max = min_t(size_t, max, dma_max_mapping_size(dev));
		max = min_t(size_t, max, dma_get_max_seg_size(dev));
	}
	return max(round_down(max, PAGE_SIZE), PAGE_SIZE);
}

/* The attachment's mapping goes when the device stops using the area. */
static void io_unmap_dmabuf(struct io_zcrx_mem *mem)
{
#if IS_ENABLED(CONFIG_DMA_SHARED_BUFFER)
	if (mem->sgt)
		dma_buf_unmap_attachment_unlocked(mem->attach, mem->sgt,
						  DMA_FROM_DEVICE);
	if (mem->attach)
		dma_buf_detach(mem->dmabuf, mem->attach);
	mem->sgt = NULL;
	mem->attach = NULL;
#endif
}

static void io_release_dmabuf(struct io_zcrx_mem *mem)
{
#if IS_ENABLED(CONFIG_DMA_SHARED_BUFFER)
	if (mem->dmabuf)
		dma_buf_put(mem->dmabuf);
	mem->dmabuf = NULL;
#endif
}

/*
 * A dma-buf area (upstream 6.16): the buffer's DMA addresses for the
 * device, never a CPU address. Only for a device (-EINVAL for NODEV) and
 * with addr 0; the mapping must cover exactly len bytes in whole pages
 * (-EINVAL), checked here so io_populate_area_dma() cannot warn.
 */
static int io_import_dmabuf(struct io_zcrx_ifq *ifq,
			    struct io_zcrx_mem *mem,
			    const struct io_uring_zcrx_area_reg *area_reg)
{
#if IS_ENABLED(CONFIG_DMA_SHARED_BUFFER)
	unsigned long total = 0;
	struct scatterlist *sg;
	unsigned int i;
	int ret;

	if (!ifq->dev || area_reg->addr)
		return -EINVAL;
	mem->is_dmabuf = true;

	mem->dmabuf = dma_buf_get(area_reg->dmabuf_fd);
	if (IS_ERR(mem->dmabuf)) {
		ret = PTR_ERR(mem->dmabuf);
		mem->dmabuf = NULL;
		goto err;
	}
	mem->attach = dma_buf_attach(mem->dmabuf, ifq->dev);
	if (IS_ERR(mem->attach)) {
		ret = PTR_ERR(mem->attach);
		mem->attach = NULL;
		goto err;
	}
	mem->sgt = dma_buf_map_attachment_unlocked(mem->attach,
						   DMA_FROM_DEVICE);
	if (IS_ERR(mem->sgt)) {
		ret = PTR_ERR(mem->sgt);
		mem->sgt = NULL;
		goto err;
	}

	ret = -EINVAL;
	for_each_sgtable_dma_sg(mem->sgt, sg, i) {
		if (!PAGE_ALIGNED(sg_dma_address(sg)) ||
		    !PAGE_ALIGNED(sg_dma_len(sg)))
			goto err;
		total += sg_dma_len(sg);
	}
	if (total != area_reg->len)
		goto err;
	mem->size = area_reg->len;
	return 0;
err:
	io_unmap_dmabuf(mem);
	io_release_dmabuf(mem);
	return ret;
#else
	return -EINVAL;
#endif
}

/* Pin the user's pages, map them for the device if there is one, charge. */
static int io_import_umem(struct io_zcrx_ifq *ifq,
			  struct io_zcrx_mem *mem,
			  const struct io_uring_zcrx_area_reg *area_reg)
{
	struct page **pages;
	bool mapped = false;
	int nr_pages, ret;

	if (area_reg->dmabuf_fd)
		return -EINVAL;
	if (!area_reg->addr)
		return -EFAULT;
	pages = io_pin_pages((unsigned long)area_reg->addr, area_reg->len,
			     &nr_pages);
	if (IS_ERR(pages))
		return PTR_ERR(pages);

	ret = sg_alloc_table_from_pages_segment(&mem->page_sg_table, pages,
						nr_pages, 0,
						(unsigned long)nr_pages << PAGE_SHIFT,
						io_zcrx_max_segment(ifq->dev),
						GFP_KERNEL_ACCOUNT);
	if (ret)
		goto out_err;

	if (ifq->dev) {
		ret = dma_map_sgtable(ifq->dev, &mem->page_sg_table,
				      DMA_FROM_DEVICE, IO_DMA_ATTR);
		if (ret < 0)
			goto out_err;
		mapped = true;
	}

	mem->account_pages = io_count_account_pages(pages, nr_pages);
	ret = io_account_mem(ifq->user, ifq->mm_account, mem->account_pages);
	if (ret < 0) {
		mem->account_pages = 0;
		goto out_err;
	}

	mem->sgt = &mem->page_sg_table;
	mem->pages = pages;
	mem->nr_folios = nr_pages;
	mem->size = area_reg->len;
	return 0;
out_err:
	if (mapped)
		dma_unmap_sgtable(ifq->dev, &mem->page_sg_table,
				  DMA_FROM_DEVICE, IO_DMA_ATTR);
	sg_free_table(&mem->page_sg_table);
	unpin_user_pages(pages, nr_pages);
	kvfree(pages);
	return ret;
}

static void io_release_area_mem(struct io_zcrx_mem *mem)
{
	if (mem->is_dmabuf) {
		io_release_dmabuf(mem);
		return;
	}
	if (mem->pages) {
		unpin_user_pages(mem->pages, mem->nr_folios);
		sg_free_table(mem->sgt);
		kvfree(mem->pages);
	}
	mem->pages = NULL;
	mem->sgt = NULL;
}

/*
 * Upstream's io_validate_user_buf_range() (io_uring/rsrc.c), which 6.12
 * does not have: a length of 0 is -EFAULT, a range that wraps is
 * -EOVERFLOW. There is no length limit here: io_pin_pages() bounds the
 * number of pages.
 */
static int io_validate_user_buf_range(u64 uaddr, u64 ulen)
{
	unsigned long tmp, base = (unsigned long)uaddr;
	unsigned long acct_len = (unsigned long)PAGE_ALIGN(ulen);

	if (!ulen)
		return -EFAULT;
	/* a 32-bit kernel cannot take a 64-bit address or length */
	if (ulen > ULONG_MAX || uaddr > ULONG_MAX)
		return -EFAULT;
	if (check_add_overflow(base, acct_len, &tmp))
		return -EOVERFLOW;
	return 0;
}

static int io_import_area(struct io_zcrx_ifq *ifq,
			  struct io_zcrx_mem *mem,
			  const struct io_uring_zcrx_area_reg *area_reg)
{
	int ret;

	if (area_reg->flags & ~IORING_ZCRX_AREA_DMABUF)
		return -EINVAL;
	if (area_reg->rq_area_token)
		return -EINVAL;
	if (area_reg->__resv2[0] || area_reg->__resv2[1])
		return -EINVAL;

	ret = io_validate_user_buf_range(area_reg->addr, area_reg->len);
	if (ret)
		return ret;
	if (area_reg->addr & ~PAGE_MASK || area_reg->len & ~PAGE_MASK)
		return -EINVAL;

	if (area_reg->flags & IORING_ZCRX_AREA_DMABUF)
		return io_import_dmabuf(ifq, mem, area_reg);
	return io_import_umem(ifq, mem, area_reg);
}

static void __io_zcrx_unmap_area(struct io_zcrx_ifq *ifq,
				 struct io_zcrx_area *area)
{
	unsigned int i;

	lockdep_assert_held(&ifq->pp_lock);

	if (!area || !area->is_mapped)
		return;
	area->is_mapped = false;

	/* a registration that failed before the net_iovs existed */
	if (area->nia.niovs) {
		for (i = 0; i < area->nia.num_niovs; i++)
			net_mp_niov_set_dma_addr(&area->nia.niovs[i], 0);
	}
	if (area->mem.is_dmabuf)
		io_unmap_dmabuf(&area->mem);
	else
		dma_unmap_sgtable(ifq->dev, &area->mem.page_sg_table,
				  DMA_FROM_DEVICE, IO_DMA_ATTR);
}

/* Once, by whoever comes first: the queue's unbind or netdev unregister. */
static void io_zcrx_unmap_area(struct io_zcrx_ifq *ifq)
{
	guard(mutex)(&ifq->pp_lock);
	__io_zcrx_unmap_area(ifq, ifq->area);
}

static void zcrx_sync_for_device(struct page_pool *pp, struct net_iov *niov)
{
#if defined(CONFIG_HAS_DMA) && defined(CONFIG_DMA_NEED_SYNC)
	dma_addr_t dma_addr;

	if (!dma_dev_need_sync(pp->p.dev))
		return;
	dma_addr = page_pool_get_dma_addr_netmem(net_iov_to_netmem(niov));
	__dma_sync_single_for_device(pp->p.dev, dma_addr + pp->p.offset,
				     PAGE_SIZE, pp->p.dma_dir);
#endif
}

#define IO_RQ_MAX_ENTRIES		32768

/* skbs one issue may consume before it yields to other requests */
#define IO_SKBS_PER_CALL_LIMIT	20

struct io_zcrx_args {
	struct io_kiocb		*req;
	struct io_zcrx_ifq	*ifq;
	unsigned int		nr_skbs;
	/* why a read that made progress stopped: retried, see below */
	int			err;
};

static const struct memory_provider_ops io_uring_pp_zc_ops;

static inline atomic_t *io_get_user_counter(struct net_iov *niov)
{
	struct io_zcrx_area *area = io_zcrx_iov_to_area(niov);

	return &area->user_refs[net_iov_idx(niov)];
}

/* Drop a reference userspace holds; false if it holds none. */
static bool io_zcrx_put_niov_uref(struct net_iov *niov)
{
	atomic_t *uref = io_get_user_counter(niov);
	int old = atomic_read(uref);

	do {
		if (unlikely(!old))
			return false;
	} while (!atomic_try_cmpxchg(uref, &old, old - 1));
	return true;
}

static void io_zcrx_get_niov_uref(struct net_iov *niov)
{
	atomic_inc(io_get_user_counter(niov));
}

static size_t io_zcrx_rq_hdr_size(void)
{
	return ALIGN(sizeof(struct io_uring), L1_CACHE_BYTES);
}

static void io_fill_zcrx_offsets(struct io_uring_zcrx_offsets *offsets)
{
	offsets->head = offsetof(struct io_uring, head);
	offsets->tail = offsetof(struct io_uring, tail);
	offsets->rqes = io_zcrx_rq_hdr_size();
}

/*
 * The checks and errnos of upstream's io_create_region(), after the size
 * check of io_allocate_rbuf_ring(). Regions stop at IO_ZCRX_REGION_MAX
 * (-E2BIG), far above what IO_RQ_MAX_ENTRIES entries need.
 */
static int io_zcrx_check_region(const struct io_uring_region_desc *rd,
				size_t need)
{
	u64 end;

	if (rd->size < need)
		return -EINVAL;
	if (!mem_is_zero(rd->__resv, sizeof(rd->__resv)))
		return -EINVAL;
	if (rd->flags & ~IORING_MEM_REGION_TYPE_USER)
		return -EINVAL;
	/* user_addr is set if and only if user memory backs the region */
	if (!!(rd->flags & IORING_MEM_REGION_TYPE_USER) != !!rd->user_addr)
		return -EFAULT;
	if (!rd->size || rd->mmap_offset || rd->id)
		return -EINVAL;
	if (rd->size > IO_ZCRX_REGION_MAX)
		return -E2BIG;
	if ((rd->user_addr | rd->size) & ~PAGE_MASK)
		return -EINVAL;
	if (check_add_overflow(rd->user_addr, rd->size, &end))
		return -EOVERFLOW;
	return 0;
}

/* 6.12 has no io_mapped_region: the refill ring's own, in upstream's order. */
static int io_allocate_rbuf_ring(struct io_zcrx_ifq *ifq,
				 struct io_uring_region_desc *rd, u32 id)
{
	struct io_zcrx_region *r = &ifq->rq_region;
	size_t need = io_zcrx_rq_hdr_size() +
		      ifq->rq.nr_entries * sizeof(struct io_uring_zcrx_rqe);
	void *ptr;
	int ret;

	ret = io_zcrx_check_region(rd, need);
	if (ret)
		return ret;
	ret = io_account_mem(ifq->user, ifq->mm_account, rd->size >> PAGE_SHIFT);
	if (ret)
		return ret;
	r->acct_pages = rd->size >> PAGE_SHIFT;

	if (rd->flags & IORING_MEM_REGION_TYPE_USER) {
		ptr = __io_uaddr_map(&r->pages, &r->nr_pages, rd->user_addr,
				     rd->size);
		r->is_user = true;
	} else {
		ptr = io_pages_map(&r->pages, &r->nr_pages, rd->size);
		/* '+' as upstream: an id past 2047 fails mmap, never aliases */
		r->mmap_offset = IORING_MAP_OFF_ZCRX_REGION +
				 ((u64)id << IORING_OFF_ZCRX_SHIFT);
		rd->mmap_offset = r->mmap_offset;
	}
	if (IS_ERR(ptr))
		return PTR_ERR(ptr);
	r->ptr = ptr;

	ifq->rq.ring = ptr;
	ifq->rq.rqes = ptr + io_zcrx_rq_hdr_size();
	/* user memory may hold anything: head and tail start at 0 */
	memset(ifq->rq.ring, 0, sizeof(*ifq->rq.ring));
	return 0;
}

static void io_free_rbuf_ring(struct io_zcrx_ifq *ifq)
{
	struct io_zcrx_region *r = &ifq->rq_region;

	if (r->ptr && r->is_user) {
		vunmap(r->ptr);
		io_pages_free(&r->pages, r->nr_pages);
	} else if (r->ptr) {
		io_pages_unmap(r->ptr, &r->pages, &r->nr_pages, true);
	}
	r->ptr = NULL;
	if (r->acct_pages)
		io_unaccount_mem(ifq->user, ifq->mm_account, r->acct_pages);
	r->acct_pages = 0;
	ifq->rq.ring = NULL;
	ifq->rq.rqes = NULL;
	ifq->notif_stats = NULL;
}

static void io_zcrx_free_area(struct io_zcrx_ifq *ifq,
			      struct io_zcrx_area *area)
{
	scoped_guard(mutex, &ifq->pp_lock)
		__io_zcrx_unmap_area(ifq, area);
	io_release_area_mem(&area->mem);

	if (area->mem.account_pages)
		io_unaccount_mem(ifq->user, ifq->mm_account,
				 area->mem.account_pages);

	kvfree(area->freelist);
	kvfree(area->nia.niovs);
	kvfree(area->user_refs);
	kfree(area);
}

static int io_zcrx_create_area(struct io_zcrx_ifq *ifq,
			       struct io_uring_zcrx_area_reg *area_reg,
			       struct io_uring_zcrx_ifq_reg *reg)
{
	struct io_zcrx_area *area;
	unsigned int nr_iovs;
	int i, ret;

	/* 0 means PAGE_SIZE; larger buffers are not there yet on 6.12 */
	if (reg->rx_buf_len) {
		if (!is_power_of_2(reg->rx_buf_len) ||
		    reg->rx_buf_len < PAGE_SIZE)
			return -EINVAL;
		if (reg->rx_buf_len != PAGE_SIZE)
			return -EOPNOTSUPP;
	}

	ret = -ENOMEM;
	area = kzalloc(sizeof(*area), GFP_KERNEL);
	if (!area)
		goto err;
	area->ifq = ifq;

	ret = io_import_area(ifq, &area->mem, area_reg);
	if (ret)
		goto err;
	if (ifq->dev)
		area->is_mapped = true;

	nr_iovs = area->mem.size >> PAGE_SHIFT;
	area->nia.num_niovs = nr_iovs;

	/*
	 * A huge area makes these arrays pass kvmalloc()'s INT_MAX limit
	 * below io_pin_pages()'s bound: -ENOMEM, without its WARN.
	 */
	ret = -ENOMEM;
	area->nia.niovs = kvcalloc(nr_iovs, sizeof(area->nia.niovs[0]),
				   GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!area->nia.niovs)
		goto err;

	area->freelist = kvmalloc_array(nr_iovs, sizeof(area->freelist[0]),
					GFP_KERNEL_ACCOUNT | __GFP_ZERO |
					__GFP_NOWARN);
	if (!area->freelist)
		goto err;

	area->user_refs = kvcalloc(nr_iovs, sizeof(area->user_refs[0]),
				   GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!area->user_refs)
		goto err;

	for (i = 0; i < nr_iovs; i++) {
		struct net_iov *niov = &area->nia.niovs[i];

		niov->owner = &area->nia;
		niov->type = NET_IOV_IOURING;
		area->freelist[i] = i;
		atomic_set(&area->user_refs[i], 0);
	}

	if (ifq->dev) {
		ret = io_populate_area_dma(ifq, area);
		if (ret)
			goto err;
	}

	area->free_count = nr_iovs;
	/* one area per ifq on 6.12 */
	area->area_id = 0;
	area_reg->rq_area_token = (u64)area->area_id << IORING_ZCRX_AREA_SHIFT;
	ifq->area = area;
	return 0;
err:
	if (area)
		io_zcrx_free_area(ifq, area);
	return ret;
}

static void io_zcrx_ifq_free_work(struct work_struct *work);

static struct io_zcrx_ifq *io_zcrx_ifq_alloc(struct io_ring_ctx *ctx)
{
	struct io_zcrx_ifq *ifq;

	ifq = kzalloc(sizeof(*ifq), GFP_KERNEL);
	if (!ifq)
		return NULL;

	ifq->if_rxq = -1;
	spin_lock_init(&ifq->rq.lock);
	spin_lock_init(&ifq->alloc_lock);
	spin_lock_init(&ifq->ctx_lock);
	mutex_init(&ifq->pp_lock);
	refcount_set(&ifq->refs, 1);
	refcount_set(&ifq->user_refs, 1);
	INIT_WORK(&ifq->free_work, io_zcrx_ifq_free_work);
	return ifq;
}

/* Under rtnl_lock: the queue's unbind and netdev unregister both get here. */
static void io_zcrx_drop_netdev(struct io_zcrx_ifq *ifq)
{
	ASSERT_RTNL();

	if (!ifq->netdev)
		return;
	netdev_put(ifq->netdev, &ifq->netdev_tracker);
	ifq->netdev = NULL;
}

static void io_close_queue(struct io_zcrx_ifq *ifq)
{
	struct pp_memory_provider_params p = {
		.mp_ops = &io_uring_pp_zc_ops,
		.mp_priv = ifq,
	};

	rtnl_lock();
	/*
	 * Once the queue runs without us the device does no more DMA to the
	 * area: unmap now, not when the last buffer comes back, when the
	 * device may be gone. If the restart failed the old pools still hand
	 * the area to the device, so it stays mapped until the ifq is freed
	 * (upstream unmaps regardless). A registration that failed between
	 * finding the netdev and binding the queue only lets go of the netdev.
	 */
	if (ifq->netdev && ifq->queue_bound &&
	    !net_mp_close_rxq(ifq->netdev, ifq->if_rxq, &p))
		io_zcrx_unmap_area(ifq);
	ifq->queue_bound = false;
	io_zcrx_drop_netdev(ifq);
	rtnl_unlock();
	ifq->if_rxq = -1;
}

static void io_zcrx_ifq_free(struct io_zcrx_ifq *ifq)
{
	if (ifq->area)
		io_zcrx_free_area(ifq, ifq->area);
	if (ifq->dev)
		put_device(ifq->dev);

	/* the region is charged to the mm too: drop it after */
	io_free_rbuf_ring(ifq);
	if (ifq->mm_account)
		mmdrop(ifq->mm_account);
	if (ifq->user)
		free_uid(ifq->user);
	mutex_destroy(&ifq->pp_lock);
	kfree(ifq);
}

static void io_zcrx_ifq_free_work(struct work_struct *work)
{
	io_zcrx_ifq_free(container_of(work, struct io_zcrx_ifq, free_work));
}

/*
 * A page pool may be destroyed where sleeping is not allowed on 6.12, so
 * a page pool's last reference frees the ifq from a workqueue.
 */
static void io_put_zcrx_ifq(struct io_zcrx_ifq *ifq)
{
	if (refcount_dec_and_test(&ifq->refs))
		queue_work(system_unbound_wq, &ifq->free_work);
}

static void io_zcrx_return_niov_freelist(struct net_iov *niov)
{
	struct io_zcrx_area *area = io_zcrx_iov_to_area(niov);
	struct io_zcrx_ifq *ifq = area->ifq;

	guard(spinlock_bh)(&ifq->alloc_lock);
	if (WARN_ON_ONCE(area->free_count >= area->nia.num_niovs))
		return;
	area->freelist[area->free_count++] = net_iov_idx(niov);
}

static struct net_iov *zcrx_get_free_niov(struct io_zcrx_area *area)
{
	unsigned int niov_idx;

	lockdep_assert_held(&area->ifq->alloc_lock);

	if (unlikely(!area->free_count))
		return NULL;

	niov_idx = area->freelist[--area->free_count];
	return &area->nia.niovs[niov_idx];
}

/*
 * A buffer whose last reference is gone: one of the copy fallback (no page
 * pool) goes to the freelist, a page pool's back to its pool.
 */
static void io_zcrx_return_niov(struct net_iov *niov)
{
	netmem_ref netmem = net_iov_to_netmem(niov);

	if (!niov->pp) {
		/* copy fallback allocated niovs */
		io_zcrx_return_niov_freelist(niov);
		return;
	}
	page_pool_put_unrefed_netmem(niov->pp, netmem, -1, false);
}

/* Take back every buffer userspace still holds. */
static void io_zcrx_scrub(struct io_zcrx_ifq *ifq)
{
	struct io_zcrx_area *area = ifq->area;
	int i;

	if (!area)
		return;

	for (i = 0; i < area->nia.num_niovs; i++) {
		struct net_iov *niov = &area->nia.niovs[i];
		int nr;

		if (!atomic_read(io_get_user_counter(niov)))
			continue;
		nr = atomic_xchg(io_get_user_counter(niov), 0);
		if (nr && !page_pool_unref_netmem(net_iov_to_netmem(niov), nr))
			io_zcrx_return_niov(niov);
		cond_resched();
	}
}

static void io_zcrx_flush_rq(struct io_zcrx_ifq *ifq);

/* The ring that gets the events, with a reference to it. */
static bool zcrx_set_ring_ctx(struct io_zcrx_ifq *ifq, struct io_ring_ctx *ctx)
{
	guard(spinlock_bh)(&ifq->ctx_lock);
	if (ifq->master_ctx)
		return false;
	percpu_ref_get(&ctx->refs);
	ifq->master_ctx = ctx;
	return true;
}

static void zcrx_clear_ring_ctx(struct io_zcrx_ifq *ifq, struct io_ring_ctx *ctx)
{
	guard(spinlock_bh)(&ifq->ctx_lock);
	if (!ctx || ifq->master_ctx != ctx)
		return;
	ifq->master_ctx = NULL;
	percpu_ref_put(&ctx->refs);
}

/*
 * A ring (@ctx) or an export file (NULL) lets go; the last one unbinds the
 * queue and takes back what userspace holds. Buffers that come back after
 * that must not wait in the refill ring, nor in skbs read on one CPU and
 * freed later on another (6.12 defers those frees).
 */
static void zcrx_unregister_user(struct io_zcrx_ifq *ifq,
				 struct io_ring_ctx *ctx)
{
	might_sleep();
	zcrx_clear_ring_ctx(ifq, ctx);
	if (!refcount_dec_and_test(&ifq->user_refs))
		return;
	io_close_queue(ifq);
	io_zcrx_scrub(ifq);
	io_zcrx_flush_rq(ifq);
	if (ifq->dev)
		net_mp_flush_deferred_skbs();
}

/*
 * A user lets go of its reference too. Its callers may sleep, so when no
 * page pool is left the ifq is freed at once: a failed registration or a
 * ring exit gives the memory charge back before it returns.
 */
static void zcrx_unregister(struct io_zcrx_ifq *ifq, struct io_ring_ctx *ctx)
{
	zcrx_unregister_user(ifq, ctx);
	if (refcount_dec_and_test(&ifq->refs))
		io_zcrx_ifq_free(ifq);
}

/**
 * io_zcrx_get_region() - the refill region of an ifq, for mmap
 * @ctx: the ring
 * @id: the ifq's zcrx_id
 *
 * Context: process context (mmap); the ifq lives as long as the ring.
 * Return: the region, or NULL for an unknown id.
 */
struct io_zcrx_region *io_zcrx_get_region(struct io_ring_ctx *ctx,
					  unsigned int id)
{
	struct io_zcrx_ifq *ifq = xa_load(&ctx->zcrx_ctxs, id);

	return ifq ? &ifq->rq_region : NULL;
}

static int zcrx_box_release(struct inode *inode, struct file *file)
{
	struct io_zcrx_ifq *ifq = file->private_data;

	if (WARN_ON_ONCE(!ifq))
		return -EFAULT;
	zcrx_unregister(ifq, NULL);
	return 0;
}

static const struct file_operations zcrx_box_fops = {
	.owner		= THIS_MODULE,
	.release	= zcrx_box_release,
};

/*
 * ZCRX_CTRL_EXPORT: a file that holds the ifq as a user, so that another
 * ring can import it with ZCRX_REG_IMPORT (if_idx = the file's fd).
 */
static int zcrx_export(struct io_ring_ctx *ctx, struct io_zcrx_ifq *ifq,
		       struct zcrx_ctrl *ctrl, void __user *arg)
{
	struct zcrx_ctrl_export *ce = &ctrl->zc_export;
	struct file *file;
	int fd;

	if (!mem_is_zero(ce, sizeof(*ce)))
		return -EINVAL;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	refcount_inc(&ifq->refs);
	refcount_inc(&ifq->user_refs);
	file = anon_inode_getfile("[zcrx]", &zcrx_box_fops, ifq, O_CLOEXEC);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		zcrx_unregister(ifq, NULL);
		return PTR_ERR(file);
	}

	ce->zcrx_fd = fd;
	if (copy_to_user(arg, ctrl, sizeof(*ctrl))) {
		fput(file);
		put_unused_fd(fd);
		return -EFAULT;
	}
	fd_install(fd, file);
	return 0;
}

/* ZCRX_REG_IMPORT: share an exported ifq with this ring. */
static int import_zcrx(struct io_ring_ctx *ctx,
		       struct io_uring_zcrx_ifq_reg __user *arg,
		       struct io_uring_zcrx_ifq_reg *reg)
{
	struct io_zcrx_ifq *ifq;
	struct fd f;
	int ret;
	u32 id;

	if (reg->if_rxq || reg->rq_entries || reg->area_ptr || reg->region_ptr)
		return -EINVAL;
	if (reg->event_desc)
		return -EINVAL;
	if (reg->flags & ~ZCRX_REG_IMPORT)
		return -EINVAL;

	f = fdget(reg->if_idx);
	if (!fd_file(f))
		return -EBADF;
	if (fd_file(f)->f_op != &zcrx_box_fops || !fd_file(f)->private_data) {
		fdput(f);
		return -EBADF;
	}
	ifq = fd_file(f)->private_data;
	refcount_inc(&ifq->refs);
	refcount_inc(&ifq->user_refs);
	fdput(f);

	ret = xa_alloc(&ctx->zcrx_ctxs, &id, NULL, xa_limit_31b, GFP_KERNEL);
	if (ret)
		goto err;

	/* as upstream: the id and the offsets, rq_entries stays 0 */
	reg->zcrx_id = id;
	io_fill_zcrx_offsets(&reg->offsets);
	if (copy_to_user(arg, reg, sizeof(*reg))) {
		ret = -EFAULT;
		goto err_xa_erase;
	}

	ret = -ENOMEM;
	if (xa_store(&ctx->zcrx_ctxs, id, ifq, GFP_KERNEL))
		goto err_xa_erase;
	return 0;
err_xa_erase:
	xa_erase(&ctx->zcrx_ctxs, id);
err:
	zcrx_unregister(ifq, NULL);
	return ret;
}

/*
 * Find the device before anything is pinned, as upstream does: -ENODEV
 * for no such netdev, -EOPNOTSUPP for one without a parent device to map
 * DMA for (lo, virtual devices). The area is mapped for that device
 * before rtnl_lock is taken: mapping a large area takes long. The queue
 * is bound under rtnl_lock, after checking that the device is still
 * registered (->uninstall() has run otherwise). On failure the netdev
 * stays; io_close_queue() in the error path lets go of it.
 */
static int zcrx_register_netdev(struct io_zcrx_ifq *ifq,
				struct io_uring_zcrx_ifq_reg *reg,
				struct io_uring_zcrx_area_reg *area)
{
	struct pp_memory_provider_params mp_param = {};
	int ret;

	ifq->netdev = netdev_get_by_index(current->nsproxy->net_ns, reg->if_idx,
					  &ifq->netdev_tracker, GFP_KERNEL);
	if (!ifq->netdev)
		return -ENODEV;
	if (!ifq->netdev->dev.parent) {
		netdev_put(ifq->netdev, &ifq->netdev_tracker);
		ifq->netdev = NULL;
		return -EOPNOTSUPP;
	}
	ifq->dev = get_device(ifq->netdev->dev.parent);
	ifq->if_idx = reg->if_idx;

	ret = io_zcrx_create_area(ifq, area, reg);
	if (ret)
		return ret;

	mp_param.mp_ops = &io_uring_pp_zc_ops;
	mp_param.mp_priv = ifq;
	rtnl_lock();
	if (ifq->netdev->reg_state != NETREG_REGISTERED)
		ret = -ENODEV;
	else
		ret = net_mp_open_rxq(ifq->netdev, reg->if_rxq, &mp_param, NULL);
	if (!ret) {
		ifq->if_rxq = reg->if_rxq;
		ifq->queue_bound = true;
	}
	rtnl_unlock();
	return ret;
}

/*
 * reg.event_desc, copied into @ed (zeroed without one) and checked in
 * upstream's order: unknown event types or flags, a stats_offset without
 * ZCRX_EVENT_DESC_FLAG_STATS, reserved fields: -EINVAL.
 */
static int zcrx_copy_event_desc(const struct io_uring_zcrx_ifq_reg *reg,
				struct zcrx_event_desc *ed)
{
	memset(ed, 0, sizeof(*ed));
	if (reg->event_desc &&
	    copy_from_user(ed, u64_to_user_ptr(reg->event_desc), sizeof(*ed)))
		return -EFAULT;
	if (ed->type_mask & ~IO_ZCRX_EVENT_TYPES)
		return -EINVAL;
	if (ed->flags & ~ZCRX_EVENT_DESC_FLAG_STATS)
		return -EINVAL;
	if (!(ed->flags & ZCRX_EVENT_DESC_FLAG_STATS) && ed->stats_offset)
		return -EINVAL;
	if (!mem_is_zero(ed->__resv2, sizeof(ed->__resv2)))
		return -EINVAL;
	return 0;
}

/*
 * ZCRX_EVENT_DESC_FLAG_STATS: struct zcrx_stats lives in the refill region
 * at stats_offset, aligned (-EINVAL), past the entries and inside the
 * region (-ERANGE). The kernel zeroes it; userspace only reads it.
 */
static int zcrx_set_stats(struct io_zcrx_ifq *ifq,
			  const struct io_uring_zcrx_ifq_reg *reg,
			  const struct zcrx_event_desc *ed)
{
	size_t used = io_zcrx_rq_hdr_size() +
		      reg->rq_entries * sizeof(struct io_uring_zcrx_rqe);
	size_t size = (size_t)ifq->rq_region.nr_pages << PAGE_SHIFT;
	u64 end;

	if (!IS_ALIGNED(ed->stats_offset, __alignof__(struct zcrx_stats)))
		return -EINVAL;
	if (ed->stats_offset < used)
		return -ERANGE;
	if (check_add_overflow(ed->stats_offset, sizeof(struct zcrx_stats),
			       &end) || end > size)
		return -ERANGE;
	ifq->notif_stats = ifq->rq_region.ptr + ed->stats_offset;
	memset(ifq->notif_stats, 0, sizeof(*ifq->notif_stats));
	return 0;
}

/**
 * io_register_zcrx() - IORING_REGISTER_ZCRX_IFQ
 * @ctx: the ring, with DEFER_TASKRUN and CQE32
 * @arg: a struct io_uring_zcrx_ifq_reg in user memory
 *
 * Pins and accounts the area, creates the refill ring and, unless
 * ZCRX_REG_NODEV, binds the page pool provider to the rx queue. Writes
 * back offsets, rq_entries, rx_buf_len, zcrx_id, the area's rq_area_token
 * and the region's mmap_offset. A failed registration leaves nothing
 * behind.
 *
 * Context: process context, ctx->uring_lock held.
 * Return: 0 or a negative errno (docs/abi-differences.md).
 */
int io_register_zcrx(struct io_ring_ctx *ctx,
		     struct io_uring_zcrx_ifq_reg __user *arg)
{
	struct io_uring_zcrx_area_reg area;
	struct io_uring_zcrx_ifq_reg reg;
	struct io_uring_region_desc rd;
	struct zcrx_event_desc ed;
	struct io_zcrx_ifq *ifq;
	int ret;
	u32 id;

	/*
	 * 1. Interface queue allocation.
	 * 2. It can observe data destined for sockets of other tasks.
	 */
	if (!capable(CAP_NET_ADMIN))
		return -EPERM;

	/* mandatory io_uring features for zc rx */
	if (!(ctx->flags & IORING_SETUP_DEFER_TASKRUN))
		return -EINVAL;
	if (!(ctx->flags & IORING_SETUP_CQE32))
		return -EINVAL;
	if (copy_from_user(&reg, arg, sizeof(reg)))
		return -EFAULT;
	if (!mem_is_zero(&reg.__resv, sizeof(reg.__resv)) || reg.zcrx_id)
		return -EINVAL;
	if (reg.flags & ~IO_ZCRX_REG_FLAGS)
		return -EINVAL;
	if (reg.flags & ZCRX_REG_IMPORT)
		return import_zcrx(ctx, arg, &reg);
	if (copy_from_user(&rd, u64_to_user_ptr(reg.region_ptr), sizeof(rd)))
		return -EFAULT;
	if (reg.if_rxq == -1 || !reg.rq_entries)
		return -EINVAL;
	if ((reg.if_rxq || reg.if_idx) && (reg.flags & ZCRX_REG_NODEV))
		return -EINVAL;
	if (reg.rq_entries > IO_RQ_MAX_ENTRIES) {
		if (!(ctx->flags & IORING_SETUP_CLAMP))
			return -EINVAL;
		reg.rq_entries = IO_RQ_MAX_ENTRIES;
	}
	reg.rq_entries = roundup_pow_of_two(reg.rq_entries);

	if (copy_from_user(&area, u64_to_user_ptr(reg.area_ptr), sizeof(area)))
		return -EFAULT;
	if (area.rq_area_token)
		return -EINVAL;

	ret = zcrx_copy_event_desc(&reg, &ed);
	if (ret)
		return ret;

	ifq = io_zcrx_ifq_alloc(ctx);
	if (!ifq)
		return -ENOMEM;
	ifq->notif_data = ed.user_data;
	ifq->allowed_notif_mask = ed.type_mask;

	if (ctx->user)
		ifq->user = get_uid(ctx->user);
	if (ctx->mm_account) {
		mmgrab(ctx->mm_account);
		ifq->mm_account = ctx->mm_account;
	}
	ifq->rq.nr_entries = reg.rq_entries;

	/* preallocate id; the ifq becomes visible only at the end */
	ret = xa_alloc(&ctx->zcrx_ctxs, &id, NULL, xa_limit_31b, GFP_KERNEL);
	if (ret)
		goto ifq_free;
	ifq->id = id;

	ret = io_allocate_rbuf_ring(ifq, &rd, id);
	if (ret)
		goto err;
	if (ed.flags & ZCRX_EVENT_DESC_FLAG_STATS) {
		ret = zcrx_set_stats(ifq, &reg, &ed);
		if (ret)
			goto err;
	}

	if (!(reg.flags & ZCRX_REG_NODEV))
		ret = zcrx_register_netdev(ifq, &reg, &area);
	else
		ret = io_zcrx_create_area(ifq, &area, &reg);
	if (ret)
		goto err;

	reg.zcrx_id = id;
	reg.rx_buf_len = PAGE_SIZE;
	io_fill_zcrx_offsets(&reg.offsets);

	if (copy_to_user(arg, &reg, sizeof(reg)) ||
	    copy_to_user(u64_to_user_ptr(reg.region_ptr), &rd, sizeof(rd)) ||
	    copy_to_user(u64_to_user_ptr(reg.area_ptr), &area, sizeof(area))) {
		ret = -EFAULT;
		goto err;
	}

	/* publish ifq */
	ret = -ENOMEM;
	if (xa_store(&ctx->zcrx_ctxs, id, ifq, GFP_KERNEL))
		goto err;
	if (ed.type_mask)
		zcrx_set_ring_ctx(ifq, ctx);
	return 0;
err:
	xa_erase(&ctx->zcrx_ctxs, id);
ifq_free:
	zcrx_unregister(ifq, ctx);
	return ret;
}

/**
 * io_terminate_zcrx() - the ring's file is going: drop its user references
 * @ctx: the ring
 *
 * An ifq only this ring used is unbound and scrubbed here, so its queue
 * can be bound again as soon as close() returns or the process is reaped.
 * Upstream does this in the ring's exit work; 6.12 calls it from the
 * ring's release, under uring_lock, so no request runs meanwhile.
 *
 * Context: process context, ctx->uring_lock held. Once per ring.
 */
void io_terminate_zcrx(struct io_ring_ctx *ctx)
{
	struct io_zcrx_ifq *ifq;
	unsigned long id;

	lockdep_assert_held(&ctx->uring_lock);

	xa_for_each(&ctx->zcrx_ctxs, id, ifq)
		zcrx_unregister_user(ifq, ctx);
}

/**
 * io_unregister_zcrx() - the ring is being freed: drop its ifqs
 * @ctx: the ring; no request is left
 *
 * Context: process context (the ring's exit work).
 */
void io_unregister_zcrx(struct io_ring_ctx *ctx)
{
	struct io_zcrx_ifq *ifq;
	unsigned long id;

	xa_for_each(&ctx->zcrx_ctxs, id, ifq) {
		xa_erase(&ctx->zcrx_ctxs, id);
		/*
		 * Requests that ran after termination may have given buffers
		 * to userspace: scrub again if nobody uses the ifq.
		 */
		if (refcount_read(&ifq->user_refs) == 0)
			io_zcrx_scrub(ifq);
		if (refcount_dec_and_test(&ifq->refs))
			io_zcrx_ifq_free(ifq);
	}
	xa_destroy(&ctx->zcrx_ctxs);
}

/*
 * The refill ring. Userspace writes entries at rqes[tail & mask] and
 * store-releases the tail; the kernel load-acquires the tail, consumes and
 * store-releases the head. Nothing in an entry is trusted: one with a
 * non-zero pad, another area's token, an index out of range, or naming a
 * buffer userspace holds no reference to is consumed and skipped. A tail
 * more than nr_entries ahead of the head is clamped to nr_entries.
 */
static inline u32 zcrx_rq_entries(struct zcrx_rq *rq)
{
	u32 entries;

	/* pairs with userspace's store-release of the tail: entries first */
	entries = smp_load_acquire(&rq->ring->tail) - rq->cached_head;
	return min(entries, rq->nr_entries);
}

static struct io_uring_zcrx_rqe *zcrx_next_rqe(struct zcrx_rq *rq,
					       unsigned int mask)
{
	unsigned int idx = rq->cached_head++ & mask;

	return &rq->rqes[idx];
}

static inline bool io_parse_rqe(struct io_uring_zcrx_rqe *rqe,
				struct io_zcrx_ifq *ifq,
				struct net_iov **ret_niov)
{
	struct io_zcrx_area *area = ifq->area;
	u64 off = READ_ONCE(rqe->off);
	/* 64 bits: an index past 32 bits must not wrap into the area */
	u64 niov_idx = (off & ~IORING_ZCRX_AREA_MASK) >> PAGE_SHIFT;
	unsigned int area_idx = off >> IORING_ZCRX_AREA_SHIFT;

	if (unlikely(READ_ONCE(rqe->__pad) || area_idx != area->area_id ||
		     niov_idx >= area->nia.num_niovs))
		return false;
	niov_idx = array_index_nospec(niov_idx, area->nia.num_niovs);

	*ret_niov = &area->nia.niovs[niov_idx];
	return true;
}

/*
 * Buffers userspace gave back, straight into the pool's cache when they
 * are the pool's; at most PP_ALLOC_CACHE_REFILL entries, one lock section.
 */
static void io_zcrx_ring_refill(struct page_pool *pp, struct io_zcrx_ifq *ifq)
{
	struct zcrx_rq *rq = &ifq->rq;
	unsigned int mask = rq->nr_entries - 1;
	unsigned int entries;

	guard(spinlock_bh)(&rq->lock);

	entries = min_t(unsigned int, zcrx_rq_entries(rq),
			PP_ALLOC_CACHE_REFILL - pp->alloc.count);
	if (unlikely(!entries))
		return;

	do {
		struct io_uring_zcrx_rqe *rqe = zcrx_next_rqe(rq, mask);
		struct net_iov *niov;
		netmem_ref netmem;

		if (!io_parse_rqe(rqe, ifq, &niov))
			continue;
		if (!io_zcrx_put_niov_uref(niov))
			continue;

		/* other references (an skb still queued) keep it alive */
		netmem = net_iov_to_netmem(niov);
		if (page_pool_unref_netmem(netmem, 1))
			continue;

		if (unlikely(niov->pp != pp)) {
			io_zcrx_return_niov(niov);
			continue;
		}

		zcrx_sync_for_device(pp, niov);
		net_mp_netmem_place_in_cache(pp, netmem);
	} while (--entries);

	/* entries are read before userspace may reuse their slots */
	smp_store_release(&rq->ring->head, rq->cached_head);
}

/* Buffers nobody has, when userspace gave none back. */
static void io_zcrx_refill_slow(struct page_pool *pp, struct io_zcrx_ifq *ifq)
{
	struct io_zcrx_area *area = ifq->area;

	guard(spinlock_bh)(&ifq->alloc_lock);

	while (pp->alloc.count < PP_ALLOC_CACHE_REFILL) {
		struct net_iov *niov = zcrx_get_free_niov(area);

		if (!niov)
			break;
		net_mp_niov_set_page_pool(pp, niov);
		zcrx_sync_for_device(pp, niov);
		net_mp_netmem_place_in_cache(pp, net_iov_to_netmem(niov));
	}
}

static void zcrx_event_tw(struct io_kiocb *req, struct io_tw_state *ts)
{
	struct io_ring_ctx *ctx = req->ctx;

	io_post_aux_cqe(ctx, req->cqe.user_data, req->cqe.res, 0);
	percpu_ref_put(&ctx->refs);
	kmem_cache_free(req_cachep, req);
}

/*
 * Post an event CQE (user_data from the descriptor, res the event type,
 * no flags) to the master ring, once per type until re-armed. A request
 * of the ring's cache carries it to the submitter task's local work. If
 * the ring exits first, 6.12 moves the request to that task's own task
 * work (io_req_normal_work_add(), through req->task->io_uring), or to the
 * ring's fallback work if the task is exiting; either runs it. So the
 * task must have an io_uring context: a ring enabled by a thread that
 * never submitted has none, and its event is dropped (not marked fired),
 * as is one of a ring not enabled yet or with no memory for the request.
 */
static void zcrx_send_event(struct io_zcrx_ifq *ifq, enum zcrx_event_type type)
{
	u32 mask = BIT(type);
	struct task_struct *task;
	struct io_ring_ctx *ctx;
	struct io_kiocb *req;

	if (!(ifq->allowed_notif_mask & mask))
		return;

	guard(spinlock_bh)(&ifq->ctx_lock);
	ctx = ifq->master_ctx;
	if (!ctx || (ifq->fired_notifs & mask))
		return;
	/* set when a ring set up disabled is enabled, as msg_ring reads it */
	task = READ_ONCE(ctx->submitter_task);
	if (!task || !READ_ONCE(task->io_uring))
		return;
	req = kmem_cache_zalloc(req_cachep, GFP_ATOMIC | __GFP_NOWARN);
	if (!req)
		return;
	ifq->fired_notifs |= mask;

	req->opcode = IORING_OP_NOP;
	req->cqe.user_data = ifq->notif_data;
	req->cqe.res = type;
	req->ctx = ctx;
	req->task = task;
	percpu_ref_get(&ctx->refs);
	req->io_task_work.func = zcrx_event_tw;
	io_req_task_work_add(req);
}

/*
 * The pool calls this with an empty alloc cache. Buffers go into the
 * cache and the last one placed is handed out from it: the page pool is
 * not entered again.
 */
static netmem_ref io_pp_zc_alloc_netmems(struct page_pool *pp, gfp_t gfp)
{
	struct io_zcrx_ifq *ifq = io_pp_to_ifq(pp);

	/* pp should already be ensuring that */
	if (unlikely(pp->alloc.count))
		goto out_return;

	io_zcrx_ring_refill(pp, ifq);
	if (likely(pp->alloc.count))
		goto out_return;

	io_zcrx_refill_slow(pp, ifq);
	if (!pp->alloc.count) {
		zcrx_send_event(ifq, ZCRX_EVENT_ALLOC_FAIL);
		return 0;
	}
out_return:
	return pp->alloc.cache[--pp->alloc.count];
}

static bool io_pp_zc_release_netmem(struct page_pool *pp, netmem_ref netmem)
{
	struct net_iov *niov;

	if (WARN_ON_ONCE(!netmem_is_net_iov(netmem)))
		return false;

	niov = netmem_to_net_iov(netmem);
	net_mp_niov_clear_page_pool(niov);
	io_zcrx_return_niov_freelist(niov);
	return false;
}

static int io_pp_zc_init(struct page_pool *pp)
{
	struct io_zcrx_ifq *ifq = io_pp_to_ifq(pp);

	if (WARN_ON_ONCE(!ifq))
		return -EINVAL;
	if (pp->p.dev != ifq->dev)
		return -EINVAL;
	/*
	 * The pool must map DMA (the area's addresses are what it hands the
	 * device) and for the device to write into, nothing else.
	 */
	if (!pp->dma_map)
		return -EOPNOTSUPP;
	if (pp->p.order != 0)
		return -EINVAL;
	if (pp->p.dma_dir != DMA_FROM_DEVICE)
		return -EOPNOTSUPP;
	if (!ifq->area || !ifq->area->is_mapped)
		return -EINVAL;

	refcount_inc(&ifq->refs);
	return 0;
}

static void io_pp_zc_destroy(struct page_pool *pp)
{
	io_put_zcrx_ifq(io_pp_to_ifq(pp));
}

static int io_pp_nl_fill(void *mp_priv, struct sk_buff *rsp,
			 struct netdev_rx_queue *rxq)
{
	struct nlattr *nest;
	int type;

	type = rxq ? NETDEV_A_QUEUE_IO_URING : NETDEV_A_PAGE_POOL_IO_URING;
	nest = nla_nest_start(rsp, type);
	if (!nest)
		return -EMSGSIZE;
	nla_nest_end(rsp, nest);

	return 0;
}

static void io_pp_uninstall(void *mp_priv, struct netdev_rx_queue *rxq)
{
	struct io_zcrx_ifq *ifq = mp_priv;

	io_zcrx_unmap_area(ifq);
	io_zcrx_drop_netdev(ifq);
}

static const struct memory_provider_ops io_uring_pp_zc_ops = {
	.alloc_netmems		= io_pp_zc_alloc_netmems,
	.release_netmem		= io_pp_zc_release_netmem,
	.init			= io_pp_zc_init,
	.destroy		= io_pp_zc_destroy,
	.nl_fill		= io_pp_nl_fill,
	.uninstall		= io_pp_uninstall,
};

/*
 * Take up to @nr entries off the ring into @netmem_array. A bad entry is
 * consumed and skipped, the batch goes on (upstream ends the batch there).
 * Return the entries consumed; *@parsed says how many buffers they named.
 */
static unsigned int zcrx_parse_rq(netmem_ref *netmem_array, unsigned int nr,
				  struct io_zcrx_ifq *zcrx, struct zcrx_rq *rq,
				  unsigned int *parsed)
{
	unsigned int mask = rq->nr_entries - 1;
	unsigned int i, n = 0;

	nr = min(nr, zcrx_rq_entries(rq));
	for (i = 0; i < nr; i++) {
		struct io_uring_zcrx_rqe *rqe = zcrx_next_rqe(rq, mask);
		struct net_iov *niov;

		if (!io_parse_rqe(rqe, zcrx, &niov))
			continue;
		netmem_array[n++] = net_iov_to_netmem(niov);
	}

	/* entries are read before userspace may reuse their slots */
	smp_store_release(&rq->ring->head, rq->cached_head);
	*parsed = n;
	return i;
}

#define ZCRX_FLUSH_BATCH	32

static void zcrx_return_buffers(netmem_ref *netmems, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		netmem_ref netmem = netmems[i];
		struct net_iov *niov = netmem_to_net_iov(netmem);

		if (!io_zcrx_put_niov_uref(niov))
			continue;
		if (page_pool_unref_netmem(netmem, 1))
			continue;
		io_zcrx_return_niov(niov);
	}
}

/*
 * Consume the whole refill ring outside the page pool, in batches of
 * ZCRX_FLUSH_BATCH entries, each its own lock section, until a batch
 * finds fewer entries or nr_entries went; a task with a fatal signal stops
 * early. ZCRX_CTRL_FLUSH_RQ, the copy fallback and shutdown use it.
 */
static void io_zcrx_flush_rq(struct io_zcrx_ifq *zcrx)
{
	netmem_ref netmems[ZCRX_FLUSH_BATCH];
	unsigned int total = 0;
	unsigned int nr, n;

	/* a registration that failed before the ring or area existed */
	if (unlikely(!zcrx->rq.ring || !zcrx->area))
		return;

	might_sleep();
	do {
		struct zcrx_rq *rq = &zcrx->rq;

		scoped_guard(spinlock_bh, &rq->lock) {
			nr = zcrx_parse_rq(netmems, ZCRX_FLUSH_BATCH, zcrx, rq,
					   &n);
			zcrx_return_buffers(netmems, n);
		}

		total += nr;

		if (fatal_signal_pending(current))
			break;
		cond_resched();
	} while (nr == ZCRX_FLUSH_BATCH && total < zcrx->rq.nr_entries);
}

static int zcrx_flush_rq(struct io_ring_ctx *ctx, struct io_zcrx_ifq *zcrx,
			 struct zcrx_ctrl *ctrl)
{
	struct zcrx_ctrl_flush_rq *frq = &ctrl->zc_flush;

	if (!mem_is_zero(&frq->__resv, sizeof(frq->__resv)))
		return -EINVAL;

	io_zcrx_flush_rq(zcrx);
	return 0;
}

/* ZCRX_CTRL_ARM_EVENT: an event that fired may fire again. */
static int zcrx_arm_event(struct io_zcrx_ifq *ifq, struct zcrx_ctrl *ctrl)
{
	struct zcrx_ctrl_arm_event *ae = &ctrl->zc_arm_event;
	u32 mask;

	if (ae->event_type >= __ZCRX_EVENT_TYPE_LAST)
		return -EINVAL;
	if (!mem_is_zero(ae->__resv, sizeof(ae->__resv)))
		return -EINVAL;

	mask = BIT(ae->event_type);
	guard(spinlock_bh)(&ifq->ctx_lock);
	/* not fired since the last arm (or never asked for) */
	if (!(ifq->fired_notifs & mask))
		return -EINVAL;
	ifq->fired_notifs &= ~mask;
	return 0;
}

/**
 * io_zcrx_ctrl() - IORING_REGISTER_ZCRX_CTRL
 * @ctx: the ring
 * @arg: a struct zcrx_ctrl in user memory
 * @nr_args: must be 0
 *
 * Context: process context, ctx->uring_lock held.
 * Return: 0; -EINVAL for nr_args or a bad operation argument; -EFAULT for
 * unreadable memory or reserved bits set; -ENXIO for an unknown zcrx_id;
 * -EOPNOTSUPP for an unknown operation or one 6.12 does not have yet.
 */
int io_zcrx_ctrl(struct io_ring_ctx *ctx, void __user *arg, unsigned int nr_args)
{
	struct zcrx_ctrl ctrl;
	struct io_zcrx_ifq *zcrx;

	BUILD_BUG_ON(sizeof(ctrl.zc_export) != sizeof(ctrl.zc_flush));
	BUILD_BUG_ON(sizeof(ctrl.zc_export) != sizeof(ctrl.zc_arm_event));

	if (nr_args)
		return -EINVAL;
	if (copy_from_user(&ctrl, arg, sizeof(ctrl)))
		return -EFAULT;
	if (!mem_is_zero(&ctrl.__resv, sizeof(ctrl.__resv)))
		return -EFAULT;

	zcrx = xa_load(&ctx->zcrx_ctxs, ctrl.zcrx_id);
	if (!zcrx)
		return -ENXIO;

	switch (ctrl.op) {
	case ZCRX_CTRL_FLUSH_RQ:
		return zcrx_flush_rq(ctx, zcrx, &ctrl);
	case ZCRX_CTRL_EXPORT:
		return zcrx_export(ctx, zcrx, &ctrl, arg);
	case ZCRX_CTRL_ARM_EVENT:
		return zcrx_arm_event(zcrx, &ctrl);
	}

	/* ADD_AREA (not yet on 6.12) and unknown operations */
	return -EOPNOTSUPP;
}

static bool io_zcrx_queue_cqe(struct io_kiocb *req, struct net_iov *niov,
			      struct io_zcrx_ifq *ifq, int off, int len)
{
	struct io_zcrx_area *area = io_zcrx_iov_to_area(niov);
	u64 offset;

	offset = off + ((u64)net_iov_idx(niov) << PAGE_SHIFT);
	offset += (u64)area->area_id << IORING_ZCRX_AREA_SHIFT;
	return io_req_post_cqe32(req, len, IORING_CQE_F_MORE, offset, 0);
}

/*
 * A buffer for the copy fallback, with one pp reference and no page pool.
 * Out of buffers, it takes back what userspace returned meanwhile: with
 * ZCRX_REG_NODEV no page pool ever consumes the refill ring.
 */
static struct net_iov *io_take_free_niov(struct io_zcrx_ifq *ifq)
{
	guard(spinlock_bh)(&ifq->alloc_lock);
	return zcrx_get_free_niov(ifq->area);
}

static struct net_iov *io_alloc_fallback_niov(struct io_zcrx_ifq *ifq)
{
	struct net_iov *niov;

	/*
	 * A dma-buf area has nothing the CPU may copy into: -ENOMEM (upstream
	 * asks ifq->kern_readable; 6.12 has one area per ifq)
	 */
	if (ifq->area->mem.is_dmabuf)
		return NULL;
	niov = io_take_free_niov(ifq);

	if (!niov) {
		io_zcrx_flush_rq(ifq);
		niov = io_take_free_niov(ifq);
	}
	if (niov)
		page_pool_fragment_netmem(net_iov_to_netmem(niov), 1);
	return niov;
}

/*
 * Fill one buffer: copy up to PAGE_SIZE of @len bytes starting @src_offset
 * bytes into @src_page (which may be the head of a compound page, so the
 * offset may run past its first page) to the start of @dst_page. As
 * upstream's io_copy_page(), a buffer is filled whole even where the
 * source crosses a page boundary; one source page is mapped at a time, as
 * highmem needs.
 */
static size_t io_copy_page(struct page *dst_page, struct page *src_page,
			   unsigned int src_offset, size_t len)
{
	size_t copied = 0;
	void *dst;

	len = min_t(size_t, len, PAGE_SIZE);
	dst = kmap_local_page(dst_page);
	while (copied < len) {
		struct page *page = src_page + (src_offset >> PAGE_SHIFT);
		unsigned int poff = offset_in_page(src_offset);
		size_t n = min_t(size_t, len - copied, PAGE_SIZE - poff);
		void *src = kmap_local_page(page);

		memcpy(dst + copied, src + poff, n);
		kunmap_local(src);
		src_offset += n;
		copied += n;
	}
	kunmap_local(dst);
	flush_dcache_page(dst_page);
	return copied;
}

/*
 * Copy @len bytes starting @src_offset bytes into @src_page into free
 * buffers, each filled whole but the last, and post a CQE for each.
 */
static ssize_t io_zcrx_copy_chunk(struct io_kiocb *req, struct io_zcrx_ifq *ifq,
				  struct page *src_page, unsigned int src_offset,
				  size_t len)
{
	size_t copied = 0;
	int ret = 0;

	while (len) {
		struct net_iov *niov;
		size_t n;

		niov = io_alloc_fallback_niov(ifq);
		if (!niov) {
			ret = -ENOMEM;
			break;
		}

		n = io_copy_page(io_zcrx_iov_page(niov), src_page, src_offset,
				 len);

		if (!io_zcrx_queue_cqe(req, niov, ifq, 0, n)) {
			if (!page_pool_unref_netmem(net_iov_to_netmem(niov), 1))
				io_zcrx_return_niov(niov);
			ret = -ENOSPC;
			break;
		}

		/* the buffer's one reference is now userspace's */
		io_zcrx_get_niov_uref(niov);
		atomic64_add(n, &ifq->copy_bytes);
		src_offset += n;
		len -= n;
		copied += n;
	}

	return copied ? copied : ret;
}

/*
 * Receives of one ring run in its submitter task, but an imported ifq's
 * run in two, so an addition may be lost (as upstream); WRITE_ONCE keeps
 * the values userspace reads untorn.
 */
static void zcrx_stat_add(u64 *stat, u64 v)
{
	WRITE_ONCE(*stat, READ_ONCE(*stat) + v);
}

/*
 * A frag not in the area (a driver's own pages, loopback, NODEV): copied.
 * As upstream, this is what the stats count and ZCRX_EVENT_COPY reports;
 * the copied linear part of an skb is not.
 */
static int io_zcrx_copy_frag(struct io_kiocb *req, struct io_zcrx_ifq *ifq,
			     const skb_frag_t *frag, int off, int len)
{
	struct page *page = skb_frag_page(frag);
	int ret;

	ret = io_zcrx_copy_chunk(req, ifq, page, off + skb_frag_off(frag), len);
	if (ret > 0) {
		if (ifq->notif_stats) {
			zcrx_stat_add(&ifq->notif_stats->copy_count, 1);
			zcrx_stat_add(&ifq->notif_stats->copy_bytes, ret);
		}
		zcrx_send_event(ifq, ZCRX_EVENT_COPY);
	}
	return ret;
}

static int io_zcrx_recv_frag(struct io_kiocb *req, struct io_zcrx_ifq *ifq,
			     const skb_frag_t *frag, int off, int len)
{
	struct net_iov *niov;
	struct page_pool *pp;

	if (unlikely(!skb_frag_is_net_iov(frag)))
		return io_zcrx_copy_frag(req, ifq, frag, off, len);

	niov = netmem_to_net_iov(frag->netmem);
	pp = niov->pp;

	if (!pp || pp->mp_ops != &io_uring_pp_zc_ops || io_pp_to_ifq(pp) != ifq)
		return -EFAULT;

	if (!io_zcrx_queue_cqe(req, niov, ifq, off + skb_frag_off(frag), len))
		return -ENOSPC;

	/*
	 * Prevent it from being recycled while user is accessing it.
	 * It has to be done before grabbing a user reference.
	 */
	page_pool_ref_netmem(net_iov_to_netmem(niov));
	io_zcrx_get_niov_uref(niov);
	atomic64_add(len, &ifq->zc_bytes);
	return len;
}

/* The tcp_read_sock() actor: report @len bytes of @skb from @offset. */
static int io_zcrx_recv_skb(read_descriptor_t *desc, struct sk_buff *skb,
			    unsigned int offset, size_t len)
{
	struct io_zcrx_args *args = desc->arg.data;
	struct io_zcrx_ifq *ifq = args->ifq;
	struct io_kiocb *req = args->req;
	struct sk_buff *frag_iter;
	unsigned int start, start_off = offset;
	int i, copy, end, off;
	int ret = 0;

	len = min_t(size_t, len, desc->count);
	/*
	 * __tcp_read_sock() always calls io_zcrx_recv_skb one last time, even
	 * if desc->count is already 0. This is caused by the if (offset + 1 !=
	 * skb->len) check. Return early in this case to break out of
	 * __tcp_read_sock().
	 */
	if (!len)
		return 0;
	if (unlikely(args->nr_skbs++ > IO_SKBS_PER_CALL_LIMIT))
		return -EAGAIN;

	if (unlikely(offset < skb_headlen(skb))) {
		ssize_t copied;
		size_t to_copy;

		to_copy = min_t(size_t, skb_headlen(skb) - offset, len);
		/* skb heads are kmalloc or page-frag memory, never vmalloc */
		copied = io_zcrx_copy_chunk(req, ifq, virt_to_page(skb->data),
					    offset_in_page(skb->data) + offset,
					    to_copy);
		if (copied < 0) {
			ret = copied;
			goto out;
		}
		offset += copied;
		len -= copied;
		if (!len)
			goto out;
		if (offset != skb_headlen(skb))
			goto out;
	}

	start = skb_headlen(skb);

	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++) {
		const skb_frag_t *frag;

		if (WARN_ON(start > offset + len))
			return -EFAULT;

		frag = &skb_shinfo(skb)->frags[i];
		end = start + skb_frag_size(frag);

		if (offset < end) {
			copy = end - offset;
			if (copy > len)
				copy = len;

			off = offset - start;
			ret = io_zcrx_recv_frag(req, ifq, frag, off, copy);
			if (ret < 0)
				goto out;

			offset += ret;
			len -= ret;
			if (len == 0 || ret != copy)
				goto out;
		}
		start = end;
	}

	skb_walk_frags(skb, frag_iter) {
		if (WARN_ON(start > offset + len))
			return -EFAULT;

		end = start + frag_iter->len;
		if (offset < end) {
			size_t count;

			copy = end - offset;
			if (copy > len)
				copy = len;

			off = offset - start;
			count = desc->count;
			ret = io_zcrx_recv_skb(desc, frag_iter, off, copy);
			desc->count = count;
			if (ret < 0)
				goto out;

			offset += ret;
			len -= ret;
			if (len == 0 || ret != copy)
				goto out;
		}
		start = end;
	}

out:
	/*
	 * tcp_read_sock() drops an error that follows progress (an earlier
	 * call of this actor may have made it): keep it for the retry.
	 */
	if (ret < 0 && !args->err)
		args->err = ret;
	if (offset == start_off)
		return ret;
	desc->count -= (offset - start_off);
	return offset - start_off;
}

static int io_zcrx_tcp_recvmsg(struct io_kiocb *req, struct io_zcrx_ifq *ifq,
			       struct sock *sk, int flags,
			       unsigned int issue_flags, unsigned int *outlen)
{
	unsigned int len = *outlen;
	struct io_zcrx_args args = {
		.req = req,
		.ifq = ifq,
	};
	read_descriptor_t rd_desc = {
		.count = len ? len : UINT_MAX,
		.arg.data = &args,
	};
	int ret;

	lock_sock(sk);
	ret = tcp_read_sock(sk, &rd_desc, io_zcrx_recv_skb);
	if (len && ret > 0)
		*outlen = len - ret;
	if (ret <= 0) {
		if (ret < 0 || sock_flag(sk, SOCK_DONE))
			goto out;
		if (sk->sk_err)
			ret = sock_error(sk);
		else if (sk->sk_shutdown & RCV_SHUTDOWN)
			goto out;
		else if (sk->sk_state == TCP_CLOSE)
			ret = -ENOTCONN;
		else
			ret = -EAGAIN;
	} else if (unlikely(args.nr_skbs > IO_SKBS_PER_CALL_LIMIT) &&
		   (issue_flags & IO_URING_F_MULTISHOT)) {
		ret = IOU_REQUEUE;
	} else if (unlikely(args.err) || sock_flag(sk, SOCK_DONE)) {
		/*
		 * Progress, then a full CQ, no free buffer or a foreign one.
		 * What was read is reported and the error is not: retry now,
		 * and an attempt that makes no progress reports it. Upstream
		 * waits for the socket's next wakeup to retry; data already
		 * queued may never bring one. After SOCK_DONE: retry until
		 * the read finally gets 0.
		 */
		if (issue_flags & IO_URING_F_MULTISHOT)
			ret = IOU_REQUEUE;
		else
			ret = -EAGAIN;
	}
out:
	release_sock(sk);
	return ret;
}

/**
 * io_zcrx_recv() - receive from a TCP socket into an ifq's area
 * @req: the IORING_OP_RECV_ZC request
 * @ifq: its ifq
 * @sock: the socket
 * @flags: MSG_* flags
 * @issue_flags: IO_URING_F_* of this issue
 * @len: bytes left to receive, 0 for no limit; updated
 *
 * A read that made progress and then found the CQ full, no free buffer
 * or a foreign buffer reports what it read and asks to be retried; the
 * error ends the request only on an attempt that makes no progress.
 *
 * Context: the submitter task, ctx->uring_lock held.
 * Return: bytes read, 0 at EOF, -EAGAIN for nothing yet, IOU_REQUEUE, or
 * a negative errno; -EPROTONOSUPPORT for a socket that is not plain TCP.
 */
int io_zcrx_recv(struct io_kiocb *req, struct io_zcrx_ifq *ifq,
		 struct socket *sock, unsigned int flags,
		 unsigned int issue_flags, unsigned int *len)
{
	struct sock *sk = sock->sk;
	const struct proto *prot = READ_ONCE(sk->sk_prot);

	/* kTLS, sockmap's tcp_bpf and espintcp have their own idea of data */
	if (prot->recvmsg != tcp_recvmsg)
		return -EPROTONOSUPPORT;

	sock_rps_record_flow(sk);
	return io_zcrx_tcp_recvmsg(req, ifq, sk, flags, issue_flags, len);
}

/**
 * io_zcrx_query() - fill the IO_URING_QUERY_ZCRX answer
 * @e: the answer, in kernel memory
 *
 * What 6.12 has: NODEV and IMPORT registrations, user memory and dma-buf
 * areas, the ctrl operations FLUSH_RQ, EXPORT and ARM_EVENT, and events
 * and stats (ZCRX_FEATURE_EVENT); no large buffers or ADD_AREA yet.
 *
 * Return: the size of the answer.
 */
ssize_t io_zcrx_query(struct io_uring_query_zcrx *e)
{
	memset(e, 0, sizeof(*e));
	e->register_flags = IO_ZCRX_REG_FLAGS;
	e->area_flags = IS_ENABLED(CONFIG_DMA_SHARED_BUFFER) ?
			IORING_ZCRX_AREA_DMABUF : 0;
	e->nr_ctrl_opcodes = ZCRX_CTRL_ARM_EVENT + 1;
	e->features = IO_ZCRX_FEATURES;
	e->rq_hdr_size = sizeof(struct io_uring);
	e->rq_hdr_alignment = L1_CACHE_BYTES;
	return sizeof(*e);
}

/**
 * io_zcrx_show_fdinfo() - print the ring's ifqs in its fdinfo
 * @m: the fdinfo file
 * @ctx: the ring
 *
 * One line per ifq: its id, the device and queue it was bound to (0 and 0
 * for ZCRX_REG_NODEV) and how many bytes recv-zc
 * delivered in place and through the copy fallback. Not upstream's: the
 * tests and the benchmark read it.
 *
 * Context: process context, ctx->uring_lock held (ifqs come and go under it).
 */
void io_zcrx_show_fdinfo(struct seq_file *m, struct io_ring_ctx *ctx)
{
	struct io_zcrx_ifq *ifq;
	unsigned long index;

	lockdep_assert_held(&ctx->uring_lock);
	/* an ifq without a queue (NODEV, unbound) shows rxq 0 */
	xa_for_each(&ctx->zcrx_ctxs, index, ifq)
		seq_printf(m, "ZcrxIfq%lu:\tifindex=%u rxq=%u zc_bytes=%lld copy_bytes=%lld\n",
			   index, ifq->if_idx,
			   ifq->if_rxq == -1 ? 0 : ifq->if_rxq,
			   atomic64_read(&ifq->zc_bytes),
			   atomic64_read(&ifq->copy_bytes));
}

#if IS_ENABLED(CONFIG_IO_URING_ZCRX_KUNIT_TEST)
#include "zcrx_kunit.c"
#endif

#if IS_ENABLED(CONFIG_IO_URING_ZCRX_KUNIT_BENCH)
#include "zcrx_bench_kunit.c"
#endif
